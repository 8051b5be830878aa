// RUN: dato-opt %s --split-input-file -p 'dato-npu-elide-loaders{always=true}' | filecheck %s

// always=true: these designs fit the cores (by default loaders and
// collectors are elided only when cores are short or their tile could not
// hold them).

// Case 1: elementwise_meta_for(int32, 2, 8): `load` deals rows a[p, :] and
// b[p, :] to the lanes (a subview copied into a fresh buffer per put, one put
// per stream) and `store` copies each lane's row into c[p, :]. Both go: each
// lane takes its rows of A, B and C as arguments of its own (offsets [p, 0]),
// copies its rows of A and B as the loader did and writes its row of C where
// it put it; the decisions are recorded on the lane group.
// CHECK-LABEL: dato.region @top
// CHECK-NOT:   dato.stream
// CHECK-NOT:   dato.group @load
// CHECK:       dato.group @lane of @lane grid [2] (%A : memref<2x8xi32>, %B : memref<2x8xi32>, %C : memref<2x8xi32>) ports [] instances [
// CHECK-NEXT:    @lane_0 pid [0] offsets {{\[}}[0, 0], [0, 0], [0, 0]] streams [],
// CHECK-NEXT:    @lane_1 pid [1] offsets {{\[}}[1, 0], [1, 0], [1, 0]] streams []
// CHECK-NEXT:  ] attributes {dato.elided_loaders = ["load"], dato.elided_collectors = ["store"]} {
// CHECK-NEXT:  ^bb0(%a: memref<1x8xi32>, %b: memref<1x8xi32>, %c: memref<1x8xi32>):
// CHECK-NEXT:    %[[SA:.*]] = memref.subview %a[0, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1]>>
// CHECK-NEXT:    %[[RA:.*]] = memref.alloc() : memref<8xi32>
// CHECK-NEXT:    "memref.copy"(%[[SA]], %[[RA]])
// CHECK-NEXT:    %[[SB:.*]] = memref.subview %b[0, 0] [1, 8] [1, 1]
// CHECK-NEXT:    %[[RB:.*]] = memref.alloc() : memref<8xi32>
// CHECK-NEXT:    "memref.copy"(%[[SB]], %[[RB]])
// CHECK-NEXT:    %[[S:.*]] = memref.alloc() : memref<8xi32>
// CHECK-NEXT:    linalg.add ins(%[[RA]], %[[RB]] : memref<8xi32>, memref<8xi32>) outs(%[[S]] : memref<8xi32>)
// CHECK-NEXT:    %[[SC:.*]] = memref.subview %c[0, 0] [1, 8] [1, 1] : memref<1x8xi32> to memref<8xi32, strided<[1]>>
// CHECK-NEXT:    "memref.copy"(%[[S]], %[[SC]])
// CHECK-NEXT:  }
// CHECK-NOT:   dato.group @store

  dato.region @top(%A: memref<2x8xi32>, %B: memref<2x8xi32>, %C: memref<2x8xi32>) {
    dato.stream @lane_a_0 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_a_1 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_b_0 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_b_1 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_c_0 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_c_1 : !dato.stream<memref<8xi32>, 2>
    dato.group @load of @load grid [1] (%A : memref<2x8xi32>, %B : memref<2x8xi32>) ports [] instances [
      @load_0 pid [0] offsets [[0, 0], [0, 0]] streams []
    ] {
    ^bb0(%a: memref<2x8xi32>, %b: memref<2x8xi32>):
      %p = arith.constant 0 : index
      %0 = memref.subview %a[%p, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      %1 = memref.alloc() : memref<8xi32>
      "memref.copy"(%0, %1) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
      dato.put @lane_a_0, %1 : memref<8xi32>
      %2 = memref.subview %b[%p, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      %3 = memref.alloc() : memref<8xi32>
      "memref.copy"(%2, %3) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
      dato.put @lane_b_0, %3 : memref<8xi32>
      %p_1 = arith.constant 1 : index
      %4 = memref.subview %a[%p_1, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      %5 = memref.alloc() : memref<8xi32>
      "memref.copy"(%4, %5) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
      dato.put @lane_a_1, %5 : memref<8xi32>
      %6 = memref.subview %b[%p_1, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      %7 = memref.alloc() : memref<8xi32>
      "memref.copy"(%6, %7) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
      dato.put @lane_b_1, %7 : memref<8xi32>
    }
    dato.group @lane of @lane grid [2] () ports [@lane_a_in, @lane_b_in, @lane_c_out] instances [
      @lane_0 pid [0] offsets [] streams [@lane_a_0, @lane_b_0, @lane_c_0],
      @lane_1 pid [1] offsets [] streams [@lane_a_1, @lane_b_1, @lane_c_1]
    ] {
      %0 = dato.get @lane_a_in : memref<8xi32>
      %1 = dato.get @lane_b_in : memref<8xi32>
      %2 = memref.alloc() : memref<8xi32>
      linalg.add ins(%0, %1 : memref<8xi32>, memref<8xi32>) outs(%2 : memref<8xi32>)
      dato.put @lane_c_out, %2 : memref<8xi32>
    }
    dato.group @store of @store grid [1] (%C : memref<2x8xi32>) ports [] instances [
      @store_0 pid [0] offsets [[0, 0]] streams []
    ] {
    ^bb0(%c: memref<2x8xi32>):
      %p = arith.constant 0 : index
      %0 = dato.get @lane_c_0 : memref<8xi32>
      %1 = memref.subview %c[%p, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      "memref.copy"(%0, %1) : (memref<8xi32>, memref<8xi32, strided<[1], offset: ?>>) -> ()
      %p_1 = arith.constant 1 : index
      %2 = dato.get @lane_c_1 : memref<8xi32>
      %3 = memref.subview %c[%p_1, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      "memref.copy"(%2, %3) : (memref<8xi32>, memref<8xi32, strided<[1], offset: ?>>) -> ()
    }
  }

// -----

// Case 2: the store writes row 0 twice (both lanes' rows land in c[0, :]):
// the later copy wins, an order the lanes would not keep writing themselves,
// so the store and its streams stay; the loader still goes.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.stream @lane_c_0
// CHECK:       dato.stream @lane_c_1
// CHECK-NOT:   dato.group @load
// CHECK:       dato.group @lane
// CHECK-SAME:  ports [@lane_c_out]
// CHECK:       attributes {dato.elided_loaders = ["load"]}
// CHECK:       dato.group @store of @store grid [1] (%C : memref<2x8xi32>)
// CHECK:         dato.get @lane_c_0
// CHECK:         dato.get @lane_c_1

  dato.region @top(%A: memref<2x8xi32>, %B: memref<2x8xi32>, %C: memref<2x8xi32>) {
    dato.stream @lane_a_0 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_a_1 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_b_0 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_b_1 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_c_0 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_c_1 : !dato.stream<memref<8xi32>, 2>
    dato.group @load of @load grid [1] (%A : memref<2x8xi32>, %B : memref<2x8xi32>) ports [] instances [
      @load_0 pid [0] offsets [[0, 0], [0, 0]] streams []
    ] {
    ^bb0(%a: memref<2x8xi32>, %b: memref<2x8xi32>):
      %p = arith.constant 0 : index
      %0 = memref.subview %a[%p, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      %1 = memref.alloc() : memref<8xi32>
      "memref.copy"(%0, %1) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
      dato.put @lane_a_0, %1 : memref<8xi32>
      %2 = memref.subview %b[%p, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      %3 = memref.alloc() : memref<8xi32>
      "memref.copy"(%2, %3) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
      dato.put @lane_b_0, %3 : memref<8xi32>
      %p_1 = arith.constant 1 : index
      %4 = memref.subview %a[%p_1, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      %5 = memref.alloc() : memref<8xi32>
      "memref.copy"(%4, %5) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
      dato.put @lane_a_1, %5 : memref<8xi32>
      %6 = memref.subview %b[%p_1, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      %7 = memref.alloc() : memref<8xi32>
      "memref.copy"(%6, %7) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
      dato.put @lane_b_1, %7 : memref<8xi32>
    }
    dato.group @lane of @lane grid [2] () ports [@lane_a_in, @lane_b_in, @lane_c_out] instances [
      @lane_0 pid [0] offsets [] streams [@lane_a_0, @lane_b_0, @lane_c_0],
      @lane_1 pid [1] offsets [] streams [@lane_a_1, @lane_b_1, @lane_c_1]
    ] {
      %0 = dato.get @lane_a_in : memref<8xi32>
      %1 = dato.get @lane_b_in : memref<8xi32>
      %2 = memref.alloc() : memref<8xi32>
      linalg.add ins(%0, %1 : memref<8xi32>, memref<8xi32>) outs(%2 : memref<8xi32>)
      dato.put @lane_c_out, %2 : memref<8xi32>
    }
    dato.group @store of @store grid [1] (%C : memref<2x8xi32>) ports [] instances [
      @store_0 pid [0] offsets [[0, 0]] streams []
    ] {
    ^bb0(%c: memref<2x8xi32>):
      %p = arith.constant 0 : index
      %0 = dato.get @lane_c_0 : memref<8xi32>
      %1 = memref.subview %c[%p, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      "memref.copy"(%0, %1) : (memref<8xi32>, memref<8xi32, strided<[1], offset: ?>>) -> ()
      %p_1 = arith.constant 1 : index
      %2 = dato.get @lane_c_1 : memref<8xi32>
      %3 = memref.subview %c[%p, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      "memref.copy"(%2, %3) : (memref<8xi32>, memref<8xi32, strided<[1], offset: ?>>) -> ()
    }
  }

// -----

// Case 3: another task writes B: the loader's rows of B could
// change before a lane reads them, so the loader stays (all its streams or
// none); the store still goes.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.group @load
// CHECK:         dato.put @lane_a_0
// CHECK:       dato.group @lane
// CHECK-SAME:  ports [@lane_a_in, @lane_b_in]
// CHECK:       attributes {dato.elided_collectors = ["store"]}
// CHECK-NOT:   dato.group @store
// CHECK:       dato.group @other

  dato.region @top(%A: memref<2x8xi32>, %B: memref<2x8xi32>, %C: memref<2x8xi32>) {
    dato.stream @lane_a_0 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_a_1 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_b_0 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_b_1 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_c_0 : !dato.stream<memref<8xi32>, 2>
    dato.stream @lane_c_1 : !dato.stream<memref<8xi32>, 2>
    dato.group @load of @load grid [1] (%A : memref<2x8xi32>, %B : memref<2x8xi32>) ports [] instances [
      @load_0 pid [0] offsets [[0, 0], [0, 0]] streams []
    ] {
    ^bb0(%a: memref<2x8xi32>, %b: memref<2x8xi32>):
      %p = arith.constant 0 : index
      %0 = memref.subview %a[%p, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      %1 = memref.alloc() : memref<8xi32>
      "memref.copy"(%0, %1) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
      dato.put @lane_a_0, %1 : memref<8xi32>
      %2 = memref.subview %b[%p, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      %3 = memref.alloc() : memref<8xi32>
      "memref.copy"(%2, %3) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
      dato.put @lane_b_0, %3 : memref<8xi32>
      %p_1 = arith.constant 1 : index
      %4 = memref.subview %a[%p_1, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      %5 = memref.alloc() : memref<8xi32>
      "memref.copy"(%4, %5) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
      dato.put @lane_a_1, %5 : memref<8xi32>
      %6 = memref.subview %b[%p_1, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      %7 = memref.alloc() : memref<8xi32>
      "memref.copy"(%6, %7) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
      dato.put @lane_b_1, %7 : memref<8xi32>
    }
    dato.group @lane of @lane grid [2] () ports [@lane_a_in, @lane_b_in, @lane_c_out] instances [
      @lane_0 pid [0] offsets [] streams [@lane_a_0, @lane_b_0, @lane_c_0],
      @lane_1 pid [1] offsets [] streams [@lane_a_1, @lane_b_1, @lane_c_1]
    ] {
      %0 = dato.get @lane_a_in : memref<8xi32>
      %1 = dato.get @lane_b_in : memref<8xi32>
      %2 = memref.alloc() : memref<8xi32>
      linalg.add ins(%0, %1 : memref<8xi32>, memref<8xi32>) outs(%2 : memref<8xi32>)
      dato.put @lane_c_out, %2 : memref<8xi32>
    }
    dato.group @store of @store grid [1] (%C : memref<2x8xi32>) ports [] instances [
      @store_0 pid [0] offsets [[0, 0]] streams []
    ] {
    ^bb0(%c: memref<2x8xi32>):
      %p = arith.constant 0 : index
      %0 = dato.get @lane_c_0 : memref<8xi32>
      %1 = memref.subview %c[%p, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      "memref.copy"(%0, %1) : (memref<8xi32>, memref<8xi32, strided<[1], offset: ?>>) -> ()
      %p_1 = arith.constant 1 : index
      %2 = dato.get @lane_c_1 : memref<8xi32>
      %3 = memref.subview %c[%p_1, 0] [1, 8] [1, 1] : memref<2x8xi32> to memref<8xi32, strided<[1], offset: ?>>
      "memref.copy"(%2, %3) : (memref<8xi32>, memref<8xi32, strided<[1], offset: ?>>) -> ()
    }
    dato.group @other of @other grid [1] (%B : memref<2x8xi32>) ports [] instances [
      @other_0 pid [0] offsets [[0, 0]] streams []
    ] {
    ^bb0(%o: memref<2x8xi32>):
      %z = arith.constant 0 : i32
      linalg.fill ins(%z : i32) outs(%o : memref<2x8xi32>)
    }
  }

// -----

// Case 4: chunks a[p*16:(p+1)*16] of a vector, the offsets computed from
// meta_for's constant p (`p * 16`): the worker reads its chunk of A in place
// (same rank, nothing to copy) and copies its result into its chunk of B.
// CHECK-LABEL: dato.region @top
// CHECK-NOT:   dato.stream
// CHECK:       dato.group @w of @w grid [2] (%A : memref<32xi16>, %B : memref<32xi16>) ports [] instances [
// CHECK-NEXT:    @w_0 pid [0] offsets {{\[}}[0], [0]] streams [],
// CHECK-NEXT:    @w_1 pid [1] offsets {{\[}}[16], [16]] streams []
// CHECK-NEXT:  ] attributes {dato.elided_loaders = ["load"], dato.elided_collectors = ["store"]} {
// CHECK-NEXT:  ^bb0(%a: memref<16xi16>, %b: memref<16xi16>):
// CHECK-NOT:     dato.get
// CHECK:         memref.load %a[%{{.*}}] : memref<16xi16>
// CHECK:         "memref.copy"(%y, %b) : (memref<16xi16>, memref<16xi16>) -> ()
// CHECK-NOT:     dato.put
// CHECK-NOT:   dato.group @store

  dato.region @top(%A: memref<32xi16>, %B: memref<32xi16>) {
    dato.stream @s_0 : !dato.stream<memref<16xi16>, 2>
    dato.stream @s_1 : !dato.stream<memref<16xi16>, 2>
    dato.stream @o_0 : !dato.stream<memref<16xi16>, 2>
    dato.stream @o_1 : !dato.stream<memref<16xi16>, 2>
    dato.group @load of @load grid [1] (%A : memref<32xi16>) ports [] instances [
      @load_0 pid [0] offsets [[0]] streams []
    ] {
    ^bb0(%a: memref<32xi16>):
      %p = arith.constant 0 : index
      %0 = arith.constant 16 : index
      %1 = arith.muli %p, %0 : index
      %2 = memref.subview %a[%1] [16] [1] : memref<32xi16> to memref<16xi16, strided<[1], offset: ?>>
      %3 = memref.alloc() : memref<16xi16>
      "memref.copy"(%2, %3) : (memref<16xi16, strided<[1], offset: ?>>, memref<16xi16>) -> ()
      dato.put @s_0, %3 : memref<16xi16>
      %p_1 = arith.constant 1 : index
      %4 = arith.constant 16 : index
      %5 = arith.muli %p_1, %4 : index
      %6 = memref.subview %a[%5] [16] [1] : memref<32xi16> to memref<16xi16, strided<[1], offset: ?>>
      %7 = memref.alloc() : memref<16xi16>
      "memref.copy"(%6, %7) : (memref<16xi16, strided<[1], offset: ?>>, memref<16xi16>) -> ()
      dato.put @s_1, %7 : memref<16xi16>
    }
    dato.group @w of @w grid [2] () ports [@s_in, @o_out] instances [
      @w_0 pid [0] offsets [] streams [@s_0, @o_0],
      @w_1 pid [1] offsets [] streams [@s_1, @o_1]
    ] {
      %0 = dato.get @s_in : memref<16xi16>
      %y = memref.alloc() : memref<16xi16>
      %1 = arith.constant 0 : i16
      linalg.fill ins(%1 : i16) outs(%y : memref<16xi16>)
      %2 = arith.constant 0 : index
      %3 = arith.constant 16 : index
      %4 = arith.constant 1 : index
      scf.for %i = %2 to %3 step %4 {
        %5 = memref.load %0[%i] : memref<16xi16>
        %6 = arith.constant 3 : i16
        %7 = arith.muli %5, %6 : i16
        %8 = arith.constant 1 : i16
        %9 = arith.addi %7, %8 : i16
        memref.store %9, %y[%i] : memref<16xi16>
      }
      dato.put @o_out, %y : memref<16xi16>
    }
    dato.group @store of @store grid [1] (%B : memref<32xi16>) ports [] instances [
      @store_0 pid [0] offsets [[0]] streams []
    ] {
    ^bb0(%b: memref<32xi16>):
      %p = arith.constant 0 : index
      %0 = dato.get @o_0 : memref<16xi16>
      %1 = arith.constant 16 : index
      %2 = arith.muli %p, %1 : index
      %3 = memref.subview %b[%2] [16] [1] : memref<32xi16> to memref<16xi16, strided<[1], offset: ?>>
      "memref.copy"(%0, %3) : (memref<16xi16>, memref<16xi16, strided<[1], offset: ?>>) -> ()
      %p_1 = arith.constant 1 : index
      %4 = dato.get @o_1 : memref<16xi16>
      %5 = arith.constant 16 : index
      %6 = arith.muli %p_1, %5 : index
      %7 = memref.subview %b[%6] [16] [1] : memref<32xi16> to memref<16xi16, strided<[1], offset: ?>>
      "memref.copy"(%4, %7) : (memref<16xi16>, memref<16xi16, strided<[1], offset: ?>>) -> ()
    }
  }

// -----

// Case 5: a loader putting scalars it read is no slice loader: kept.
// CHECK-LABEL: dato.region @top
// CHECK:       dato.stream @s_0
// CHECK:       dato.group @load
// CHECK:         dato.put @s_0, %{{.*}} : i32
// CHECK:       dato.group @w
// CHECK-NOT:   dato.elided_loaders

dato.region @top(%A: memref<2xi32>, %B: memref<2xi32>) {
  dato.stream @s_0 : !dato.stream<i32, 2>
  dato.stream @s_1 : !dato.stream<i32, 2>
  dato.group @load of @load grid [1] (%A : memref<2xi32>) ports [] instances [
    @load_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%a: memref<2xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %x = memref.load %a[%c0] : memref<2xi32>
    dato.put @s_0, %x : i32
    %y = memref.load %a[%c1] : memref<2xi32>
    dato.put @s_1, %y : i32
  }
  dato.group @w of @w grid [2] (%B : memref<2xi32>) ports [@s_in] instances [
    @w_0 pid [0] offsets [[0]] streams [@s_0],
    @w_1 pid [1] offsets [[1]] streams [@s_1]
  ] {
  ^bb0(%b: memref<1xi32>):
    %c0 = arith.constant 0 : index
    %v = dato.get @s_in : i32
    memref.store %v, %b[%c0] : memref<1xi32>
  }
}
