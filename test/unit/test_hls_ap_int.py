"""dato's ap_int.h stand-in (the C simulation's ap_int<n> / ap_uint<n>) against
the documented semantics computed with Python integers: results wide enough for
the exact value, assignment keeping the low n bits, comparisons of the
mathematical values, shifts within the left operand's width, bit ranges."""

import random

from test.unit.hls_gxx import SHOW_FUNCTIONS, pattern128, run_cpp

WIDTHS = (1, 4, 12, 33, 40, 64, 65, 100, 127, 128)
BINARY = ("+", "-", "*", "/", "%", "&", "|", "^")


def wrap(x: int, n: int, signed: bool) -> int:
    x &= (1 << n) - 1
    return x - (1 << n) if signed and x >= 1 << (n - 1) else x


def edge_values(n: int, signed: bool, rng: random.Random) -> list[int]:
    lo, hi = (-(1 << (n - 1)), (1 << (n - 1)) - 1) if signed else (0, (1 << n) - 1)
    values = {lo, hi, 0, 1 if hi >= 1 else 0, -1 if signed and n > 1 else hi, lo + 1 if hi else lo}
    values.update(rng.randint(lo, hi) for _ in range(3))
    return sorted(values)


def literal(v: int, t: str) -> str:
    """A C++ expression of type t holding v (C++ literals stop at 64 bits)."""
    v = wrap(v, 128, True)
    high, low = v >> 64, v & ((1 << 64) - 1)
    text = f"{high}LL" if high > -(1 << 63) else f"({1 - (1 << 63)}LL - 1)"
    return f"(({t})(({t})(long long)({text}) << 64) | ({t})(ap_uint<64>)({low}ULL))"


def exact(a: int, op: str, b: int) -> int:
    if op == "/":
        q = abs(a) // abs(b)
        return q if (a < 0) == (b < 0) else -q
    if op == "%":
        r = abs(a) % abs(b)
        return -r if a < 0 else r
    return {
        "+": a + b,
        "-": a - b,
        "*": a * b,
        "&": a & b,
        "|": a | b,
        "^": a ^ b,
    }[op]


def cases() -> tuple[list[str], list[str]]:
    """C++ statements printing one line each, and the lines expected."""
    rng = random.Random(13)
    code: list[str] = []
    want: list[str] = []

    def show(expr: str, value: int) -> None:
        code.append(f"  show({expr});")
        want.append(pattern128(value))

    for n in WIDTHS:
        for signed in (True, False):
            if signed and n == 1:
                continue
            t = f"ap_int<{n}>" if signed else f"ap_uint<{n}>"
            values = edge_values(n, signed, rng)
            pairs = [(a, b) for a in values for b in values][::3]
            for a, b in pairs:
                ea, eb = f"{t}({literal(a, t)})", f"{t}({literal(b, t)})"
                for op in BINARY:
                    if op in "/%" and b == 0:
                        continue
                    # the result assigned back to the operands' type: the low n bits
                    show(f"{t}({ea} {op} {eb})", wrap(exact(a, op, b), n, signed))
                show(f"{t}({ea} < {eb})", int(a < b))
                show(f"{t}({ea} == {eb})", int(a == b))
            for a in values:
                ea = f"{t}({literal(a, t)})"
                for k in (0, 1, n - 1):
                    show(f"{t}({ea} << {k})", wrap(a << k, n, signed))
                    show(f"{t}({ea} >> {k})", wrap(a >> k, n, signed))
                show(f"{t}(-{ea})", wrap(-a, n, signed))
                show(f"{t}(~{ea})", wrap(~a, n, signed))
                # assigning a wider value keeps the low n bits
                show(
                    f"{t}(ap_int<128>({literal(a * 3 + 7, 'ap_int<128>')}))",
                    wrap(a * 3 + 7, n, signed),
                )
                if n >= 8:
                    show(f"ap_uint<128>({ea}.range({n - 1}, 4))", wrap(a, n, False) >> 4)
    # mixed signedness compares values; a sum is exact in the wider result
    show("ap_int<8>(ap_uint<8>(200) > ap_int<8>(-1))", 1)
    show("ap_int<8>(ap_int<4>(7) + ap_int<4>(7) == 14)", 1)
    show("ap_int<8>(ap_uint<4>(15) * ap_uint<4>(15) == 225)", 1)
    code.append("  { ap_uint<12> x = 0xff0; x.range(7, 4) = 3; x[0] = 1; show(x); }")
    want.append(pattern128(0xF31))
    return code, want


def test_ap_int_stand_in_follows_the_documented_semantics(tmp_path):
    code, want = cases()
    got = run_cpp(tmp_path, "\n".join([SHOW_FUNCTIONS, "int main() {", *code, "}"]))
    assert len(got) == len(want)
    wrong = [(c, g, w) for c, g, w in zip(code, got, want, strict=True) if g != w]
    assert not wrong, wrong[:5]
