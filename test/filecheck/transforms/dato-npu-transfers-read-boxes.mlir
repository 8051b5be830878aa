// RUN: dato-opt %s -p dato-npu-transfers | filecheck %s

// split_gemv(16, 16, 2) after dato-npu-read-boxes and dato-physical-map: each
// of lo_0, hi_0, lo_1, hi_1 reads an 8x8 box of the whole 16x16 A (rows 8p,
// columns 0 or 8), so A goes to the memtile and each core's fifo carries its
// 8x8 box (256 bytes), not all of A (1 KiB). The shim reads the four boxes in
// two runs of rows (offsets 0 and 128), each two 8x8 boxes side by side.
// CHECK:      aie.objectfifo @A_in0_0(%mem_c0, {%core_c0_r2}, 1 : i32) : !aie.objectfifo<memref<8x8xi32>>
// CHECK-NEXT: aie.objectfifo @A_in0_1(%mem_c0, {%core_c0_r3}, 1 : i32) : !aie.objectfifo<memref<8x8xi32>>
// CHECK-NEXT: aie.objectfifo @A_in0_2(%mem_c0, {%core_c0_r4}, 1 : i32) : !aie.objectfifo<memref<8x8xi32>>
// CHECK-NEXT: aie.objectfifo @A_in0_3(%mem_c0, {%core_c0_r5}, 1 : i32) : !aie.objectfifo<memref<8x8xi32>>
// CHECK-NEXT: aie.objectfifo @A_in0(%shim_c0, {%mem_c0}, 1 : i32) {dato.host_arg = 0 : i64, dato.dma_offsets = array<i64: 0, 128>, dato.dma_sizes = [array<i64: 1, 2, 8, 8>, array<i64: 1, 2, 8, 8>], dato.dma_strides = [array<i64: 0, 8, 16, 1>, array<i64: 0, 8, 16, 1>]} : !aie.objectfifo<memref<256xi32>>
// CHECK-NEXT: aie.objectfifo.link [@A_in0] -> [@A_in0_0, @A_in0_1, @A_in0_2, @A_in0_3]([] [0, 64, 128, 192])
// x: lo reads x[0:8], hi x[8:16]; each core takes 8 elements
// CHECK-NEXT: aie.objectfifo @x_in0_0(%mem_c0, {%core_c0_r2, %core_c0_r4}, 1 : i32) : !aie.objectfifo<memref<8xi32>>

