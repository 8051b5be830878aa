"""The text of an HLS project's testbench and tool scripts.

Every path is relative to the project directory (the Tcl script finds its own
directory with `info script`, the shell script with `$0`, the testbench takes
the data directory as an argument), so the directory can be copied to the
machine that has Vitis and run there.

    tb.cpp            reads data/<arg>.bin, calls the top, writes data/<arg>.out,
                      then compares every argument with data/<arg>.expected and
                      exits 1 on a mismatch, 2 on missing data (Vitis csim and
                      cosim fail then); `--no-check` skips the comparison
    run_hls.tcl       Vitis HLS: steps csim, csynth, cosim (DATO_HLS_STEPS)
    build_xclbin.sh   v++ compile and link for sw_emu, hw_emu or hw
"""

from __future__ import annotations

from xdsl.dialects.builtin import BFloat16Type, Float32Type, Float64Type, MemRefType

from dato_xdsl.targets.hls.emit_cpp import c_type

VITIS_VERSION = "2023.2"
"""The Vitis / Vitis HLS release the scripts are written for (UG1399 and UG1393
of that release): `vitis_hls -f` still runs Tcl scripts there; from 2024.2 on
the same script runs with `vitis-run --mode hls --tcl`."""

PART = "xcu280-fsvh2892-2L-e"
PLATFORM = "xilinx_u280_gen3x16_xdma_1_202211_1"
CLOCK_NS = 3.33

TOLERANCE = {"f32": (1e-4, 1e-4), "f64": (1e-9, 1e-9), "bf16": (1e-2, 1e-2)}
"""(relative, absolute) tolerance per float type when comparing with the
expected data: its producer (numpy, the dato simulator) may sum in another
order; bf16 keeps 8 significant bits. Integers compare exactly."""


def _tolerance(t: MemRefType) -> tuple[float, float]:
    e = t.element_type
    if isinstance(e, BFloat16Type):
        return TOLERANCE["bf16"]
    if isinstance(e, Float32Type):
        return TOLERANCE["f32"]
    if isinstance(e, Float64Type):
        return TOLERANCE["f64"]
    return (0.0, 0.0)


