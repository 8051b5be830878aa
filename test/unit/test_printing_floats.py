"""Float constants printed by the project's printer (printing.module_text, what
dato-opt and the NPU project write) parse back to the same bits. xDSL 0.74 prints
an integral f32 such as 97474816.0 as the hex `0x4CB9EB20`, which its own parser
reads, inside `dense<[...]>`, as the integer 1287252768."""

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import (
    Builtin,
    DenseIntOrFPElementsAttr,
    Float32Type,
    Float64Type,
    ModuleOp,
    TensorType,
    f32,
    f64,
)
from xdsl.parser import Parser

import dato_xdsl as dato
from dato_xdsl import float32
from dato_xdsl.driver import DatoOptMain, LocatingParser
from dato_xdsl.printing import exact_float_text, module_text

INTEGRAL_F32 = np.array([97474816.0, 1234567.0, -16777215.0, 123456792.0], np.float32)


def dense_module(values: np.ndarray, type: Float32Type | Float64Type) -> ModuleOp:
    attr = DenseIntOrFPElementsAttr.from_list(
        TensorType(type, [len(values)]), [float(v) for v in values]
    )
    return ModuleOp([arith.ConstantOp(attr)])


def parsed_values(text: str, dtype: type) -> np.ndarray:
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(arith.Arith)
    op = next(iter(Parser(ctx, text).parse_module().ops))
    return np.array([float(v) for v in op.value.get_values()], dtype)  # type: ignore[attr-defined]


def test_xdsl_alone_changes_integral_f32_values():
    # the bug the printer avoids (if xDSL fixes it, this test says so)
    text = str(dense_module(INTEGRAL_F32, f32))
    assert "0x4CB9EB20" in text  # the bits of 97474816.0
    assert parsed_values(text, np.float32)[0] == np.float32(0x4CB9EB20)


def test_random_f32_and_f64_bits_parse_back_exactly():
    rng = np.random.default_rng(7)
    for type, ftype, itype in ((f32, np.float32, np.uint32), (f64, np.float64, np.uint64)):
        bits = rng.integers(0, np.iinfo(itype).max, 4000, dtype=itype)
        values = bits.view(ftype)
        integral = np.round(rng.uniform(-1e9, 1e9, 400)).astype(ftype)
        values = np.concatenate([values[np.isfinite(values)], integral, INTEGRAL_F32.astype(ftype)])
        for chunk in np.array_split(values, len(values) // 50):  # list form (<= 100 elements)
            text = module_text(dense_module(chunk, type))
            back = parsed_values(text, ftype)
            np.testing.assert_array_equal(back.view(itype), chunk.view(itype))


def test_only_xdsl_hex_values_change_text():
    # every other value keeps xDSL's (mlir-opt's) text: FileCheck lines stay valid
    assert exact_float_text(0.1, f32) is None
    assert exact_float_text(float(np.float32(1 / 3)), f32) is None
    assert exact_float_text(float("inf"), f32) is None
    assert exact_float_text(97474816.0, f32) == "97474816.0"
    assert exact_float_text(1234567890123456.0, f64) == "1234567890123456.0"


TABLE = np.array([97474816.0, 1234567.0, 0.1, -16777215.0], np.float32)


def test_a_constant_table_prints_and_parses_back_to_its_bits():
    @dato.region()
    def top(A: float32[4], B: float32[4]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: float32[4], b: float32[4]):
            for i in range(4):
                b[i] = a[i] + TABLE[i]

    mod = dato.build(top)
    A, B = np.zeros(4, np.float32), np.zeros(4, np.float32)
    mod(A, B)
    np.testing.assert_array_equal(B, TABLE)
    text = module_text(mod.module)
    ctx = DatoOptMain(args=["/dev/null"]).ctx
    parsed = LocatingParser(ctx, text).parse_module()
    tables = [
        op.attributes["dato.constant"] for op in parsed.walk() if "dato.constant" in op.attributes
    ]
    assert len(tables) == 1
    back = np.array([float(v) for v in tables[0].get_values()], np.float32)  # type: ignore[attr-defined]
    np.testing.assert_array_equal(back.view(np.uint32), TABLE.view(np.uint32))


def test_nan_and_infinities_in_a_list_parse_back_exactly():
    values = np.array([np.nan, np.inf, -np.inf, 1.5, 97474816.0], np.float32)
    for chunk in (values, values[:1], np.full(3, np.inf, np.float32)):  # list, one, splat
        text = module_text(dense_module(chunk, f32))
        assert 'dense<"0x' in text
        back = parsed_values(text, np.float32)
        np.testing.assert_array_equal(back.view(np.uint32), chunk.view(np.uint32))
    # a list with no NaN or infinity keeps the element form
    assert "dense<[1.500000e+00" in module_text(dense_module(values[3:], f32))


def _global_values(module: ModuleOp) -> dict[str, np.ndarray]:
    return {
        op.sym_name.data: np.array(op.initial_value.get_values())
        for op in module.walk()
        if op.name == "memref.global"
    }


def test_memref_global_float_hex_elements_read_as_bits_and_print_back() -> None:
    # MLIR's meaning of a hex element in a float list is the bit pattern; the
    # reference is numpy's view of those bits.
    bits32 = np.array([0x4CB9EB20, 0x3FC00000, 0x7F800000, 0x49969B38], np.uint32)
    bits64 = np.array([0x4197D78400000000, 0x4000000000000000], np.uint64)
    text = (
        "builtin.module {\n"
        '  memref.global "private" constant @t : memref<4xf32> = dense<['
        + ", ".join(f"0x{b:08X}" for b in bits32)
        + "]>\n"
        '  memref.global "private" constant @u : memref<2xf64> = dense<['
        + ", ".join(f"0x{b:016X}" for b in bits64)
        + "]>\n}\n"
    )
    ctx = DatoOptMain(args=["/dev/null"]).ctx
    module = LocatingParser(ctx, text).parse_module()
    got = _global_values(module)
    np.testing.assert_array_equal(got["t"].astype(np.float32).view(np.uint32), bits32)
    np.testing.assert_array_equal(got["u"].astype(np.float64).view(np.uint64), bits64)
    again = _global_values(LocatingParser(ctx, module_text(module)).parse_module())
    np.testing.assert_array_equal(again["t"].astype(np.float32).view(np.uint32), bits32)
    np.testing.assert_array_equal(again["u"].astype(np.float64).view(np.uint64), bits64)
