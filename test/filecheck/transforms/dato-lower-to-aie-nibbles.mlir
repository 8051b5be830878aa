// RUN: dato-opt %s -p 'dato-virtual-map,dato-physical-map,dato-lower-to-aie' | filecheck %s

// An int4 array A and a uint4 array B (held one value per byte, marked by the
// frontend as dato.nibbles = [arg, signed, ...]) move packed two per byte: a
// block row of 5 values is 3 bytes, padded to one word (4), recorded as
// dato.packed_nibbles = [arg, L, Lp, signed]. The core unpacks A's bytes
// (value 2k: low nibble, sign-extended by shli/shrsi; 2k+1: high nibble) into
// its one-per-byte block, and packs B's block back (andi / shli / ori).
dato.region @nibbles(%A: memref<2x5xi8>, %B: memref<2x5xi8>) attributes {dato.nibbles = array<i64: 0, 1, 1, 0>} {
  dato.task @t grid [2] (%A : memref<2x5xi8> [S0, R], %B : memref<2x5xi8> [S0, R]) {
  ^bb0(%a: memref<1x5xi8>, %b: memref<1x5xi8>):
    "memref.copy"(%a, %b) : (memref<1x5xi8>, memref<1x5xi8>) -> ()
  }
}
// CHECK:      aie.objectfifo @A_in0_0({{.*}}) : !aie.objectfifo<memref<1x4xi8>>
// CHECK:      aie.objectfifo @A_in0(%shim_c0, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<8xi8>>
// CHECK:      aie.core(%core_c0_r2) {
// CHECK:        %[[OBJ:.*]] = aie.objectfifo.subview.access {{.*}} -> memref<1x4xi8>
// CHECK:        %[[FOUR:.*]] = arith.constant 4 : i8
// CHECK:        %[[BYTE:.*]] = memref.load %[[OBJ]][{{.*}}] : memref<1x4xi8>
// CHECK-NEXT:   %[[UP:.*]] = arith.shli %[[BYTE]], %[[FOUR]] : i8
// CHECK-NEXT:   %[[LOW:.*]] = arith.shrsi %[[UP]], %[[FOUR]] : i8
// CHECK-NEXT:   memref.store %[[LOW]], %{{.*}}[%{{.*}}, %[[EVEN:.*]]] : memref<1x5xi8>
// CHECK-NEXT:   %[[HIGH:.*]] = arith.shrsi %[[BYTE]], %[[FOUR]] : i8
// CHECK-NEXT:   memref.store %[[HIGH]], %{{.*}} : memref<1x5xi8>
// CHECK:        func.call @dato_copy_i8_5
// CHECK:        %[[V:.*]] = memref.load %{{.*}} : memref<1x5xi8>
// CHECK-NEXT:   %[[MASK:.*]] = arith.constant 15 : i8
// CHECK-NEXT:   %[[LO:.*]] = arith.andi %[[V]], %[[MASK]] : i8
// CHECK-NEXT:   %[[W:.*]] = memref.load %{{.*}} : memref<1x5xi8>
// CHECK-NEXT:   %[[HI:.*]] = arith.shli %[[W]], %{{.*}} : i8
// CHECK-NEXT:   %[[PACKED:.*]] = arith.ori %[[LO]], %[[HI]] : i8
// CHECK-NEXT:   memref.store %[[PACKED]], %{{.*}} : memref<1x4xi8>
// CHECK:      aie.runtime_sequence(%A: memref<2x4xi8>, %B: memref<2x4xi8>)
// CHECK:      } {dato.packed_nibbles = array<i64: 0, 5, 4, 1, 1, 5, 4, 0>}
