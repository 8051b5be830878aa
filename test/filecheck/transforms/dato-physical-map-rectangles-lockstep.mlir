// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1 folding=rectangles}" | filecheck %s

// The 6 x 6 systolic GEMM of dato-physical-map-rectangles.mlir at K = 512:
// cut into 2 x 2 rectangles, every core runs its rectangle in lockstep (one
// fused loop over k), the idle corners (no stream operation) included. The
// streams between a rectangle's members are rings of the declared depth 4
// (16 bytes each) instead of local buffers of every element (512 x 4 bytes),
// and no stream between cores is deepened (no dato.depth_by_compiler).

// CHECK-NOT:  dato.depth_by_compiler
// CHECK:      dato.stream @fifo_A_1_1 : !dato.stream<i32, 4> {dato.ring}
// CHECK-NOT:  dato.depth_by_compiler
// CHECK:      dato.chain [@gemm_0_0, @gemm_0_1, @gemm_1_0, @gemm_1_1] {dato.compiler_chosen, dato.cost_bytes = 32 : i64, dato.lockstep, dato.tile = array<i64: 0, 2>}
// CHECK-NEXT: dato.chain [@gemm_0_2, @gemm_0_3, @gemm_1_2, @gemm_1_3] {dato.compiler_chosen, dato.cost_bytes = 48 : i64, dato.lockstep, dato.tile = array<i64: 1, 2>}
// CHECK:      dato.chain [@gemm_2_2, @gemm_2_3, @gemm_3_2, @gemm_3_3] {dato.compiler_chosen, dato.cost_bytes = 64 : i64, dato.lockstep, dato.tile = array<i64: 1, 3>}
// CHECK:      dato.chain [@gemm_6_6, @gemm_7_7, @gemm_6_7, @gemm_7_6] {dato.compiler_chosen, dato.cost_bytes = 32 : i64, dato.lockstep, dato.tile = array<i64: 3, 5>}
// CHECK-NOT:  dato.chain
// CHECK-NOT:  dato.depth_by_compiler

builtin.module {
  dato.region @top(%A: memref<6x512xi32>, %B: memref<512x6xi32>, %C: memref<6x6xi32>) {
    dato.stream @fifo_A [8, 8] : !dato.stream<i32, 4>
    dato.stream @fifo_B [8, 8] : !dato.stream<i32, 4>
    dato.task @gemm grid [8, 8] (%A : memref<6x512xi32> [R, R], %B : memref<512x6xi32> [R, R], %C : memref<6x6xi32> [R, R]) {
    ^bb0(%A_1: memref<6x512xi32>, %B_1: memref<512x6xi32>, %C_1: memref<6x6xi32>):
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
          %10 = arith.constant 512 : index
          %11 = arith.constant 1 : index
          scf.for %k = %0 to %10 step %11 {
            %12 = arith.addi %pj, %11 : index
            %13 = arith.subi %pi, %11 : index
            %14 = memref.load %A_1[%13, %k] : memref<6x512xi32>
            dato.put @fifo_A[%pi, %12], %14 : i32
          }
        } else {
          %15 = arith.cmpi eq, %pi, %0 : index
          scf.if %15 {
            %16 = arith.constant 512 : index
            %17 = arith.constant 1 : index
            scf.for %k_1 = %0 to %16 step %17 {
              %18 = arith.addi %pi, %17 : index
              %19 = arith.subi %pj, %17 : index
              %20 = memref.load %B_1[%k_1, %19] : memref<512x6xi32>
              dato.put @fifo_B[%18, %pj], %20 : i32
            }
          } else {
            %21 = arith.cmpi eq, %pi, %2 : index
            %22 = arith.cmpi sgt, %pj, %0 : index
            %23 = arith.andi %21, %22 : i1
            scf.if %23 {
              %24 = arith.constant 512 : index
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
                %30 = arith.constant 512 : index
                %31 = arith.constant 1 : index
                scf.for %k_3 = %0 to %30 step %31 {
                  %32 = dato.get @fifo_A[%pi, %pj] : i32
                  memref.store %32, %a[] : memref<i32>
                }
              } else {
                %33 = arith.constant 0 : i32
                memref.store %33, %c[] : memref<i32>
                %34 = arith.constant 512 : index
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
