// RUN: dato-opt %s --split-input-file --verify-diagnostics -p "dato-virtual-map,dato-physical-map{device=npu1_2col}" | filecheck %s

// A 2x2 grid sits on the array as it is: pid (i, j) on column j, row 2 + i;
// the GEMM's K fits whole (one K tile of 64).
dato.region @gemm(%A: memref<32x64xi16>, %B: memref<64x32xi16>, %C: memref<32x32xi16>) {
  dato.task @tile grid [2, 2] (%A : memref<32x64xi16> [S0, R], %B : memref<64x32xi16> [R, S1], %C : memref<32x32xi16> [S0, S1]) {
  ^bb0(%a: memref<16x64xi16>, %b: memref<64x16xi16>, %c: memref<16x16xi16>):
    %acc = memref.alloc() : memref<16x16xi16>
    %zero = arith.constant 0 : i16
    linalg.fill ins(%zero : i16) outs(%acc : memref<16x16xi16>)
    linalg.matmul ins(%a, %b : memref<16x64xi16>, memref<64x16xi16>) outs(%acc : memref<16x16xi16>)
    "memref.copy"(%acc, %c) : (memref<16x16xi16>, memref<16x16xi16>) -> ()
  }
}
// CHECK: dato.region @gemm({{.*}}) attributes {dato.device = "npu1_2col"}
// CHECK: ] attributes {dato.tiles = array<i64: 0, 2, 1, 2, 0, 3, 1, 3>, dato.k_tile = 64 : i64}

// -----

// 9 instances on a 2-column device (8 cores): no stream to chain them by, so
// the compiler chains isomorphic instances, as few as the cores need (one pair).
dato.region @many() {
  dato.task @t grid [9] () {
    %x = arith.constant 1 : i32
  }
}
// CHECK:      dato.region @many() attributes {dato.device = "npu1_2col"}
// CHECK:      dato.chain [@t_0, @t_1] {dato.compiler_chosen, dato.cost_bytes = 0 : i64}
// CHECK-NOT:  dato.chain
// CHECK:      // -----

// -----

// A 72 KiB local buffer does not fit a compute tile.
dato.region @big() {
  dato.task @t grid [1] () {
    %buf = memref.alloc() : memref<18432xi32>
  }
}
// CHECK: error: 'dato.group' op tile (0, 2) (t_0) needs 72 KiB of buffers (72 KiB local buffers), it has 63 KiB (of 64 KiB, 1024 bytes kept for the stack)

// -----

// Three input arrays into one core, and D, which it writes only at [0] so its
// host copy comes in too: 4 arrays, a compute tile has 2 input DMA channels.
// The compiler adds a loader for each of the two smallest read-only arrays on
// a neighbouring tile (rows 2 and 4 around the task's row 3: shared memory)
// and the task gets them from it.
dato.region @fanin(%A: memref<8xi32>, %B: memref<8xi32>, %C: memref<8xi32>, %D: memref<8xi32>) {
  dato.task @t grid [1] (%A : memref<8xi32> [R], %B : memref<8xi32> [R], %C : memref<8xi32> [R], %D : memref<8xi32> [R]) {
  ^bb0(%a: memref<8xi32>, %b: memref<8xi32>, %c: memref<8xi32>, %d: memref<8xi32>):
    %i = arith.constant 0 : index
    %x = memref.load %a[%i] : memref<8xi32>
    %y = memref.load %b[%i] : memref<8xi32>
    %z = memref.load %c[%i] : memref<8xi32>
    %xy = arith.addi %x, %y : i32
    %s = arith.addi %xy, %z : i32
    memref.store %s, %d[%i] : memref<8xi32>
  }
}
// CHECK: dato.stream @t_0_A_fwd : !dato.stream<memref<8xi32>, 1> {dato.compiler_chosen}
// CHECK: dato.group @t_0_load_A of @t_0_load_A grid [1] (%A : memref<8xi32>)
// CHECK: ] attributes {dato.forwards = "t_0", dato.compiler_chosen, dato.tiles = array<i64: 0, 2>}
// CHECK: dato.put @t_0_A_fwd
// CHECK: dato.group @t_0_load_B of @t_0_load_B grid [1] (%B : memref<8xi32>)
// CHECK: ] attributes {dato.forwards = "t_0", dato.compiler_chosen, dato.tiles = array<i64: 0, 4>}
// CHECK: dato.group @t of @t grid [1]
// CHECK: ] attributes {dato.tiles = array<i64: 0, 3>}
// CHECK: dato.get @t_0_B_fwd
// CHECK: dato.get @t_0_A_fwd
// CHECK: memref.load %c

