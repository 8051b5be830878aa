// RUN: dato-opt %s --split-input-file -p 'dato-npu-write-pieces{whole_bytes=0}' | filecheck %s

// Case 1: `b[:, :] = dato.gather(pipe)` (gather_whole(int32, 2, 8)): the
// collector fills a local row by row and copies it whole into b. The local
// becomes b (its rows are written straight into the output, the whole copy
// goes), so the rows are pieces as those of `b[p, :] = pipe[p].get()`:
// one task per row, each taking its 1x8 box of B.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @dst of @dst grid [1] (%B : memref<2x8xi32>) ports [] instances [
// CHECK-NEXT:    @dst_0 pid [0] offsets {{\[}}[0, 0]] streams []
// CHECK-NEXT:  ] attributes {dato.split_from = "dst_0", dato.compiler_chosen} {
// CHECK-NEXT:  ^bb0(%b: memref<1x8xi32>):
// CHECK-NEXT:    %[[G0:.*]] = dato.get @pipe_0 : memref<8xi32>
// CHECK-NEXT:    %[[V0:.*]] = memref.subview %b[0, 0] [1, 8] [1, 1]
// CHECK-NEXT:    "memref.copy"(%[[G0]], %[[V0]])
// CHECK-NEXT:  }
// CHECK:       dato.group @dst_piece1 of @dst_piece1 grid [1] (%B : memref<2x8xi32>) ports [] instances [
// CHECK-NEXT:    @dst_piece1_0 pid [0] offsets {{\[}}[1, 0]] streams []
// CHECK-NEXT:  ] attributes {dato.split_from = "dst_0", dato.compiler_chosen} {
// CHECK-NEXT:  ^bb0(%b: memref<1x8xi32>):
// CHECK-NEXT:    %[[G1:.*]] = dato.get @pipe_1 : memref<8xi32>
// CHECK-NEXT:    %[[V1:.*]] = memref.subview %b[0, 0] [1, 8] [1, 1]
// CHECK-NEXT:    "memref.copy"(%[[G1]], %[[V1]])
// CHECK-NEXT:  }
// CHECK-NOT:   memref.alloc
dato.region @top(%A: memref<2x8xi32>, %B: memref<2x8xi32>) {
  dato.stream @pipe_0 : !dato.stream<memref<8xi32>, 2>
  dato.stream @pipe_1 : !dato.stream<memref<8xi32>, 2>
  dato.group @src of @src grid [2] (%A : memref<2x8xi32>) ports [@pipe_out] instances [
    @src_0 pid [0] offsets [[0, 0]] streams [@pipe_0],
    @src_1 pid [1] offsets [[0, 0]] streams [@pipe_1]
  ] {
  ^bb0(%a: memref<2x8xi32>):
    %pi = dato.pid : index
    %0 = memref.subview %a[%pi, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    %1 = memref.alloc() : memref<8xi32>
    "memref.copy"(%0, %1) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
    dato.put @pipe_out, %1 : memref<8xi32>
  }
  dato.group @dst of @dst grid [1] (%B : memref<2x8xi32>) ports [] instances [
    @dst_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%b: memref<2x8xi32>):
    %0 = memref.alloc() : memref<2x8xi32>
    %1 = dato.get @pipe_0 : memref<8xi32>
    %2 = memref.subview %0[0, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1]>>
    "memref.copy"(%1, %2) : (memref<8xi32>, memref<8xi32, strided<[1]>>) -> ()
    %3 = dato.get @pipe_1 : memref<8xi32>
    %4 = memref.subview %0[1, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: 8>>
    "memref.copy"(%3, %4) : (memref<8xi32>, memref<8xi32, strided<[1], offset: 8>>) -> ()
    "memref.copy"(%0, %b) : (memref<2x8xi32>, memref<2x8xi32>) -> ()
  }
}

// -----

// Case 2: as case 1, but b's row 0 is read after the copy: b is not only
// written, so the local and the whole copy stay and nothing is cut.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @dst of @dst grid [1] (%B : memref<2x8xi32>) ports [] instances [
// CHECK-NEXT:    @dst_0 pid [0] offsets {{\[}}[0, 0]] streams []
// CHECK-NEXT:  ] {
// CHECK-NEXT:  ^bb0(%b: memref<2x8xi32>):
// CHECK-NEXT:    %[[L:.*]] = memref.alloc() : memref<2x8xi32>
// CHECK:         "memref.copy"(%[[L]], %b)
// CHECK:         memref.load %b
// CHECK-NOT:   dato.group @dst_piece1
dato.region @top(%A: memref<2x8xi32>, %B: memref<2x8xi32>) {
  dato.stream @pipe_0 : !dato.stream<memref<8xi32>, 2>
  dato.stream @pipe_1 : !dato.stream<memref<8xi32>, 2>
  dato.group @src of @src grid [2] (%A : memref<2x8xi32>) ports [@pipe_out] instances [
    @src_0 pid [0] offsets [[0, 0]] streams [@pipe_0],
    @src_1 pid [1] offsets [[0, 0]] streams [@pipe_1]
  ] {
  ^bb0(%a: memref<2x8xi32>):
    %pi = dato.pid : index
    %0 = memref.subview %a[%pi, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
    %1 = memref.alloc() : memref<8xi32>
    "memref.copy"(%0, %1) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
    dato.put @pipe_out, %1 : memref<8xi32>
  }
  dato.group @dst of @dst grid [1] (%B : memref<2x8xi32>) ports [] instances [
    @dst_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%b: memref<2x8xi32>):
    %0 = memref.alloc() : memref<2x8xi32>
    %1 = dato.get @pipe_0 : memref<8xi32>
    %2 = memref.subview %0[0, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1]>>
    "memref.copy"(%1, %2) : (memref<8xi32>, memref<8xi32, strided<[1]>>) -> ()
    %3 = dato.get @pipe_1 : memref<8xi32>
    %4 = memref.subview %0[1, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: 8>>
    "memref.copy"(%3, %4) : (memref<8xi32>, memref<8xi32, strided<[1], offset: 8>>) -> ()
    "memref.copy"(%0, %b) : (memref<2x8xi32>, memref<2x8xi32>) -> ()
    %c0 = arith.constant 0 : index
    %5 = memref.load %b[%c0, %c0] : memref<2x8xi32>
    memref.store %5, %b[%c0, %c0] : memref<2x8xi32>
  }
}
