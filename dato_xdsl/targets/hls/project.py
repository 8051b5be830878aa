"""An HLS project directory, and its C simulation with the host's g++.

`HlsProject(lower(mapped), directory)`, for a virtually mapped dato module
lowered by convert-dato-to-vhls and vhls-dataflow-lint, writes

    kernel.cpp        the design (emit_cpp.py)
    dato_hls.h        its types and helpers (Vitis and csim)
    tb.cpp            a self-checking testbench (scripts.py): exits non-zero when
                      an argument differs from data/<arg>.expected
    run_hls.tcl       Vitis HLS: csim, csynth, cosim steps
    build_xclbin.sh   v++ for sw_emu, hw_emu or hw on an Alveo U280
    csim/include/     stand-in hls_stream.h, hls_streamofblocks.h, hls_vector.h,
                      dato_csim.h
    data/             test data (`write_test_data`) and C simulation files

Paths inside the project are relative to it, so it can be copied to the
machine that has Vitis. Before writing, big buffers are bound to URAM when
BRAM would not fit (resources.py); a design that still does not fit the part,
or whose streams form a cycle (Vitis csim runs processes one after another),
gets an `HlsWarning` and a line in `report()`.

`run(arrays)` compiles the C simulation once (g++ -std=c++14 -Wall -Werror),
runs it in the sequential or concurrent mode and copies every argument back
into the caller's arrays. Failures are `CsimError`s whose message is what the
simulation reported (deadlock, empty stream, time limit).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from dato_xdsl import progress
from dato_xdsl.dialects import vhls
from dato_xdsl.targets.hls import scripts
from dato_xdsl.targets.hls.emit_cpp import emit_kernel_cpp, kernel_arguments
from dato_xdsl.targets.hls.estimate import Estimate, estimate, stream_cycle
from dato_xdsl.targets.hls.resources import Resources, bind_storage
from dato_xdsl.transforms.dato_to_vhls import ConvertDatoToVhlsPass
from dato_xdsl.transforms.vhls_burst_transfers import VhlsBurstTransfersPass
from dato_xdsl.transforms.vhls_dataflow_lint import VhlsDataflowLintPass

_HEADERS = Path(__file__).parent / "include"
MODES = ("concurrent", "sequential")

PART = scripts.PART
PLATFORM = scripts.PLATFORM
CLOCK_NS = scripts.CLOCK_NS
_CSIM_HEADERS = ("hls_stream.h", "hls_streamofblocks.h", "hls_vector.h", "dato_csim.h", "ap_int.h")


class HlsWarning(UserWarning):
    """A design the C simulation runs but Vitis or the part cannot (as it stands)."""


class CsimError(Exception):
    """The C simulation could not run the design, or reported a failure."""


@dataclass
class CsimRun:
    compile_seconds: float
    run_seconds: float
    mode: str


def lower(mapped: ModuleOp) -> ModuleOp:
    """The vhls module of a virtually mapped dato module (a copy)."""
    module = mapped.clone()
    ctx = Context()
    ConvertDatoToVhlsPass().apply(ctx, module)
    VhlsBurstTransfersPass().apply(ctx, module)
    VhlsDataflowLintPass().apply(ctx, module)
    return module


class HlsProject:
    def __init__(self, module: ModuleOp, directory: str | os.PathLike[str] | None = None) -> None:
        # `module` is already lowered (`lower(mapped)`, or the "hls" target's pipeline)
        self.module = module
        kernels = [op for op in self.module.walk() if isinstance(op, vhls.KernelOp)]
        self.kernel = kernels[0]
        self.top = self.kernel.sym_name.data
        self.args = kernel_arguments(self.kernel)
        self.directory = Path(directory) if directory is not None else Path(tempfile.mkdtemp())
        self.binary: Path | None = None
        self.last_run: CsimRun | None = None
        self.resources: Resources = bind_storage(self.module)
        self.cycle: list[str] | None = stream_cycle(self.module)
        self._warn()
        self.write()

    def _warn(self) -> None:
        if self.cycle:
            warnings.warn(
                f"HLS design {self.top}: its streams form a cycle ({' -> '.join(self.cycle)}); "
                "Vitis csim runs dataflow processes one after another and cannot run it, only "
                "cosim or hardware can (run_hls.tcl skips csim; dato's concurrent C simulation "
                "runs it)",
                HlsWarning,
                stacklevel=_caller_level(),
            )
        over = self.resources.over()
        if over:
            warnings.warn(
                f"HLS design {self.top} does not fit the {self.resources.part.upper()}: "
                f"{'; '.join(over)} (after binding big buffers to URAM); see report()",
                HlsWarning,
                stacklevel=_caller_level(),
            )

    # ------------------------------------------------------------------ files

    def write(self) -> None:
        d = self.directory
        (d / "csim" / "include").mkdir(parents=True, exist_ok=True)
        (d / "data").mkdir(exist_ok=True)
        (d / "kernel.cpp").write_text(emit_kernel_cpp(self.module))
        shutil.copy(_HEADERS / "dato_hls.h", d / "dato_hls.h")
        for name in _CSIM_HEADERS:
            shutil.copy(_HEADERS / name, d / "csim" / "include" / name)
        (d / "tb.cpp").write_text(scripts.testbench(self.top, self.args))
        (d / "run_hls.tcl").write_text(scripts.tcl(self.top, self.cycle))
        (d / "build_xclbin.sh").write_text(scripts.vpp(self.top))
        (d / "build_xclbin.sh").chmod(0o755)
        (d / "kernel.mlir").write_text(str(self.module) + "\n")

    def write_test_data(self, inputs: list[np.ndarray], expected: list[np.ndarray]) -> None:
        """data/<arg>.bin (the arguments before the call) and data/<arg>.expected
        (after it, from an independent reference such as numpy or the dato
        simulator), one pair per argument, for tb.cpp under Vitis csim/cosim."""
        if len(inputs) != len(self.args) or len(expected) != len(self.args):
            names = ", ".join(n for n, _ in self.args)
            raise CsimError(f"test data needs one array per argument ({names})")
        data = self.directory / "data"
        for (name, t), a, e in zip(self.args, inputs, expected, strict=True):
            shape = tuple(t.get_shape())
            for what, x in (("input", a), ("expected", e)):
                if tuple(x.shape) != shape:
                    raise CsimError(
                        f"{what} data of '{name}' has shape {list(x.shape)}, the kernel takes "
                        f"{list(shape)}"
                    )
            _write_elements(a, data / f"{name}.bin")
            _write_elements(np.asarray(e).astype(a.dtype), data / f"{name}.expected")

    # ------------------------------------------------------------------ csim

    def compile(self) -> float:
        """Build the C simulation binary (once); returns the seconds it took."""
        if self.binary is not None:
            return 0.0
        compiler = shutil.which("g++")
        if compiler is None:
            raise CsimError("the C simulation needs g++ on the PATH")
        d = self.directory
        out = d / "csim" / "csim"
        cmd = [
            compiler,
            # C++14: what UG1399 documents for Vitis HLS
            "-std=c++14",
            # -O1: -O2 takes minutes on designs with hundreds of processes, and
            # a concurrent run is bound by stream hand-offs, not by codegen
            "-O1",
            "-Wall",
            "-Werror",
            # g++ < 13 ignores `#pragma GCC diagnostic` for this preprocessor
            # warning (GCC bug 53431); dato_hls.h silences it for newer ones
            "-Wno-unknown-pragmas",
            "-pthread",
            "-DDATO_CSIM",
            "-Icsim/include",
            "-I.",
            "kernel.cpp",
            "tb.cpp",
            "-o",
            str(out.relative_to(d)),
        ]
        start = time.monotonic()
        with progress.step(f"g++: compiling the C simulation of {self.top}"):
            returncode, stderr = _run_compiler(cmd, d, COMPILE_TIMEOUT)
        seconds = time.monotonic() - start
        if returncode is None:
            raise CsimError(
                f"g++ did not finish compiling the C simulation of {self.top} in {d} within "
                f"{COMPILE_TIMEOUT:.0f} s (kernel.cpp: {_line_count(d / 'kernel.cpp'):,} lines); "
                "g++'s time grows faster than the number of process instances; "
                "DATO_CSIM_COMPILE_TIMEOUT (seconds) raises the limit"
            )
        if returncode != 0:
            lines = stderr.strip().splitlines()
            detail = "\n".join(lines[:30])
            raise CsimError(f"g++ could not compile the HLS project in {d}:\n{detail}")
        self.binary = out
        return seconds

    def run_time_limit(self) -> float:
        """Seconds the C simulation may run: DATO_CSIM_TIMEOUT, else 60 s or
        0.1 s per process instance, whichever is more (the concurrent mode runs
        a thread per instance and hands each stream element over between two of
        them: 3,078 instances took 114 s on a loaded 2-core machine)."""
        given = os.environ.get("DATO_CSIM_TIMEOUT")
        if given:
            try:
                return float(given)
            except ValueError:
                raise CsimError(f"DATO_CSIM_TIMEOUT={given!r} is not a number of seconds") from None
        flow = self.kernel.dataflow()
        calls = (
            0 if flow is None else sum(isinstance(op, vhls.CallOp) for op in flow.body.block.ops)
        )
        return max(60.0, 0.1 * calls)

    def run(
        self, arrays: list[np.ndarray], mode: str = "concurrent", timeout: float | None = None
    ) -> CsimRun:
        if mode not in MODES:
            raise CsimError(f"unknown C simulation mode {mode!r}; use one of {', '.join(MODES)}")
        if timeout is None:
            timeout = self.run_time_limit()
        compile_seconds = self.compile()
        data = self.directory / "data"
        for (name, _), a in zip(self.args, arrays, strict=True):
            _write_elements(a, data / f"{name}.bin")
        env = dict(os.environ, DATO_CSIM_MODE=mode, DATO_CSIM_TIMEOUT=str(timeout))
        start = time.monotonic()
        assert self.binary is not None
        try:
            with progress.step(f"C simulation ({mode}) of {self.top}"):
                done = subprocess.run(
                    # dato compares the arrays itself; tb.cpp's own check is for Vitis
                    [str(self.binary), str(data), "--no-check"],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=timeout + 30,
                )
        except subprocess.TimeoutExpired:
            raise CsimError(
                f"the C simulation did not finish within {timeout + 30:.0f} s"
            ) from None
        seconds = time.monotonic() - start
        if done.returncode != 0:
            message = done.stderr.strip() or _exit_status(done.returncode)
            if done.returncode == 4:  # dato_csim.h: the time limit
                message += (
                    f"\nthe time limit was {timeout:.0f} s (DATO_CSIM_TIMEOUT=<seconds> sets it; "
                    "mode='sequential' runs the processes one after another, much faster for "
                    "a design with thousands of processes whose streams form no cycle)"
                )
            raise CsimError(f"C simulation ({mode}) of {self.top} failed:\n{message}")
        for (name, _), a in zip(self.args, arrays, strict=True):
            a[...] = _read_elements(data / f"{name}.out", a).reshape(a.shape)
        self.last_run = CsimRun(compile_seconds, seconds, mode)
        return self.last_run

    def report(self) -> Estimate:
        return estimate(self.module)


COMPILE_TIMEOUT = float(os.environ.get("DATO_CSIM_COMPILE_TIMEOUT", "600"))
"""seconds g++ may take for the C simulation binary: past it the build is a CsimError
rather than an endless wait (g++ time grows faster than linearly with the number of
process instances in one dataflow region)"""


def _run_compiler(cmd: list[str], cwd: Path, timeout: float) -> tuple[int | None, str]:
    """Run g++ in its own process group; (exit status or None on timeout, stderr).
    The whole group is killed on a timeout and on any exception (an interrupt, a
    test harness's alarm): killing only the g++ driver, as subprocess.run does,
    leaves its cc1plus running for many minutes as an orphan."""
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, stderr = proc.communicate(timeout=timeout)
        return proc.returncode, stderr
    except subprocess.TimeoutExpired:
        return None, ""
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def _line_count(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


WIDE_INT_BYTES = 16
"""An ap_int wider than 64 bits (up to 128) in the C simulation's files: 16
bytes, little-endian two's complement (the layout of dato's ap_int.h)."""


def _write_elements(a: np.ndarray, path: Path) -> None:
    """An argument's elements as the C++ arrays hold them; integers wider than
    64 bits (object arrays of Python ints) as WIDE_INT_BYTES each."""
    a = np.ascontiguousarray(a)
    if a.dtype != object:
        a.tofile(path)
        return
    mask = (1 << (8 * WIDE_INT_BYTES)) - 1
    path.write_bytes(b"".join((int(v) & mask).to_bytes(WIDE_INT_BYTES, "little") for v in a.flat))


def _read_elements(path: Path, like: np.ndarray) -> np.ndarray:
    """The inverse of _write_elements; wide integers come back as the
    simulator holds them (signed Python ints)."""
    if like.dtype != object:
        return np.fromfile(path, dtype=like.dtype)
    raw = path.read_bytes()
    values = [
        int.from_bytes(raw[k : k + WIDE_INT_BYTES], "little", signed=True)
        for k in range(0, len(raw), WIDE_INT_BYTES)
    ]
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _caller_level() -> int:
    """The stack level of the first frame outside dato_xdsl (the user's
    `dato.build` line), so a warning names the user's file and line."""
    import inspect

    package = str(Path(__file__).resolve().parents[2])
    frame = inspect.currentframe()
    level = 0
    while frame is not None:
        if not str(Path(frame.f_code.co_filename).resolve()).startswith(package):
            return max(level, 1)
        frame = frame.f_back
        level += 1
    return 1


def _exit_status(code: int) -> str:
    """`killed by SIGFPE` rather than a bare negative exit status."""
    if code < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            pass
    return f"exit status {code}"


__all__ = ["CsimError", "CsimRun", "HlsProject", "MODES", "lower"]
