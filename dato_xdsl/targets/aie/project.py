"""Writes an NPU project directory from a lowered `aie.device` module:

    aie.mlir          the design, as aiecc.py reads it
    kernels.cc        the entry points of every library kernel the design
                      declares (thin wrappers that fix the shapes)
    core_kernels_N.cc one object per distinct set of kernels cores call: only
                      those library entries, and the external kernels (AIE
                      source for Peano, C++ reference for the host)
    external/<name>/  copies of each external kernel's sources
    dato_kernels.cc   the kernel library (plain C++; g++ compiles it too)
    build.sh          Peano compile of each kernel object, then aiecc.py
    run.py            host runner with pyxrt: loads the xclbin and instruction
                      stream, moves numpy arrays in and out, reports the time
    host_layout.py    pads and packs the arrays into the design's buffers and
                      back (the same file the virtual NPU run uses)

Every kernel a core calls is written from its declaration record
(kernel_decls.KernelDecl), the library's as a user's: `called_records` finds
each call's record (the one the declaration carries, else the library's by
name, or mlir-aie's mm.cc records, gemm_kernels.MmObject.records) and checks
the call against it; a record without `object` goes into its cores' object
(a library record as its extern "C" entry, any other as its included sources
and defines), a record with one is compiled on its own from its source with
its flags (`own_object_lines`: mm.cc from the user's mlir-aie).

Nothing here is run unless the toolchain is present (see `toolchain_status`)."""

from __future__ import annotations

import hashlib
import math
import shlex
import shutil
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import ml_dtypes
import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import MemRefType, ModuleOp
from xdsl.utils.target import Target

from dato_xdsl import devices
from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import aie
from dato_xdsl.printing import module_text
from dato_xdsl.targets.aie.gemm_kernels import mm_objects, write_gemm_kernels
from dato_xdsl.targets.aie.host_layout import Layout
from dato_xdsl.targets.aie.packing import design_packing
from dato_xdsl.transforms.kernel_decls import (
    MLIR_AIE_SOURCE,
    PYTHON_REFERENCE,
    KernelDecl,
    find_declaration,
)
from dato_xdsl.transforms.kernel_library import declared_record, is_library, parse
from dato_xdsl.transforms.npu_constant_inputs import CONSTANT_VALUES, read_constant_values
from dato_xdsl.transforms.npu_kernel_objects import OBJECT_PREFIX
from dato_xdsl.transforms.npu_padding import read_padding
from dato_xdsl.transforms.npu_wide_integers import read_wide_words

LIBRARY = Path(__file__).parent / "kernels" / "dato_kernels.cc"

_CTYPES = {
    "i8": "int8_t",
    "i16": "int16_t",
    "i32": "int32_t",
    "i64": "int64_t",
    "f32": "float",
    "bf16": "uint16_t",
    "u8": "uint8_t",  # a matmul's unsigned operands
    "u16": "uint16_t",
}
# A bf16 scalar argument: MLIR's bf16 is LLVM's bfloat, which Peano (llvm-aie,
# which defines __AIENGINE__) passes as its __bf16, not as a 16-bit integer. The
# host build (the virtual NPU calls the kernels through ctypes) passes the bits.
BF16_SCALAR = "dato_bf16_scalar"
BF16_SCALAR_TYPEDEF = (
    "#ifdef __AIENGINE__",
    f"typedef __bf16 {BF16_SCALAR};",
    "#else",
    f"typedef uint16_t {BF16_SCALAR};",
    "#endif",
)


