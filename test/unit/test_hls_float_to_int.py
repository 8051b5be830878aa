"""HLS float -> integer conversion (dato::fptosi / fptoui in dato_hls.h, emitted
for arith.fptosi / fptoui) at every width up to 128 bits: truncated towards
zero, NaN to 0, saturated out of range, which is what the simulator computes
(semantics.fptoint) and what Python's exact int(float) with the saturation
rule says. HLS refused the widths above 64 bits, and saturated ap_int<54..63>
wrongly: its bound 2^(W-1) - 1 went through a double, which rounded it to
2^(W-1), and that wrapped to the most negative value (or 0 unsigned)."""

import math
import random
from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np

from dato_xdsl.targets.simulator import semantics as sem
from test.unit.hls_gxx import SHOW_FUNCTIONS, pattern128, run_cpp

BF16 = ml_dtypes.bfloat16

# (C++ type the emitter declares, width): integers are signless in the IR, so
# an unsigned conversion's result is held in the same signed type
INTS = [
    ("bool", 1),
    ("int8_t", 8),
    ("int32_t", 32),
    ("int64_t", 64),
    ("ap_int<12>", 12),
    ("ap_int<40>", 40),
    ("ap_int<63>", 63),
    ("ap_int<65>", 65),
    ("ap_int<100>", 100),
    ("ap_int<127>", 127),
    ("ap_int<128>", 128),
]
# (numpy type, its bits' dtype, how the C++ reads the bits as the float it converts)
FLOATS = [
    (np.float32, np.uint32, "dato::fbits(v[i])"),
    (np.float64, np.uint64, "dato::dbits(v[i])"),
    (BF16, np.uint16, "dato::to_float(dato::bf16{uint16_t(v[i])})"),
]


def truncated(x: float, signed: bool, width: int) -> int:
    """The reference, from the rule: NaN 0, truncated towards zero, clamped to
    the type's range; the result's bits read as a signed width-bit integer."""
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    if math.isnan(x):
        return 0
    v = hi if x == math.inf else lo if x == -math.inf else min(max(math.trunc(x), lo), hi)
    return sem.wrap(v, width)


def float_values(rng: random.Random) -> list[float]:
    """0, -0, fractions, the powers of two each width saturates at and the
    floats next to them, +-inf, NaN, the largest and smallest floats and
    random values of every magnitude up to 2^130."""
    vals = [0.0, -0.0, 0.5, -0.5, 0.99, 1.0, -1.0, 1.5, -1.5, 2.5, -7.75, 255.9, -128.5]
    vals += [math.inf, -math.inf, math.nan, 3.4e38, -3.4e38, 1e-40, 1e300, -1e300]
    for k in (7, 8, 11, 12, 24, 31, 32, 39, 40, 52, 53, 62, 63, 64, 65, 99, 100, 126, 127, 128):
        p = 2.0**k
        vals += [p, -p, p * (1 - 2.0**-24), -p * (1 - 2.0**-24), p * (1 + 2.0**-23), p * 1.5]
    for _ in range(40):
        vals.append(rng.choice((-1, 1)) * rng.random() * 2.0 ** rng.randint(0, 130))
    return vals


def as_float(v: float, dtype: Any) -> Any:
    with np.errstate(over="ignore"):
        return np.array(v).astype(dtype)[()]


def test_fptoint_at_every_width_as_the_simulator(tmp_path: Path) -> None:
    """dato::fptosi / fptoui compiled with g++, for f32, f64 and bf16 values
    into every integer type the emitter declares, against the rule and the
    simulator's semantics.fptoint (one program, several thousand cases)."""
    rng = random.Random(7)
    values = float_values(rng)
    body: list[str] = []
    want: list[str] = []
    for dtype, bits_dtype, x in FLOATS:
        floats = [as_float(v, dtype) for v in values]
        patterns = ", ".join(f"0x{int(np.array(f).view(bits_dtype)):x}ULL" for f in floats)
        body.append(f"  {{ static const unsigned long long v[] = {{{patterns}}};")
        body.append(f"    for (int i = 0; i < {len(floats)}; ++i) {{")
        for t, width in INTS:
            for fn in ("fptosi", "fptoui"):
                body.append(f"      show(ap_int<128>(dato::{fn}<{t}, {width}>({x})));")
        body.append("    }")
        body.append("  }")
        for f in floats:
            for _, width in INTS:
                for signed in (True, False):
                    lo, hi = (
                        (-(1 << (width - 1)), (1 << (width - 1)) - 1)
                        if signed
                        else (0, (1 << width) - 1)
                    )
                    simulated = sem.fptoint(f, lo, hi, width)
                    assert simulated == truncated(float(f), signed, width), (f, width, signed)
                    want.append(pattern128(simulated))
    helpers = [
        "namespace dato {",
        "float fbits(unsigned long long u) { uint32_t b = uint32_t(u); float f;"
        " std::memcpy(&f, &b, 4); return f; }",
        "double dbits(unsigned long long u) { double f; std::memcpy(&f, &u, 8); return f; }",
        "}",
    ]
    got = run_cpp(tmp_path, "\n".join([SHOW_FUNCTIONS, *helpers, "int main() {", *body, "}"]))
    assert len(got) == len(want) > 5000
    wrong = [i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
    assert not wrong, [(i, got[i], want[i]) for i in wrong[:5]]
