"""The `dato` dialect: task graphs connected by typed streams.

A `dato.region` is the kernel: a symbol whose block arguments are the external
memrefs. Inside it, `dato.stream` declares streams (one, or an array of them) and
`dato.task` declares a grid of task instances. Each task binds some region
arguments with a layout (`#dato.layout<[S0, R]>`: dimension 0 sharded over mesh
axis 0, dimension 1 replicated); its body's block arguments are the local view
one instance sees. `dato.pid` gives the instance coordinates, `dato.put` and
`dato.get` move one element over a stream.

Streams and tasks are symbols, so task bodies are isolated from above and a
mapping pass can clone or specialise a body without rewiring SSA values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

from xdsl.dialects.builtin import (
    AnyFloat,
    ArrayAttr,
    BFloat16Type,
    DenseArrayBase,
    FileLineColLoc,
    FlatSymbolRefAttr,
    Float32Type,
    IndexType,
    IntAttr,
    IntegerType,
    MemRefType,
    StringAttr,
    SymbolRefAttr,
    i64,
)
from xdsl.ir import (
    Attribute,
    Block,
    Dialect,
    Operation,
    ParametrizedAttribute,
    Region,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import (
    HasAncestor,
    HasParent,
    IsolatedFromAbove,
    NoTerminator,
    Pure,
    SymbolOpInterface,
    SymbolTable,
)
from xdsl.utils.exceptions import VerifyException

REPLICATE = -1
"""Layout entry of a replicated dimension; entries >= 0 name a mesh axis."""

# Limits on sizes (docs/design-notes.md, "Limits"): every instance of a grid and
# every stream of an array is materialised by virtual mapping, so their counts
# bound compile time and memory; a depth beyond any FIFO a device can hold is a
# typo, not a design.
MAX_GRID_INSTANCES = 65536
"""At most this many instances in one task grid (the product of its extents)."""
MAX_STREAMS = 65536
"""At most this many streams in one stream array."""
MAX_STREAM_DEPTH = 1 << 20
"""At most this many elements buffered by one stream."""
MAX_PACKING = 64
"""At most this many scalars packed into one stream word."""


def check_extents(what: str, extents: Sequence[int], limit: int, unit: str) -> None:
    """Raise unless every extent is >= 1 and their product is at most `limit`."""
    shown = list(extents)
    for extent in extents:
        if extent < 1:
            raise VerifyException(f"{what} has {shown}; extents must be at least 1")
    total = 1
    for extent in extents:
        total *= extent
    if total > limit:
        raise VerifyException(f"{what} has {shown}: {total} {unit}, more than the limit of {limit}")


def _is_scalar(t: Attribute) -> bool:
    return isinstance(t, IntegerType | IndexType | AnyFloat)


def _check_element_type(t: Attribute, what: str) -> None:
    """The scalar types every executor and target implements (design notes,
    task-body conventions): signless i1/i8/i16/i32/i64, index, f32, bf16; and
    the frontend's `Int(n)` values of any width up to 128 bits, whose arrays
    of odd widths up to 64 bits live in the next standard width
    (docs/kernel-language.md; wider ones the hardware targets refuse, located)."""
    element = t.element_type if isinstance(t, MemRefType) else t
    if isinstance(element, IntegerType):
        width = element.width.data
        if isinstance(t, MemRefType):
            widths_ok = width in (1, 8, 16, 32, 64) or 64 < width <= 128
        else:
            widths_ok = width <= 128
        ok = widths_ok and element.signedness.data.name == "SIGNLESS"
    elif isinstance(element, AnyFloat):
        ok = isinstance(element, Float32Type | BFloat16Type)
    else:
        return
    if not ok:
        raise VerifyException(
            f"{what} has type {t}; dato programs use i1, i8, i16, i32, i64, index, f32 and "
            "bf16 (values of other integer widths up to i128; arrays of them above i64)"
        )


def _where(op: Operation) -> str:
    loc = op.location
    if isinstance(loc, FileLineColLoc):
        return f" at {loc.filename.data}:{loc.line.data}:{loc.column.data}"
    return ""


def _has_static_shape(t: MemRefType) -> bool:
    return all(d >= 0 for d in t.get_shape())


# --------------------------------------------------------------------------- types


@irdl_attr_definition
class StreamType(ParametrizedAttribute, TypeAttribute):
    """`!dato.stream<T, depth[, packing]>`: a FIFO of `depth` elements of `T`.

    `T` is a scalar or a statically shaped memref block. `packing` > 1 bundles
    that many scalars per transfer (a transport hint; puts and gets stay per
    element)."""

    name = "dato.stream"

    element_type: Attribute
    depth: IntAttr
    packing: IntAttr

    def __init__(self, element_type: Attribute, depth: int, packing: int = 1) -> None:
        super().__init__(element_type, IntAttr(depth), IntAttr(packing))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        start = parser.pos
        parser.parse_punctuation("<")
        element_type = parser.parse_type()
        parser.parse_punctuation(",")
        depth = parser.parse_integer(allow_boolean=False, allow_negative=True)
        packing = 1
        if parser.parse_optional_punctuation(","):
            packing = parser.parse_integer(allow_boolean=False, allow_negative=True)
        parser.parse_punctuation(">")
        try:  # report a bad type where it is written, not as a bare exception
            StreamType(element_type, depth, packing)
        except VerifyException as err:
            parser.raise_error(str(err), start, parser.pos)
        return (element_type, IntAttr(depth), IntAttr(packing))

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_attribute(self.element_type)
            printer.print_string(f", {self.depth.data}")
            if self.packing.data != 1:
                printer.print_string(f", {self.packing.data}")

    def verify(self) -> None:
        t = self.element_type
        if isinstance(t, MemRefType):
            if not _has_static_shape(t) or not _is_scalar(t.element_type):
                raise VerifyException(
                    f"stream block type {t} must be a statically shaped memref of scalars"
                )
            if self.packing.data != 1:
                raise VerifyException(
                    "a packing factor applies to scalar streams, not to memref blocks"
                )
        elif not _is_scalar(t):
            raise VerifyException(
                f"stream element type {t} must be an integer, float, index or memref"
            )
        if not 1 <= self.depth.data <= MAX_STREAM_DEPTH:
            raise VerifyException(
                f"stream depth must be between 1 and {MAX_STREAM_DEPTH}, got {self.depth.data}"
            )
        if not 1 <= self.packing.data <= MAX_PACKING:
            raise VerifyException(
                f"stream packing factor must be between 1 and {MAX_PACKING}, "
                f"got {self.packing.data}"
            )


@irdl_attr_definition
class LayoutAttr(ParametrizedAttribute):
    """`#dato.layout<[S0, R]>`: per tensor dimension, `S<axis>` shards it over
    that mesh axis of the task grid, `R` replicates it.

    It means what an upstream `shard.sharding` with split axes `[[0], []]` means,
    restricted to one mesh axis per dimension (all Dato layouts need)."""

    name = "dato.layout"

    dims: ArrayAttr[IntAttr]

    def __init__(self, dims: Sequence[int]) -> None:
        super().__init__(ArrayAttr(IntAttr(d) for d in dims))

    @staticmethod
    def replicated(rank: int) -> LayoutAttr:
        return LayoutAttr([REPLICATE] * rank)

    @property
    def entries(self) -> tuple[int, ...]:
        return tuple(d.data for d in self.dims.data)

    def split_axes(self) -> list[list[int]]:
        """The equivalent `shard.sharding` split axes."""
        return [[] if d == REPLICATE else [d] for d in self.entries]

    @staticmethod
    def parse_entries(parser: AttrParser) -> list[int]:
        def entry() -> int:
            pos = parser.pos
            word = parser.parse_identifier("layout entry (S<axis> or R)")
            if word == "R":
                return REPLICATE
            if len(word) > 1 and word[0] == "S" and word[1:].isdigit():
                return int(word[1:])
            parser.raise_error(
                f"expected a layout entry S<axis> or R, got '{word}'", pos, parser.pos
            )

        return parser.parse_comma_separated_list(parser.Delimiter.SQUARE, entry)

    def print_entries(self, printer: Printer) -> None:
        with printer.in_square_brackets():
            printer.print_list(
                self.entries, lambda d: printer.print_string("R" if d < 0 else f"S{d}")
            )

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        parser.parse_punctuation("<")
        entries = cls.parse_entries(parser)
        parser.parse_punctuation(">")
        return (ArrayAttr(IntAttr(d) for d in entries),)

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            self.print_entries(printer)

    def verify(self) -> None:
        for d in self.entries:
            if d < REPLICATE:
                raise VerifyException(f"layout mesh axis must be >= 0, got {d}")
        sharded = [d for d in self.entries if d != REPLICATE]
        for d in sharded:
            if sharded.count(d) > 1:
                raise VerifyException(
                    f"layout {self} shards two dimensions over mesh axis {d}; "
                    "a mesh axis shards at most one dimension"
                )

    def local_shape(self, shape: Sequence[int], grid: Sequence[int]) -> list[int]:
        """The block of `shape` one instance of a `grid` task sees."""
        return [
            s if d == REPLICATE else s // grid[d] for s, d in zip(shape, self.entries, strict=True)
        ]

    def __str__(self) -> str:
        return "[" + ", ".join("R" if d < 0 else f"S{d}" for d in self.entries) + "]"


# ----------------------------------------------------------------------- helpers


def _parse_int_list(parser: Parser) -> list[int]:
    return parser.parse_comma_separated_list(
        parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
    )


def _print_int_list(printer: Printer, values: Sequence[int]) -> None:
    printer.print_string("[" + ", ".join(str(v) for v in values) + "]")


def _int_array(values: Sequence[int]) -> ArrayAttr[IntAttr]:
    return ArrayAttr(IntAttr(v) for v in values)


def _check_arity(name: str, bound: Sequence[SSAValue], body_args: Sequence[SSAValue]) -> None:
    """A task or group body takes one block argument per bound region argument."""
    if len(bound) != len(body_args):
        raise VerifyException(
            f"{name} binds {len(bound)} region argument(s) but its body takes {len(body_args)}"
        )


def _parse_indices(parser: Parser) -> list[SSAValue]:
    """Parse an optional `[%i, %j]` list of index operands."""
    if parser.parse_optional_punctuation("[") is None:
        return []
    if parser.parse_optional_punctuation("]") is not None:
        return []
    indices = [parser.parse_operand(IndexType())]
    while parser.parse_optional_punctuation(","):
        indices.append(parser.parse_operand(IndexType()))
    parser.parse_punctuation("]")
    return indices


def _print_indices(printer: Printer, indices: Sequence[SSAValue]) -> None:
    if indices:
        with printer.in_square_brackets():
            printer.print_list(indices, printer.print_operand)


# ----------------------------------------------------------------------- region


def _is_kernel_declaration(op: Operation) -> bool:
    """A body-less `func.func` (an external kernel task bodies call)."""
    return op.name == "func.func" and not op.regions[0].blocks


_OpT = TypeVar("_OpT", bound=Operation)
_IS_A: dict[type, dict[type, bool]] = {}
"""asked class -> op class -> issubclass: an isinstance on an xDSL op class
goes through ABCMeta, and a mapping asks a region of thousands of streams
for its streams and groups tens of thousands of times"""


def _ops_of(block: Block, cls: type[_OpT]) -> list[_OpT]:
    """The ops of `block` that are `cls`, in order."""
    memo = _IS_A.setdefault(cls, {})
    out: list[_OpT] = []
    op = block.first_op
    while op is not None:
        t = type(op)
        if t is cls:
            out.append(op)  # type: ignore[arg-type]
        else:
            is_a = memo.get(t)
            if is_a is None:
                is_a = memo[t] = issubclass(t, cls)
            if is_a:
                out.append(op)  # type: ignore[arg-type]
        op = op.next_op
    return out


@irdl_op_definition
class RegionOp(IRDLOperation):
    """`dato.region @name(%A : memref<...>, ...) { streams and tasks }`."""

    name = "dato.region"

    sym_name = prop_def(StringAttr)
    body = region_def("single_block")

    traits = traits_def(SymbolOpInterface(), SymbolTable(), IsolatedFromAbove(), NoTerminator())

    def __init__(self, name: str, arg_types: Sequence[Attribute], body: Block | None = None):
        block = body if body is not None else Block(arg_types=arg_types)
        super().__init__(properties={"sym_name": StringAttr(name)}, regions=[Region(block)])

    @property
    def args(self) -> tuple[SSAValue, ...]:
        return tuple(self.body.block.args)

    def arg_names(self) -> list[str]:
        """The region's array names as messages and host programs give them
        (`arg<k>` for an argument without a name)."""
        return [a.name_hint or f"arg{k}" for k, a in enumerate(self.body.block.args)]

    def streams(self) -> list[StreamOp]:
        return _ops_of(self.body.block, StreamOp)

    def tasks(self) -> list[TaskOp]:
        return _ops_of(self.body.block, TaskOp)

    def groups(self) -> list[GroupOp]:
        return _ops_of(self.body.block, GroupOp)

    @classmethod
    def parse(cls, parser: Parser) -> RegionOp:
        name = parser.parse_symbol_name().data
        args = parser.parse_comma_separated_list(
            parser.Delimiter.PAREN, lambda: parser.parse_argument(expect_type=True)
        )
        attrs = parser.parse_optional_attr_dict_with_keyword()
        region = parser.parse_region(args)
        op = RegionOp(name, [], region.detach_block(0))
        if attrs is not None:
            op.attributes |= attrs.data
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        with printer.in_parens():
            printer.print_list(self.body.block.args, printer.print_block_argument)
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False, print_empty_block=False)

    def verify_(self) -> None:
        for i, arg in enumerate(self.body.block.args):
            t = arg.type
            if not isinstance(t, MemRefType) or not _has_static_shape(t):
                raise VerifyException(
                    f"argument {i} of region @{self.sym_name.data} has type {t}; "
                    "region arguments are statically shaped memrefs"
                )
        for op in self.body.block.ops:
            if _is_kernel_declaration(op):
                continue  # an external kernel its tasks call: the region is their symbol table
            if not isinstance(op, StreamOp | TaskOp | GroupOp | BundleOp | ChainOp):
                raise VerifyException(
                    f"region @{self.sym_name.data} may hold only dato.stream, dato.task, "
                    f"dato.group, dato.bundle and dato.chain ops and func.func declarations "
                    f"of external kernels, found {op.name}"
                )
        for arg in self.body.block.args:
            _check_element_type(arg.type, f"argument %{arg.name_hint or arg.index}")
        for op in self.body.walk():
            if isinstance(op, StreamOp):
                _check_element_type(op.stream_type.element_type, f"stream @{op.sym_name.data}")
            for value in [*op.results, *(a for r in op.regions for b in r.blocks for a in b.args)]:
                _check_element_type(value.type, f"a value of {op.name}{_where(op)}")


# ----------------------------------------------------------------------- stream


@irdl_op_definition
class StreamOp(IRDLOperation):
    """`dato.stream @name [P0, P1] : !dato.stream<T, depth>`; no shape for a
    single stream."""

    name = "dato.stream"

    sym_name = prop_def(StringAttr)
    shape = prop_def(ArrayAttr[IntAttr])
    stream_type = prop_def(StreamType)

    traits = traits_def(SymbolOpInterface(), HasParent(RegionOp))

    def __init__(self, name: str, stream_type: StreamType, shape: Sequence[int] = ()):
        super().__init__(
            properties={
                "sym_name": StringAttr(name),
                "shape": _int_array(shape),
                "stream_type": stream_type,
            }
        )

    @property
    def shape_values(self) -> tuple[int, ...]:
        return tuple(d.data for d in self.shape.data)

    @classmethod
    def parse(cls, parser: Parser) -> StreamOp:
        name = parser.parse_symbol_name().data
        shape: list[int] = []
        if parser._current_token.text == "[":  # pyright: ignore[reportPrivateUsage]
            shape = _parse_int_list(parser)
        parser.parse_punctuation(":")
        pos = parser.pos
        t = parser.parse_type()
        if not isinstance(t, StreamType):
            parser.raise_error(f"expected a !dato.stream type, got {t}", pos, parser.pos)
        op = StreamOp(name, t, shape)
        if attrs := parser.parse_optional_attr_dict():
            op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        if self.shape.data:
            printer.print_string(" ")
            _print_int_list(printer, self.shape_values)
        printer.print_string(" : ")
        printer.print_attribute(self.stream_type)
        printer.print_op_attributes(self.attributes)

    def verify_(self) -> None:
        check_extents(
            f"stream array @{self.sym_name.data}", self.shape_values, MAX_STREAMS, "streams"
        )


# ------------------------------------------------------------------------- task


@irdl_op_definition
class TaskOp(IRDLOperation):
    """`dato.task @name grid [P0, P1] (%A : memref<..> [S0, R], ...) { body }`.

    Each of the P0*P1 instances runs the body once; block argument k is the
    instance's local view of bound argument k under its layout."""

    name = "dato.task"

    args = var_operand_def(MemRefType)
    sym_name = prop_def(StringAttr)
    grid = prop_def(ArrayAttr[IntAttr])
    layouts = prop_def(ArrayAttr[LayoutAttr])
    body = region_def("single_block")

    traits = traits_def(
        SymbolOpInterface(), IsolatedFromAbove(), NoTerminator(), HasParent(RegionOp)
    )

    def __init__(
        self,
        name: str,
        grid: Sequence[int],
        args: Sequence[SSAValue],
        layouts: Sequence[LayoutAttr],
        body: Block,
    ) -> None:
        super().__init__(
            operands=[args],
            properties={
                "sym_name": StringAttr(name),
                "grid": _int_array(grid),
                "layouts": ArrayAttr(layouts),
            },
            regions=[Region(body)],
        )

    @property
    def grid_shape(self) -> tuple[int, ...]:
        return tuple(d.data for d in self.grid.data)

    @classmethod
    def parse(cls, parser: Parser) -> TaskOp:
        name = parser.parse_symbol_name().data
        parser.parse_keyword("grid")
        grid = _parse_int_list(parser)

        def bound() -> tuple[SSAValue, LayoutAttr]:
            operand = parser.parse_unresolved_operand()
            parser.parse_punctuation(":")
            t = parser.parse_type()
            value = parser.resolve_operand(operand, t)
            if parser._current_token.text == "[":  # pyright: ignore[reportPrivateUsage]
                layout = LayoutAttr(LayoutAttr.parse_entries(parser))
            else:
                rank = len(t.get_shape()) if isinstance(t, MemRefType) else 0
                layout = LayoutAttr.replicated(rank)
            return value, layout

        bound_args = parser.parse_comma_separated_list(parser.Delimiter.PAREN, bound)
        attrs = parser.parse_optional_attr_dict_with_keyword()
        region = parser.parse_region()
        if not region.blocks:
            region.add_block(Block())
        op = TaskOp(
            name,
            grid,
            [v for v, _ in bound_args],
            [lay for _, lay in bound_args],
            region.detach_block(0),
        )
        if attrs is not None:
            op.attributes |= attrs.data
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        printer.print_string(" grid ")
        _print_int_list(printer, self.grid_shape)
        printer.print_string(" ")

        def bound(item: tuple[SSAValue, LayoutAttr]) -> None:
            value, layout = item
            printer.print_operand(value)
            printer.print_string(" : ")
            printer.print_attribute(value.type)
            printer.print_string(" ")
            layout.print_entries(printer)

        with printer.in_parens():
            printer.print_list(zip(self.args, self.layouts.data, strict=True), bound)
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_empty_block=False)

    def verify_(self) -> None:
        name = f"task @{self.sym_name.data}"
        grid = self.grid_shape
        check_extents(f"{name} grid", grid, MAX_GRID_INSTANCES, "instances")
        body_args = self.body.block.args
        _check_arity(name, self.args, body_args)
        if len(self.layouts.data) != len(self.args):
            raise VerifyException(
                f"{name} has {len(self.layouts.data)} layout(s) for {len(self.args)} "
                "bound argument(s)"
            )
        for k, (arg, layout, local) in enumerate(
            zip(self.args, self.layouts.data, body_args, strict=True)
        ):
            self._verify_binding(name, k, arg.type, layout, local.type, grid)

    @staticmethod
    def _verify_binding(
        name: str,
        k: int,
        global_type: Attribute,
        layout: LayoutAttr,
        local_type: Attribute,
        grid: tuple[int, ...],
    ) -> None:
        assert isinstance(global_type, MemRefType)
        shape = global_type.get_shape()
        entries = layout.entries
        if len(entries) != len(shape):
            raise VerifyException(
                f"{name}: layout {layout} of argument {k} has {len(entries)} entries "
                f"for a rank-{len(shape)} array {global_type}"
            )
        for dim, axis in enumerate(entries):
            if axis == REPLICATE:
                continue
            if axis >= len(grid):
                raise VerifyException(
                    f"{name}: layout {layout} of argument {k} shards dimension {dim} "
                    f"over mesh axis {axis}, but the task grid {list(grid)} has only "
                    f"{len(grid)} axis/axes"
                )
            if shape[dim] % grid[axis] != 0:
                raise VerifyException(
                    f"{name}: dimension {dim} of argument {k} has size {shape[dim]}, "
                    f"not divisible by grid extent {grid[axis]} of mesh axis {axis}"
                )
        if not isinstance(local_type, MemRefType):
            raise VerifyException(
                f"{name}: body argument {k} has type {local_type}, expected a memref"
            )
        if local_type.element_type != global_type.element_type:
            raise VerifyException(
                f"{name}: body argument {k} has element type {local_type.element_type} "
                f"but bound argument {k} has {global_type.element_type}"
            )
        expected = layout.local_shape(shape, grid)
        if list(local_type.get_shape()) != expected:
            raise VerifyException(
                f"{name}: body argument {k} has shape {list(local_type.get_shape())}, "
                f"but layout {layout} of {global_type} on grid {list(grid)} gives a "
                f"local view of shape {expected}"
            )