// -----

// The same reads by two instances of a task: each instance gets its loader of
// A (on a neighbour sharing memory), bound to a new port of the group.
dato.region @fanin2(%A: memref<8xi32>, %B: memref<8xi32>, %C: memref<8xi32>, %D: memref<2xi32>) {
  dato.task @t grid [2] (%A : memref<8xi32> [R], %B : memref<8xi32> [R], %C : memref<8xi32> [R], %D : memref<2xi32> [S0]) {
  ^bb0(%a: memref<8xi32>, %b: memref<8xi32>, %c: memref<8xi32>, %d: memref<1xi32>):
    %i = arith.constant 0 : index
    %x = memref.load %a[%i] : memref<8xi32>
    %y = memref.load %b[%i] : memref<8xi32>
    %z = memref.load %c[%i] : memref<8xi32>
    %xy = arith.addi %x, %y : i32
    %s = arith.addi %xy, %z : i32
    memref.store %s, %d[%i] : memref<1xi32>
  }
}
// CHECK:      dato.group @t_0_load_A of @t_0_load_A grid [1] (%A : memref<8xi32>)
// CHECK:      ] attributes {dato.forwards = "t_0", dato.compiler_chosen, dato.tiles = array<i64: 0, 2>}
// CHECK:      dato.group @t_1_load_A of @t_1_load_A grid [1] (%A : memref<8xi32>)
// CHECK:      ] attributes {dato.forwards = "t_1", dato.compiler_chosen, dato.tiles = array<i64: 0, 4>}
// CHECK:      dato.group @t of @t grid [2] ({{.*}}) ports [@A_fwd] instances [
// CHECK-NEXT:   @t_0 pid [0] offsets {{.*}} streams [@t_0_A_fwd],
// CHECK-NEXT:   @t_1 pid [1] offsets {{.*}} streams [@t_1_A_fwd]
// CHECK-NEXT: ] attributes {dato.tiles = array<i64: 0, 3, 0, 5>}

// -----

// Five arrays read from the host: a 2-column device has 2 x 2 shim input channels.
dato.region @shim(%A: memref<8xi32>, %B: memref<8xi32>, %C: memref<8xi32>, %D: memref<8xi32>, %E: memref<8xi32>, %O: memref<8xi32>, %P: memref<8xi32>, %Q: memref<8xi32>) {
  dato.task @t grid [1] (%A : memref<8xi32> [R], %B : memref<8xi32> [R], %O : memref<8xi32> [R]) {
  ^bb0(%a: memref<8xi32>, %b: memref<8xi32>, %o: memref<8xi32>):
    linalg.add ins(%a, %b : memref<8xi32>, memref<8xi32>) outs(%o : memref<8xi32>)
  }
  dato.task @u grid [1] (%C : memref<8xi32> [R], %D : memref<8xi32> [R], %P : memref<8xi32> [R]) {
  ^bb0(%c: memref<8xi32>, %d: memref<8xi32>, %p: memref<8xi32>):
    linalg.add ins(%c, %d : memref<8xi32>, memref<8xi32>) outs(%p : memref<8xi32>)
  }
  dato.task @v grid [1] (%E : memref<8xi32> [R], %Q : memref<8xi32> [R]) {
  ^bb0(%e: memref<8xi32>, %q: memref<8xi32>):
    "memref.copy"(%e, %q) : (memref<8xi32>, memref<8xi32>) -> ()
  }
}
// CHECK: error: 'dato.region' op the design moves 5 input and 3 output arrays through the shim; npu1_2col (2 columns x 6 rows) has 2 shim columns with 2 input and 2 output channels each

