// RUN: dato-opt %s -t vhls-cpp | filecheck %s
// RUN: dato-opt %s -t vhls-cpp | filecheck %s --check-prefix=NONE

// Integer -> float in the emitted HLS C++: every width and float type goes
// through dato::itofp (one correctly rounded step, as the simulator), never a
// cast through (float) (twice rounded to bf16 and f64) or .to_double().

// NONE-NOT: to_double
// NONE-NOT: (float)

// CHECK:      const dato::bf16 xb = dato::itofp<dato::bf16>(x);
// CHECK:      const double xd = dato::itofp<double>(x);
// CHECK:      const float yu = dato::itofp<float>(((ap_uint<100>)(y)));
// CHECK:      const float ys = dato::itofp<float>(y);
// CHECK:      const float tf = dato::itofp<float>((t ? -1 : 0));

builtin.module {
  vhls.process @k task literals 0 (%a: memref<2xi32>, %w: memref<2xi100>, %h: memref<2xbf16>, %d: memref<2xf64>, %f: memref<3xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %x = memref.load %a[%c0] : memref<2xi32>
    %xb = arith.sitofp %x : i32 to bf16
    memref.store %xb, %h[%c0] : memref<2xbf16>
    %xd = arith.sitofp %x : i32 to f64
    memref.store %xd, %d[%c0] : memref<2xf64>
    %y = memref.load %w[%c0] : memref<2xi100>
    %yu = arith.uitofp %y : i100 to f32
    memref.store %yu, %f[%c0] : memref<3xf32>
    %ys = arith.sitofp %y : i100 to f32
    memref.store %ys, %f[%c1] : memref<3xf32>
    %t = arith.cmpi slt, %x, %x : i32
    %tf = arith.sitofp %t : i1 to f32
    memref.store %tf, %f[%c2] : memref<3xf32>
  }
  vhls.kernel @top(%A: memref<2xi32>, %W: memref<2xi100>, %H: memref<2xbf16>, %D: memref<2xf64>, %F: memref<3xf32>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>, #vhls.interface<m_axi bundle "gmem_W" offset slave>, #vhls.interface<m_axi bundle "gmem_H" offset slave>, #vhls.interface<m_axi bundle "gmem_D" offset slave>, #vhls.interface<m_axi bundle "gmem_F" offset slave>] {
    vhls.dataflow {
      vhls.call @k [] (%A, %W, %H, %D, %F) instance "k_0" : (memref<2xi32>, memref<2xi100>, memref<2xbf16>, memref<2xf64>, memref<3xf32>)
    }
  }
}
