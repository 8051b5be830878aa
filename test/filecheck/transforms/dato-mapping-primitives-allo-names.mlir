// RUN: dato-opt %s -p 'dato-virtual-map,dato-mapping-primitives{chain="p_0,m_0;p_0-m_0,c_0" bundle="q_0,q_1;q_2,q_3;q_0x2,q_2x2"}' | filecheck %s

// Allo's names for earlier results: the chain of p_0 and m_0 is "p_0-m_0",
// and chaining that result with c_0 extends it to one chain of three; the
// bundle of q_0 and q_1 is "q_0x2", and a bundle of two bundles is one.
dato.region @pipeline() {
  dato.stream @a : !dato.stream<i32, 2>
  dato.stream @b : !dato.stream<i32, 2>
  dato.task @p grid [1] () {
    %v = arith.constant 3 : i32
    dato.put @a, %v : i32
  }
  dato.task @m grid [1] () {
    %x = dato.get @a : i32
    dato.put @b, %x : i32
  }
  dato.task @c grid [1] () {
    %y = dato.get @b : i32
  }
  dato.task @q grid [4] () {
    %z = arith.constant 1 : i32
  }
}
// CHECK:      dato.bundle [@q_0, @q_1, @q_2, @q_3]
// CHECK-NEXT: dato.chain [@p_0, @m_0, @c_0]
// CHECK-NOT:  dato.{{bundle|chain}}
