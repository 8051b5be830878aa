"""Module-level numpy arrays and numbers a kernel refers to, made kernel values.

A numpy array becomes a constant table: a local buffer at the top of the task
body whose allocation carries the values as a dense attribute (`dato.constant`,
docs/kernel-language.md "Constants"): the simulator starts the buffer with
them, the NPU lowering makes it an initialised `aie.buffer`, the HLS lowering a
`memref.global constant` (a C++ `static const` array, a ROM)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from xdsl.dialects import memref
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    TensorType,
)
from xdsl.ir import Operation

from dato_xdsl.frontend.types import ALL_DTYPES, DType, bool_, float32, int32
from dato_xdsl.transforms.constant_tables import CONSTANT_ATTR

# a table larger than this is almost surely data for an argument, not a constant
# (Allo's MLP test embeds 256 x 128 weights)
MAX_CONSTANT_ELEMENTS = 1 << 20


def python_number(value: object) -> object:
    """A numpy scalar as the Python number it holds; anything else unchanged."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def constant_dtype(array: np.ndarray) -> DType | str:
    """The element type of a constant table, or why it has none. numpy's
    default int64 and float64 become int32 and float32 when the values fit, as
    a kernel computes in those types."""
    if array.dtype == np.bool_:
        return bool_
    if array.dtype == np.float64:
        return float32
    if array.dtype == np.int64 and array.size and (array.min() >= -(2**31) and array.max() < 2**31):
        return int32
    for d in ALL_DTYPES:
        if d.numpy == array.dtype:
            return d
    return f"numpy dtype {array.dtype} has no kernel type"


def materialise(
    array: np.ndarray, dtype: DType, hoist: Callable[[Operation], Operation]
) -> Operation:
    """The allocation (placed by `hoist` at the top of the task) of a constant
    table: its values are the dense `dato.constant` attribute, which every
    target reads (transforms/constant_tables.py)."""
    storage = dtype.storage
    alloc = hoist(memref.AllocOp.get(storage.ir, shape=list(array.shape)))
    alloc.attributes[CONSTANT_ATTR] = DenseIntOrFPElementsAttr.from_list(
        TensorType(storage.ir, list(array.shape)),
        [
            float(v) if storage.is_float else _signed(int(v), storage.width)
            for v in array.reshape(-1)
        ],
    )
    return alloc


def _signed(n: int, width: int) -> int:
    n &= (1 << width) - 1
    return n - (1 << width) if width > 1 and n >= 1 << (width - 1) else n
