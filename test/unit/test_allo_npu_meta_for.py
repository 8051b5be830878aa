"""A meta_for whose variable only indexes loads and stores stays a loop (as
Allo's AIE backend keeps it, to save code size): Allo's
test_meta_for.py::test_vector_scalar_add unrolled 1024 iterations into one
core, far over a core's 16 KiB program memory. Every target runs it equal to
numpy; a meta_for that picks streams or meta_if branches is still unrolled."""

# ruff: noqa: F821 (streams are declared by annotations)

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int32

S, R = Layout.Shard, Layout.Replicate

M = 1024


def vector_scalar_add():
    @dato.region()
    def top(A: int32[M], B: int32[M]):
        @dato.kernel(mapping=[1], args=[A, B])
        def core(local_A: int32[M], local_B: int32[M]):
            with dato.meta_for(M) as i:
                local_B[i] = local_A[i] + 1

    return top


@pytest.mark.parametrize("target", ["simulator", "hls", "aie"])
def test_vector_scalar_add_runs_everywhere(target: str, tmp_path) -> None:
    mod = dato.build(vector_scalar_add(), target=target, project=tmp_path)
    a = np.random.default_rng(3).integers(-1000, 1000, M).astype(np.int32)
    b = np.zeros(M, np.int32)
    mod(a, b)
    np.testing.assert_array_equal(b, a + 1)


def test_the_core_holds_one_loop_not_1024_copies(tmp_path) -> None:
    dato.build(vector_scalar_add(), target="aie", project=tmp_path)
    core = (tmp_path / "aie.mlir").read_text().split("aie.core(")[1].split("aie.end")[0]
    assert core.count("memref.load") == 1 and core.count("memref.store") == 1
    assert "scf.for" in core and "dato.unroll = 0" in core


def test_hls_unrolls_the_kept_loop(tmp_path) -> None:
    # HLS builds the hardware the program describes: one adder per iteration
    dato.build(vector_scalar_add(), target="hls", project=tmp_path)
    text = (tmp_path / "kernel.cpp").read_text()
    loop = text[text.index("for (int i = 0; i < 1024; i++)") :]
    assert loop.splitlines()[1].strip() == "#pragma HLS unroll"


N, P = 8, 4


def dealer():
    """The meta_for variable picks a stream and a meta_if branch: unrolled."""

    @dato.region()
    def top(A: int32[P, N], B: int32[P, N]):
        lane: Stream[int32[N], 2][P]

        @dato.kernel(mapping=[1], args=[A])
        def deal(a: int32[P, N]):
            with dato.meta_for(P) as p:
                with dato.meta_if(p % 2 == 0):
                    lane[p].put(a[p, :] * 2)
                with dato.meta_else():
                    lane[p].put(a[p, :] + 7)

        @dato.kernel(mapping=[P], args=[B])
        def take(b: int32[P, N] @ [S(0), R]):
            p = dato.get_pid()
            b[0, :] = lane[p].get()

    return top


@pytest.mark.parametrize("target", ["simulator", "aie"])
def test_meta_for_choosing_streams_and_branches_is_unrolled(target: str, tmp_path) -> None:
    mod = dato.build(dealer(), target=target, project=tmp_path)
    a = np.arange(P * N, dtype=np.int32).reshape(P, N) - 9
    b = np.zeros((P, N), np.int32)
    mod(a, b)
    want = np.where((np.arange(P) % 2 == 0)[:, None], a * 2, a + 7)
    np.testing.assert_array_equal(b, want)
    if target == "aie":
        # no meta_for kept as a loop (those carry the unroll request)
        assert "dato.unroll" not in (tmp_path / "aie.mlir").read_text()
