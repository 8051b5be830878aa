// RUN: dato-opt %s -p 'dato-virtual-map,dato-mapping-primitives{chain="s_0_0,s_1_0;s_0_1,s_1_1" bundle="s_0_0-s_1_0,s_0_1-s_1_1"}' | filecheck %s --check-prefix=SAME
// RUN: dato-opt %s -p 'dato-virtual-map,dato-mapping-primitives{chain="s_0_0,s_1_0;s_1_1,s_2_1" bundle="s_0_0-s_1_0,s_1_1-s_2_1"}' --verify-diagnostics | filecheck %s --check-prefix=DIFF

// Three stages in two lanes: stage 0 only puts, stage 1 gets and puts, stage 2
// only gets (three bodies). Bundling the chain of stages 0-1 of lane 0 with the
// same chain of lane 1 is Allo's bundle of isomorphic chains; bundling it with
// stages 1-2 of lane 1 runs different bodies at each position.
dato.region @lanes() {
  dato.stream @hop [3, 2] : !dato.stream<i32, 2>
  dato.task @s grid [3, 2] () {
    %k, %l = dato.pid : index, index
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %v = arith.constant 1 : i32
    %first = arith.cmpi eq, %k, %c0 : index
    %last = arith.cmpi eq, %k, %c2 : index
    %next = arith.addi %k, %c1 : index
    scf.if %first {
      dato.put @hop[%next, %l], %v : i32
      scf.yield
    } else {
      %x = dato.get @hop[%k, %l] : i32
      scf.if %last {
        scf.yield
      } else {
        dato.put @hop[%next, %l], %x : i32
        scf.yield
      } {dato.meta}
      scf.yield
    } {dato.meta}
  }
}

// SAME:      dato.bundle [@s_0_0, @s_1_0, @s_0_1, @s_1_1]
// SAME-NEXT: dato.chain [@s_0_0, @s_1_0]
// SAME-NEXT: dato.chain [@s_0_1, @s_1_1]
// DIFF:      error: 'dato.bundle' op bundle of non-isomorphic instances (s_0_0-s_1_0 in @s_g0-@s_g1, s_1_1-s_2_1 in @s_g1-@s_g2): only instances with one body can share an element
