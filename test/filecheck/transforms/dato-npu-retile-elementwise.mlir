// RUN: dato-opt %s --split-input-file -p dato-npu-retile-elementwise | filecheck %s

// Case 1: C = A + B on one instance of 16384 int32 (64 KiB per array) on
// npu1 (63 KiB for data beside the stack). Per element an instance holds
// a, b, c and the sum's local: 16 bytes, 28 with the arguments
// double-buffered; 2048 is the largest power-of-two divisor whose 56 KiB
// fit however physical mapping buffers them, so the grid is refined by 8:
// instance u computes elements [2048u, 2048u + 2048) of every argument.
// CHECK-LABEL: dato.region @vadd
// CHECK-NEXT:    dato.group @add of @add grid [8] {{.*}} ports [] instances [
// CHECK-NEXT:      @add_0 pid [0] offsets {{\[}}[0], [0], [0]] streams [],
// CHECK-NEXT:      @add_1 pid [1] offsets {{\[}}[2048], [2048], [2048]] streams [],
// CHECK:           @add_7 pid [7] offsets {{\[}}[14336], [14336], [14336]] streams []
// CHECK-NEXT:    ] attributes {dato.retiled = [8 : i64], dato.retiled_with = [@add]} {
// CHECK-NEXT:    ^bb0(%a: memref<2048xi32>, %b: memref<2048xi32>, %c: memref<2048xi32>):
// CHECK-NEXT:      %0 = memref.alloc() : memref<2048xi32>
// CHECK-NEXT:      linalg.add ins(%a, %b : memref<2048xi32>, memref<2048xi32>) outs(%0 : memref<2048xi32>)
// CHECK-NEXT:      "memref.copy"(%0, %c) : (memref<2048xi32>, memref<2048xi32>) -> ()

dato.region @vadd(%A: memref<16384xi32>, %B: memref<16384xi32>, %C: memref<16384xi32>) {
  dato.group @add of @add grid [1] (%A : memref<16384xi32>, %B : memref<16384xi32>, %C : memref<16384xi32>) ports [] instances [
    @add_0 pid [0] offsets [[0], [0], [0]] streams []
  ] {
  ^bb0(%a: memref<16384xi32>, %b: memref<16384xi32>, %c: memref<16384xi32>):
    %0 = memref.alloc() : memref<16384xi32>
    linalg.add ins(%a, %b : memref<16384xi32>, memref<16384xi32>) outs(%0 : memref<16384xi32>)
    "memref.copy"(%0, %c) : (memref<16384xi32>, memref<16384xi32>) -> ()
  }
}

// -----

// Case 2: a producer puts row 1 of A (a subview keeping the row's axis
// whole) on a block stream of 8192 int32; a consumer squares it element by
// element in a loop over the axis into B. The subview, the copy, the put
// and get and the loop's loads and stores tie one axis through both
// groups; the producer holds 16 bytes per element (28 at most), so the cut
// is 4 chunks of 2048: the stream becomes four streams of 2048-element
// objects, chunk u of each task on stream u, the region stream the
// single-instance producer named itself becomes a port, the view's offset
// follows the cut row (2048), and the loop runs to 2048.
// CHECK-LABEL: dato.region @rows
// CHECK-NEXT:    dato.stream @s_c0 : !dato.stream<memref<2048xi32>, 2>
// CHECK-NEXT:    dato.stream @s_c1 : !dato.stream<memref<2048xi32>, 2>
// CHECK-NEXT:    dato.stream @s_c2 : !dato.stream<memref<2048xi32>, 2>
// CHECK-NEXT:    dato.stream @s_c3 : !dato.stream<memref<2048xi32>, 2>
// CHECK-NEXT:    dato.group @p of @p grid [4] {{.*}} ports [@s_port] instances [
// CHECK-NEXT:      @p_0 pid [0] offsets {{\[}}[0, 0]] streams [@s_c0],
// CHECK-NEXT:      @p_1 pid [1] offsets {{\[}}[0, 2048]] streams [@s_c1],
// CHECK:         ] attributes {dato.retiled = [4 : i64], dato.retiled_with = [@p, @q]} {
// CHECK-NEXT:    ^bb0(%a: memref<2x2048xi32>):
// CHECK-NEXT:      %0 = memref.subview %a[1, 0] [1, 2048] [1, 1] : memref<2x2048xi32> to memref<2048xi32, strided<[1], offset: 2048>>
// CHECK-NEXT:      %1 = memref.alloc() : memref<2048xi32>
// CHECK:           dato.put @s_port, %1 : memref<2048xi32>
// CHECK:         dato.group @q of @q grid [4] {{.*}} ports [@s_port] instances [
// CHECK-NEXT:      @q_0 pid [0] offsets {{\[}}[0]] streams [@s_c0],
// CHECK-NEXT:      @q_1 pid [1] offsets {{\[}}[2048]] streams [@s_c1],
// CHECK:         ] attributes {dato.retiled = [4 : i64], dato.retiled_with = [@p, @q]} {
// CHECK-NEXT:    ^bb0(%b: memref<2048xi32>):
// CHECK-NEXT:      %t = dato.get @s_port : memref<2048xi32>
// CHECK:           %[[N:.*]] = arith.constant 2048 : index
// CHECK-NEXT:      scf.for %i = %lo to %[[N]] step %one {
// CHECK-NEXT:        %x = memref.load %t[%i] : memref<2048xi32>
// CHECK:             memref.store %y, %b[%i] : memref<2048xi32>

