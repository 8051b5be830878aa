"""Integers wider than 32 bits in NPU memory: held as little-endian 32-bit words.

The NPU's DMAs and the runtime sequence's host transfers move elements of at
most 32 bits (mlir-aie's `aiex.npu.dma_memcpy_nd` verifier: "Maximum element
bit width allowed is 32bits"), but an i64 is two whole words and an i65..i128
is ceil(N / 32) of them, so moving such an array is no hardware limit. This
pass (`dato-npu-wide-integers`, the aie target's first step) rewrites every
array of i64 or i65..i128 elements the region's tasks take, and every local
array wider than 64 bits (an i64 local stays as it is: the core and its library
kernels take it), into a memref of i32 words: an element [.., j] of W words is
words [.., W*j .. W*j + W - 1], least significant first. A load composes the
words into an i(32W) and truncates it to iN; a store sign-extends its iN value
to i(32W) and splits it (the bits above N are never read back: the host and
every load keep the low N, which is the simulator's wrap-around). The
arithmetic stays on iN values in registers, which the core compiler (Peano /
LLVM) legalises by expanding it into 32-bit operations.

The library has no kernel on such integers, so linalg fills, matmuls and
elementwise ops on them become scalar loops here, and so do matmuls into
integers wider than 32 bits (i16 x i16 -> i64 ...), which it has none for. The host packs the user's
arrays into words and back (targets/aie/host_layout.py): the rewritten
arguments are recorded on the module as `dato.wide_words = array<i64: arg,
bits, ...>`.

Division and remainder wider than 64 bits become loops of iN shifts, compares
and subtractions here: LLVM would lower them to compiler-rt's 128-bit builtins
(__divti3, __udivti3 ...), which compiler-rt builds only for 64-bit targets,
and AIE is a 32-bit one; so do conversions between such integers and f32 /
bf16 (__floattisf / __fixsfti ..., the same library): integer operations on
the float's bits, rounding once as the simulator does (and so do i25..i64 to
bf16, which LLVM would round through f32: twice). A stream of such integers
carries each value (each block) as a block of its words. Refused, each at its
op: packed streams of them, and uses of such arrays other than loads, stores,
subviews, copies and puts (calls, casts). linalg.max / min on i64 arrays
compare signed, as linalg defines them (the frontend writes UInt operands
as arith.maxui / minui loops)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, math, memref, scf
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    BFloat16Type,
    DenseArrayBase,
    Float32Type,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    NoneAttr,
    StringAttr,
    i1,
    i32,
    i64,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Attribute, Block, BlockArgument, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.traits import IsTerminator

from dato_xdsl.diagnostics import op_error
from dato_xdsl.dialects import dato
from dato_xdsl.dialects.linalg import UNSIGNED_CAST
from dato_xdsl.transforms.kernel_library import has_matmul, matmul_suffix
from dato_xdsl.transforms.npu_plan import arg_access

WIDE_WORDS = "dato.wide_words"
WORD_BITS = 32
CORE_LIBCALL_FREE_BITS = 64
"""Division and float conversion up to this width compile without 128-bit
compiler-rt builtins."""

_DIVISIONS = (
    arith.DivSIOp,
    arith.DivUIOp,
    arith.RemSIOp,
    arith.RemUIOp,
    arith.FloorDivSIOp,
    arith.CeilDivSIOp,
    arith.CeilDivUIOp,
)
_FLOAT_CASTS = (arith.SIToFPOp, arith.UIToFPOp, arith.FPToSIOp, arith.FPToUIOp)
_ELEMENTWISE: dict[type[Operation], Callable[[SSAValue, SSAValue], Operation]] = {
    linalg.AddOp: lambda a, b: arith.AddiOp(a, b),
    linalg.SubOp: lambda a, b: arith.SubiOp(a, b),
    linalg.MulOp: lambda a, b: arith.MuliOp(a, b),
    linalg.MaxOp: lambda a, b: arith.MaxSIOp(a, b),
    linalg.MinOp: lambda a, b: arith.MinSIOp(a, b),
}


def words_of(t: Attribute) -> int | None:
    """32-bit words per element for i64 and i65..i128 (held as words); None
    for any other type (i33..i63 have no numpy storage of their own width)."""
    if not isinstance(t, IntegerType):
        return None
    width = t.width.data
    if width == 64 or 64 < width <= 128:
        return -(-width // WORD_BITS)
    return None


def word_type(t: MemRefType) -> MemRefType:
    """The i32 memref holding `t`'s elements as words (a rank-0 one: [W])."""
    w = words_of(t.element_type)
    assert w is not None
    shape = list(t.get_shape())
    return MemRefType(i32, [*shape[:-1], shape[-1] * w] if shape else [w])


def read_wide_words(op: Operation) -> dict[int, int]:
    """arg -> element bits of the arrays held as words (`dato.wide_words`)."""
    attr = op.attributes.get(WIDE_WORDS)
    if not isinstance(attr, DenseArrayBase):
        return {}
    flat = [int(v) for v in attr.get_values()]
    return {flat[k]: flat[k + 1] for k in range(0, len(flat), 2)}


