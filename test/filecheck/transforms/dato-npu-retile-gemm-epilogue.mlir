// RUN: dato-opt %s --split-input-file -p dato-npu-retile-gemm | filecheck %s

// Case 1: a GEMM putting its 128x128 int32 result (64 KiB) on a block stream
// to a ReLU, one instance each, on npu1 (63 KiB for data beside the stack).
// Per element of a block the GEMM holds its local and two stream objects
// (12 bytes) beside 8 KiB for A/B tiles, the ReLU its C block and two stream
// objects (12 bytes): 64x64 blocks (48 KiB) fit both, 64x128 do not. Both
// grids are refined 2 x 2, the stream becomes four of 64x64 sub-blocks, new
// instance (u, v) of each task taking sub-stream (u, v), the block loops run
// to 64 and the decision is on both groups.
// CHECK-LABEL: dato.region @relu
// CHECK-NEXT:    dato.stream @s_0_0 : !dato.stream<memref<64x64xi32>, 2>
// CHECK-NEXT:    dato.stream @s_0_1 : !dato.stream<memref<64x64xi32>, 2>
// CHECK-NEXT:    dato.stream @s_1_0 : !dato.stream<memref<64x64xi32>, 2>
// CHECK-NEXT:    dato.stream @s_1_1 : !dato.stream<memref<64x64xi32>, 2>
// CHECK-NEXT:    dato.group @mm of @mm grid [2, 2] {{.*}} ports [@out] instances [
// CHECK-NEXT:      @mm_0_0 pid [0, 0] offsets {{\[}}[0, 0], [0, 0]] streams [@s_0_0],
// CHECK-NEXT:      @mm_0_1 pid [0, 1] offsets {{\[}}[0, 0], [0, 64]] streams [@s_0_1],
// CHECK-NEXT:      @mm_1_0 pid [1, 0] offsets {{\[}}[64, 0], [0, 0]] streams [@s_1_0],
// CHECK-NEXT:      @mm_1_1 pid [1, 1] offsets {{\[}}[64, 0], [0, 64]] streams [@s_1_1]
// CHECK-NEXT:    ] attributes {dato.retiled = [2 : i64, 2 : i64], dato.retiled_with = [@mm, @act]} {
// CHECK-NEXT:    ^bb0(%a: memref<64x32xi8>, %b: memref<32x64xi8>):
// CHECK-NEXT:      %acc = memref.alloc() : memref<64x64xi32>
// CHECK:           linalg.matmul ins(%a, %b : memref<64x32xi8>, memref<32x64xi8>) outs(%acc : memref<64x64xi32>)
// CHECK-NEXT:      dato.put @out, %acc : memref<64x64xi32>
// CHECK:         dato.group @act of @act grid [2, 2] {{.*}} ports [@in] instances [
// CHECK-NEXT:      @act_0_0 pid [0, 0] offsets {{\[}}[0, 0]] streams [@s_0_0],
// CHECK-NEXT:      @act_0_1 pid [0, 1] offsets {{\[}}[0, 64]] streams [@s_0_1],
// CHECK-NEXT:      @act_1_0 pid [1, 0] offsets {{\[}}[64, 0]] streams [@s_1_0],
// CHECK-NEXT:      @act_1_1 pid [1, 1] offsets {{\[}}[64, 64]] streams [@s_1_1]
// CHECK-NEXT:    ] attributes {dato.retiled = [2 : i64, 2 : i64], dato.retiled_with = [@mm, @act]} {
// CHECK-NEXT:    ^bb0(%c: memref<64x64xi32>):
// CHECK-NEXT:      %t = dato.get @in : memref<64x64xi32>
// CHECK:           %[[ROWS:.*]] = arith.constant 64 : index
// CHECK-NEXT:      scf.for %x = %{{.*}} to %[[ROWS]] step
// CHECK-NEXT:        %[[COLS:.*]] = arith.constant 64 : index
// CHECK-NEXT:        scf.for %y = %{{.*}} to %[[COLS]] step
// CHECK-NEXT:          %{{.*}} = memref.load %t[%x, %y] : memref<64x64xi32>
// CHECK:               memref.store %{{.*}}, %c[%x, %y] : memref<64x64xi32>

