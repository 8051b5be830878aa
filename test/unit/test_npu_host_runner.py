"""The generated run.py against the kernel aiecc.py puts in the xclbin, with
XRT replaced by a recorder.

mlir-aie's aiecc (emit_design_kernel_json) declares the kernel MLIR_AIE with
the arguments opcode, instr, ninstr, bo0, bo1, bo2, bo3, bo4: host code binds
the instruction buffer to group_id(1) and the runtime sequence's arrays, in
order, to group_id(3..7), and calls kernel(3, instr, ninstr, bo0, ...). A
design with more arrays than five cannot be bound and must be refused.
run.py lays the arrays into the buffers (padded int8/int16 rows, packed
arrays) exactly as the virtual NPU run does: the bytes it writes are those the
virtual NPU feeds the design, checked against hand-laid padding too."""

from __future__ import annotations

import runpy
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import int8
from test.unit.programs import dato_programs as progs
from test.unit.programs.dato_programs import S, int32

# written from mlir-aie's python/compiler/aiecc/main.py, not from our code
SIGNATURE = ["opcode", "instr", "ninstr", "bo0", "bo1", "bo2", "bo3", "bo4"]
COMPLETED, ERROR = "ERT_CMD_STATE_COMPLETED", "ERT_CMD_STATE_ERROR"


class FakeXrt:
    """Records what run.py asks of pyxrt; group_id() fails past the signature
    as XRT does, and the kernel call checks each buffer's argument index."""

    def __init__(self, state: str) -> None:
        self.state = state
        self.calls: list[tuple] = []
        self.module = self._module()

    def _module(self) -> types.ModuleType:
        rec = self
        m = types.ModuleType("pyxrt")

        class Bo:
            cacheable, host_only = "cacheable", "host_only"

            def __init__(self, device, nbytes, flags, group):
                self.nbytes, self.flags, self.group, self.data = nbytes, flags, group, b""
                rec.calls.append(("bo", nbytes, flags, group))

            def write(self, data, offset):
                self.data = bytes(data)

            def read(self, nbytes, offset):
                return self.data[:nbytes]

            def sync(self, direction):
                pass

        class Kernel:
            def __init__(self, context, name):
                assert name == "MLIR_AIE"

            def group_id(self, k):
                if not 0 <= k < len(SIGNATURE):
                    raise IndexError(f"kernel MLIR_AIE has no argument {k}")
                return k

            def __call__(self, *args):
                rec.calls.append(("run", args))
                assert len(args) <= len(SIGNATURE)
                assert args[0] == 3  # opcode: run the instruction stream
                for k, arg in enumerate(args):
                    if isinstance(arg, Bo):  # a buffer at the argument index it was made for
                        assert arg.group == k, (SIGNATURE[k], arg.group)
                return types.SimpleNamespace(wait=lambda: rec.state)

        m.bo = Bo
        m.kernel = Kernel
        m.device = lambda k: types.SimpleNamespace(register_xclbin=lambda x: None)
        m.xclbin = lambda path: types.SimpleNamespace(get_uuid=lambda: "uuid")
        m.hw_context = lambda device, uuid: "context"
        m.xclBOSyncDirection = types.SimpleNamespace(
            XCL_BO_SYNC_BO_TO_DEVICE="to", XCL_BO_SYNC_BO_FROM_DEVICE="from"
        )
        m.ert_cmd_state = types.SimpleNamespace(
            ERT_CMD_STATE_COMPLETED=COMPLETED, ERT_CMD_STATE_ERROR=ERROR
        )
        return m


def run_runner(project: Path, arrays: list[np.ndarray], xrt: FakeXrt, monkeypatch) -> None:
    (project / "insts.bin").write_bytes(np.arange(8, dtype=np.uint32).tobytes())
    paths = []
    for k, a in enumerate(arrays):
        np.save(project / f"a{k}.npy", a)
        paths.append(str(project / f"a{k}.npy"))
    monkeypatch.chdir(project)
    monkeypatch.setitem(sys.modules, "pyxrt", xrt.module)
    monkeypatch.setattr(sys, "argv", ["run.py", *paths])
    runpy.run_path(str(project / "run.py"), run_name="__main__")


def mlp_project(tmp_path: Path) -> tuple[Path, list[np.ndarray]]:
    dato.build(progs.mlp3(dato.int32, 4, 8, 8, 8, 8), target="aie", project=tmp_path)
    shapes = [(4, 8), (8, 8), (8, 8), (8, 8), (4, 8)]
    return tmp_path, [np.full(s, k + 1, np.int32) for k, s in enumerate(shapes)]


def test_five_arrays_bind_to_bo0_to_bo4(tmp_path, monkeypatch):
    project, arrays = mlp_project(tmp_path)
    xrt = FakeXrt(COMPLETED)
    run_runner(project, arrays, xrt, monkeypatch)
    groups = [c[3] for c in xrt.calls if c[0] == "bo"]
    assert groups == [1, 3, 4, 5, 6, 7]  # instructions, then bo0..bo4
    (run,) = [c for c in xrt.calls if c[0] == "run"]
    assert len(run[1]) == len(SIGNATURE)
    assert run[1][2] == 8  # ninstr: the instruction words
    # outputs are read back from the (unchanged) buffers
    np.testing.assert_array_equal(np.load(project / "a4.npy"), arrays[4])


