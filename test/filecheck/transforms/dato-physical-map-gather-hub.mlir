// RUN: dato-opt %s -p "dato-physical-map{device=npu1}" | filecheck %s

// A gather of 24 sources into one reducer (25 instances, npu1 has 16 cores).
// Pairs of sources leave the reducer 12 streams from far cores; the compiler
// chains the sources four by four (6 cores). Each core's 4 streams go to the
// one reducer, which gets them one after the other in the core's order: one
// stream carries them (dato.merged_streams). Placed first as the element with
// the most stream partners, the reducer takes a tile with 4 neighbours
// sharing memory, (1, 4); the 2 other cores' streams take its 2 DMA channels.

// CHECK:      dato.stream @rows_0 : !dato.stream<memref<8xi32>, 2> {dato.merged_streams = ["rows_0", "rows_1", "rows_2", "rows_3"]}
// CHECK-NEXT: dato.stream @rows_4 : !dato.stream<memref<8xi32>, 2> {dato.merged_streams = ["rows_4", "rows_5", "rows_6", "rows_7"]}
// CHECK:      dato.stream @rows_20 : !dato.stream<memref<8xi32>, 2> {dato.merged_streams = ["rows_20", "rows_21", "rows_22", "rows_23"]}
// CHECK:      dato.group @src of @src grid [24]
// CHECK:      ] attributes {dato.tiles = array<i64: 0, 4, 0, 4, 0, 4, 0, 4, 1, 5, 1, 5, 1, 5, 1, 5, 1, 3, 1, 3, 1, 3, 1, 3, 2, 4, 2, 4, 2, 4, 2, 4, 0, 2, 0, 2, 0, 2, 0, 2, 0, 3, 0, 3, 0, 3, 0, 3>}
// CHECK:      dato.group @red of @red grid [1]
// CHECK:      ] attributes {dato.tiles = array<i64: 1, 4>}
// CHECK-COUNT-4: dato.get @rows_0 : memref<8xi32>
// CHECK-COUNT-4: dato.get @rows_4 : memref<8xi32>
// CHECK:      dato.chain [@src_0, @src_1, @src_2, @src_3] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}

