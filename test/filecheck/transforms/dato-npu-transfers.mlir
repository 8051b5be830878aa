// RUN: dato-opt %s --split-input-file -p dato-npu-transfers | filecheck %s

// The device's tiles, objectfifos and links, put before the placed region,
// which stays for dato-npu-core-bodies. What the host moves is recorded for
// dato-npu-runtime-sequence: the host arrays on the device (dato.host_args,
// padded; dato.host_names) and, on each shim-side fifo, the host array
// (dato.host_arg) and one dma_memcpy_nd pattern per call (dato.dma_offsets /
// dma_sizes / dma_strides: linear offset, then [K steps, blocks, rows, row]
// sizes and strides). What the cores use is recorded on the region: per group,
// instance and bound argument the fifo read and written ("" for none:
// dato.read_fifos / dato.write_fifos), and on a stream joined through a
// memtile the combined fifo (dato.route_fifo). The inputs are
// dato-physical-map's output (dato-lower-to-aie-join.mlir on npu1, and the
// padded int8 case of dato-physical-map.mlir on npu1_2col).

// Case 1: A's six rows of 8 leave shim column 1 in one call, six blocks 8
// apart, into the memtile that distributes them, one row per source; B (8
// elements) comes back from the reducer's core on column 0 to shim column 0;
// rows_3 and rows_4 reach the reducer joined in the memtile's rows_3_join.
// CHECK-LABEL: aie.device(npu1) {
// CHECK:         aie.objectfifo @A_in0(%shim_c1, {%mem_c1}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 6, 1, 8>], dato.dma_strides = [array<i64: 0, 8, 8, 1>]} : !aie.objectfifo<memref<48xi32>>
// CHECK-NEXT:    aie.objectfifo.link [@A_in0] -> [@A_in0_0, @A_in0_1, @A_in0_2, @A_in0_3, @A_in0_4, @A_in0_5]([] [0, 8, 16, 24, 32, 40])
// CHECK-NEXT:    aie.objectfifo @B_out0(%core_c0_r3, {%shim_c0}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 1, 1, 8>], dato.dma_strides = [array<i64: 0, 0, 8, 1>]} : !aie.objectfifo<memref<8xi32>>
// CHECK-NOT:     aie.core
// CHECK-NOT:     aie.runtime_sequence
// CHECK:       } {dato.host_args = [memref<6x8xi32>, memref<8xi32>], dato.host_names = ["A", "B"]}
// CHECK-NEXT:  dato.region @gather
// CHECK:         dato.stream @rows_3 {{.*}}dato.route_fifo = "rows_3_join"}
// CHECK-NEXT:    dato.stream @rows_4 {{.*}}dato.route_fifo = "rows_3_join"}
// CHECK:         dato.group @src
// CHECK:         dato.read_fifos = [["A_in0_0"], ["A_in0_1"], ["A_in0_2"], ["A_in0_3"], ["A_in0_4"], ["A_in0_5"]], dato.write_fifos = [[""], [""], [""], [""], [""], [""]]}
// CHECK:         dato.group @red
// CHECK:         dato.read_fifos = [[""]], dato.write_fifos = [["B_out0"]]}

dato.region @gather(%A: memref<6x8xi32>, %B: memref<8xi32>) attributes {dato.device = "npu1"} {
  dato.stream @rows_0 : !dato.stream<memref<8xi32>, 2>
  dato.stream @rows_1 : !dato.stream<memref<8xi32>, 2>
  dato.stream @rows_2 : !dato.stream<memref<8xi32>, 2>
  dato.stream @rows_3 : !dato.stream<memref<8xi32>, 2> {dato.route = "rows_3_join", dato.route_kind = "join", dato.route_part = 0 : i64, dato.memtile = 0 : i64}
  dato.stream @rows_4 : !dato.stream<memref<8xi32>, 2> {dato.route = "rows_3_join", dato.route_kind = "join", dato.route_part = 1 : i64, dato.memtile = 0 : i64}
  dato.stream @rows_5 : !dato.stream<memref<8xi32>, 2>
  dato.group @src of @src grid [6] (%A : memref<6x8xi32>) ports [@rows_out] instances [
    @src_0 pid [0] offsets [[0, 0]] streams [@rows_0],
    @src_1 pid [1] offsets [[1, 0]] streams [@rows_1],
    @src_2 pid [2] offsets [[2, 0]] streams [@rows_2],
    @src_3 pid [3] offsets [[3, 0]] streams [@rows_3],
    @src_4 pid [4] offsets [[4, 0]] streams [@rows_4],
    @src_5 pid [5] offsets [[5, 0]] streams [@rows_5]
  ] attributes {dato.tiles = array<i64: 0, 2, 0, 4, 1, 3, 0, 5, 1, 5, 1, 4>} {
  ^bb0(%a: memref<1x8xi32>):
    %c0 = arith.constant 0 : index
    %row = memref.subview %a[%c0, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    %blk = memref.alloc() : memref<8xi32>
    "memref.copy"(%row, %blk) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
    dato.put @rows_out, %blk : memref<8xi32>
  }
  dato.group @red of @red grid [1] (%B : memref<8xi32>) ports [] instances [
    @red_0 pid [0] offsets [[0]] streams []
  ] attributes {dato.tiles = array<i64: 0, 3>} {
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

// Case 2: rows of 3 int8 move padded to 4 (24 bits are no DMA word): the host
// arrays are 16 elements, the four blocks 4 apart; instance t_k reads A_in0_k
// (its first argument) and writes B_out0_k (its second).
// CHECK-LABEL: aie.device(npu1_2col) {
// CHECK:         aie.objectfifo @A_in0(%shim_c0, {%mem_c0}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 4, 1, 4>], dato.dma_strides = [array<i64: 0, 4, 4, 1>]} : !aie.objectfifo<memref<16xi8>>
// CHECK:         aie.objectfifo @B_out0(%mem_c0, {%shim_c0}, 1 : i32) {dato.host_arg = 1 : i64, dato.dma_offsets = array<i64: 0>, dato.dma_sizes = [array<i64: 1, 4, 1, 4>], dato.dma_strides = [array<i64: 0, 4, 4, 1>]} : !aie.objectfifo<memref<16xi8>>
// CHECK-NOT:     aie.runtime_sequence
// CHECK:       } {dato.host_args = [memref<16xi8>, memref<16xi8>], dato.host_names = ["A", "B"]}
// CHECK-NEXT:  dato.region @narrow
// CHECK:         dato.read_fifos = [["A_in0_0", ""], ["A_in0_1", ""], ["A_in0_2", ""], ["A_in0_3", ""]], dato.write_fifos = [["", "B_out0_0"], ["", "B_out0_1"], ["", "B_out0_2"], ["", "B_out0_3"]]}

dato.region @narrow(%A: memref<12xi8>, %B: memref<12xi8>) attributes {dato.device = "npu1_2col", dato.padded_rows = array<i64: 0, 3, 4, 1, 3, 4>} {
  dato.group @t of @t grid [4] (%A : memref<12xi8>, %B : memref<12xi8>) ports [] instances [
    @t_0 pid [0] offsets [[0], [0]] streams [],
    @t_1 pid [1] offsets [[3], [3]] streams [],
    @t_2 pid [2] offsets [[6], [6]] streams [],
    @t_3 pid [3] offsets [[9], [9]] streams []
  ] attributes {dato.tiles = array<i64: 0, 2, 0, 3, 0, 4, 0, 5>} {
  ^bb0(%a: memref<3xi8>, %b: memref<3xi8>):
    "memref.copy"(%a, %b) : (memref<3xi8>, memref<3xi8>) -> ()
  }
}
