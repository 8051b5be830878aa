// RUN: %roundtrip | filecheck %s
// RUN: %generic-roundtrip | filecheck %s
// RUN: dato-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// A whole small design in mlir-aie's syntax: the shim feeds a memtile, which
// distributes each 64-element object to two cores; each core runs an external
// kernel and sends its result back through the shim. dato-opt prints it unchanged.

module {
  aie.device(npu1_2col) {
    func.func private @scale(memref<32xi32>, memref<32xi32>, i32)
    %shim_a = aie.tile(0, 0)
    %shim_b = aie.tile(1, 0)
    %memtile = aie.tile(0, 1)
    %tile_a = aie.tile(0, 2)
    %tile_b = aie.tile(1, 2)
    aie.objectfifo @in(%shim_a, {%memtile}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @in0(%memtile dimensionsToStream [<size = 4, stride = 8>, <size = 8, stride = 1>], {%tile_a}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.objectfifo @in1(%memtile, {%tile_b}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.objectfifo.link [@in] -> [@in0, @in1]([] [0, 32])
    aie.objectfifo @out0(%tile_a, {%shim_a}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    aie.objectfifo @out1(%tile_b, {%shim_b}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
    %core_a = aie.core(%tile_a) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c8 = arith.constant 8 : index
      %factor = arith.constant 3 : i32
      scf.for %i = %c0 to %c8 step %c1 {
        %0 = aie.objectfifo.acquire @in0(Consume, 1) : !aie.objectfifosubview<memref<32xi32>>
        %1 = aie.objectfifo.subview.access %0[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
        %2 = aie.objectfifo.acquire @out0(Produce, 1) : !aie.objectfifosubview<memref<32xi32>>
        %3 = aie.objectfifo.subview.access %2[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
        func.call @scale(%1, %3, %factor) : (memref<32xi32>, memref<32xi32>, i32) -> ()
        aie.objectfifo.release @in0(Consume, 1)
        aie.objectfifo.release @out0(Produce, 1)
      }
      aie.end
    } {link_with = "scale.o"}
    %core_b = aie.core(%tile_b) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c8 = arith.constant 8 : index
      %factor = arith.constant 5 : i32
      scf.for %i = %c0 to %c8 step %c1 {
        %0 = aie.objectfifo.acquire @in1(Consume, 1) : !aie.objectfifosubview<memref<32xi32>>
        %1 = aie.objectfifo.subview.access %0[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
        %2 = aie.objectfifo.acquire @out1(Produce, 1) : !aie.objectfifosubview<memref<32xi32>>
        %3 = aie.objectfifo.subview.access %2[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
        func.call @scale(%1, %3, %factor) : (memref<32xi32>, memref<32xi32>, i32) -> ()
        aie.objectfifo.release @in1(Consume, 1)
        aie.objectfifo.release @out1(Produce, 1)
      }
      aie.end
    } {link_with = "scale.o", stack_size = 2048 : i32}
    aie.runtime_sequence @sequence(%a: memref<512xi32>, %b: memref<256xi32>, %c: memref<256xi32>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 8, 64][0, 0, 64, 1]) {id = 1 : i64, metadata = @in} : memref<512xi32>
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 256][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out0} : memref<256xi32>
      aiex.npu.dma_memcpy_nd(%c[0, 0, 0, 0][1, 1, 1, 256][0, 0, 0, 1]) {id = 2 : i64, issue_token = true, metadata = @out1} : memref<256xi32>
      aiex.npu.dma_wait {symbol = @out0}
      aiex.npu.dma_wait {symbol = @out1}
    }
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   aie.device(npu1_2col) {
// CHECK-NEXT:     func.func private @scale(memref<32xi32>, memref<32xi32>, i32)
// CHECK-NEXT:     %shim_a = aie.tile(0, 0)
// CHECK-NEXT:     %shim_b = aie.tile(1, 0)
// CHECK-NEXT:     %memtile = aie.tile(0, 1)
// CHECK-NEXT:     %tile_a = aie.tile(0, 2)
// CHECK-NEXT:     %tile_b = aie.tile(1, 2)
// CHECK-NEXT:     aie.objectfifo @in(%shim_a, {%memtile}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
// CHECK-NEXT:     aie.objectfifo @in0(%memtile dimensionsToStream [<size = 4, stride = 8>, <size = 8, stride = 1>], {%tile_a}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
// CHECK-NEXT:     aie.objectfifo @in1(%memtile, {%tile_b}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
// CHECK-NEXT:     aie.objectfifo.link [@in] -> [@in0, @in1]([] [0, 32])
// CHECK-NEXT:     aie.objectfifo @out0(%tile_a, {%shim_a}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
// CHECK-NEXT:     aie.objectfifo @out1(%tile_b, {%shim_b}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
// CHECK-NEXT:     %core_a = aie.core(%tile_a) {
// CHECK-NEXT:       %c0 = arith.constant 0 : index
// CHECK-NEXT:       %c1 = arith.constant 1 : index
// CHECK-NEXT:       %c8 = arith.constant 8 : index
// CHECK-NEXT:       %factor = arith.constant 3 : i32
// CHECK-NEXT:       scf.for %i = %c0 to %c8 step %c1 {
// CHECK-NEXT:         %0 = aie.objectfifo.acquire @in0(Consume, 1) : !aie.objectfifosubview<memref<32xi32>>
// CHECK-NEXT:         %1 = aie.objectfifo.subview.access %0[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
// CHECK-NEXT:         %2 = aie.objectfifo.acquire @out0(Produce, 1) : !aie.objectfifosubview<memref<32xi32>>
// CHECK-NEXT:         %3 = aie.objectfifo.subview.access %2[0] : !aie.objectfifosubview<memref<32xi32>> -> memref<32xi32>
// CHECK-NEXT:         func.call @scale(%1, %3, %factor) : (memref<32xi32>, memref<32xi32>, i32) -> ()
// CHECK-NEXT:         aie.objectfifo.release @in0(Consume, 1)
// CHECK-NEXT:         aie.objectfifo.release @out0(Produce, 1)
// CHECK-NEXT:       }
// CHECK-NEXT:       aie.end
// CHECK-NEXT:     } {link_with = "scale.o"}
// CHECK-NEXT:     %core_b = aie.core(%tile_b) {
// CHECK:            %{{.*}} = aie.objectfifo.acquire @in1(Consume, 1) : !aie.objectfifosubview<memref<32xi32>>
// CHECK:            aie.objectfifo.release @out1(Produce, 1)
// CHECK-NEXT:       }
// CHECK-NEXT:       aie.end
// CHECK-NEXT:     } {link_with = "scale.o", stack_size = 2048 : i32}
// CHECK-NEXT:     aie.runtime_sequence @sequence(%a: memref<512xi32>, %b: memref<256xi32>, %c: memref<256xi32>) {
// CHECK-NEXT:       aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 8, 64][0, 0, 64, 1]) {id = 1 : i64, metadata = @in} : memref<512xi32>
// CHECK-NEXT:       aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 256][0, 0, 0, 1]) {id = 0 : i64, issue_token = true, metadata = @out0} : memref<256xi32>
// CHECK-NEXT:       aiex.npu.dma_memcpy_nd(%c[0, 0, 0, 0][1, 1, 1, 256][0, 0, 0, 1]) {id = 2 : i64, issue_token = true, metadata = @out1} : memref<256xi32>
// CHECK-NEXT:       aiex.npu.dma_wait {symbol = @out0}
// CHECK-NEXT:       aiex.npu.dma_wait {symbol = @out1}
// CHECK-NEXT:     }
// CHECK-NEXT:   }
// CHECK-NEXT: }

// The generic form is mlir-aie's: enum-valued properties are the i32 values of
// its enums (npu1_2col = 6, Consume = 1, Produce = 0).
// GENERIC:      "aie.device"() <{device = 6 : i32}> ({
// GENERIC:        "aie.tile"() <{col = 0 : i32, row = 1 : i32}> : () -> index
// GENERIC:        "aie.objectfifo"(%memtile, %tile_a) <{sym_name = "in0", elemNumber = 2 : i32, elemType = !aie.objectfifo<memref<32xi32>>
// GENERIC-SAME:     dimensionsToStream = #aie<bd_dim_layout_array[<size = 4, stride = 8>, <size = 8, stride = 1>]>
// GENERIC:        "aie.objectfifo.acquire"() <{port = 1 : i32, objFifo_name = @in0, size = 1 : i32}>
// GENERIC:        "aie.objectfifo.release"() <{port = 0 : i32, objFifo_name = @out0, size = 1 : i32}>
// GENERIC:        "aiex.npu.dma_memcpy_nd"(%a) <{static_offsets = array<i64: 0, 0, 0, 0>, static_sizes = array<i64: 1, 1, 8, 64>, static_strides = array<i64: 0, 0, 64, 1>
// GENERIC:        "aie.end"() : () -> ()
