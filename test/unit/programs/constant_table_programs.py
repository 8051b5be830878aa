"""One-task programs reading a constant table (dato-npu-constant-inputs'
tests), with their numpy references."""

from typing import Any

import numpy as np

import dato_xdsl as dato
from dato_xdsl import int32


def row_sums(table: np.ndarray, elem: Any, lanes: int) -> Any:
    """y[i] = sum over k of x[k, i] * (sum of table row k): the table (of
    dato type `elem`) is read once, row k in iteration k of the top-level
    loop."""
    rows, cols = table.shape

    @dato.region()
    def top(X: int32[rows, lanes], Y: int32[lanes]):
        @dato.kernel(mapping=[1], args=[X, Y])
        def layer(x: int32[rows, lanes], y: int32[lanes]):
            T: elem[rows, cols] = table
            acc: int32[lanes] = 0
            for k in range(rows):
                for i in range(lanes):
                    v: int32 = x[k, i]
                    for j in range(cols):
                        acc[i] += v * T[k, j]
            y[:] = acc

    return top


def row_sums_reference(x: np.ndarray, table: np.ndarray) -> np.ndarray:
    """`row_sums`' result in numpy: exact in int64, wrapped to int32 as the
    NPU's int32 accumulator wraps."""
    return (x.T.astype(np.int64) @ table.astype(np.int64).sum(axis=1)).astype(np.int32)
