"""Host numpy arrays as every target's module takes them.

Targets run on C-contiguous, writeable arrays of the native byte order. Users
pass whatever numpy gives them: views with strides (`big[::2, 1:]`), Fortran
order, read-only inputs, byte-swapped data. Such an array is copied into a
staging array before the run and, when the program writes it, copied back
after, so outputs are still updated in place (in the caller's view, and hence
in its parent array)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.npu_plan import arg_access


def written_arguments(mapped: ModuleOp) -> set[int]:
    """Indices of the region arguments some task instance writes (stores,
    copies into, linalg outputs; an unknown use counts as a write)."""
    written: set[int] = set()
    for op in mapped.walk():
        if not isinstance(op, dato.RegionOp):
            continue
        args = list(op.args)
        for group in op.groups():
            for operand, body_arg in zip(group.args, group.body.block.args, strict=False):
                if operand in args and arg_access(body_arg)[1]:
                    written.add(args.index(operand))
    return written


def is_staged(a: np.ndarray) -> bool:
    """Whether a target can run on `a` itself (no copy needed)."""
    return bool(a.flags.c_contiguous and a.flags.writeable and a.dtype.isnative)


@dataclass
class Staged:
    """The arrays a target runs on, and the caller's arrays to copy results into."""

    arrays: list[np.ndarray]
    copy_back: list[tuple[np.ndarray, np.ndarray]]
    """(caller's array, staged copy) of each written argument that was copied"""

    def finish(self) -> None:
        for caller, staged in self.copy_back:
            caller[...] = staged


def stage(arrays: list[np.ndarray], written: set[int]) -> Staged:
    """Copies of the arrays a target cannot run on directly."""
    out: list[np.ndarray] = []
    back: list[tuple[np.ndarray, np.ndarray]] = []
    for k, a in enumerate(arrays):
        if is_staged(a):
            out.append(a)
            continue
        copy = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("="))
        if copy is a or np.shares_memory(copy, a):
            copy = copy.copy()
        out.append(copy)
        if k in written:
            back.append((a, copy))
    return Staged(out, back)
