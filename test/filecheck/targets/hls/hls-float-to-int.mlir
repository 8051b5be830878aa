// RUN: dato-opt %s -t vhls-cpp | filecheck %s

// Float -> integer in the emitted HLS C++: every width up to 128 bits goes
// through dato::fptosi / fptoui (built from the float's fields: truncated,
// saturated, NaN to 0, as the simulator), bf16 through its exact float, f64
// as a double; the widths above 64 bits were refused.

// CHECK:      const ap_int<100> s = (ap_int<100>)(dato::fptosi<ap_int<100>, 100>(x));
// CHECK:      const ap_int<128> u = (ap_int<128>)(dato::fptoui<ap_int<128>, 128>(dato::to_float(y)));
// CHECK:      const int64_t l = dato::fptosi<int64_t, 64>(z);
// CHECK:      const ap_int<65> m = (ap_int<65>)(dato::fptoui<ap_int<65>, 65>(z));

// A float input of an integer elementwise op converts the same way (the
// simulator's semantics.convert_array), not by a C cast (undefined out of range).
// CHECK:      o[(e0)] = (int32_t)((uint32_t)dato::fptosi<int32_t, 32>(f[(e0)]) + (uint32_t)i[(e0)]);
// CHECK:      w[(e0_1)] = (ap_int<100>)(dato::fptosi<ap_int<100>, 100>(dato::to_float(h[(e0_1)])) + w[(e0_1)]);

builtin.module {
  vhls.process @k task literals 0 (%f: memref<2xf32>, %h: memref<2xbf16>, %d: memref<2xf64>, %w: memref<2xi100>, %v: memref<2xi128>, %q: memref<2xi64>, %p: memref<2xi65>, %i: memref<2xi32>, %o: memref<2xi32>) {
    %c0 = arith.constant 0 : index
    %x = memref.load %f[%c0] : memref<2xf32>
    %s = arith.fptosi %x : f32 to i100
    memref.store %s, %w[%c0] : memref<2xi100>
    %y = memref.load %h[%c0] : memref<2xbf16>
    %u = arith.fptoui %y : bf16 to i128
    memref.store %u, %v[%c0] : memref<2xi128>
    %z = memref.load %d[%c0] : memref<2xf64>
    %l = arith.fptosi %z : f64 to i64
    memref.store %l, %q[%c0] : memref<2xi64>
    %m = arith.fptoui %z : f64 to i65
    memref.store %m, %p[%c0] : memref<2xi65>
    "linalg.add"(%f, %i, %o) <{operandSegmentSizes = array<i32: 2, 1>}> ({
    ^bb0(%fx: f32, %iy: i32, %oz: i32):
      %fi = arith.fptosi %fx : f32 to i32
      %fs = arith.addi %fi, %iy : i32
      linalg.yield %fs : i32
    }) : (memref<2xf32>, memref<2xi32>, memref<2xi32>) -> ()
    "linalg.add"(%h, %w, %w) <{operandSegmentSizes = array<i32: 2, 1>}> ({
    ^bb0(%hx: bf16, %wy: i100, %wz: i100):
      %hi = arith.fptosi %hx : bf16 to i100
      %hs = arith.addi %hi, %wy : i100
      linalg.yield %hs : i100
    }) : (memref<2xbf16>, memref<2xi100>, memref<2xi100>) -> ()
  }
  vhls.kernel @top(%F: memref<2xf32>, %H: memref<2xbf16>, %D: memref<2xf64>, %W: memref<2xi100>, %V: memref<2xi128>, %Q: memref<2xi64>, %P: memref<2xi65>, %I: memref<2xi32>, %O: memref<2xi32>) interfaces [#vhls.interface<m_axi bundle "gmem_F" offset slave>, #vhls.interface<m_axi bundle "gmem_H" offset slave>, #vhls.interface<m_axi bundle "gmem_D" offset slave>, #vhls.interface<m_axi bundle "gmem_W" offset slave>, #vhls.interface<m_axi bundle "gmem_V" offset slave>, #vhls.interface<m_axi bundle "gmem_Q" offset slave>, #vhls.interface<m_axi bundle "gmem_P" offset slave>, #vhls.interface<m_axi bundle "gmem_I" offset slave>, #vhls.interface<m_axi bundle "gmem_O" offset slave>] {
    vhls.dataflow {
      vhls.call @k [] (%F, %H, %D, %W, %V, %Q, %P, %I, %O) instance "k_0" : (memref<2xf32>, memref<2xbf16>, memref<2xf64>, memref<2xi100>, memref<2xi128>, memref<2xi64>, memref<2xi65>, memref<2xi32>, memref<2xi32>)
    }
  }
}
