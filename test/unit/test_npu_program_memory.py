"""Program memory: each core links only the kernels it calls, its program size
is estimated (a documented estimate) in the resource report, and a core over
the 16 KiB program memory [AM020] is refused with the numbers."""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from dato_xdsl.transforms.kernel_library import LIBRARY_SOURCE, X86_OS_BYTES

S = Layout.Shard
HERE = Path(__file__).resolve().parent / "inputs" / "external"


@pytest.mark.parametrize(
    ("function", "key"),
    [
        ("dato_add_i32", ("add", "i32")),
        ("dato_matmul_i16", ("matmul", "i16")),
        ("dato_fill_f32", ("fill", "f32")),
        ("dato_max_bf16", ("max", "bf16")),
    ],
)
def test_size_table_is_what_g_plus_plus_os_gives(function, key, tmp_path):
    """The estimate's x86-64 sizes, re-measured here with g++ -Os (allowing 30%
    for another g++ version)."""
    assert shutil.which("g++") and shutil.which("nm")
    obj = tmp_path / "lib.o"
    subprocess.run(
        ["g++", "-Os", "-std=c++17", "-ffunction-sections", "-c", str(LIBRARY_SOURCE), "-o", obj],
        check=True,
    )
    sizes = {}
    for line in subprocess.run(
        ["nm", "-S", "-t", "d", obj], capture_output=True, text=True, check=True
    ).stdout.splitlines():
        parts = line.split()
        if len(parts) == 4:
            sizes[parts[3]] = int(parts[1])
    assert abs(sizes[function] - X86_OS_BYTES[key]) <= 0.3 * sizes[function]


def _program(k):
    @dato.region()
    def top(A: int32[128], B: int32[128], C: int32[128]):
        @dato.kernel(mapping=[2], args=[A, B, C])
        def core(a: int32[128] @ [S(0)], b: int32[128] @ [S(0)], c: int32[128] @ [S(0)]):
            k(a, b, c, 2)

    return top


def _kernel(size):
    return dato.ExternalModule(
        top="scale_add",
        impl_path=HERE / "scale_add_aie.cc",
        args=[int32[64], int32[64], int32[64], int32],
        output_idx=[2],
        reference=HERE / "scale_add_ref.cc",
        program_bytes=size,
    )


def test_report_shows_each_cores_estimate(tmp_path):
    mod = dato.build(_program(_kernel(5000)), target="aie", project=tmp_path)
    report = mod.report()
    assert "program memory per core, bytes (an ESTIMATE" in report
    lines = [line for line in report.splitlines() if "@scale_add 5000 B" in line]
    assert len(lines) == 2  # two cores, each with the declared 5000 bytes
    for line in lines:
        total, limit = map(int, re.search(r"\) (\d+)/(\d+) \(", line).groups())
        core = int(re.search(r"core code (\d+) B", line).group(1))
        assert total == core + 5000 and limit == 16 * 1024
    a = np.arange(128, dtype=np.int32)
    c = np.zeros(128, np.int32)
    mod(a, a, c)
    np.testing.assert_array_equal(c, 3 * a)


def test_core_over_program_memory_is_refused_with_the_numbers():
    with pytest.raises(dato.DatoIRError) as err:
        dato.build(_program(_kernel(20000)), target="aie")
    text = str(err.value)
    assert re.search(r"core \(0, [23]\) needs an estimated \d+ bytes of program memory", text)
    assert "@scale_add 20000 B" in text
    assert "over the 16384-byte program memory of a compute tile [AM020]" in text


def test_library_object_holds_only_the_called_kernels(tmp_path):
    """The core object compiles to exactly its entry points: no other library
    function is in it (g++ on the host, as the virtual NPU builds it)."""
    from test.unit.programs import dato_programs as progs

    dato.build(progs.mlp3(int32, 4, 8, 16, 8, 4), target="aie", project=tmp_path)
    built = list(tmp_path.glob("core_kernels_*.cc"))
    assert built
    for source in built:
        obj = tmp_path / (source.stem + ".o")
        subprocess.run(
            ["g++", "-std=c++17", "-Wall", "-Werror", "-Os", "-c", source.name, "-o", obj.name],
            cwd=tmp_path,
            check=True,
        )
        defined = {
            line.split()[-1]
            for line in subprocess.run(
                ["nm", obj], capture_output=True, text=True
            ).stdout.splitlines()
            if " T " in line or " t " in line
        }
        entries = set(re.findall(r'extern "C" void (\w+)\(', source.read_text()))
        assert defined <= entries | {f for f in defined if not f.startswith("dato_")}
        assert not any(re.fullmatch(r"dato_[a-z]+_(i8|i16|i32|i64|f32|bf16)", f) for f in defined)


def unrolled_scalar_code(n: int):
    """A meta_for whose meta_if keeps it unrolled: n copies of scalar code in one core."""

    @dato.region()
    def top(A: int32[n], B: int32[n]):
        @dato.kernel(mapping=[1], args=[A, B])
        def core(local_A: int32[n], local_B: int32[n]):
            with dato.meta_for(n) as i:
                with dato.meta_if(i % 2 == 0):
                    local_B[i] = local_A[i] + 1
                with dato.meta_else():
                    local_B[i] = local_A[i] * 2

    return top


def test_a_core_without_kernel_calls_is_estimated_too():
    # no library kernel: only the core's own code. Each copy is a load, an add or
    # a multiply and a store (3 ops at 16 B, constants being immediates), so
    # 1024 copies are at least 3 * 1024 * 16 = 49152 B, over 16 KiB.
    with pytest.raises(dato.DatoIRError) as err:
        dato.build(unrolled_scalar_code(1024), target="aie")
    text = str(err.value)
    found = re.search(r"needs an estimated (\d+) bytes of program memory \(core code", text)
    assert found and int(found.group(1)) >= 1024 + 3 * 1024 * 16
    # 16 copies fit, and run equal to numpy
    mod = dato.build(unrolled_scalar_code(16), target="aie")
    a = np.arange(16, dtype=np.int32) - 5
    b = np.zeros(16, np.int32)
    mod(a, b)
    np.testing.assert_array_equal(b, np.where(np.arange(16) % 2 == 0, a + 1, a * 2))
