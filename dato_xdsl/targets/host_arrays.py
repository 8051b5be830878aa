"""Host numpy arrays as every target's module takes them.

Targets run on C-contiguous, writeable arrays of the native byte order. Users
pass whatever numpy gives them: views with strides (`big[::2, 1:]`), Fortran
order, read-only inputs, byte-swapped data. Such an array is copied into a
staging array before the run and, when the program writes it, copied back
after, so outputs are still updated in place (in the caller's view, and hence
in its parent array)."""

from __future__ import annotations

import re
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


_INTEGER_NAME = re.compile(r"(u?)int(\d+)")


def declared_range(dtype_name: str) -> tuple[int, int] | None:
    """The values an integer element type spelled `dtype_name` (`int12`,
    `uint100`) holds, or None where its numpy dtype already bounds them (the
    standard widths, floats, bool)."""
    match = _INTEGER_NAME.fullmatch(dtype_name)
    if match is None:
        return None
    width = int(match.group(2))
    if width in (8, 16, 32, 64):
        return None
    if match.group(1):
        return 0, (1 << width) - 1
    return -(1 << (width - 1)), (1 << (width - 1)) - 1


def out_of_range(a: np.ndarray, name: str, dtype_name: str) -> str | None:
    """Why the array `a` given for argument `name` of element type
    `dtype_name` cannot run, or None. Every target takes an argument's values
    in its declared range (docs/kernel-language.md, "Integer widths"), as a
    numpy int8 array cannot hold 200: an Int(12) in its int16 storage or an
    Int(100) in an object array may, and targets read such a value
    differently (the simulator keeps an Int(100) of 2^100 + 2^92 + 1 whole,
    the NPU keeps its low 100 bits), so it is refused, named, before any
    target runs."""
    bounds = declared_range(dtype_name)
    if bounds is None or a.size == 0:
        return None
    lo, hi = bounds
    if a.dtype == object:
        for index in np.ndindex(a.shape):
            v = a[index]
            # elements that are not integers (None in np.empty) are not values
            if isinstance(v, int | np.integer) and not lo <= int(v) <= hi:
                return _range_message(name, dtype_name, list(index), int(v), lo, hi)
        return None
    if a.dtype.kind not in "iu":
        return None
    bad = np.argwhere((a < lo) | (a > hi))
    if len(bad) == 0:
        return None
    index = [int(i) for i in bad[0]]
    return _range_message(name, dtype_name, index, int(a[tuple(index)]), lo, hi)


def _range_message(name: str, dtype_name: str, index: list[int], v: int, lo: int, hi: int) -> str:
    return (
        f"argument '{name}' holds {v} at index {index}, outside the range of "
        f"{dtype_name} ({lo} to {hi}); give values in range (wrap them to the "
        "width first if wrap-around is meant)"
    )