def testbench(top: str, args: list[tuple[str, MemRefType]]) -> str:
    decl = ", ".join(f"{c_type(t.element_type)}* {n}" for n, t in args)
    lines = [
        f"// Host testbench of {top} (C++14): data/<arg>.bin in, the top called, data/<arg>.out",
        "// written, every argument compared with data/<arg>.expected. Exit status: 0 all match,",
        "// 1 a mismatch, 2 missing data. Usage: tb [data directory] [--no-check]",
        "#include <cmath>",
        "#include <cstdio>",
        "#include <cstring>",
        "#include <string>",
        "#include <vector>",
        "",
        '#include "dato_hls.h"',
        "",
        f'extern "C" void {top}({decl});',
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
        "#ifdef DATO_CSIM",
        "#include <pthread.h>",
        "#endif",
        "",
        "// dato's C simulation runs the top on a thread with a 1 GiB stack (reserved, used as",
        "// needed): the top's frame holds every stream and ping-pong buffer of the design,",
        "// more than a default 8 MiB stack for thousands of process instances",
        "template <typename F>",
        "static void run_top(F f) {",
        "#ifdef DATO_CSIM",
        "  pthread_attr_t attr;",
        "  pthread_attr_init(&attr);",
        "  pthread_attr_setstacksize(&attr, std::size_t(1) << 30);",
        "  pthread_t thread;",
        "  auto body = [](void* p) -> void* {",
        "    (*static_cast<F*>(p))();",
        "    return nullptr;",
        "  };",
        "  if (pthread_create(&thread, &attr, body, &f) != 0) {",
        "    f();  // no thread: on this one",
        "  } else {",
        "    pthread_join(thread, nullptr);",
        "  }",
        "  pthread_attr_destroy(&attr);",
        "#else",
        "  f();",
        "#endif",
        "}",
        "",
        "template <typename T>",
        "inline double as_double(T x) { return static_cast<double>(x); }",
        "inline double as_double(dato::bf16 x) { return dato::to_float(x); }",
        "",
        "// mismatches of one argument (the first few printed); NaN matches NaN",
        "template <typename T>",
        "static long compare(const char* name, const std::vector<T>& got, "
        "const std::vector<T>& want,",
        "                    double rtol, double atol) {",
        "  long bad = 0;",
        "  for (size_t i = 0; i < got.size(); i++) {",
        "    // integers (no tolerance) compare bit for bit: int64 does not fit a double",
        "    const bool exact = rtol == 0 && atol == 0;",
        "    if (exact && std::memcmp(&got[i], &want[i], sizeof(T)) == 0) continue;",
        "    const double g = as_double(got[i]), w = as_double(want[i]);",
        "    const bool both_nan = std::isnan(g) && std::isnan(w);",
        "    const bool close = std::fabs(g - w) <= atol + rtol * std::fabs(w);",
        "    if (!exact && (both_nan || close)) continue;",
        "    if (bad < 5)",
        '      std::fprintf(stderr, "mismatch: %s[%zu] = %.9g, expected %.9g\\n", name, i, g, w);',
        "    bad++;",
        "  }",
        "  return bad;",
        "}",
        "",
        "int main(int argc, char** argv) {",
        '  std::string dir = "data";',
        "  bool check = true;",
        "  for (int i = 1; i < argc; i++) {",
        '    if (std::strcmp(argv[i], "--no-check") == 0)',
        "      check = false;",
        "    else",
        "      dir = argv[i];",
        "  }",
    ]
    for name, t in args:
        n = _numel(t)
        lines.append(f"  std::vector<{c_type(t.element_type)}> {name}({n});")
        lines.append(f'  if (!load(dir + "/{name}.bin", {name})) {{')
        lines.append(
            f'    std::fprintf(stderr, "error: cannot read %s/{name}.bin\\n", dir.c_str());'
        )
        lines.append("    return 2;")
        lines.append("  }")
    call = ", ".join(f"{n}.data()" for n, _ in args)
    lines.append(f"  run_top([&]() {{ {top}({call}); }});")
    for name, _ in args:
        lines.append(f'  if (!save(dir + "/{name}.out", {name})) return 2;')
    lines += ["  if (!check) return 0;", "  long bad = 0;"]
    for name, t in args:
        rtol, atol = _tolerance(t)
        lines += [
            "  {",
            f"    std::vector<{c_type(t.element_type)}> want({_numel(t)});",
            f'    if (!load(dir + "/{name}.expected", want)) {{',
            "      std::fprintf(stderr,",
            f'                   "error: no expected data %s/{name}.expected (write it with "',
            '                   "HlsProject.write_test_data)\\n",',
            "                   dir.c_str());",
            "      return 2;",
            "    }",
            f'    bad += compare("{name}", {name}, want, {rtol!r}, {atol!r});',
            "  }",
        ]
    lines += [
        "  if (bad != 0) {",
        '    std::fprintf(stderr, "FAIL: %ld element(s) differ from the expected data\\n", bad);',
        "    return 1;",
        "  }",
        '  std::printf("PASS: every argument matches the expected data\\n");',
        "  return 0;",
        "}",
        "",
    ]
    return "\n".join(lines)


