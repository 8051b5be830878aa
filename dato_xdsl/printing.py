"""A printer whose SSA names never collide.

xDSL 0.74 names a value from its name hint plus `_<count>` of that hint, without
checking that the result is free: a value hinted `lock_0` printed twice becomes
`%lock_0` and `%lock_0_1`, and a value already hinted `lock_0_1` (mlir-aie names
tiles and locks by coordinates) then prints as `%lock_0_1` a second time, so the
text does not parse back. This printer tries the next suffix until the name is
free in the current scope (names of an enclosing scope included, as MLIR
requires; sibling scopes that are isolated from above may reuse names)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from xdsl.ir import Operation, SSAValue
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


def module_text(op: Operation) -> str:
    """`op` as MLIR text with collision-free SSA names (what `str(op)` would
    print, but parseable back even when hints collide)."""
    out = io.StringIO()
    UniqueNamePrinter(stream=out).print_op(op)
    return out.getvalue()