class _At:
    """Emits ops before `anchor` in its block."""

    def __init__(self, anchor: Operation) -> None:
        self.anchor = anchor

    def emit(self, op: Operation) -> Operation:
        block = self.anchor.parent_block()
        assert block is not None
        block.insert_op_before(op, self.anchor)
        return op

    def value(self, op: Operation) -> SSAValue:
        return self.emit(op).results[0]

    def const(self, v: int, t: Attribute | None = None) -> SSAValue:
        t = IndexType() if t is None else t
        return self.value(arith.ConstantOp(IntegerAttr(v, t)))  # type: ignore[arg-type]

    def loops(self, shape: list[int], body: Callable[[_At, list[SSAValue]], None]) -> None:
        """A perfect scf.for nest over `shape`; body(emitter inside, indices)."""

        def level(at: _At, k: int, idx: list[SSAValue]) -> None:
            if k == len(shape):
                body(at, idx)
                return
            inner = Block(arg_types=[IndexType()])
            end = scf.YieldOp()
            inner.add_op(end)
            lb, ub, one = at.const(0), at.const(shape[k]), at.const(1)
            at.emit(scf.ForOp(lb, ub, one, [], Region(inner)))
            level(_At(end), k + 1, [*idx, inner.args[0]])

        level(self, 0, [])


def _word_indices(at: _At, idx: list[SSAValue], words: int) -> list[list[SSAValue]]:
    """The indices of an element's words, least significant first."""
    if not idx:
        return [[at.const(w)] for w in range(words)]
    base = at.value(arith.MuliOp(idx[-1], at.const(words)))
    out = [[*idx[:-1], base]]
    for w in range(1, words):
        out.append([*idx[:-1], at.value(arith.AddiOp(base, at.const(w)))])
    return out


def compose(at: _At, mem: SSAValue, idx: list[SSAValue], elem: IntegerType) -> SSAValue:
    """The iN element at `idx` of the word memref `mem`."""
    words = words_of(elem)
    assert words is not None
    wide = IntegerType(WORD_BITS * words)
    acc: SSAValue | None = None
    for w, at_idx in enumerate(_word_indices(at, idx, words)):
        word = at.value(memref.LoadOp.get(mem, at_idx))
        part = at.value(arith.ExtUIOp(word, wide))
        if w:
            part = at.value(arith.ShLIOp(part, at.const(WORD_BITS * w, wide)))
        acc = part if acc is None else at.value(arith.OrIOp(acc, part))
    assert acc is not None
    return acc if wide == elem else at.value(arith.TruncIOp(acc, elem))


def decompose(at: _At, value: SSAValue, mem: SSAValue, idx: list[SSAValue]) -> None:
    """Store the iN `value` as the words of element `idx` of `mem`."""
    elem = value.type
    assert isinstance(elem, IntegerType)
    words = words_of(elem)
    assert words is not None
    wide = IntegerType(WORD_BITS * words)
    x = value if wide == elem else at.value(arith.ExtSIOp(value, wide))
    for w, at_idx in enumerate(_word_indices(at, idx, words)):
        part = x if not w else at.value(arith.ShRUIOp(x, at.const(WORD_BITS * w, wide)))
        word = at.value(arith.TruncIOp(part, i32))
        at.emit(memref.StoreOp.get(word, mem, at_idx))


def _wider_than_64(t: Attribute) -> bool:
    """A stream of these carries words: an i64 stream moves as it is (its
    fifo objects stay on the cores and their DMAs), a wider one cannot."""
    elem = t.element_type if isinstance(t, MemRefType) else t
    return isinstance(elem, IntegerType) and elem.width.data > CORE_LIBCALL_FREE_BITS


def _wide_memref(v: SSAValue) -> IntegerType | None:
    t = v.type
    if isinstance(t, MemRefType) and words_of(t.element_type) is not None:
        return t.element_type  # type: ignore[return-value]
    return None


def _cast(at: _At, v: SSAValue, to: Attribute, unsigned: bool) -> SSAValue:
    """linalg.matmul's operand cast: extended (signed unless marked) or truncated."""
    t = v.type
    if t == to:
        return v
    assert isinstance(t, IntegerType) and isinstance(to, IntegerType)
    if t.width.data > to.width.data:
        return at.value(arith.TruncIOp(v, to))
    return at.value(arith.ExtUIOp(v, to) if unsigned else arith.ExtSIOp(v, to))


def _shape(v: SSAValue) -> list[int]:
    t = v.type
    assert isinstance(t, MemRefType)
    return list(t.get_shape())


def held_as_words(v: SSAValue) -> bool:
    """Whether a group body's memref is rewritten into words: its arguments
    (what the DMAs move) of i64 and wider, and its locals wider than 64 bits
    (an i64 local stays: the core and the library kernels take it as it is)."""
    elem = _wide_memref(v)
    if elem is None:
        return False
    while isinstance(v.owner, memref.SubviewOp):
        v = v.owner.source  # a view of a held array reads and writes its words
    if isinstance(v, BlockArgument) and isinstance(v.owner.parent_op(), dato.GroupOp):
        return True
    return elem.width.data > CORE_LIBCALL_FREE_BITS


def _is_view(v: SSAValue) -> bool:
    return isinstance(v.owner, memref.SubviewOp)