def tcl(top: str, cycle: list[str] | None) -> str:
    """run_hls.tcl; `cycle` names the instances of a stream cycle, if any
    (Vitis csim runs the processes one after another and cannot run it)."""
    default = "csynth" if cycle else "csim csynth"
    lines = [
        f"# Vitis HLS script of {top}, written for Vitis HLS {VITIS_VERSION} (UG1399):",
        "#   vitis_hls -f run_hls.tcl                      (2023.2 and earlier)",
        "#   vitis-run --mode hls --tcl run_hls.tcl        (2024.1 and later)",
        "# Steps: DATO_HLS_STEPS, any of csim csynth cosim (cosim runs csynth first);",
        f"# default: {default}. For example: DATO_HLS_STEPS=cosim vitis_hls -f run_hls.tcl",
        "# csim and cosim run tb.cpp on data/ (HlsProject.write_test_data writes it); the",
        "# testbench fails on data that differ from data/<arg>.expected.",
        "# Paths are relative to this script's directory: the project can be moved.",
    ]
    if cycle:
        lines.append(
            "# This design's streams form a cycle ("
            + " -> ".join(cycle)
            + "): Vitis csim runs dataflow processes one after another and cannot run it;"
        )
        lines.append("# only cosim (RTL, processes concurrent) or hardware can.")
    lines += [
        "set here [file dirname [file normalize [info script]]]",
        f"set steps {{{default}}}",
        "if {[info exists ::env(DATO_HLS_STEPS)]} { set steps $::env(DATO_HLS_STEPS) }",
        "proc wants {steps step} { return [expr {[lsearch -exact $steps $step] >= 0}] }",
        "foreach step $steps {",
        "  if {[lsearch -exact {csim csynth cosim} $step] < 0} {",
        '    puts "error: unknown step $step; use csim, csynth or cosim"',
        "    exit 2",
        "  }",
        "}",
    ]
    if cycle:
        lines += [
            "if {[wants $steps csim]} {",
            '  puts "error: Vitis csim runs dataflow processes one after another; the stream '
            f'cycle {" -> ".join(cycle)} needs them concurrent: run cosim or hardware"',
            "  exit 1",
            "}",
        ]
    lines += [
        f'open_project -reset "$here/{top}_hls"',
        f"set_top {top}",
        'add_files "$here/kernel.cpp" -cflags "-std=c++14 -I$here"',
        'add_files -tb "$here/tb.cpp" -cflags "-std=c++14 -I$here"',
        "open_solution -reset solution1 -flow_target vitis",
        f"set_part {{{PART}}}",
        f"create_clock -period {CLOCK_NS} -name default",
        'if {[wants $steps csim]} { csim_design -argv "$here/data" }',
        "if {[wants $steps csynth] || [wants $steps cosim]} { csynth_design }",
        'if {[wants $steps cosim]} { cosim_design -argv "$here/data" }',
        "exit",
        "",
    ]
    return "\n".join(lines)


def vpp(top: str) -> str:
    return "\n".join(
        [
            "#!/bin/sh",
            f"# Alveo U280 build of {top}: v++ compile and link, written for Vitis {VITIS_VERSION}",
            f"# and the platform {PLATFORM}. Not run by dato-xdsl.",
            "# Usage: ./build_xclbin.sh [sw_emu|hw_emu|hw]   (default hw)",
            "# hw_emu: also writes emconfig.json; run the host with XCL_EMULATION_MODE=hw_emu.",
            "set -e",
            'here=$(cd "$(dirname "$0")" && pwd)',
            'target="${1:-hw}"',
            'case "$target" in',
            "  sw_emu|hw_emu|hw) ;;",
            '  *) echo "usage: $0 [sw_emu|hw_emu|hw]" >&2; exit 2 ;;',
            "esac",
            "found=$(v++ --version 2>/dev/null | grep -o '20[0-9][0-9]\\.[0-9]' | head -n 1"
            " || true)",
            f'if [ "$found" != "{VITIS_VERSION}" ]; then',
            f'  echo "warning: written for Vitis {VITIS_VERSION}, found ${{found:-no v++}}" >&2',
            "fi",
            'cd "$here"',
            f'v++ -c -t "$target" --platform {PLATFORM} -k {top} -I. kernel.cpp '
            f'-o "{top}_$target.xo"',
            f'v++ -l -t "$target" --platform {PLATFORM} "{top}_$target.xo" '
            f'-o "{top}_$target.xclbin"',
            'if [ "$target" != hw ]; then',
            f"  emconfigutil --platform {PLATFORM}",
            "fi",
            "",
        ]
    )


def _numel(t: MemRefType) -> int:
    n = 1
    for d in t.get_shape():
        n *= d
    return n


__all__ = ["CLOCK_NS", "PART", "PLATFORM", "TOLERANCE", "VITIS_VERSION", "testbench", "tcl", "vpp"]