dato.region @relu(%A: memref<128x32xi8>, %B: memref<32x128xi8>, %C: memref<128x128xi32>) {
  dato.stream @s : !dato.stream<memref<128x128xi32>, 2>
  dato.group @mm of @mm grid [1, 1] (%A : memref<128x32xi8>, %B : memref<32x128xi8>) ports [@out] instances [
    @mm_0_0 pid [0, 0] offsets [[0, 0], [0, 0]] streams [@s]
  ] {
  ^bb0(%a: memref<128x32xi8>, %b: memref<32x128xi8>):
    %acc = memref.alloc() : memref<128x128xi32>
    %0 = arith.constant 0 : i32
    linalg.fill ins(%0 : i32) outs(%acc : memref<128x128xi32>)
    linalg.matmul ins(%a, %b : memref<128x32xi8>, memref<32x128xi8>) outs(%acc : memref<128x128xi32>)
    dato.put @out, %acc : memref<128x128xi32>
  }
  dato.group @act of @act grid [1, 1] (%C : memref<128x128xi32>) ports [@in] instances [
    @act_0_0 pid [0, 0] offsets [[0, 0]] streams [@s]
  ] {
  ^bb0(%c: memref<128x128xi32>):
    %t = dato.get @in : memref<128x128xi32>
    %0 = arith.constant 0 : index
    %1 = arith.constant 128 : index
    %2 = arith.constant 1 : index
    %3 = arith.constant 0 : i32
    scf.for %x = %0 to %1 step %2 {
      scf.for %y = %0 to %1 step %2 {
        %4 = memref.load %t[%x, %y] : memref<128x128xi32>
        %5 = arith.maxsi %4, %3 : i32
        memref.store %5, %c[%x, %y] : memref<128x128xi32>
      }
    }
  }
}

// -----

// Case 2: the consumer writes t[y, x] into c[x, y]: a sub-block of C needs
// another sub-block of the stream's object, so nothing is cut.
// CHECK-LABEL: dato.region @transposed
// CHECK-NOT:   dato.retiled
// CHECK:       dato.stream @s : !dato.stream<memref<128x128xi32>, 2>
// CHECK-NOT:   dato.retiled

dato.region @transposed(%A: memref<128x32xi8>, %B: memref<32x128xi8>, %C: memref<128x128xi32>) {
  dato.stream @s : !dato.stream<memref<128x128xi32>, 2>
  dato.group @mm of @mm grid [1, 1] (%A : memref<128x32xi8>, %B : memref<32x128xi8>) ports [@out] instances [
    @mm_0_0 pid [0, 0] offsets [[0, 0], [0, 0]] streams [@s]
  ] {
  ^bb0(%a: memref<128x32xi8>, %b: memref<32x128xi8>):
    %acc = memref.alloc() : memref<128x128xi32>
    linalg.matmul ins(%a, %b : memref<128x32xi8>, memref<32x128xi8>) outs(%acc : memref<128x128xi32>)
    dato.put @out, %acc : memref<128x128xi32>
  }
  dato.group @act of @act grid [1, 1] (%C : memref<128x128xi32>) ports [@in] instances [
    @act_0_0 pid [0, 0] offsets [[0, 0]] streams [@s]
  ] {
  ^bb0(%c: memref<128x128xi32>):
    %t = dato.get @in : memref<128x128xi32>
    %0 = arith.constant 0 : index
    %1 = arith.constant 128 : index
    %2 = arith.constant 1 : index
    scf.for %x = %0 to %1 step %2 {
      scf.for %y = %0 to %1 step %2 {
        %4 = memref.load %t[%y, %x] : memref<128x128xi32>
        memref.store %4, %c[%x, %y] : memref<128x128xi32>
      }
    }
  }
}

