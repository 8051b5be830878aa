// RUN: dato-opt %s -p "dato-physical-map{device=npu1_1col}" | filecheck %s

// SUMMA 4x4 (32x32x32 int32) with a row loader per block row of A and a
// column loader per block column of B: 24 elements for npu1_1col's 4 cores.
// Every folding that keeps the loaders is refused on a tile's DMA channels
// (a chained core gets from more loaders than it has input channels). The
// loaders only cut their block in a loop (piece s = a[:, 8s:8s+8]) and put
// it, so each node reads the piece itself: it takes its row block of A
// (the row loader's block: offsets [8i, 0]) and column block of B ([0, 8j])
// as arguments, the gets become subviews at the loop's index, the loaders
// and their 32 streams go, and the 16 nodes chain four to a core.

// CHECK-NOT: dato.stream @
// CHECK:      dato.group @node of @node grid [4, 4] (%C : memref<32x32xi32>, %A : memref<32x32xi32>, %B : memref<32x32xi32>) ports []
// CHECK-NEXT:   @node_0_0 pid [0, 0] offsets {{\[}}[0, 0], [0, 0], [0, 0]] streams [],
// CHECK-NEXT:   @node_0_1 pid [0, 1] offsets {{\[}}[0, 8], [0, 0], [0, 8]] streams [],
// CHECK:        @node_2_1 pid [2, 1] offsets {{\[}}[16, 8], [16, 0], [0, 8]] streams [],
// CHECK:      dato.elided_loaders = ["colload", "rowload"]
// CHECK:      ^bb0(%c: memref<8x8xi32>, %a: memref<8x32xi32>, %b: memref<32x8xi32>):
// CHECK:        scf.for %s =
// CHECK:          %[[K:.*]] = arith.muli %s, %{{.*}} : index
// CHECK-NEXT:     %[[PA:.*]] = memref.subview %a[0, %[[K]]] [8, 8] [1, 1]
// CHECK:          %[[K2:.*]] = arith.muli %s, %{{.*}} : index
// CHECK-NEXT:     %[[PB:.*]] = memref.subview %b[%[[K2]], 0] [8, 8] [1, 1]
// CHECK:          linalg.matmul ins(%[[PA]], %[[PB]] :
// CHECK-NOT:  dato.group @rowload
// CHECK-NOT:  dato.group @colload
// CHECK:      dato.chain [@node_0_0, @node_0_1, @node_0_2, @node_0_3]
// CHECK:      dato.chain [@node_3_0, @node_3_1, @node_3_2, @node_3_3]