def library_entry(decl: KernelDecl) -> str | None:
    """The extern "C" entry point of one library kernel (a thin wrapper fixing
    its shape), from its record; None if the record is not the library's."""
    kernel = parse(decl.symbol) if is_library(decl) else None
    if kernel is None:
        return None
    kind, t, dims = kernel.kind, kernel.operand, kernel.dims
    count = math.prod(dims)  # element count of a fill/copy/elementwise kernel
    c = _CTYPES[t]
    name = decl.symbol
    if kind == "matmul":
        m, k, n = dims
        acc = kernel.acc  # a mixed-precision product: operands t, output acc
        out, lib = (_CTYPES[acc], f"{t}_{acc}") if acc else (c, t)
        return (
            f'extern "C" void {name}(const {c}* a, const {c}* b, {out}* c) '
            f"{{ dato_matmul_{lib}(a, b, c, {m}, {k}, {n}); }}"
        )
    if kind == "fill" and t == "bf16":
        # the value arrives as MLIR's bf16 scalar; the library stores its 16 bits
        return (
            f'extern "C" void {name}({c}* c, {BF16_SCALAR} v) '
            f"{{ uint16_t bits; memcpy(&bits, &v, 2); dato_fill_bf16(c, bits, {count}); }}"
        )
    if kind == "fill":
        return f'extern "C" void {name}({c}* c, {c} v) {{ dato_fill_{t}(c, v, {count}); }}'
    if kind in ("copy", "exp", "log", "sqrt"):
        return f'extern "C" void {name}(const {c}* a, {c}* c) {{ dato_{kind}_{t}(a, c, {count}); }}'
    return (
        f'extern "C" void {name}(const {c}* a, const {c}* b, {c}* c) '
        f"{{ dato_{kind}_{t}(a, b, c, {count}); }}"
    )


def kernel_source(module: ModuleOp) -> str:
    """kernels.cc: one extern "C" entry per library kernel the design declares."""
    lines = [
        "// Generated by dato-xdsl: entry points of the kernels this design calls.",
        "// Each fixes the shapes of a library kernel (dato_kernels.cc).",
        '#include "dato_kernels.cc"',
        "#include <string.h>",
        "",
        *BF16_SCALAR_TYPEDEF,
        "",
    ]
    for op in module.walk():
        if isinstance(op, func.FuncOp) and op.is_declaration:
            record = declared_record(op)
            entry = library_entry(record) if record is not None else None
            if entry is not None:
                lines.append(entry)
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class KernelObject:
    """One object cores link (`link_with`): the records of its kernels (the
    library's and the user's alike, kernel_decls.KernelDecl) and the cores."""

    name: str
    """e.g. core_kernels_0 (source name.cc, object name.o)"""
    cores: tuple[tuple[int, int], ...]
    kernels: tuple[KernelDecl, ...]

    @property
    def library(self) -> tuple[KernelDecl, ...]:
        """The library's kernels: the object gets their extern "C" entries."""
        return tuple(d for d in self.kernels if is_library(d))

    @property
    def external(self) -> tuple[KernelDecl, ...]:
        """The others (a user's): the object includes their sources."""
        return tuple(d for d in self.kernels if not is_library(d))


def called_records(
    core: aie.CoreOp, device_op: aie.DeviceOp, records: dict[str, KernelDecl]
) -> list[KernelDecl]:
    """The records of the kernels `core` calls, in first-call order, each call
    checked against its record (arity, argument types): the one check every
    kernel a core calls goes through, the library's, mlir-aie's and a user's.
    `records` holds a record per symbol given by the caller (mm.cc's, which
    depend on the object a core links), the others are read from the device."""
    found: dict[str, KernelDecl] = {}
    for call in core.walk():
        if not isinstance(call, func.CallOp):
            continue
        symbol = call.callee.root_reference.data
        record = records.get(symbol)
        if record is None:
            decl_op = find_declaration(device_op, symbol)
            if decl_op is None or not decl_op.is_declaration:
                continue  # a function with a body is code of the design, no kernel
            record = declared_record(decl_op)
            if record is None:
                raise op_error(
                    call,
                    f"calls @{symbol}, a declaration with no kernel record (no "
                    "dato.ExternalModule, not the kernel library's); the project cannot "
                    "say where its code is",
                )
        problem = record.call_problem([v.type for v in call.arguments])
        if problem is not None:
            raise op_error(call, problem)
        found.setdefault(symbol, record)
    return list(found.values())


