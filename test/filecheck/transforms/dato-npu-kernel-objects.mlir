// RUN: not dato-opt %s --split-input-file -p dato-npu-kernel-objects 2>&1 | filecheck %s

// Cores that link the whole library (kernels.o) get an object of exactly the
// kernels they call, shared by cores calling the same ones; a core linking an
// object of its own keeps it. Library declarations get their record (reads,
// writes, source, estimated size); every core its program estimate:
// 1024 + 16 x ops (constants are immediates: not counted) + kernels (x86-64
// -Os size x 4: add i32 24 -> 96, fill i32 15 -> 60; a kernel of an object of
// the user's with no declared size: 4096, assumed).

aie.device(npu1) {
  %t02 = aie.tile(0, 2)
  %t03 = aie.tile(0, 3)
  %t12 = aie.tile(1, 2)
  %t13 = aie.tile(1, 3)
  %a = aie.buffer(%t02) : memref<16xi32>
  %b = aie.buffer(%t03) : memref<16xi32>
  %c = aie.buffer(%t12) : memref<16xi32>
  %d = aie.buffer(%t13) : memref<16xi32>
  func.func private @dato_add_i32_16(memref<16xi32>, memref<16xi32>, memref<16xi32>)
  func.func private @dato_fill_i32_16(memref<16xi32>, i32)
  func.func private @mine(memref<16xi32>)
  %core02 = aie.core(%t02) {
    func.call @dato_add_i32_16(%a, %a, %a) : (memref<16xi32>, memref<16xi32>, memref<16xi32>) -> ()
    aie.end
  } {link_with = "kernels.o"}
  %core03 = aie.core(%t03) {
    func.call @dato_add_i32_16(%b, %b, %b) : (memref<16xi32>, memref<16xi32>, memref<16xi32>) -> ()
    aie.end
  } {link_with = "kernels.o"}
  %core12 = aie.core(%t12) {
    %zero = arith.constant 0 : i32
    func.call @dato_fill_i32_16(%c, %zero) : (memref<16xi32>, i32) -> ()
    func.call @dato_add_i32_16(%c, %c, %c) : (memref<16xi32>, memref<16xi32>, memref<16xi32>) -> ()
    aie.end
  } {link_with = "kernels.o"}
  %core13 = aie.core(%t13) {
    func.call @mine(%d) : (memref<16xi32>) -> ()
    aie.end
  } {link_with = "mine.o"}
}

// CHECK:       func.func private @dato_add_i32_16(memref<16xi32>, memref<16xi32>, memref<16xi32>) -> () attributes {
// CHECK-SAME:    dato.kernel_inputs = [0 : i64, 1 : i64], dato.kernel_outputs = [2 : i64]
// CHECK-SAME:    dato.kernel_source = "{{.*}}dato_kernels.cc", dato.kernel_reference = "{{.*}}dato_kernels.cc"
// CHECK-SAME:    dato.program_bytes = 96 : i64
// CHECK:       func.func private @dato_fill_i32_16(memref<16xi32>, i32) -> () attributes {
// CHECK-SAME:    dato.kernel_inputs = [1 : i64], dato.kernel_outputs = [0 : i64]
// CHECK-SAME:    dato.program_bytes = 60 : i64
// CHECK:       func.func private @mine(memref<16xi32>) -> (){{$}}
// CHECK:       aie.core(%{{.*}}) {
// CHECK:       } {link_with = "core_kernels_0.o", dato.program_bytes = 1152 : i64}
// CHECK:       } {link_with = "core_kernels_0.o", dato.program_bytes = 1152 : i64}
// 1024 + 16 x 3 (two calls, aie.end) + 60 + 96
// CHECK:       } {link_with = "core_kernels_1.o", dato.program_bytes = 1228 : i64}
// 1024 + 16 x 2 + 4096
// CHECK:       } {link_with = "mine.o", dato.program_bytes = 5152 : i64}

// -----

// A core whose estimate is over the 16 KiB program memory [AM020] is refused
// with the numbers: 1024 + 16 x 2 ops + 20000 declared by the kernel.

aie.device(npu1) {
  %t02 = aie.tile(0, 2)
  %a = aie.buffer(%t02) : memref<16xi32>
  func.func private @big(memref<16xi32>) attributes {dato.kernel_inputs = [], dato.kernel_outputs = [0 : i64], dato.program_bytes = 20000 : i64}
  %core02 = aie.core(%t02) {
    func.call @big(%a) : (memref<16xi32>) -> ()
    aie.end
  }
}

// CHECK: core (0, 2) needs an estimated 21056 bytes of program memory (core code 1056 B (2 ops), @big 20000 B), over the 16384-byte program memory of a compute tile [AM020]
