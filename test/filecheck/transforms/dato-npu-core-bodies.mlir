// RUN: dato-opt %s --split-input-file --verify-diagnostics -p dato-npu-core-bodies | filecheck %s

// The cores of the device dato-npu-transfers put before each placed region,
// through the fifos it recorded on the region (dato.read_fifos /
// dato.write_fifos per group, instance and bound argument; dato.route_fifo on
// streams joined in a memtile); the region goes. The inputs are
// dato-npu-transfers' output (dato-lower-to-aie-join.mlir on npu1, and the
// padded int8 case of dato-physical-map.mlir on npu1_2col, whose record is
// edited by hand in case 2).

// Case 1: each source takes its row from its own part of A's distribute and
// puts it on its stream; the reducer writes B_out0 and takes rows_3 and
// rows_4 as one object of the memtile's rows_3_join.
// CHECK-LABEL: aie.device(npu1) {
// CHECK:         func.func private @dato_add_i32_8(memref<8xi32>, memref<8xi32>, memref<8xi32>) -> ()
// CHECK:         aie.core(%core_c0_r2) {
// CHECK-NEXT:      aie.objectfifo.acquire @A_in0_0(Consume, 1) : !aie.objectfifosubview<memref<1x8xi32>>
// CHECK:           aie.objectfifo.acquire @rows_0(Produce, 1)
// CHECK:         } {link_with = "kernels.o", dato.tasks = ["src_0"]}
// CHECK:         aie.core(%core_c0_r3) {
// CHECK-NEXT:      aie.objectfifo.acquire @B_out0(Produce, 1) : !aie.objectfifosubview<memref<8xi32>>
// CHECK:           aie.objectfifo.acquire @rows_2(Consume, 1)
// CHECK:           aie.objectfifo.acquire @rows_3_join(Consume, 1) : !aie.objectfifosubview<memref<2x8xi32>>
// CHECK-NOT:       @rows_3(Consume
// CHECK-NOT:       @rows_4(Consume
// CHECK:           aie.objectfifo.acquire @rows_5(Consume, 1)
// CHECK:         } {link_with = "kernels.o", dato.tasks = ["red_0"]}
// CHECK:       } {dato.host_args = [memref<6x8xi32>, memref<8xi32>], dato.host_names = ["A", "B"]}
// CHECK-NOT:   dato.region
// CHECK-NOT:   dato.read_fifos

