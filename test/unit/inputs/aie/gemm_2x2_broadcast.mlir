// C = A @ B (64x64x64, i16) on a 2x2 grid of cores calling the project's
// kernel library. Core (i, j) sits at tile (j, 2 + i) and computes the 32x32
// block C[i, j] over four K-chunks of 16.
//
// The shim reads A in K-chunks (each object: A[:, 16k:16k+16], 64x16) and B
// in K-chunks split by column block (each object: B[16k:16k+16, 0:32] then
// B[16k:16k+16, 32:64]). The memtile distributes the row blocks of A and the
// column blocks of B; each half is broadcast to the two cores of its row or
// column. The four C blocks are joined in the memtile and written back with a
// 4-D pattern.

module {
  aie.device(npu1) {
    func.func private @dato_fill_i16(memref<32x32xi16>, i16, i32)
    func.func private @dato_matmul_i16(memref<32x16xi16>, memref<16x32xi16>, memref<32x32xi16>, i32, i32, i32)
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %t00 = aie.tile(0, 2)
    %t01 = aie.tile(1, 2)
    %t10 = aie.tile(0, 3)
    %t11 = aie.tile(1, 3)
    aie.objectfifo @A(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<1024xi16>>
    aie.objectfifo @A0(%mem, {%t00, %t01}, 2 : i32) : !aie.objectfifo<memref<32x16xi16>>
    aie.objectfifo @A1(%mem, {%t10, %t11}, 2 : i32) : !aie.objectfifo<memref<32x16xi16>>
    aie.objectfifo.link [@A] -> [@A0, @A1]([] [0, 512])
    aie.objectfifo @B(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<1024xi16>>
    aie.objectfifo @B0(%mem, {%t00, %t10}, 2 : i32) : !aie.objectfifo<memref<16x32xi16>>
    aie.objectfifo @B1(%mem, {%t01, %t11}, 2 : i32) : !aie.objectfifo<memref<16x32xi16>>
    aie.objectfifo.link [@B] -> [@B0, @B1]([] [0, 512])
    aie.objectfifo @C00(%t00, {%mem}, 1 : i32) : !aie.objectfifo<memref<32x32xi16>>
    aie.objectfifo @C01(%t01, {%mem}, 1 : i32) : !aie.objectfifo<memref<32x32xi16>>
    aie.objectfifo @C10(%t10, {%mem}, 1 : i32) : !aie.objectfifo<memref<32x32xi16>>
    aie.objectfifo @C11(%t11, {%mem}, 1 : i32) : !aie.objectfifo<memref<32x32xi16>>
    aie.objectfifo @C(%mem, {%shim}, 1 : i32) : !aie.objectfifo<memref<4096xi16>>
    aie.objectfifo.link [@C00, @C01, @C10, @C11] -> [@C]([0, 1024, 2048, 3072] [])
    %core00 = aie.core(%t00) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %zero = arith.constant 0 : i16
      %n = arith.constant 1024 : i32
      %m = arith.constant 32 : i32
      %k = arith.constant 16 : i32
      %sc = aie.objectfifo.acquire @C00(Produce, 1) : !aie.objectfifosubview<memref<32x32xi16>>
      %acc = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<32x32xi16>> -> memref<32x32xi16>
      func.call @dato_fill_i16(%acc, %zero, %n) : (memref<32x32xi16>, i16, i32) -> ()
      scf.for %kk = %c0 to %c4 step %c1 {
        %sa = aie.objectfifo.acquire @A0(Consume, 1) : !aie.objectfifosubview<memref<32x16xi16>>
        %a = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<32x16xi16>> -> memref<32x16xi16>
        %sb = aie.objectfifo.acquire @B0(Consume, 1) : !aie.objectfifosubview<memref<16x32xi16>>
        %b = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<16x32xi16>> -> memref<16x32xi16>
        func.call @dato_matmul_i16(%a, %b, %acc, %m, %k, %m) : (memref<32x16xi16>, memref<16x32xi16>, memref<32x32xi16>, i32, i32, i32) -> ()
        aie.objectfifo.release @A0(Consume, 1)
        aie.objectfifo.release @B0(Consume, 1)
      }
      aie.objectfifo.release @C00(Produce, 1)
      aie.end
    } {link_with = "dato_kernels.o"}
    %core01 = aie.core(%t01) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %zero = arith.constant 0 : i16
      %n = arith.constant 1024 : i32
      %m = arith.constant 32 : i32
      %k = arith.constant 16 : i32
      %sc = aie.objectfifo.acquire @C01(Produce, 1) : !aie.objectfifosubview<memref<32x32xi16>>
      %acc = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<32x32xi16>> -> memref<32x32xi16>
      func.call @dato_fill_i16(%acc, %zero, %n) : (memref<32x32xi16>, i16, i32) -> ()
      scf.for %kk = %c0 to %c4 step %c1 {
        %sa = aie.objectfifo.acquire @A0(Consume, 1) : !aie.objectfifosubview<memref<32x16xi16>>
        %a = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<32x16xi16>> -> memref<32x16xi16>
        %sb = aie.objectfifo.acquire @B1(Consume, 1) : !aie.objectfifosubview<memref<16x32xi16>>
        %b = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<16x32xi16>> -> memref<16x32xi16>
        func.call @dato_matmul_i16(%a, %b, %acc, %m, %k, %m) : (memref<32x16xi16>, memref<16x32xi16>, memref<32x32xi16>, i32, i32, i32) -> ()
        aie.objectfifo.release @A0(Consume, 1)
        aie.objectfifo.release @B1(Consume, 1)
      }
      aie.objectfifo.release @C01(Produce, 1)
      aie.end
    } {link_with = "dato_kernels.o"}
    %core10 = aie.core(%t10) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %zero = arith.constant 0 : i16
      %n = arith.constant 1024 : i32
      %m = arith.constant 32 : i32
      %k = arith.constant 16 : i32
      %sc = aie.objectfifo.acquire @C10(Produce, 1) : !aie.objectfifosubview<memref<32x32xi16>>
      %acc = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<32x32xi16>> -> memref<32x32xi16>
      func.call @dato_fill_i16(%acc, %zero, %n) : (memref<32x32xi16>, i16, i32) -> ()
      scf.for %kk = %c0 to %c4 step %c1 {
        %sa = aie.objectfifo.acquire @A1(Consume, 1) : !aie.objectfifosubview<memref<32x16xi16>>
        %a = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<32x16xi16>> -> memref<32x16xi16>
        %sb = aie.objectfifo.acquire @B0(Consume, 1) : !aie.objectfifosubview<memref<16x32xi16>>
        %b = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<16x32xi16>> -> memref<16x32xi16>
        func.call @dato_matmul_i16(%a, %b, %acc, %m, %k, %m) : (memref<32x16xi16>, memref<16x32xi16>, memref<32x32xi16>, i32, i32, i32) -> ()
        aie.objectfifo.release @A1(Consume, 1)
        aie.objectfifo.release @B0(Consume, 1)
      }
      aie.objectfifo.release @C10(Produce, 1)
      aie.end
    } {link_with = "dato_kernels.o"}
    %core11 = aie.core(%t11) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %zero = arith.constant 0 : i16
      %n = arith.constant 1024 : i32
      %m = arith.constant 32 : i32
      %k = arith.constant 16 : i32
      %sc = aie.objectfifo.acquire @C11(Produce, 1) : !aie.objectfifosubview<memref<32x32xi16>>
      %acc = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<32x32xi16>> -> memref<32x32xi16>
      func.call @dato_fill_i16(%acc, %zero, %n) : (memref<32x32xi16>, i16, i32) -> ()
      scf.for %kk = %c0 to %c4 step %c1 {
        %sa = aie.objectfifo.acquire @A1(Consume, 1) : !aie.objectfifosubview<memref<32x16xi16>>
        %a = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<32x16xi16>> -> memref<32x16xi16>
        %sb = aie.objectfifo.acquire @B1(Consume, 1) : !aie.objectfifosubview<memref<16x32xi16>>
        %b = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<16x32xi16>> -> memref<16x32xi16>
        func.call @dato_matmul_i16(%a, %b, %acc, %m, %k, %m) : (memref<32x16xi16>, memref<16x32xi16>, memref<32x32xi16>, i32, i32, i32) -> ()
        aie.objectfifo.release @A1(Consume, 1)
        aie.objectfifo.release @B1(Consume, 1)
      }
      aie.objectfifo.release @C11(Produce, 1)
      aie.end
    } {link_with = "dato_kernels.o"}
    aie.runtime_sequence @sequence(%a: memref<64x64xi16>, %b: memref<64x64xi16>, %c: memref<64x64xi16>) {
      aiex.npu.dma_memcpy_nd(%c[0, 0, 0, 0][2, 2, 32, 32][2048, 32, 64, 1]) {id = 0 : i64, issue_token = true, metadata = @C} : memref<64x64xi16>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 4, 64, 16][0, 16, 64, 1]) {id = 1 : i64, metadata = @A} : memref<64x64xi16>
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][4, 2, 16, 32][1024, 32, 64, 1]) {id = 2 : i64, metadata = @B} : memref<64x64xi16>
      aiex.npu.dma_wait {symbol = @C}
    }
  }
}
