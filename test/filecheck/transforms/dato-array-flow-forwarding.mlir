// RUN: dato-opt %s --split-input-file -p "dato-virtual-map,dato-array-flow-forwarding" | filecheck %s

// w writes B whole, acc_0 and acc_1 update it in turn, r reads it: in the
// simulator's order (task order, then pid) each passes the block on, on a
// one-block stream, got right before the first access and put right after
// the last. w overwrites B first, so it starts from a local block (no host
// copy); acc_1, the last writer, updates the block it got and copies it into
// its argument at the end (its only use: no host copy comes in), which goes
// back to the host; r reads the forwarded block.

// CHECK:      dato.stream @w_0_B_to_acc_0 : !dato.stream<memref<2x4xi32>, 1> {dato.compiler_chosen}
// CHECK-NEXT: dato.stream @acc_0_B_to_acc_1 : !dato.stream<memref<2x4xi32>, 1> {dato.compiler_chosen}
// CHECK-NEXT: dato.stream @acc_1_B_to_r_0 : !dato.stream<memref<2x4xi32>, 1> {dato.compiler_chosen}
// CHECK:      dato.group @w of @w grid [1] ({{.*}}) ports [@b_to_next] instances [
// CHECK-NEXT:   @w_0 pid [0] offsets {{.*}} streams [@w_0_B_to_acc_0]
// CHECK-NEXT: ] attributes {dato.flow_ordered = array<i64: 1>} {
// CHECK:        %[[W:.*]] = memref.alloc() : memref<2x4xi32>
// CHECK-NOT:    memref.copy
// CHECK:        memref.store %{{.*}}, %[[W]][%i, %j]
// CHECK:        dato.put @b_to_next, %[[W]] : memref<2x4xi32>
// CHECK-NEXT: }
// CHECK:      dato.group @acc of @acc grid [2] ({{.*}}) ports [@b_from_previous, @b_to_next] instances [
// CHECK-NEXT:   @acc_0 pid [0] offsets {{.*}} streams [@w_0_B_to_acc_0, @acc_0_B_to_acc_1]
// CHECK-NEXT: ] attributes {dato.flow_ordered = array<i64: 0>} {
// CHECK:        %[[M:.*]] = dato.get @b_from_previous : memref<2x4xi32>
// CHECK:        memref.store %{{.*}}, %[[M]][%i, %j]
// CHECK:        dato.put @b_to_next, %[[M]] : memref<2x4xi32>
// CHECK:      dato.group @acc_part1 of @acc grid [2] ({{.*}}) ports [@b_from_previous, @b_to_next] instances [
// CHECK-NEXT:   @acc_1 pid [1] offsets {{.*}} streams [@acc_0_B_to_acc_1, @acc_1_B_to_r_0]
// CHECK-NEXT: ] attributes {dato.flow_ordered = array<i64: 0>} {
// CHECK-NEXT: ^bb0(%[[ARG:.*]]: memref<2x4xi32>):
// CHECK:        %[[L:.*]] = dato.get @b_from_previous : memref<2x4xi32>
// CHECK-NEXT:   scf.for
// CHECK:        memref.store %{{.*}}, %[[L]][%i, %j]
// CHECK:        "memref.copy"(%[[L]], %[[ARG]])
// CHECK-NEXT:   dato.put @b_to_next, %[[L]] : memref<2x4xi32>
// CHECK:      dato.group @r of @r grid [1] ({{.*}}) ports [@b_from_previous] instances [
// CHECK-NEXT:   @r_0 pid [0] offsets {{.*}} streams [@acc_1_B_to_r_0]
// CHECK-NEXT: ] attributes {dato.flow_ordered = array<i64: 0>} {
// CHECK:        %[[R:.*]] = dato.get @b_from_previous : memref<2x4xi32>
// CHECK:        memref.load %[[R]][%i, %j]
// CHECK-NOT:  dato.put

builtin.module {
  dato.region @top(%A: memref<2x4xi32>, %B: memref<2x4xi32>, %D: memref<4x2xi32>) {
    dato.task @w grid [1] (%A : memref<2x4xi32> [R, R], %B : memref<2x4xi32> [R, R]) {
    ^bb0(%a: memref<2x4xi32>, %b: memref<2x4xi32>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 2 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        %3 = arith.constant 4 : index
        scf.for %j = %0 to %3 step %2 {
          %4 = memref.load %a[%i, %j] : memref<2x4xi32>
          %5 = arith.constant 1 : i32
          %6 = arith.addi %4, %5 : i32
          memref.store %6, %b[%i, %j] : memref<2x4xi32>
        }
      }
    }
    dato.task @acc grid [2] (%B : memref<2x4xi32> [R, R]) {
    ^bb0(%b: memref<2x4xi32>):
      %pi = dato.pid : index
      %0 = arith.constant 0 : index
      %1 = arith.constant 2 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        %3 = arith.constant 4 : index
        scf.for %j = %0 to %3 step %2 {
          %4 = memref.load %b[%i, %j] : memref<2x4xi32>
          %5 = arith.constant 2 : i32
          %6 = arith.muli %4, %5 : i32
          %7 = arith.index_cast %pi : index to i32
          %8 = arith.addi %6, %7 : i32
          memref.store %8, %b[%i, %j] : memref<2x4xi32>
        }
      }
    }
    dato.task @r grid [1] (%B : memref<2x4xi32> [R, R], %D : memref<4x2xi32> [R, R]) {
    ^bb0(%b: memref<2x4xi32>, %d: memref<4x2xi32>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 2 : index
      %2 = arith.constant 1 : index
      scf.for %i = %0 to %1 step %2 {
        %3 = arith.constant 4 : index
        scf.for %j = %0 to %3 step %2 {
          %4 = memref.load %b[%i, %j] : memref<2x4xi32>
          memref.store %4, %d[%j, %i] : memref<4x2xi32>
        }
      }
    }
  }
}

