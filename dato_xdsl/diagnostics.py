"""Errors as users should see them: `file:line:col: error: message`.

The MLIR parser in xDSL only keeps locations written as `loc(...)`; dato-opt's
parser records where each op starts, and `verify_located` reports a failing op
by that position instead of by a dump of the whole module.
"""

from __future__ import annotations

from xdsl.dialects.builtin import FileLineColLoc, ModuleOp
from xdsl.ir import Operation
from xdsl.utils.exceptions import DiagnosticException, VerifyException


class LocatedDiagnostic(DiagnosticException):
    """A diagnostic for the user: the message is complete, with its location."""


def op_location(op: Operation) -> str:
    """The nearest known source position of `op` (itself or an ancestor)."""
    current: Operation | None = op
    while current is not None:
        loc = current.location
        if isinstance(loc, FileLineColLoc):
            return f"{loc.filename.data}:{loc.line.data}:{loc.column.data}"
        current = current.parent_op()
    return "<unknown>"


def op_error(op: Operation, message: str) -> LocatedDiagnostic:
    return LocatedDiagnostic(f"{op_location(op)}: error: '{op.name}' op {message}")


def verify_located(module: ModuleOp) -> None:
    """Verify every op, innermost first; raise a LocatedDiagnostic naming the first
    failing op and its source position."""
    for op in module.walk(region_first=True):
        try:
            op.verify(verify_nested_ops=False)
        except VerifyException as err:
            message = str(err).removeprefix("Operation does not verify: ")
            raise op_error(op, message) from None
