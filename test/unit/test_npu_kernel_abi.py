"""Every kernel entry point kernels.cc defines takes the C types its MLIR
func.func declaration passes: a memref as a pointer to its element type, a
scalar as that type, and a bf16 scalar as the AIE compiler's bfloat16 (Peano's
__bf16: MLIR's bf16 is LLVM's bfloat, which is not passed like an i16)."""

from __future__ import annotations

import re
import shutil
import subprocess

from xdsl.dialects import func
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float32Type,
    IntegerType,
    MemRefType,
    ModuleOp,
)

from dato_xdsl.targets.aie.project import LIBRARY, kernel_source

TYPES = {
    "i8": IntegerType(8),
    "i16": IntegerType(16),
    "i32": IntegerType(32),
    "i64": IntegerType(64),
    "f32": Float32Type(),
    "bf16": BFloat16Type(),
}
# C spelling of each MLIR element type on the AIE (by hand, from the C/C++ ABI
# and Peano's __bf16); bf16 buffers hold the 16 bits.
C_ELEMENT = {
    "i8": "int8_t",
    "i16": "int16_t",
    "i32": "int32_t",
    "i64": "int64_t",
    "f32": "float",
    "bf16": "uint16_t",
}
C_SCALAR = {**C_ELEMENT, "bf16": "__bf16"}


def declarations() -> list[func.FuncOp]:
    """One declaration per kernel form the lowering names (dato_<kind>_<t>_<dims>)."""
    out = []

    def decl(name: str, *types) -> None:
        out.append(func.FuncOp.external(name, list(types), []))

    for t, e in TYPES.items():
        v = MemRefType(e, [16])
        for kind in ("add", "sub", "mul", "max", "min"):
            decl(f"dato_{kind}_{t}_16", v, v, v)
        decl(f"dato_fill_{t}_16", v, e)
        decl(f"dato_copy_{t}_16", v, v)
    for t in ("f32", "bf16"):
        v = MemRefType(TYPES[t], [16])
        for kind in ("exp", "log", "sqrt"):
            decl(f"dato_{kind}_{t}_16", v, v)
    for t, acc in [(t, t) for t in ("i8", "i16", "i32", "f32", "bf16")] + [
        ("i8", "i16"),
        ("i8", "i32"),
        ("i16", "i32"),
        ("bf16", "f32"),
    ]:
        suffix = t if acc == t else f"{t}_{acc}"
        a, b = MemRefType(TYPES[t], [4, 8]), MemRefType(TYPES[t], [8, 4])
        decl(f"dato_matmul_{suffix}_4x8x4", a, b, MemRefType(TYPES[acc], [4, 4]))
    return out


def aie_type(text: str, source: str) -> str:
    """A parameter's type as Peano sees it (typedefs in the __AIENGINE__ branch)."""
    aie_branch = source.split("#ifdef __AIENGINE__")[1].split("#else")[0]
    for typedef in re.findall(r"typedef (\w+) (\w+);", aie_branch):
        text = re.sub(rf"\b{typedef[1]}\b", typedef[0], text)
    return text


def expected(t) -> str:
    def name(e) -> str:
        return next(k for k, v in TYPES.items() if v == e)

    if isinstance(t, MemRefType):
        return C_ELEMENT[name(t.element_type)] + "*"
    return C_SCALAR[name(t)]


def test_every_kernel_declaration_matches_its_c_entry_point(tmp_path):
    decls = declarations()
    source = kernel_source(ModuleOp(decls))
    entries = dict(re.findall(r'extern "C" void (\w+)\(([^)]*)\)', source))
    assert len(entries) == len(decls)
    for op in decls:
        name = op.sym_name.data
        params = [p.strip() for p in entries[name].split(",")]
        c_types = [
            aie_type(re.sub(r"^const |\s*\w+$", "", p).replace(" ", ""), source) for p in params
        ]
        want = [expected(t) for t in op.function_type.inputs.data]
        assert c_types == want, name
    # and the entries call the library with its own signatures (host build)
    shutil.copyfile(LIBRARY, tmp_path / "dato_kernels.cc")
    (tmp_path / "kernels.cc").write_text(source)
    done = subprocess.run(
        ["g++", "-std=c++17", "-fsyntax-only", "-Wall", "-Werror", str(tmp_path / "kernels.cc")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_a_bf16_fill_passes_the_value_not_its_bits_as_an_integer():
    v = MemRefType(BFloat16Type(), [16])
    source = kernel_source(
        ModuleOp([func.FuncOp.external("dato_fill_bf16_16", [v, BFloat16Type()], [])])
    )
    (params,) = re.findall(r"void dato_fill_bf16_16\(([^)]*)\)", source)
    assert aie_type(params, source) == "uint16_t* c, __bf16 v"