def test_a_failed_run_is_reported_and_no_output_written(tmp_path, monkeypatch, capsys):
    project, arrays = mlp_project(tmp_path)
    with pytest.raises(SystemExit, match=f"NPU run failed: .*state {ERROR}"):
        run_runner(project, arrays, FakeXrt(ERROR), monkeypatch)
    assert "NPU run:" not in capsys.readouterr().out


def six_arrays():
    @dato.region()
    def top(A: int32[16], B: int32[16], C: int32[16], D: int32[16], E: int32[16], F: int32[16]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def add(a: int32[16] @ [S(0)], b: int32[16] @ [S(0)], c: int32[16] @ [S(0)]):
            c[:] = dato.add(a, b)

        @dato.kernel(mapping=[1], args=[D, E, F])
        def sub(d: int32[16] @ [S(0)], e: int32[16] @ [S(0)], f: int32[16] @ [S(0)]):
            f[:] = dato.sub(d, e)

    return top


def test_six_arrays_are_packed_into_five_buffers(tmp_path, monkeypatch):
    """dato-npu-pack-buffers puts two int32 arrays into one buffer: run.py binds
    five buffers to bo0..bo4 and reads the outputs back out of them."""
    mod = dato.build(six_arrays(), target="aie", project=tmp_path)
    assert "host buffers: 6 arrays packed into 5" in mod.report()
    sequence = (tmp_path / "aie.mlir").read_text().split("aie.runtime_sequence")[1]
    assert sequence.count(": memref<") >= 5 and "%buf5" not in sequence
    build = subprocess.run(["sh", str(tmp_path / "build.sh")], capture_output=True, text=True)
    assert "host-buffer arguments" not in build.stderr  # fails later: no aiecc.py here
    rng = np.random.default_rng(5)
    a, b, d, e = (rng.integers(-100, 100, 16, dtype=np.int32) for _ in range(4))
    # the recorder echoes the buffers: put the expected results in the host copies
    arrays = [a, b, a + b, d, e, d - e]
    xrt = FakeXrt(COMPLETED)
    run_runner(tmp_path, arrays, xrt, monkeypatch)
    groups = [c[3] for c in xrt.calls if c[0] == "bo"]
    assert groups == [1, 3, 4, 5, 6, 7]  # instructions, then five buffers bo0..bo4
    data = [c[1] for c in xrt.calls if c[0] == "bo" and c[3] >= 3]
    assert sum(data) == 6 * 16 * 4 and max(data) == 2 * 16 * 4  # each array once; two share
    for k, want in enumerate(arrays):
        np.testing.assert_array_equal(np.load(tmp_path / f"a{k}.npy"), want)
    # the virtual NPU runs the packed design equal to numpy
    c, f = np.zeros(16, np.int32), np.zeros(16, np.int32)
    mod(a, b, c, d, e, f)
    np.testing.assert_array_equal(c, a + b)
    np.testing.assert_array_equal(f, d - e)


def test_unpacked_six_arrays_are_refused_with_the_number(tmp_path):
    """Lowered without dato-npu-pack-buffers, dato-opt -t aie-project (the
    hardware project only) refuses at compile time with the number."""
    program = tmp_path / "six.mlir"
    program.write_text(dato.build(six_arrays(), target="simulator").mlir)
    want = "takes 6 arrays, but the xclbin aiecc.py builds has 5 host-buffer arguments"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "dato_xdsl.driver",
            str(program),
            "-p",
            "dato-virtual-map,dato-physical-map,dato-lower-to-aie",
            "-t",
            'aie-project{dir="p"}',
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and want in out.stderr and "Traceback" not in out.stderr


class EchoDesign(FakeXrt):
    """The recorder, returning given bytes from each data buffer after the
    kernel call (the output buffers of a virtual NPU run of the same design)."""

    def __init__(self, outputs: list[bytes]) -> None:
        super().__init__(COMPLETED)
        self.outputs = outputs
        self.written: list[bytes] = []
        kernel, rec = self.module.kernel, self

        class Kernel(kernel):  # type: ignore[misc, valid-type]
            def __call__(self, *args):
                data = [a for a in args if isinstance(a, rec.module.bo)][1:]  # bo0.. (not instr)
                rec.written = [bo.data for bo in data]
                for bo, out in zip(data, rec.outputs, strict=True):
                    bo.data = out
                return super().__call__(*args)

        self.module.kernel = Kernel


def int8_blocks_of_3x5():
    @dato.region()
    def top(A: int8[6, 10], B: int8[6, 10]):
        @dato.kernel(mapping=[2, 2], args=[A, B])
        def t(a: int8[6, 10] @ [S(0), S(1)], b: int8[6, 10] @ [S(0), S(1)]):
            b[:, :] = a * 3 - 7

    return top


def run_both(mod, project: Path, arrays: list[np.ndarray], monkeypatch) -> tuple[list, EchoDesign]:
    """Run on the virtual NPU (recording the buffers it feeds the design and
    gets back), then run.py against a recorder returning those buffers; the
    host copies passed to run.py are the arrays as given."""
    from dato_xdsl.targets import virtual_npu

    fed: list[bytes] = []
    returned: list[bytes] = []
    run_design = virtual_npu.run_design

    def recording(ir, buffers, **kw):
        fed[:] = [np.ascontiguousarray(b).tobytes() for b in buffers]
        run_design(ir, buffers, **kw)
        returned[:] = [np.ascontiguousarray(b).tobytes() for b in buffers]

    with monkeypatch.context() as m:
        m.setattr(virtual_npu, "run_design", recording)
        outputs = [a.copy() for a in arrays]
        mod(*outputs)
    xrt = EchoDesign(returned)
    run_runner(project, arrays, xrt, monkeypatch)
    assert xrt.written == fed  # run.py writes the bytes the virtual NPU run fed the design
    return outputs, xrt


def test_run_py_lays_out_padded_int8_rows_as_the_virtual_npu(tmp_path, monkeypatch):
    """int8 blocks of 3x5: rows of 40 bits travel padded to 64 (8 int8). run.py
    writes the bytes the virtual NPU run feeds the design, and reads the 5
    elements of each row back out of the buffers the design returns."""
    mod = dato.build(int8_blocks_of_3x5(), target="aie", project=tmp_path)
    assert "dato.padded_rows" in (tmp_path / "aie.mlir").read_text()
    A = (np.arange(60).reshape(6, 10) * 29 - 800).astype(np.int8)
    B = np.full((6, 10), 55, np.int8)
    want = (A.astype(np.int64) * 3 - 7).astype(np.int8)
    outputs, xrt = run_both(mod, tmp_path, [A, B], monkeypatch)
    np.testing.assert_array_equal(outputs[1], want)  # the virtual NPU run
    # hand-laid: each row of 10 is two block rows of 5, each followed by 3 zeros
    padded = np.zeros((6, 2, 8), np.int8)
    padded[:, :, :5] = A.reshape(6, 2, 5)
    assert xrt.written[0] == padded.tobytes()
    sizes = [c[1] for c in xrt.calls if c[0] == "bo" and c[3] >= 3]
    assert sizes == [6 * 16, 6 * 16]  # padded: 96 bytes each, not 60
    np.testing.assert_array_equal(np.load(tmp_path / "a0.npy"), A)
    np.testing.assert_array_equal(np.load(tmp_path / "a1.npy"), want)


def six_int8_arrays_in_blocks_of_three():
    @dato.region()
    def top(A: int8[12], B: int8[12], C: int8[12], D: int8[12], E: int8[12], F: int8[12]):
        @dato.kernel(mapping=[4], args=[A, B, C])
        def add(a: int8[12] @ [S(0)], b: int8[12] @ [S(0)], c: int8[12] @ [S(0)]):
            c[:] = dato.add(a, b)

        @dato.kernel(mapping=[4], args=[D, E, F])
        def sub(d: int8[12] @ [S(0)], e: int8[12] @ [S(0)], f: int8[12] @ [S(0)]):
            f[:] = dato.sub(d, e)

    return top


def test_run_py_pads_then_packs_as_the_virtual_npu(tmp_path, monkeypatch):
    """Six int8 arrays in blocks of 3 (padded to 4, one word): each takes 16
    bytes, and two share the fifth buffer, after one another (32 bytes)."""
    mod = dato.build(six_int8_arrays_in_blocks_of_three(), target="aie", project=tmp_path)
    rng = np.random.default_rng(3)
    a, b, d, e = (rng.integers(-60, 60, 12).astype(np.int8) for _ in range(4))
    zero = np.zeros(12, np.int8)
    outputs, xrt = run_both(mod, tmp_path, [a, b, zero, d, e, zero], monkeypatch)
    want = [a, b, a + b, d, e, d - e]
    for k, w in enumerate(want):
        np.testing.assert_array_equal(outputs[k], w)  # the virtual NPU run
        np.testing.assert_array_equal(np.load(tmp_path / f"a{k}.npy"), w)  # run.py
    sizes = [c[1] for c in xrt.calls if c[0] == "bo" and c[3] >= 3]
    assert sorted(sizes) == [16, 16, 16, 16, 32]

    def padded(x: np.ndarray) -> bytes:
        return np.pad(x.reshape(4, 3), ((0, 0), (0, 1))).tobytes()

    # each array once, padded; the shared buffer holds two of them in turn
    shared = xrt.written[sizes.index(32)]
    assert {shared[:16], shared[16:]} <= {padded(x) for x in (a, b, d, e, zero)}