def enclosing_task(op: Operation) -> TaskOp | GroupOp | None:
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, TaskOp | GroupOp):
        parent = parent.parent_op()
    return parent


# ------------------------------------------------------------------------ group


def instance_name(task: str, pid: Sequence[int]) -> str:
    """`gemm_1_0`: a task instance as Dato users name it."""
    return "_".join([task, *(str(p) for p in pid)])


@dataclass(frozen=True)
class Instance:
    """One row of a group's instance table."""

    name: str
    pid: tuple[int, ...]
    offsets: tuple[tuple[int, ...], ...]
    """per bound argument, the offset of its slice in the global array"""
    bindings: tuple[str, ...]
    """per port, the stream it is bound to"""


@irdl_op_definition
class GroupOp(IRDLOperation):
    """Virtually mapped task instances that share one body.

    `dato.group @name of @task grid [..] (%A : memref<..>, ...) ports [@p, ...]
    instances [@task_0_1 pid [0, 1] offsets [[0, 0], ...] streams [@s_0_1, ...], ...]`

    Each row is one instance (named `task_i_j` as Dato users know them): its pid,
    the offsets of its slice of every bound argument (the slice's sizes are the
    body argument shapes, its strides are 1) and the stream each port is bound
    to. Inside the body, `dato.put`/`dato.get` name either a port (a stream that
    differs from instance to instance) or a region stream, without indices;
    `dato.pid` reads the instance's row."""

    name = "dato.group"

    args = var_operand_def(MemRefType)
    sym_name = prop_def(StringAttr)
    task = prop_def(StringAttr)
    grid = prop_def(ArrayAttr[IntAttr])
    ports = prop_def(ArrayAttr[StringAttr])
    pids = prop_def(DenseArrayBase)
    offsets = prop_def(DenseArrayBase)
    bindings = prop_def(ArrayAttr[StringAttr])
    body = region_def("single_block")

    traits = traits_def(
        SymbolOpInterface(), IsolatedFromAbove(), NoTerminator(), HasParent(RegionOp)
    )

    def __init__(
        self,
        name: str,
        task: str,
        grid: Sequence[int],
        args: Sequence[SSAValue],
        ports: Sequence[str],
        instances: Sequence[tuple[Sequence[int], Sequence[Sequence[int]], Sequence[str]]],
        body: Block,
    ) -> None:
        pids = [v for pid, _, _ in instances for v in pid]
        offsets = [v for _, offs, _ in instances for o in offs for v in o]
        bindings = [StringAttr(b) for _, _, binds in instances for b in binds]
        super().__init__(
            operands=[args],
            properties={
                "sym_name": StringAttr(name),
                "task": StringAttr(task),
                "grid": _int_array(grid),
                "ports": ArrayAttr(StringAttr(p) for p in ports),
                "pids": DenseArrayBase.from_list(i64, pids),
                "offsets": DenseArrayBase.from_list(i64, offsets),
                "bindings": ArrayAttr(bindings),
            },
            regions=[Region(body)],
        )

    @property
    def grid_shape(self) -> tuple[int, ...]:
        return tuple(d.data for d in self.grid.data)

    @property
    def port_names(self) -> tuple[str, ...]:
        return tuple(p.data for p in self.ports.data)

    def arg_ranks(self) -> list[int]:
        return [len(cast(MemRefType, a.type).get_shape()) for a in self.args]

    def num_instances(self) -> int:
        rank = len(self.grid.data)
        n_pids = len(self.pids.get_values())
        return n_pids // rank if rank else len(self.bindings.data) // max(1, len(self.ports.data))

    def instances(self) -> list[Instance]:
        # A build asks for the table dozens of times; attributes are immutable and
        # replaced when the group changes, so their identities key a memo.
        ranks = self.arg_ranks()
        attrs = (self.grid, self.pids, self.offsets, self.bindings, self.ports, self.task)
        memo = self.__dict__.get("_instances_memo")
        if (
            memo is not None
            and memo[1] == ranks
            and all(a is b for a, b in zip(memo[0], attrs, strict=True))
        ):
            return list(memo[2])
        rows = self._instance_rows(ranks)
        self.__dict__["_instances_memo"] = (attrs, ranks, rows)
        return list(rows)

    def _instance_rows(self, ranks: list[int]) -> list[Instance]:
        rank = len(self.grid.data)
        pids = self.pids.get_values()
        offsets = self.offsets.get_values()
        binds = [b.data for b in self.bindings.data]
        width = sum(ranks)
        nports = len(self.ports.data)
        task = self.task.data
        rows: list[Instance] = []
        n = len(pids) // rank if rank else len(binds) // max(1, nports)
        for k in range(n):
            pid = tuple(int(v) for v in pids[k * rank : (k + 1) * rank])
            flat = offsets[k * width : (k + 1) * width]
            offs: list[tuple[int, ...]] = []
            at = 0
            for r in ranks:
                offs.append(tuple(int(v) for v in flat[at : at + r]))
                at += r
            name = instance_name(task, pid)
            rows.append(
                Instance(name, pid, tuple(offs), tuple(binds[k * nports : (k + 1) * nports]))
            )
        return rows

    @classmethod
    def parse(cls, parser: Parser) -> GroupOp:
        name = parser.parse_symbol_name().data
        parser.parse_keyword("of")
        task = parser.parse_symbol_name().data
        parser.parse_keyword("grid")
        grid = _parse_int_list(parser)

        def bound() -> SSAValue:
            operand = parser.parse_unresolved_operand()
            parser.parse_punctuation(":")
            return parser.resolve_operand(operand, parser.parse_type())

        args = parser.parse_comma_separated_list(parser.Delimiter.PAREN, bound)
        parser.parse_keyword("ports")
        ports = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: parser.parse_symbol_name().data
        )
        parser.parse_keyword("instances")

        def row() -> tuple[list[int], list[list[int]], list[str]]:
            parser.parse_symbol_name()  # the instance name is derived from task and pid
            parser.parse_keyword("pid")
            pid = _parse_int_list(parser)
            parser.parse_keyword("offsets")
            offs = parser.parse_comma_separated_list(
                parser.Delimiter.SQUARE, lambda: _parse_int_list(parser)
            )
            parser.parse_keyword("streams")
            binds = parser.parse_comma_separated_list(
                parser.Delimiter.SQUARE, lambda: parser.parse_symbol_name().data
            )
            return pid, offs, binds

        rows = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, row)
        attrs = parser.parse_optional_attr_dict_with_keyword()
        region = parser.parse_region()
        if not region.blocks:
            region.add_block(Block())
        op = GroupOp(name, task, grid, args, ports, rows, region.detach_block(0))
        if attrs is not None:
            op.attributes |= attrs.data
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        printer.print_string(" of ")
        printer.print_symbol_name(self.task.data)
        printer.print_string(" grid ")
        _print_int_list(printer, self.grid_shape)
        printer.print_string(" ")

        def bound(value: SSAValue) -> None:
            printer.print_operand(value)
            printer.print_string(" : ")
            printer.print_attribute(value.type)

        with printer.in_parens():
            printer.print_list(self.args, bound)
        printer.print_string(" ports [")
        printer.print_list(self.port_names, printer.print_symbol_name)
        printer.print_string("] instances [")
        instances = self.instances()
        with printer.indented():
            for k, inst in enumerate(instances):
                printer._print_new_line()  # pyright: ignore[reportPrivateUsage]
                printer.print_symbol_name(inst.name)
                printer.print_string(" pid ")
                _print_int_list(printer, inst.pid)
                printer.print_string(" offsets [")
                printer.print_list(inst.offsets, lambda o: _print_int_list(printer, o))
                printer.print_string("] streams [")
                printer.print_list(inst.bindings, printer.print_symbol_name)
                printer.print_string("]" + ("," if k + 1 < len(instances) else ""))
        printer._print_new_line()  # pyright: ignore[reportPrivateUsage]
        printer.print_string("]")
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_empty_block=False)

    def verify_(self) -> None:
        name = f"group @{self.sym_name.data}"
        rank = len(self.grid.data)
        check_extents(f"{name} grid", self.grid_shape, MAX_GRID_INSTANCES, "instances")
        n = self.num_instances()
        if len(self.pids.get_values()) != n * rank:
            raise VerifyException(f"{name}: pid table does not have {rank} entries per instance")
        body_args = self.body.block.args
        _check_arity(name, self.args, body_args)
        if len(self.bindings.data) != n * len(self.ports.data):
            raise VerifyException(f"{name}: every instance must bind each of its ports")
        region = self.parent_op()
        streams: dict[str, StreamOp] = {}
        if isinstance(region, RegionOp):
            streams = {s.sym_name.data: s for s in region.streams()}
        port_types: list[Attribute | None] = [None] * len(self.ports.data)
        for inst in self.instances():
            for p, (port, target) in enumerate(zip(self.port_names, inst.bindings, strict=True)):
                decl = streams.get(target)
                if region is not None and (decl is None or decl.shape_values):
                    raise VerifyException(
                        f"{name}: instance {inst.name} binds port @{port} to @{target}, "
                        "which is not a single dato.stream"
                    )
                if decl is not None:
                    t = decl.stream_type
                    if port_types[p] is None:
                        port_types[p] = t
                    elif port_types[p] != t:
                        raise VerifyException(
                            f"{name}: port @{port} is bound to streams of different types "
                            f"({port_types[p]} and {t})"
                        )
            for k, (arg, local, off) in enumerate(
                zip(self.args, body_args, inst.offsets, strict=True)
            ):
                shape = cast(MemRefType, arg.type).get_shape()
                local_t = local.type
                if not isinstance(local_t, MemRefType):
                    raise VerifyException(f"{name}: body argument {k} is not a memref")
                sizes = local_t.get_shape()
                if len(off) != len(shape) or any(
                    o < 0 or o + sz > d for o, sz, d in zip(off, sizes, shape, strict=True)
                ):
                    raise VerifyException(
                        f"{name}: instance {inst.name} has slice offsets {list(off)} with sizes "
                        f"{list(sizes)}, outside argument {k} of shape {list(shape)}"
                    )

    def pid_values(self) -> list[SSAValue]:
        """The results of every `dato.pid` in the body, in walk order."""
        return [r for op in self.body.walk() if isinstance(op, PidOp) for r in op.results]

    def pid_env(
        self, inst: Instance, values: Sequence[SSAValue] | None = None
    ) -> dict[SSAValue, int]:
        """Each pid result of the body bound to the instance's coordinate
        (`values`: `pid_values()`, when the caller loops over instances)."""
        values = self.pid_values() if values is None else values
        rank = len(self.grid.data)
        return {v: inst.pid[k % rank] for k, v in enumerate(values)}

    def port_type(self, port: str) -> StreamType | None:
        """The stream type behind a port (from its first binding)."""
        if port not in self.port_names or self.num_instances() == 0:
            return None
        index = self.port_names.index(port)
        target = self.bindings.data[index].data
        region = self.parent_op()
        if not isinstance(region, RegionOp):
            return None
        found = SymbolTable.lookup_symbol(region, target)
        return found.stream_type if isinstance(found, StreamOp) else None


