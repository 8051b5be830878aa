"""What a name or an expression stands for while a kernel body is compiled."""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.dialects.builtin import MemRefType
from xdsl.ir import Block, SSAValue

from dato_xdsl.frontend.types import DType, StreamSpec


@dataclass
class Scalar:
    """An SSA scalar. `dtype` None means `index` (pids, loop variables).
    `static` marks values computed only from pids, constants and meta_for
    variables: what a stream index or a meta_if condition may use."""

    value: SSAValue
    dtype: DType | None
    static: bool = False


@dataclass
class Array:
    """An SSA memref (argument view, local buffer, subview)."""

    value: SSAValue
    dtype: DType

    @property
    def shape(self) -> tuple[int, ...]:
        t = self.value.type
        assert isinstance(t, MemRefType)
        return tuple(t.get_shape())

    @property
    def memref(self) -> MemRefType:
        t = self.value.type
        assert isinstance(t, MemRefType)
        return t

    @property
    def is_contiguous(self) -> bool:
        """An identity-layout memref, the only kind a block stream carries."""
        return self.memref == MemRefType(self.memref.element_type, self.shape)


@dataclass
class Slot:
    """A scalar variable: a 0-d `memref.alloca` read by load, written by store."""

    ref: SSAValue
    dtype: DType | None


@dataclass
class StreamDecl:
    """A stream (or stream array) declared in the region."""

    name: str
    spec: StreamSpec
    line: int


@dataclass
class StreamRef:
    """`pipe` or `pipe[i, j]`: one stream, ready for put/get."""

    decl: StreamDecl
    indices: list[Scalar] = field(default_factory=list)


@dataclass
class StreamList:
    """A list of streams for gather/scatter (a literal, or a stream array)."""

    refs: list[StreamRef]


def dominates(value: SSAValue, block: Block) -> bool:
    """Whether `value` is visible in `block` (defined there or in an ancestor)."""
    owner = value.owner
    home = owner if isinstance(owner, Block) else owner.parent_block()
    current: Block | None = block
    while current is not None:
        if current is home:
            return True
        parent_op = current.parent_op()
        current = parent_op.parent_block() if parent_op is not None else None
    return False