def _view_indices(at: _At, view: memref.SubviewOp, idx: list[SSAValue]) -> list[SSAValue]:
    """The source indices of element `idx` of a subview: offset + index *
    stride in every dimension, the dimensions a rank-reducing view drops
    (of size 1) at their offset."""

    def mixed(static: DenseArrayBase, dynamic: Sequence[SSAValue]) -> list[SSAValue]:
        rest = iter(dynamic)
        return [next(rest) if v == DYNAMIC_INDEX else at.const(int(v)) for v in static.get_values()]

    offsets = mixed(view.static_offsets, view.offsets)
    strides = mixed(view.static_strides, view.strides)
    sizes = [int(v) for v in view.static_sizes.get_values()]
    drop = len(sizes) - len(idx)
    out: list[SSAValue] = []
    k = 0
    for d, size in enumerate(sizes):
        if drop and size == 1 and len(sizes) - d > len(idx) - k:  # must drop here
            drop -= 1
            out.append(offsets[d])
            continue
        step = at.value(arith.MuliOp(idx[k], strides[d]))
        out.append(at.value(arith.AddiOp(offsets[d], step)))
        k += 1
    return out


def expand_copy(op: memref.CopyOp) -> None:
    """A copy between an array held as words and an i64 local: element by
    element (the loads and stores on the words are rewritten after)."""
    src, dst = op.source, op.destination
    if any(d < 0 for d in _shape(dst)):
        raise op_error(
            op,
            f"copies a view of run-time size of {_wide_memref(dst)} elements, which the NPU "
            "holds as 32-bit words and copies element by element over a static shape",
        )
    at = _At(op)
    at.loops(
        _shape(dst),
        lambda a, idx: a.emit(memref.StoreOp.get(a.value(memref.LoadOp.get(src, idx)), dst, idx)),
    )
    op.detach()
    op.erase()


def _whole(v: SSAValue) -> bool:
    return not _is_view(v) and isinstance(v.type, MemRefType) and v.type.get_shape() != ()


def copy_into_words(at: _At, src: SSAValue, words: SSAValue, elem: IntegerType) -> None:
    """memref.copy of the iN array `src` into `words`, one loop nest over
    the words, storing each once at plain loop indices (what the transfer
    planner recognises as writing all of `words`)."""
    count = words_of(elem)
    assert count is not None
    wide = IntegerType(WORD_BITS * count)

    def one(a: _At, idx: list[SSAValue]) -> None:
        lead, j = idx[:-1], idx[-1]
        n = a.const(count)
        value = a.value(memref.LoadOp.get(src, [*lead, a.value(arith.DivUIOp(j, n))]))
        if wide != elem:
            value = a.value(arith.ExtSIOp(value, wide))
        w = a.value(arith.RemUIOp(j, n))
        bits = a.value(arith.MuliOp(a.value(arith.IndexCastOp(w, wide)), a.const(WORD_BITS, wide)))
        part = a.value(arith.ShRUIOp(value, bits))
        a.emit(memref.StoreOp.get(a.value(arith.TruncIOp(part, i32)), words, idx))

    at.loops(_shape(words), one)


def _wide_matmul(op: Operation) -> bool:
    """A matmul into integers wider than 32 bits the kernel library has no
    kernel for (i32 x i32 -> i64, i64 x i64 -> i64 ...)."""
    if not isinstance(op, linalg.MatmulOp):
        return False
    a = op.inputs[0].type.element_type  # type: ignore[attr-defined]
    out = op.outputs[0].type.element_type  # type: ignore[attr-defined]
    if not isinstance(out, IntegerType) or out.width.data <= WORD_BITS:
        return False
    unsigned = op.attributes.get(UNSIGNED_CAST) == StringAttr("unsigned")
    return not has_matmul(matmul_suffix(a, out, unsigned))


def expand_linalg(op: Operation) -> bool:
    """Replace a linalg op on integers held as words by its scalar loops
    (no library kernel exists for them). False if `op` is none of these."""
    operands = list(op.operands)
    if not any(held_as_words(v) for v in operands) and not _wide_matmul(op):
        return False
    at = _At(op)
    if isinstance(op, linalg.FillOp):
        value, out = op.inputs[0], op.outputs[0]
        at.loops(_shape(out), lambda a, idx: a.emit(memref.StoreOp.get(value, out, idx)))
    elif isinstance(op, linalg.MatmulOp):
        x, y = op.inputs
        c = op.outputs[0]
        m, kk = _shape(x)
        n = _shape(y)[1]
        elem = c.type.element_type  # type: ignore[attr-defined]
        unsigned = op.attributes.get(UNSIGNED_CAST) == StringAttr("unsigned")

        # i, k, j: iteration i of the outer loop reads row i of A and of C,
        # iteration k of the middle loop row k of B, so blocks too large for
        # a core stream by rows (npu_stream_reads: A once, B once per row of
        # A); the sums wrap the same in any order
        def row(a: _At, idx: list[SSAValue]) -> None:
            i, k = idx
            u = _cast(a, a.value(memref.LoadOp.get(x, [i, k])), elem, unsigned)

            def step(b: _At, jdx: list[SSAValue]) -> None:
                (j,) = jdx
                v = _cast(b, b.value(memref.LoadOp.get(y, [k, j])), elem, unsigned)
                acc = b.value(memref.LoadOp.get(c, [i, j]))
                prod = b.value(arith.MuliOp(u, v))
                b.emit(memref.StoreOp.get(b.value(arith.AddiOp(acc, prod)), c, [i, j]))

            a.loops([n], step)

        at.loops([m, kk], row)
    elif type(op) in _ELEMENTWISE and len(op.operands) == 3:
        x, y, out = op.operands
        make = _ELEMENTWISE[type(op)]
        # linalg.max / min compare signed (MLIR's definition); the frontend
        # writes UInt operands as loops of arith.maxui / minui instead

        def one(a: _At, idx: list[SSAValue]) -> None:
            u = a.value(memref.LoadOp.get(x, idx))
            v = a.value(memref.LoadOp.get(y, idx))
            a.emit(memref.StoreOp.get(a.value(make(u, v)), out, idx))

        at.loops(_shape(out), one)
    else:
        elem = next(t for v in operands if (t := _wide_memref(v)) is not None)
        raise op_error(
            op,
            f"works on {elem} elements, which the NPU holds as 32-bit words; its kernel "
            "library has no such kernel and this compiler expands only fills, matmuls and "
            "elementwise add/sub/mul/max/min on them into loops; write it as loops",
        )
    op.detach()
    op.erase()
    return True