dato.region @rows(%A: memref<2x8192xi32>, %B: memref<8192xi32>) {
  dato.stream @s : !dato.stream<memref<8192xi32>, 2>
  dato.group @p of @p grid [1] (%A : memref<2x8192xi32>) ports [] instances [
    @p_0 pid [0] offsets [[0, 0]] streams []
  ] {
  ^bb0(%a: memref<2x8192xi32>):
    %0 = memref.subview %a[1, 0] [1, 8192] [1, 1] : memref<2x8192xi32> to memref<8192xi32, strided<[1], offset: 8192>>
    %1 = memref.alloc() : memref<8192xi32>
    "memref.copy"(%0, %1) : (memref<8192xi32, strided<[1], offset: 8192>>, memref<8192xi32>) -> ()
    dato.put @s, %1 : memref<8192xi32>
  }
  dato.group @q of @q grid [1] (%B : memref<8192xi32>) ports [] instances [
    @q_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%b: memref<8192xi32>):
    %t = dato.get @s : memref<8192xi32>
    %lo = arith.constant 0 : index
    %hi = arith.constant 8192 : index
    %one = arith.constant 1 : index
    scf.for %i = %lo to %hi step %one {
      %x = memref.load %t[%i] : memref<8192xi32>
      %y = arith.muli %x, %x : i32
      memref.store %y, %b[%i] : memref<8192xi32>
    }
  }
}

// -----

// Case 3: a running sum: the scalar stored in the loop over the axis is
// read in the next iteration before it is stored again (a value carried
// along the axis), so no cut: the group stays as written.
// CHECK-LABEL: dato.region @sum
// CHECK-NEXT:    dato.group @acc of @acc grid [1]
// CHECK-NOT:     dato.retiled
// CHECK:         ^bb0(%a: memref<16384xi32>, %b: memref<16384xi32>):

dato.region @sum(%A: memref<16384xi32>, %B: memref<16384xi32>) {
  dato.group @acc of @acc grid [1] (%A : memref<16384xi32>, %B : memref<16384xi32>) ports [] instances [
    @acc_0 pid [0] offsets [[0], [0]] streams []
  ] {
  ^bb0(%a: memref<16384xi32>, %b: memref<16384xi32>):
    %s = memref.alloc() : memref<i32>
    %z = arith.constant 0 : i32
    memref.store %z, %s[] : memref<i32>
    %lo = arith.constant 0 : index
    %hi = arith.constant 16384 : index
    %one = arith.constant 1 : index
    scf.for %i = %lo to %hi step %one {
      %x = memref.load %a[%i] : memref<16384xi32>
      %p = memref.load %s[] : memref<i32>
      %q = arith.addi %p, %x : i32
      memref.store %q, %s[] : memref<i32>
      memref.store %q, %b[%i] : memref<16384xi32>
    }
  }
}

// -----

// Case 4: b[i] = a[i + 1]: the index of a is computed from the axis
// loop's induction variable (another position along the axis), so no cut.
// CHECK-LABEL: dato.region @shift
// CHECK-NEXT:    dato.group @sh of @sh grid [1]
// CHECK-NOT:     dato.retiled
// CHECK:         ^bb0(%a: memref<16384xi32>, %b: memref<16384xi32>):