// -----

// Case 3: a running sum (a scalar carried from one element to the next)
// depends on the elements before it in the block: not cut.
// CHECK-LABEL: dato.region @running
// CHECK-NOT:   dato.retiled

dato.region @running(%A: memref<128x32xi8>, %B: memref<32x128xi8>, %C: memref<128x128xi32>) {
  dato.stream @s : !dato.stream<memref<128x128xi32>, 2>
  dato.group @mm of @mm grid [1, 1] (%A : memref<128x32xi8>, %B : memref<32x128xi8>) ports [@out] instances [
    @mm_0_0 pid [0, 0] offsets [[0, 0], [0, 0]] streams [@s]
  ] {
  ^bb0(%a: memref<128x32xi8>, %b: memref<32x128xi8>):
    %acc = memref.alloc() : memref<128x128xi32>
    linalg.matmul ins(%a, %b : memref<128x32xi8>, memref<32x128xi8>) outs(%acc : memref<128x128xi32>)
    dato.put @out, %acc : memref<128x128xi32>
  }
  dato.group @act of @act grid [1, 1] (%C : memref<128x128xi32>) ports [@in] instances [
    @act_0_0 pid [0, 0] offsets [[0, 0]] streams [@s]
  ] {
  ^bb0(%c: memref<128x128xi32>):
    %sum = memref.alloca() : memref<i32>
    %z = arith.constant 0 : i32
    memref.store %z, %sum[] : memref<i32>
    %t = dato.get @in : memref<128x128xi32>
    %0 = arith.constant 0 : index
    %1 = arith.constant 128 : index
    %2 = arith.constant 1 : index
    scf.for %x = %0 to %1 step %2 {
      scf.for %y = %0 to %1 step %2 {
        %4 = memref.load %t[%x, %y] : memref<128x128xi32>
        %5 = memref.load %sum[] : memref<i32>
        %6 = arith.addi %4, %5 : i32
        memref.store %6, %sum[] : memref<i32>
        memref.store %6, %c[%x, %y] : memref<128x128xi32>
      }
    }
  }
}

// -----

// Case 4: a consumer that adds its row index (a value computed from a block
// loop's variable changes with the cut): not cut.
// CHECK-LABEL: dato.region @position
// CHECK-NOT:   dato.retiled

dato.region @position(%A: memref<128x32xi8>, %B: memref<32x128xi8>, %C: memref<128x128xi32>) {
  dato.stream @s : !dato.stream<memref<128x128xi32>, 2>
  dato.group @mm of @mm grid [1, 1] (%A : memref<128x32xi8>, %B : memref<32x128xi8>) ports [@out] instances [
    @mm_0_0 pid [0, 0] offsets [[0, 0], [0, 0]] streams [@s]
  ] {
  ^bb0(%a: memref<128x32xi8>, %b: memref<32x128xi8>):
    %acc = memref.alloc() : memref<128x128xi32>
    linalg.matmul ins(%a, %b : memref<128x32xi8>, memref<32x128xi8>) outs(%acc : memref<128x128xi32>)
    dato.put @out, %acc : memref<128x128xi32>
  }
  dato.group @act of @act grid [1, 1] (%C : memref<128x128xi32>) ports [@in] instances [
    @act_0_0 pid [0, 0] offsets [[0, 0]] streams [@s]
  ] {
  ^bb0(%c: memref<128x128xi32>):
    %t = dato.get @in : memref<128x128xi32>
    %0 = arith.constant 0 : index
    %1 = arith.constant 128 : index
    %2 = arith.constant 1 : index
    scf.for %x = %0 to %1 step %2 {
      scf.for %y = %0 to %1 step %2 {
        %4 = memref.load %t[%x, %y] : memref<128x128xi32>
        %5 = arith.index_cast %x : index to i32
        %6 = arith.addi %4, %5 : i32
        memref.store %6, %c[%x, %y] : memref<128x128xi32>
      }
    }
  }
}