# ------------------------------------------------------------ mapping primitives


class _InstanceListOp(IRDLOperation):
    """`dato.bundle [@a_0, @a_1]` / `dato.chain [@p_0, @c_0]`: a mapping
    primitive over named task instances, recorded for physical mapping."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(properties={"instances": ArrayAttr(StringAttr(n) for n in names)})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.data for s in self.instances.data)  # type: ignore[attr-defined]

    @classmethod
    def parse(cls, parser: Parser) -> _InstanceListOp:
        names = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: parser.parse_symbol_name().data
        )
        op = cls(names)  # type: ignore[call-arg]
        if attrs := parser.parse_optional_attr_dict():
            op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" [")
        printer.print_list(self.names, printer.print_symbol_name)
        printer.print_string("]")
        printer.print_op_attributes(self.attributes)

    def verify_(self) -> None:
        if len(self.names) < 2:
            raise VerifyException(f"{self.name} needs at least two instances")
        if len(set(self.names)) != len(self.names):
            raise VerifyException(f"{self.name} names an instance twice")


@irdl_op_definition
class BundleOp(_InstanceListOp):
    """Time-multiplex isomorphic instances on one processing element."""

    name = "dato.bundle"

    instances = prop_def(ArrayAttr[StringAttr])
    traits = traits_def(HasParent(RegionOp))


@irdl_op_definition
class ChainOp(_InstanceListOp):
    """Fuse a producer and its consumer(s) onto one processing element; the
    streams between them become local data."""

    name = "dato.chain"

    instances = prop_def(ArrayAttr[StringAttr])
    traits = traits_def(HasParent(RegionOp))


# -------------------------------------------------------------------------- pid


@irdl_op_definition
class PidOp(IRDLOperation):
    """`%i, %j = dato.pid : index, index`: the instance's grid coordinates."""

    name = "dato.pid"

    coords = var_result_def(IndexType)

    # pure: an unused pid (e.g. after virtual mapping folds every use) is dead code
    traits = traits_def(HasAncestor(TaskOp, GroupOp), Pure())

    assembly_format = "attr-dict `:` type($coords)"

    def __init__(self, rank: int) -> None:
        super().__init__(result_types=[[IndexType()] * rank])

    def verify_(self) -> None:
        task = enclosing_task(self)
        if task is not None and len(self.coords) != len(task.grid_shape):
            raise VerifyException(
                f"dato.pid yields {len(self.coords)} coordinate(s) but task "
                f"@{task.sym_name.data} has a rank-{len(task.grid_shape)} grid"
            )