// -----

// Packing 3 over 16 elements: the last transfer would never fill.
dato.region @pc(%A: memref<16xi32>, %B: memref<16xi32>) {
  dato.stream @pipe : !dato.stream<i32, 2, 3>
  dato.task @producer grid [1] (%A : memref<16xi32> [R]) {
  ^bb0(%a: memref<16xi32>):
    %c0 = arith.constant 0 : index
    %c16 = arith.constant 16 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %c16 step %c1 {
      %v = memref.load %a[%i] : memref<16xi32>
      dato.put @pipe, %v : i32
    }
  }
  dato.task @consumer grid [1] (%B : memref<16xi32> [R]) {
  ^bb0(%b: memref<16xi32>):
    %c0 = arith.constant 0 : index
    %c16 = arith.constant 16 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %c16 step %c1 {
      %v = dato.get @pipe : i32
      memref.store %v, %b[%i] : memref<16xi32>
    }
  }
}
// CHECK: error: 'dato.put' op stream @pipe packs 3 elements per transfer, but 16 are put (not a multiple of 3)

// -----

// Placement follows the streams: the consumer, written first, still lands on
// the tile just above its producer (they share memory, no DMA); x goes first.
dato.region @order() {
  dato.stream @s : !dato.stream<i32, 2>
  dato.task @c grid [1] () {
    %w = dato.get @s : i32
  }
  dato.task @x grid [1] () {
    %v = arith.constant 1 : i32
  }
  dato.task @p grid [1] () {
    %v = arith.constant 7 : i32
    dato.put @s, %v : i32
  }
}
// CHECK:      dato.group @c of @c
// CHECK:      ] attributes {dato.tiles = array<i64: 0, 4>}
// CHECK:      dato.group @x of @x
// CHECK:      ] attributes {dato.tiles = array<i64: 0, 2>}
// CHECK:      dato.group @p of @p
// CHECK:      ] attributes {dato.tiles = array<i64: 0, 3>}

// -----

// p feeds c, d and e with one i8 each: p's tile (0, 2) has two compute
// neighbours sharing memory, so one stream needs a DMA, which moves whole
// 32-bit words; one element cannot be packed into 4-element words.
dato.region @bytes() {
  dato.stream @s : !dato.stream<i8, 2>
  dato.stream @t : !dato.stream<i8, 2>
  dato.stream @u : !dato.stream<i8, 2>
  dato.task @p grid [1] () {
    %v = arith.constant 7 : i8
    dato.put @s, %v : i8
    dato.put @t, %v : i8
    dato.put @u, %v : i8
  }
  dato.task @c grid [1] () {
    %w = dato.get @s : i8
  }
  dato.task @d grid [1] () {
    %w = dato.get @t : i8
  }
  dato.task @e grid [1] () {
    %w = dato.get @u : i8
  }
}
// CHECK: error: 'dato.stream' op stream @u from p_0 to e_0 moves objects of 1 i8 (8 bits), not a whole number of 32-bit DMA words; pack it: Stream[T, depth, 4]

// -----