def _udivmod(at: _At, a: SSAValue, b: SSAValue) -> tuple[SSAValue, SSAValue]:
    """Unsigned quotient and remainder of iN values by restoring division: N
    steps of one bit each, in iN (the bit a step shifts out of the remainder
    is carried into its comparison), so no wider type and no library call."""
    t = a.type
    assert isinstance(t, IntegerType)
    n = t.width.data
    zero = at.const(0, t)
    inner = Block(arg_types=[IndexType(), t, t])
    i, q, r = inner.args
    end = scf.YieldOp()
    inner.add_op(end)
    s = _At(end)
    bit = s.value(arith.SubiOp(s.const(n - 1, t), s.value(arith.IndexCastOp(i, t))))
    one = s.const(1, t)
    carry = s.value(arith.CmpiOp(s.value(arith.ShRUIOp(r, s.const(n - 1, t))), zero, "ne"))
    next_bit = s.value(arith.AndIOp(s.value(arith.ShRUIOp(a, bit)), one))
    r2 = s.value(arith.OrIOp(s.value(arith.ShLIOp(r, one)), next_bit))
    ge = s.value(arith.OrIOp(carry, s.value(arith.CmpiOp(r2, b, "uge"))))
    r3 = s.value(arith.SelectOp(ge, s.value(arith.SubiOp(r2, b)), r2))
    q2 = s.value(arith.OrIOp(q, s.value(arith.ShLIOp(s.value(arith.ExtUIOp(ge, t)), bit))))
    end.operands = [q2, r3]
    loop = at.emit(scf.ForOp(at.const(0), at.const(n), at.const(1), [zero, zero], Region(inner)))
    return loop.results[0], loop.results[1]


def _division(at: _At, op: Operation) -> SSAValue:
    """`op` (a division or remainder of iN values) from _udivmod; the same
    results as the simulator's (C's truncation for divsi / remsi, floor and
    ceiling for the others, all wrapping at N bits)."""
    a, b = op.operands
    t = a.type
    zero = at.const(0, t)

    def neg(v: SSAValue) -> SSAValue:
        return at.value(arith.SubiOp(zero, v))

    def select(c: SSAValue, x: SSAValue, y: SSAValue) -> SSAValue:
        return at.value(arith.SelectOp(c, x, y))

    def less(x: SSAValue) -> SSAValue:
        return at.value(arith.CmpiOp(x, zero, "slt"))

    if isinstance(op, arith.DivUIOp | arith.RemUIOp | arith.CeilDivUIOp):
        q, r = _udivmod(at, a, b)
        if isinstance(op, arith.DivUIOp):
            return q
        if isinstance(op, arith.RemUIOp):
            return r
        inexact = at.value(arith.CmpiOp(r, zero, "ne"))
        return at.value(arith.AddiOp(q, at.value(arith.ExtUIOp(inexact, t))))
    na, nb = less(a), less(b)
    q, r = _udivmod(at, select(na, neg(a), a), select(nb, neg(b), b))
    q = select(at.value(arith.XOrIOp(na, nb)), neg(q), q)  # towards zero
    if isinstance(op, arith.DivSIOp):
        return q
    r = select(na, neg(r), r)  # the dividend's sign
    if isinstance(op, arith.RemSIOp):
        return r
    inexact = at.value(arith.CmpiOp(r, zero, "ne"))
    same = at.value(arith.CmpiOp(less(r), nb, "eq"))  # r and b of one sign
    if isinstance(op, arith.FloorDivSIOp):  # one lower when the quotient is negative
        down = at.value(arith.AndIOp(inexact, at.value(arith.XOrIOp(same, at.const(1, i1)))))
        return at.value(arith.SubiOp(q, at.value(arith.ExtUIOp(down, t))))
    up = at.value(arith.AndIOp(inexact, same))  # ceildivsi: one higher when positive
    return at.value(arith.AddiOp(q, at.value(arith.ExtUIOp(up, t))))