def kernel_objects(module: ModuleOp) -> list[KernelObject]:
    """The per-core kernel objects dato-npu-kernel-objects assigned, in order."""
    out: dict[str, tuple[list[tuple[int, int]], dict[str, KernelDecl]]] = {}
    for device_op in [op for op in module.walk() if isinstance(op, aie.DeviceOp)]:
        for core in [op for op in device_op.body.block.ops if isinstance(op, aie.CoreOp)]:
            link = core.link_with
            if link is None or not link.data.startswith(OBJECT_PREFIX):
                continue
            name = link.data.removesuffix(".o")
            tile = core.tile.owner
            assert isinstance(tile, aie.TileOp)
            cores, decls = out.setdefault(name, ([], {}))
            cores.append((tile.col.value.data, tile.row.value.data))
            for record in called_records(core, device_op, {}):
                if record.object is not None:
                    # its code is in an object of its own, which this core does not link
                    raise op_error(
                        core,
                        f"calls @{record.symbol}, whose code is compiled into "
                        f"{record.object}, but links {link.data}",
                    )
                decls.setdefault(record.symbol, record)
    return [
        KernelObject(name, tuple(cores), tuple(decls.values()))
        for name, (cores, decls) in out.items()
    ]


EXTERNAL_DIR = "external"
"""Where the project keeps a copy of each external kernel's sources."""


def _external_files(decl: KernelDecl) -> list[Path]:
    """The source, the reference and the headers beside them (includes)."""
    files: list[Path] = []
    for given in (decl.source, decl.reference):
        if given is None or given.startswith(PYTHON_REFERENCE):
            continue  # a numpy reference is no file of the project
        path = Path(given)
        files.append(path)
        for header in sorted(path.parent.iterdir()):
            if header.suffix in (".h", ".hh", ".hpp") and header not in files:
                files.append(header)
    return files


def object_source(obj: KernelObject) -> str:
    """The source of one core object: the library entries its cores call (the
    library's functions static inline, so only those are compiled) and its
    external kernels: the hardware source for the AIE compiler, the C++
    reference for the host (the virtual NPU builds this same file)."""
    shown = ", ".join(f"({c}, {r})" for c, r in obj.cores)
    lines = [
        f"// Generated by dato-xdsl: the kernels core(s) {shown} call, and no others.",
        "#include <string.h>",
        "",
    ]
    if obj.library:
        lines += [
            "#define DATO_KERNEL_LINKAGE static inline  // only what the entries call",
            '#include "dato_kernels.cc"',
            "",
            *BF16_SCALAR_TYPEDEF,
            "",
        ]
        lines += [e for e in (library_entry(d) for d in obj.library) if e is not None]
        lines.append("")
    for decl in obj.external:
        where = f"{EXTERNAL_DIR}/{decl.symbol}"
        lines.append(f"// external kernel {decl.symbol} (dato.ExternalModule)")
        for path in _external_files(decl):
            # the virtual NPU caches builds by this file's text: name the content
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            lines.append(f"//   {where}/{path.name} sha256 {digest}")
        defines = decl.defines()
        lines += [f"#define {name} {value}" for name, value in defines]
        if decl.source is not None:
            lines += ["#ifdef __AIENGINE__", f'#include "{where}/{Path(decl.source).name}"']
            lines.append("#else")
        if decl.reference is not None and decl.reference.startswith(PYTHON_REFERENCE):
            # the virtual NPU calls the numpy function instead (host_kernels.python_kernel)
            lines.append(f"// host: the numpy reference {decl.reference}")
        elif decl.reference is not None:
            lines.append(f'#include "{where}/{Path(decl.reference).name}"')
        else:
            lines.append(f"#error external kernel {decl.symbol} has no C++ reference")
        if decl.source is not None:
            lines.append("#endif")
        lines += [f"#undef {name}" for name, _ in defines]
        lines.append("")
    return "\n".join(lines)


def _device_name(module: ModuleOp) -> str:
    for op in module.walk():
        if isinstance(op, aie.DeviceOp):
            device = devices.by_code(op.device.value.data)
            if device is not None:
                return device.name
    return "npu1"