dato.region @shift(%A: memref<16384xi32>, %B: memref<16384xi32>) {
  dato.group @sh of @sh grid [1] (%A : memref<16384xi32>, %B : memref<16384xi32>) ports [] instances [
    @sh_0 pid [0] offsets [[0], [0]] streams []
  ] {
  ^bb0(%a: memref<16384xi32>, %b: memref<16384xi32>):
    %lo = arith.constant 0 : index
    %hi = arith.constant 16383 : index
    %one = arith.constant 1 : index
    scf.for %i = %lo to %hi step %one {
      %j = arith.addi %i, %one : index
      %x = memref.load %a[%j] : memref<16384xi32>
      memref.store %x, %b[%i] : memref<16384xi32>
    }
  }
}

// -----

// Case 5: the producer puts its block once per position of the axis (the
// put inside the loop over it): a chunk would put 8 times fewer objects
// than the consumer, getting 16384 in a loop of its own, takes; no cut.
// CHECK-LABEL: dato.region @each
// CHECK-NEXT:    dato.stream @s : !dato.stream<memref<16384xi32>, 2>
// CHECK-NEXT:    dato.group @p of @p grid [1]
// CHECK-NOT:     dato.retiled
// CHECK:         ^bb0(%a: memref<16384xi32>):

dato.region @each(%A: memref<16384xi32>, %B: memref<16384xi32>) {
  dato.stream @s : !dato.stream<memref<16384xi32>, 2>
  dato.group @p of @p grid [1] (%A : memref<16384xi32>) ports [] instances [
    @p_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%a: memref<16384xi32>):
    %x = memref.alloc() : memref<16384xi32>
    %lo = arith.constant 0 : index
    %hi = arith.constant 16384 : index
    %one = arith.constant 1 : index
    scf.for %i = %lo to %hi step %one {
      %v = memref.load %a[%i] : memref<16384xi32>
      memref.store %v, %x[%i] : memref<16384xi32>
      dato.put @s, %x : memref<16384xi32>
    }
  }
  dato.group @q of @q grid [1] (%B : memref<16384xi32>) ports [] instances [
    @q_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%b: memref<16384xi32>):
    %lo = arith.constant 0 : index
    %hi = arith.constant 16384 : index
    %one = arith.constant 1 : index
    scf.for %j = %lo to %hi step %one {
      %t = dato.get @s : memref<16384xi32>
      "memref.copy"(%t, %b) : (memref<16384xi32>, memref<16384xi32>) -> ()
    }
  }
}

// -----

// Case: the same 16384-element add on one lane written as a loop. Counted
// whole, its three arguments are 192 KiB, over the tile's 63 KiB, and the
// loop is a legal axis; but the loop reads a[i] and b[i] and writes c[i] in
// order, so the build's later steps stream the arguments in pieces and the
// region maps as written: the as-written trial keeps one instance, uncut.
// CHECK-LABEL: dato.region @loop_add
// CHECK-NEXT:    dato.group @add of @add grid [1] {{.*}} ports [] instances [
// CHECK-NEXT:      @add_0 pid [0] offsets {{\[}}[0], [0], [0]] streams []
// CHECK-NEXT:    ] {
// CHECK-NOT:     dato.retiled
// CHECK:           %{{.*}} = arith.constant 16384 : index
// CHECK:           scf.for
// CHECK-NOT:     dato.retiled
dato.region @loop_add(%A: memref<16384xi32>, %B: memref<16384xi32>, %C: memref<16384xi32>) {
  dato.group @add of @add grid [1] (%A : memref<16384xi32>, %B : memref<16384xi32>, %C : memref<16384xi32>) ports [] instances [
    @add_0 pid [0] offsets [[0], [0], [0]] streams []
  ] {
  ^bb0(%a: memref<16384xi32>, %b: memref<16384xi32>, %c: memref<16384xi32>):
    %0 = arith.constant 0 : index
    %1 = arith.constant 16384 : index
    %2 = arith.constant 1 : index
    scf.for %i = %0 to %1 step %2 {
      %3 = memref.load %a[%i] : memref<16384xi32>
      %4 = memref.load %b[%i] : memref<16384xi32>
      %5 = arith.addi %3, %4 : i32
      memref.store %5, %c[%i] : memref<16384xi32>
    }
  }
}
