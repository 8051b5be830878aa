"""Compile and run a C++ program against the HLS target's headers (dato_hls.h,
the ap_int.h stand-in) with g++, the way the C simulation builds kernels:
tests put many cases in one program (a g++ build takes seconds) and compare
its printed lines with an independent reference."""

import subprocess
from pathlib import Path

HEADER_DIR = Path(__file__).resolve().parents[2] / "dato_xdsl" / "targets" / "hls" / "include"

SHOW_FUNCTIONS = "\n".join(
    [
        '#include "dato_hls.h"',
        "// a float as its bit pattern in hex, an integer as its 128-bit pattern",
        'void show(float f) { uint32_t u; std::memcpy(&u, &f, 4); std::printf("%x\\n", u); }',
        "void show(double f) {",
        '  uint64_t u; std::memcpy(&u, &f, 8); std::printf("%llx\\n", (unsigned long long)u);',
        "}",
        'void show(dato::bf16 f) { std::printf("%x\\n", unsigned(f.bits)); }',
        "template <int W, bool S>",
        "void show(const dato_ap::base<W, S>& x) {",
        "  dato_ap::uwide b = x.bits;",
        '  std::printf("%016llx%016llx\\n", (unsigned long long)(b >> 64), (unsigned long long)b);',
        "}",
    ]
)
"""`show` overloads printing one line per value (include before main)."""


def pattern128(v: int) -> str:
    """What `show` prints for an ap value holding the integer v: its 128-bit
    two's complement pattern in 32 hex digits."""
    return format(v & ((1 << 128) - 1), "032x")


def run_cpp(tmp_path: Path, source: str) -> list[str]:
    """Build `source` with g++ (-Wall -Werror, the headers on the include
    path) and run it; its stdout split into words."""
    (tmp_path / "t.cpp").write_text(source)
    build = subprocess.run(
        ["g++", "-std=c++14", "-Wall", "-Werror", "-O0", f"-I{HEADER_DIR}", "t.cpp", "-o", "t"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[:3000]
    done = subprocess.run([str(tmp_path / "t")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[:3000]
    return done.stdout.split()