# The mlir-aie the build script is written for: the Python aiecc.py driver
# (python/compiler/aiecc/cl_arguments.py), deprecated for the C++ aiecc in
# mlir-aie PR #2925 (2026-03) and removed in PR #3369 (2026-07); that C++
# driver's later releases (1.4) name these outputs --get-xclbin/--get-npu-insts.
MLIR_AIE_RELEASE = "mlir-aie with the Python aiecc.py (before PR #2925, March 2026)"
AIECC_OPTIONS = (
    "--aie-generate-xclbin",
    "--aie-generate-npu-insts",
    "--no-compile-host",
    "--no-xchesscc",
    "--no-xbridge",
    "--peano",
    "--xclbin-name",
    "--npu-insts-name",
)


# Every kernel object is compiled with one section per function and per datum,
# so a linker that garbage-collects sections can drop what no core reaches;
# what a core object holds is already only what its core calls (object_source).
KERNEL_FLAGS = ("-O2", "-std=c++20", "-ffunction-sections", "-fdata-sections")


# An object holding a user's AIE source finds the AIE API headers in the
# mlir-aie installation, and is compiled with the warnings mlir-aie's own
# kernel builds silence (programming_examples makefile-common, PEANOWRAP2_FLAGS).
AIE_API_FLAGS = (
    '-I "${MLIR_AIE_DIR:?set MLIR_AIE_DIR to your mlir-aie installation (AIE API headers '
    'of external kernels)}/include" -Wno-parentheses -Wno-attributes -Wno-macro-redefined '
    "-DNDEBUG"
)


def compile_line(target: str, stem: str, aie_api: bool = False) -> str:
    flags = " ".join(KERNEL_FLAGS)
    extra = f" \\\n    {AIE_API_FLAGS}" if aie_api else ""
    return (
        f'"${{PEANO_INSTALL_DIR:?set PEANO_INSTALL_DIR}}/bin/clang++" {flags} \\\n'
        f"    --target={target}-none-unknown-elf{extra} -c {stem}.cc -o {stem}.o"
    )


# mlir-aie's programming_examples makefile-common: PEANOWRAP2_FLAGS (aie2p alike),
# what a kernel source of mlir-aie's own (mm.cc) is compiled with
MLIR_AIE_KERNEL_FLAGS = (
    "-O2 -std=c++20 -Wno-parentheses -Wno-attributes -Wno-macro-redefined -Wno-empty-body -DNDEBUG"
)


def own_object_lines(target: str, records: Sequence[KernelDecl]) -> str:
    """build.sh lines compiling each object of kernels built on their own
    (`record.object`): the records' source, found in the user's mlir-aie
    (MLIR_AIE_SOURCE: its aie_kernels directory), with the records' flags."""
    objects: dict[str, KernelDecl] = {}
    for record in records:
        assert record.object is not None and record.source is not None
        first = objects.setdefault(record.object, record)
        if (first.source, first.flags) != (record.source, record.flags):
            raise ValueError(
                f"{record.object}: @{first.symbol} and @{record.symbol} differ in source or "
                "flags, and one object is one compile"
            )
        if not record.source.startswith(MLIR_AIE_SOURCE):
            # a user's kernel goes into its cores' object (object_source)
            raise ValueError(f"@{record.symbol}: an object of its own is built from mlir-aie only")
    if not objects:
        return ""
    lines = [
        "# mlir-aie's GEMM kernels (aie_kernels/<aie2|aie2p>/mm.cc), from your mlir-aie:",
        "# MLIR_AIE_DIR is its installation (include/aie_api); its aie_kernels directory is",
        "# $MLIR_AIE_DIR/aie_kernels unless MLIR_AIE_KERNELS_DIR says otherwise.",
        ': "${MLIR_AIE_DIR:?set MLIR_AIE_DIR to your mlir-aie installation (GEMM kernels)}"',
        'MM_KERNELS="${MLIR_AIE_KERNELS_DIR:-$MLIR_AIE_DIR/aie_kernels}"',
    ]
    for name, record in objects.items():
        assert record.source is not None
        source = record.source.removeprefix(MLIR_AIE_SOURCE)
        lines += [
            f'if [ ! -f "$MM_KERNELS/{source}" ]; then',
            f'    echo "error: $MM_KERNELS/{source} not found (set MLIR_AIE_KERNELS_DIR to '
            "mlir-aie's aie_kernels directory)\" >&2",
            "    exit 1",
            "fi",
            f'"$PEANO_INSTALL_DIR/bin/clang++" {MLIR_AIE_KERNEL_FLAGS} \\',
            f"    --target={target}-none-unknown-elf \\",
            f'    -I "$MLIR_AIE_DIR/include" {" ".join(record.flags)} \\',
            f'    -c "$MM_KERNELS/{source}" -o {name}',
        ]
    return "\n".join(lines) + "\n"


