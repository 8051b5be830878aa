"""Bad input to the kernel language gets a located error naming what is wrong
(issue 13's list, beyond test_kernel_language_paper.py's cases): keywords of
every kind of builtin, broadcasting, constants of odd and wide widths, reduction
axes, bit-slice bounds."""

import math
import textwrap

import pytest

import dato_xdsl as dato
from dato_xdsl import Int, UInt, float32, int4, int16

CASES = [
    (
        "b[:] = dato.maximum(a, a, where=1)",
        "dato.maximum() got an unexpected keyword argument 'where'",
    ),
    (
        "t: float32[4, 4] = dato.transpose(m, perm=(1, 0))",
        "dato.transpose() got an unexpected keyword argument 'perm'",
    ),
    ("b[0] = math.exp(a[0], x=2)", "math.exp() got an unexpected keyword argument 'x'"),
    (
        "b[:] = dato.matmul(m, m, foo=1)[0, :]",
        "dato.matmul() got an unexpected keyword argument 'foo'",
    ),
    ("b[:] = dato.add(a, m[:, 0:3])", "'+': shapes [4] and [4, 3] do not broadcast together"),
    ("b[:] = dato.max(m, axis=-3)", "dato.max: axis -3 is out of range for an array of rank 2"),
    ("x: int4 = 100", "constant 100 does not fit int4 (range -8 to 7)"),
    ("u: UInt(12) = -1", "constant -1 does not fit uint12 (range 0 to 4095)"),
    ("w: Int(128) = 2**200", f"constant {2**200} does not fit int128"),
    (
        "x: int16 = c[0]\nx[10:20] = 1",
        "a bit slice of a int16 takes bounds 0 <= lo < hi <= 16, got 10:20",
    ),
]


@pytest.mark.parametrize(("statement", "expected"), CASES)
def test_bad_input_is_located(statement, expected, tmp_path):
    body = textwrap.indent(statement, " " * 8)
    source = (
        "@dato.region()\n"
        "def top(A: float32[4], B: float32[4], M: float32[4, 4], C: int16[4]):\n"
        "    @dato.kernel(mapping=[1], args=[A, B, M, C])\n"
        "    def k(a: float32[4], b: float32[4], m: float32[4, 4], c: int16[4]):\n"
        f"{body}\n"
    )
    path = tmp_path / "program.py"
    path.write_text(source)
    namespace = dict(
        dato=dato, math=math, float32=float32, int16=int16, int4=int4, Int=Int, UInt=UInt
    )
    exec(compile(source, str(path), "exec"), namespace)
    with pytest.raises(dato.DatoError) as info:
        dato.build(namespace["top"])
    line = 5 + statement.count("\n")
    assert str(info.value).startswith(f"{path}:{line}: error: {expected}")
