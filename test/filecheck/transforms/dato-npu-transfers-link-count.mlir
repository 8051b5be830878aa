// RUN: not dato-opt %s -p dato-npu-transfers 2>&1 | filecheck %s

// The writes-first test's ring (dato-npu-transfers-writes-first.mlir: each
// core reads its rows of A and C and writes its row of C) grown by hand to 16
// nodes on all of npu1's 16 cores. 32 read links and 16 written: 8 shim
// outputs take 16 writes only with 2 joins (5 links saved a join), and each
// of the 4 columns serves at most 2 - 1 + 6 reads, less those joins' memtile
// outputs: 26 < 32. Every plan is tried and the refusal says so by count.

// CHECK:      error: 'dato.region' op reading C (4 block(s)) needs a free shim input channel
// CHECK-SAME: whole blocks packed onto memtiles, writes first: reading
// CHECK-SAME: No plan can fit: the cores read 32 blocks or sequences of blocks from the host and write 16, each through its own fifo; npu1 (4 columns x 6 rows) has 8 shim input and 8 shim output channels and 24 memtile output channels free: writing 16 through 8 shim outputs takes at least 2 memtile join(s) (of up to 6 fifos, a memtile output each), which leaves at most 26 read links

builtin.module {
  dato.region @top(%A: memref<16x4xi32>, %C: memref<16x4xi32>) attributes {dato.device = "npu1"} {
    dato.stream @right_0 : !dato.stream<i32, 2>
    dato.stream @right_1 : !dato.stream<i32, 2>
    dato.stream @right_2 : !dato.stream<i32, 2>
    dato.stream @right_3 : !dato.stream<i32, 2>
    dato.stream @right_4 : !dato.stream<i32, 2>
    dato.stream @right_5 : !dato.stream<i32, 2>
    dato.stream @right_6 : !dato.stream<i32, 2>
    dato.stream @right_7 : !dato.stream<i32, 2>
    dato.stream @right_8 : !dato.stream<i32, 2>
    dato.stream @right_9 : !dato.stream<i32, 2>
    dato.stream @right_10 : !dato.stream<i32, 2>
    dato.stream @right_11 : !dato.stream<i32, 2>
    dato.stream @right_12 : !dato.stream<i32, 2>
    dato.stream @right_13 : !dato.stream<i32, 2>
    dato.stream @right_14 : !dato.stream<i32, 2>
    dato.stream @right_15 : !dato.stream<i32, 2>
    dato.stream @left_0 : !dato.stream<i32, 2>
    dato.stream @left_1 : !dato.stream<i32, 2>
    dato.stream @left_2 : !dato.stream<i32, 2>
    dato.stream @left_3 : !dato.stream<i32, 2>
    dato.stream @left_4 : !dato.stream<i32, 2>
    dato.stream @left_5 : !dato.stream<i32, 2>
    dato.stream @left_6 : !dato.stream<i32, 2>
    dato.stream @left_7 : !dato.stream<i32, 2>
    dato.stream @left_8 : !dato.stream<i32, 2>
    dato.stream @left_9 : !dato.stream<i32, 2>
    dato.stream @left_10 : !dato.stream<i32, 2>
    dato.stream @left_11 : !dato.stream<i32, 2>
    dato.stream @left_12 : !dato.stream<i32, 2>
    dato.stream @left_13 : !dato.stream<i32, 2>
    dato.stream @left_14 : !dato.stream<i32, 2>
    dato.stream @left_15 : !dato.stream<i32, 2>
    dato.group @node of @node grid [12] (%A : memref<16x4xi32>, %C : memref<16x4xi32>) ports [@right_out, @left_out, @right_in, @left_in] instances [
      @node_0 pid [0] offsets [[0, 0], [0, 0]] streams [@right_1, @left_15, @right_0, @left_0],
      @node_1 pid [1] offsets [[1, 0], [1, 0]] streams [@right_2, @left_0, @right_1, @left_1],
      @node_2 pid [2] offsets [[2, 0], [2, 0]] streams [@right_3, @left_1, @right_2, @left_2],
      @node_3 pid [3] offsets [[3, 0], [3, 0]] streams [@right_4, @left_2, @right_3, @left_3],
      @node_4 pid [4] offsets [[4, 0], [4, 0]] streams [@right_5, @left_3, @right_4, @left_4],
      @node_5 pid [5] offsets [[5, 0], [5, 0]] streams [@right_6, @left_4, @right_5, @left_5],
      @node_6 pid [6] offsets [[6, 0], [6, 0]] streams [@right_7, @left_5, @right_6, @left_6],
      @node_7 pid [7] offsets [[7, 0], [7, 0]] streams [@right_8, @left_6, @right_7, @left_7],
      @node_8 pid [8] offsets [[8, 0], [8, 0]] streams [@right_9, @left_7, @right_8, @left_8],
      @node_9 pid [9] offsets [[9, 0], [9, 0]] streams [@right_10, @left_8, @right_9, @left_9],
      @node_10 pid [10] offsets [[10, 0], [10, 0]] streams [@right_11, @left_9, @right_10, @left_10],
      @node_11 pid [11] offsets [[11, 0], [11, 0]] streams [@right_12, @left_10, @right_11, @left_11],
      @node_12 pid [12] offsets [[12, 0], [12, 0]] streams [@right_13, @left_11, @right_12, @left_12],
      @node_13 pid [13] offsets [[13, 0], [13, 0]] streams [@right_14, @left_12, @right_13, @left_13],
      @node_14 pid [14] offsets [[14, 0], [14, 0]] streams [@right_15, @left_13, @right_14, @left_14],
      @node_15 pid [15] offsets [[15, 0], [15, 0]] streams [@right_0, @left_14, @right_15, @left_15]
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 3, 0, 4, 0, 5, 1, 5, 2, 5, 3, 5, 3, 4, 2, 4, 1, 4, 1, 3, 2, 3, 3, 3, 3, 2, 2, 2, 1, 2>} {
    ^bb0(%a: memref<1x4xi32>, %c: memref<1x4xi32>):
      %lo = memref.alloca() : memref<i32>
      %hi = memref.alloca() : memref<i32>
      %0 = arith.constant 1 : index
      %1 = arith.constant 0 : index
      %2 = arith.constant 3 : index
      %3 = memref.load %a[%1, %2] : memref<1x4xi32>
      dato.put @right_out, %3 : i32
      %4 = memref.load %a[%1, %1] : memref<1x4xi32>
      dato.put @left_out, %4 : i32
      %5 = dato.get @right_in : i32
      memref.store %5, %lo[] : memref<i32>
      %6 = dato.get @left_in : i32
      memref.store %6, %hi[] : memref<i32>
      %7 = memref.load %lo[] : memref<i32>
      %8 = memref.load %a[%1, %1] : memref<1x4xi32>
      %9 = arith.constant 2 : i32
      %10 = arith.muli %9, %8 : i32
      %11 = arith.addi %7, %10 : i32
      %12 = memref.load %a[%1, %0] : memref<1x4xi32>
      %13 = arith.addi %11, %12 : i32
      %old = memref.load %c[%1, %1] : memref<1x4xi32>
      %new = arith.addi %13, %old : i32
      memref.store %new, %c[%1, %1] : memref<1x4xi32>
      scf.for %i = %0 to %2 step %0 {
        %14 = arith.subi %i, %0 : index
        %15 = memref.load %a[%1, %14] : memref<1x4xi32>
        %16 = memref.load %a[%1, %i] : memref<1x4xi32>
        %17 = arith.muli %9, %16 : i32
        %18 = arith.addi %15, %17 : i32
        %19 = arith.addi %i, %0 : index
        %20 = memref.load %a[%1, %19] : memref<1x4xi32>
        %21 = arith.addi %18, %20 : i32
        memref.store %21, %c[%1, %i] : memref<1x4xi32>
      }
      %22 = arith.constant 2 : index
      %23 = memref.load %a[%1, %22] : memref<1x4xi32>
      %24 = memref.load %a[%1, %2] : memref<1x4xi32>
      %25 = arith.muli %9, %24 : i32
      %26 = arith.addi %23, %25 : i32
      %27 = memref.load %hi[] : memref<i32>
      %28 = arith.addi %26, %27 : i32
      memref.store %28, %c[%1, %2] : memref<1x4xi32>
    }
  }
}