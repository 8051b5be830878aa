// RUN: dato-opt %s -p "dato-virtual-map,dato-physical-map{device=npu1},dato-lower-to-aie" | filecheck %s

// A 5x5 output-stationary systolic GEMM (7x7 instances with loaders and
// drains) chained onto npu1's 16 cores: most cores run several PEs, each
// writing its element of the one C through the core's one fifo. One shim
// output channel per such core would need more than npu1's 8 (2 S2MM per
// column), so the cores' sequences join in a memtile (6 S2MM channels): each
// joined object holds one element of each of the six cores, the memtile keeps
// both steps (depth 2) so no core waits for another's element, and the shim
// writes the joined objects step by step, one dma_memcpy_nd per run of evenly
// spaced elements (core k of step s lands at the element its PE s computes).

builtin.module {
  dato.region @top(%A: memref<5x4xi32>, %B: memref<4x5xi32>, %C: memref<5x5xi32>) {
    dato.stream @fifo_A [7, 7] : !dato.stream<i32, 4>
    dato.stream @fifo_B [7, 7] : !dato.stream<i32, 4>
    dato.task @gemm grid [7, 7] (%A : memref<5x4xi32> [R, R], %B : memref<4x5xi32> [R, R], %C : memref<5x5xi32> [R, R]) {
    ^bb0(%A_1: memref<5x4xi32>, %B_1: memref<4x5xi32>, %C_1: memref<5x5xi32>):
      %pi, %pj = dato.pid : index, index
      %b = memref.alloca() : memref<i32>
      %a = memref.alloca() : memref<i32>
      %c = memref.alloca() : memref<i32>
      %0 = arith.constant 0 : index
      %1 = arith.cmpi eq, %pi, %0 : index
      %2 = arith.constant 6 : index
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
          %10 = arith.constant 4 : index
          %11 = arith.constant 1 : index
          scf.for %k = %0 to %10 step %11 {
            %12 = arith.addi %pj, %11 : index
            %13 = arith.subi %pi, %11 : index
            %14 = memref.load %A_1[%13, %k] : memref<5x4xi32>
            dato.put @fifo_A[%pi, %12], %14 : i32
          }
        } else {
          %15 = arith.cmpi eq, %pi, %0 : index
          scf.if %15 {
            %16 = arith.constant 4 : index
            %17 = arith.constant 1 : index
            scf.for %k_1 = %0 to %16 step %17 {
              %18 = arith.addi %pi, %17 : index
              %19 = arith.subi %pj, %17 : index
              %20 = memref.load %B_1[%k_1, %19] : memref<4x5xi32>
              dato.put @fifo_B[%18, %pj], %20 : i32
            }
          } else {
            %21 = arith.cmpi eq, %pi, %2 : index
            %22 = arith.cmpi sgt, %pj, %0 : index
            %23 = arith.andi %21, %22 : i1
            scf.if %23 {
              %24 = arith.constant 4 : index
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
                %30 = arith.constant 4 : index
                %31 = arith.constant 1 : index
                scf.for %k_3 = %0 to %30 step %31 {
                  %32 = dato.get @fifo_A[%pi, %pj] : i32
                  memref.store %32, %a[] : memref<i32>
                }
              } else {
                %33 = arith.constant 0 : i32
                memref.store %33, %c[] : memref<i32>
                %34 = arith.constant 4 : index
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
                memref.store %47, %C_1[%48, %49] : memref<5x5xi32>
              }{dato.meta}
            }{dato.meta}
          }{dato.meta}
        }{dato.meta}
      }{dato.meta}
    }
  }
}

// CHECK:      aie.objectfifo @C_out0_0(%core_c0_r5, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<1x1xi32>>
// CHECK-NEXT: aie.objectfifo @C_out0_1(%core_c1_r4, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<1x1xi32>>
// CHECK-NEXT: aie.objectfifo @C_out0_2(%core_c1_r5, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<1x1xi32>>
// CHECK-NEXT: aie.objectfifo @C_out0_3(%core_c2_r3, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<1x1xi32>>
// CHECK-NEXT: aie.objectfifo @C_out0_4(%core_c3_r2, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<1x1xi32>>
// CHECK-NEXT: aie.objectfifo @C_out0_5(%core_c3_r3, {%mem_c0}, 1 : i32) : !aie.objectfifo<memref<1x1xi32>>
// CHECK-NEXT: aie.objectfifo @C_out0(%mem_c0, {%shim_c0}, 2 : i32) : !aie.objectfifo<memref<6xi32>>
// CHECK-NEXT: aie.objectfifo.link [@C_out0_0, @C_out0_1, @C_out0_2, @C_out0_3, @C_out0_4, @C_out0_5] -> [@C_out0]([0, 1, 2, 3, 4, 5] [])
// core (0, 5) sends two elements through its one fifo
// CHECK:      aie.core(%core_c0_r5)
// CHECK:      aie.objectfifo.acquire @C_out0_0(Produce, 1)
// CHECK:      aie.objectfifo.release @C_out0_0(Produce, 1)
// CHECK-NEXT: aie.objectfifo.acquire @C_out0_0(Produce, 1)
// step 0: C[0,3] C[2,3] | C[1,3] C[3,2] | C[3,0] C[3,1]; step 1: the next PE's
// CHECK:      aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 3][1, 2, 1, 1][0, 10, 5, 1]) {{.*}}metadata = @C_out0}
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 8][1, 2, 1, 1][0, 9, 5, 1]) {{.*}}metadata = @C_out0}
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 15][1, 2, 1, 1][0, 1, 5, 1]) {{.*}}metadata = @C_out0}
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 4][1, 2, 1, 1][0, 10, 5, 1]) {{.*}}metadata = @C_out0}
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 9][1, 2, 1, 1][0, 13, 5, 1]) {{.*}}metadata = @C_out0}
// CHECK-NEXT: aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 20][1, 2, 1, 1][0, 1, 5, 1]) {{.*}}metadata = @C_out0}