builtin.module {
  dato.region @top(%A: memref<24x8xi32>, %B: memref<8xi32>) {
    dato.stream @rows_0 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_1 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_2 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_3 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_4 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_5 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_6 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_7 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_8 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_9 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_10 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_11 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_12 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_13 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_14 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_15 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_16 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_17 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_18 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_19 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_20 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_21 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_22 : !dato.stream<memref<8xi32>, 2>
    dato.stream @rows_23 : !dato.stream<memref<8xi32>, 2>
    dato.group @src of @src grid [24] (%A : memref<24x8xi32>) ports [@rows_out] instances [
      @src_0 pid [0] offsets [[0, 0]] streams [@rows_0],
      @src_1 pid [1] offsets [[1, 0]] streams [@rows_1],
      @src_2 pid [2] offsets [[2, 0]] streams [@rows_2],
      @src_3 pid [3] offsets [[3, 0]] streams [@rows_3],
      @src_4 pid [4] offsets [[4, 0]] streams [@rows_4],
      @src_5 pid [5] offsets [[5, 0]] streams [@rows_5],
      @src_6 pid [6] offsets [[6, 0]] streams [@rows_6],
      @src_7 pid [7] offsets [[7, 0]] streams [@rows_7],
      @src_8 pid [8] offsets [[8, 0]] streams [@rows_8],
      @src_9 pid [9] offsets [[9, 0]] streams [@rows_9],
      @src_10 pid [10] offsets [[10, 0]] streams [@rows_10],
      @src_11 pid [11] offsets [[11, 0]] streams [@rows_11],
      @src_12 pid [12] offsets [[12, 0]] streams [@rows_12],
      @src_13 pid [13] offsets [[13, 0]] streams [@rows_13],
      @src_14 pid [14] offsets [[14, 0]] streams [@rows_14],
      @src_15 pid [15] offsets [[15, 0]] streams [@rows_15],
      @src_16 pid [16] offsets [[16, 0]] streams [@rows_16],
      @src_17 pid [17] offsets [[17, 0]] streams [@rows_17],
      @src_18 pid [18] offsets [[18, 0]] streams [@rows_18],
      @src_19 pid [19] offsets [[19, 0]] streams [@rows_19],
      @src_20 pid [20] offsets [[20, 0]] streams [@rows_20],
      @src_21 pid [21] offsets [[21, 0]] streams [@rows_21],
      @src_22 pid [22] offsets [[22, 0]] streams [@rows_22],
      @src_23 pid [23] offsets [[23, 0]] streams [@rows_23]
    ] {
    ^bb0(%a: memref<1x8xi32>):
      %0 = arith.constant 0 : index
      %1 = memref.subview %a[%0, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      %2 = memref.alloc() : memref<8xi32>
      "memref.copy"(%1, %2) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
      dato.put @rows_out, %2 : memref<8xi32>
    }
    dato.group @red of @red grid [1] (%B : memref<8xi32>) ports [] instances [
      @red_0 pid [0] offsets [[0]] streams []
    ] {
    ^bb0(%b: memref<8xi32>):
      %acc = memref.alloc() : memref<8xi32>
      %0 = arith.constant 0 : i32
      linalg.fill ins(%0 : i32) outs(%acc : memref<8xi32>)
      %1 = dato.get @rows_0 : memref<8xi32>
      %2 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %1 : memref<8xi32>, memref<8xi32>) outs(%2 : memref<8xi32>)
      "memref.copy"(%2, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %3 = dato.get @rows_1 : memref<8xi32>
      %4 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %3 : memref<8xi32>, memref<8xi32>) outs(%4 : memref<8xi32>)
      "memref.copy"(%4, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %5 = dato.get @rows_2 : memref<8xi32>
      %6 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %5 : memref<8xi32>, memref<8xi32>) outs(%6 : memref<8xi32>)
      "memref.copy"(%6, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %7 = dato.get @rows_3 : memref<8xi32>
      %8 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %7 : memref<8xi32>, memref<8xi32>) outs(%8 : memref<8xi32>)
      "memref.copy"(%8, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %9 = dato.get @rows_4 : memref<8xi32>
      %10 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %9 : memref<8xi32>, memref<8xi32>) outs(%10 : memref<8xi32>)
      "memref.copy"(%10, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %11 = dato.get @rows_5 : memref<8xi32>
      %12 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %11 : memref<8xi32>, memref<8xi32>) outs(%12 : memref<8xi32>)
      "memref.copy"(%12, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %13 = dato.get @rows_6 : memref<8xi32>
      %14 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %13 : memref<8xi32>, memref<8xi32>) outs(%14 : memref<8xi32>)
      "memref.copy"(%14, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %15 = dato.get @rows_7 : memref<8xi32>
      %16 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %15 : memref<8xi32>, memref<8xi32>) outs(%16 : memref<8xi32>)
      "memref.copy"(%16, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %17 = dato.get @rows_8 : memref<8xi32>
      %18 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %17 : memref<8xi32>, memref<8xi32>) outs(%18 : memref<8xi32>)
      "memref.copy"(%18, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %19 = dato.get @rows_9 : memref<8xi32>
      %20 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %19 : memref<8xi32>, memref<8xi32>) outs(%20 : memref<8xi32>)
      "memref.copy"(%20, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %21 = dato.get @rows_10 : memref<8xi32>
      %22 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %21 : memref<8xi32>, memref<8xi32>) outs(%22 : memref<8xi32>)
      "memref.copy"(%22, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %23 = dato.get @rows_11 : memref<8xi32>
      %24 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %23 : memref<8xi32>, memref<8xi32>) outs(%24 : memref<8xi32>)
      "memref.copy"(%24, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %25 = dato.get @rows_12 : memref<8xi32>
      %26 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %25 : memref<8xi32>, memref<8xi32>) outs(%26 : memref<8xi32>)
      "memref.copy"(%26, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %27 = dato.get @rows_13 : memref<8xi32>
      %28 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %27 : memref<8xi32>, memref<8xi32>) outs(%28 : memref<8xi32>)
      "memref.copy"(%28, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %29 = dato.get @rows_14 : memref<8xi32>
      %30 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %29 : memref<8xi32>, memref<8xi32>) outs(%30 : memref<8xi32>)
      "memref.copy"(%30, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %31 = dato.get @rows_15 : memref<8xi32>
      %32 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %31 : memref<8xi32>, memref<8xi32>) outs(%32 : memref<8xi32>)
      "memref.copy"(%32, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %33 = dato.get @rows_16 : memref<8xi32>
      %34 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %33 : memref<8xi32>, memref<8xi32>) outs(%34 : memref<8xi32>)
      "memref.copy"(%34, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %35 = dato.get @rows_17 : memref<8xi32>
      %36 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %35 : memref<8xi32>, memref<8xi32>) outs(%36 : memref<8xi32>)
      "memref.copy"(%36, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %37 = dato.get @rows_18 : memref<8xi32>
      %38 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %37 : memref<8xi32>, memref<8xi32>) outs(%38 : memref<8xi32>)
      "memref.copy"(%38, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %39 = dato.get @rows_19 : memref<8xi32>
      %40 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %39 : memref<8xi32>, memref<8xi32>) outs(%40 : memref<8xi32>)
      "memref.copy"(%40, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %41 = dato.get @rows_20 : memref<8xi32>
      %42 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %41 : memref<8xi32>, memref<8xi32>) outs(%42 : memref<8xi32>)
      "memref.copy"(%42, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %43 = dato.get @rows_21 : memref<8xi32>
      %44 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %43 : memref<8xi32>, memref<8xi32>) outs(%44 : memref<8xi32>)
      "memref.copy"(%44, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %45 = dato.get @rows_22 : memref<8xi32>
      %46 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %45 : memref<8xi32>, memref<8xi32>) outs(%46 : memref<8xi32>)
      "memref.copy"(%46, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      %47 = dato.get @rows_23 : memref<8xi32>
      %48 = memref.alloc() : memref<8xi32>
      linalg.add ins(%acc, %47 : memref<8xi32>, memref<8xi32>) outs(%48 : memref<8xi32>)
      "memref.copy"(%48, %acc) : (memref<8xi32>, memref<8xi32>) -> ()
      "memref.copy"(%acc, %b) : (memref<8xi32>, memref<8xi32>) -> ()
    }
  }
}