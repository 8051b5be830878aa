"""A printer whose SSA names never collide and whose float values parse back to
the same bits.

xDSL 0.74 names a value from its name hint plus `_<count>` of that hint, without
checking that the result is free: a value hinted `lock_0` printed twice becomes
`%lock_0` and `%lock_0_1`, and a value already hinted `lock_0_1` (mlir-aie names
tiles and locks by coordinates) then prints as `%lock_0_1` a second time, so the
text does not parse back. This printer tries the next suffix until the name is
free in the current scope (names of an enclosing scope included, as MLIR
requires; sibling scopes that are isolated from above may reuse names).

Floats: xDSL 0.74 prints a finite f32 (f64) value whose 9 (17) significant digits
have no decimal point, an integral value such as 1234567.0 or 97474816.0, as its bit
pattern `0x4CB9EB1F`. MLIR reads that as the bits, but xDSL's own parser reads a hex
element of a `dense<[...]>` list as the integer 1287252767, so a constant table
printed and parsed back changed its values. This printer writes such a value as the
decimal that rounds to it, with a point (`97474816.0`), which both read exactly.
NaN and infinities have no decimal form: a dense attribute holding one is written
whole as its bytes, `dense<"0x...">`, which both read as the same bits (an element
`0x7FC00000` would again be read as an integer by xDSL)."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from xdsl.dialects.builtin import AnyFloat, DenseIntOrFPElementsAttr, Float32Type, Float64Type
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.printer import Printer


@dataclass(eq=False, repr=False)
class UniqueNamePrinter(Printer):
    """`Printer` with collision-free SSA names (see the module docstring)."""

    _taken: list[set[str]] = field(default_factory=lambda: [set[str]()], init=False)

    def enter_scope(self) -> None:
        super().enter_scope()
        self._taken.append(set(self._taken[-1]))

    def exit_scope(self) -> None:
        super().exit_scope()
        self._taken.pop()

    def print_ssa_value(self, value: SSAValue) -> str:
        name = self._ssa_values.get(value)
        if name is None:
            name = self._free_name(value.name_hint)
            self._ssa_values[value] = name
        self.print_string(f"%{name}")
        return name

    def print_attribute(self, attribute: Attribute) -> None:
        if isinstance(attribute, DenseIntOrFPElementsAttr) and _has_non_finite(attribute):
            self.print_string(f'dense<"0x{attribute.data.data.hex().upper()}"> : ')
            self.print_attribute(attribute.get_type())
            return
        super().print_attribute(attribute)

    def print_float(self, value: float, type: AnyFloat) -> None:
        text = exact_float_text(value, type)
        if text is None:
            super().print_float(value, type)
        else:
            self.print_string(text)

    def _free_name(self, hint: str | None) -> str:
        if not hint:
            name = self._get_new_valid_name_id()
            while name in self._taken[-1]:
                name = self._get_new_valid_name_id()
        else:
            count = self.ssa_names.get(hint, 0)
            name = f"{hint}_{count}" if count else hint
            while name in self._taken[-1]:
                count += 1
                name = f"{hint}_{count}"
            self.ssa_names[hint] = count + 1
        self._taken[-1].add(name)
        return name


def _has_non_finite(attribute: DenseIntOrFPElementsAttr) -> bool:
    """A NaN or infinity in a list xDSL prints element by element (more than 100
    elements it writes as bytes already)."""
    if len(attribute) > 100:
        return False
    values = attribute.get_values()
    return any(isinstance(v, float) and not math.isfinite(v) for v in values)


def exact_float_text(value: float, type: AnyFloat) -> str | None:
    """The decimal literal, with a point, of a finite f32 or f64 `value` that xDSL
    would print as hex (9 or 17 significant digits: they read back as the same bits
    in MLIR and xDSL); None where xDSL's own text is kept (every other value, type,
    and NaN and infinities)."""
    if not math.isfinite(value):
        return None
    if isinstance(type, Float32Type):
        digits = 9
    elif isinstance(type, Float64Type):
        digits = 17
    else:
        return None
    short = float(f"{value:.5e}")  # xDSL's (and mlir-opt's) short form, when exact
    if type.unpack(type.pack([short]), 1)[0] == value:
        return None
    text = f"{value:.{digits}g}"
    if "." in text:
        return None
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}.0{e}{exponent}"


def module_text(op: Operation) -> str:
    """`op` as MLIR text with collision-free SSA names (what `str(op)` would
    print, but parseable back even when hints collide)."""
    out = io.StringIO()
    UniqueNamePrinter(stream=out).print_op(op)
    return out.getvalue()


def print_initial_value(printer: Printer, value: Attribute) -> None:
    """An op's initial value as MLIR writes it after `=` (no `: type`), with the
    float rules above: a NaN or infinity makes the whole list bytes, and
    `UniqueNamePrinter` writes integral floats as exact decimals."""
    if isinstance(value, DenseIntOrFPElementsAttr):
        if _has_non_finite(value):
            printer.print_string(f'dense<"0x{value.data.data.hex().upper()}">')
        else:
            value.print_without_type(printer)
        return
    printer.print_string(str(value).rsplit(" : ", 1)[0])
