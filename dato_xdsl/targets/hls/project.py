"""An HLS project directory, and its C simulation with the host's g++.

`HlsProject(lower(mapped), directory)`, for a virtually mapped dato module
lowered by convert-dato-to-vhls and vhls-dataflow-lint, writes

    kernel.cpp        the design (emit_cpp.py)
    dato_hls.h        its types and helpers (Vitis and csim)
    tb.cpp            a host testbench: reads data/<arg>.bin, calls the top,
                      writes data/<arg>.out
    run_hls.tcl       Vitis HLS: csim_design and csynth_design
    build_xclbin.sh   the v++ compile and link lines for an Alveo U280
    csim/include/     stand-in hls_stream.h, hls_vector.h and dato_csim.h

and `run(arrays)` compiles the C simulation once (g++ -std=c++17 -Wall
-Werror), runs it in the sequential or concurrent mode and copies every
argument back into the caller's arrays. Failures are `CsimError`s whose
message is what the simulation reported (deadlock, empty stream, time limit).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from dato_xdsl.dialects import vhls
from dato_xdsl.targets.hls.emit_cpp import c_type, emit_kernel_cpp, kernel_arguments
from dato_xdsl.targets.hls.estimate import Estimate, estimate
from dato_xdsl.transforms.dato_to_vhls import ConvertDatoToVhlsPass
from dato_xdsl.transforms.vhls_dataflow_lint import VhlsDataflowLintPass

_HEADERS = Path(__file__).parent / "include"
MODES = ("concurrent", "sequential")

PART = "xcu280-fsvh2892-2L-e"
PLATFORM = "xilinx_u280_gen3x16_xdma_1_202211_1"
CLOCK_NS = 3.33


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
        self.write()

    # ------------------------------------------------------------------ files

    def write(self) -> None:
        d = self.directory
        (d / "csim" / "include").mkdir(parents=True, exist_ok=True)
        (d / "data").mkdir(exist_ok=True)
        (d / "kernel.cpp").write_text(emit_kernel_cpp(self.module))
        shutil.copy(_HEADERS / "dato_hls.h", d / "dato_hls.h")
        for name in ("hls_stream.h", "hls_vector.h", "dato_csim.h"):
            shutil.copy(_HEADERS / name, d / "csim" / "include" / name)
        (d / "tb.cpp").write_text(self.testbench())
        (d / "run_hls.tcl").write_text(self.tcl())
        (d / "build_xclbin.sh").write_text(self.vpp())
        (d / "kernel.mlir").write_text(str(self.module) + "\n")

    def testbench(self) -> str:
        decl = ", ".join(f"{c_type(t.element_type)}* {n}" for n, t in self.args)
        lines = [
            f"// Host testbench of {self.top}: data/<arg>.bin in, data/<arg>.out back.",
            "#include <cstdio>",
            "#include <string>",
            "#include <vector>",
            "",
            '#include "dato_hls.h"',
            "",
            f'extern "C" void {self.top}({decl});',
            "",
            "template <typename T>",
            "static bool load(const std::string& path, std::vector<T>& data) {",
            '  FILE* f = std::fopen(path.c_str(), "rb");',
            "  if (f == nullptr) return false;",
            "  size_t n = std::fread(data.data(), sizeof(T), data.size(), f);",
            "  std::fclose(f);",
            "  return n == data.size();",
            "}",
            "",
            "template <typename T>",
            "static bool save(const std::string& path, const std::vector<T>& data) {",
            '  FILE* f = std::fopen(path.c_str(), "wb");',
            "  if (f == nullptr) return false;",
            "  size_t n = std::fwrite(data.data(), sizeof(T), data.size(), f);",
            "  std::fclose(f);",
            "  return n == data.size();",
            "}",
            "",
            "int main(int argc, char** argv) {",
            '  const std::string dir = argc > 1 ? argv[1] : "data";',
        ]
        for name, t in self.args:
            n = int(np.prod(t.get_shape()))
            lines.append(f"  std::vector<{c_type(t.element_type)}> {name}({n});")
            lines.append(f'  if (!load(dir + "/{name}.bin", {name})) {{')
            lines.append(
                f'    std::fprintf(stderr, "error: cannot read %s/{name}.bin\\n", dir.c_str());'
            )
            lines.append("    return 2;")
            lines.append("  }")
        call = ", ".join(f"{n}.data()" for n, _ in self.args)
        lines.append(f"  {self.top}({call});")
        for name, _ in self.args:
            lines.append(f'  if (!save(dir + "/{name}.out", {name})) return 2;')
        lines += ["  return 0;", "}", ""]
        return "\n".join(lines)

    def tcl(self) -> str:
        return "\n".join(
            [
                f"# Vitis HLS: C simulation and synthesis of {self.top}",
                "# (vitis_hls -f run_hls.tcl).",
                "# csim needs data/<arg>.bin (dato's C simulation writes them).",
                f"open_project -reset {self.top}_hls",
                f"set_top {self.top}",
                'add_files kernel.cpp -cflags "-std=c++17 -I."',
                'add_files -tb tb.cpp -cflags "-std=c++17 -I."',
                "open_solution -reset solution1 -flow_target vitis",
                f"set_part {{{PART}}}",
                f"create_clock -period {CLOCK_NS} -name default",
                f'csim_design -argv "{self.directory.resolve() / "data"}"',
                "csynth_design",
                "exit",
                "",
            ]
        )

    def vpp(self) -> str:
        return "\n".join(
            [
                "#!/bin/sh",
                f"# Alveo U280 build of {self.top} with Vitis (needs a Vitis install and the",
                "# platform); not run by dato-xdsl.",
                "set -e",
                f"v++ -c -t hw --platform {PLATFORM} -k {self.top} -I. kernel.cpp -o {self.top}.xo",
                f"v++ -l -t hw --platform {PLATFORM} {self.top}.xo -o {self.top}.xclbin",
                "",
            ]
        )

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
            "-std=c++17",
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
        done = subprocess.run(cmd, cwd=d, capture_output=True, text=True)
        seconds = time.monotonic() - start
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines()
            detail = "\n".join(lines[:30])
            raise CsimError(f"g++ could not compile the HLS project in {d}:\n{detail}")
        self.binary = out
        return seconds

    def run(
        self, arrays: list[np.ndarray], mode: str = "concurrent", timeout: float = 60.0
    ) -> CsimRun:
        if mode not in MODES:
            raise CsimError(f"unknown C simulation mode {mode!r}; use one of {', '.join(MODES)}")
        compile_seconds = self.compile()
        data = self.directory / "data"
        for (name, _), a in zip(self.args, arrays, strict=True):
            a.tofile(data / f"{name}.bin")
        env = dict(os.environ, DATO_CSIM_MODE=mode, DATO_CSIM_TIMEOUT=str(timeout))
        start = time.monotonic()
        assert self.binary is not None
        try:
            done = subprocess.run(
                [str(self.binary), str(data)],
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
            raise CsimError(f"C simulation ({mode}) of {self.top} failed:\n{message}")
        for (name, _), a in zip(self.args, arrays, strict=True):
            out = np.fromfile(data / f"{name}.out", dtype=a.dtype)
            a[...] = out.reshape(a.shape)
        self.last_run = CsimRun(compile_seconds, seconds, mode)
        return self.last_run

    def report(self) -> Estimate:
        return estimate(self.module)


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
