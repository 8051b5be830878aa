"""The virtual NPU on packet-switched routes and on what mlir-aie's runtime
sequences write: packet flows (fan-out by packet id, fan-in in arrival order,
headers from a BD's `packet` attribute, aie.dma_bd_packet or the memcpy's
`packet = <...>` clause), and task-completion tokens of a channel no wait
names (mlir-aie's add_one_objFifo test raises one on its input), and cascades
(a reader blocks until its neighbour writes), register-level sequences and
scf.index_switch in cores. Designs are
ours (test/unit/inputs/aie/); expected values are computed with numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dato_xdsl.targets.simulator.errors import UnsupportedOpError
from dato_xdsl.targets.virtual_npu import (
    DesignError,
    NpuDeadlockError,
    TransferError,
    run_design,
)
from dato_xdsl.targets.virtual_npu.cli import load_design

INPUTS = Path(__file__).parent / "inputs" / "aie"


def _variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (INPUTS / name).read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new))
    return path


def test_packets_fan_out_by_id_and_fan_in_in_arrival_order():
    a = np.random.default_rng(3).integers(-1000, 1000, 32).astype(np.int32)
    b = np.zeros(32, np.int32)
    run_design(load_design(INPUTS / "packet_fan.mlir"), [a, b])
    # id 3 (first half) went to the core adding 100, id 7 to the one adding 200;
    # both results share one S2MM port, so either may arrive first
    halves = {tuple(b[:16]), tuple(b[16:])}
    assert halves == {tuple(a[:16] + 100), tuple(a[16:] + 200)}


def test_a_packet_id_no_flow_routes_is_a_located_error(tmp_path):
    path = _variant(
        tmp_path, "packet_fan.mlir", "pkt_id = 7, pkt_type = 0>)", "pkt_id = 9, pkt_type = 0>)"
    )
    a, b = np.zeros(32, np.int32), np.zeros(32, np.int32)
    with pytest.raises(
        TransferError, match=r"packet id 9 .* no aie.packet_flow .* \(ids here: 3, 7\)"
    ):
        run_design(load_design(path), [a, b])


def test_a_bd_without_header_routes_by_its_first_word(tmp_path):
    # core (0, 3)'s result (all 200 here) goes out without a header: its first
    # word is read as one, id 200 & 31 = 8, which no flow from that port has
    path = _variant(tmp_path, "packet_fan.mlir", "      aie.dma_bd_packet(0, 2)\n", "")
    a, b = np.zeros(32, np.int32), np.zeros(32, np.int32)
    with pytest.raises(TransferError, match=r"packet id 8 \(read from the first word"):
        run_design(load_design(path), [a, b])


def test_headers_kept_in_the_data_route_the_next_hop():
    a = np.random.default_rng(6).integers(-1000, 1000, 32).astype(np.int32)
    b = np.zeros(32, np.int32)
    run_design(load_design(INPUTS / "packet_keep_header.mlir"), [a, b])
    halves = {tuple(b[:16]), tuple(b[16:])}
    assert halves == {tuple(a[:16] + 100), tuple(a[16:] + 200)}


def test_a_token_on_a_channel_no_wait_names_is_harmless(tmp_path):
    path = _variant(
        tmp_path,
        "passthrough_memtile.mlir",
        "{id = 1 : i64, metadata = @in}",
        "{id = 1 : i64, issue_token = true, metadata = @in}",
    )
    a = np.arange(1024, dtype=np.int32) * 7
    b = np.zeros(1024, np.int32)
    run_design(load_design(path), [a, b])
    np.testing.assert_array_equal(b, a)


def test_cascade_reader_blocks_until_its_neighbour_writes():
    a = np.random.default_rng(4).integers(-1000, 1000, 32).astype(np.int32)
    b = np.zeros(32, np.int32)
    run_design(load_design(INPUTS / "cascade_chain.mlir"), [a, b])
    np.testing.assert_array_equal(b, (a + 5) * 2)


def test_a_cascade_nobody_writes_is_a_deadlock_at_the_reader(tmp_path):
    put = "        aie.put_cascade(%word : vector<16xi32>)\n"
    path = _variant(tmp_path, "cascade_chain.mlir", put, "")
    a, b = np.zeros(32, np.int32), np.zeros(32, np.int32)
    with pytest.raises(NpuDeadlockError, match=r"get_cascade \(the neighbour has not written\)"):
        run_design(load_design(path), [a, b])


def _register_run(path: Path) -> np.ndarray:
    a = np.arange(16, dtype=np.int32) * 3 - 20
    b = np.zeros(16, np.int32)
    run_design(load_design(path), [a, b])
    return a, b


def test_a_register_level_sequence_runs_writebd_patch_queue_and_sync():
    a, b = _register_run(INPUTS / "register_sequence.mlir")
    k = np.arange(10, 170, 10, dtype=np.int32)
    k[3] = 7  # the write32 after the blockwrite
    # the output BD walks 4 x 4 words, d0 stride 4 (stored 3), d1 stride 1 (stored 0)
    np.testing.assert_array_equal(b.reshape(4, 4), (a + k).reshape(4, 4).T)


def test_a_shim_bd_without_address_patch_is_a_located_error(tmp_path):
    patch = (
        "      aiex.npu.address_patch {addr = 118788 : ui32, arg_idx = 1 : i32, "
        "arg_plus = 0 : i32}\n"
    )
    path = _variant(tmp_path, "register_sequence.mlir", patch, "")
    with pytest.raises(
        DesignError,
        match=r"register_sequence.mlir:\d+:7: error: BD 0 of shim tile \(0, 0\) has no "
        r"aiex.npu.address_patch",
    ):
        _register_run(path)


def test_a_compute_tile_writebd_is_named_as_not_modelled(tmp_path):
    old = (
        "row = 0 : i32, use_next_bd = 0 : i32, valid_bd = 1 : i32}\n"
        "      aiex.npu.address_patch {addr = 118820"
    )
    new = old.replace("row = 0", "row = 2")
    path = _variant(tmp_path, "register_sequence.mlir", old, new)
    with pytest.raises(
        DesignError, match=r"aiex.npu.writebd of a BD of compute tile \(0, 2\) is not modelled"
    ):
        _register_run(path)


def test_memtile_bds_from_writebd_with_their_locks_and_chains():
    a = np.arange(16, dtype=np.int32) * 7 - 3
    b = np.zeros(16, np.int32)
    stats = run_design(load_design(INPUTS / "register_memtile.mlir"), [a, b])
    np.testing.assert_array_equal(b.reshape(4, 4), a.reshape(4, 4).T)
    assert stats.host_transfers == 2


def test_a_memtile_bd_on_a_neighbours_lock_is_named(tmp_path):
    path = _variant(tmp_path, "register_memtile.mlir", "lock_acq_id = 64", "lock_acq_id = 3")
    with pytest.raises(DesignError, match=r"lock_acq_id 3: not a lock of memtile \(0, 1\)"):
        _register_run(path)


def test_a_write32_to_a_compute_tile_lock_register_sets_the_lock(tmp_path):
    # the S2MM BD of core (0, 2) waits on lock 0, now initially 0: only the
    # sequence's write of 1 to its value register (0x1F000) lets the input in
    text = (INPUTS / "register_sequence.mlir").read_text()
    text = text.replace(
        "%in_free = aie.lock(%t, 0) {init = 1 : i32}", "%in_free = aie.lock(%t, 0) {init = 0 : i32}"
    )
    sync = "      aiex.npu.sync {channel = 0 : i32"
    unlock = (
        "      aiex.npu.write32 {address = 126976 : ui32, column = 0 : i32, row = 2 : i32, "
        "value = 1 : ui32}\n"
    )
    locked = tmp_path / "locked.mlir"
    locked.write_text(text)
    with pytest.raises(NpuDeadlockError):
        _register_run(locked)
    unlocked = tmp_path / "unlocked.mlir"
    unlocked.write_text(text.replace(sync, unlock + sync))
    a, b = _register_run(unlocked)
    k = np.arange(10, 170, 10, dtype=np.int32)
    k[3] = 7
    np.testing.assert_array_equal(b.reshape(4, 4), (a + k).reshape(4, 4).T)


def test_scf_index_switch_in_a_core():
    a = np.arange(24, dtype=np.int32) * 2
    b = np.zeros(24, np.int32)
    run_design(load_design(INPUTS / "index_switch.mlir"), [a, b])
    np.testing.assert_array_equal(b, a + np.repeat(np.array([10, 20, 30], np.int32), 8))


def test_an_op_the_model_lacks_is_named_with_the_reason(tmp_path):
    path = tmp_path / "load_pdi.mlir"
    path.write_text(
        "aie.device(npu1_1col) {\n"
        "  %shim = aie.tile(0, 0)\n"
        "  aie.runtime_sequence(%a: memref<16xi32>) {\n"
        "    aiex.npu.load_pdi {id = 1 : i32}\n"
        "  }\n"
        "}\n"
    )
    with pytest.raises(
        UnsupportedOpError,
        match=r"load_pdi.mlir:4:5: error: 'aiex.npu.load_pdi' op is not modelled by the "
        r"virtual NPU \(reloading a device configuration",
    ):
        run_design(load_design(path), [np.zeros(16, np.int32)])


def test_affine_for_with_constant_bounds_in_a_core(tmp_path):
    # older mlir-aie tests write core loops as affine.for
    loop = "scf.for %i = %c0 to %c8 step %c1 {"
    path = _variant(tmp_path, "index_switch.mlir", loop, "affine.for %i = 0 to 8 {")
    a = np.arange(24, dtype=np.int32) * 5
    b = np.zeros(24, np.int32)
    run_design(load_design(path), [a, b])
    np.testing.assert_array_equal(b, a + np.repeat(np.array([10, 20, 30], np.int32), 8))
