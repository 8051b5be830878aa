"""A bundle of chains (Allo's test_pingpong_gemm_2x2x4 form: chains named
`a-b`, then bundled as a list of tuples) is accepted when its chains run the
same bodies position by position, as Allo's bundle_multi requires (it compares
the chained nodes' op tags), and refused alike on every target otherwise: the
check is the shared dato-mapping-primitives pass. Results against numpy."""

# ruff: noqa: F821 (streams and locals are declared by annotations)

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int16

S = Layout.Shard
M, N, K = 32, 16, 64
PM, PN, PK = 2, 1, 4
MT, NT = M // PM, N // PN


def pingpong():
    la, lb, lc = [S(1), S(0)], [S(0), S(2)], [S(1), S(2)]

    @dato.region()
    def top(A: int16[M, K], B: int16[K, N], C: int16[M, N]):
        pipe: Stream[int16[MT, NT], 2][PK - 1, PM, PN]

        @dato.kernel(mapping=[PK, PM, PN], args=[A, B, C])
        def gemm(local_A: int16[M, K] @ la, local_B: int16[K, N] @ lb, local_C: int16[M, N] @ lc):
            pk, pm, pn = dato.get_pid()
            c_in: int16[MT, NT]
            with dato.meta_if(pk > 0):
                c_in[:, :] = pipe[pk - 1, pm, pn].get()
            with dato.meta_else():
                c_in[:, :] = 0
            c_out: int16[MT, NT] = dato.add(dato.matmul(local_A, local_B), c_in)
            with dato.meta_if(pk < PK - 1):
                pipe[pk, pm, pn].put(c_out)
            with dato.meta_elif(pk == PK - 1):
                local_C[:, :] = c_out

    return top


def chains_then_bundle() -> list:
    prims: list = []
    for pm in range(PM):
        prims += [
            ("chain", [f"gemm_0_{pm}_0", f"gemm_1_{pm}_0"]),
            ("chain", [f"gemm_2_{pm}_0", f"gemm_3_{pm}_0"]),
        ]
    # Allo's form: one tuple per copy; element k of every tuple shares a core
    prims.append(
        (
            "bundle",
            [(f"gemm_0_{pm}_0-gemm_1_{pm}_0", f"gemm_2_{pm}_0-gemm_3_{pm}_0") for pm in range(PM)],
        )
    )
    return prims


def inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    a = rng.integers(0, 64, (M, K)).astype(np.int16)
    b = rng.integers(0, 64, (K, N)).astype(np.int16)
    return a, b, np.zeros((M, N), np.int16)


@pytest.mark.parametrize("target", ["simulator", "hls", "aie"])
def test_bundle_of_isomorphic_chains_runs_on_every_target(target: str, tmp_path) -> None:
    mod = dato.build(
        pingpong(), target=target, project=tmp_path, mapping_primitives=chains_then_bundle()
    )
    a, b, c = inputs()
    mod(a, b, c)
    # int16 products and sums wrap: numpy's int16 matmul wraps the same way
    np.testing.assert_array_equal(c, a @ b)


@pytest.mark.parametrize("target", ["simulator", "hls", "aie"])
def test_bundle_of_chains_of_different_bodies_is_refused_alike(target: str, tmp_path) -> None:
    # gemm_0 (no input stream) - gemm_1 against gemm_1 - gemm_2 (both read and
    # write the pipe): position 0 runs different bodies
    prims = [
        ("chain", ["gemm_0_0_0", "gemm_1_0_0"]),
        ("chain", ["gemm_1_1_0", "gemm_2_1_0"]),
        ("bundle", ["gemm_0_0_0-gemm_1_0_0", "gemm_1_1_0-gemm_2_1_0"]),
    ]
    with pytest.raises(dato.DatoIRError, match="bundle of non-isomorphic instances") as err:
        dato.build(pingpong(), target=target, project=tmp_path, mapping_primitives=prims)
    assert "gemm_0_0_0-gemm_1_0_0 in @gemm_g0-@gemm_g1" in str(err.value)
