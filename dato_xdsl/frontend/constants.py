"""Module-level numpy arrays and numbers a kernel refers to, made kernel values.

A numpy array becomes a local buffer at the top of the task body, written
element by element with constants (docs/kernel-language.md, "Constants"): every
target already runs local buffers and scalar stores, so the table reaches the
NPU core as data it initialises itself. The allocation also carries the values
as a dense attribute (`dato.constant`): the HLS lowering makes it a
`memref.global constant` and the C++ a `static const` array (a ROM), without
the fill."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from xdsl.dialects import arith, memref
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    TensorType,
)
from xdsl.ir import Operation

from dato_xdsl.frontend.types import ALL_DTYPES, DType, bool_, float32, int32
from dato_xdsl.transforms.constant_tables import CONSTANT_ATTR

# a table larger than this is almost surely data for an argument, not a constant
MAX_CONSTANT_ELEMENTS = 4096


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
    """Ops (placed by `hoist` at the top of the task) allocating and filling a
    buffer with `array`; returns the allocation."""
    storage = dtype.storage
    alloc = hoist(memref.AllocOp.get(storage.ir, shape=list(array.shape)))
    indices: dict[int, Operation] = {}

    def index(k: int) -> Operation:
        if k not in indices:
            indices[k] = hoist(arith.ConstantOp(IntegerAttr(k, IndexType())))
        return indices[k]

    values: dict[object, Operation] = {}
    for pos, v in np.ndenumerate(array):
        if storage.is_float:
            key: object = float(v)
            attr = FloatAttr(float(v), storage.ir)
        else:
            n = int(v) & ((1 << storage.width) - 1)
            if n >= 1 << (storage.width - 1) and storage.width > 1:
                n -= 1 << storage.width  # IntegerAttr holds the signed reading
            key = n
            attr = IntegerAttr(n, IntegerType(storage.width))
        if key not in values:
            values[key] = hoist(arith.ConstantOp(attr))
        hoist(
            memref.StoreOp.get(
                values[key].results[0],
                alloc.results[0],
                [index(k).results[0] for k in pos],
            )
        )
    # the table's data as one attribute too: a target that keeps constants as
    # constant data (HLS: a `static const` ROM) reads it and drops the fill
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
