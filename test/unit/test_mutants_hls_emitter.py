"""The HLS C++ emitter's index arithmetic and constants, checked by value: a
view's element expression is evaluated (it is C++ that is also Python:
`+`, `*`, `[...]`) and compared with numpy's own slicing of the same array;
integer literals are read back and compared with the attribute's value
wrapped to the type's width. The C simulation tests compile whole designs;
these reach the emitter's helpers with strides, offsets and rank-reducing
subviews those designs do not combine (tools/mutation-test hls-emitter)."""

import re
import shutil
import subprocess
from itertools import product
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float32Type,
    Float64Type,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    i32,
)

from dato_xdsl.dialects import vhls
from dato_xdsl.targets.hls import emit_cpp
from dato_xdsl.targets.hls.emit_cpp import (
    View,
    _dropped,
    _flat,
    _from_float,
    _literal,
    _to_float,
    c_type,
    is_block_stream,
    stream_c_type,
)


def element(view: View, base: np.ndarray, index: tuple[int, ...]) -> int:
    """The element a view's C++ expression names, evaluated in Python."""
    names = [f"i{k}" for k in range(len(index))]
    text = view.at(names)
    env = {view.base: base.reshape(-1) if view.flat else base}
    env.update(dict(zip(names, index, strict=True)))
    # C++ `a[i][j]` is numpy's a[i][j]; the flat form is one index
    return int(eval(text, {"__builtins__": {}}, env))


def check_view(view: View, base: np.ndarray, want: np.ndarray) -> None:
    for index in product(*(range(n) for n in want.shape)):
        assert element(view, base, index) == want[index], (view.at(["i", "j", "k"]), index)


SHAPE = (4, 6, 5)
BASE = np.arange(np.prod(SHAPE)).reshape(SHAPE)


@pytest.mark.parametrize("flat", [False, True])
def test_a_whole_view_is_the_array(flat):
    check_view(View.of("A", SHAPE, flat), BASE, BASE)


@pytest.mark.parametrize("flat", [False, True])
def test_a_strided_offset_subview(flat):
    v = View.of("A", SHAPE, flat).sub(["1", "2", "0"], [2, 1, 3], [True, True, True])
    check_view(v, BASE, BASE[1::2, 2:6, 0::3])


@pytest.mark.parametrize("flat", [False, True])
def test_a_subview_of_a_subview_composes_offsets_and_strides(flat):
    outer = View.of("A", SHAPE, flat).sub(["1", "1", "1"], [1, 2, 1], [True, True, True])
    inner = outer.sub(["1", "0", "2"], [2, 1, 1], [True, True, True])
    check_view(inner, BASE, BASE[1:, 1::2, 1:][1::2, 0:, 2:])


@pytest.mark.parametrize("flat", [False, True])
def test_a_rank_reducing_subview_fixes_the_dropped_index(flat):
    # A[2, 1:, 3] as a 1-D view of 5 elements, then every other one from 1
    row = View.of("A", SHAPE, flat).sub(["2", "1", "3"], [1, 1, 1], [False, True, False])
    check_view(row, BASE, BASE[2, 1:, 3])
    check_view(row.sub(["1"], [2], [True]), BASE, BASE[2, 1:, 3][1::2])


@pytest.mark.parametrize("flat", [False, True])
def test_runtime_offsets_are_kept_as_expressions(flat):
    v = View.of("A", SHAPE, flat).sub(["p", "0", "q"], [1, 1, 1], [True, True, True])
    names = ["i0", "i1", "i2"]
    text = v.at(names)
    for p, q in ((1, 2), (2, 0)):
        env = {"A": BASE.reshape(-1) if flat else BASE, "p": p, "q": q}
        for index in product(range(2), range(6), range(3)):
            env.update(dict(zip(names, index, strict=True)))
            assert eval(text, {"__builtins__": {}}, env) == BASE[p:, :, q:][index]
    scaled = View.of("A", SHAPE, flat).sub(["0", "0", "0"], [1, 1, 2], [True, True, True])
    inner = scaled.sub(["0", "0", "q"], [1, 1, 1], [True, True, True])
    env = {"A": BASE.reshape(-1) if flat else BASE, "q": 1, "i0": 3, "i1": 4, "i2": 1}
    # element 1 of A[..., ::2][..., 1:] is A[3, 4, 2 * (1 + 1)]
    assert eval(inner.at(names), {"__builtins__": {}}, env) == BASE[3, 4, 4]


def test_a_zero_dimensional_view_is_its_base():
    assert View.of("x", ()).at([]) == "x"


