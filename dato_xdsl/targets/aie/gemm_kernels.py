"""The mlir-aie GEMM kernels a lowered design links, for its NPU project.

A vector GEMM design (transforms/npu_gemm_design.py) has cores that link
`mm_<m>x<k>x<n>.o` and call `zero_<acc>` / `matmul_<in>_<acc>`: mlir-aie's
aie_kernels/<aie2|aie2p>/mm.cc compiled for that block shape. Everything is
read from the design (the cores' link_with, the kernels they call, the
device), nothing from Python-side state. Each such object's kernels are
described by the declaration record every kernel has (kernel_decls.KernelDecl,
as a user's dato.ExternalModule and the kernel library's): symbol, argument
types, inputs and outputs, source `mlir-aie:<aie2|aie2p>/mm.cc` (a file of the
user's mlir-aie), reference mm_blocked_reference.cc, flags mm.cc's defines
(-DBIT_WIDTH=8 -D<in>_<acc>_ONLY -DDIM_M/-DDIM_K/-DDIM_N, as mlir-aie's
whole_array Makefile passes them) and object `mm_<m>x<k>x<n>.o`. From those
records the project (project.py) checks each core's calls, writes the build.sh
line compiling mm.cc from the user's mlir-aie (MLIR_AIE_DIR: the installation
whose include/ holds aie_api; its aie_kernels/ directory, or
MLIR_AIE_KERNELS_DIR), and `mm_<m>x<k>x<n>.cc`, a host stand-in the virtual
NPU compiles instead (the AIE API does not build with g++): the record's
defines around our plain C++ reference of the blocked kernels."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from xdsl.dialects import func
from xdsl.dialects.builtin import BFloat16Type, Float32Type, IntegerType, MemRefType, ModuleOp
from xdsl.ir import Attribute

from dato_xdsl import devices
from dato_xdsl.dialects import aie
from dato_xdsl.transforms.kernel_decls import MLIR_AIE_SOURCE, KernelDecl
from dato_xdsl.transforms.npu_gemm_design import KERNEL_DIRS, MMUL_SHAPES

REFERENCE = Path(__file__).parent / "kernels" / "mm_blocked_reference.cc"

_OBJECT = re.compile(r"^mm_(?P<m>\d+)x(?P<k>\d+)x(?P<n>\d+)\.o$")
_MATMUL = re.compile(r"^matmul_(?P<operand>i8|i16|bf16)_(?P<acc>i32|f32)$")
_ELEMENT: dict[str, Attribute] = {
    "i8": IntegerType(8),
    "i16": IntegerType(16),
    "i32": IntegerType(32),
    "bf16": BFloat16Type(),
    "f32": Float32Type(),
}


@dataclass(frozen=True)
class MmObject:
    """One mm.cc build: its object name, block shape, types and device."""

    name: str
    m: int
    k: int
    n: int
    operand: str
    acc: str
    arch: str

    @property
    def flags(self) -> list[str]:
        """mm.cc's defines for this build (whole_array's Makefile)."""
        return [
            "-DBIT_WIDTH=8",
            f"-D{self.operand}_{self.acc}_ONLY",
            f"-DDIM_M={self.m}",
            f"-DDIM_K={self.k}",
            f"-DDIM_N={self.n}",
        ]

    @property
    def source(self) -> str:
        """mm.cc's path under the aie_kernels directory."""
        return f"{KERNEL_DIRS[self.arch]}/mm.cc"

    @property
    def records(self) -> tuple[KernelDecl, KernelDecl]:
        """The declaration records of its kernels, zero_<acc> and
        matmul_<in>_<acc>: C (m x n, accumulator type) is written whole by
        zero and accumulated into by matmul (read and written)."""
        operand, acc = _ELEMENT[self.operand], _ELEMENT[self.acc]
        a = MemRefType(operand, [self.m, self.k])
        b = MemRefType(operand, [self.k, self.n])
        c = MemRefType(acc, [self.m, self.n])

        def record(symbol: str, args: tuple[Attribute, ...], reads: tuple[int, ...]) -> KernelDecl:
            return KernelDecl(
                symbol=symbol,
                arg_types=args,
                inputs=reads,
                outputs=(len(args) - 1,),
                source=f"{MLIR_AIE_SOURCE}{self.source}",
                reference=str(REFERENCE),
                flags=tuple(self.flags),
                object=self.name,
            )

        zero = record(f"zero_{self.acc}", (c,), ())
        matmul = record(f"matmul_{self.operand}_{self.acc}", (a, b, c), (0, 1, 2))
        return zero, matmul


def mm_objects(module: ModuleOp) -> list[MmObject]:
    """The mm.cc objects the design's cores link, in first-use order."""
    arch = None
    for op in module.walk():
        if isinstance(op, aie.DeviceOp):
            device = devices.by_code(op.device.value.data)
            arch = device.arch if device is not None else None
    found: dict[str, MmObject] = {}
    for op in module.walk():
        if not isinstance(op, aie.CoreOp) or op.link_with is None:
            continue
        match = _OBJECT.match(op.link_with.data)
        if match is None or arch not in KERNEL_DIRS:
            continue
        for inner in op.walk():
            call = (
                _MATMUL.match(inner.callee.string_value())
                if isinstance(inner, func.CallOp)
                else None
            )
            if call is not None:
                m, k, n = (int(match[x]) for x in "mkn")
                obj = MmObject(op.link_with.data, m, k, n, call["operand"], call["acc"], arch)
                found.setdefault(obj.name, obj)
    return list(found.values())


def stand_in(obj: MmObject) -> str:
    """The host source the virtual NPU builds for `obj`."""
    r, s, t = MMUL_SHAPES[obj.arch][obj.operand]
    record = obj.records[1]
    # the record's defines (those build.sh passes mm.cc), then the mmul shape
    # mm.cc picks by itself from the architecture, which the reference is told
    defines = [
        *(f"#define {name} {value}" for name, value in record.defines()),
        f"#define DATO_MMUL_R {r}",
        f"#define DATO_MMUL_S {s}",
        f"#define DATO_MMUL_T {t}",
    ]
    return "\n".join(
        [
            f"// Generated by dato-xdsl: host stand-in for {obj.name}, which build.sh compiles",
            f"// from mlir-aie's aie_kernels/{obj.source} ({' '.join(record.flags)}).",
            "// The virtual NPU builds this instead: the same kernels in plain C++ on the",
            f"// blocked layout of aie::mmul<{r}, {s}, {t}> ({obj.arch}).",
            *defines,
            f'#include "{Path(record.reference or REFERENCE).name}"',
            "",
        ]
    )


def write_gemm_kernels(module: ModuleOp, directory: Path) -> None:
    """The host stand-ins and the reference they include, into the project."""
    objects = mm_objects(module)
    for obj in objects:
        (directory / obj.name.removesuffix(".o")).with_suffix(".cc").write_text(stand_in(obj))
    if objects:
        shutil.copyfile(REFERENCE, directory / REFERENCE.name)


__all__ = [
    "MmObject",
    "mm_objects",
    "stand_in",
    "write_gemm_kernels",
]
