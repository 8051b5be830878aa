// RUN: dato-opt %s -p dato-npu-transfers | filecheck %s

// dato-physical-map's output for loop_writes_programs.chunked(64, 8, LOOP):
// `write` gets chunks of 8 from xs and stores y[c * 8 + i] in iteration
// (c, i) of a nest of constant bounds: all 64 elements of y are written
// before anything reads y, so y's host copy does not come in (no Y_in
// fifo); y only goes out.

// CHECK:      aie.objectfifo @X_in0(%shim_c0, {%core_c0_r2}, 1 : i32) {dato.host_arg = 0 : i64
// CHECK-NOT:  @Y_in
// CHECK:      aie.objectfifo @Y_out0(%core_c0_r3, {%shim_c0}, 1 : i32) {dato.host_arg = 1 : i64
// CHECK-NOT:  @Y_in

builtin.module {
  dato.region @top(%X: memref<64xi32>, %Y: memref<64xi32>) attributes {dato.device = "npu1"} {
    dato.stream @xs : !dato.stream<memref<8xi32>, 2>
    dato.group @load of @load grid [1] (%X : memref<64xi32>) ports [] instances [
      @load_0 pid [0] offsets [[0]] streams []
    ] attributes {dato.tiles = array<i64: 0, 2>} {
    ^bb0(%x: memref<64xi32>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 8 : index
      %2 = arith.constant 1 : index
      scf.for %c = %0 to %1 step %2 {
        %3 = arith.muli %c, %1 : index
        %4 = memref.subview %x[%3] [8] [1] : memref<64xi32> to memref<8xi32, strided<[1], offset: ?>>
        %5 = memref.alloc() : memref<8xi32>
        "memref.copy"(%4, %5) : (memref<8xi32, strided<[1], offset: ?>>, memref<8xi32>) -> ()
        dato.put @xs, %5 : memref<8xi32> {dato.in_place}
      }
    }
    dato.group @write of @write grid [1] (%Y : memref<64xi32>) ports [] instances [
      @write_0 pid [0] offsets [[0]] streams []
    ] attributes {dato.tiles = array<i64: 0, 3>} {
    ^bb0(%y: memref<64xi32>):
      %0 = arith.constant 0 : index
      %1 = arith.constant 8 : index
      %2 = arith.constant 1 : index
      scf.for %c = %0 to %1 step %2 {
        %3 = dato.get @xs : memref<8xi32>
        scf.for %i = %0 to %1 step %2 {
          %4 = memref.load %3[%i] : memref<8xi32>
          %5 = arith.constant 1 : i32
          %6 = arith.addi %4, %5 : i32
          %7 = arith.muli %c, %1 : index
          %8 = arith.addi %7, %i : index
          memref.store %6, %y[%8] : memref<64xi32>
        }
      }
    }
  }
}
