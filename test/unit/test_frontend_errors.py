"""Bad programs get an error naming the Python file and line, never a traceback
from inside the compiler."""

import os
import re
import traceback

import pytest

import dato_xdsl as dato
from test.unit.programs import bad_programs

SOURCE = bad_programs.__file__


def marked_line(name: str) -> int:
    with open(SOURCE) as f:
        for number, line in enumerate(f, start=1):
            if re.search(rf"# ERR {name}\b", line):
                return number
    raise AssertionError(f"no marker for {name}")


CASES = [
    ("wrong_arg_count", "has 2 parameter(s) but args= binds 1"),
    ("non_constant_stream_index", "must be a compile-time expression in pids"),
    ("layout_not_dividing", "dimension 0 (size 10) over mapping axis 0 of extent 4"),
    ("unsupported_while", "'while' loops are not supported"),
    ("undefined_name", "name 'bogus' is not defined"),
    ("put_array_on_scalar_stream", "carries int32 scalars, got an array"),
    ("wrong_stream_index_count", "has shape [2, 2]: it takes 2 index(es), got 1"),
    ("matmul_shape_mismatch", "needs [M, K] x [K, N] arrays, got [4, 8] x [4, 8]"),
    ("runtime_meta_if", "needs a compile-time condition"),
    (
        "kernel_type_mismatch",
        "declared float32[8] but is bound to region argument 'A' of type int32[8]",
    ),
    ("statement_in_region", "a region body declares streams"),
    ("layout_axis_beyond_mapping", "over mapping axis 1, but the kernel's mapping [2] has 1"),
    (
        "stream_index_out_of_range",
        "index 2 is out of range for dimension 0 of stream array 'pipes'",
    ),
    ("constant_index_out_of_bounds", "index 4 is out of bounds for dimension 0 (extent 4)"),
    ("float_index", "a float32 value cannot be used as an index"),
    ("unknown_kernel_option", "unknown kernel option 'speed'"),
    ("return_value", "a kernel returns nothing"),
    ("not_a_region_param", "args= names 'Z', which is not a region parameter"),
    ("used_outside_loop", "'t' is defined inside a loop or branch"),
    ("dynamic_slice_size", "needs a compile-time size"),
    ("shard_axis_not_an_int", "S(axis) takes a mapping axis >= 0, got 'x'"),
    ("shard_axis_negative", "S(axis) takes a mapping axis >= 0, got -1"),
    ("fractional_extent", "array extents must be positive integers, got 2.5"),
    ("zero_extent", "array extents must be positive integers, got (8, 0)"),
    ("one_axis_two_dims", "shards two dimensions over mapping axis 0"),
    ("meta_else_with_condition", "dato.meta_else() takes no condition"),
    ("huge_stream_depth", "stream depth must be an integer from 1 to 1048576, got 1099511627776"),
    ("huge_stream_array", "[300, 300] has 90000 streams, more than the limit of 65536"),
    ("huge_mapping", "mapping has [100000]: 100000 task instances, more than the limit of 65536"),
]


@pytest.mark.parametrize(("name", "words"), CASES, ids=[c[0] for c in CASES])
def test_error_names_file_line_and_cause(name: str, words: str) -> None:
    with pytest.raises(dato.DatoError) as info:
        dato.build(getattr(bad_programs, name))
    message = str(info.value)
    assert f"{SOURCE}:{marked_line(name)}: error:" in message
    assert words in message
    # the traceback stops at dato.build: nothing from inside the compiler
    frames = traceback.extract_tb(info.value.__traceback__)
    inside = [f for f in frames if os.sep + "frontend" + os.sep in f.filename]
    assert [os.path.basename(f.filename) for f in inside] == ["build.py"]


def test_build_rejects_a_plain_function() -> None:
    def plain() -> None:
        pass

    with pytest.raises(dato.DatoError, match="decorated with @dato.region"):
        dato.build(plain)  # type: ignore[arg-type]


def test_unknown_target() -> None:
    with pytest.raises(dato.DatoError, match="unknown target 'gpu'"):
        dato.build(bad_programs.wrong_arg_count, target="gpu")


def test_bad_region_parameter_type_is_located_where_python_evaluates_it() -> None:
    # Python evaluates a region's parameter annotations when it defines the
    # function, before dato.build: the error names that line.
    with pytest.raises(dato.DatoError) as info:

        @dato.region()
        def r(A: dato.int8[2.5]):  # ERR region_parameter
            pass

    with open(__file__) as f:
        line = next(n for n, text in enumerate(f, 1) if "# ERR region_parameter" in text)
    assert str(info.value) == (
        f"{__file__}:{line}: error: array extents must be positive integers, got 2.5"
    )
    assert isinstance(info.value, TypeError)  # still what Python expects of a bad index


def test_a_scalar_region_parameter_is_refused_at_its_line() -> None:
    # Allo's test_scalar_in_kernel_args_raises: Allo exits (SystemExit); we raise
    # a located DatoError, an ordinary exception
    @dato.region()
    def r(n: dato.int32, out: dato.int32[1]):  # ERR scalar_parameter
        @dato.kernel(mapping=[1], args=[n, out])
        def k(scalar: dato.int32, o: dato.int32[1]):
            o[0] = scalar

    with pytest.raises(dato.DatoError) as info:
        dato.build(r)
    with open(__file__) as f:
        line = next(n for n, text in enumerate(f, 1) if "# ERR scalar_parameter" in text)
    assert str(info.value) == (
        f"{__file__}:{line}: error: region parameter 'n' is a scalar (int32): a region takes "
        "arrays; pass a one-element array (int32[1]) or use a module-level constant"
    )
    assert isinstance(info.value, Exception)
