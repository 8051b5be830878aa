// RUN: dato-opt %s -p dato-virtual-map,dato-physical-map,dato-lower-to-aie,dato-npu-kernel-objects | filecheck %s

// A task calling an external kernel (dato.ExternalModule): its declaration,
// with the record, moves into the aie.device; each core calls it on its
// fifo objects and links an object of only that kernel. The output C is not
// an input of the kernel (kernel_inputs), so it is written whole: no host copy
// of C comes in (two input fifos per core, A and B).

dato.region @top(%A: memref<128xi32>, %B: memref<128xi32>, %C: memref<128xi32>) {
  func.func private @scale_add(memref<64xi32>, memref<64xi32>, memref<64xi32>, i32) -> () attributes {dato.kernel_inputs = [0 : i64, 1 : i64, 3 : i64], dato.kernel_outputs = [2 : i64], dato.kernel_source = "scale_add_aie.cc", dato.kernel_reference = "scale_add_ref.cc", dato.program_bytes = 2048 : i64}
  dato.task @core grid [2] (%A : memref<128xi32> [S0], %B : memref<128xi32> [S0], %C : memref<128xi32> [S0]) {
  ^bb0(%a: memref<64xi32>, %b: memref<64xi32>, %c: memref<64xi32>):
    %0 = arith.constant 3 : i32
    func.call @scale_add(%a, %b, %c, %0) : (memref<64xi32>, memref<64xi32>, memref<64xi32>, i32) -> ()
  }
}

// CHECK:      aie.device(npu1) {
// CHECK-NEXT:   func.func private @scale_add(memref<64xi32>, memref<64xi32>, memref<64xi32>, i32) -> () attributes {dato.kernel_inputs = [0 : i64, 1 : i64, 3 : i64], dato.kernel_outputs = [2 : i64], dato.kernel_source = "scale_add_aie.cc", dato.kernel_reference = "scale_add_ref.cc", dato.program_bytes = 2048 : i64}
// CHECK-NOT:    aie.objectfifo @C_in
// CHECK:        %[[CORE:.*]] = aie.core(%{{.*}}) {
// CHECK:          func.call @scale_add(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (memref<64xi32>, memref<64xi32>, memref<64xi32>, i32) -> ()
// CHECK:        } {link_with = "core_kernels_0.o", dato.tasks = ["core_0"], dato.program_bytes = {{[0-9]+}} : i64}
// CHECK:        aie.core(%{{.*}}) {
// CHECK:          func.call @scale_add
// CHECK:        } {link_with = "core_kernels_0.o", dato.tasks = ["core_1"], dato.program_bytes = {{[0-9]+}} : i64}