def expand_division(op: Operation) -> None:
    """Division and remainder wider than 64 bits as loops of iN operations:
    LLVM would call compiler-rt's 128-bit builtins (__divti3, __udivti3 ...),
    which exist only for 64-bit hosts (AIE is a 32-bit target)."""
    if not isinstance(op, _DIVISIONS):
        return
    t = op.results[0].type
    if not isinstance(t, IntegerType) or t.width.data <= CORE_LIBCALL_FREE_BITS:
        return
    op.results[0].replace_all_uses_with(_division(_At(op), op))
    op.detach()
    op.erase()


F32_FRACTION = 23
"""Fraction bits of an f32 (bf16 converts through it exactly: its upper half)."""
_FLOAT_FRACTION: dict[type[Attribute], int] = {Float32Type: F32_FRACTION, BFloat16Type: 7}
"""Fraction bits of the float types a program holds (f32 and bf16 share
their exponent: 8 bits, bias 127)."""


def _f32_bits_to_int(at: _At, x: SSAValue, t: IntegerType, signed: bool) -> SSAValue:
    """fptosi / fptoui of the float `x` to iN (N > 64) from the bits of its
    f32 value (extf from bf16 is exact): truncated towards zero, NaN gives 0
    and values out of range saturate, the simulator's rule
    (semantics.fptoint). A float at or above 2^(N-1) (signed) or 2^N - 1
    (unsigned) has exponent N-1 (N) or more, as no f32 lies strictly
    between 2^k - 1 and 2^k for k > 24."""
    n = t.width.data
    if not isinstance(x.type, Float32Type):
        x = at.value(arith.ExtFOp(x, Float32Type()))
    bits = at.value(arith.BitcastOp(x, i32))
    neg = at.value(arith.CmpiOp(bits, at.const(0, i32), "slt"))
    shifted = at.value(arith.ShRUIOp(bits, at.const(F32_FRACTION, i32)))
    biased = at.value(arith.AndIOp(shifted, at.const(0xFF, i32)))
    fraction = at.value(arith.AndIOp(bits, at.const((1 << F32_FRACTION) - 1, i32)))
    nan = at.value(
        arith.AndIOp(
            at.value(arith.CmpiOp(biased, at.const(0xFF, i32), "eq")),
            at.value(arith.CmpiOp(fraction, at.const(0, i32), "ne")),
        )
    )
    mant = at.value(arith.OrIOp(fraction, at.const(1 << F32_FRACTION, i32)))
    e = at.value(arith.SubiOp(biased, at.const(127, i32)))  # |x| = mant * 2^(e - 23)

    def clamp(v: SSAValue, hi: int) -> SSAValue:
        v = at.value(arith.MaxSIOp(v, at.const(0, i32)))
        return at.value(arith.MinSIOp(v, at.const(hi, i32)))

    # e <= 23: mant >> (23 - e) (0 for e < 0); e > 23: mant << (e - 23) in iN
    right_by = clamp(at.value(arith.SubiOp(at.const(F32_FRACTION, i32), e)), 31)
    right = at.value(arith.ShRUIOp(mant, right_by))
    tiny = at.value(arith.CmpiOp(e, at.const(0, i32), "slt"))
    right = at.value(arith.SelectOp(tiny, at.const(0, i32), right))
    left_by = clamp(at.value(arith.SubiOp(e, at.const(F32_FRACTION, i32))), n - 1)
    wide_mant = at.value(arith.ExtUIOp(mant, t))
    left = at.value(arith.ShLIOp(wide_mant, at.value(arith.ExtUIOp(left_by, t))))
    above = at.value(arith.CmpiOp(e, at.const(F32_FRACTION, i32), "sgt"))
    mag = at.value(arith.SelectOp(above, left, at.value(arith.ExtUIOp(right, t))))
    zero = at.const(0, t)
    if signed:
        over = at.value(arith.CmpiOp(e, at.const(n - 1, i32), "sge"))
        lo, hi = at.const(-(1 << (n - 1)), t), at.const((1 << (n - 1)) - 1, t)
        top = at.value(arith.SelectOp(neg, lo, hi))
        value = at.value(arith.SelectOp(neg, at.value(arith.SubiOp(zero, mag)), mag))
        value = at.value(arith.SelectOp(over, top, value))
    else:
        over = at.value(arith.CmpiOp(e, at.const(n, i32), "sge"))
        value = at.value(arith.SelectOp(over, at.const(-1, t), mag))
        value = at.value(arith.SelectOp(neg, zero, value))  # below zero: 0
    return at.value(arith.SelectOp(nan, zero, value))


def _bit_length(at: _At, q: SSAValue) -> SSAValue:
    t = q.type
    assert isinstance(t, IntegerType)
    return at.value(arith.SubiOp(at.const(t.width.data, t), at.value(math.CountLeadingZerosOp(q))))