def peano_target(device: str) -> str:
    return "aie2p" if device.startswith("npu2") else "aie2"


def build_script(
    device: str,
    problem: str | None = None,
    objects: Sequence[str] = ("kernels",),
    aie_api: Collection[str] = (),
    own: Sequence[KernelDecl] = (),
) -> str:
    """build.sh: one Peano compile line per kernel object the cores link
    (`objects`: their stems; those in `aie_api` hold a user's AIE source), one
    per object of kernels built on their own (`own`: their records), then
    aiecc.py."""
    target = peano_target(device)
    refuse = "" if problem is None else f"echo {shlex.quote('error: ' + problem)} >&2\nexit 1\n"
    options = " ".join(AIECC_OPTIONS)
    compiles = "\n".join(compile_line(target, stem, stem in aie_api) for stem in objects)
    if own:
        compiles += "\n" + own_object_lines(target, own).rstrip("\n")
    return f"""#!/bin/sh
# Build the NPU design: the kernels with Peano (llvm-aie), then aiecc.py.
# Written for {MLIR_AIE_RELEASE}:
# needs its aiecc.py on PATH and PEANO_INSTALL_DIR set (both from the
# mlir-aie installation); the options used are checked against its --help.
set -e
cd "$(dirname "$0")"
{refuse}if ! command -v aiecc.py >/dev/null 2>&1; then
    echo "error: aiecc.py is not on PATH; this project is written for \\
{MLIR_AIE_RELEASE} (newer releases have only the C++ aiecc)" >&2
    exit 1
fi
help=$(aiecc.py --help 2>&1 || true)
missing=""
for option in {options}; do
    case "$help" in *"$option"*) ;; *) missing="$missing $option" ;; esac
done
if [ -n "$missing" ]; then
    version=$(aiecc.py --version 2>&1 | head -n 1 || true)
    echo "error: the installed aiecc.py ($version) lacks$missing; this project is written \\
for {MLIR_AIE_RELEASE}" >&2
    exit 1
fi
{compiles}
aiecc.py --aie-generate-xclbin --aie-generate-npu-insts --no-compile-host \\
    --no-xchesscc --no-xbridge --peano "$PEANO_INSTALL_DIR" \\
    --xclbin-name=final.xclbin --npu-insts-name=insts.bin aie.mlir
"""


# The kernel aiecc.py puts in the xclbin (mlir-aie's emit_design_kernel_json):
# opcode, instr, ninstr, then five host buffers bo0..bo4, i.e. XRT argument
# (group_id) 3..7 hold the runtime sequence's arrays in order.
KERNEL_SIGNATURE = ("opcode", "instr", "ninstr", "bo0", "bo1", "bo2", "bo3", "bo4")
FIRST_DATA_ARG = KERNEL_SIGNATURE.index("bo0")
DATA_BUFFERS = len(KERNEL_SIGNATURE) - FIRST_DATA_ARG


def buffer_count_problem(count: int) -> str | None:
    """Why the xclbin cannot take `count` arrays, or None if it can."""
    if count <= DATA_BUFFERS:
        return None
    return (
        f"the runtime sequence takes {count} arrays, but the xclbin aiecc.py builds has "
        f"{DATA_BUFFERS} host-buffer arguments (bo0..bo{DATA_BUFFERS - 1}, XRT arguments "
        f"{FIRST_DATA_ARG}..{len(KERNEL_SIGNATURE) - 1}); dato-npu-pack-buffers packs arrays "
        f"of one element type into one buffer (the aie target runs it), so pass at most "
        f"{DATA_BUFFERS} element types to run it on an NPU"
    )