aie.device(npu1) {
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
} {dato.host_args = [memref<6x8xi32>, memref<8xi32>], dato.host_names = ["A", "B"]}
dato.region @gather(%A: memref<6x8xi32>, %B: memref<8xi32>) attributes {dato.device = "npu1"} {
  dato.stream @rows_0 : !dato.stream<memref<8xi32>, 2>
  dato.stream @rows_1 : !dato.stream<memref<8xi32>, 2>
  dato.stream @rows_2 : !dato.stream<memref<8xi32>, 2>
  dato.stream @rows_3 : !dato.stream<memref<8xi32>, 2> {dato.route = "rows_3_join", dato.route_kind = "join", dato.route_part = 0 : i64, dato.memtile = 0 : i64, dato.route_fifo = "rows_3_join"}
  dato.stream @rows_4 : !dato.stream<memref<8xi32>, 2> {dato.route = "rows_3_join", dato.route_kind = "join", dato.route_part = 1 : i64, dato.memtile = 0 : i64, dato.route_fifo = "rows_3_join"}
  dato.stream @rows_5 : !dato.stream<memref<8xi32>, 2>
  dato.group @src of @src grid [6] (%A : memref<6x8xi32>) ports [@rows_out] instances [
    @src_0 pid [0] offsets [[0, 0]] streams [@rows_0],
    @src_1 pid [1] offsets [[1, 0]] streams [@rows_1],
    @src_2 pid [2] offsets [[2, 0]] streams [@rows_2],
    @src_3 pid [3] offsets [[3, 0]] streams [@rows_3],
    @src_4 pid [4] offsets [[4, 0]] streams [@rows_4],
    @src_5 pid [5] offsets [[5, 0]] streams [@rows_5]
  ] attributes {dato.tiles = array<i64: 0, 2, 0, 4, 1, 3, 0, 5, 1, 5, 1, 4>, dato.read_fifos = [["A_in0_0"], ["A_in0_1"], ["A_in0_2"], ["A_in0_3"], ["A_in0_4"], ["A_in0_5"]], dato.write_fifos = [[""], [""], [""], [""], [""], [""]]} {
  ^bb0(%a: memref<1x8xi32>):
    %c0 = arith.constant 0 : index
    %row = memref.subview %a[%c0, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    %blk = memref.alloc() : memref<8xi32>
    "memref.copy"(%row, %blk) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
    dato.put @rows_out, %blk : memref<8xi32>
  }
  dato.group @red of @red grid [1] (%B : memref<8xi32>) ports [] instances [
    @red_0 pid [0] offsets [[0]] streams []
  ] attributes {dato.tiles = array<i64: 0, 3>, dato.read_fifos = [[""]], dato.write_fifos = [["B_out0"]]} {
  ^bb0(%b: memref<8xi32>):
    %acc = memref.alloc() : memref<8xi32>
    %zero = arith.constant 0 : i32
    linalg.fill ins(%zero : i32) outs(%acc : memref<8xi32>)
    %got = dato.get @rows_0 : memref<8xi32>
    %sum = memref.alloc() : memref<8xi32>
    linalg.add ins(%acc, %got : memref<8xi32>, memref<8xi32>) outs(%sum : memref<8xi32>)
    "memref.copy"(%sum, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
    %got_1 = dato.get @rows_1 : memref<8xi32>
    %sum_1 = memref.alloc() : memref<8xi32>
    linalg.add ins(%acc, %got_1 : memref<8xi32>, memref<8xi32>) outs(%sum_1 : memref<8xi32>)
    "memref.copy"(%sum_1, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
    %got_2 = dato.get @rows_2 : memref<8xi32>
    %sum_2 = memref.alloc() : memref<8xi32>
    linalg.add ins(%acc, %got_2 : memref<8xi32>, memref<8xi32>) outs(%sum_2 : memref<8xi32>)
    "memref.copy"(%sum_2, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
    %got_3 = dato.get @rows_3 : memref<8xi32>
    %sum_3 = memref.alloc() : memref<8xi32>
    linalg.add ins(%acc, %got_3 : memref<8xi32>, memref<8xi32>) outs(%sum_3 : memref<8xi32>)
    "memref.copy"(%sum_3, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
    %got_4 = dato.get @rows_4 : memref<8xi32>
    %sum_4 = memref.alloc() : memref<8xi32>
    linalg.add ins(%acc, %got_4 : memref<8xi32>, memref<8xi32>) outs(%sum_4 : memref<8xi32>)
    "memref.copy"(%sum_4, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
    %got_5 = dato.get @rows_5 : memref<8xi32>
    %sum_5 = memref.alloc() : memref<8xi32>
    linalg.add ins(%acc, %got_5 : memref<8xi32>, memref<8xi32>) outs(%sum_5 : memref<8xi32>)
    "memref.copy"(%sum_5, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
    "memref.copy"(%acc, %b) : (memref<8xi32>, memref<8xi32>) -> ()
  }
}

// -----

// Case 2: the fifo of A's first block is renamed A_first by hand, in the
// device and in the record: the core of t_0 uses the recorded name. Rows of
// 3 int8 travel padded to 4 (dato.padded_rows moves from the region to the
// device).
// CHECK-LABEL: aie.device(npu1_2col) {
// CHECK:         aie.core(%core_c0_r2) {
// CHECK-NEXT:      aie.objectfifo.acquire @A_first(Consume, 1) : !aie.objectfifosubview<memref<4xi8>>
// CHECK:           aie.objectfifo.acquire @B_out0_0(Produce, 1) : !aie.objectfifosubview<memref<4xi8>>
// CHECK:         } {link_with = "kernels.o", dato.tasks = ["t_0"]}
// CHECK:         aie.core(%core_c0_r3) {
// CHECK-NEXT:      aie.objectfifo.acquire @A_in0_1(Consume, 1) : !aie.objectfifosubview<memref<4xi8>>
// CHECK:           aie.objectfifo.acquire @B_out0_1(Produce, 1) : !aie.objectfifosubview<memref<4xi8>>
// CHECK:         } {link_with = "kernels.o", dato.tasks = ["t_1"]}
// CHECK:       } {dato.host_args = [memref<16xi8>, memref<16xi8>], dato.host_names = ["A", "B"], dato.padded_rows = array<i64: 0, 3, 4, 1, 3, 4>}
// CHECK-NOT:   dato.region

aie.device(npu1_2col) {
  %shim_c0 = aie.tile(0, 0)
  %mem_c0 = aie.tile(0, 1)
  %core_c0_r2 = aie.tile(0, 2)
  %core_c0_r3 = aie.tile(0, 3)
  %core_c0_r4 = aie.tile(0, 4)
  %core_c0_r5 = aie.tile(0, 5)
  aie.objectfifo @A_first(%mem_c0, {%core_c0_r2}, 1 : i32) : !aie.objectfifo<memref<4xi8>>
  aie.objectfifo @A_in0_1(%mem_c0, {%core_c0_r3}, 1 : i32) : !aie.objectfifo<memref<4xi8>>
  aie.objectfifo @A_in0_2(%mem_c0, {%core_c0_r4}, 1 : i32) : !aie.objectfifo<memref<4xi8>>
  aie.objectfifo @A_in0_3(%mem_c0, {%core_c0_r5}, 1 : i32) : !aie.objectfifo<memref<4xi8>>
  aie.objectfifo @A_in0(%shim_c0, {%mem_c0}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 4, 1, 4>], dato.dma_strides = [array<i64: 0, 4, 4, 1>]} : !aie.objectfifo<memref<16xi8>>
  aie.objectfifo.link [@A_in0] -> [@A_first, @A_in0_1, @A_in0_2, @A_in0_3]([] [0, 4, 8, 12])
  aie.objectfifo @B_out0_0(%core_c0_r2, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<4xi8>>
  aie.objectfifo @B_out0_1(%core_c0_r3, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<4xi8>>
  aie.objectfifo @B_out0_2(%core_c0_r4, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<4xi8>>
  aie.objectfifo @B_out0_3(%core_c0_r5, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<4xi8>>
  aie.objectfifo @B_out0(%mem_c0, {%shim_c0}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 4, 1, 4>], dato.dma_strides = [array<i64: 0, 4, 4, 1>]} : !aie.objectfifo<memref<16xi8>>
  aie.objectfifo.link [@B_out0_0, @B_out0_1, @B_out0_2, @B_out0_3] -> [@B_out0]([0, 4, 8, 12] [])
} {dato.host_args = [memref<16xi8>, memref<16xi8>], dato.host_names = ["A", "B"]}
dato.region @narrow(%A: memref<12xi8>, %B: memref<12xi8>) attributes {dato.device = "npu1_2col", dato.padded_rows = array<i64: 0, 3, 4, 1, 3, 4>} {
  dato.group @t of @t grid [4] (%A : memref<12xi8>, %B : memref<12xi8>) ports [] instances [
    @t_0 pid [0] offsets [[0], [0]] streams [],
    @t_1 pid [1] offsets [[3], [3]] streams [],
    @t_2 pid [2] offsets [[6], [6]] streams [],
    @t_3 pid [3] offsets [[9], [9]] streams []
  ] attributes {dato.tiles = array<i64: 0, 2, 0, 3, 0, 4, 0, 5>, dato.read_fifos = [["A_first", ""], ["A_in0_1", ""], ["A_in0_2", ""], ["A_in0_3", ""]], dato.write_fifos = [["", "B_out0_0"], ["", "B_out0_1"], ["", "B_out0_2"], ["", "B_out0_3"]]} {
  ^bb0(%a: memref<3xi8>, %b: memref<3xi8>):
    "memref.copy"(%a, %b) : (memref<3xi8>, memref<3xi8>) -> ()
  }
}

// -----

// Case 3: a placed region with no device before it.
// CHECK-LABEL: error: 'dato.region' op has no aie.device before it; run dato-npu-transfers first

dato.region @alone(%A: memref<4xi32>) attributes {dato.device = "npu1"} {
}
