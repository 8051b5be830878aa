"""Prints the dato IR the frontend writes for kernel-language constructs
(read by kernel-language.mlir)."""

from xdsl.printer import Printer

import dato_xdsl as dato
from dato_xdsl import float32, int16, int32


@dato.region()
def mixed(A: int16[2, 4], B: int16[4, 2], C: int32[2, 2]):
    @dato.kernel(mapping=[1], args=[A, B, C])
    def k(a: int16[2, 4], b: int16[4, 2], c: int32[2, 2]):
        c[:, :] = dato.matmul(a, b)


@dato.region()
def vector(X: float32[2, 4], Y: float32[2, 4]):
    @dato.kernel(mapping=[1], args=[X, Y])
    def k(x: float32[2, 4], y: float32[2, 4]):
        y[:, :] = x - dato.max(x, axis=1, keepdims=True) + 1.0


# generic form: the matmul's body (hidden in the custom form) shows the widening
Printer(print_generic_format=True).print_op(dato.build(mixed).module)
print()
print(dato.build(vector).module)
