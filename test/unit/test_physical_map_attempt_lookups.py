"""Physical mapping looks up, once per check of a placement (AttemptIndex),
what it used to scan the region for at every member and stream: the K-stream
family of a local matmul (k_family), stream declarations (chained_type) and
merged streams (TileMemory.in_objects). The answers must be the scans', and
the design the same: a chained K-streamed GEMM keeps its hand-computed K tile
and equals numpy."""

import re

import numpy as np
from xdsl.context import Context

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from dato_xdsl.devices import DEVICES
from dato_xdsl.dialects import dato as d
from dato_xdsl.transforms.physical_mapping import PhysicalMapPass, Placer

S, R = Layout.Shard, Layout.Replicate
RNG = np.random.default_rng(4321)


def gemm_double(M: int, N: int, K: int, P0: int, P1: int):
    """A P0 x P1 grid of int32 matmul tasks keeping their block in a local
    and writing it doubled into C (the matmul's result is no argument)."""

    @dato.region()
    def top(A: int32[M, K], B: int32[K, N], C: int32[M, N]):
        @dato.kernel(mapping=[P0, P1], args=[A, B, C])
        def mm(
            a: int32[M, K] @ [S(0), R], b: int32[K, N] @ [R, S(1)], c: int32[M, N] @ [S(0), S(1)]
        ):
            t: int32[M // P0, N // P1] = dato.matmul(a, b)
            c[:, :] = t + t

    return top


def test_chained_k_streamed_gemm_keeps_its_k_tile_and_equals_numpy(tmp_path):
    # 32 instances for 16 cores: chained in pairs, both members of a core
    # asking for the family of group mm through one check's lookups. A
    # member's whole blocks, A 32 x 256 and B 256 x 32 int32, are 32 KiB
    # each; its others: t, t + t and C's block, 4 KiB each, two of t's live
    # at once (8 KiB) + C's 4 KiB: 76 KiB whole, over the 63 KiB budget (64
    # KiB less the 1 KiB stack); 2 x (32 kt + 32 kt) x 4 + 12,288 <= 64,512
    # gives kt <= 102, the largest divisor of 256 below it is 64
    M, N, K = 128, 256, 256
    mod = dato.build(gemm_double(M, N, K, 4, 8), target="aie", project=tmp_path)
    text = (tmp_path / "aie.mlir").read_text()
    found = set(re.findall(r"aie\.objectfifo @A_in\w*\(.*memref<(\d+)x(\d+)x", text))
    assert found == {("32", "64")}
    A = RNG.integers(-(2**15), 2**15, (M, K)).astype(np.int32)
    B = RNG.integers(-(2**15), 2**15, (K, N)).astype(np.int32)
    C = np.zeros((M, N), np.int32)
    mod(A, B, C)
    want = ((A.astype(np.int64) @ B.astype(np.int64)) * 2).astype(np.uint64).astype(np.uint32)
    np.testing.assert_array_equal(C.view(np.uint32), want)

    # the lookups give what the region scans give, on the mapped region
    ir = mod.mapped.clone()
    PhysicalMapPass(device="npu1").apply(Context(), ir)
    region = next(op for op in ir.walk() if isinstance(op, d.RegionOp))
    placer = Placer(region, DEVICES["npu1"])
    lookups = placer.attempt_index()
    groups = region.groups()
    assert [g.sym_name.data for g in groups] == ["mm"]
    for group in groups:
        first = placer.k_family(group, lookups)
        assert first == placer.k_family(group) == ["mm"]
        # asked again in the same check: the remembered answer, not a new scan
        assert placer.k_family(group, lookups) is first
    names = [s.sym_name.data for s in region.streams()]
    assert sorted(lookups.decls) == sorted(names)
    for name in names:
        assert placer.chained_type(name, lookups) == placer.chained_type(name)
    assert lookups.merged == {
        n for n, s in lookups.decls.items() if "dato.merged_streams" in s.attributes
    }
