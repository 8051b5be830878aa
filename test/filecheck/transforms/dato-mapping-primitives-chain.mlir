// RUN: dato-opt %s -p 'dato-virtual-map,dato-mapping-primitives{chain="load_0,tile_2"}' --verify-diagnostics | filecheck %s

// load_0 feeds tile_2 directly and also through tile_0 -> tile_1: fusing
// load_0 with tile_2 would make the task graph cyclic.
dato.region @cyclic() {
  dato.stream @feed : !dato.stream<i32, 2>
  dato.stream @side : !dato.stream<i32, 2>
  dato.stream @hop [3] : !dato.stream<i32, 2>
  dato.task @load grid [1] () {
    %v = arith.constant 3 : i32
    dato.put @feed, %v : i32
    dato.put @side, %v : i32
  }
  dato.task @tile grid [3] () {
    %p = dato.pid : index
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %v = arith.constant 1 : i32
    %first = arith.cmpi eq, %p, %c0 : index
    %mid = arith.cmpi eq, %p, %c1 : index
    scf.if %first {
      %x = dato.get @side : i32
      dato.put @hop[%c1], %v : i32
      scf.yield
    } else {
      scf.if %mid {
        %y = dato.get @hop[%c1] : i32
        dato.put @hop[%c2], %y : i32
        scf.yield
      } else {
        %z = dato.get @hop[%c2] : i32
        %w = dato.get @feed : i32
        scf.yield
      } {dato.meta}
      scf.yield
    } {dato.meta}
  }
}
// CHECK: error: 'dato.chain' op chain of load_0 and tile_2 across a cycle: another path leads from load_0 to tile_2, so fusing them would make the task graph cyclic
