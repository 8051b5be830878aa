"""Which `meta_for` loops `dato-virtual-map` keeps as loops instead of unrolling.

A meta_for is unrolled at compile time because its variable may choose
streams, meta_if branches or shapes. When it does none of that, unrolling only
multiplies the code: Allo's AIE backend keeps such a meta_for as a plain loop
("to reduce code size", allo/ir/builder.py; allo/backend/aie/README.md: it
"tries to avoid unrolling meta_for loops"). On the NPU that code is a core's
program, which has 16 KiB (Allo's test_meta_for.py::test_vector_scalar_add
unrolled 1024 iterations of `B[i] = A[i] + 1` into one core).

A kept loop is an `scf.for` asking to be unrolled fully (`dato.unroll = 0`,
the schedule's unroll directive): HLS still builds the unrolled hardware the
program describes, the simulator and the NPU run the loop.

Conservative rule: the body holds no compile-time construct (meta_if,
meta_for), no stream access and no pid, and the loop variable reaches only
arithmetic and the indices of scalar loads and stores (no view, shape,
branch, call or array operation that might need it to be a constant)."""

from __future__ import annotations

from xdsl.dialects import memref, scf
from xdsl.ir import SSAValue

from dato_xdsl.dialects import dato
from dato_xdsl.transforms.instance_trace import is_meta

_OPAQUE = (dato.PutOp, dato.GetOp, dato.PidOp)


def _index_only(value: SSAValue) -> bool:
    """Whether `value` and what is computed from it reach only arithmetic and
    load/store indices."""
    todo = [value]
    seen: set[SSAValue] = set()
    while todo:
        v = todo.pop()
        if v in seen:
            continue
        seen.add(v)
        for use in v.uses:
            user = use.operation
            if isinstance(user, memref.LoadOp) and use.index >= 1:
                continue  # an index (operand 0 is the array)
            if isinstance(user, memref.StoreOp) and use.index >= 2:
                continue  # an index (0: the value, 1: the array)
            if isinstance(user, memref.StoreOp) and use.index == 0:
                continue  # stored as a value (after a cast: still a number)
            if user.name.startswith("arith.") and user.results:
                todo.extend(user.results)
                continue
            return False
    return True


def keeps_loop(loop: scf.ForOp) -> bool:
    """Whether a meta_for may stay a loop (see the module docstring)."""
    for op in loop.body.walk():
        if isinstance(op, _OPAQUE):
            return False
        if op is not loop and isinstance(op, scf.ForOp | scf.IfOp) and is_meta(op):
            return False
    return _index_only(loop.body.block.args[0])


__all__ = ["keeps_loop"]
