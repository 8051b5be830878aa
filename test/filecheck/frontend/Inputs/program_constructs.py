"""Prints the dato IR the frontend writes for Allo program constructs: a
module-level table, an inlined helper, a computed slice and a region called
from a kernel (read by program-constructs.mlir)."""

import numpy as np

import dato_xdsl as dato
from dato_xdsl import int32

TABLE = np.array([5, -7])


def twice(x):
    return x * 2


@dato.region()
def inner(A: int32[4]):
    @dato.kernel(mapping=[2], args=[A])
    def k(a: int32[4]):
        pi = dato.get_pid()
        a[pi * 2 : (pi + 1) * 2] = twice(TABLE[pi])


@dato.region()
def top(A: int32[4]):
    @dato.kernel(mapping=[1], args=[A])
    def wrapper(a: int32[4]):
        inner(a)


print(dato.build(top).module)