# --------------------------------------------------------------------- put/get


class StreamAccess(IRDLOperation):
    """Common part of put and get: a stream symbol and indices into its array."""

    # `stream` and `indices` are declared by each subclass: IRDL orders operands
    # by declaration, and the put's value must follow its indices.

    def stream_decl(self) -> StreamOp | None:
        found = SymbolTable.lookup_symbol(self, self.stream)
        return found if isinstance(found, StreamOp) else None

    def element_type(self) -> Attribute:
        raise NotImplementedError

    def port_group(self) -> GroupOp | None:
        """The group whose port this access names, if it names one."""
        group = enclosing_task(self)
        name = self.stream.root_reference.data
        if isinstance(group, GroupOp) and name in group.port_names:
            return group
        return None

    def verify_(self) -> None:
        name = self.stream.root_reference.data
        group = self.port_group()
        if group is not None:
            if self.indices:
                raise VerifyException(f"{self.name} on port @{name} takes no indices")
            t = group.port_type(name)
            if t is not None and self.element_type() != t.element_type:
                raise VerifyException(
                    f"{self.name} on port @{name} moves {self.element_type()}, but the "
                    f"stream carries {t.element_type}"
                )
            return
        try:
            decl = self.stream_decl()
        except ValueError:
            return  # detached op: nothing to resolve against yet
        if decl is None:
            raise VerifyException(f"{self.name} refers to @{name}, which is not a dato.stream")
        shape = decl.shape_values
        if len(self.indices) != len(shape):
            raise VerifyException(
                f"{self.name} on @{name} has {len(self.indices)} index(es), but the "
                f"stream array has shape {list(shape)} ({len(shape)} index(es))"
            )
        expected = decl.stream_type.element_type
        if self.element_type() != expected:
            raise VerifyException(
                f"{self.name} on @{name} moves {self.element_type()}, but the stream "
                f"carries {expected}"
            )


