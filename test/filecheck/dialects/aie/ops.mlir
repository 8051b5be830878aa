// RUN: %roundtrip | filecheck %s
// RUN: %generic-roundtrip | filecheck %s
// RUN: xdsl-opt %s --split-input-file | filecheck %s

// Tiles, buffers, locks, flows and a core, in mlir-aie's printed syntax.
aie.device(npu1) {
  %shim = aie.tile(0, 0)
  %memtile = aie.tile(0, 1)
  %ta = aie.tile(0, 2) {controller_id = #aie.packet_info<pkt_type = 0, pkt_id = 27>}
  %tb = aie.tile(1, 2)
  %buf = aie.buffer(%ta) {sym_name = "a"} : memref<2x2xi32> = dense<[[0, 1], [2, 3]]>
  %buf2 = aie.buffer(%ta) {address = 4096 : i32, sym_name = "b"} : memref<64xi32>
  %mbuf = aie.buffer(%memtile) : memref<256xi32>
  %lock0 = aie.lock(%ta, 0) {init = 1 : i32, sym_name = "l0"}
  %lock1 = aie.lock(%ta, 1)
  %lockm = aie.lock(%memtile)
  aie.flow(%shim, DMA : 0, %ta, DMA : 1)
  aie.flow(%ta, Core : 0, %tb, Core : 0)
  aie.cascade_flow(%ta, %tb)
  %core = aie.core(%ta) {
    aie.use_lock(%lock0, AcquireGreaterEqual, 1)
    aie.use_lock(%lock1, Release, 1)
    aie.use_lock(%lock1, Acquire, 1, Blocking)
    aie.end
  } {link_with = "kernel.o", stack_size = 3328 : i32}
}

// CHECK:      aie.device(npu1) {
// CHECK-NEXT:   %shim = aie.tile(0, 0)
// CHECK-NEXT:   %memtile = aie.tile(0, 1)
// CHECK-NEXT:   %ta = aie.tile(0, 2) {controller_id = #aie.packet_info<pkt_type = 0, pkt_id = 27>}
// CHECK-NEXT:   %tb = aie.tile(1, 2)
// CHECK-NEXT:   %buf = aie.buffer(%ta) {sym_name = "a"} : memref<2x2xi32> = dense<{{\[}}[0, 1], [2, 3]]>
// CHECK-NEXT:   %buf2 = aie.buffer(%ta) {address = 4096 : i32, sym_name = "b"} : memref<64xi32>
// CHECK-NEXT:   %mbuf = aie.buffer(%memtile) : memref<256xi32>
// CHECK-NEXT:   %lock0 = aie.lock(%ta, 0) {init = 1 : i32, sym_name = "l0"}
// CHECK-NEXT:   %lock1 = aie.lock(%ta, 1)
// CHECK-NEXT:   %lockm = aie.lock(%memtile)
// CHECK-NEXT:   aie.flow(%shim, DMA : 0, %ta, DMA : 1)
// CHECK-NEXT:   aie.flow(%ta, Core : 0, %tb, Core : 0)
// CHECK-NEXT:   aie.cascade_flow(%ta, %tb)
// CHECK-NEXT:   %core = aie.core(%ta) {
// CHECK-NEXT:     aie.use_lock(%lock0, AcquireGreaterEqual, 1)
// CHECK-NEXT:     aie.use_lock(%lock1, Release, 1)
// CHECK-NEXT:     aie.use_lock(%lock1, Acquire, 1, Blocking)
// CHECK-NEXT:     aie.end
// CHECK-NEXT:   } {link_with = "kernel.o", stack_size = 3328 : i32}
// CHECK-NEXT: }

// -----

// Tile and memtile DMAs: channels, BD chains, n-d access patterns and padding.
aie.device(npu2) {
  %memtile = aie.tile(3, 1)
  %ta = aie.tile(3, 2)
  %buf = aie.buffer(%ta) : memref<64xi32>
  %mbuf = aie.buffer(%memtile) : memref<256xi32>
  %prod = aie.lock(%ta, 0) {init = 1 : i32}
  %cons = aie.lock(%ta, 1) {init = 0 : i32}
  %mem = aie.mem(%ta) {
    %0 = aie.dma_start(S2MM, 0, ^bd0, ^next)
  ^bd0:
    aie.use_lock(%prod, AcquireGreaterEqual, 1)
    aie.dma_bd(%buf : memref<64xi32>, 0, 64)
    aie.use_lock(%cons, Release, 1)
    aie.next_bd ^bd0
  ^next:
    %1 = aie.dma_start(MM2S, 1, ^bd1, ^end, repeat_count = 3)
  ^bd1:
    aie.dma_bd(%buf : memref<64xi32>, 32, 32, [<size = 4, stride = 8>, <size = 8, stride = 1>]) {bd_id = 3 : i32}
    aie.next_bd ^end
  ^end:
    aie.end
  }
  %mdma = aie.memtile_dma(%memtile) {
    %0 = aie.dma_start(MM2S, 5, ^bd0, ^end)
  ^bd0:
    aie.dma_bd(%mbuf : memref<256xi32>, 0, 256, [<size = 2, stride = 128>, <size = 4, stride = 32>, <size = 4, stride = 8>, <size = 6, stride = 1>], [<const_pad_before = 0, const_pad_after = 0>, <const_pad_before = 0, const_pad_after = 0>, <const_pad_before = 0, const_pad_after = 0>, <const_pad_before = 1, const_pad_after = 1>], pad_value = 7)
    aie.next_bd ^bd0
  ^end:
    aie.end
  }
}

// CHECK:      aie.device(npu2) {
// CHECK:        %mem = aie.mem(%ta) {
// CHECK-NEXT:     %{{.*}} = aie.dma_start(S2MM, 0, ^[[BD0:.*]], ^[[NEXT:.*]])
// CHECK-NEXT:   ^[[BD0]]:
// CHECK-NEXT:     aie.use_lock(%prod, AcquireGreaterEqual, 1)
// CHECK-NEXT:     aie.dma_bd(%buf : memref<64xi32>, 0, 64)
// CHECK-NEXT:     aie.use_lock(%cons, Release, 1)
// CHECK-NEXT:     aie.next_bd ^[[BD0]]
// CHECK-NEXT:   ^[[NEXT]]:
// CHECK-NEXT:     %{{.*}} = aie.dma_start(MM2S, 1, ^[[BD1:.*]], ^[[END:.*]], repeat_count = 3)
// CHECK-NEXT:   ^[[BD1]]:
// CHECK-NEXT:     aie.dma_bd(%buf : memref<64xi32>, 32, 32, [<size = 4, stride = 8>, <size = 8, stride = 1>]) {bd_id = 3 : i32}
// CHECK-NEXT:     aie.next_bd ^[[END]]
// CHECK-NEXT:   ^[[END]]:
// CHECK-NEXT:     aie.end
// CHECK-NEXT:   }
// CHECK-NEXT:   %mdma = aie.memtile_dma(%memtile) {
// CHECK-NEXT:     %{{.*}} = aie.dma_start(MM2S, 5, ^[[MBD:.*]], ^[[MEND:.*]])
// CHECK-NEXT:   ^[[MBD]]:
// CHECK-NEXT:     aie.dma_bd(%mbuf : memref<256xi32>, 0, 256, [<size = 2, stride = 128>, <size = 4, stride = 32>, <size = 4, stride = 8>, <size = 6, stride = 1>], [<const_pad_before = 0, const_pad_after = 0>, <const_pad_before = 0, const_pad_after = 0>, <const_pad_before = 0, const_pad_after = 0>, <const_pad_before = 1, const_pad_after = 1>], pad_value = 7)
// CHECK-NEXT:     aie.next_bd ^[[MBD]]
// CHECK-NEXT:   ^[[MEND]]:
// CHECK-NEXT:     aie.end
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// Objectfifos: broadcast with per-tile depths and attributes, layout
// transformations on both ends, initial values, join and distribute links, and
// shim DMA allocations (with a column, and the newer form with a tile).
aie.device(npu1_3col) @fifos {
  %s0 = aie.tile(0, 0)
  %s1 = aie.tile(1, 0)
  %mt = aie.tile(1, 1)
  %ta = aie.tile(0, 2)
  %tb = aie.tile(1, 3)
  %tc = aie.tile(2, 4)
  aie.objectfifo @bcast(%mt dimensionsToStream [<size = 2, stride = 16>, <size = 16, stride = 1>], {%ta, %tb dimensionsFromStream [<size = 32, stride = 1>], %tc}, [2, 2, 3, 2]) {disable_synchronization = true, repeat_count = 4 : i32, via_DMA = true} : !aie.objectfifo<memref<32xbf16>>
  aie.objectfifo @seeded(%ta, {%tb}, 2 : i32) : !aie.objectfifo<memref<2x2xi32>> = [dense<[[0, 1], [2, 3]]> : memref<2x2xi32>, dense<[[4, 5], [6, 7]]> : memref<2x2xi32>]
  aie.objectfifo @big(%s0, {%mt}, 2 : i32) : !aie.objectfifo<memref<48xi32>>
  aie.objectfifo @p0(%mt, {%ta}, 2 : i32) : !aie.objectfifo<memref<4x4xi16>>
  aie.objectfifo @p1(%mt, {%tb}, 2 : i32) : !aie.objectfifo<memref<20xi16>>
  aie.objectfifo @p2(%mt, {%tc}, 2 : i32) : !aie.objectfifo<memref<12xi32>>
  aie.objectfifo.link [@big] -> [@p0, @p1, @p2]([] [0, 16, 36])
  aie.objectfifo @j0(%ta, {%mt}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @j1(%tb, {%mt}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
  aie.objectfifo @joined(%mt, {%s1}, 2 : i32) : !aie.objectfifo<memref<32xi32>>
  aie.objectfifo.link [@j0, @j1] -> [@joined]([0, 16] [])
  aie.shim_dma_allocation @host_in(MM2S, 0, 0)
  aie.shim_dma_allocation @host_out(%s1, S2MM, 1)
}

// CHECK:      aie.device(npu1_3col) @fifos {
// CHECK:        aie.objectfifo @bcast(%mt dimensionsToStream [<size = 2, stride = 16>, <size = 16, stride = 1>], {%ta, %tb dimensionsFromStream [<size = 32, stride = 1>], %tc}, [2, 2, 3, 2]) {disable_synchronization = true, repeat_count = 4 : i32, via_DMA = true} : !aie.objectfifo<memref<32xbf16>>
// CHECK-NEXT:   aie.objectfifo @seeded(%ta, {%tb}, 2 : i32) : !aie.objectfifo<memref<2x2xi32>> = [dense<{{\[}}[0, 1], [2, 3]]> : memref<2x2xi32>, dense<{{\[}}[4, 5], [6, 7]]> : memref<2x2xi32>]
// CHECK-NEXT:   aie.objectfifo @big(%s0, {%mt}, 2 : i32) : !aie.objectfifo<memref<48xi32>>
// CHECK:        aie.objectfifo.link [@big] -> [@p0, @p1, @p2]([] [0, 16, 36])
// CHECK:        aie.objectfifo.link [@j0, @j1] -> [@joined]([0, 16] [])
// CHECK-NEXT:   aie.shim_dma_allocation @host_in(MM2S, 0, 0)
// CHECK-NEXT:   aie.shim_dma_allocation @host_out(%s1, S2MM, 1)
// CHECK-NEXT: }

// -----

// Objects moved by a core: acquire (several objects), access, release.
aie.device(npu1) {
  %mt = aie.tile(2, 1)
  %ta = aie.tile(2, 2)
  aie.objectfifo @in(%mt, {%ta}, 3 : i32) : !aie.objectfifo<memref<8x8xi8>>
  aie.objectfifo @out(%ta, {%mt}, 2 : i32) : !aie.objectfifo<memref<64xi8>>
  %core = aie.core(%ta) {
    %win = aie.objectfifo.acquire @in(Consume, 2) : !aie.objectfifosubview<memref<8x8xi8>>
    %first = aie.objectfifo.subview.access %win[0] : !aie.objectfifosubview<memref<8x8xi8>> -> memref<8x8xi8>
    %second = aie.objectfifo.subview.access %win[1] : !aie.objectfifosubview<memref<8x8xi8>> -> memref<8x8xi8>
    %o = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<64xi8>>
    %obj = aie.objectfifo.subview.access %o[0] : !aie.objectfifosubview<memref<64xi8>> -> memref<64xi8>
    aie.objectfifo.release @in(Consume, 1)
    aie.objectfifo.release @out(Produce, 1)
    aie.end
  }
}

// CHECK:      %core = aie.core(%ta) {
// CHECK-NEXT:   %win = aie.objectfifo.acquire @in(Consume, 2) : !aie.objectfifosubview<memref<8x8xi8>>
// CHECK-NEXT:   %first = aie.objectfifo.subview.access %win[0] : !aie.objectfifosubview<memref<8x8xi8>> -> memref<8x8xi8>
// CHECK-NEXT:   %second = aie.objectfifo.subview.access %win[1] : !aie.objectfifosubview<memref<8x8xi8>> -> memref<8x8xi8>
// CHECK-NEXT:   %o = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<64xi8>>
// CHECK-NEXT:   %obj = aie.objectfifo.subview.access %o[0] : !aie.objectfifosubview<memref<64xi8>> -> memref<64xi8>
// CHECK-NEXT:   aie.objectfifo.release @in(Consume, 1)
// CHECK-NEXT:   aie.objectfifo.release @out(Produce, 1)
// CHECK-NEXT:   aie.end
// CHECK-NEXT: }

// -----

// Runtime sequences, named and unnamed; several devices in one module; an
// empty device; every partial-column device name.
builtin.module {
  aie.device(npu2_7col) @main {
    %s = aie.tile(6, 0)
    aie.runtime_sequence @seq(%a: memref<16xi32>, %n: index) {
    }
    aie.runtime_sequence() {
    }
  }
  aie.device(npu1_1col) {
  }
  aie.device(npu1_2col) {
  }
  aie.device(npu2_1col) {
  }
  aie.device(npu2_2col) {
  }
  aie.device(npu2_3col) {
  }
  aie.device(npu2_4col) {
  }
  aie.device(npu2_5col) {
  }
  aie.device(npu2_6col) {
  }
}

// CHECK:      aie.device(npu2_7col) @main {
// CHECK-NEXT:   %s = aie.tile(6, 0)
// CHECK-NEXT:   aie.runtime_sequence @seq(%a: memref<16xi32>, %n: index) {
// CHECK-NEXT:   }
// CHECK-NEXT:   aie.runtime_sequence() {
// CHECK-NEXT:   }
// CHECK-NEXT: }
// CHECK-NEXT: aie.device(npu1_1col) {
// CHECK-NEXT: }
// CHECK-NEXT: aie.device(npu1_2col) {
// CHECK-NEXT: }
// CHECK-NEXT: aie.device(npu2_1col) {
// CHECK-NEXT: }
// CHECK-NEXT: aie.device(npu2_2col) {
// CHECK-NEXT: }
// CHECK-NEXT: aie.device(npu2_3col) {
// CHECK-NEXT: }
// CHECK-NEXT: aie.device(npu2_4col) {
// CHECK-NEXT: }
// CHECK-NEXT: aie.device(npu2_5col) {
// CHECK-NEXT: }
// CHECK-NEXT: aie.device(npu2_6col) {
// CHECK-NEXT: }