// -----

// Two writers fill two rows each of P (4 x 2); two readers each read a column
// of it: each writer sends each reader the 2 x 1 part they share (copied out
// of its block), and each reader copies its two parts into a local column.
// The parts cover the column, so no host copy comes in first.

// CHECK:      dato.stream @w_0_P_to_r_0 : !dato.stream<memref<2x1xi32>, 1> {dato.compiler_chosen}
// CHECK-NEXT: dato.stream @w_1_P_to_r_0 : !dato.stream<memref<2x1xi32>, 1> {dato.compiler_chosen}
// CHECK-NEXT: dato.stream @w_0_P_to_r_1 : !dato.stream<memref<2x1xi32>, 1> {dato.compiler_chosen}
// CHECK-NEXT: dato.stream @w_1_P_to_r_1 : !dato.stream<memref<2x1xi32>, 1> {dato.compiler_chosen}
// CHECK:      dato.group @w of @w grid [2] ({{.*}}) ports [@p_to_next, @p_to_next_1] instances [
// CHECK-NEXT:   @w_0 pid [0] offsets {{.*}} streams [@w_0_P_to_r_0, @w_0_P_to_r_1],
// CHECK-NEXT:   @w_1 pid [1] offsets {{.*}} streams [@w_1_P_to_r_0, @w_1_P_to_r_1]
// CHECK-NEXT: ] attributes {dato.flow_ordered = array<i64: 0>} {
// CHECK-NEXT: ^bb0(%[[P:.*]]: memref<2x2xi32>):
// CHECK:        memref.store %{{.*}}, %[[P]][%x, %j]
// CHECK:        %[[C0:.*]] = memref.alloc() : memref<2x1xi32>
// CHECK:        memref.load %[[P]]
// CHECK:        dato.put @p_to_next, %[[C0]] : memref<2x1xi32>
// CHECK:        %[[C1:.*]] = memref.alloc() : memref<2x1xi32>
// CHECK:        %[[J:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK-NEXT:   memref.load %[[P]][%{{.*}}, %[[J]]]
// CHECK:        dato.put @p_to_next_1, %[[C1]] : memref<2x1xi32>
// CHECK-NEXT: }
// CHECK:      dato.group @r of @r grid [2] ({{.*}}) ports [@p_part, @p_part_1] instances [
// CHECK-NEXT:   @r_0 pid [0] offsets {{.*}} streams [@w_0_P_to_r_0, @w_1_P_to_r_0],
// CHECK-NEXT:   @r_1 pid [1] offsets {{.*}} streams [@w_0_P_to_r_1, @w_1_P_to_r_1]
// CHECK-NEXT: ] attributes {dato.flow_ordered = array<i64: 0>} {
// CHECK-NEXT: ^bb0(%{{.*}}: memref<4x1xi32>, %{{.*}}: memref<1x4xi32>):
// CHECK:        %[[L:.*]] = memref.alloc() : memref<4x1xi32>
// CHECK-NOT:    memref.copy
// CHECK-NEXT:   %[[A:.*]] = dato.get @p_part : memref<2x1xi32>
// CHECK:        memref.store %{{.*}}, %[[L]]
// CHECK:        %[[B:.*]] = dato.get @p_part_1 : memref<2x1xi32>
// CHECK:        %[[I:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK-NEXT:   memref.load %[[B]]
// CHECK-NEXT:   memref.store %{{.*}}, %[[L]][%[[I]], %{{.*}}]
// CHECK:        memref.load %[[L]][%x, %{{.*}}]

builtin.module {
  dato.region @top(%P: memref<4x2xi32>, %OUT: memref<2x4xi32>) {
    dato.task @w grid [2] (%P : memref<4x2xi32> [S0, R]) {
    ^bb0(%p: memref<2x2xi32>):
      %pi = dato.pid : index
      %0 = arith.constant 0 : index
      %1 = arith.constant 2 : index
      %2 = arith.constant 1 : index
      scf.for %x = %0 to %1 step %2 {
        scf.for %j = %0 to %1 step %2 {
          %3 = arith.constant 10 : index
          %4 = arith.muli %pi, %3 : index
          %5 = arith.addi %4, %x : index
          %6 = arith.index_cast %5 : index to i32
          memref.store %6, %p[%x, %j] : memref<2x2xi32>
        }
      }
    }
    dato.task @r grid [2] (%P : memref<4x2xi32> [R, S0], %OUT : memref<2x4xi32> [S0, R]) {
    ^bb0(%p: memref<4x1xi32>, %o: memref<1x4xi32>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 4 : index
      %2 = arith.constant 1 : index
      scf.for %x = %0 to %1 step %2 {
        %3 = memref.load %p[%x, %0] : memref<4x1xi32>
        memref.store %3, %o[%0, %x] : memref<1x4xi32>
      }
    }
  }
}