@irdl_op_definition
class PutOp(StreamAccess):
    """`dato.put @s[%i, %j], %value : T`: blocks while the stream is full."""

    name = "dato.put"

    stream = prop_def(FlatSymbolRefAttr)
    indices = var_operand_def(IndexType)
    value = operand_def()

    traits = traits_def(HasAncestor(TaskOp, GroupOp))

    def __init__(self, stream: str, indices: Sequence[SSAValue], value: SSAValue) -> None:
        super().__init__(
            operands=[indices, value],
            properties={"stream": SymbolRefAttr(stream)},
        )

    def element_type(self) -> Attribute:
        return self.value.type

    @classmethod
    def parse(cls, parser: Parser) -> PutOp:
        stream = parser.parse_symbol_name().data
        indices = _parse_indices(parser)
        parser.parse_punctuation(",")
        value = parser.parse_unresolved_operand()
        parser.parse_punctuation(":")
        t = parser.parse_type()
        op = PutOp(stream, indices, parser.resolve_operand(value, t))
        if attrs := parser.parse_optional_attr_dict():
            op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.stream.root_reference.data)
        _print_indices(printer, self.indices)
        printer.print_string(", ")
        printer.print_operand(self.value)
        printer.print_string(" : ")
        printer.print_attribute(self.value.type)
        printer.print_op_attributes(self.attributes)


