"""The NPU kernel library (targets/aie/kernels/dato_kernels.cc) described with
the declaration record every kernel uses (kernel_decls.KernelDecl), and the
program-memory estimates of a core.

The lowering names a library kernel `dato_<kind>_<type>[_<acc>]_<dims>`; this
module turns such a name and its MLIR argument types into the record: which
arguments it reads and writes, its source (the library, plain C++, so it is its
own reference) and its estimated code size.

Program size is an ESTIMATE, never a Peano measurement (Peano is not here):
- a library kernel: the x86-64 code size of its library function as measured
  with g++ 12.2 `-Os -ffunction-sections` (`nm -S`, measured 2026-11-30), times
  AIE_CODE_FACTOR; AIE-ML instructions are 16 to 128 bits (VLIW bundles), and
  scalar code pads bundles, so its code is taken to be 4x x86-64's (a stated
  guess, not a measurement);
- the libm functions a kernel pulls in (expf, logf, sqrtf): glibc's x86-64
  code plus its lookup table, times the same factor;
- the core's own code: CORE_BASE_BYTES (start-up code, main, lock helpers; a
  guess) plus BYTES_PER_CORE_OP for each op of its body (one 128-bit bundle);
- a second entry of a library function the core already has (another
  shape): its wrapper only, ENTRY_BYTES;
- a user's external kernel: the `program_bytes` it declares, else
  EXTERNAL_DEFAULT_BYTES (stated as undeclared in the report)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from xdsl.dialects import func
from xdsl.dialects.builtin import BFloat16Type, Float32Type, IntegerType
from xdsl.ir import Attribute

from dato_xdsl.transforms.kernel_decls import KernelDecl, is_kernel_declaration, read_declaration


def type_suffix(t: Attribute) -> str:
    """A kernel name's element-type part (`dato_add_i16`, `matmul_bf16_f32`)."""
    if isinstance(t, BFloat16Type):
        return "bf16"
    if isinstance(t, Float32Type):
        return "f32"
    if isinstance(t, IntegerType):
        return f"i{t.width.data}"
    raise ValueError(f"no kernel type for {t}")


LIBRARY_SOURCE = (
    Path(__file__).resolve().parent.parent / "targets" / "aie" / "kernels" / "dato_kernels.cc"
)
"""A data file of the package (read, never imported)."""

NAME = re.compile(
    r"^dato_(?P<kind>[a-z]+)_(?P<t>i8|i16|i32|i64|f32|bf16|u8|u16)"
    r"(?:_(?P<acc>i8|i16|i32|f32|bf16))?_(?P<dims>[0-9x]+)(?:_shapes(?:_[0-9x]+)+)?$"
)
"""`u8`, `u16`: a matmul's unsigned operands (`UInt`, `dato.cast = "unsigned"`),
read zero-extended; only mixed-precision matmuls have them. `_shapes_<a>_<b>`:
the arrays' shapes, naming one more signature of the same element count (a
copy of [8] into [8] beside one of [1, 8] into [1, 8]); the entry ignores them."""

AIE_CODE_FACTOR = 4
CORE_BASE_BYTES = 1024
BYTES_PER_CORE_OP = 16
EXTERNAL_DEFAULT_BYTES = 4096
ENTRY_BYTES = 16 * AIE_CODE_FACTOR
"""a shape's extern "C" entry around a library function a core already has
(x86-64 -Os: a 16-byte tail call), times the factor"""

# x86-64 bytes of each library function, g++ 12.2 -Os (see the module docstring):
# elementwise and fill/copy by kind and type, matmul by operand[_accumulator] type.
X86_OS_BYTES: dict[tuple[str, str], int] = {}
_X86_TABLE = """
add  i8 24 i16 27 i32 24 i64 24 f32 27 bf16 61
sub  i8 24 i16 27 i32 24 i64 24 f32 27 bf16 61
mul  i8 26 i16 28 i32 25 i64 25 f32 27 bf16 61
max  i8 31 i16 35 i32 31 i64 31 f32 54 bf16 82
min  i8 31 i16 35 i32 31 i64 31 f32 54 bf16 82
fill i8 14 i16 16 i32 15 i64 16 f32 17 bf16 16
copy i8 18 i16 20 i32 18 i64 20 f32 22 bf16 20
exp  f32 52 bf16 62
log  f32 52 bf16 62
sqrt f32 52 bf16 62
matmul i8 132 i16 154 i32 146 f32 139 bf16 178 i8_i16 150 i8_i32 146 i16_i32 159 bf16_f32 166
matmul i8_f32 158 i16_f32 170 i8_bf16 179 i16_bf16 202
matmul u8_i16 150 u8_i32 146 u16_i32 159 u8_f32 192 u16_f32 208 u8_bf16 218 u16_bf16 230
"""
for _line in _X86_TABLE.strip().splitlines():
    _kind, *_rest = _line.split()
    for _t, _n in zip(_rest[::2], _rest[1::2], strict=True):
        X86_OS_BYTES[(_kind, _t)] = int(_n)

