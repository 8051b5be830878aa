// RUN: dato-opt %s | dato-opt | filecheck %s
// RUN: dato-opt %s | dato-opt --print-op-generic | filecheck %s --check-prefix=BODY

// Mixed-precision linalg.matmul, as the frontend writes it for
// `c_i32[:, :] = dato.matmul(a_i16, b_i16)` and bf16 x bf16 -> f32, survives
// print -> parse -> print: the parsed custom form gets MLIR's implicit body,
// each operand cast to the output type before the multiply (signed, or
// unsigned under {dato.cast = "unsigned"}, which the frontend sets for UInt).

func.func @i16_i32(%a: memref<2x4xi16>, %b: memref<4x2xi16>, %c: memref<2x2xi32>) {
  linalg.matmul ins(%a, %b : memref<2x4xi16>, memref<4x2xi16>) outs(%c : memref<2x2xi32>)
  func.return
}
// CHECK-LABEL: func.func @i16_i32
// CHECK-NEXT:    linalg.matmul ins(%a, %b : memref<2x4xi16>, memref<4x2xi16>) outs(%c : memref<2x2xi32>)
// BODY-LABEL:  "func.func"() <{sym_name = "i16_i32"
// BODY:        ^bb{{[0-9]+}}(%[[X:.*]]: i16, %[[Y:.*]]: i16, %[[C:.*]]: i32):
// BODY-NEXT:     %[[XW:.*]] = "arith.extsi"(%[[X]]) : (i16) -> i32
// BODY-NEXT:     %[[YW:.*]] = "arith.extsi"(%[[Y]]) : (i16) -> i32
// BODY-NEXT:     %[[P:.*]] = "arith.muli"(%[[XW]], %[[YW]]) {{.*}} : (i32, i32) -> i32
// BODY-NEXT:     %[[S:.*]] = "arith.addi"(%[[P]], %[[C]]) {{.*}} : (i32, i32) -> i32
// BODY-NEXT:     "linalg.yield"(%[[S]]) : (i32) -> ()

func.func @bf16_f32(%a: memref<2x4xbf16>, %b: memref<4x2xbf16>, %c: memref<2x2xf32>) {
  linalg.matmul ins(%a, %b : memref<2x4xbf16>, memref<4x2xbf16>) outs(%c : memref<2x2xf32>)
  func.return
}
// CHECK-LABEL: func.func @bf16_f32
// CHECK-NEXT:    linalg.matmul ins(%a, %b : memref<2x4xbf16>, memref<4x2xbf16>) outs(%c : memref<2x2xf32>)
// BODY-LABEL:  "func.func"() <{sym_name = "bf16_f32"
// BODY:          "arith.extf"(%{{.*}}) : (bf16) -> f32
// BODY-NEXT:     "arith.extf"(%{{.*}}) : (bf16) -> f32
// BODY-NEXT:     "arith.mulf"
// BODY-NEXT:     "arith.addf"

func.func @u8_i32(%a: memref<2x4xi8>, %b: memref<4x2xi8>, %c: memref<2x2xi32>) {
  linalg.matmul {dato.cast = "unsigned"} ins(%a, %b : memref<2x4xi8>, memref<4x2xi8>) outs(%c : memref<2x2xi32>)
  func.return
}
// CHECK-LABEL: func.func @u8_i32
// CHECK-NEXT:    linalg.matmul {dato.cast = "unsigned"} ins(%a, %b : memref<2x4xi8>, memref<4x2xi8>) outs(%c : memref<2x2xi32>)
// BODY-LABEL:  "func.func"() <{sym_name = "u8_i32"
// BODY:          "arith.extui"(%{{.*}}) : (i8) -> i32
// BODY-NEXT:     "arith.extui"(%{{.*}}) : (i8) -> i32

func.func @i8_f32(%a: memref<2x4xi8>, %b: memref<4x2xi8>, %c: memref<2x2xf32>) {
  linalg.matmul ins(%a, %b : memref<2x4xi8>, memref<4x2xi8>) outs(%c : memref<2x2xf32>)
  func.return
}
// BODY-LABEL:  "func.func"() <{sym_name = "i8_f32"
// BODY:          "arith.sitofp"(%{{.*}}) : (i8) -> f32
// BODY-NEXT:     "arith.sitofp"(%{{.*}}) : (i8) -> f32