// The same with 8 elements per stream: the compiler packs the stream that
// needs a DMA, 4 i8 per 32-bit object, and records it.
dato.region @words() {
  dato.stream @s : !dato.stream<i8, 2>
  dato.stream @t : !dato.stream<i8, 2>
  dato.stream @u : !dato.stream<i8, 2>
  dato.task @p grid [1] () {
    %lb = arith.constant 0 : index
    %ub = arith.constant 8 : index
    %st = arith.constant 1 : index
    %v = arith.constant 7 : i8
    scf.for %i = %lb to %ub step %st {
      dato.put @s, %v : i8
      dato.put @t, %v : i8
      dato.put @u, %v : i8
    }
  }
  dato.task @c grid [1] () {
    %lb = arith.constant 0 : index
    %ub = arith.constant 8 : index
    %st = arith.constant 1 : index
    scf.for %i = %lb to %ub step %st {
      %w = dato.get @s : i8
    }
  }
  dato.task @d grid [1] () {
    %lb = arith.constant 0 : index
    %ub = arith.constant 8 : index
    %st = arith.constant 1 : index
    scf.for %i = %lb to %ub step %st {
      %w = dato.get @t : i8
    }
  }
  dato.task @e grid [1] () {
    %lb = arith.constant 0 : index
    %ub = arith.constant 8 : index
    %st = arith.constant 1 : index
    scf.for %i = %lb to %ub step %st {
      %w = dato.get @u : i8
    }
  }
}
// CHECK:      dato.stream @s : !dato.stream<i8, 2>{{$}}
// CHECK-NEXT: dato.stream @t : !dato.stream<i8, 2>{{$}}
// CHECK-NEXT: dato.stream @u : !dato.stream<i8, 2, 4> {dato.packed_by_compiler}

// -----

// A matmul into a local (then put on a stream) whose operands, 64 KiB each,
// do not fit: they stream over K. Besides them the tile holds the 2 KiB local
// and the stream's two 2 KiB objects (6,144 bytes): 2 x (32 kt + kt 32) x 2
// + 6,144 <= 64,512 gives kt <= 228, so 128 (the largest divisor of 1024).
dato.region @local_mm(%A: memref<32x1024xi16>, %B: memref<1024x32xi16>, %C: memref<32x32xi16>) {
  dato.stream @s : !dato.stream<memref<32x32xi16>, 2>
  dato.task @mm grid [1] (%A : memref<32x1024xi16> [R, R], %B : memref<1024x32xi16> [R, R]) {
  ^bb0(%a: memref<32x1024xi16>, %b: memref<1024x32xi16>):
    %acc = memref.alloc() : memref<32x32xi16>
    %zero = arith.constant 0 : i16
    linalg.fill ins(%zero : i16) outs(%acc : memref<32x32xi16>)
    linalg.matmul ins(%a, %b : memref<32x1024xi16>, memref<1024x32xi16>) outs(%acc : memref<32x32xi16>)
    dato.put @s, %acc : memref<32x32xi16>
  }
  dato.task @cons grid [1] (%C : memref<32x32xi16> [R, R]) {
  ^bb0(%c: memref<32x32xi16>):
    %x = dato.get @s : memref<32x32xi16>
    "memref.copy"(%x, %c) : (memref<32x32xi16>, memref<32x32xi16>) -> ()
  }
}
// CHECK: dato.group @mm of @mm
// CHECK: ] attributes {dato.tiles = array<i64: 0, 2>, dato.k_tile = 128 : i64}

// -----

// Blocks of 3 int8 (24 bits) are no whole 32-bit DMA word: both arrays move
// with each block row padded to 4 elements (argument, L, Lp).
dato.region @narrow(%A: memref<12xi8>, %B: memref<12xi8>) {
  dato.task @t grid [4] (%A : memref<12xi8> [S0], %B : memref<12xi8> [S0]) {
  ^bb0(%a: memref<3xi8>, %b: memref<3xi8>):
    "memref.copy"(%a, %b) : (memref<3xi8>, memref<3xi8>) -> ()
  }
}
// CHECK: dato.region @narrow({{.*}}) attributes {{{.*}}dato.padded_rows = array<i64: 0, 3, 4, 1, 3, 4>