def design_layout(module: ModuleOp) -> Layout:
    """How the host lays the program's arrays into the design's buffers: the
    padded block rows (`dato.padded_rows` on the aie.device) and the packing
    (dato-npu-pack-buffers), as plain data for host_layout."""
    padding: dict[int, tuple[int, int]] = {}
    for op in module.walk():
        if isinstance(op, aie.DeviceOp):
            padding = read_padding(op)
            break
    packed = design_packing(module)
    packing, sizes = packed if packed is not None else (None, None)
    words = read_wide_words(module)  # i64 / i65..i128 arrays as 32-bit words
    layout = Layout(padding=padding, packing=packing, sizes=sizes, words=words)
    constants = constant_arrays(module)
    if constants:
        layout["constants"] = constants
    return layout


# the host's arrays of each element type a table may have (bf16: ml_dtypes',
# as the user's bf16 arrays; np.save writes its bytes, run.py loads them as
# the 2-byte void type it loads the user's bf16 .npy files as)
_NUMPY_TYPES = {
    "i8": np.dtype(np.int8),
    "i16": np.dtype(np.int16),
    "i32": np.dtype(np.int32),
    "f32": np.dtype(np.float32),
    "bf16": np.dtype(ml_dtypes.bfloat16),
}


def constant_arrays(module: ModuleOp) -> list[np.ndarray]:
    """The values of the compiler-supplied arguments (dato-npu-constant-inputs:
    constant tables too big for a tile), in argument order; they follow the
    user's arrays."""
    out: list[np.ndarray] = []
    for _, values in sorted(read_constant_values(module).items()):
        t = values.get_type()
        dtype = _NUMPY_TYPES[str(t.get_element_type())]
        out.append(np.array(values.get_values(), dtype=dtype).reshape(t.get_shape()))
    return out


CONSTANTS_FILE = "constant{k}.npy"
"""run.py's compiler-supplied arrays, beside it."""


HOST_LAYOUT = Path(__file__).parent / "host_layout.py"
"""Copied beside run.py: the one code that lays arrays into buffers and back."""