@pytest.mark.parametrize(
    "sizes, result, keep",
    [
        ([4, 6, 5], [4, 6, 5], [True, True, True]),
        ([1, 6, 1], [6], [False, True, False]),
        ([1, 1, 5], [1, 5], [False, True, True]),
        ([4, 1, 1], [4, 1], [True, False, True]),
        ([1, 1], [1], [False, True]),
        ([2, 3, 1, 1], [2, 3, 1], [True, True, False, True]),
    ],
)
def test_rank_reduction_drops_unit_dims_greedily(sizes, result, keep):
    assert _dropped(sizes, result) == keep


# ---------------------------------------------------------------- literals

C_INT = re.compile(r"^\((u?int(\d+)_t)\)\(?(-?\d+)(LL)?\)?$")


def literal_value(text: str, width: int) -> int:
    m = C_INT.match(text)
    assert m is not None, text
    assert int(m.group(2)) == width
    return int(m.group(3))


def wrap(v: int, width: int) -> int:
    v &= (1 << width) - 1
    return v - (1 << width) if v >= 1 << (width - 1) else v


VALUES = [0, 1, -1, 127, -128, 128, 255, 32767, -32768, 2**31 - 1, -(2**31)]
LITERALS = [(w, v) for w in (8, 16, 32, 64) for v in VALUES if v < (1 << w)]


@pytest.mark.parametrize("width, v", LITERALS, ids=str)
def test_integer_literals_read_back_wrapped(width, v):
    t = IntegerType(width)
    text = _literal(IntegerAttr(wrap(v, width), t), t)
    assert literal_value(text, width) == wrap(v, width)
    if wrap(v, width) < 0:
        assert text.endswith(")") and "(-" in text  # a negative literal is parenthesised


def test_i1_literals_are_bools():
    i1 = IntegerType(1)
    assert _literal(IntegerAttr(1, i1), i1) == "true"
    assert _literal(IntegerAttr(0, i1), i1) == "false"
    assert _literal(IntegerAttr(-1, i1), i1) == "true"


def test_int64_literals_are_long_long():
    t = IntegerType(64)
    # -9223372036854775808LL is the negation of a literal no long long holds
    # (g++ warns, -Werror fails): the most negative value is written as a sum
    assert _literal(IntegerAttr(-(2**63), t), t) == f"(int64_t)({-(2**63) + 1}LL - 1)"
    assert _literal(IntegerAttr(-(2**63) + 1, t), t) == f"(int64_t)({-(2**63) + 1}LL)"
    assert _literal(IntegerAttr(2**63 - 1, t), t) == f"(int64_t){2**63 - 1}LL"


def test_float_literals():
    f32 = Float32Type()
    assert _literal(FloatAttr(2.0, f32), f32) == "2.0f"
    assert _literal(FloatAttr(-0.5, f32), f32) == "-0.5f"
    assert _literal(FloatAttr(1e30, f32), f32) == "1.0000000150474662e+30f"
    assert _literal(FloatAttr(float("inf"), f32), f32) == "INFINITY"
    assert _literal(FloatAttr(float("-inf"), f32), f32) == "-INFINITY"
    assert _literal(FloatAttr(float("nan"), f32), f32) == "NAN"
    bf = BFloat16Type()
    assert _literal(FloatAttr(1.5, bf), bf) == "dato::to_bf16(1.5f)"
    assert _literal(FloatAttr(float("inf"), bf), bf) == "dato::to_bf16(INFINITY)"


def test_c_types():
    assert c_type(IntegerType(1)) == "bool"
    assert [c_type(IntegerType(w)) for w in (8, 16, 32, 64)] == [
        "int8_t",
        "int16_t",
        "int32_t",
        "int64_t",
    ]
    assert c_type(IntegerType(12)) == "ap_int<12>"
    assert c_type(IndexType()) == "int"
    assert c_type(MemRefType(i32, [3, 4])) == "hls::vector<int32_t, 12>"


def test_blocks_above_1024_bits_travel_as_streams_of_blocks():
    at_limit = vhls.StreamType(MemRefType(i32, [4, 8]), 2)  # 32 x 32 bits = 1024
    past = vhls.StreamType(MemRefType(i32, [3, 11]), 2)  # 33 x 32 bits
    assert not is_block_stream(at_limit)
    assert is_block_stream(past)
    assert stream_c_type(at_limit, True) == "hls::stream<hls::vector<int32_t, 32>, 2>"
    assert stream_c_type(at_limit, False) == "hls::stream<hls::vector<int32_t, 32>>"
    assert stream_c_type(past, False) == "hls::stream_of_blocks<int32_t[3][11], 2>"
    narrow = vhls.StreamType(MemRefType(IntegerType(8), [8, 16]), 4)  # 1024 bits of int8
    assert not is_block_stream(narrow)
    assert is_block_stream(vhls.StreamType(MemRefType(IntegerType(8), [129]), 4))


