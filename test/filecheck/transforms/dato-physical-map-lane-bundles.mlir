// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1}" | filecheck %s

// 40 lanes of load -> mid -> store (int8 then int16 scalar streams, no
// stream between lanes): 120 instances for npu1's 16 cores. Chaining each
// lane's stages leaves 40 elements and no stream between them to chain by,
// so the compiler bundles the isomorphic lane chains: the fewest per core
// that fit is 3 (ceil(40 / 3) = 14 cores), as even as possible (12 cores of
// 3 lanes, 2 of 2), neighbouring lanes together. Each lane is a
// compiler-chosen chain (its streams become local buffers: 4 x 1 + 4 x 2
// bytes), each core's lanes a compiler-chosen bundle of those chains, as a
// user's Allo-style bundle of chains lists them.
dato.region @top(%A: memref<40x4xi8>, %B: memref<40x4xi16>) {
  dato.stream @s [40] : !dato.stream<i8, 2>
  dato.stream @t [40] : !dato.stream<i16, 2>
  dato.task @load grid [40] (%A : memref<40x4xi8> [S0, R]) {
  ^bb0(%x: memref<1x4xi8>):
    %pi = dato.pid : index
    %0 = arith.constant 0 : index
    %1 = arith.constant 4 : index
    %2 = arith.constant 1 : index
    scf.for %n = %0 to %1 step %2 {
      %3 = memref.load %x[%0, %n] : memref<1x4xi8>
      dato.put @s[%pi], %3 : i8
    }
  }
  dato.task @mid grid [40] () {
    %pi = dato.pid : index
    %0 = arith.constant 0 : index
    %1 = arith.constant 4 : index
    %2 = arith.constant 1 : index
    scf.for %n = %0 to %1 step %2 {
      %3 = dato.get @s[%pi] : i8
      %4 = arith.extsi %3 : i8 to i16
      %5 = arith.constant 3 : i16
      %6 = arith.muli %4, %5 : i16
      dato.put @t[%pi], %6 : i16
    }
  }
  dato.task @store grid [40] (%B : memref<40x4xi16> [S0, R]) {
  ^bb0(%y: memref<1x4xi16>):
    %pi = dato.pid : index
    %0 = arith.constant 0 : index
    %1 = arith.constant 4 : index
    %2 = arith.constant 1 : index
    scf.for %n = %0 to %1 step %2 {
      %3 = dato.get @t[%pi] : i16
      memref.store %3, %y[%0, %n] : memref<1x4xi16>
    }
  }
}

// CHECK:      dato.region @top
// CHECK-SAME: dato.device = "npu1"
// CHECK:      dato.group @load
// CHECK:      dato.tiles = array<i64: 0, 2, 0, 2, 0, 2, 0, 3, 0, 3, 0, 3,
// CHECK:      dato.chain [@load_0, @mid_0, @store_0] {dato.compiler_chosen, dato.cost_bytes = 12 : i64}
// CHECK-NEXT: dato.chain [@load_1, @mid_1, @store_1] {dato.compiler_chosen, dato.cost_bytes = 12 : i64}
// CHECK-COUNT-37: dato.chain [@load_{{[0-9]+}}, @mid_{{[0-9]+}}, @store_{{[0-9]+}}] {dato.compiler_chosen, dato.cost_bytes = 12 : i64}
// CHECK-NEXT: dato.chain [@load_39, @mid_39, @store_39] {dato.compiler_chosen, dato.cost_bytes = 12 : i64}
// CHECK-NEXT: dato.bundle [@load_0, @mid_0, @store_0, @load_1, @mid_1, @store_1, @load_2, @mid_2, @store_2] {dato.compiler_chosen, dato.lanes_per_core = 3 : i64}
// CHECK-NEXT: dato.bundle [@load_3, @mid_3, @store_3, @load_4, @mid_4, @store_4, @load_5, @mid_5, @store_5] {dato.compiler_chosen, dato.lanes_per_core = 3 : i64}
// CHECK-COUNT-10: dato.bundle [@load_{{[0-9]+}}, @mid_{{[0-9]+}}, @store_{{[0-9]+}}, @load_{{[0-9]+}}, @mid_{{[0-9]+}}, @store_{{[0-9]+}}, @load_{{[0-9]+}}, @mid_{{[0-9]+}}, @store_{{[0-9]+}}] {dato.compiler_chosen, dato.lanes_per_core = 3 : i64}
// CHECK-NEXT: dato.bundle [@load_36, @mid_36, @store_36, @load_37, @mid_37, @store_37] {dato.compiler_chosen, dato.lanes_per_core = 3 : i64}
// CHECK-NEXT: dato.bundle [@load_38, @mid_38, @store_38, @load_39, @mid_39, @store_39] {dato.compiler_chosen, dato.lanes_per_core = 3 : i64}
// CHECK-NOT:  dato.bundle
// CHECK-NOT:  dato.chain
