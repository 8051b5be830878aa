"""Which elements of an array a write inside a nest of loops writes, over
all the nest's iterations.

An output a task writes chunk by chunk (`for c in range(NC): ... for i in
range(CH): y[c * CH + i] = ...`, or `y[c * CH:(c + 1) * CH] = ...`) is
written whole once the loop has run, though no single index is a loop
variable running over a whole dimension. Evaluating the indices (each an
affine function of the loop variables: constants, +, -, and products by a
constant) at every iteration of the nest gives the elements written; when
they are all of the array and nothing touched it before, its host copy need
not come in (npu_plan's `_overwritten_first`).

Only loops of constant bounds right around the write, up to the body's top
level (no conditional: a branch may skip a write), count; anything else
gives None."""

from __future__ import annotations

import math

import numpy as np
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import DYNAMIC_INDEX, MemRefType
from xdsl.ir import Block, Operation, SSAValue

from dato_xdsl.transforms.ir_constants import int_constant

MOST_ELEMENTS = 1 << 22
"""The most (iteration, element) pairs evaluated; beyond, no answer."""

Affine = tuple[dict[SSAValue, int], int]
"""Coefficient per loop variable, and the constant term."""


def _affine(v: SSAValue, ivs: set[SSAValue], depth: int = 0) -> Affine | None:
    """`v` as an affine function of the loop variables `ivs`, or None."""
    if depth > 32:
        return None
    if v in ivs:
        return {v: 1}, 0
    c = int_constant(v)
    if c is not None:
        return {}, c
    owner = v.owner
    if isinstance(owner, arith.IndexCastOp):
        return _affine(owner.input, ivs, depth + 1)
    if not isinstance(owner, arith.AddiOp | arith.SubiOp | arith.MuliOp):
        return None
    a = _affine(owner.lhs, ivs, depth + 1)
    b = _affine(owner.rhs, ivs, depth + 1)
    if a is None or b is None:
        return None
    if isinstance(owner, arith.MuliOp):
        if a[0] and b[0]:
            return None  # a product of two loop variables
        (terms, k), scale = (a, b[1]) if a[0] else (b, a[1])
        return {iv: n * scale for iv, n in terms.items()}, k * scale
    sign = -1 if isinstance(owner, arith.SubiOp) else 1
    terms = dict(a[0])
    for iv, n in b[0].items():
        terms[iv] = terms.get(iv, 0) + sign * n
    return terms, a[1] + sign * b[1]


def _nest(op: Operation, body: Block) -> list[tuple[SSAValue, np.ndarray]] | None:
    """The loop variables of the `scf.for` nest around `op` up to the top of
    `body`, each with the values it takes; None when something else is in
    between or a bound is not constant."""
    out: list[tuple[SSAValue, np.ndarray]] = []
    parent = op.parent_op()
    while isinstance(parent, scf.ForOp):
        lb, ub, step = (int_constant(x) for x in (parent.lb, parent.ub, parent.step))
        if lb is None or ub is None or step is None or step <= 0:
            return None
        out.append((parent.body.block.args[0], np.arange(lb, ub, step, dtype=np.int64)))
        if parent.parent_block() is body:
            return out
        parent = parent.parent_op()
    return None


def loop_elements(op: Operation, view: SSAValue, arg: SSAValue, body: Block) -> np.ndarray | None:
    """A mask of the elements of `arg` that `op`, nested in loops of the
    body, writes over all their iterations: an element store into `arg`, or
    an op writing all of `view`, a subview of `arg` of static sizes and
    strides whose offsets are affine in the loop variables (the caller
    checks that `op` writes every element of the view). None when unknown
    or out of bounds."""
    t = arg.type
    if not isinstance(t, MemRefType) or any(d < 0 for d in t.get_shape()):
        return None
    shape = t.get_shape()
    nest = _nest(op, body)
    if not nest:
        return None
    ivs = {iv for iv, _ in nest}
    if isinstance(op, memref.StoreOp):
        if view is not arg or op.memref is not arg or op.value is arg:
            return None
        offsets: list[SSAValue | int] = list(op.indices)
        sizes, strides = [1] * len(shape), [1] * len(shape)
    else:
        sv = view.owner
        if not isinstance(sv, memref.SubviewOp) or sv.source is not arg:
            return None
        if sv.sizes or sv.strides:
            return None
        dynamic = iter(sv.offsets)
        offsets = [
            next(dynamic) if o == DYNAMIC_INDEX else o for o in sv.static_offsets.get_values()
        ]
        sizes = list(sv.static_sizes.get_values())
        strides = list(sv.static_strides.get_values())
    if len(offsets) != len(shape) or min((*sizes, *strides), default=0) < 0:
        return None
    trips = [len(values) for _, values in nest]
    if math.prod(trips) * math.prod(sizes) > MOST_ELEMENTS or 0 in trips:
        return None
    # each loop variable's values along its own axis of the iteration grid
    grids = np.meshgrid(*[values for _, values in nest], indexing="ij")
    value_of = {iv: grid.reshape(-1) for (iv, _), grid in zip(nest, grids, strict=True)}
    index: list[np.ndarray] = []
    for d, (off, n, st) in enumerate(zip(offsets, sizes, strides, strict=True)):
        if isinstance(off, int):
            start = np.full(math.prod(trips), off, dtype=np.int64)
        else:
            form = _affine(off, ivs)
            if form is None:
                return None
            terms, k = form
            start = np.full(math.prod(trips), k, dtype=np.int64)
            for iv, coeff in terms.items():
                start = start + coeff * value_of[iv]
        # (iteration, element of the view along d), broadcast over the other dims
        at = start[:, None] + st * np.arange(n, dtype=np.int64)[None, :]
        if at.min() < 0 or at.max() >= shape[d]:
            return None
        reshape = [at.shape[0]] + [1] * len(shape)
        reshape[1 + d] = n
        index.append(at.reshape(reshape))
    mask = np.zeros(shape, dtype=bool)
    mask[tuple(index)] = True
    return mask


__all__ = ["MOST_ELEMENTS", "loop_elements"]
