"""Kernel-language constructs the NPU target refuses rather than run
differently from the other targets (docs/kernel-language.md):

- a mixed-precision `linalg.matmul` whose operand and result types have no
  kernel in the NPU library (int32 x int32 -> float32): its core would call a
  kernel that does not exist.

Each refusal is located at the task (its Python line) and names the type."""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerType, ModuleOp, StringAttr
from xdsl.ir import Operation

from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects.linalg import UNSIGNED_CAST
from dato_xdsl.transforms.kernel_library import X86_OS_BYTES, has_matmul, matmul_suffix


def refuse_unsupported(module: ModuleOp) -> None:
    """Raise a located diagnostic for the first construct above in `module`
    (the dato IR)."""
    # int4 / uint4 arrays passed to the program move packed two per byte, as
    # AIE-ML stores them, or one per byte where a matmul kernel reads them; a
    # stream of int4 scalars carries bytes (npu_padding): nothing to refuse
    for op in module.walk():
        if op.name == "linalg.matmul":
            _refuse_missing_kernel(op)


def _refuse_missing_kernel(op: Operation) -> None:
    """A widening matmul the library has no `dato_matmul_<operand>_<result>` for
    (`u8` / `u16` operands: unsigned)."""
    a = getattr(op.operands[0].type, "element_type", None)
    out = getattr(op.operands[2].type, "element_type", None)
    unsigned = op.attributes.get(UNSIGNED_CAST) == StringAttr("unsigned")
    try:
        suffix = matmul_suffix(a, out, unsigned)  # type: ignore[arg-type]
    except ValueError:
        return  # a type no library kernel has: the lowering names the op itself
    if "_" not in suffix or has_matmul(suffix):
        return
    if isinstance(out, IntegerType) and out.width.data > 32:
        return  # dato-npu-wide-integers writes it as loops (npu_wide_integers)
    have = sorted(k for kind, k in X86_OS_BYTES if kind == "matmul" and "_" in k)
    operand, result = suffix.split("_")
    raise op_error(
        op,
        f"multiplies {operand} into {result}: the NPU kernel library has no {operand} x "
        f"{operand} -> {result} matmul "
        f"(mixed-precision kernels: {', '.join(k.replace('_', ' -> ') for k in have)}); "
        "convert the operands first, or run it on the simulator or HLS",
    )


__all__ = ["refuse_unsupported"]
