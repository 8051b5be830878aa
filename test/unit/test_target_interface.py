"""Every target's module has the same surface: called on numpy arrays it computes
numpy's answer in place, `project` is where it wrote its files, `ir` its lowest
IR, `report()`; bad arguments and options are refused the same way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl.targets import registry
from test.unit.programs import dato_programs as progs

TARGETS = ["simulator", "aie", "hls"]
LOWEST_OP = {"simulator": "dato.region", "aie": "aie.device", "hls": "vhls.kernel"}
PROJECT_FILE = {"aie": "aie.mlir", "hls": "kernel.cpp"}


def test_the_registry_lists_the_targets() -> None:
    assert registry.names() == TARGETS
    assert registry.lookup("gpu") is None
    assert [registry.lookup(name).name for name in TARGETS] == TARGETS  # type: ignore[union-attr]


@pytest.mark.parametrize("target", TARGETS)
def test_same_surface_on_every_target(target: str, tmp_path: Path) -> None:
    project = None if target == "simulator" else tmp_path / "project"
    mod = dato.build(progs.producer_consumer(dato.int32, 16), target=target, project=project)
    assert isinstance(mod, dato.DatoModule)
    # producer_consumer: the producer puts a[i] + 1, the consumer writes get() * 2
    A = np.arange(16, dtype=np.int32)
    B = np.zeros(16, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, (A + 1) * 2)
    assert LOWEST_OP[target] in str(mod.ir)
    assert "dato.region" in str(mod.module) and "dato.region" in str(mod.mapped)
    if target == "simulator":
        assert mod.project is None
        with pytest.raises(dato.DatoError, match="target 'simulator' has no report"):
            mod.report()
    else:
        assert mod.project == project
        assert (project / PROJECT_FILE[target]).is_file()  # type: ignore[operator]
        assert str(mod.report())


@pytest.mark.parametrize("target", TARGETS)
def test_bad_arguments_are_refused_alike(target: str, tmp_path: Path) -> None:
    mod = dato.build(progs.producer_consumer(dato.int32, 16), target=target, project=tmp_path)
    A = np.arange(16, dtype=np.int32)
    with pytest.raises(dato.DatoArgumentError, match=r"takes 2 array\(s\) \(A, B\), got 1"):
        mod(A)
    with pytest.raises(dato.DatoArgumentError, match="argument 'B' has dtype int64"):
        mod(A, np.zeros(16, np.int64))
    with pytest.raises(dato.DatoArgumentError, match=r"argument 'B' has shape \[8\]"):
        mod(A, np.zeros(8, np.int32))


def test_mode_is_the_targets_to_define(tmp_path: Path) -> None:
    mod = dato.build(
        progs.producer_consumer(dato.int32, 16), target="hls", project=tmp_path, mode="sequential"
    )
    assert mod.csim_mode == "sequential"
    A = np.arange(16, dtype=np.int32)
    B = np.zeros(16, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, (A + 1) * 2)
    with pytest.raises(dato.DatoError, match="target 'hls' has no mode 'fast'; its modes: "):
        dato.build(progs.producer_consumer(dato.int32, 16), target="hls", mode="fast")
    with pytest.raises(dato.DatoError, match="target 'simulator' has no mode 'x'; its modes: none"):
        dato.build(progs.producer_consumer(dato.int32, 16), mode="x")
