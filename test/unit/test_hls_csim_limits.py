"""How long the HLS C simulation may run: DATO_CSIM_TIMEOUT, else 60 s or
0.1 s per process instance, whichever is more (a concurrent run hands each
stream element from one thread to another: thousands of instances take minutes)."""

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from dato_xdsl.targets.hls.project import CsimError

S = Layout.Shard
R = Layout.Replicate


def instances(n: int):
    @dato.region()
    def top(A: int32[n, 2], B: int32[n, 2]):
        @dato.kernel(mapping=[n], args=[A, B])
        def k(a: int32[n, 2] @ [S(0), R], b: int32[n, 2] @ [S(0), R]):
            for j in range(2):
                b[0, j] = a[0, j] + 1

    return top


def test_small_design_gets_a_minute(tmp_path, monkeypatch):
    monkeypatch.delenv("DATO_CSIM_TIMEOUT", raising=False)
    mod = dato.build(instances(2), target="hls", project=tmp_path)
    assert mod.hls.run_time_limit() == 60.0


def test_many_instances_get_a_tenth_of_a_second_each(tmp_path, monkeypatch):
    monkeypatch.delenv("DATO_CSIM_TIMEOUT", raising=False)
    mod = dato.build(instances(400), target="hls", project=tmp_path)
    # 400 task instances, 400 fills of their slice of A, load_A, store_B
    assert mod.hls.run_time_limit() == pytest.approx(0.1 * (400 + 400 + 2))
    A = np.arange(800, dtype=np.int32).reshape(400, 2)
    B = np.zeros_like(A)
    mod(A, B)
    np.testing.assert_array_equal(B, A + 1)


def test_the_environment_sets_the_limit(tmp_path, monkeypatch):
    mod = dato.build(instances(2), target="hls", project=tmp_path)
    monkeypatch.setenv("DATO_CSIM_TIMEOUT", "5")
    assert mod.hls.run_time_limit() == 5.0
    monkeypatch.setenv("DATO_CSIM_TIMEOUT", "soon")
    with pytest.raises(CsimError, match="DATO_CSIM_TIMEOUT='soon' is not a number"):
        mod.hls.run_time_limit()