def _round_even(at: _At, q: SSAValue, below: SSAValue, top: SSAValue) -> tuple[SSAValue, SSAValue]:
    """(q >> below, top) rounded to nearest, ties to even, on the bits
    shifted out; a carry out of the kept bits shifts once more and raises
    `top` (the value's exponent)."""
    t = q.type
    zero, one = at.const(0, t), at.const(1, t)
    kept = at.value(arith.ShRUIOp(q, below))
    unit = at.value(arith.ShLIOp(one, below))
    rest = at.value(arith.AndIOp(q, at.value(arith.SubiOp(unit, one))))
    half = at.value(arith.ShRUIOp(unit, one))
    odd = at.value(arith.CmpiOp(at.value(arith.AndIOp(kept, one)), zero, "ne"))
    tie = at.value(arith.AndIOp(at.value(arith.CmpiOp(rest, half, "eq")), odd))
    up = at.value(arith.OrIOp(at.value(arith.CmpiOp(rest, half, "ugt")), tie))
    up = at.value(arith.AndIOp(up, at.value(arith.CmpiOp(below, zero, "ne"))))
    width = at.value(arith.SubiOp(_bit_length(at, q), below))  # bits kept
    kept = at.value(arith.AddiOp(kept, at.value(arith.ExtUIOp(up, t))))
    carried = at.value(arith.CmpiOp(kept, at.value(arith.ShLIOp(one, width)), "eq"))
    kept = at.value(arith.SelectOp(carried, at.value(arith.ShRUIOp(kept, one)), kept))
    return kept, at.value(arith.AddiOp(top, at.value(arith.ExtUIOp(carried, t))))


def _int_to_float_bits(at: _At, x: SSAValue, signed: bool, ft: Attribute) -> SSAValue:
    """sitofp / uitofp of the iN `x` (N > 64) to f32 or bf16 as the
    simulator computes it (semantics.int_to_float): the float nearest the
    integer, ties to even, rounded once (2^128 and above is infinity), built
    from the magnitude's top bits and the bits below them."""
    t = x.type
    assert isinstance(t, IntegerType)
    zero = at.const(0, t)
    neg = at.value(arith.CmpiOp(x, zero, "slt")) if signed else at.const(0, i1)
    mag = at.value(arith.SelectOp(neg, at.value(arith.SubiOp(zero, x)), x))  # 2^(N-1) for MIN
    top = at.value(arith.SubiOp(_bit_length(at, mag), at.const(1, t)))
    # one rounding to the type's frac + 1 bits from the top one (a magnitude
    # of fewer is exact): through f64 or f32 first would round twice
    frac = _FLOAT_FRACTION[type(ft)]
    drop = at.value(arith.SubiOp(_bit_length(at, mag), at.const(frac + 1, t)))
    q, top = _round_even(at, mag, at.value(arith.MaxSIOp(drop, zero)), top)
    # the fraction: the kept bits below the leading one, left-aligned
    align = at.value(arith.SubiOp(at.const(frac + 1, t), _bit_length(at, q)))
    q = at.value(arith.ShLIOp(q, align))
    biased = at.value(arith.AddiOp(top, at.const(127, t)))
    inf = at.value(arith.CmpiOp(biased, at.const(0xFF, t), "sge"))
    exponent = at.value(arith.ShLIOp(biased, at.const(frac, t)))
    fraction = at.value(arith.AndIOp(q, at.const((1 << frac) - 1, t)))
    fields = at.value(arith.OrIOp(exponent, fraction))
    fields = at.value(arith.SelectOp(inf, at.const(0xFF << frac, t), fields))
    nothing = at.value(arith.CmpiOp(mag, zero, "eq"))
    fields = at.value(arith.SelectOp(nothing, zero, fields))
    bits_t = IntegerType(frac + 9)
    bits = at.value(arith.TruncIOp(fields, bits_t))
    sign = at.value(arith.ShLIOp(at.value(arith.ExtUIOp(neg, bits_t)), at.const(frac + 8, bits_t)))
    return at.value(arith.BitcastOp(at.value(arith.OrIOp(bits, sign)), ft))


def expand_float_cast(op: Operation) -> None:
    """Conversions between floats and integers wider than 64 bits as integer
    operations on the float's bits: LLVM would call compiler-rt's 128-bit
    builtins (__floattisf, __fixsfti ...), which exist only for 64-bit
    targets. The simulator's results exactly: an integer becomes the float
    nearest it (one rounding, ties to even); a float is truncated towards
    zero, saturated, NaN to 0. So do i25..i64 to bf16: LLVM converts a
    bf16 through f32 (its promotion of a type the core has no arithmetic
    for), a second rounding once the integer has more bits than f32 keeps."""
    if not isinstance(op, _FLOAT_CASTS):
        return
    at = _At(op)
    if isinstance(op, arith.SIToFPOp | arith.UIToFPOp):
        t = op.input.type
        if not isinstance(t, IntegerType):
            return
        through_f32 = isinstance(op.result.type, BFloat16Type) and t.width.data > F32_FRACTION + 1
        if t.width.data <= CORE_LIBCALL_FREE_BITS and not through_f32:
            return
        if type(op.result.type) not in _FLOAT_FRACTION:
            raise op_error(op, f"converts {t} to {op.result.type}; the NPU converts to f32, bf16")
        value = _int_to_float_bits(at, op.input, isinstance(op, arith.SIToFPOp), op.result.type)
    else:
        t = op.result.type
        if not isinstance(t, IntegerType) or t.width.data <= CORE_LIBCALL_FREE_BITS:
            return
        if type(op.input.type) not in _FLOAT_FRACTION:
            raise op_error(op, f"converts {op.input.type} to {t}; the NPU converts f32, bf16")
        value = _f32_bits_to_int(at, op.input, t, isinstance(op, arith.FPToSIOp))
    op.result.replace_all_uses_with(value)
    op.detach()
    op.erase()


