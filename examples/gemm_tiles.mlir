// A 2x2 tiled GEMM in the dato dialect: A is sharded by rows, B by columns,
// C by both; every instance multiplies its blocks into a zeroed local block
// and copies it to its block of C (C is only written, never read).
// Run: dato-opt examples/gemm_tiles.mlir -p dato-virtual-map
dato.region @gemm(%A : memref<64x64xi16>, %B : memref<64x64xi16>, %C : memref<64x64xi16>) {
  dato.task @tile grid [2, 2] (%A : memref<64x64xi16> [S0, R], %B : memref<64x64xi16> [R, S1], %C : memref<64x64xi16> [S0, S1]) {
  ^bb0(%a : memref<32x64xi16>, %b : memref<64x32xi16>, %c : memref<32x32xi16>):
    %acc = memref.alloc() : memref<32x32xi16>
    %zero = arith.constant 0 : i16
    linalg.fill ins(%zero : i16) outs(%acc : memref<32x32xi16>)
    linalg.matmul ins(%a, %b : memref<32x64xi16>, memref<64x32xi16>) outs(%acc : memref<32x32xi16>)
    "memref.copy"(%acc, %c) : (memref<32x32xi16>, memref<32x32xi16>) -> ()
  }
}
