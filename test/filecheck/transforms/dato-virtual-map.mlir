// RUN: dato-opt %s -p dato-virtual-map --split-input-file --verify-diagnostics | filecheck %s

// A 1x2 row of tasks passing a value east: the first instance only puts, the
// second only gets (meta_if on the pid folds away); layouts become offsets.
dato.region @row(%A : memref<4x8xi32>) {
  dato.stream @east [2] : !dato.stream<i32, 2>
  dato.task @pe grid [2] (%A : memref<4x8xi32> [R, S0]) {
  ^bb0(%a : memref<4x4xi32>):
    %j = dato.pid : index
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %first = arith.cmpi eq, %j, %c0 : index
    scf.if %first {
      %v = memref.load %a[%c0, %c0] : memref<4x4xi32>
      %next = arith.addi %j, %c1 : index
      dato.put @east[%next], %v : i32
      scf.yield
    } else {
      %w = dato.get @east[%j] : i32
      memref.store %w, %a[%c0, %c0] : memref<4x4xi32>
      scf.yield
    } {dato.meta}
  }
}

// CHECK:      dato.region @row(%A: memref<4x8xi32>) {
// CHECK-NEXT:   dato.stream @east_1 : !dato.stream<i32, 2>
// CHECK-NEXT:   dato.group @pe_g0 of @pe grid [2] (%A : memref<4x8xi32>) ports [] instances [
// CHECK-NEXT:     @pe_0 pid [0] offsets {{\[\[}}0, 0]] streams []
// CHECK-NEXT:   ] {
// CHECK-NEXT:   ^bb0(%a: memref<4x4xi32>):
// CHECK-NEXT:     %c0 = arith.constant 0 : index
// CHECK-NEXT:     %v = memref.load %a[%c0, %c0] : memref<4x4xi32>
// CHECK-NEXT:     dato.put @east_1, %v : i32
// CHECK-NEXT:   }
// CHECK-NEXT:   dato.group @pe_g1 of @pe grid [2] (%A : memref<4x8xi32>) ports [] instances [
// CHECK-NEXT:     @pe_1 pid [1] offsets {{\[\[}}0, 4]] streams []
// CHECK-NEXT:   ] {
// CHECK-NEXT:   ^bb0(%a: memref<4x4xi32>):
// CHECK-NEXT:     %c0 = arith.constant 0 : index
// CHECK-NEXT:     %w = dato.get @east_1 : i32
// CHECK-NEXT:     memref.store %w, %a[%c0, %c0] : memref<4x4xi32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// Isomorphic instances share one body: the stream each reaches becomes a port
// bound per row; pids stay symbolic; a meta_for unrolls.
dato.region @ring() {
  dato.stream @link [3] : !dato.stream<i32, 1>
  dato.task @node grid [3] () {
    %p = dato.pid : index
    %c1 = arith.constant 1 : index
    %c3 = arith.constant 3 : index
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %n = arith.addi %p, %c1 : index
    %to = arith.remsi %n, %c3 : index
    %x = arith.index_cast %p : index to i32
    scf.for %k = %c0 to %c2 step %c1 {
      %kk = arith.index_cast %k : index to i32
      %y = arith.addi %x, %kk : i32
      dato.put @link[%to], %y : i32
      %z = dato.get @link[%p] : i32
    } {dato.meta}
  }
}

// CHECK:      dato.region @ring() {
// CHECK-NEXT:   dato.stream @link_0 : !dato.stream<i32, 1>
// CHECK-NEXT:   dato.stream @link_1 : !dato.stream<i32, 1>
// CHECK-NEXT:   dato.stream @link_2 : !dato.stream<i32, 1>
// CHECK-NEXT:   dato.group @node of @node grid [3] () ports [@link_out, @link_in] instances [
// CHECK-NEXT:     @node_0 pid [0] offsets [] streams [@link_1, @link_0],
// CHECK-NEXT:     @node_1 pid [1] offsets [] streams [@link_2, @link_1],
// CHECK-NEXT:     @node_2 pid [2] offsets [] streams [@link_0, @link_2]
// CHECK-NEXT:   ] {
// CHECK-NEXT:     %p = dato.pid : index
// CHECK:          %x = arith.index_cast %p : index to i32
// CHECK-NEXT:     %k = arith.constant 0 : index
// CHECK-NEXT:     %kk = arith.index_cast %k : index to i32
// CHECK-NEXT:     %y = arith.addi %x, %kk : i32
// CHECK-NEXT:     dato.put @link_out, %y : i32
// CHECK-NEXT:     %z = dato.get @link_in : i32
// CHECK-NEXT:     %k_1 = arith.constant 1 : index
// CHECK:          dato.put @link_out, %{{.*}} : i32
// CHECK-NEXT:     %z_1 = dato.get @link_in : i32
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// A stream index outside the array, found for one instance.
dato.region @bad() {
  dato.stream @s [2] : !dato.stream<i32, 1>
  dato.task @t grid [2] () {
    %p = dato.pid : index
    %c1 = arith.constant 1 : index
    %n = arith.addi %p, %c1 : index
    %v = arith.constant 7 : i32
    dato.put @s[%n], %v : i32
  }
}

// CHECK: dato-virtual-map.mlir:{{[0-9]+}}:5: error: 'dato.put' op instance t_1 accesses @s[2]: index 2 of axis 0 is outside the stream array's shape [2]

// -----

// A meta_for unrolls at compile time: 2^63-1 iterations is refused at once
// (the limit is 65536 per instance), not walked.
dato.region @huge_meta(%A : memref<4xi32>) {
  dato.task @t grid [1] (%A : memref<4xi32> [R]) {
  ^bb0(%a : memref<4xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 9223372036854775807 : index
    scf.for %i = %c0 to %n step %c1 {
      %v = arith.index_cast %i : index to i32
      memref.store %v, %a[%c0] : memref<4xi32>
    } {dato.meta}
  }
}
// CHECK: dato-virtual-map.mlir:[[# @LINE - 6]]:5: error: 'scf.for' op meta_for from 0 to 9223372036854775807 step 1 takes an instance past 65536 unrolled iterations, the limit

// -----

// Within both per-instance limits, but 4096 instances x 2048 iterations pass
// the 2^22 steps a task may take in all.
dato.region @many_meta(%A : memref<4096xi32>) {
  dato.task @t grid [4096] (%A : memref<4096xi32> [S0]) {
  ^bb0(%a : memref<1xi32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 2048 : index
    scf.for %i = %c0 to %n step %c1 {
      %v = arith.index_cast %i : index to i32
      memref.store %v, %a[%c0] : memref<1xi32>
    } {dato.meta}
  }
}
// CHECK: dato-virtual-map.mlir:[[# @LINE - 11]]:3: error: 'dato.task' op task @t: its instances' compile-time paths (meta_if decisions, meta_for iterations, stream accesses) pass 4194304 steps in all, the limit