@pytest.mark.parametrize("flat", [False, True])
def test_a_view_whose_inner_dimension_has_two_elements(flat):
    base = np.arange(3 * 2).reshape(3, 2)
    check_view(View.of("A", (3, 2), flat), base, base)
    check_view(View.of("A", (3, 2), flat).sub(["1", "0"], [1, 1], [True, True]), base, base[1:])


def test_double_literals_keep_their_exponent():
    f64 = Float64Type()
    assert _literal(FloatAttr(1e22, f64), f64) == "1e+22"
    assert _literal(FloatAttr(0.5, f64), f64) == "0.5"


def test_blocks_of_floats_count_their_bits():
    f32, bf = Float32Type(), BFloat16Type()
    assert not is_block_stream(vhls.StreamType(MemRefType(f32, [32]), 2))  # 1024 bits
    assert is_block_stream(vhls.StreamType(MemRefType(f32, [33]), 2))
    assert not is_block_stream(vhls.StreamType(MemRefType(bf, [64]), 2))  # 1024 bits
    assert is_block_stream(vhls.StreamType(MemRefType(bf, [65]), 2))
    assert not is_block_stream(vhls.StreamType(MemRefType(Float64Type(), [16]), 2))
    assert is_block_stream(vhls.StreamType(MemRefType(Float64Type(), [17]), 2))


def test_only_streams_of_blocks_are_block_streams():
    assert not is_block_stream(i32)
    assert not is_block_stream(MemRefType(i32, [64]))
    assert not is_block_stream(vhls.StreamType(i32, 2))
    assert c_type(Float32Type()) == "float"
    assert c_type(Float64Type()) == "double"
    assert c_type(BFloat16Type()) == "dato::bf16"


def test_index_literals_are_plain_integers():
    assert _literal(IntegerAttr(5, IndexType()), IndexType()) == "5"
    assert _literal(IntegerAttr(-3, IndexType()), IndexType()) == "-3"


# ------------------------------------------- odd widths and bf16, compiled

INCLUDE = Path(emit_cpp.__file__).parent / "include"
CSIM_FLAGS = ["-std=c++14", "-Wall", "-Werror", "-O0"]  # as the C simulation (project.py)

# ap_int<n> literals: C++ has none wider than 64 bits, and the most negative
# 64-bit value has no literal either; each is compiled and printed back
ODD = [
    (w, v)
    for w in (4, 12, 40, 63, 65, 100, 128)
    for v in (
        0,
        1,
        -1,
        (1 << (w - 1)) - 1,
        -(1 << (w - 1)),
        (1 << (w - 1)) - 12345 if w > 16 else 3,
        -(1 << (w - 2)) - 7 if w > 4 else -5,
        (1 << 64) + 3,  # wraps for w < 66
        -(1 << 63),
        (1 << 63) - 1,
        (1 << 64) - 1,
    )
]


UNSIGNED_READS = [IntegerType(w) for w in (2, 8, 12, 16, 33, 64, 100)] + [IndexType()]


def halves(v: int) -> tuple[int, int]:
    """A value as printed: its high 64 bits (signed) and its low 64 bits."""
    return v >> 64, v & ((1 << 64) - 1)