def runner_script(arg_names: list[str], layout: Layout | None = None) -> str:
    """run.py; `layout` (design_layout) pads and packs the arrays into the
    runtime sequence's buffers with host_layout.py, as the virtual NPU run does."""
    names = ", ".join(repr(n) for n in arg_names)
    if layout is None:
        layout = Layout(padding={}, packing=None, sizes=None, words={})
    packing = layout["packing"]
    count = len(layout.get("constants", []))
    files = [CONSTANTS_FILE.format(k=k) for k in range(count)]
    literal = {k: v for k, v in layout.items() if k != "constants"}
    problem = buffer_count_problem(len(arg_names) + count if packing is None else len(packing))
    if problem is not None:
        return f'''"""This design cannot run on an NPU: {problem}."""

import sys

sys.exit({problem!r})
'''
    return f'''"""Run the built design on a Ryzen AI NPU with pyxrt (AMD XRT).

    python run.py in0.npy in1.npy ...   # one .npy per argument, in order; outputs
                                         # are written back to the same files
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from host_layout import from_buffers, to_buffers  # noqa: E402 (beside this file)

ARGS = [{names}]
# padding: array -> (L, Lp), its block rows of L elements travel as Lp (zero
# padded); packing: per buffer, (array, element offset) pairs (None: one buffer
# per array); sizes: each packed buffer's element count
LAYOUT = {literal!r}
# the compiler-supplied arrays (constant tables too big for a tile), after ARGS
CONSTANTS = {files!r}
HERE = Path(__file__).resolve().parent
LAYOUT["constants"] = [np.load(HERE / name) for name in CONSTANTS]


def main() -> None:
    try:
        import pyxrt
    except ImportError:
        sys.exit("pyxrt is not importable: install AMD XRT to run on an NPU")
    arrays = [np.load(path) for path in sys.argv[1:]]
    if len(arrays) != len(ARGS):
        sys.exit(f"expected {{len(ARGS)}} .npy files ({{', '.join(ARGS)}}), got {{len(arrays)}}")
    device = pyxrt.device(0)
    xclbin = pyxrt.xclbin("final.xclbin")
    device.register_xclbin(xclbin)
    context = pyxrt.hw_context(device, xclbin.get_uuid())
    kernel = pyxrt.kernel(context, "MLIR_AIE")
    instructions = np.fromfile("insts.bin", dtype=np.uint32)
    bo_instr = pyxrt.bo(device, instructions.nbytes, pyxrt.bo.cacheable, kernel.group_id(1))
    bo_instr.write(instructions.tobytes(), 0)
    bo_instr.sync(pyxrt.xclBOSyncDirection.XCL_BO_SYNC_BO_TO_DEVICE)
    buffers = [np.ascontiguousarray(b) for b in to_buffers(LAYOUT, arrays)]
    bos = []
    for k, array in enumerate(buffers):  # XRT arguments {FIRST_DATA_ARG}.. are bo0.. of the kernel
        group = kernel.group_id({FIRST_DATA_ARG} + k)
        bo = pyxrt.bo(device, array.nbytes, pyxrt.bo.host_only, group)
        bo.write(array.tobytes(), 0)
        bo.sync(pyxrt.xclBOSyncDirection.XCL_BO_SYNC_BO_TO_DEVICE)
        bos.append(bo)
    start = time.perf_counter()
    run = kernel(3, bo_instr, len(instructions), *bos)  # opcode 3: run the instruction stream
    state = run.wait()
    elapsed = time.perf_counter() - start
    if state != pyxrt.ert_cmd_state.ERT_CMD_STATE_COMPLETED:
        sys.exit(f"NPU run failed: the kernel ended in state {{state}}; outputs not written")
    results = []
    for buffer, bo in zip(buffers, bos):
        bo.sync(pyxrt.xclBOSyncDirection.XCL_BO_SYNC_BO_FROM_DEVICE)
        data = np.frombuffer(bo.read(buffer.nbytes, 0), dtype=buffer.dtype)
        results.append(data.reshape(buffer.shape))
    outputs = [array.copy() for array in arrays]
    from_buffers(LAYOUT, results, outputs)
    for path, out in zip(sys.argv[1:], outputs):
        np.save(path, out)
    print(f"NPU run: {{elapsed * 1e3:.3f}} ms (measured on the NPU by the host)")


if __name__ == "__main__":
    main()
'''


@dataclass(frozen=True)
class Project:
    directory: Path
    device: str

    @property
    def mlir(self) -> Path:
        return self.directory / "aie.mlir"


def write_project(module: ModuleOp, directory: str | Path, arg_names: list[str]) -> Project:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    device = _device_name(module)
    # the tables' values go to the host (constant{k}.npy), not to aiecc.py
    values = module.attributes.pop(CONSTANT_VALUES, None)
    try:
        (out / "aie.mlir").write_text(module_text(module) + "\n")
    finally:
        if values is not None:
            module.attributes[CONSTANT_VALUES] = values
    (out / "kernels.cc").write_text(kernel_source(module))
    shutil.copyfile(LIBRARY, out / "dato_kernels.cc")
    script = out / "build.sh"
    problem = buffer_count_problem(len(memref_args(module)))
    stems, aie_api = write_objects(module, out)
    build = build_script(device, problem, stems, aie_api, write_own_objects(module, out))
    script.write_text(build)
    script.chmod(0o755)
    layout = design_layout(module)
    for k, array in enumerate(layout.get("constants", [])):
        np.save(out / CONSTANTS_FILE.format(k=k), array)
    (out / "run.py").write_text(runner_script(arg_names, layout))
    shutil.copyfile(HOST_LAYOUT, out / HOST_LAYOUT.name)
    return Project(out, device)


