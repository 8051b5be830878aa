"""Integer constants read from the IR."""

from __future__ import annotations

from xdsl.dialects import arith
from xdsl.dialects.builtin import IntegerAttr
from xdsl.ir import SSAValue


def int_constant(value: SSAValue) -> int | None:
    """The integer an `arith.constant` gives `value`; None for anything else."""
    owner = value.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    return None


__all__ = ["int_constant"]
