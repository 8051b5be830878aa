"""The mark `dato-put-in-place` leaves on a put whose value is computed in the
stream's object, and how the plan and the lowering read it. Kept apart from
the pass so that the plan (which the pass consults) can read marks without
importing the pass."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.ir import SSAValue

from dato_xdsl.dialects import dato

IN_PLACE = "dato.in_place"


def put_in_place(put: dato.PutOp) -> bool:
    """`put` carries the in-place mark (its value is computed in the object)."""
    return IN_PLACE in put.attributes


def in_place_put(value: SSAValue) -> dato.PutOp | None:
    """The marked put of the local `value`, if any."""
    for use in value.uses:
        if isinstance(use.operation, dato.PutOp) and put_in_place(use.operation):
            return use.operation
    return None


__all__: Sequence[str] = ["IN_PLACE", "in_place_put", "put_in_place"]
