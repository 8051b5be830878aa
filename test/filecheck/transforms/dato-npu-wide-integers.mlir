// RUN: dato-opt %s --split-input-file -p dato-npu-wide-integers | filecheck %s

// Case 1: an i100 and an i128 array, each task instance taking a block. Both
// are held as 4 little-endian 32-bit words an element: the region's and the
// blocks' last dimensions grow 4 times, and so does the second instance's
// offset into A's columns (3 -> 12). The i32 array stays as it is. A load
// composes the element's words (word w shifted by 32w) and truncates to i100;
// a store splits its i128 value into words. The module records which
// arguments the host packs: arg 0 at 100 bits, arg 1 at 128.
// CHECK:       builtin.module attributes {dato.wide_words = array<i64: 0, 100, 1, 128>}
// CHECK:       dato.region @top(%A: memref<4x24xi32>, %B: memref<4x24xi32>, %C: memref<8xi32>)
// CHECK-NEXT:    dato.group @k of @k grid [2] {{.*}} instances [
// CHECK-NEXT:      @k_0 pid [0] offsets {{\[}}[0, 0], [0, 0], [0]] streams [],
// CHECK-NEXT:      @k_1 pid [1] offsets {{\[}}[0, 12], [2, 0], [4]] streams []
// CHECK-NEXT:    ] {
// CHECK-NEXT:    ^bb0(%a: memref<4x12xi32>, %b: memref<2x24xi32>, %c: memref<4xi32>):
// CHECK:           %[[FOUR:.*]] = arith.constant 4 : index
// CHECK-NEXT:      %[[W0:.*]] = arith.muli %c1, %[[FOUR]] : index
// CHECK:           %[[L0:.*]] = memref.load %a[%c0, %[[W0]]] : memref<4x12xi32>
// CHECK-NEXT:      %[[E0:.*]] = arith.extui %[[L0]] : i32 to i128
// CHECK-NEXT:      %[[L1:.*]] = memref.load %a[%c0, %{{.*}}] : memref<4x12xi32>
// CHECK-NEXT:      %[[E1:.*]] = arith.extui %[[L1]] : i32 to i128
// CHECK-NEXT:      %[[S32:.*]] = arith.constant 32 : i128
// CHECK-NEXT:      %[[H1:.*]] = arith.shli %[[E1]], %[[S32]] : i128
// CHECK-NEXT:      %{{.*}} = arith.ori %[[E0]], %[[H1]] : i128
// CHECK:           %[[V:.*]] = arith.constant 96 : i128
// CHECK:           %x = arith.trunci %{{.*}} : i128 to i100
// CHECK-NEXT:      %y = arith.extsi %x : i100 to i128
// CHECK:           arith.trunci %y : i128 to i32
// CHECK-NEXT:      memref.store %{{.*}}, %b[%c1, %{{.*}}] : memref<2x24xi32>
// CHECK-COUNT-3:   memref.store %{{.*}}, %b[%c1, %{{.*}}] : memref<2x24xi32>
// CHECK-NOT:       xi100>
// CHECK-NOT:       xi128>

