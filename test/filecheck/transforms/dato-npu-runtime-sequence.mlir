// RUN: dato-opt %s --split-input-file --verify-diagnostics -p dato-npu-runtime-sequence | filecheck %s

// The runtime sequence from what dato-npu-transfers recorded: the host arrays
// (dato.host_args / dato.host_names on the device) and, on each shim-side
// fifo, its host array and dma_memcpy_nd patterns. The inputs of cases 1 and 2
// are dato-npu-core-bodies' output (dato-lower-to-aie-staged.mlir and
// dato-lower-to-aie-join.mlir, on npu1); cases 3 to 5 are written by hand.

// Case 1: reads go first, BD ids count up on shim column 0, the write raises
// a token and is awaited; the recorded attributes are consumed.
// CHECK-LABEL: aie.device(npu1) {
// CHECK-NOT:     dato.host_arg
// CHECK-NOT:     dato.dma_
// CHECK:         aie.runtime_sequence(%A: memref<2x8x8xi32>, %B: memref<8x8xi32>, %C: memref<8x8xi32>) {
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 1, 1, 128][0, 0, 128, 1]) {id = 0 : i64, metadata = @A_in0} : memref<2x8x8xi32>
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][1, 1, 8, 8][0, 0, 8, 1]) {id = 1 : i64, metadata = @B_in0} : memref<8x8xi32>
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 0][1, 1, 8, 8][0, 0, 8, 1]) {id = 2 : i64, issue_token = true, metadata = @C_out0} : memref<8x8xi32>
// CHECK-NEXT:      aiex.npu.dma_wait {symbol = @C_out0}
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// CHECK-NOT:   dato.host_args

aie.device(npu1) {
  func.func private @dato_fill_i32_64(memref<8x8xi32>, i32) -> ()
  func.func private @dato_matmul_i32_8x8x8(memref<8x8xi32>, memref<8x8xi32>, memref<8x8xi32>) -> ()
  func.func private @dato_copy_i32_64(memref<8x8xi32>, memref<8x8xi32>) -> ()
  %shim_c0 = aie.tile(0, 0)
  %core_c0_r2 = aie.tile(0, 2)
  aie.objectfifo @A_in0(%shim_c0, {%core_c0_r2}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 1, 1, 128>], dato.dma_strides = [array<i64: 0, 0, 128, 1>]} : !aie.objectfifo<memref<2x8x8xi32>>
  aie.objectfifo @B_in0(%shim_c0, {%core_c0_r2}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 1, 8, 8>], dato.dma_strides = [array<i64: 0, 0, 8, 1>]} : !aie.objectfifo<memref<8x8xi32>>
  aie.objectfifo @C_out0(%core_c0_r2, {%shim_c0}, 1 : i32) {dato.host_arg = 2 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 1, 8, 8>], dato.dma_strides = [array<i64: 0, 0, 8, 1>]} : !aie.objectfifo<memref<8x8xi32>>
  %0 = aie.buffer(%core_c0_r2) : memref<8x8xi32>
  %1 = aie.buffer(%core_c0_r2) : memref<8x8xi32>
  %2 = aie.core(%core_c0_r2) {
    %3 = aie.objectfifo.acquire @A_in0(Consume, 1) : !aie.objectfifosubview<memref<2x8x8xi32>>
    %4 = aie.objectfifo.subview.access %3[0] : !aie.objectfifosubview<memref<2x8x8xi32>> -> memref<2x8x8xi32>
    %5 = aie.objectfifo.acquire @B_in0(Consume, 1) : !aie.objectfifosubview<memref<8x8xi32>>
    %6 = aie.objectfifo.subview.access %5[0] : !aie.objectfifosubview<memref<8x8xi32>> -> memref<8x8xi32>
    %7 = aie.objectfifo.acquire @C_out0(Produce, 1) : !aie.objectfifosubview<memref<8x8xi32>>
    %8 = aie.objectfifo.subview.access %7[0] : !aie.objectfifosubview<memref<8x8xi32>> -> memref<8x8xi32>
    %zero = arith.constant 0 : i32
    func.call @dato_fill_i32_64(%0, %zero) : (memref<8x8xi32>, i32) -> ()
    %a1 = memref.subview %4[1, 0, 0] [1, 8, 8] [1, 1, 1] : memref<2x8x8xi32> to memref<8x8xi32, strided<[8, 1], offset: 64>>
    %9 = arith.constant 0 : index
    %10 = arith.constant 8 : index
    %11 = arith.constant 1 : index
    scf.for %12 = %9 to %10 step %11 {
      %13 = arith.constant 0 : index
      %14 = arith.constant 8 : index
      %15 = arith.constant 1 : index
      scf.for %16 = %13 to %14 step %15 {
        %17 = memref.load %a1[%12, %16] : memref<8x8xi32, strided<[8, 1], offset: 64>>
        memref.store %17, %1[%12, %16] : memref<8x8xi32>
      }
    }
    func.call @dato_matmul_i32_8x8x8(%1, %6, %0) : (memref<8x8xi32>, memref<8x8xi32>, memref<8x8xi32>) -> ()
    func.call @dato_copy_i32_64(%0, %8) : (memref<8x8xi32>, memref<8x8xi32>) -> ()
    aie.objectfifo.release @C_out0(Produce, 1)
    aie.objectfifo.release @B_in0(Consume, 1)
    aie.objectfifo.release @A_in0(Consume, 1)
    aie.end
  } {link_with = "kernels.o", dato.tasks = ["t_0"]}
} {dato.host_args = [memref<2x8x8xi32>, memref<8x8xi32>, memref<8x8xi32>], dato.host_names = ["A", "B", "C"]}