def _retype_arg(block: Block, k: int) -> SSAValue:
    old = block.args[k]
    t = old.type
    assert isinstance(t, MemRefType)
    new = block.insert_arg(word_type(t), k)
    new.name_hint = old.name_hint
    old.replace_all_uses_with(new)
    block.erase_arg(old)
    return new


IndexMap = Callable[[_At, list[SSAValue]], list[SSAValue]]


def _rewrite_uses(
    value: SSAValue,
    words: SSAValue,
    elem: IntegerType,
    held: dict[SSAValue, IntegerType],
    index: IndexMap = lambda at, idx: idx,
) -> None:
    """The loads and stores of `value`, the word memref `words` (of iN
    `elem` elements) or a view of it whose element idx is element
    index(idx) of `words`: each becomes the element's words."""
    for use in list(value.uses):
        op = use.operation
        if isinstance(op, memref.LoadOp):
            at = _At(op)
            op.res.replace_all_uses_with(compose(at, words, index(at, list(op.indices)), elem))
            op.detach()
            op.erase()
        elif isinstance(op, memref.StoreOp) and op.memref is value:
            at = _At(op)
            decompose(at, op.value, words, index(at, list(op.indices)))
            op.detach()
            op.erase()
        elif isinstance(op, memref.SubviewOp) and op.source is value and not op.sizes:
            view = op

            def through(at: _At, idx: list[SSAValue], view=view) -> list[SSAValue]:  # noqa: ANN001
                return index(at, _view_indices(at, view, idx))

            _rewrite_uses(view.result, words, elem, held, through)
            if not view.result.uses:
                view.detach()
                view.erase()
        elif (
            isinstance(op, memref.CopyOp)
            and value is words
            and all(held.get(v) == elem for v in (op.source, op.destination))
        ):
            continue  # words to words: the copy moves them as they are
        elif isinstance(op, memref.CopyOp) and value is words and op.destination is words:
            copy_into_words(_At(op), op.source, words, elem)  # an i64 local, whole
            op.detach()
            op.erase()
        elif isinstance(op, memref.CopyOp) and value is words:
            at = _At(op)
            dst = op.destination  # an i64 local, whole: element by element
            at.loops(
                _shape(dst),
                lambda a, idx, dst=dst: a.emit(
                    memref.StoreOp.get(compose(a, words, idx, elem), dst, idx)
                ),
            )
            op.detach()
            op.erase()
        elif isinstance(op, memref.DeallocOp | dato.PutOp) and value is words:
            continue  # a put of words moves the block of words
        else:
            raise op_error(
                op,
                f"uses an array of {elem} elements, which the NPU holds as 32-bit words; "
                "this compiler reads and writes such arrays by element loads and stores, "
                "views of static size, whole copies and puts, not through calls or casts",
            )


def scalar_stream_words(op: dato.GetOp | dato.PutOp, body: Block) -> None:
    """A put or get of one integer wider than 64 bits moves a block of its
    words (the stream's type is rewritten to match): a put splits the value
    into a buffer of the task, a get composes the value from the block."""
    t = op.result.type if isinstance(op, dato.GetOp) else op.value.type
    if not isinstance(t, IntegerType) or not _wider_than_64(t):
        return
    words = MemRefType(i32, [words_of(t)])  # type: ignore[list-item]
    at = _At(op)
    name = op.stream.root_reference.data
    if isinstance(op, dato.PutOp):
        buffer = memref.AllocOp.get(i32, None, words.get_shape())
        first = body.first_op
        assert first is not None
        body.insert_op_before(buffer, first)
        decompose(at, op.value, buffer.memref, [])
        new: Operation = at.emit(dato.PutOp(name, list(op.indices), buffer.memref))
    else:
        new = at.emit(dato.GetOp(name, list(op.indices), words))
        op.result.replace_all_uses_with(compose(at, new.results[0], [], t))
    new.attributes |= op.attributes
    new.location = op.location
    op.detach()
    op.erase()


