// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1 folding=rectangles}" | filecheck %s

// Allo's output-stationary systolic GEMM at 6 x 6 PEs (8 x 8 = 64 instances
// with loaders and drains) on npu1's 16 cores. Chaining instances one pair at
// a time leaves a core three streams off its tile (a compute tile has 2 DMA
// channels), so the compiler cuts the grid into rectangles of consecutive
// rows and columns (2 x 2 here: the cut whose busiest core moves the fewest
// stream elements), one per core, block (r, c) on column c, compute row 2 + r.
// Every stream then joins grid neighbours, whose tiles share memory. Each
// chain lists its members in stream order (a producer before its consumers).

// CHECK-NOT:  dato.merged_streams
// CHECK:      dato.chain [@gemm_0_0, @gemm_0_1, @gemm_1_0, @gemm_1_1] {dato.compiler_chosen, dato.cost_bytes = 16 : i64, dato.tile = array<i64: 0, 2>}
// CHECK-NEXT: dato.chain [@gemm_0_2, @gemm_0_3, @gemm_1_2, @gemm_1_3] {dato.compiler_chosen, dato.cost_bytes = 24 : i64, dato.tile = array<i64: 1, 2>}
// CHECK-NEXT: dato.chain [@gemm_0_4, @gemm_0_5, @gemm_1_4, @gemm_1_5] {dato.compiler_chosen, dato.cost_bytes = 24 : i64, dato.tile = array<i64: 2, 2>}
// CHECK-NEXT: dato.chain [@gemm_0_6, @gemm_0_7, @gemm_1_6, @gemm_1_7] {dato.compiler_chosen, dato.cost_bytes = 16 : i64, dato.tile = array<i64: 3, 2>}
// CHECK-NEXT: dato.chain [@gemm_2_0, @gemm_3_0, @gemm_2_1, @gemm_3_1] {dato.compiler_chosen, dato.cost_bytes = 24 : i64, dato.tile = array<i64: 0, 3>}
// CHECK-NEXT: dato.chain [@gemm_2_2, @gemm_2_3, @gemm_3_2, @gemm_3_3] {dato.compiler_chosen, dato.cost_bytes = 32 : i64, dato.tile = array<i64: 1, 3>}
// CHECK:      dato.chain [@gemm_6_6, @gemm_7_7, @gemm_6_7, @gemm_7_6] {dato.compiler_chosen, dato.cost_bytes = 16 : i64, dato.tile = array<i64: 3, 5>}
// CHECK-NOT:  dato.chain

builtin.module {
  dato.region @top(%A: memref<6x2xi32>, %B: memref<2x6xi32>, %C: memref<6x6xi32>) {
    dato.stream @fifo_A [8, 8] : !dato.stream<i32, 4>
    dato.stream @fifo_B [8, 8] : !dato.stream<i32, 4>
    dato.task @gemm grid [8, 8] (%A : memref<6x2xi32> [R, R], %B : memref<2x6xi32> [R, R], %C : memref<6x6xi32> [R, R]) {
    ^bb0(%A_1: memref<6x2xi32>, %B_1: memref<2x6xi32>, %C_1: memref<6x6xi32>):
      %pi, %pj = dato.pid : index, index
      %b = memref.alloca() : memref<i32>
      %a = memref.alloca() : memref<i32>
      %c = memref.alloca() : memref<i32>
      %0 = arith.constant 0 : index
      %1 = arith.cmpi eq, %pi, %0 : index
      %2 = arith.constant 7 : index
      %3 = arith.cmpi eq, %pi, %2 : index
      %4 = arith.ori %1, %3 : i1
      %5 = arith.cmpi eq, %pj, %0 : index
      %6 = arith.cmpi eq, %pj, %2 : index
      %7 = arith.ori %5, %6 : i1
      %8 = arith.andi %4, %7 : i1
      scf.if %8 {
      } else {
        %9 = arith.cmpi eq, %pj, %0 : index
        scf.if %9 {
          %10 = arith.constant 2 : index
          %11 = arith.constant 1 : index
          scf.for %k = %0 to %10 step %11 {
            %12 = arith.addi %pj, %11 : index
            %13 = arith.subi %pi, %11 : index
            %14 = memref.load %A_1[%13, %k] : memref<6x2xi32>
            dato.put @fifo_A[%pi, %12], %14 : i32
          }
        } else {
          %15 = arith.cmpi eq, %pi, %0 : index
          scf.if %15 {
            %16 = arith.constant 2 : index
            %17 = arith.constant 1 : index
            scf.for %k_1 = %0 to %16 step %17 {
              %18 = arith.addi %pi, %17 : index
              %19 = arith.subi %pj, %17 : index
              %20 = memref.load %B_1[%k_1, %19] : memref<2x6xi32>
              dato.put @fifo_B[%18, %pj], %20 : i32
            }
          } else {
            %21 = arith.cmpi eq, %pi, %2 : index
            %22 = arith.cmpi sgt, %pj, %0 : index
            %23 = arith.andi %21, %22 : i1
            scf.if %23 {
              %24 = arith.constant 2 : index
              %25 = arith.constant 1 : index
              scf.for %k_2 = %0 to %24 step %25 {
                %26 = dato.get @fifo_B[%pi, %pj] : i32
                memref.store %26, %b[] : memref<i32>
              }
            } else {
              %27 = arith.cmpi eq, %pj, %2 : index
              %28 = arith.cmpi sgt, %pi, %0 : index
              %29 = arith.andi %27, %28 : i1
              scf.if %29 {
                %30 = arith.constant 2 : index
                %31 = arith.constant 1 : index
                scf.for %k_3 = %0 to %30 step %31 {
                  %32 = dato.get @fifo_A[%pi, %pj] : i32
                  memref.store %32, %a[] : memref<i32>
                }
              } else {
                %33 = arith.constant 0 : i32
                memref.store %33, %c[] : memref<i32>
                %34 = arith.constant 2 : index
                %35 = arith.constant 1 : index
                scf.for %k_4 = %0 to %34 step %35 {
                  %36 = dato.get @fifo_A[%pi, %pj] : i32
                  memref.store %36, %a[] : memref<i32>
                  %37 = dato.get @fifo_B[%pi, %pj] : i32
                  memref.store %37, %b[] : memref<i32>
                  %38 = memref.load %c[] : memref<i32>
                  %39 = memref.load %a[] : memref<i32>
                  %40 = memref.load %b[] : memref<i32>
                  %41 = arith.muli %39, %40 : i32
                  %42 = arith.addi %38, %41 : i32
                  memref.store %42, %c[] : memref<i32>
                  %43 = arith.addi %pj, %35 : index
                  %44 = memref.load %a[] : memref<i32>
                  dato.put @fifo_A[%pi, %43], %44 : i32
                  %45 = arith.addi %pi, %35 : index
                  %46 = memref.load %b[] : memref<i32>
                  dato.put @fifo_B[%45, %pj], %46 : i32
                }
                %47 = memref.load %c[] : memref<i32>
                %48 = arith.subi %pi, %35 : index
                %49 = arith.subi %pj, %35 : index
                memref.store %47, %C_1[%48, %49] : memref<6x6xi32>
              }{dato.meta}
            }{dato.meta}
          }{dato.meta}
        }{dato.meta}
      }{dato.meta}
    }
  }
}
