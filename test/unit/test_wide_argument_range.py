"""An integer argument's values must lie in its declared type's range
(docs/kernel-language.md, "Integer widths"): host_arrays.out_of_range names
the argument, the value, its index and the range of one that does not, where
targets would read it differently (the simulator keeps an Int(100) of
2^100 + 2^92 + 1 whole, the NPU its low 100 bits: 2^92 + 1). numpy's own
int8 already refuses 200; an odd width in its storage integer and an object
array of Python ints do not."""

from typing import Any

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Int, UInt
from dato_xdsl.targets.host_arrays import declared_range, out_of_range

L = 4


def arguments_of(T: Any) -> Any:
    @dato.region()
    def top(A: T[L], B: T[L]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: T[L], b: T[L]):
            for i in range(L):
                b[i] = a[i]

    return dato.build(top).arguments


@pytest.mark.parametrize(
    "T, lo, hi",
    [
        (Int(100), -(1 << 99), (1 << 99) - 1),
        (UInt(100), 0, (1 << 100) - 1),
        (Int(12), -2048, 2047),
        (UInt(12), 0, 4095),
        (Int(128), -(1 << 127), (1 << 127) - 1),
    ],
)
def test_declared_range_of_the_names_a_build_gives(T: Any, lo: int, hi: int) -> None:
    """The range is read from the element type's name as a built program
    spells it (Argument.dtype_name)."""
    assert declared_range(arguments_of(T)[0].dtype_name) == (lo, hi)


def test_standard_widths_and_floats_are_bounded_by_numpy() -> None:
    for name in ("int8", "uint8", "int16", "int32", "uint64", "float32", "bfloat16", "bool"):
        assert declared_range(name) is None
    with pytest.raises(OverflowError):  # numpy refuses the value itself
        np.array([200], np.int8)


def test_int100_past_its_range_is_refused_by_name_value_and_range() -> None:
    arg = arguments_of(Int(100))[0]
    v = (1 << 100) + (1 << 92) + 1
    a = np.array([1, v, -1, 0], dtype=object)
    message = out_of_range(a, arg.name, arg.dtype_name)
    assert message is not None
    assert f"'{arg.name}'" in message and str(v) in message and "[1]" in message
    assert f"{-(1 << 99)} to {(1 << 99) - 1}" in message


def test_values_at_the_range_ends_are_taken() -> None:
    arg = arguments_of(Int(100))[0]
    ends = np.array([-(1 << 99), (1 << 99) - 1, 0, None], dtype=object)  # None: not a value
    assert out_of_range(ends, arg.name, arg.dtype_name) is None
    assert out_of_range(np.array([-(1 << 99) - 1], dtype=object), "A", "int100") is not None
    assert out_of_range(np.array([(1 << 100) - 1, 0], dtype=object), "A", "uint100") is None
    # a negative value for an unsigned type is outside it too
    assert "-1" in str(out_of_range(np.array([0, -1], dtype=object), "A", "uint100"))


def test_odd_width_in_its_storage_integer() -> None:
    arg = arguments_of(Int(12))[0]
    assert arg.dtype == np.int16
    ok = np.array([[-2048, 2047], [0, -1]], np.int16)
    assert out_of_range(ok, arg.name, arg.dtype_name) is None
    bad = np.array([[-2048, 2047], [3000, -1]], np.int16)
    message = out_of_range(bad, arg.name, arg.dtype_name)
    assert message is not None and "3000" in message and "[1, 0]" in message
    assert "-2048 to 2047" in message
    assert out_of_range(np.array([4096], np.uint16), "B", "uint12") is not None
    assert out_of_range(np.array([4095], np.uint16), "B", "uint12") is None


def test_standard_width_arrays_are_not_scanned() -> None:
    big = np.full(8, np.iinfo(np.int64).max, np.int64)
    assert out_of_range(big, "A", "int64") is None
    assert out_of_range(np.zeros(0, dtype=object), "A", "int100") is None