dato.region @top(%A: memref<4x6xi100>, %B: memref<4x6xi128>, %C: memref<8xi32>) {
  dato.group @k of @k grid [2] (%A : memref<4x6xi100>, %B : memref<4x6xi128>, %C : memref<8xi32>) ports [] instances [
    @k_0 pid [0] offsets [[0, 0], [0, 0], [0]] streams [],
    @k_1 pid [1] offsets [[0, 3], [2, 0], [4]] streams []
  ] {
  ^bb0(%a: memref<4x3xi100>, %b: memref<2x6xi128>, %c: memref<4xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %x = memref.load %a[%c0, %c1] : memref<4x3xi100>
    %y = arith.extsi %x : i100 to i128
    memref.store %y, %b[%c1, %c0] : memref<2x6xi128>
  }
}

// -----

// Case 2: an i128 division becomes restoring division on magnitudes: one
// scf.for of 128 one-bit steps carrying (quotient, remainder), no call; the
// quotient's sign is the xor of the operands' signs. A local i128 buffer is an
// i32 one of 4 words an element.
// CHECK:       dato.group @k
// CHECK:         %[[BUF:.*]] = memref.alloc() : memref<8xi32>
// CHECK:         %[[NA:.*]] = arith.cmpi slt, %x, %[[Z:.*]] : i128
// CHECK-NEXT:    %[[NB:.*]] = arith.cmpi slt, %y, %[[Z]] : i128
// CHECK:         %[[N:.*]] = arith.constant 128 : index
// CHECK-NEXT:    %{{.*}} = arith.constant 1 : index
// CHECK-NEXT:    %[[Q:.*]], %{{.*}} = scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args({{.*}}) -> (i128, i128) {
// CHECK:           arith.cmpi uge, %{{.*}}, %{{.*}} : i128
// CHECK:           scf.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[SIGN:.*]] = arith.xori %[[NA]], %[[NB]] : i1
// CHECK-NEXT:    %[[NEG:.*]] = arith.subi %[[Z]], %[[Q]] : i128
// CHECK-NEXT:    %{{.*}} = arith.select %[[SIGN]], %[[NEG]], %[[Q]] : i128
// CHECK-NOT:     arith.divsi
// CHECK-NOT:     func.call

dato.region @top(%A: memref<2xi128>) {
  dato.group @k of @k grid [1] (%A : memref<2xi128>) ports [] instances [
    @k_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%a: memref<2xi128>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %buf = memref.alloc() : memref<2xi128>
    %x = memref.load %a[%c0] : memref<2xi128>
    %y = memref.load %a[%c1] : memref<2xi128>
    %q = arith.divsi %x, %y : i128
    memref.store %q, %buf[%c0] : memref<2xi128>
    %r = memref.load %buf[%c0] : memref<2xi128>
    memref.store %r, %a[%c0] : memref<2xi128>
  }
}

// -----

// Case 3: outputs the task writes whole before reading. An i64 local (it
// stays i64) copied whole into the i64 argument: one loop nest over A's 8
// words a row, each word stored once at plain loop indices (word j is bits
// 32 * (j % 2) of element j / 2), which the transfer planner counts as
// writing all of A. The i100 argument B, written element by element (4 word
// stores an element), is written into a local of its words, copied out whole
// at the end.
// CHECK:       ^bb0(%a: memref<2x8xi32>, %b: memref<16xi32>):
// CHECK-NEXT:    %b_words = memref.alloc() : memref<16xi32>
// CHECK:         %t = memref.alloc() : memref<2x4xi64>
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK:           %[[EIGHT:.*]] = arith.constant 8 : index
// CHECK:           scf.for %[[J:.*]] = %{{.*}} to %[[EIGHT]] step
// CHECK-NEXT:        %[[TWO:.*]] = arith.constant 2 : index
// CHECK-NEXT:        %[[E:.*]] = arith.divui %[[J]], %[[TWO]] : index
// CHECK-NEXT:        %[[V:.*]] = memref.load %t[%[[I]], %[[E]]] : memref<2x4xi64>
// CHECK-NEXT:        %[[W:.*]] = arith.remui %[[J]], %[[TWO]] : index
// CHECK:             %[[PART:.*]] = arith.shrui %[[V]], %{{.*}} : i64
// CHECK-NEXT:        %[[WORD:.*]] = arith.trunci %[[PART]] : i64 to i32
// CHECK-NEXT:        memref.store %[[WORD]], %a[%[[I]], %[[J]]] : memref<2x8xi32>
// CHECK:         memref.store %{{.*}}, %b_words[%{{.*}}] : memref<16xi32>
// CHECK-COUNT-3:   memref.store %{{.*}}, %b_words[%{{.*}}] : memref<16xi32>
// CHECK:         "memref.copy"(%b_words, %b) : (memref<16xi32>, memref<16xi32>) -> ()
// CHECK-NEXT:  }

dato.region @top(%A: memref<2x4xi64>, %B: memref<4xi100>) {
  dato.group @k of @k grid [1] (%A : memref<2x4xi64>, %B : memref<4xi100>) ports [] instances [
    @k_0 pid [0] offsets [[0, 0], [0]] streams []
  ] {
  ^bb0(%a: memref<2x4xi64>, %b: memref<4xi100>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %t = memref.alloc() : memref<2x4xi64>
    %v = arith.constant 7 : i64
    linalg.fill ins(%v : i64) outs(%t : memref<2x4xi64>)
    "memref.copy"(%t, %a) : (memref<2x4xi64>, memref<2x4xi64>) -> ()
    %w = arith.constant 5 : i100
    scf.for %i = %c0 to %c4 step %c1 {
      memref.store %w, %b[%i] : memref<4xi100>
    }
  }
}

// -----

// Case 4: a stream of i128 scalars carries blocks of their 4 words: the put
// splits the value into a buffer of the task (allocated at its start), the
// get composes it from the block it receives.
// CHECK:       dato.stream @s : !dato.stream<memref<4xi32>, 2>
// CHECK:       ^bb0(%a: memref<8xi32>):
// CHECK-NEXT:    %[[BUF:.*]] = memref.alloc() : memref<4xi32>
// CHECK:         %x = arith.ori %{{.*}}, %{{.*}} : i128
// CHECK:         arith.trunci %x : i128 to i32
// CHECK-NEXT:    memref.store %{{.*}}, %[[BUF]][%{{.*}}] : memref<4xi32>
// CHECK-COUNT-3: memref.store %{{.*}}, %[[BUF]][%{{.*}}] : memref<4xi32>
// CHECK-NEXT:    dato.put @s, %[[BUF]] : memref<4xi32>
// CHECK:       ^bb0(%b: memref<8xi32>):
// CHECK:         %[[GOT:.*]] = dato.get @s : memref<4xi32>
// CHECK:         memref.load %[[GOT]][%{{.*}}] : memref<4xi32>
// CHECK:         %y = arith.ori %{{.*}}, %{{.*}} : i128

dato.region @top(%A: memref<2xi128>, %B: memref<2xi128>) {
  dato.stream @s : !dato.stream<i128, 2>
  dato.group @p of @p grid [1] (%A : memref<2xi128>) ports [] instances [
    @p_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%a: memref<2xi128>):
    %c0 = arith.constant 0 : index
    %x = memref.load %a[%c0] : memref<2xi128>
    dato.put @s, %x : i128
  }
  dato.group @q of @q grid [1] (%B : memref<2xi128>) ports [] instances [
    @q_0 pid [0] offsets [[0]] streams []
  ] {
  ^bb0(%b: memref<2xi128>):
    %c0 = arith.constant 0 : index
    %y = dato.get @s : i128
    memref.store %y, %b[%c0] : memref<2xi128>
  }
}

// -----

// Case 5: linalg.max / linalg.min of i64 arrays (held as word pairs) become
// loops composing each element from its two words and comparing signed, as
// linalg defines max / min on integers (the frontend writes UInt operands as
// arith.maxui / minui loops, not as these ops).
// CHECK:       ^bb0(%a: memref<8xi32>, %b: memref<8xi32>, %c: memref<8xi32>, %d: memref<8xi32>):
// CHECK:         scf.for
// CHECK:           arith.shli %{{.*}}, %{{.*}} : i64
// CHECK:           %[[X:.*]] = arith.ori %{{.*}}, %{{.*}} : i64
// CHECK:           %[[Y:.*]] = arith.ori %{{.*}}, %{{.*}} : i64
// CHECK-NEXT:      %[[M:.*]] = arith.maxsi %[[X]], %[[Y]] : i64
// CHECK:           %{{.*}} = arith.trunci %[[M]] : i64 to i32
// CHECK:         scf.for
// CHECK:           arith.minsi %{{.*}}, %{{.*}} : i64
// CHECK-NOT:     linalg.max
// CHECK-NOT:     linalg.min

dato.region @top(%A: memref<4xi64>, %B: memref<4xi64>, %C: memref<4xi64>, %D: memref<4xi64>) {
  dato.group @k of @k grid [1] (%A : memref<4xi64>, %B : memref<4xi64>, %C : memref<4xi64>, %D : memref<4xi64>) ports [] instances [
    @k_0 pid [0] offsets [[0], [0], [0], [0]] streams []
  ] {
  ^bb0(%a: memref<4xi64>, %b: memref<4xi64>, %c: memref<4xi64>, %d: memref<4xi64>):
    linalg.max ins(%a, %b : memref<4xi64>, memref<4xi64>) outs(%c : memref<4xi64>)
    linalg.min ins(%a, %b : memref<4xi64>, memref<4xi64>) outs(%d : memref<4xi64>)
  }
}

// -----

// Case 6: conversions between f32 and integers wider than 64 bits, with no
// call (__floattisf / __fixsfti do not exist on the 32-bit AIE). sitofp:
// the magnitude's leading zeros place the top bit, the value is rounded
// once to nearest-even at 24 bits (f32; not at 53 (f64) first: that rounds
// twice), and the f32 is built from sign, biased exponent and fraction and
// bitcast. fptosi: the f32's bits
// give exponent and mantissa, the mantissa is shifted into place in i100,
// saturated at the exponent 99 and negated by the sign.
// CHECK:       dato.group @k
// CHECK:         %[[MAG:.*]] = arith.select %{{.*}}, %{{.*}}, %x : i128
// CHECK:         math.ctlz %[[MAG]] : i128
// CHECK-NOT:     arith.constant 53 : i128
// CHECK:         arith.constant 24 : i128
// CHECK:         arith.cmpi ugt, %{{.*}}, %{{.*}} : i128
// CHECK-NOT:     arith.cmpi ugt
// CHECK:         arith.constant 127 : i128
// CHECK:         arith.trunci %{{.*}} : i128 to i32
// CHECK:         %[[F:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK:         %[[B:.*]] = arith.bitcast %[[F]] : f32 to i32
// CHECK:         arith.shrui %[[B]], %{{.*}} : i32
// CHECK:         arith.shli %{{.*}}, %{{.*}} : i100
// CHECK:         arith.constant 99 : i32
// CHECK:         arith.cmpi sge, %{{.*}}, %{{.*}} : i32
// CHECK-NOT:     arith.sitofp
// CHECK-NOT:     arith.fptosi
// CHECK-NOT:     func.call

dato.region @top(%A: memref<2xi128>, %B: memref<2xi100>) {
  dato.group @k of @k grid [1] (%A : memref<2xi128>, %B : memref<2xi100>) ports [] instances [
    @k_0 pid [0] offsets [[0], [0]] streams []
  ] {
  ^bb0(%a: memref<2xi128>, %b: memref<2xi100>):
    %c0 = arith.constant 0 : index
    %x = memref.load %a[%c0] : memref<2xi128>
    %f = arith.sitofp %x : i128 to f32
    %y = arith.fptosi %f : f32 to i100
    memref.store %y, %b[%c0] : memref<2xi100>
  }
}

// -----

// Case 7: an i32 or i64 converted to bf16 is built from integer operations
// too (rounded once at 8 bits: LLVM would convert through f32, rounding
// twice), while an i16 to bf16 (exact in f32) and an i32 to f32 stay one
// conversion for the core compiler.
// CHECK:       dato.group @k
// CHECK:         math.ctlz %{{.*}} : i32
// CHECK:         arith.constant 8 : i32
// CHECK:         arith.cmpi ugt, %{{.*}}, %{{.*}} : i32
// CHECK:         arith.bitcast %{{.*}} : i16 to bf16
// CHECK:         math.ctlz %{{.*}} : i64
// CHECK:         arith.bitcast %{{.*}} : i16 to bf16
// CHECK:         arith.sitofp %{{.*}} : i16 to bf16
// CHECK:         arith.sitofp %{{.*}} : i32 to f32
// CHECK-NOT:     arith.sitofp
// CHECK-NOT:     arith.uitofp

dato.region @top(%A: memref<2xi32>, %W: memref<2xi64>, %H: memref<2xi16>, %B: memref<4xbf16>, %F: memref<2xf32>) {
  dato.group @k of @k grid [1] (%A : memref<2xi32>, %W : memref<2xi64>, %H : memref<2xi16>, %B : memref<4xbf16>, %F : memref<2xf32>) ports [] instances [
    @k_0 pid [0] offsets [[0], [0], [0], [0], [0]] streams []
  ] {
  ^bb0(%a: memref<2xi32>, %w: memref<2xi64>, %h: memref<2xi16>, %b: memref<4xbf16>, %f: memref<2xf32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %x = memref.load %a[%c0] : memref<2xi32>
    %y = memref.load %w[%c0] : memref<2xi64>
    %z = memref.load %h[%c0] : memref<2xi16>
    %xb = arith.sitofp %x : i32 to bf16
    %yb = arith.uitofp %y : i64 to bf16
    %zb = arith.sitofp %z : i16 to bf16
    %xf = arith.sitofp %x : i32 to f32
    memref.store %xb, %b[%c0] : memref<4xbf16>
    memref.store %yb, %b[%c1] : memref<4xbf16>
    memref.store %zb, %b[%c2] : memref<4xbf16>
    memref.store %xf, %f[%c0] : memref<2xf32>
  }
}