dato.region @top(%A: memref<32x32xi32>, %B: memref<32x32xi32>, %C: memref<32x32xi32>) {
  dato.stream @fa_0_0 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_0_1 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_0_2 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_0_3 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_1_0 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_1_1 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_1_2 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_1_3 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_2_0 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_2_1 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_2_2 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_2_3 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_3_0 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_3_1 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_3_2 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fa_3_3 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_0_0 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_0_1 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_0_2 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_0_3 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_1_0 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_1_1 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_1_2 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_1_3 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_2_0 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_2_1 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_2_2 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_2_3 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_3_0 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_3_1 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_3_2 : !dato.stream<memref<8x8xi32>, 2>
  dato.stream @fb_3_3 : !dato.stream<memref<8x8xi32>, 2>
  dato.group @rowload of @rowload grid [4] (%A : memref<32x32xi32>) ports [@fa_out, @fa_out1, @fa_out2, @fa_out3] instances [
    @rowload_0 pid [0] offsets [[0, 0]] streams [@fa_0_0, @fa_0_1, @fa_0_2, @fa_0_3],
    @rowload_1 pid [1] offsets [[8, 0]] streams [@fa_1_0, @fa_1_1, @fa_1_2, @fa_1_3],
    @rowload_2 pid [2] offsets [[16, 0]] streams [@fa_2_0, @fa_2_1, @fa_2_2, @fa_2_3],
    @rowload_3 pid [3] offsets [[24, 0]] streams [@fa_3_0, @fa_3_1, @fa_3_2, @fa_3_3]
  ] {
  ^bb0(%a: memref<8x32xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 4 : index
    %2 = arith.constant 1 : index
    scf.for %s = %0 to %1 step %2 {
      %piece = memref.alloc() : memref<8x8xi32>
      %3 = arith.constant 0 : i32
      linalg.fill ins(%3 : i32) outs(%piece : memref<8x8xi32>)
      %4 = arith.constant 8 : index
      %5 = arith.muli %s, %4 : index
      %6 = memref.subview %a[0, %5] [8, 8] [1, 1] : memref<8x32xi32> to memref<8x8xi32, strided<[32, 1], offset: ?>>
      "memref.copy"(%6, %piece) : (memref<8x8xi32, strided<[32, 1], offset: ?>>, memref<8x8xi32>) -> ()
      dato.put @fa_out, %piece : memref<8x8xi32>
      dato.put @fa_out1, %piece : memref<8x8xi32>
      dato.put @fa_out2, %piece : memref<8x8xi32>
      dato.put @fa_out3, %piece : memref<8x8xi32>
    }
  }
  dato.group @colload of @colload grid [4] (%B : memref<32x32xi32>) ports [@fb_out, @fb_out1, @fb_out2, @fb_out3] instances [
    @colload_0 pid [0] offsets [[0, 0]] streams [@fb_0_0, @fb_1_0, @fb_2_0, @fb_3_0],
    @colload_1 pid [1] offsets [[0, 8]] streams [@fb_0_1, @fb_1_1, @fb_2_1, @fb_3_1],
    @colload_2 pid [2] offsets [[0, 16]] streams [@fb_0_2, @fb_1_2, @fb_2_2, @fb_3_2],
    @colload_3 pid [3] offsets [[0, 24]] streams [@fb_0_3, @fb_1_3, @fb_2_3, @fb_3_3]
  ] {
  ^bb0(%b: memref<32x8xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 4 : index
    %2 = arith.constant 1 : index
    scf.for %s = %0 to %1 step %2 {
      %piece = memref.alloc() : memref<8x8xi32>
      %3 = arith.constant 0 : i32
      linalg.fill ins(%3 : i32) outs(%piece : memref<8x8xi32>)
      %4 = arith.constant 8 : index
      %5 = arith.muli %s, %4 : index
      %6 = memref.subview %b[%5, 0] [8, 8] [1, 1] : memref<32x8xi32> to memref<8x8xi32, strided<[8, 1], offset: ?>>
      "memref.copy"(%6, %piece) : (memref<8x8xi32, strided<[8, 1], offset: ?>>, memref<8x8xi32>) -> ()
      dato.put @fb_out, %piece : memref<8x8xi32>
      dato.put @fb_out1, %piece : memref<8x8xi32>
      dato.put @fb_out2, %piece : memref<8x8xi32>
      dato.put @fb_out3, %piece : memref<8x8xi32>
    }
  }
  dato.group @node of @node grid [4, 4] (%C : memref<32x32xi32>) ports [@fa_in, @fb_in] instances [
    @node_0_0 pid [0, 0] offsets [[0, 0]] streams [@fa_0_0, @fb_0_0],
    @node_0_1 pid [0, 1] offsets [[0, 8]] streams [@fa_0_1, @fb_0_1],
    @node_0_2 pid [0, 2] offsets [[0, 16]] streams [@fa_0_2, @fb_0_2],
    @node_0_3 pid [0, 3] offsets [[0, 24]] streams [@fa_0_3, @fb_0_3],
    @node_1_0 pid [1, 0] offsets [[8, 0]] streams [@fa_1_0, @fb_1_0],
    @node_1_1 pid [1, 1] offsets [[8, 8]] streams [@fa_1_1, @fb_1_1],
    @node_1_2 pid [1, 2] offsets [[8, 16]] streams [@fa_1_2, @fb_1_2],
    @node_1_3 pid [1, 3] offsets [[8, 24]] streams [@fa_1_3, @fb_1_3],
    @node_2_0 pid [2, 0] offsets [[16, 0]] streams [@fa_2_0, @fb_2_0],
    @node_2_1 pid [2, 1] offsets [[16, 8]] streams [@fa_2_1, @fb_2_1],
    @node_2_2 pid [2, 2] offsets [[16, 16]] streams [@fa_2_2, @fb_2_2],
    @node_2_3 pid [2, 3] offsets [[16, 24]] streams [@fa_2_3, @fb_2_3],
    @node_3_0 pid [3, 0] offsets [[24, 0]] streams [@fa_3_0, @fb_3_0],
    @node_3_1 pid [3, 1] offsets [[24, 8]] streams [@fa_3_1, @fb_3_1],
    @node_3_2 pid [3, 2] offsets [[24, 16]] streams [@fa_3_2, @fb_3_2],
    @node_3_3 pid [3, 3] offsets [[24, 24]] streams [@fa_3_3, @fb_3_3]
  ] {
  ^bb0(%c: memref<8x8xi32>):
    %acc = memref.alloc() : memref<8x8xi32>
    %0 = arith.constant 0 : i32
    linalg.fill ins(%0 : i32) outs(%acc : memref<8x8xi32>)
    %1 = arith.constant 0 : index
    %2 = arith.constant 4 : index
    %3 = arith.constant 1 : index
    scf.for %s = %1 to %2 step %3 {
      %4 = dato.get @fa_in : memref<8x8xi32>
      %5 = dato.get @fb_in : memref<8x8xi32>
      %6 = memref.alloc() : memref<8x8xi32>
      linalg.fill ins(%0 : i32) outs(%6 : memref<8x8xi32>)
      linalg.matmul ins(%4, %5 : memref<8x8xi32>, memref<8x8xi32>) outs(%6 : memref<8x8xi32>)
      %7 = memref.alloc() : memref<8x8xi32>
      linalg.add ins(%acc, %6 : memref<8x8xi32>, memref<8x8xi32>) outs(%7 : memref<8x8xi32>)
      "memref.copy"(%7, %acc) : (memref<8x8xi32>, memref<8x8xi32>) -> ()
    }
    "memref.copy"(%acc, %c) : (memref<8x8xi32>, memref<8x8xi32>) -> ()
  }
}
