// RUN: dato-opt %s -t vhls-cpp | filecheck %s

// Int(n) / UInt(n) in the emitted HLS C++: UG1399's ap_int<n> for every width
// C++ has no integer for (signless IR values are ap_int; unsigned readings go
// through ap_uint<n>), ap_int<128> pointers for arrays wider than 64 bits,
// literals beyond 64 bits built from two halves.

builtin.module {
  vhls.process @k task literals 0 (%a: memref<4xi8>, %w: memref<2xi128>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %x8 = memref.load %a[%c0] : memref<4xi8>
    %x = arith.trunci %x8 : i8 to i4
    %three = arith.constant 3 : i4
    %p = arith.muli %x, %three : i4
    %q = arith.divui %p, %three : i4
    %s = arith.shrui %q, %three : i4
    %lt = arith.cmpi ult, %s, %x : i4
    %e = arith.extui %s : i4 to i12
    %f = arith.extsi %p : i4 to i8
    memref.store %f, %a[%c1] : memref<4xi8>
    %big = arith.constant -170141183460469231731687303715884105728 : i128
    %y = memref.load %w[%c0] : memref<2xi128>
    %z = arith.addi %y, %big : i128
    %m = arith.floordivsi %z, %y : i128
    memref.store %m, %w[%c1] : memref<2xi128>
    %u = arith.extui %lt : i1 to i12
    %v = arith.addi %e, %u : i12
    %t = arith.trunci %v : i12 to i8
    memref.store %t, %a[%c0] : memref<4xi8>
  }
  vhls.kernel @top(%A: memref<4xi8>, %W: memref<2xi128>) interfaces [#vhls.interface<m_axi bundle "gmem_A" offset slave>, #vhls.interface<m_axi bundle "gmem_W" offset slave>] {
    vhls.dataflow {
      vhls.call @k [] (%A, %W) instance "k_0" : (memref<4xi8>, memref<2xi128>)
    }
  }
}

// CHECK:      static void k(int8_t* a, ap_int<128>* w) {
// CHECK:        const ap_int<4> x = (ap_int<4>)((ap_int<4>)x8);
// CHECK-NEXT:   const ap_int<4> p = (ap_int<4>)(x * (ap_int<4>)(3LL));
// CHECK-NEXT:   const ap_int<4> q = (ap_int<4>)((dato::check_divisor((ap_int<4>)(3LL) == 0, "{{.*}}"), (ap_int<4>)(((ap_uint<4>)(p)) / ((ap_uint<4>)((ap_int<4>)(3LL))))));
// CHECK-NEXT:   const ap_int<4> s = (ap_int<4>)((((ap_uint<4>)((ap_int<4>)(3LL))) >= 4 ? (ap_int<4>)0 : (ap_int<4>)(((ap_uint<4>)(q)) >> (unsigned long long)((ap_uint<4>)((ap_int<4>)(3LL))))));
// CHECK-NEXT:   const bool lt = ((ap_uint<4>)(s)) < ((ap_uint<4>)(x));
// CHECK-NEXT:   const ap_int<12> e = (ap_int<12>)((ap_int<12>)((ap_uint<4>)(s)));
// CHECK-NEXT:   const int8_t f = (int8_t)p;
// CHECK:        const ap_int<128> y = (ap_int<128>)(w[(0)]);
// CHECK-NEXT:   const ap_int<128> z = (ap_int<128>)(y + (ap_int<128>)(((ap_int<128>)(ap_int<128>)((-9223372036854775807LL - 1)) << 64) | (ap_int<128>)(ap_uint<64>)(0ULL)));
// CHECK-NEXT:   const ap_int<128> m = (ap_int<128>)((dato::check_divisor(y == 0, "{{.*}}"), (ap_int<128>)(z / y - ((z % y != 0 && ((z < 0) != (y < 0))) ? 1 : 0))));
// CHECK:        const ap_int<12> u = (ap_int<12>)((ap_int<12>)(unsigned)lt);
// CHECK-NEXT:   const ap_int<12> v = (ap_int<12>)(e + u);
// CHECK-NEXT:   const int8_t t = (int8_t)v;
// CHECK:      extern "C" void top(int8_t* A, ap_int<128>* W) {
