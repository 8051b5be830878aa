// RUN: dato-opt %s -t vhls-cpp | filecheck %s

// A pipo is a plain array of the top passed to its writer and its reader;
// the csim handshake lives in the DATO_PIPO* macros (dato_hls.h).

vhls.process @fill fill literals 0 (%in: !vhls.stream<i16, 2>, %buf: memref<4xi16>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  vhls.for "r" %i = %c0 to %c4 step %c1 pipeline 1 {
    %v = vhls.read %in : !vhls.stream<i16, 2> -> i16
    memref.store %v, %buf[%i] : memref<4xi16>
  }
}
vhls.process @use task literals 0 (%buf: memref<4xi16>, %out: !vhls.stream<i16, 2>) {
  %c0 = arith.constant 0 : index
  %v = memref.load %buf[%c0] : memref<4xi16>
  vhls.write %out, %v : !vhls.stream<i16, 2>
}
vhls.process @sink task literals 0 (%in: !vhls.stream<i16, 2>) {
  %v = vhls.read %in : !vhls.stream<i16, 2> -> i16
}
vhls.process @src task literals 0 (%out: !vhls.stream<i16, 2>) {
  %c0 = arith.constant 0 : i16
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %z = arith.constant 0 : index
  vhls.for "w" %i = %z to %c4 step %c1 pipeline 1 {
    vhls.write %out, %c0 : !vhls.stream<i16, 2>
  }
}
vhls.kernel @top() interfaces [] {
  vhls.dataflow {
    %s = vhls.stream "s" : !vhls.stream<i16, 2>
    %o = vhls.stream "o" : !vhls.stream<i16, 2>
    %b = vhls.pipo "use_0_buf" : memref<4xi16>
    vhls.call @src [] (%s) instance "src_0" : (!vhls.stream<i16, 2>)
    vhls.call @fill [] (%s, %b) instance "use_0_fill" : (!vhls.stream<i16, 2>, memref<4xi16>)
    vhls.call @use [] (%b, %o) instance "use_0" : (memref<4xi16>, !vhls.stream<i16, 2>)
    vhls.call @sink [] (%o) instance "sink_0" : (!vhls.stream<i16, 2>)
  }
}

// CHECK:      static void fill(hls::stream<int16_t>& in, int16_t buf[4]) {
// CHECK:          buf[DATO_IDX(i, 4, "{{.*}}")] = [[V:[0-9a-z_]+]];
// CHECK:      static void use(int16_t buf[4], hls::stream<int16_t>& out) {
// CHECK:      extern "C" void top() {
// CHECK:        int16_t use_0_buf[4];
// CHECK-NEXT:   DATO_PIPO(use_0_buf)
// CHECK:        DATO_PROCESS_PIPO("use_0_fill", (), (use_0_buf_sync), fill, s, use_0_buf);
// CHECK-NEXT:   DATO_PROCESS_PIPO("use_0", (use_0_buf_sync), (), use, use_0_buf, o);
