// RUN: dato-opt %s -p 'dato-virtual-map,dato-mapping-primitives{bundle="tile_0,tile_1" chain="load_0,tile_2"}' --split-input-file --verify-diagnostics | filecheck %s

// Isomorphic, unconnected tiles can share an element; a loader feeding one
// tile can be chained to it. The schedule is recorded in the region.
dato.region @ok() {
  dato.stream @feed : !dato.stream<i32, 2>
  dato.task @load grid [1] () {
    %v = arith.constant 3 : i32
    dato.put @feed, %v : i32
  }
  dato.task @tile grid [3] () {
    %p = dato.pid : index
    %c2 = arith.constant 2 : index
    %last = arith.cmpi eq, %p, %c2 : index
    scf.if %last {
      %x = dato.get @feed : i32
      scf.yield
    } {dato.meta}
  }
}
// CHECK:      dato.bundle [@tile_0, @tile_1]
// CHECK-NEXT: dato.chain [@load_0, @tile_2]

// -----

// tile_0/tile_1 are in different groups here (tile_0 is the only one that gets).
dato.region @not_isomorphic() {
  dato.stream @feed : !dato.stream<i32, 2>
  dato.task @load grid [1] () {
    %v = arith.constant 3 : i32
    dato.put @feed, %v : i32
  }
  dato.task @tile grid [3] () {
    %p = dato.pid : index
    %c0 = arith.constant 0 : index
    %first = arith.cmpi eq, %p, %c0 : index
    scf.if %first {
      %x = dato.get @feed : i32
      scf.yield
    } {dato.meta}
  }
}
// CHECK: error: 'dato.bundle' op bundle of non-isomorphic instances (tile_0 in @tile_g0, tile_1 in @tile_g1): only instances with one body can share an element

// -----

// tile_0 and tile_1 are isomorphic but tile_0 feeds tile_1 around a ring:
// run in turn on one element they would wait for each other.
dato.region @ring() {
  dato.stream @feed : !dato.stream<i32, 2>
  dato.stream @hop [3] : !dato.stream<i32, 2>
  dato.task @load grid [1] () {
    %v = arith.constant 3 : i32
    dato.put @feed, %v : i32
  }
  dato.task @tile grid [3] () {
    %p = dato.pid : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %v = arith.constant 1 : i32
    %n = arith.addi %p, %c1 : index
    %next = arith.remsi %n, %c3 : index
    dato.put @hop[%next], %v : i32
    %x = dato.get @hop[%p] : i32
    %last = arith.cmpi eq, %p, %c2 : index
    scf.if %last {
      %y = dato.get @feed : i32
      scf.yield
    } {dato.meta}
  }
}
// CHECK: error: 'dato.bundle' op bundle of tile_0 and tile_1, connected by @hop_1: run in turn on one element they would wait for each other
