"""HLS integer -> float conversion (dato::itofp in dato_hls.h, emitted for
arith.sitofp / uitofp and integer inputs of float linalg ops) rounds once,
to nearest with ties to even and past the largest finite value to infinity,
at every integer width: what the simulator computes (semantics.int_to_float)
and what an exact fractions.Fraction comparison says (nearest_float). A cast
through (float) rounded int32/int64 -> bfloat16 twice and ap_int wider than
64 bits through double."""

from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np
from xdsl.dialects.builtin import BFloat16Type, Float32Type, Float64Type

import dato_xdsl as dato
from dato_xdsl import Int, UInt
from dato_xdsl.targets.simulator import semantics as sem
from test.unit.float_reference import edge_values, nearest_float
from test.unit.hls_gxx import SHOW_FUNCTIONS, run_cpp

BF16 = ml_dtypes.bfloat16

# (C++ type, signed, width) of the integer types the emitter converts
INTS = [
    ("int32_t", True, 32),
    ("uint32_t", False, 32),
    ("int64_t", True, 64),
    ("uint64_t", False, 64),
    ("ap_int<12>", True, 12),
    ("ap_int<40>", True, 40),
    ("ap_uint<64>", False, 64),
    ("ap_int<65>", True, 65),
    ("ap_int<100>", True, 100),
    ("ap_int<128>", True, 128),
    ("ap_uint<128>", False, 128),
]
# (C++ type, numpy dtype, its bits' dtype, xDSL type)
FLOATS = [
    ("float", np.float32, np.uint32, Float32Type()),
    ("double", np.float64, np.uint64, Float64Type()),
    ("dato::bf16", BF16, np.uint16, BFloat16Type()),
]


def fits(v: int, signed: bool, width: int) -> bool:
    return (-(1 << (width - 1)) <= v < 1 << (width - 1)) if signed else 0 <= v < 1 << width


def bits_of(f: Any, bits_dtype: Any) -> int:
    return int(np.array(f).view(bits_dtype))


def test_itofp_rounds_once_at_every_width(tmp_path: Path) -> None:
    """dato::itofp compiled with g++ against the Fraction reference and the
    simulator, for ties, values around ties, 2^63, 2^64-1, +-2^127 and values
    past each float's range, in every integer type that holds them."""
    body: list[str] = []
    want: list[str] = []
    for t, signed, width in INTS:
        vals = [v for v in edge_values() if fits(v, signed, width)]
        # each value as the two 64-bit halves of its 128-bit pattern
        halves = ", ".join(f"{{{(v % (1 << 128)) >> 64}ULL, {v % (1 << 64)}ULL}}" for v in vals)
        body.append(f"  {{ static const uint64_t v[][2] = {{{halves}}};")
        body.append(f"    for (int i = 0; i < {len(vals)}; ++i) {{")
        body.append("      ap_uint<128> p = (ap_uint<128>(v[i][0]) << 64) | ap_uint<128>(v[i][1]);")
        # a C++ integer from the low 64 bits, an ap type from all 128
        x = f"({t})(p.to_uint64())" if not t.startswith("ap_") else f"{t}(p)"
        for ft, *_ in FLOATS:
            body.append(f"      show(dato::itofp<{ft}>({x}));")
        body.append("    }")
        body.append("  }")
        for v in vals:
            for _, dtype, bdt, xt in FLOATS:
                with np.errstate(over="ignore"):
                    ref = nearest_float(v, dtype)
                    simulated = sem.int_to_float(v, xt)
                assert repr(simulated) == repr(ref), (v, simulated, ref)
                want.append(f"{t} {v} {dtype.__name__} {bits_of(ref, bdt):x}")
    source = "\n".join([SHOW_FUNCTIONS, "int main() {", *body, "}"])
    got = run_cpp(tmp_path, source)
    assert len(got) == len(want) > 1000
    wrong = [w for g, w in zip(got, want, strict=True) if w.split()[-1] != g]
    assert not wrong, wrong[:5]


L = 8


def convert_region() -> Any:
    """int32 -> bf16, int64 -> bf16, Int(100) -> f32 and UInt(64) -> bf16 in
    one kernel (one g++ compile)."""
    I100, U64, BF, F32 = Int(100), UInt(64), dato.bfloat16, dato.float32

    @dato.region()
    def top(
        A: dato.int32[L],
        B: dato.int64[L],
        C: I100[L],
        D: U64[L],
        W: BF[L],
        X: BF[L],
        Y: F32[L],
        Z: BF[L],
    ):
        @dato.kernel(mapping=[1], args=[A, B, C, D, W, X, Y, Z])
        def k(
            a: dato.int32[L],
            b: dato.int64[L],
            c: I100[L],
            d: U64[L],
            w: BF[L],
            x: BF[L],
            y: F32[L],
            z: BF[L],
        ):
            for i in range(L):
                w[i] = a[i]
                x[i] = b[i]
                y[i] = c[i]
                z[i] = d[i]

    return top


# int32 and int64 values a cast through (float) rounded twice to bf16 (an f32
# tie made by the first rounding), Int(100) ones it rounded through double,
# UInt(64) ones of 2^63 and more
I32 = [(1 << 30) + (1 << 22) + 1, -((1 << 30) + (1 << 22) + 1), (1 << 30) + (1 << 22), 7]
I64 = [(1 << 40) + (1 << 32) + 1, (1 << 63) - 1, -(1 << 63), (1 << 62) + (3 << 54)]
I100 = [
    (1 << 90) + (1 << 66) + 1,
    -((1 << 60) + (1 << 36) + 1),
    (1 << 99) - 1,
    (1 << 60) + (1 << 36),
]
U64 = [(1 << 64) - 1, (1 << 63) + (1 << 55) + 1, (1 << 63) + (1 << 55), 1 << 63]


def test_hls_csim_converts_as_the_simulator(tmp_path: Path) -> None:
    """An HLS build's C simulation (g++) gives the simulator's floats, which
    are the nearest ones (Fraction reference)."""
    pad = [0] * (L - 4)
    ins = [
        np.array(I32 + pad, np.int32),
        np.array(I64 + pad, np.int64),
        np.array(I100 + pad, dtype=object),
        np.array(U64 + pad, np.uint64),
    ]
    dtypes = [BF16, BF16, np.float32, BF16]
    top = convert_region()
    sim = [np.zeros(L, d) for d in dtypes]
    hls = [np.zeros(L, d) for d in dtypes]
    dato.build(top)(*[a.copy() for a in ins], *sim)
    dato.build(top, target="hls", project=tmp_path / "p")(*[a.copy() for a in ins], *hls)
    for vals, dtype, s, h in zip((I32, I64, I100, U64), dtypes, sim, hls, strict=True):
        want = [repr(nearest_float(v, dtype)) for v in vals + pad]
        assert [repr(b) for b in s] == want
        assert [repr(b) for b in h] == want