# glibc 2.36 x86-64 (static link, nm -S): expf 260 + 256-byte table, logf 289 +
# 256-byte table, sqrtf 35; bf16 rounding helper float_to_bf16 51.
LIBM_X86_BYTES = {"exp": 260 + 256, "log": 289 + 256, "sqrt": 35}
BF16_HELPER_X86_BYTES = 51


def matmul_suffix(operand: Attribute, result: Attribute, unsigned: bool = False) -> str:
    """The type part of a matmul kernel's name: the operand type, then the
    result type when it differs (`i8_f32`); `u8` / `u16` for unsigned
    operands (`u8_i32`)."""
    key = type_suffix(operand)
    if unsigned and isinstance(operand, IntegerType):
        key = "u" + key[1:]
    out = type_suffix(result)
    return key if out == key else f"{key}_{out}"


def has_matmul(suffix: str) -> bool:
    """Whether the library has the matmul of this `matmul_suffix`."""
    return ("matmul", suffix) in X86_OS_BYTES


@dataclass(frozen=True)
class LibraryKernel:
    kind: str
    type_key: str
    """operand type, or operand_accumulator for a mixed-precision matmul"""
    operand: str = ""
    """the operand type part of the name (`i8`, `u8`, `bf16`)"""
    acc: str | None = None
    """a mixed-precision matmul's output type, else None"""
    dims: tuple[int, ...] = ()
    """m, k, n of a matmul; the element count(s) of any other kernel"""


def parse(symbol: str) -> LibraryKernel | None:
    m = NAME.match(symbol)
    if m is None:
        return None
    key = m["t"] if m["acc"] is None else f"{m['t']}_{m['acc']}"
    dims = tuple(int(d) for d in m["dims"].split("x") if d)
    return LibraryKernel(m["kind"], key, m["t"], m["acc"], dims)


def is_library(decl: KernelDecl) -> bool:
    """A record of the kernel library's (its source is dato_kernels.cc and its
    name the lowering's): the project writes its extern "C" entry, where a
    user's kernel gets its sources included. The source is compared by file
    name: a design written on another machine names that machine's copy, and
    the project always carries this package's."""
    if decl.source is None or parse(decl.symbol) is None:
        return False
    return Path(decl.source).name == LIBRARY_SOURCE.name


def declared_record(op: func.FuncOp) -> KernelDecl | None:
    """The record of a kernel declaration: the one it carries (a user's
    ExternalModule; a library kernel after dato-npu-kernel-objects), else the
    library's by its name; None for a declaration neither describes."""
    if is_kernel_declaration(op):
        return read_declaration(op)
    return library_record(op.sym_name.data, tuple(op.function_type.inputs.data))


def library_record(symbol: str, arg_types: tuple[Attribute, ...]) -> KernelDecl | None:
    """The record of a library kernel the lowering declared, or None for a name
    that is not the library's."""
    kernel = parse(symbol)
    if kernel is None:
        return None
    n = len(arg_types)
    if kernel.kind == "matmul":
        inputs, outputs = (0, 1, 2), (2,)  # accumulates into c: reads it too
    elif kernel.kind == "fill":
        inputs, outputs = (1,), (0,)
    else:
        inputs, outputs = tuple(range(n - 1)), (n - 1,)
    return KernelDecl(
        symbol=symbol,
        arg_types=arg_types,
        inputs=inputs,
        outputs=outputs,
        source=str(LIBRARY_SOURCE),
        reference=str(LIBRARY_SOURCE),
        program_bytes=library_bytes(kernel),
    )


def library_bytes(kernel: LibraryKernel) -> int:
    """Estimated AIE code size of one library kernel (see the module docstring)."""
    x86 = X86_OS_BYTES.get((kernel.kind, kernel.type_key))
    if x86 is None:
        x86 = max(X86_OS_BYTES.values())  # a form the table lacks: the largest
    if kernel.type_key.startswith("bf16"):
        x86 += BF16_HELPER_X86_BYTES
    x86 += LIBM_X86_BYTES.get(kernel.kind, 0)
    return x86 * AIE_CODE_FACTOR


__all__ = [
    "AIE_CODE_FACTOR",
    "BYTES_PER_CORE_OP",
    "CORE_BASE_BYTES",
    "ENTRY_BYTES",
    "EXTERNAL_DEFAULT_BYTES",
    "LIBRARY_SOURCE",
    "X86_OS_BYTES",
    "declared_record",
    "has_matmul",
    "is_library",
    "library_bytes",
    "library_record",
    "matmul_suffix",
    "parse",
    "type_suffix",
]