def test_odd_width_literals_and_float_conversions_compile_to_their_values(tmp_path):
    compiler = shutil.which("g++")
    assert compiler is not None, "the HLS tests need g++ on the PATH"
    lines = ['#include "dato_hls.h"', "#include <cstdio>", "int main() {"]
    for w, v in ODD:
        t = IntegerType(w)
        text = _literal(IntegerAttr(wrap(v, w), t), t)
        lines.append(f"  {{ ap_int<{w}> x = {text};")
        if w > 64:
            lines.append('    printf("%lld %llu\\n", (x >> 64).to_int64(), x.to_uint64()); }')
        else:
            lines.append('    printf("%lld\\n", x.to_int64()); }')
    # bf16: 1 + 2^-8 is halfway between 1 and 1 + 2^-7 and rounds to even (1);
    # 1 + 3 * 2^-8 rounds up to 1 + 2^-6; float to integer truncates
    bf, f32 = BFloat16Type(), Float32Type()
    floats = [
        _to_float(_from_float("1.00390625f", bf), bf),
        _to_float(_from_float("1.01171875f", bf), bf),
        _to_float(_from_float("-2.75f", f32), f32),
        _from_float("-2.75f", IntegerType(32)),
        _from_float("3.5f", Float64Type()),
    ]
    for text in floats:
        lines.append(f'  printf("%.9g\\n", (double)({text}));')
    # a value read unsigned: all ones of its width (an index is a 32-bit int)
    for t in UNSIGNED_READS:
        u = emit_cpp._uread("a", t)
        lines.append(f"  {{ {c_type(t)} a = -1;")
        if isinstance(t, IntegerType) and t.width.data > 64:
            lines.append(f"    ap_uint<{t.width.data}> u = {u};")
            lines.append('    printf("%llu %llu\\n", (u >> 64).to_uint64(), u.to_uint64()); }')
        else:
            lines.append(f'    printf("%llu\\n", (unsigned long long)({u})); }}')
    lines.append("  return 0;\n}")
    src = tmp_path / "literals.cpp"
    src.write_text("\n".join(lines))
    exe = tmp_path / "literals"
    subprocess.run(
        [compiler, *CSIM_FLAGS, f"-I{INCLUDE}", str(src), "-o", str(exe)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split("\n")
    want: list[str] = []
    for w, v in ODD:
        value = wrap(v, w)
        want.append(" ".join(map(str, halves(value))) if w > 64 else str(value))
    want += ["1", "1.015625", "-2.75", "-2", "3.5"]
    for t in UNSIGNED_READS:
        width = t.width.data if isinstance(t, IntegerType) else 32
        ones = (1 << width) - 1
        want.append(" ".join(map(str, halves(ones))) if width > 64 else str(ones))
    assert out[: len(want)] == want


@pytest.mark.parametrize("shape", [(4, 6, 5), (3, 1), (7,), (2, 1, 3, 2)])
def test_flat_index_is_numpy_ravel(shape):
    names = [f"i{k}" for k in range(len(shape))]
    text = _flat(names, shape)
    for index in product(*(range(n) for n in shape)):
        env = dict(zip(names, index, strict=True))
        assert eval(text, {"__builtins__": {}}, env) == np.ravel_multi_index(index, shape)
    assert _flat([], ()) == "0"


def test_types_without_a_cpp_form_are_refused_by_name():
    from xdsl.dialects.builtin import Float16Type, StringAttr

    with pytest.raises(ValueError) as failure:
        c_type(Float16Type())
    assert str(failure.value) == "f16 has no C++ representation here"
    with pytest.raises(ValueError) as failure:
        c_type(StringAttr("x"))
    assert str(failure.value) == f"type {StringAttr('x')} has no C++ representation"
    with pytest.raises(ValueError) as failure:
        _literal(StringAttr("x"), i32)
    assert str(failure.value) == f"constant {StringAttr('x')}"


# ------------------------------- odd-width division and shifts, compiled

DIVISIONS = [
    "arith.divsi",
    "arith.remsi",
    "arith.divui",
    "arith.remui",
    "arith.floordivsi",
    "arith.ceildivsi",
]
SHIFTS = ["arith.shli", "arith.shrsi", "arith.shrui"]


def c_reference(name: str, a: int, b: int, w: int) -> int:
    """dato's integer op on w-bit values (C truncation, wrapped), in Python ints."""
    mask = (1 << w) - 1
    ua, ub = a & mask, b & mask
    if name in ("arith.divsi", "arith.remsi"):
        q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
        return wrap(q if name == "arith.divsi" else a - q * b, w)
    if name == "arith.divui":
        return wrap(ua // ub, w)
    if name == "arith.remui":
        return wrap(ua % ub, w)
    if name == "arith.floordivsi":
        return wrap(a // b, w)
    if name == "arith.ceildivsi":
        return wrap(-(-a // b), w)
    if name == "arith.shli":
        return 0 if ub >= w else wrap(a << ub, w)
    if name == "arith.shrsi":
        return a >> min(ub, w - 1)
    assert name == "arith.shrui"
    return 0 if ub >= w else wrap(ua >> ub, w)


def odd_operands(w: int) -> tuple[list[int], list[int]]:
    lo, hi = -(1 << (w - 1)), (1 << (w - 1)) - 1
    values = [lo, lo + 1, -(1 << (w - 2)) - 3, -7, -1, 0, 1, 6, 7, (1 << (w - 2)) + 5, hi]
    amounts = [0, 1, 3, w - 2, w - 1, w, w + 1, -1, lo]
    return values, amounts


def print_value(expr: str, w: int) -> str:
    if w > 64:
        return f'printf("%lld %llu\\n", (({expr}) >> 64).to_int64(), ({expr}).to_uint64());'
    return f'printf("%lld\\n", ({expr}).to_int64());'


def test_odd_width_division_and_shifts_compile_to_dato_semantics(tmp_path):
    compiler = shutil.which("g++")
    assert compiler is not None, "the HLS tests need g++ on the PATH"
    lines = ['#include "dato_hls.h"', "#include <cstdio>", "#include <cstring>"]
    lines.append("int main(int argc, char** argv) {")
    want: list[str] = []
    for w in (12, 40, 100, 128):
        t = IntegerType(w)
        values, amounts = odd_operands(w)
        literals = ", ".join(_literal(IntegerAttr(v, t), t) for v in values)
        shifts = ", ".join(_literal(IntegerAttr(wrap(v, w), t), t) for v in amounts)
        lines.append(f"  {{ ap_int<{w}> vals[] = {{{literals}}};")
        lines.append(f"    ap_int<{w}> amts[] = {{{shifts}}};")
        for name in DIVISIONS + SHIFTS:
            short = name.split(".")[1]
            rights = values if name in DIVISIONS else amounts
            if name in SHIFTS:
                expr = emit_cpp._odd_shift(name, "a", "b", t)
            else:
                expr = emit_cpp._odd_div(name, "a", "b", t, f"{short} at w{w}")
            lines.append(f"    for (int i = 0; i < {len(values)}; i++)")
            lines.append(f"      for (int j = 0; j < {len(rights)}; j++) {{")
            table = "vals" if name in DIVISIONS else "amts"
            lines.append(f"        ap_int<{w}> a = vals[i]; ap_int<{w}> b = {table}[j];")
            if name in DIVISIONS:
                lines.append("        if (b == 0) continue;")
            lines.append(f"        ap_int<{w}> r = {expr};")
            lines.append(f"        {print_value('r', w)} }}")
            for a in values:
                for b in rights:
                    if name in DIVISIONS and b == 0:
                        continue
                    value = c_reference(name, a, wrap(b, w), w)
                    want.append(" ".join(map(str, halves(value))) if w > 64 else str(value))
        lines.append("  }")
        # a zero divisor stops the C simulation naming the op (argv[1] picks it)
        for name in DIVISIONS:
            short = name.split(".")[1]
            zero = emit_cpp._odd_div(name, "a", "b", t, f"{short} at w{w}")
            lines.append(f'  if (argc > 1 && !strcmp(argv[1], "{short}{w}")) {{')
            lines.append(f"    ap_int<{w}> a = 5; ap_int<{w}> b = 0; ap_int<{w}> r = {zero};")
            lines.append(f"    {print_value('r', w)} }}")
    lines.append("  return 0;\n}")
    src = tmp_path / "odd.cpp"
    src.write_text("\n".join(lines))
    exe = tmp_path / "odd"
    subprocess.run(
        [compiler, *CSIM_FLAGS, f"-I{INCLUDE}", str(src), "-o", str(exe)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    got = out.split("\n")[: len(want)]
    assert len(got) == len(want)
    wrong = [i for i, (g, x) in enumerate(zip(got, want, strict=True)) if g != x]
    assert not wrong, (len(wrong), wrong[:5])
    for w in (12, 100):
        for name in DIVISIONS:
            short = name.split(".")[1]
            run = subprocess.run([str(exe), f"{short}{w}"], capture_output=True, text=True)
            assert run.returncode == 3
            assert run.stderr == f"{short} at w{w}: error: division by zero\n"


def test_cpp_has_integer_types_of_8_16_32_and_64_bits_only():
    # C++'s fixed-width integers (and bool): every other width is an ap_int
    for w in (1, 8, 16, 32, 64):
        assert emit_cpp._odd_width(IntegerType(w)) is None
    for w in (2, 4, 7, 9, 12, 17, 31, 33, 63, 65, 128):
        assert emit_cpp._odd_width(IntegerType(w)) == w
        assert c_type(IntegerType(w)) == f"ap_int<{w}>"
    assert emit_cpp._odd_width(IndexType()) is None


def test_a_view_is_not_flat_unless_asked():
    check_view(View.of("A", SHAPE), BASE, BASE)
    assert View.of("A", SHAPE).at(["i", "j", "k"]) == "A[i][j][k]"