def write_objects(module: ModuleOp, out: Path) -> tuple[list[str], set[str]]:
    """Write each core object's source (and its external kernels' sources);
    return the stems of the objects build.sh compiles (those a core links of
    kernels.cc and the core objects) and those holding a user's AIE source."""
    objects = kernel_objects(module)
    for obj in objects:
        for decl in obj.external:
            where = out / EXTERNAL_DIR / decl.symbol
            where.mkdir(parents=True, exist_ok=True)
            for path in _external_files(decl):
                shutil.copyfile(path, where / path.name)
        (out / f"{obj.name}.cc").write_text(object_source(obj))
    linked = {
        op.link_with.data.removesuffix(".o")
        for op in module.walk()
        if isinstance(op, aie.CoreOp) and op.link_with is not None
    }
    stems = [s for s in ("kernels", *(o.name for o in objects)) if s in linked]
    return stems, {o.name for o in objects if any(d.source for d in o.external)}


def write_own_objects(module: ModuleOp, out: Path) -> list[KernelDecl]:
    """The objects of kernels built on their own (mlir-aie's mm.cc per block
    shape): each core's calls checked against their records, the host
    stand-ins the virtual NPU builds written; return the records, from which
    build.sh compiles each object."""
    records: list[KernelDecl] = []
    objects = {obj.name: obj for obj in mm_objects(module)}
    for device_op in [op for op in module.walk() if isinstance(op, aie.DeviceOp)]:
        for core in [op for op in device_op.body.block.ops if isinstance(op, aie.CoreOp)]:
            obj = objects.get(core.link_with.data) if core.link_with is not None else None
            if obj is not None:
                called_records(core, device_op, {r.symbol: r for r in obj.records})
    for obj in objects.values():
        records += obj.records
    write_gemm_kernels(module, out)
    return records


def toolchain_status() -> dict[str, bool]:
    """What this machine has of the NPU toolchain."""
    try:
        import pyxrt  # noqa: F401

        has_xrt = True
    except ImportError:
        has_xrt = False
    return {
        "aiecc.py": shutil.which("aiecc.py") is not None,
        "pyxrt": has_xrt,
        "npu": Path("/dev/accel/accel0").exists(),
    }


def require_device(module: ModuleOp) -> aie.DeviceOp:
    """The one aie.device of a lowered module, or a diagnostic saying what to run."""
    found = [op for op in module.walk() if isinstance(op, aie.DeviceOp)]
    if len(found) != 1:
        raise op_error(
            found[1] if found else module,
            f"expected one aie.device, found {len(found)}; lower the program first "
            "(-p dato-virtual-map,dato-physical-map,dato-lower-to-aie)",
        )
    return found[0]


def memref_args(module: ModuleOp) -> list[MemRefType]:
    for op in module.walk():
        if isinstance(op, aie.RuntimeSequenceOp):
            return [a.type for a in op.body.block.args]  # type: ignore[misc]
    return []


@dataclass(frozen=True)
class AieKernelsTarget(Target):
    """`dato-opt -t aie-kernels`: the kernels.cc a lowered design links."""

    name = "aie-kernels"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        output.write(kernel_source(module))


@dataclass(frozen=True)
class AieProjectTarget(Target):
    """`dato-opt -t "aie-project{dir=out}"`: write the whole NPU project of a
    lowered design (aie.mlir, kernels, build and run scripts) into `dir`."""

    name = "aie-project"

    dir: str = "aie_project"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        device = require_device(module)
        packed = design_packing(module)
        count = len(memref_args(module))
        if packed is not None:  # the program's arrays, packed into the sequence's buffers
            count = 1 + max(k for group in packed[0] for k, _ in group)
        count -= len(read_constant_values(module))  # the host supplies those
        names = [f"arg{k}" for k in range(count)]
        problem = buffer_count_problem(len(memref_args(module)))
        if problem is not None:  # this target writes the hardware project only
            sequence = next(op for op in device.walk() if isinstance(op, aie.RuntimeSequenceOp))
            raise op_error(sequence, problem)
        project = write_project(module, self.dir, names)
        output.write(f"wrote NPU project for {project.device} to {project.directory}\n")
