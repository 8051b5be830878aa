// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1}" | filecheck %s

// Allo's output-stationary systolic GEMM at 4 x 5 (6 x 7 = 42 instances with
// loaders and drains) on npu1's 16 cores. The compiler chains instances; where
// a chained core would send three streams off its tile, one stream carries two
// streams that the sending core's members put one after the other and the
// receiving core's members get in the same order (PE (3, 2) then (4, 2) send
// A east to PE (3, 3) then (4, 3); PE (2, 4) then (2, 5) send B south to
// PE (3, 4) then (3, 5)).

// CHECK: dato.stream @fifo_A_3_3 : !dato.stream<i32, 4> {dato.merged_streams = ["fifo_A_3_3", "fifo_A_4_3"]}
// CHECK-NOT: dato.stream @fifo_A_4_3
// CHECK: dato.stream @fifo_B_3_4 : !dato.stream<i32, 4> {dato.merged_streams = ["fifo_B_3_4", "fifo_B_3_5"]}
// CHECK-NOT: dato.stream @fifo_B_3_5
// CHECK: dato.chain [@gemm_0_1, @gemm_0_0, @gemm_1_0, @gemm_1_1] {dato.compiler_chosen

builtin.module {
  dato.region @top(%A: memref<4x2xi32>, %B: memref<2x5xi32>, %C: memref<4x5xi32>) {
    dato.stream @fifo_A [6, 7] : !dato.stream<i32, 4>
    dato.stream @fifo_B [6, 7] : !dato.stream<i32, 4>
    dato.task @gemm grid [6, 7] (%A : memref<4x2xi32> [R, R], %B : memref<2x5xi32> [R, R], %C : memref<4x5xi32> [R, R]) {
    ^bb0(%A_1: memref<4x2xi32>, %B_1: memref<2x5xi32>, %C_1: memref<4x5xi32>):
      %pi, %pj = dato.pid : index, index
      %b = memref.alloca() : memref<i32>
      %a = memref.alloca() : memref<i32>
      %c = memref.alloca() : memref<i32>
      %0 = arith.constant 0 : index
      %1 = arith.cmpi eq, %pi, %0 : index
      %2 = arith.constant 5 : index
      %3 = arith.cmpi eq, %pi, %2 : index
      %4 = arith.ori %1, %3 : i1
      %5 = arith.cmpi eq, %pj, %0 : index
      %6 = arith.constant 6 : index
      %7 = arith.cmpi eq, %pj, %6 : index
      %8 = arith.ori %5, %7 : i1
      %9 = arith.andi %4, %8 : i1
      scf.if %9 {
      } else {
        %10 = arith.cmpi eq, %pj, %0 : index
        scf.if %10 {
          %11 = arith.constant 2 : index
          %12 = arith.constant 1 : index
          scf.for %k = %0 to %11 step %12 {
            %13 = arith.addi %pj, %12 : index
            %14 = arith.subi %pi, %12 : index
            %15 = memref.load %A_1[%14, %k] : memref<4x2xi32>
            dato.put @fifo_A[%pi, %13], %15 : i32
          }
        } else {
          %16 = arith.cmpi eq, %pi, %0 : index
          scf.if %16 {
            %17 = arith.constant 2 : index
            %18 = arith.constant 1 : index
            scf.for %k_1 = %0 to %17 step %18 {
              %19 = arith.addi %pi, %18 : index
              %20 = arith.subi %pj, %18 : index
              %21 = memref.load %B_1[%k_1, %20] : memref<2x5xi32>
              dato.put @fifo_B[%19, %pj], %21 : i32
            }
          } else {
            %22 = arith.cmpi eq, %pi, %2 : index
            %23 = arith.cmpi sgt, %pj, %0 : index
            %24 = arith.andi %22, %23 : i1
            scf.if %24 {
              %25 = arith.constant 2 : index
              %26 = arith.constant 1 : index
              scf.for %k_2 = %0 to %25 step %26 {
                %27 = dato.get @fifo_B[%pi, %pj] : i32
                memref.store %27, %b[] : memref<i32>
              }
            } else {
              %28 = arith.cmpi eq, %pj, %6 : index
              %29 = arith.cmpi sgt, %pi, %0 : index
              %30 = arith.andi %28, %29 : i1
              scf.if %30 {
                %31 = arith.constant 2 : index
                %32 = arith.constant 1 : index
                scf.for %k_3 = %0 to %31 step %32 {
                  %33 = dato.get @fifo_A[%pi, %pj] : i32
                  memref.store %33, %a[] : memref<i32>
                }
              } else {
                %34 = arith.constant 0 : i32
                memref.store %34, %c[] : memref<i32>
                %35 = arith.constant 2 : index
                %36 = arith.constant 1 : index
                scf.for %k_4 = %0 to %35 step %36 {
                  %37 = dato.get @fifo_A[%pi, %pj] : i32
                  memref.store %37, %a[] : memref<i32>
                  %38 = dato.get @fifo_B[%pi, %pj] : i32
                  memref.store %38, %b[] : memref<i32>
                  %39 = memref.load %c[] : memref<i32>
                  %40 = memref.load %a[] : memref<i32>
                  %41 = memref.load %b[] : memref<i32>
                  %42 = arith.muli %40, %41 : i32
                  %43 = arith.addi %39, %42 : i32
                  memref.store %43, %c[] : memref<i32>
                  %44 = arith.addi %pj, %36 : index
                  %45 = memref.load %a[] : memref<i32>
                  dato.put @fifo_A[%pi, %44], %45 : i32
                  %46 = arith.addi %pi, %36 : index
                  %47 = memref.load %b[] : memref<i32>
                  dato.put @fifo_B[%46, %pj], %47 : i32
                }
                %48 = memref.load %c[] : memref<i32>
                %49 = arith.subi %pi, %36 : index
                %50 = arith.subi %pj, %36 : index
                memref.store %48, %C_1[%49, %50] : memref<4x5xi32>
              }{dato.meta}
            }{dato.meta}
          }{dato.meta}
        }{dato.meta}
      }{dato.meta}
    }
  }
}
