"""The virtual NPU on the forms mlir-aie's own designs use (our hand-written
designs in test/unit/inputs/aie/): aie.dma BD lists with buffers and locks
declared in the DMA region, DMA padding, links between objects of different
sizes, cf.br core loops, acquires yielding memrefs, runtime parameters and
kernels named with `dato-run --kernel NAME=file.cc:flags`. Expected values are
computed with numpy from what each design says it does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dato_xdsl.targets.virtual_npu import cli, run_design
from dato_xdsl.targets.virtual_npu.cli import load_design

INPUTS = Path(__file__).parent / "inputs" / "aie"


def test_dma_lists_with_region_buffers_and_padding():
    a = np.arange(1, 13, dtype=np.int32) * 5
    b = np.full(16, -1, np.int32)
    run_design(load_design(INPUTS / "dma_lists_padding.mlir"), [a, b])
    # rows of 4 from the 12 elements, first 3 of each; one zero column before,
    # one zero row after
    expected = np.zeros((4, 4), np.int32)
    expected[:3, 1:] = a.reshape(3, 4)[:, :3]
    np.testing.assert_array_equal(b.reshape(4, 4), expected)


def test_link_between_object_sizes_and_a_cf_loop_core():
    a = np.random.default_rng(5).integers(-1000, 1000, 32).astype(np.int32)
    b = np.zeros(32, np.int32)
    stats = run_design(load_design(INPUTS / "link_sizes_cf_loop.mlir"), [a, b])
    expected = a + np.repeat(np.arange(1, 5, dtype=np.int32), 8)
    np.testing.assert_array_equal(b, expected)
    assert stats.waiting_at_end == ()  # the cf loop ran 4 times and ended


def test_rtp_and_kernel_named_on_the_command_line(tmp_path, capsys):
    a = np.arange(16, dtype=np.int32) - 8
    np.save(tmp_path / "a.npy", a)
    out = tmp_path / "out"
    source = INPUTS / "scale_add.cc"
    status = cli.run(
        [
            str(INPUTS / "rtp_kernel_flags.mlir"),
            str(tmp_path / "a.npy"),
            "-o",
            str(out),
            "--kernel",
            f"scale_add_8={source}:-DFACTOR=3",
        ]
    )
    assert status == 0
    np.testing.assert_array_equal(np.load(out / "b.npy"), a * 3 + 100)
    printed = capsys.readouterr().out
    assert f"kernel @scale_add (scale_add_8.o): built from {source} -DFACTOR=3" in printed


def test_a_kernel_without_source_names_the_option(tmp_path):
    with pytest.raises(Exception, match=r"--kernel scale_add=FILE.cc\[:FLAGS\]"):
        run_design(
            load_design(INPUTS / "rtp_kernel_flags.mlir"),
            [np.zeros(16, np.int32), np.zeros(16, np.int32)],
        )


def test_kernel_flags_change_the_build(tmp_path):
    source = INPUTS / "scale_add.cc"
    from dato_xdsl.targets.virtual_npu import VirtualNpu

    results = []
    for factor in (2, 7):
        npu = VirtualNpu(
            load_design(INPUTS / "rtp_kernel_flags.mlir"),
            kernel_sources={"scale_add": (source, [f"-DFACTOR={factor}"])},
        )
        a, b = np.arange(16, dtype=np.int32), np.zeros(16, np.int32)
        npu.run(a, b)
        results.append(b.copy())
    np.testing.assert_array_equal(results[0], np.arange(16) * 2 + 100)
    np.testing.assert_array_equal(results[1], np.arange(16) * 7 + 100)


def test_dma_tasks_on_a_compute_tile():
    a = np.arange(32, dtype=np.int32) * 3 + 1
    b = np.zeros(32, np.int32)
    run_design(load_design(INPUTS / "compute_tile_tasks.mlir"), [a, b])
    np.testing.assert_array_equal(b, np.concatenate([a[16:], a[:16]]))


def test_streams_carry_words_between_ends_of_other_element_types():
    a = np.random.default_rng(9).integers(-(2**31), 2**31 - 1, 8).astype(np.int32)
    b = np.zeros(8, np.int32)
    run_design(load_design(INPUTS / "bytes_over_words.mlir"), [a, b])
    expected = (a.view(np.int8) + np.int8(1)).view(np.int32)  # bytes wrap
    np.testing.assert_array_equal(b, expected)