@irdl_op_definition
class GetOp(StreamAccess):
    """`%v = dato.get @s[%i, %j] : T`: blocks while the stream is empty."""

    name = "dato.get"

    stream = prop_def(FlatSymbolRefAttr)
    indices = var_operand_def(IndexType)
    result = result_def()

    traits = traits_def(HasAncestor(TaskOp, GroupOp))

    def __init__(self, stream: str, indices: Sequence[SSAValue], result_type: Attribute) -> None:
        super().__init__(
            operands=[indices],
            properties={"stream": SymbolRefAttr(stream)},
            result_types=[result_type],
        )

    def element_type(self) -> Attribute:
        return self.result.type

    @classmethod
    def parse(cls, parser: Parser) -> GetOp:
        stream = parser.parse_symbol_name().data
        indices = _parse_indices(parser)
        parser.parse_punctuation(":")
        t = parser.parse_type()
        op = GetOp(stream, indices, t)
        if attrs := parser.parse_optional_attr_dict():
            op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.stream.root_reference.data)
        _print_indices(printer, self.indices)
        printer.print_string(" : ")
        printer.print_attribute(self.result.type)
        printer.print_op_attributes(self.attributes)


COMPILER_CHOSEN = "dato.compiler_chosen"
"""Unit attribute on a `dato.bundle`/`dato.chain` (or a split-off task) the NPU
mapping chose itself rather than the user's mapping primitives; reports say so."""

META = "dato.meta"
"""Unit attribute on `scf.if`/`scf.for` written as `meta_if`/`meta_for`: their
conditions and bounds are compile-time (pids and constants), so virtual mapping
folds them away."""


Dato = Dialect(
    "dato",
    [RegionOp, StreamOp, TaskOp, GroupOp, PidOp, PutOp, GetOp, BundleOp, ChainOp],
    [StreamType, LayoutAttr],
)

__all__ = [
    "BundleOp",
    "ChainOp",
    "META",
    "REPLICATE",
    "Dato",
    "GetOp",
    "GroupOp",
    "Instance",
    "LayoutAttr",
    "PidOp",
    "PutOp",
    "RegionOp",
    "StreamOp",
    "StreamType",
    "TaskOp",
    "enclosing_task",
]