def rewrite_group(group: dato.GroupOp) -> None:
    """The group body's memrefs of wide integers as word memrefs."""
    body = group.body.block
    # arguments the task only writes, all of them before any read: the NPU
    # need not bring their host copy in. Their words are written in a local
    # staging buffer and copied out whole at the end, which the transfer
    # planner sees as such an overwrite (element stores of words are not).
    staged = [
        k
        for k, arg in enumerate(body.args)
        if _wide_memref(arg) is not None and arg_access(arg) == (False, True)
    ]
    for op in list(body.walk()):
        expand_float_cast(op)
        expand_division(op)
        if isinstance(op, dato.GetOp | dato.PutOp):
            scalar_stream_words(op, body)
        elif type(op).__module__.startswith("xdsl.dialects.linalg"):
            expand_linalg(op)
        elif isinstance(op, memref.CopyOp) and (
            held_as_words(op.source) != held_as_words(op.destination)
            or (held_as_words(op.source) and (_is_view(op.source) or _is_view(op.destination)))
        ):
            if not (_whole(op.destination) and _whole(op.source)):
                expand_copy(op)  # element by element: the words of a view are not one view
    held: dict[SSAValue, IntegerType] = {}
    for k in range(len(body.args)):
        elem = _wide_memref(body.args[k])
        if elem is not None:
            held[_retype_arg(body, k)] = elem
    for op in list(body.walk()):
        if isinstance(op, dato.GetOp) and _wider_than_64(op.result.type):
            t = op.result.type
            assert isinstance(t, MemRefType)
            new = dato.GetOp(op.stream.root_reference.data, list(op.indices), word_type(t))
            new.attributes |= op.attributes
            new.location = op.location
            block = op.parent_block()
            assert block is not None
            block.insert_op_before(new, op)
            op.result.replace_all_uses_with(new.result)
            op.detach()
            op.erase()
            held[new.result] = t.element_type  # type: ignore[assignment]
        elif (
            isinstance(op, memref.AllocOp)
            and (elem := _wide_memref(op.memref)) is not None
            and held_as_words(op.memref)
        ):
            t = op.memref.type
            assert isinstance(t, MemRefType)
            if not isinstance(t.layout, NoneAttr) or op.dynamic_sizes:
                raise op_error(op, f"allocates a {t} with a layout or dynamic sizes")
            words = word_type(t)
            new = memref.AllocOp.get(words.element_type, op.alignment, words.get_shape())
            new.memref.name_hint = op.memref.name_hint
            block = op.parent_block()
            assert block is not None
            block.insert_op_before(new, op)
            op.memref.replace_all_uses_with(new.memref)
            op.detach()
            op.erase()
            held[new.memref] = elem
    for value, elem in held.items():
        _rewrite_uses(value, value, elem, held)
    for k in staged:
        words = body.args[k]
        if arg_access(words) == (False, True):
            continue  # written whole as words already (copy_into_words)
        t = words.type
        assert isinstance(t, MemRefType)
        local = memref.AllocOp.get(i32, None, t.get_shape())
        local.memref.name_hint = f"{words.name_hint or 'arg'}_words"
        first = body.first_op
        if first is None:
            body.add_op(local)
        else:
            body.insert_op_before(local, first)
        words.replace_all_uses_with(local.memref)
        last = body.last_op
        out = memref.CopyOp(local.memref, words)
        if last is not None and last.has_trait(IsTerminator):
            body.insert_op_before(out, last)
        else:
            body.add_op(out)


def rewrite_region(region: dato.RegionOp) -> dict[int, int]:
    """Rewrite `region`; arg -> element bits of the region arguments now held as words."""
    for op in region.body.block.ops:
        if isinstance(op, dato.StreamOp) and _wider_than_64(op.stream_type.element_type):
            st = op.stream_type
            t = st.element_type
            if isinstance(t, MemRefType):
                op.stream_type = dato.StreamType(word_type(t), st.depth.data, st.packing.data)
            elif st.packing.data == 1:
                words = MemRefType(i32, [words_of(t)])  # type: ignore[list-item]
                op.stream_type = dato.StreamType(words, st.depth.data)
            else:
                raise op_error(
                    op,
                    f"packs {st.packing.data} {t} values a transfer: a stream of integers "
                    "wider than 64 bits moves each value as a block of its 32-bit words, "
                    "which this compiler does not pack; drop the packing",
                )
    wide: dict[int, int] = {}
    block = region.body.block
    for k in range(len(block.args)):
        t = block.args[k].type
        if isinstance(t, MemRefType) and words_of(t.element_type) is not None:
            for use in block.args[k].uses:
                if not isinstance(use.operation, dato.GroupOp):
                    raise op_error(
                        use.operation,
                        f"uses the array {region.arg_names()[k]} of {t.element_type} "
                        "elements outside a mapped task",
                    )
            wide[k] = t.element_type.width.data  # type: ignore[attr-defined]
    for group in region.groups():
        scaled: list[int] = []
        for inst in group.instances():
            for j, offs in enumerate(inst.offsets):
                offs = list(offs)
                index = block.args.index(group.args[j])
                if index in wide and offs:
                    offs[-1] *= words_of(IntegerType(wide[index]))  # type: ignore[operator]
                scaled += offs
        if wide:
            group.offsets = DenseArrayBase.from_list(i64, scaled)
        rewrite_group(group)
    for k in wide:
        _retype_arg(block, k)
    return wide


@dataclass(frozen=True)
class NpuWideIntegersPass(ModulePass):
    """Hold i64 and i65..i128 arrays as 32-bit words (see the module docstring)."""

    name = "dato-npu-wide-integers"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        flat: list[int] = []
        for region in [o for o in op.walk() if isinstance(o, dato.RegionOp)]:
            for k, bits in sorted(rewrite_region(region).items()):
                flat += [k, bits]
        if flat:
            op.attributes[WIDE_WORDS] = DenseArrayBase.from_list(i64, flat)


__all__ = [
    "WIDE_WORDS",
    "NpuWideIntegersPass",
    "compose",
    "decompose",
    "read_wide_words",
    "word_type",
    "words_of",
]