builtin.module {
  dato.region @top(%A: memref<16x16xi32>, %x: memref<16xi32>, %y: memref<16xi32>) attributes {dato.device = "npu1"} {
    dato.stream @pipe_0 : !dato.stream<memref<8xi32>, 2>
    dato.stream @pipe_1 : !dato.stream<memref<8xi32>, 2>
    dato.group @lo of @lo grid [2] (%A : memref<16x16xi32>, %x : memref<16xi32>) ports [@pipe_out] instances [
      @lo_0 pid [0] offsets [[0, 0], [0]] streams [@pipe_0],
      @lo_1 pid [1] offsets [[8, 0], [0]] streams [@pipe_1]
    ] attributes {dato.tiles = array<i64: 0, 2, 0, 4>} {
    ^bb0(%a: memref<8x8xi32>, %v: memref<8xi32>):
      %0 = dato.pid : index
      %1 = arith.constant 8 : index
      %2 = arith.muli %0, %1 : index
      %pi = dato.pid : index
      %acc = memref.alloca() : memref<i32>
      %part = memref.alloc() : memref<8xi32>
      %3 = arith.constant 0 : i32
      linalg.fill ins(%3 : i32) outs(%part : memref<8xi32>)
      %4 = arith.constant 8 : index
      %5 = arith.muli %pi, %4 : index
      %6 = arith.constant 1 : index
      %7 = arith.addi %pi, %6 : index
      %8 = arith.muli %7, %4 : index
      scf.for %m = %5 to %8 step %6 {
        memref.store %3, %acc[] : memref<i32>
        %9 = arith.constant 0 : index
        scf.for %n = %9 to %4 step %6 {
          %10 = memref.load %acc[] : memref<i32>
          %11 = arith.subi %m, %2 : index
          %12 = memref.load %a[%11, %n] : memref<8x8xi32>
          %13 = memref.load %v[%n] : memref<8xi32>
          %14 = arith.muli %12, %13 : i32
          %15 = arith.addi %10, %14 : i32
          memref.store %15, %acc[] : memref<i32>
        }
        %16 = memref.load %acc[] : memref<i32>
        %17 = arith.muli %pi, %4 : index
        %18 = arith.subi %m, %17 : index
        memref.store %16, %part[%18] : memref<8xi32>
      }
      dato.put @pipe_out, %part : memref<8xi32>
    }
    dato.stream @hi_0_x_fwd : !dato.stream<memref<8xi32>, 1> {dato.compiler_chosen}
    dato.group @hi_0_load_x of @hi_0_load_x grid [1] (%x : memref<16xi32>) ports [] instances [
      @hi_0_load_x_0 pid [0] offsets [[8]] streams []
    ] attributes {dato.forwards = "hi_0", dato.compiler_chosen, dato.tiles = array<i64: 1, 3>} {
    ^bb0(%0: memref<8xi32>):
      dato.put @hi_0_x_fwd, %0 : memref<8xi32>
    }
    dato.stream @hi_1_x_fwd : !dato.stream<memref<8xi32>, 1> {dato.compiler_chosen}
    dato.group @hi_1_load_x of @hi_1_load_x grid [1] (%x : memref<16xi32>) ports [] instances [
      @hi_1_load_x_0 pid [0] offsets [[8]] streams []
    ] attributes {dato.forwards = "hi_1", dato.compiler_chosen, dato.tiles = array<i64: 1, 5>} {
    ^bb0(%0: memref<8xi32>):
      dato.put @hi_1_x_fwd, %0 : memref<8xi32>
    }
    dato.group @hi of @hi grid [2] (%A : memref<16x16xi32>, %x : memref<16xi32>, %y : memref<16xi32>) ports [@pipe_in, @x_fwd] instances [
      @hi_0 pid [0] offsets [[0, 8], [8], [0]] streams [@pipe_0, @hi_0_x_fwd],
      @hi_1 pid [1] offsets [[8, 8], [8], [0]] streams [@pipe_1, @hi_1_x_fwd]
    ] attributes {dato.tiles = array<i64: 0, 3, 0, 5>} {
    ^bb0(%a: memref<8x8xi32>, %v: memref<8xi32>, %out: memref<16xi32>):
      %v_1 = dato.get @x_fwd : memref<8xi32>
      %0 = arith.constant 8 : index
      %1 = dato.pid : index
      %2 = arith.constant 8 : index
      %3 = arith.muli %1, %2 : index
      %4 = arith.constant 8 : index
      %pi = dato.pid : index
      %acc = memref.alloca() : memref<i32>
      %prev = memref.alloc() : memref<8xi32>
      %5 = dato.get @pipe_in : memref<8xi32>
      "memref.copy"(%5, %prev) : (memref<8xi32>, memref<8xi32>) -> ()
      %6 = arith.constant 8 : index
      %7 = arith.muli %pi, %6 : index
      %8 = arith.constant 1 : index
      %9 = arith.addi %pi, %8 : index
      %10 = arith.muli %9, %6 : index
      scf.for %m = %7 to %10 step %8 {
        %11 = arith.constant 0 : i32
        memref.store %11, %acc[] : memref<i32>
        %12 = arith.constant 16 : index
        scf.for %n = %6 to %12 step %8 {
          %13 = memref.load %acc[] : memref<i32>
          %14 = arith.subi %m, %3 : index
          %15 = arith.subi %n, %4 : index
          %16 = memref.load %a[%14, %15] : memref<8x8xi32>
          %17 = arith.subi %n, %0 : index
          %18 = memref.load %v_1[%17] : memref<8xi32>
          %19 = arith.muli %16, %18 : i32
          %20 = arith.addi %13, %19 : i32
          memref.store %20, %acc[] : memref<i32>
        }
        %21 = memref.load %acc[] : memref<i32>
        %22 = arith.muli %pi, %6 : index
        %23 = arith.subi %m, %22 : index
        %24 = memref.load %prev[%23] : memref<8xi32>
        %25 = arith.addi %21, %24 : i32
        memref.store %25, %out[%m] : memref<16xi32>
      }
    }
  }
}