// -----

// Case 2: A leaves shim column 1 (six 8-element rows into the memtile's
// distribute), B enters shim column 0: each column counts its own BD ids.
// CHECK-LABEL: aie.device(npu1) {
// CHECK:         aie.runtime_sequence(%A: memref<6x8xi32>, %B: memref<8xi32>) {
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 6, 1, 8][0, 8, 8, 1]) {id = 0 : i64, metadata = @A_in0} : memref<6x8xi32>
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][1, 1, 1, 8][0, 0, 8, 1]) {id = 0 : i64, issue_token = true, metadata = @B_out0} : memref<8xi32>
// CHECK-NEXT:      aiex.npu.dma_wait {symbol = @B_out0}
// CHECK-NEXT:    }
// CHECK-NEXT:  }

aie.device(npu1) {
  func.func private @dato_copy_i32_8(memref<8xi32>, memref<8xi32>) -> ()
  func.func private @dato_fill_i32_8(memref<8xi32>, i32) -> ()
  func.func private @dato_add_i32_8(memref<8xi32>, memref<8xi32>, memref<8xi32>) -> ()
  %shim_c0 = aie.tile(0, 0)
  %shim_c1 = aie.tile(1, 0)
  %mem_c0 = aie.tile(0, 1)
  %mem_c1 = aie.tile(1, 1)
  %core_c0_r2 = aie.tile(0, 2)
  %core_c0_r3 = aie.tile(0, 3)
  %core_c0_r4 = aie.tile(0, 4)
  %core_c0_r5 = aie.tile(0, 5)
  %core_c1_r3 = aie.tile(1, 3)
  %core_c1_r4 = aie.tile(1, 4)
  %core_c1_r5 = aie.tile(1, 5)
  aie.objectfifo @A_in0_0(%mem_c1, {%core_c0_r2}, 1 : i32) : !aie.objectfifo<memref<1x8xi32>>
  aie.objectfifo @A_in0_1(%mem_c1, {%core_c0_r4}, 1 : i32) : !aie.objectfifo<memref<1x8xi32>>
  aie.objectfifo @A_in0_2(%mem_c1, {%core_c1_r3}, 1 : i32) : !aie.objectfifo<memref<1x8xi32>>
  aie.objectfifo @A_in0_3(%mem_c1, {%core_c0_r5}, 1 : i32) : !aie.objectfifo<memref<1x8xi32>>
  aie.objectfifo @A_in0_4(%mem_c1, {%core_c1_r5}, 1 : i32) : !aie.objectfifo<memref<1x8xi32>>
  aie.objectfifo @A_in0_5(%mem_c1, {%core_c1_r4}, 1 : i32) : !aie.objectfifo<memref<1x8xi32>>
  aie.objectfifo @A_in0(%shim_c1, {%mem_c1}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 6, 1, 8>], dato.dma_strides = [array<i64: 0, 8, 8, 1>]} : !aie.objectfifo<memref<48xi32>>
  aie.objectfifo.link [@A_in0] -> [@A_in0_0, @A_in0_1, @A_in0_2, @A_in0_3, @A_in0_4, @A_in0_5]([] [0, 8, 16, 24, 32, 40])
  aie.objectfifo @B_out0(%core_c0_r3, {%shim_c0}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 1, 1, 8>], dato.dma_strides = [array<i64: 0, 0, 8, 1>]} : !aie.objectfifo<memref<8xi32>>
  aie.objectfifo @rows_0(%core_c0_r2, {%core_c0_r3}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
  aie.objectfifo @rows_1(%core_c0_r4, {%core_c0_r3}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
  aie.objectfifo @rows_2(%core_c1_r3, {%core_c0_r3}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
  aie.objectfifo @rows_3(%core_c0_r5, {%mem_c0}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
  aie.objectfifo @rows_4(%core_c1_r5, {%mem_c0}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
  aie.objectfifo @rows_5(%core_c1_r4, {%core_c0_r3}, 2 : i32) : !aie.objectfifo<memref<8xi32>>
  aie.objectfifo @rows_3_join(%mem_c0, {%core_c0_r3}, 2 : i32) : !aie.objectfifo<memref<2x8xi32>>
  aie.objectfifo.link [@rows_3, @rows_4] -> [@rows_3_join]([0, 8] [])
  %0 = aie.buffer(%core_c0_r2) : memref<8xi32>
  %1 = aie.core(%core_c0_r2) {
    %2 = aie.objectfifo.acquire @A_in0_0(Consume, 1) : !aie.objectfifosubview<memref<1x8xi32>>
    %3 = aie.objectfifo.subview.access %2[0] : !aie.objectfifosubview<memref<1x8xi32>> -> memref<1x8xi32>
    %c0 = arith.constant 0 : index
    %row = memref.subview %3[%c0, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    %4 = arith.constant 0 : index
    %5 = arith.constant 8 : index
    %6 = arith.constant 1 : index
    scf.for %7 = %4 to %5 step %6 {
      %8 = memref.load %row[%7] : memref<8xi32, strided<[1], offset: ?>>
      memref.store %8, %0[%7] : memref<8xi32>
    }
    %9 = aie.objectfifo.acquire @rows_0(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
    %10 = aie.objectfifo.subview.access %9[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
    func.call @dato_copy_i32_8(%0, %10) : (memref<8xi32>, memref<8xi32>) -> ()
    aie.objectfifo.release @rows_0(Produce, 1)
    aie.objectfifo.release @A_in0_0(Consume, 1)
    aie.end
  } {link_with = "kernels.o", dato.tasks = ["src_0"]}
  %11 = aie.buffer(%core_c0_r3) : memref<8xi32>
  %12 = aie.buffer(%core_c0_r3) : memref<8xi32>
  %13 = aie.buffer(%core_c0_r3) : memref<8xi32>
  %14 = aie.core(%core_c0_r3) {
    %15 = aie.objectfifo.acquire @B_out0(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
    %16 = aie.objectfifo.subview.access %15[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
    %zero = arith.constant 0 : i32
    func.call @dato_fill_i32_8(%11, %zero) : (memref<8xi32>, i32) -> ()
    %17 = aie.objectfifo.acquire @rows_0(Consume, 1) : !aie.objectfifosubview<memref<8xi32>>
    %18 = aie.objectfifo.subview.access %17[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
    func.call @dato_copy_i32_8(%18, %12) : (memref<8xi32>, memref<8xi32>) -> ()
    aie.objectfifo.release @rows_0(Consume, 1)
    func.call @dato_add_i32_8(%11, %12, %13) : (memref<8xi32>, memref<8xi32>, memref<8xi32>) -> ()
    func.call @dato_copy_i32_8(%13, %11) : (memref<8xi32>, memref<8xi32>) -> ()
    %19 = aie.objectfifo.acquire @rows_1(Consume, 1) : !aie.objectfifosubview<memref<8xi32>>
    %20 = aie.objectfifo.subview.access %19[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
    func.call @dato_copy_i32_8(%20, %12) : (memref<8xi32>, memref<8xi32>) -> ()
    aie.objectfifo.release @rows_1(Consume, 1)
    func.call @dato_add_i32_8(%11, %12, %13) : (memref<8xi32>, memref<8xi32>, memref<8xi32>) -> ()
    func.call @dato_copy_i32_8(%13, %11) : (memref<8xi32>, memref<8xi32>) -> ()
    %21 = aie.objectfifo.acquire @rows_2(Consume, 1) : !aie.objectfifosubview<memref<8xi32>>
    %22 = aie.objectfifo.subview.access %21[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
    func.call @dato_copy_i32_8(%22, %12) : (memref<8xi32>, memref<8xi32>) -> ()
    aie.objectfifo.release @rows_2(Consume, 1)
    func.call @dato_add_i32_8(%11, %12, %13) : (memref<8xi32>, memref<8xi32>, memref<8xi32>) -> ()
    func.call @dato_copy_i32_8(%13, %11) : (memref<8xi32>, memref<8xi32>) -> ()
    %23 = aie.objectfifo.acquire @rows_3_join(Consume, 1) : !aie.objectfifosubview<memref<2x8xi32>>
    %24 = aie.objectfifo.subview.access %23[0] : !aie.objectfifosubview<memref<2x8xi32>> -> memref<2x8xi32>
    %25 = arith.constant 0 : index
    %26 = arith.constant 8 : index
    %27 = arith.constant 1 : index
    scf.for %28 = %25 to %26 step %27 {
      %29 = arith.constant 0 : index
      %30 = memref.load %24[%29, %28] : memref<2x8xi32>
      memref.store %30, %12[%28] : memref<8xi32>
    }
    func.call @dato_add_i32_8(%11, %12, %13) : (memref<8xi32>, memref<8xi32>, memref<8xi32>) -> ()
    func.call @dato_copy_i32_8(%13, %11) : (memref<8xi32>, memref<8xi32>) -> ()
    %31 = arith.constant 0 : index
    %32 = arith.constant 8 : index
    %33 = arith.constant 1 : index
    scf.for %34 = %31 to %32 step %33 {
      %35 = arith.constant 1 : index
      %36 = memref.load %24[%35, %34] : memref<2x8xi32>
      memref.store %36, %12[%34] : memref<8xi32>
    }
    aie.objectfifo.release @rows_3_join(Consume, 1)
    func.call @dato_add_i32_8(%11, %12, %13) : (memref<8xi32>, memref<8xi32>, memref<8xi32>) -> ()
    func.call @dato_copy_i32_8(%13, %11) : (memref<8xi32>, memref<8xi32>) -> ()
    %37 = aie.objectfifo.acquire @rows_5(Consume, 1) : !aie.objectfifosubview<memref<8xi32>>
    %38 = aie.objectfifo.subview.access %37[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
    func.call @dato_copy_i32_8(%38, %12) : (memref<8xi32>, memref<8xi32>) -> ()
    aie.objectfifo.release @rows_5(Consume, 1)
    func.call @dato_add_i32_8(%11, %12, %13) : (memref<8xi32>, memref<8xi32>, memref<8xi32>) -> ()
    func.call @dato_copy_i32_8(%13, %11) : (memref<8xi32>, memref<8xi32>) -> ()
    func.call @dato_copy_i32_8(%11, %16) : (memref<8xi32>, memref<8xi32>) -> ()
    aie.objectfifo.release @B_out0(Produce, 1)
    aie.end
  } {link_with = "kernels.o", dato.tasks = ["red_0"]}
  %39 = aie.buffer(%core_c0_r4) : memref<8xi32>
  %40 = aie.core(%core_c0_r4) {
    %41 = aie.objectfifo.acquire @A_in0_1(Consume, 1) : !aie.objectfifosubview<memref<1x8xi32>>
    %42 = aie.objectfifo.subview.access %41[0] : !aie.objectfifosubview<memref<1x8xi32>> -> memref<1x8xi32>
    %c0_1 = arith.constant 0 : index
    %row_1 = memref.subview %42[%c0_1, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    %43 = arith.constant 0 : index
    %44 = arith.constant 8 : index
    %45 = arith.constant 1 : index
    scf.for %46 = %43 to %44 step %45 {
      %47 = memref.load %row_1[%46] : memref<8xi32, strided<[1], offset: ?>>
      memref.store %47, %39[%46] : memref<8xi32>
    }
    %48 = aie.objectfifo.acquire @rows_1(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
    %49 = aie.objectfifo.subview.access %48[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
    func.call @dato_copy_i32_8(%39, %49) : (memref<8xi32>, memref<8xi32>) -> ()
    aie.objectfifo.release @rows_1(Produce, 1)
    aie.objectfifo.release @A_in0_1(Consume, 1)
    aie.end
  } {link_with = "kernels.o", dato.tasks = ["src_1"]}
  %50 = aie.buffer(%core_c0_r5) : memref<8xi32>
  %51 = aie.core(%core_c0_r5) {
    %52 = aie.objectfifo.acquire @A_in0_3(Consume, 1) : !aie.objectfifosubview<memref<1x8xi32>>
    %53 = aie.objectfifo.subview.access %52[0] : !aie.objectfifosubview<memref<1x8xi32>> -> memref<1x8xi32>
    %c0_2 = arith.constant 0 : index
    %row_2 = memref.subview %53[%c0_2, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    %54 = arith.constant 0 : index
    %55 = arith.constant 8 : index
    %56 = arith.constant 1 : index
    scf.for %57 = %54 to %55 step %56 {
      %58 = memref.load %row_2[%57] : memref<8xi32, strided<[1], offset: ?>>
      memref.store %58, %50[%57] : memref<8xi32>
    }
    %59 = aie.objectfifo.acquire @rows_3(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
    %60 = aie.objectfifo.subview.access %59[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
    func.call @dato_copy_i32_8(%50, %60) : (memref<8xi32>, memref<8xi32>) -> ()
    aie.objectfifo.release @rows_3(Produce, 1)
    aie.objectfifo.release @A_in0_3(Consume, 1)
    aie.end
  } {link_with = "kernels.o", dato.tasks = ["src_3"]}
  %61 = aie.buffer(%core_c1_r3) : memref<8xi32>
  %62 = aie.core(%core_c1_r3) {
    %63 = aie.objectfifo.acquire @A_in0_2(Consume, 1) : !aie.objectfifosubview<memref<1x8xi32>>
    %64 = aie.objectfifo.subview.access %63[0] : !aie.objectfifosubview<memref<1x8xi32>> -> memref<1x8xi32>
    %c0_3 = arith.constant 0 : index
    %row_3 = memref.subview %64[%c0_3, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    %65 = arith.constant 0 : index
    %66 = arith.constant 8 : index
    %67 = arith.constant 1 : index
    scf.for %68 = %65 to %66 step %67 {
      %69 = memref.load %row_3[%68] : memref<8xi32, strided<[1], offset: ?>>
      memref.store %69, %61[%68] : memref<8xi32>
    }
    %70 = aie.objectfifo.acquire @rows_2(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
    %71 = aie.objectfifo.subview.access %70[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
    func.call @dato_copy_i32_8(%61, %71) : (memref<8xi32>, memref<8xi32>) -> ()
    aie.objectfifo.release @rows_2(Produce, 1)
    aie.objectfifo.release @A_in0_2(Consume, 1)
    aie.end
  } {link_with = "kernels.o", dato.tasks = ["src_2"]}
  %72 = aie.buffer(%core_c1_r4) : memref<8xi32>
  %73 = aie.core(%core_c1_r4) {
    %74 = aie.objectfifo.acquire @A_in0_5(Consume, 1) : !aie.objectfifosubview<memref<1x8xi32>>
    %75 = aie.objectfifo.subview.access %74[0] : !aie.objectfifosubview<memref<1x8xi32>> -> memref<1x8xi32>
    %c0_4 = arith.constant 0 : index
    %row_4 = memref.subview %75[%c0_4, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    %76 = arith.constant 0 : index
    %77 = arith.constant 8 : index
    %78 = arith.constant 1 : index
    scf.for %79 = %76 to %77 step %78 {
      %80 = memref.load %row_4[%79] : memref<8xi32, strided<[1], offset: ?>>
      memref.store %80, %72[%79] : memref<8xi32>
    }
    %81 = aie.objectfifo.acquire @rows_5(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
    %82 = aie.objectfifo.subview.access %81[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
    func.call @dato_copy_i32_8(%72, %82) : (memref<8xi32>, memref<8xi32>) -> ()
    aie.objectfifo.release @rows_5(Produce, 1)
    aie.objectfifo.release @A_in0_5(Consume, 1)
    aie.end
  } {link_with = "kernels.o", dato.tasks = ["src_5"]}
  %83 = aie.buffer(%core_c1_r5) : memref<8xi32>
  %84 = aie.core(%core_c1_r5) {
    %85 = aie.objectfifo.acquire @A_in0_4(Consume, 1) : !aie.objectfifosubview<memref<1x8xi32>>
    %86 = aie.objectfifo.subview.access %85[0] : !aie.objectfifosubview<memref<1x8xi32>> -> memref<1x8xi32>
    %c0_5 = arith.constant 0 : index
    %row_5 = memref.subview %86[%c0_5, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    %87 = arith.constant 0 : index
    %88 = arith.constant 8 : index
    %89 = arith.constant 1 : index
    scf.for %90 = %87 to %88 step %89 {
      %91 = memref.load %row_5[%90] : memref<8xi32, strided<[1], offset: ?>>
      memref.store %91, %83[%90] : memref<8xi32>
    }
    %92 = aie.objectfifo.acquire @rows_4(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
    %93 = aie.objectfifo.subview.access %92[0] : !aie.objectfifosubview<memref<8xi32>> -> memref<8xi32>
    func.call @dato_copy_i32_8(%83, %93) : (memref<8xi32>, memref<8xi32>) -> ()
    aie.objectfifo.release @rows_4(Produce, 1)
    aie.objectfifo.release @A_in0_4(Consume, 1)
    aie.end
  } {link_with = "kernels.o", dato.tasks = ["src_4"]}
} {dato.host_args = [memref<6x8xi32>, memref<8xi32>], dato.host_names = ["A", "B"]}

// -----

// Case 3: 18 calls on shim column 0, which has 16 BDs. The calls go in the
// order the cores use them (share of their transfer, writes first): the
// write (id 0), then A's 17 calls (ids 1..15). Call 16 of A finds no free BD:
// the column's oldest running read (A's call 1, id 1) gets a token and is
// awaited, and its BD is reused; call 17 likewise takes id 2 after A's call 2.
// CHECK-LABEL: aie.device(npu1) {
// CHECK:         aie.runtime_sequence(%A: memref<17x16xi32>, %B: memref<16xi32>) {
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][1, 1, 1, 16][0, 0, 16, 1]) {id = 0 : i64, issue_token = true, metadata = @B_out0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 1, 1, 16][0, 0, 16, 1]) {id = 1 : i64, issue_token = true, metadata = @A_in0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 16][1, 1, 1, 16][0, 0, 16, 1]) {id = 2 : i64, issue_token = true, metadata = @A_in0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 32][1, 1, 1, 16][0, 0, 16, 1]) {id = 3 : i64, metadata = @A_in0}
// CHECK:           aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 224][1, 1, 1, 16][0, 0, 16, 1]) {id = 15 : i64, metadata = @A_in0}
// CHECK-NEXT:      aiex.npu.dma_wait {symbol = @A_in0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 240][1, 1, 1, 16][0, 0, 16, 1]) {id = 1 : i64, metadata = @A_in0}
// CHECK-NEXT:      aiex.npu.dma_wait {symbol = @A_in0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 256][1, 1, 1, 16][0, 0, 16, 1]) {id = 2 : i64, metadata = @A_in0}
// CHECK-NEXT:      aiex.npu.dma_wait {symbol = @B_out0}
// CHECK-NEXT:    }

aie.device(npu1) {
  %shim_c0 = aie.tile(0, 0)
  %core_c0_r2 = aie.tile(0, 2)
  aie.objectfifo @A_in0(%shim_c0, {%core_c0_r2}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256>, dato.dma_sizes = [array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>], dato.dma_strides = [array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>]} : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @B_out0(%core_c0_r2, {%shim_c0}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 1, 1, 16>], dato.dma_strides = [array<i64: 0, 0, 16, 1>]} : !aie.objectfifo<memref<16xi32>>
} {dato.host_args = [memref<17x16xi32>, memref<16xi32>], dato.host_names = ["A", "B"]}

// -----

// Case 4: a device that records no host transfers (the bundled GEMM design
// builds its own sequence) is left as it is.
// CHECK-LABEL: aie.device(npu1) {
// CHECK:         aie.runtime_sequence(%A: memref<16xi32>) {
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 1, 1, 16][0, 0, 16, 1]) {id = 7 : i64, metadata = @A_in0}
// CHECK-NEXT:    }
// CHECK-NOT:     aie.runtime_sequence

aie.device(npu1) {
  %shim_c0 = aie.tile(0, 0)
  %core_c0_r2 = aie.tile(0, 2)
  aie.objectfifo @A_in0(%shim_c0, {%core_c0_r2}, 1 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.runtime_sequence(%A: memref<16xi32>) {
    aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 1, 1, 16][0, 0, 16, 1]) {id = 7 : i64, metadata = @A_in0} : memref<16xi32>
  }
}

// -----

// Case 5: a recorded host argument the device does not have is refused.
// CHECK: error: 'aie.device' op fifo @A_in0 moves host argument 1, but the device records 1 host arguments

aie.device(npu1) {
  %shim_c0 = aie.tile(0, 0)
  %core_c0_r2 = aie.tile(0, 2)
  aie.objectfifo @A_in0(%shim_c0, {%core_c0_r2}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 1, 1, 16>], dato.dma_strides = [array<i64: 0, 0, 16, 1>]} : !aie.objectfifo<memref<16xi32>>
} {dato.host_args = [memref<16xi32>], dato.host_names = ["A"]}

// -----

// Case 6: patterns over the shim's 1023-word innermost size. Four contiguous
// rows of 1024 words are one linear transfer of 4096 (the shim takes a linear
// transfer whole); two rows of 2048 words, 4096 apart, become rows of 512 (the
// largest divisor of 2048 under 1024), four per row of A; a pattern already
// within the limits is kept as written.
// CHECK-LABEL: aie.device(npu1) {
// CHECK:         aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 1, 1, 4096][0, 0, 0, 1]) {id = 0 : i64, metadata = @A_in0}
// CHECK-NEXT:    aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 2, 4, 512][0, 4096, 512, 1]) {id = 1 : i64, metadata = @A_in1}
// CHECK-NEXT:    aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 2, 4, 1000][0, 8000, 2000, 1]) {id = 2 : i64, metadata = @A_in2}

aie.device(npu1) {
  %shim_c0 = aie.tile(0, 0)
  %core_c0_r2 = aie.tile(0, 2)
  %core_c0_r3 = aie.tile(0, 3)
  %core_c0_r4 = aie.tile(0, 4)
  aie.objectfifo @A_in0(%shim_c0, {%core_c0_r2}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 4, 1, 1024>], dato.dma_strides = [array<i64: 0, 1024, 1024, 1>]} : !aie.objectfifo<memref<4096xi32>>
  aie.objectfifo @A_in1(%shim_c0, {%core_c0_r3}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 1, 2, 2048>], dato.dma_strides = [array<i64: 0, 0, 4096, 1>]} : !aie.objectfifo<memref<4096xi32>>
  aie.objectfifo @A_in2(%shim_c0, {%core_c0_r4}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 2, 4, 1000>], dato.dma_strides = [array<i64: 0, 8000, 2000, 1>]} : !aie.objectfifo<memref<8000xi32>>
} {dato.host_args = [memref<8x4096xi32>], dato.host_names = ["A"]}

// -----

// Case 7: a repeat count over the BD's 64 (mlir-aie's "[1:64]" range): 150
// repeats of a 4x16 block 16 elements apart become calls of 64, 64 and 22
// repeats, each starting 64 x 16 = 1024 elements after the one before.
// CHECK-LABEL: aie.device(npu1) {
// CHECK:         aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][64, 1, 4, 16][16, 0, 4096, 1]) {id = 0 : i64, metadata = @A_in0}
// CHECK-NEXT:    aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 1024][64, 1, 4, 16][16, 0, 4096, 1]) {id = 1 : i64, metadata = @A_in0}
// CHECK-NEXT:    aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 2048][22, 1, 4, 16][16, 0, 4096, 1]) {id = 2 : i64, metadata = @A_in0}
// CHECK-NOT:     dma_memcpy_nd

aie.device(npu1) {
  %shim_c0 = aie.tile(0, 0)
  %core_c0_r2 = aie.tile(0, 2)
  aie.objectfifo @A_in0(%shim_c0, {%core_c0_r2}, 2 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 150, 1, 4, 16>], dato.dma_strides = [array<i64: 16, 0, 4096, 1>]} : !aie.objectfifo<memref<4x16xi32>>
} {dato.host_args = [memref<4x4096xi32>], dato.host_names = ["A"]}

// -----

// Case 8: row counts over dimension 1's 1023. 2048 contiguous rows of 6 i16
// are one linear transfer of 12288; 3000 rows of 8 words, 100 apart, are
// 3 x 1000 rows (dimension 2 strides over 1000 rows).
// CHECK-LABEL: aie.device(npu1) {
// CHECK:         aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][2, 1, 1, 12288][0, 0, 0, 1]) {id = 0 : i64, metadata = @B_in0}
// CHECK-NEXT:    aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 3, 1000, 8][0, 100000, 100, 1]) {id = 1 : i64, metadata = @A_in0}

aie.device(npu1) {
  %shim_c0 = aie.tile(0, 0)
  %core_c0_r2 = aie.tile(0, 2)
  %core_c0_r3 = aie.tile(0, 3)
  aie.objectfifo @B_in0(%shim_c0, {%core_c0_r2}, 2 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 2, 1, 2048, 6>], dato.dma_strides = [array<i64: 0, 0, 6, 1>]} : !aie.objectfifo<memref<12288xi16>>
  aie.objectfifo @A_in0(%shim_c0, {%core_c0_r3}, 2 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 1, 3000, 8>], dato.dma_strides = [array<i64: 0, 0, 100, 1>]} : !aie.objectfifo<memref<24000xi32>>
} {dato.host_args = [memref<3000x100xi32>, memref<2048x6xi16>], dato.host_names = ["A", "B"]}

// -----

// Case 9: a GEMM's shim column 0 serves A's two row fifos (8 calls each) and
// C (16 calls, one per output tile), 32 calls for 16 BDs; B's 8 calls leave
// column 1. A core finishes A's call k only with B's call k beside it, so a
// call is awaited only once every call starting before it finishes is issued
// (call k of n starts at stage k/n and finishes at (k+1)/n), reads first. The
// calls go round-robin by stage; before A_in1's last call the only running
// reads are A_in0's last call, which needs B's last call (not issued: waiting
// on it hangs), so the sequence waits on C's oldest call (an output whose
// inputs are issued) instead.
// CHECK-LABEL: aie.device(npu1) {
// CHECK:           aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 112][1, 1, 1, 16][0, 0, 16, 1]) {id = 15 : i64, issue_token = true, metadata = @C_out0}
// CHECK-NEXT:      aiex.npu.dma_wait {symbol = @A_in0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 128][1, 1, 1, 16][0, 0, 16, 1]) {id = 1 : i64, issue_token = true, metadata = @C_out0}
// CHECK:           aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 224][1, 1, 1, 16][0, 0, 16, 1]) {id = 5 : i64, issue_token = true, metadata = @C_out0}
// CHECK-NEXT:      aiex.npu.dma_wait {symbol = @A_in1}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 112][1, 1, 1, 16][0, 0, 16, 1]) {id = 10 : i64, metadata = @A_in0}
// CHECK-NEXT:      aiex.npu.dma_wait {symbol = @C_out0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 112][1, 1, 1, 16][0, 0, 16, 1]) {id = 0 : i64, metadata = @A_in1}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 112][1, 1, 1, 16][0, 0, 16, 1]) {id = 7 : i64, metadata = @B_in0}
// CHECK-NEXT:      aiex.npu.dma_wait {symbol = @C_out0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 240][1, 1, 1, 16][0, 0, 16, 1]) {id = 3 : i64, issue_token = true, metadata = @C_out0}
// CHECK-COUNT-14:  aiex.npu.dma_wait {symbol = @C_out0}
// CHECK-NEXT:    }

aie.device(npu1) {
  %shim_c0 = aie.tile(0, 0)
  %shim_c1 = aie.tile(1, 0)
  %core_c0_r2 = aie.tile(0, 2)
  %core_c0_r3 = aie.tile(0, 3)
  aie.objectfifo @A_in0(%shim_c0, {%core_c0_r2}, 2 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0, 16, 32, 48, 64, 80, 96, 112>, dato.dma_sizes = [array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>], dato.dma_strides = [array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>]} : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @A_in1(%shim_c0, {%core_c0_r3}, 2 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0, 16, 32, 48, 64, 80, 96, 112>, dato.dma_sizes = [array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>], dato.dma_strides = [array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>]} : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @B_in0(%shim_c1, {%core_c0_r2, %core_c0_r3}, 2 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0, 16, 32, 48, 64, 80, 96, 112>, dato.dma_sizes = [array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>], dato.dma_strides = [array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>]} : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @C_out0(%core_c0_r2, {%shim_c0}, 2 : i32) {dato.host_arg = 2 : i64, dato.dma_offsets = array<i64: 0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240>, dato.dma_sizes = [array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>], dato.dma_strides = [array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>, array<i64: 0, 0, 16, 1>]} : !aie.objectfifo<memref<16xi32>>
} {dato.host_args = [memref<8x16xi32>, memref<8x16xi32>, memref<16x16xi32>], dato.host_names = ["A", "B", "C"]}

// -----

// Case 10: a core that takes A whole before B (9 rows each, one call per row,
// 2-deep fifos) and then writes C: 19 calls on shim column 0 for 16 BDs. The
// calls go in the order the core body takes their objects: A's first two and
// B's first two fill the fifos' buffers at once, A's other rows follow as the
// core takes A, B's other rows after them, C last. B's 8th call finds no free
// BD and waits on A's 1st (finished: its row is in the core), B's 9th on A's
// 2nd, C on B's 1st; never on a B row the core reaches only after an A row
// not yet issued (the stage model waited on B's 3rd and hung).
// CHECK-LABEL: aie.device(npu1) {
// CHECK:         aie.runtime_sequence(%A0: memref<144xi32>, %B0: memref<144xi32>, %C0: memref<16xi32>) {
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%A0[0, 0, 0, 0]{{.*}} {id = 0 : i64, issue_token = true, metadata = @A0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%A0[0, 0, 0, 16]{{.*}} {id = 1 : i64, issue_token = true, metadata = @A0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%B0[0, 0, 0, 0]{{.*}} {id = 2 : i64, issue_token = true, metadata = @B0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%B0[0, 0, 0, 16]{{.*}} {id = 3 : i64, metadata = @B0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%A0[0, 0, 0, 32]{{.*}} {id = 4 : i64, metadata = @A0}
// CHECK:           aiex.npu.dma_memcpy_nd(%A0[0, 0, 0, 128]{{.*}} {id = 10 : i64, metadata = @A0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%B0[0, 0, 0, 32]{{.*}} {id = 11 : i64, metadata = @B0}
// CHECK:           aiex.npu.dma_memcpy_nd(%B0[0, 0, 0, 96]{{.*}} {id = 15 : i64, metadata = @B0}
// CHECK-NEXT:      aiex.npu.dma_wait {symbol = @A0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%B0[0, 0, 0, 112]{{.*}} {id = 0 : i64, metadata = @B0}
// CHECK-NEXT:      aiex.npu.dma_wait {symbol = @A0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%B0[0, 0, 0, 128]{{.*}} {id = 1 : i64, metadata = @B0}
// CHECK-NEXT:      aiex.npu.dma_wait {symbol = @B0}
// CHECK-NEXT:      aiex.npu.dma_memcpy_nd(%C0[0, 0, 0, 0]{{.*}} {id = 2 : i64, issue_token = true, metadata = @C0}
// CHECK-NEXT:      aiex.npu.dma_wait {symbol = @C0}
// CHECK-NEXT:    }

aie.device(npu1) {
  %shim = aie.tile(0, 0)
  %core0 = aie.tile(0, 2)
  aie.objectfifo @A0(%shim, {%core0}, 2 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0, 16, 32, 48, 64, 80, 96, 112, 128>, dato.dma_sizes = [array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>], dato.dma_strides = [array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>]} : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @B0(%shim, {%core0}, 2 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0, 16, 32, 48, 64, 80, 96, 112, 128>, dato.dma_sizes = [array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>, array<i64: 1, 1, 1, 16>], dato.dma_strides = [array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>, array<i64: 0, 0, 0, 1>]} : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @C0(%core0, {%shim}, 1 : i32) {dato.host_arg = 2 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 1, 1, 16>], dato.dma_strides = [array<i64: 0, 0, 0, 1>]} : !aie.objectfifo<memref<16xi32>>
  %acc0 = aie.buffer(%core0) : memref<16xi32>
  %k0 = aie.core(%core0) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %cw = arith.constant 16 : index
    %c9 = arith.constant 9 : index
    %z = arith.constant 0 : i32
    scf.for %j = %c0 to %cw step %c1 {
      memref.store %z, %acc0[%j] : memref<16xi32>
    }
    %m = arith.constant 1 : i32
    scf.for %i = %c0 to %c9 step %c1 {
      %s = aie.objectfifo.acquire @A0(Consume, 1) : !aie.objectfifosubview<memref<16xi32>>
      %r = aie.objectfifo.subview.access %s[0] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xi32>
      %ii = arith.index_cast %i : index to i32
      scf.for %j = %c0 to %cw step %c1 {
        %x = memref.load %r[%j] : memref<16xi32>
        %y = memref.load %acc0[%j] : memref<16xi32>
        %x2 = arith.muli %x, %m : i32
        %t = arith.addi %x2, %y : i32
        memref.store %t, %acc0[%j] : memref<16xi32>
      }
      aie.objectfifo.release @A0(Consume, 1)
    }
    %m2 = arith.constant 2 : i32
    scf.for %i = %c0 to %c9 step %c1 {
      %s = aie.objectfifo.acquire @B0(Consume, 1) : !aie.objectfifosubview<memref<16xi32>>
      %r = aie.objectfifo.subview.access %s[0] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xi32>
      %ii = arith.index_cast %i : index to i32
      scf.for %j = %c0 to %cw step %c1 {
        %x = memref.load %r[%j] : memref<16xi32>
        %y = memref.load %acc0[%j] : memref<16xi32>
        %x2 = arith.muli %x, %m2 : i32
        %t = arith.addi %x2, %y : i32
        memref.store %t, %acc0[%j] : memref<16xi32>
      }
      aie.objectfifo.release @B0(Consume, 1)
    }
    scf.for %i = %c0 to %c1 step %c1 {
      %s = aie.objectfifo.acquire @C0(Produce, 1) : !aie.objectfifosubview<memref<16xi32>>
      %r = aie.objectfifo.subview.access %s[0] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xi32>
      %ii = arith.index_cast %i : index to i32
      scf.for %j = %c0 to %cw step %c1 {
        %y = memref.load %acc0[%j] : memref<16xi32>
        memref.store %y, %r[%j] : memref<16xi32>
      }
      aie.objectfifo.release @C0(Produce, 1)
    }
    aie.end
  }
} {dato.host_args = [memref<144xi32>, memref<144xi32>, memref<16xi32>], dato.host_names = ["A0", "B0", "C0"]}

// -----

// Case: a collector writes 4 row blocks of 4 workers' rows of 1024 words
// (d2: 4 rows 1024 apart, d1: 4 blocks 16384 apart, d0: 1024). The run is
// over the 1023-word innermost size and the pattern walks two more
// dimensions, so the run is cut into 2 rows of 512 (the largest divisor of
// 1024 under 1024 words) and the outermost dimension moves into the repeat
// with its stride: the same words in the same order.
// CHECK-LABEL: aie.device(npu1) {
// CHECK:         aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][4, 4, 2, 512][1024, 16384, 512, 1]) {id = 0 : i64, issue_token = true, metadata = @B_out0}
// CHECK-NEXT:    aiex.npu.dma_wait {symbol = @B_out0}

aie.device(npu1) {
  %shim_c0 = aie.tile(0, 0)
  %mem_c0 = aie.tile(0, 1)
  aie.objectfifo @B_out0(%mem_c0, {%shim_c0}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 4, 4, 1024>], dato.dma_strides = [array<i64: 0, 1024, 16384, 1>]} : !aie.objectfifo<memref<16384xi32>>
} {dato.host_args = [memref<4x16384xi32>], dato.host_names = ["B"]}

// -----

// Case: the same gather repeated twice, 100000 elements apart: with the
// repeat taken no single call holds it, so it is one call per repeat (two
// BDs), each refactored as above.
// CHECK-LABEL: aie.device(npu1) {
// CHECK:         aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][4, 4, 2, 512][1024, 16384, 512, 1]) {id = 0 : i64, issue_token = true, metadata = @B_out0}
// CHECK-NEXT:    aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 100000][4, 4, 2, 512][1024, 16384, 512, 1]) {id = 1 : i64, issue_token = true, metadata = @B_out0}
// CHECK-NEXT:    aiex.npu.dma_wait {symbol = @B_out0}
// CHECK-NEXT:    aiex.npu.dma_wait {symbol = @B_out0}

aie.device(npu1) {
  %shim_c0 = aie.tile(0, 0)
  %mem_c0 = aie.tile(0, 1)
  aie.objectfifo @B_out0(%mem_c0, {%shim_c0}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 2, 4, 4, 1024>], dato.dma_strides = [array<i64: 100000, 1024, 16384, 1>]} : !aie.objectfifo<memref<16384xi32>>
} {dato.host_args = [memref<163840xi32>], dato.host_names = ["B"]}
