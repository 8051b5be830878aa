"""build.sh checks the installed aiecc.py against the options it uses, with
stand-in aiecc.py and clang++ scripts on PATH."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from dato_xdsl.targets.aie.project import build_script

# The options of the Python aiecc.py, from mlir-aie's
# python/compiler/aiecc/cl_arguments.py (a subset, written by hand).
PYTHON_AIECC = """usage: aiecc [-h] [--version] [--sysroot sysroot] [--xbridge] [--no-xbridge]
  [--xchesscc] [--no-xchesscc] [--peano PEANO_INSTALL_DIR] [--compile-host]
  [--no-compile-host] [--aie-generate-npu-insts] [--npu-insts-name INSTS_NAME]
  [--aie-generate-xclbin] [--xclbin-name XCLBIN_NAME] [file]"""
# The C++ aiecc of mlir-aie 1.4 (its documentation page): outputs are --get-*.
CPP_AIECC = """USAGE: aiecc [options] <input.mlir>
  --get-npu-insts --get-xclbin --get-full-elf --npu-insts-name=<string>
  --xclbin-name=<string> --peano=<string> --no-xchesscc --no-xbridge"""


def tools(tmp_path: Path, help_text: str | None) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    peano = tmp_path / "peano" / "bin"
    bin_dir.mkdir()
    peano.mkdir(parents=True)
    log = tmp_path / "calls.log"
    if help_text is not None:
        aiecc = bin_dir / "aiecc.py"
        aiecc.write_text(
            "#!/bin/sh\n"
            f'case "$1" in --help) cat <<"EOF"\n{help_text}\nEOF\n exit 0;;\n'
            '--version) echo "aiecc 0.0-test"; exit 0;; esac\n'
            f'echo "aiecc.py $*" >> {log}\n'
        )
        aiecc.chmod(0o755)
    clang = peano / "clang++"
    clang.write_text(f'#!/bin/sh\necho "clang++ $*" >> {log}\n')
    clang.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}:/usr/bin:/bin"
    env["PEANO_INSTALL_DIR"] = str(tmp_path / "peano")
    return env


def build(tmp_path: Path, help_text: str | None) -> subprocess.CompletedProcess[str]:
    env = tools(tmp_path, help_text)
    script = tmp_path / "build.sh"
    script.write_text(build_script("npu1"))
    return subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True)


def test_the_python_aiecc_builds_with_only_options_it_has(tmp_path):
    done = build(tmp_path, PYTHON_AIECC)
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls[0].startswith("clang++ -O2") and "--target=aie2-none-unknown-elf" in calls[0]
    (aiecc,) = [c for c in calls if c.startswith("aiecc.py")]
    used = [w.split("=")[0] for w in aiecc.split() if w.startswith("--")]
    assert used and all(opt in PYTHON_AIECC for opt in used)


def test_the_cpp_aiecc_is_refused_naming_the_missing_options(tmp_path):
    done = build(tmp_path, CPP_AIECC)
    assert done.returncode == 1
    assert "lacks --aie-generate-xclbin --aie-generate-npu-insts --no-compile-host;" in done.stderr
    assert "aiecc 0.0-test" in done.stderr and "Python aiecc.py" in done.stderr
    assert not (tmp_path / "calls.log").exists()  # nothing compiled


def test_no_aiecc_on_path_is_reported(tmp_path):
    done = build(tmp_path, None)
    assert done.returncode == 1 and "aiecc.py is not on PATH" in done.stderr


def test_an_external_kernels_object_is_compiled_with_the_aie_api(tmp_path):
    """The core object holding a user's AIE source is compiled with mlir-aie's
    include directory (aie_api) and with -ffunction-sections; a run without
    MLIR_AIE_DIR stops naming it before compiling."""
    import dato_xdsl as dato
    from test.unit.test_external_kernels import scale_add_program

    project = tmp_path / "proj"
    dato.build(scale_add_program(), target="aie", project=project)
    env = tools(tmp_path, PYTHON_AIECC)
    done = subprocess.run(
        ["sh", str(project / "build.sh")], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0 and "set MLIR_AIE_DIR" in done.stderr
    env["MLIR_AIE_DIR"] = "/opt/mlir-aie"
    done = subprocess.run(
        ["sh", str(project / "build.sh")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "calls.log").read_text().splitlines()
    (compile_,) = [c for c in calls if c.startswith("clang++")]
    assert "-I /opt/mlir-aie/include" in compile_ and "-ffunction-sections" in compile_
    assert compile_.endswith("-c core_kernels_0.cc -o core_kernels_0.o")
    assert calls[-1].startswith("aiecc.py")
