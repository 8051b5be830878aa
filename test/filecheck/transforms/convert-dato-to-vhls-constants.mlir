// RUN: dato-opt %s -p convert-dato-to-vhls | filecheck --enable-var-scope %s

// A constant table as the frontend writes it (frontend/constants.py): an
// allocation carrying its values in dato.constant, then the stores that fill
// it. The lowering makes it a memref.global constant read through
// memref.get_global, and drops the fill; reads of the table are unchanged.

dato.region @top(%I: memref<2xindex>, %O: memref<2xi32>) {
  dato.group @k of @k grid [1] (%I : memref<2xindex>, %O : memref<2xi32>) ports [] instances [
    @k_0 pid [0] offsets [[0], [0]] streams []
  ] {
  ^bb0(%idx: memref<2xindex>, %out: memref<2xi32>):
    %tab = memref.alloc() {dato.constant = dense<[7, -3, 11]> : tensor<3xi32>} : memref<3xi32>
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %v7 = arith.constant 7 : i32
    %vm3 = arith.constant -3 : i32
    %v11 = arith.constant 11 : i32
    memref.store %v7, %tab[%c0] : memref<3xi32>
    memref.store %vm3, %tab[%c1] : memref<3xi32>
    memref.store %v11, %tab[%c2] : memref<3xi32>
    scf.for %n = %c0 to %c2 step %c1 {
      %i = memref.load %idx[%n] : memref<2xindex>
      %x = memref.load %tab[%i] : memref<3xi32>
      memref.store %x, %out[%n] : memref<2xi32>
    }
  }
}

// CHECK:       memref.global "private" constant @tab : memref<3xi32> = dense<[7, -3, 11]>
// CHECK-LABEL: vhls.process @k task literals 0
// CHECK:         %tab = memref.get_global @tab : memref<3xi32>
// CHECK-NOT:     memref.store %{{.*}}, %tab
// CHECK:         vhls.for "n" %n = %c0 to %c2 step %c1 pipeline 1 {
// CHECK-NEXT:      %i = memref.load %idx[%n] : memref<2xindex>
// CHECK-NEXT:      %x = memref.load %tab[%i] : memref<3xi32>
