"""The `vhls` dialect: a Vitis HLS dataflow design.

One `vhls.kernel` is the `extern "C"` top function: its arguments are global
arrays, each with an interface (`m_axi` with a bundle and offset mode, or
`s_axilite`). Its body is one `vhls.dataflow` region, which holds only stream
declarations (`vhls.stream`, the FIFO depth is part of the type) and process
calls (`vhls.call`), plus `vhls.pipo` buffers: an array one process fills and
one later process reads (Vitis's ping-pong buffer). A `vhls.process` is one
dataflow process function; its first `literals` arguments are compile-time
integers (a task instance's pid, its slice offsets) supplied as literals by
each call. Process bodies use the upstream dialects (arith, math, memref,
scf, linalg) plus `vhls.read`, `vhls.write` on stream arguments, `vhls.for`
(a loop whose directives are properties) and `vhls.array_partition`.

Named `vhls`, not `hls`: xDSL ships an experimental dialect called `hls`, and
xDSL's universe refuses two dialects with one name (see docs/design-notes.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    AnyFloat,
    ArrayAttr,
    FlatSymbolRefAttr,
    IndexType,
    IntAttr,
    IntegerType,
    MemRefType,
    StringAttr,
    SymbolRefAttr,
)
from xdsl.ir import (
    Attribute,
    Block,
    Dialect,
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
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser, Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.traits import (
    HasParent,
    IsolatedFromAbove,
    NoTerminator,
    SymbolOpInterface,
    SymbolTable,
)
from xdsl.utils.exceptions import VerifyException


def _is_scalar(t: Attribute) -> bool:
    return isinstance(t, IntegerType | IndexType | AnyFloat)


# --------------------------------------------------------------------- types


@irdl_attr_definition
class StreamType(ParametrizedAttribute, TypeAttribute):
    """`!vhls.stream<T, depth>`: an `hls::stream<T, depth>`. A memref `T` is a
    block transferred whole (an `hls::vector` of its elements, row-major)."""

    name = "vhls.stream"

    element_type: Attribute
    depth: IntAttr

    def __init__(self, element_type: Attribute, depth: int) -> None:
        super().__init__(element_type, IntAttr(depth))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        parser.parse_punctuation("<")
        element_type = parser.parse_type()
        parser.parse_punctuation(",")
        depth = parser.parse_integer(allow_boolean=False, allow_negative=True)
        parser.parse_punctuation(">")
        return (element_type, IntAttr(depth))

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_attribute(self.element_type)
            printer.print_string(f", {self.depth.data}")

    def verify(self) -> None:
        t = self.element_type
        if isinstance(t, MemRefType):
            if any(d < 0 for d in t.get_shape()) or not _is_scalar(t.element_type):
                raise VerifyException(f"stream block type {t} must be a static memref of scalars")
        elif not _is_scalar(t):
            raise VerifyException(f"stream element type {t} must be a scalar or a memref block")
        if self.depth.data < 1:
            raise VerifyException(f"stream depth must be at least 1, got {self.depth.data}")


WINDOW_ATTR = "vhls.window"
"""On a `memref.load`/`memref.store` of a process: its buffer holds a window of
the task's view (the part the instance touches), each index is
`arith.subi(view index, origin)`, and the attribute is the view's shape
(`array<i64: ...>`): the C simulation checks bounds in the view's terms."""

INTERFACE_MODES = ("m_axi", "s_axilite")
OFFSET_MODES = ("slave", "direct", "off")


@irdl_attr_definition
class InterfaceAttr(ParametrizedAttribute):
    """`#vhls.interface<m_axi bundle "gmem_A" offset slave>` or
    `#vhls.interface<s_axilite bundle "control">`: one top argument's port."""

    name = "vhls.interface"

    mode: StringAttr
    bundle: StringAttr
    offset: StringAttr

    def __init__(self, mode: str, bundle: str, offset: str = "") -> None:
        super().__init__(StringAttr(mode), StringAttr(bundle), StringAttr(offset))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        parser.parse_punctuation("<")
        mode = parser.parse_identifier("interface mode")
        parser.parse_keyword("bundle")
        bundle = parser.parse_str_literal()
        offset = ""
        if parser.parse_optional_keyword("offset") is not None:
            offset = parser.parse_identifier("offset mode")
        parser.parse_punctuation(">")
        return (StringAttr(mode), StringAttr(bundle), StringAttr(offset))

    def print_parameters(self, printer: Printer) -> None:
        text = f'<{self.mode.data} bundle "{self.bundle.data}"'
        if self.offset.data:
            text += f" offset {self.offset.data}"
        printer.print_string(text + ">")

    def verify(self) -> None:
        if self.mode.data not in INTERFACE_MODES:
            raise VerifyException(
                f"interface mode '{self.mode.data}' is not one of {', '.join(INTERFACE_MODES)}"
            )
        if self.offset.data and self.offset.data not in OFFSET_MODES:
            raise VerifyException(
                f"offset mode '{self.offset.data}' is not one of {', '.join(OFFSET_MODES)}"
            )
        if self.mode.data == "s_axilite" and self.offset.data:
            raise VerifyException("an s_axilite interface takes no offset mode")


# ----------------------------------------------------------------- top level


@irdl_op_definition
class KernelOp(IRDLOperation):
    """`vhls.kernel @top(%A : memref<..>, ...) interfaces [#vhls.interface<..>, ...]
    { vhls.dataflow { ... } }`: the `extern "C"` top function."""

    name = "vhls.kernel"

    sym_name = prop_def(StringAttr)
    interfaces = prop_def(ArrayAttr[InterfaceAttr])
    body = region_def("single_block")

    traits = traits_def(SymbolOpInterface(), IsolatedFromAbove(), NoTerminator())

    def __init__(self, name: str, interfaces: Sequence[InterfaceAttr], body: Block) -> None:
        super().__init__(
            properties={"sym_name": StringAttr(name), "interfaces": ArrayAttr(interfaces)},
            regions=[Region(body)],
        )

    @classmethod
    def parse(cls, parser: Parser) -> KernelOp:
        name = parser.parse_symbol_name().data
        args = parser.parse_comma_separated_list(
            parser.Delimiter.PAREN, lambda: parser.parse_argument(expect_type=True)
        )
        parser.parse_keyword("interfaces")
        pos = parser.pos
        interfaces = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, parser.parse_attribute
        )
        if not all(isinstance(i, InterfaceAttr) for i in interfaces):
            parser.raise_error("expected #vhls.interface attributes", pos, parser.pos)
        attrs = parser.parse_optional_attr_dict_with_keyword()
        region = parser.parse_region(args)
        op = KernelOp(name, interfaces, region.detach_block(0))  # type: ignore[arg-type]
        if attrs is not None:
            op.attributes |= attrs.data
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        with printer.in_parens():
            printer.print_list(self.body.block.args, printer.print_block_argument)
        printer.print_string(" interfaces [")
        printer.print_list(self.interfaces.data, printer.print_attribute)
        printer.print_string("]")
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False, print_empty_block=False)

    def dataflow(self) -> DataflowOp | None:
        for op in self.body.block.ops:
            if isinstance(op, DataflowOp):
                return op
        return None

    def verify_(self) -> None:
        args = self.body.block.args
        if len(self.interfaces.data) != len(args):
            raise VerifyException(
                f"kernel @{self.sym_name.data} has {len(args)} argument(s) but "
                f"{len(self.interfaces.data)} interface(s)"
            )
        for k, (arg, itf) in enumerate(zip(args, self.interfaces.data, strict=True)):
            if isinstance(arg.type, MemRefType) and itf.mode.data != "m_axi":
                raise VerifyException(
                    f"argument {k} of kernel @{self.sym_name.data} is an array; arrays use "
                    f"an m_axi interface, not {itf.mode.data}"
                )
        bundles = [i.bundle.data for i in self.interfaces.data if i.mode.data == "m_axi"]
        if len(set(bundles)) != len(bundles):
            raise VerifyException(
                f"kernel @{self.sym_name.data}: two m_axi arguments share a bundle "
                "(one bundle per argument)"
            )
        ops = list(self.body.block.ops)
        if len(ops) != 1 or not isinstance(ops[0], DataflowOp):
            raise VerifyException(
                f"kernel @{self.sym_name.data} must hold exactly one vhls.dataflow region"
            )


@irdl_op_definition
class DataflowOp(IRDLOperation):
    """`vhls.dataflow { streams and process calls }`: `#pragma HLS dataflow`."""

    name = "vhls.dataflow"

    body = region_def("single_block")

    traits = traits_def(NoTerminator(), HasParent(KernelOp))

    def __init__(self, body: Block) -> None:
        super().__init__(regions=[Region(body)])

    @classmethod
    def parse(cls, parser: Parser) -> DataflowOp:
        attrs = parser.parse_optional_attr_dict_with_keyword()
        region = parser.parse_region()
        if not region.blocks:
            region.add_block(Block())  # an empty region still has its block
        op = DataflowOp(region.detach_block(0))
        if attrs is not None:
            op.attributes |= attrs.data
        return op

    def print(self, printer: Printer) -> None:
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_empty_block=False)


@irdl_op_definition
class StreamOp(IRDLOperation):
    """`%s = vhls.stream "fifo_A_1_1" : !vhls.stream<i16, 4>`."""

    name = "vhls.stream"

    stream_name = prop_def(StringAttr)
    result = result_def(StreamType)

    traits = traits_def(HasParent(DataflowOp))

    assembly_format = "$stream_name attr-dict `:` type($result)"

    def __init__(self, name: str, stream_type: StreamType) -> None:
        super().__init__(properties={"stream_name": StringAttr(name)}, result_types=[stream_type])


def buffer_directions(proc: ProcessOp) -> dict[int, tuple[bool, bool]]:
    """Per array argument index of a process: (reads it, writes it). A store
    into it, a copy or a linalg op into it writes; any other use reads."""
    block = proc.body.block
    out: dict[int, tuple[bool, bool]] = {}

    def visit(value: SSAValue, k: int) -> None:
        for use in value.uses:
            op = use.operation
            r, w = out.get(k, (False, False))
            if op.name in ("memref.subview", "memref.cast"):
                visit(op.results[0], k)
                continue
            if op.name == "vhls.array_partition":
                continue  # a directive about the array, not an access
            if op.name == "memref.store":
                writes = use.index == 1
            elif op.name == "memref.copy":
                writes = use.index == 1
            elif op.name.startswith("linalg."):
                writes = use.index >= len(op.inputs)  # type: ignore[attr-defined]
            else:
                writes = False
            out[k] = (r or not writes, w or writes)

    for k, arg in enumerate(block.args):
        if isinstance(arg.type, MemRefType):
            visit(arg, k)
    return out


@irdl_op_definition
class PipoOp(IRDLOperation):
    """`%b = vhls.pipo "north_0_b" : memref<8x4xi16>`: an array of the dataflow
    region that exactly one process instance writes and one other reads (Vitis
    makes it a ping-pong buffer, so the writer fills the next invocation's
    copy while the reader works on this one)."""

    name = "vhls.pipo"

    buffer_name = prop_def(StringAttr)
    result = result_def(MemRefType)

    traits = traits_def(HasParent(DataflowOp))

    assembly_format = "$buffer_name attr-dict `:` type($result)"

    def __init__(self, name: str, buffer_type: MemRefType) -> None:
        super().__init__(properties={"buffer_name": StringAttr(name)}, result_types=[buffer_type])

    def verify_(self) -> None:
        name = self.buffer_name.data
        t = self.result.type
        assert isinstance(t, MemRefType)
        if any(d < 0 for d in t.get_shape()) or not _is_scalar(t.element_type):
            raise VerifyException(f"pipo '{name}' must be a static memref of scalars, got {t}")
        calls: list[CallOp] = []
        for use in self.result.uses:
            if not isinstance(use.operation, CallOp):
                raise VerifyException(
                    f"pipo '{name}' is used by {use.operation.name}; only process calls may take it"
                )
            calls.append(use.operation)
        if len(calls) != 2 or calls[0] is calls[1]:
            raise VerifyException(
                f"pipo '{name}' is passed to {len(calls)} process argument(s); a pipo connects "
                "exactly one writer process and one reader process"
            )
        writers: list[str] = []
        readers: list[str] = []
        for call in calls:
            try:
                proc = call.process()
            except ValueError:
                return  # detached: the processes are not known yet
            if proc is None:
                return  # CallOp's verifier reports the missing process
            directions = buffer_directions(proc)
            n_lit = proc.num_literals.data
            for k, value in enumerate(call.args):
                if value is self.result:
                    reads, writes = directions.get(k + n_lit, (False, False))
                    if writes:
                        writers.append(call.instance.data)
                    if reads:
                        readers.append(call.instance.data)
        for role, found in (("writer", writers), ("reader", readers)):
            if len(found) != 1:
                who = f" ({', '.join(sorted(found))})" if found else ""
                raise VerifyException(
                    f"pipo '{name}' has {len(found)} {role}s{who}; a pipo needs exactly one "
                    f"{role} process, and no process may both write and read it"
                )
        if writers == readers:
            raise VerifyException(f"pipo '{name}' is written and read by one process")


@irdl_op_definition
class CallOp(IRDLOperation):
    """`vhls.call @proc [1, 2] (%A, %s) {instance = "gemm_1_2"}
    : (memref<..>, !vhls.stream<..>)`: one process instance; the bracketed
    integers are its literal arguments."""

    name = "vhls.call"

    callee = prop_def(FlatSymbolRefAttr)
    literals = prop_def(ArrayAttr[IntAttr])
    instance = prop_def(StringAttr)
    args = var_operand_def()

    traits = traits_def(HasParent(DataflowOp))

    def __init__(
        self, callee: str, literals: Sequence[int], args: Sequence[SSAValue], instance: str
    ) -> None:
        super().__init__(
            operands=[args],
            properties={
                "callee": SymbolRefAttr(callee),
                "literals": ArrayAttr(IntAttr(v) for v in literals),
                "instance": StringAttr(instance),
            },
        )

    @property
    def literal_values(self) -> tuple[int, ...]:
        return tuple(v.data for v in self.literals.data)

    @classmethod
    def parse(cls, parser: Parser) -> CallOp:
        callee = parser.parse_symbol_name().data
        literals = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
        )
        operands: list[UnresolvedOperand] = parser.parse_comma_separated_list(
            parser.Delimiter.PAREN, parser.parse_unresolved_operand
        )
        parser.parse_keyword("instance")
        instance = parser.parse_str_literal()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        types = parser.parse_comma_separated_list(parser.Delimiter.PAREN, parser.parse_type)
        pos = parser.pos
        if len(types) != len(operands):
            parser.raise_error(
                f"{len(operands)} operand(s) but {len(types)} type(s)", pos, parser.pos
            )
        values = [parser.resolve_operand(o, t) for o, t in zip(operands, types, strict=True)]
        op = CallOp(callee, literals, values, instance)
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.callee.root_reference.data)
        printer.print_string(" [" + ", ".join(str(v) for v in self.literal_values) + "] ")
        with printer.in_parens():
            printer.print_list(self.args, printer.print_operand)
        printer.print_string(f' instance "{self.instance.data}"')
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        with printer.in_parens():
            printer.print_list([a.type for a in self.args], printer.print_attribute)

    def process(self) -> ProcessOp | None:
        kernel = self.parent_op()
        module = kernel.parent_op() if kernel is not None else None
        module = module.parent_op() if isinstance(module, KernelOp) else module
        while module is not None and module.parent_op() is not None:
            module = module.parent_op()
        if module is None:
            return None
        found = SymbolTable.lookup_symbol(module, self.callee)
        return found if isinstance(found, ProcessOp) else None

    def verify_(self) -> None:
        try:
            proc = self.process()
        except ValueError:
            return  # detached: nothing to check against yet
        name = self.callee.root_reference.data
        if proc is None:
            raise VerifyException(f"vhls.call names @{name}, which is not a vhls.process")
        n_lit = proc.num_literals.data
        if len(self.literals.data) != n_lit:
            raise VerifyException(
                f"vhls.call of @{name} passes {len(self.literals.data)} literal(s); the "
                f"process takes {n_lit}"
            )
        params = proc.body.block.args[n_lit:]
        if [a.type for a in self.args] != [p.type for p in params]:
            raise VerifyException(
                f"vhls.call of @{name} passes ({', '.join(str(a.type) for a in self.args)}); "
                f"the process takes ({', '.join(str(p.type) for p in params)})"
            )


PROCESS_KINDS = ("load", "fill", "task", "store", "split", "merge")


@irdl_op_definition
class ProcessOp(IRDLOperation):
    """`vhls.process @gemm_g3 task literals 2 (%pi : index, %pj : index,
    %in : !vhls.stream<i16, 4>, ...) { body }`: a dataflow process function.
    `kind` says whether it is a load, a fill (copies a task's slice from a
    stream into a pipo), a task or a store process."""

    name = "vhls.process"

    sym_name = prop_def(StringAttr)
    kind = prop_def(StringAttr)
    num_literals = prop_def(IntAttr)
    body = region_def("single_block")

    traits = traits_def(SymbolOpInterface(), IsolatedFromAbove(), NoTerminator())

    def __init__(self, name: str, kind: str, num_literals: int, body: Block) -> None:
        super().__init__(
            properties={
                "sym_name": StringAttr(name),
                "kind": StringAttr(kind),
                "num_literals": IntAttr(num_literals),
            },
            regions=[Region(body)],
        )

    @classmethod
    def parse(cls, parser: Parser) -> ProcessOp:
        name = parser.parse_symbol_name().data
        kind = parser.parse_identifier("process kind")
        parser.parse_keyword("literals")
        n = parser.parse_integer(allow_boolean=False)
        args = parser.parse_comma_separated_list(
            parser.Delimiter.PAREN, lambda: parser.parse_argument(expect_type=True)
        )
        attrs = parser.parse_optional_attr_dict_with_keyword()
        region = parser.parse_region(args)
        op = ProcessOp(name, kind, n, region.detach_block(0))
        if attrs is not None:
            op.attributes |= attrs.data
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        printer.print_string(f" {self.kind.data} literals {self.num_literals.data} ")
        with printer.in_parens():
            printer.print_list(self.body.block.args, printer.print_block_argument)
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False, print_empty_block=False)

    def verify_(self) -> None:
        name = f"process @{self.sym_name.data}"
        if self.kind.data not in PROCESS_KINDS:
            raise VerifyException(
                f"{name} has kind '{self.kind.data}'; expected one of {', '.join(PROCESS_KINDS)}"
            )
        args = self.body.block.args
        n = self.num_literals.data
        if not 0 <= n <= len(args):
            raise VerifyException(f"{name} declares {n} literal(s) but has {len(args)} argument(s)")
        for k, arg in enumerate(args):
            if k < n and not isinstance(arg.type, IndexType):
                raise VerifyException(f"{name}: literal argument {k} must be an index")
            if k >= n and not isinstance(arg.type, StreamType | MemRefType):
                raise VerifyException(
                    f"{name}: argument {k} has type {arg.type}; after the literals a process "
                    "takes streams and arrays"
                )


# --------------------------------------------------------------- stream I/O


@irdl_op_definition
class ReadOp(IRDLOperation):
    """`%v = vhls.read %s : !vhls.stream<i16, 4> -> i16`: a blocking `s.read()`."""

    name = "vhls.read"

    stream = operand_def(StreamType)
    result = result_def()

    assembly_format = "$stream attr-dict `:` type($stream) `->` type($result)"

    def __init__(self, stream: SSAValue) -> None:
        assert isinstance(stream.type, StreamType)
        super().__init__(operands=[stream], result_types=[stream.type.element_type])

    def verify_(self) -> None:
        t = self.stream.type
        assert isinstance(t, StreamType)
        if self.result.type != t.element_type:
            raise VerifyException(
                f"vhls.read yields {self.result.type}, but the stream carries {t.element_type}"
            )


@irdl_op_definition
class WriteOp(IRDLOperation):
    """`vhls.write %s, %v : !vhls.stream<i16, 4>`: a blocking `s.write(v)`."""

    name = "vhls.write"

    stream = operand_def(StreamType)
    value = operand_def()

    def __init__(self, stream: SSAValue, value: SSAValue) -> None:
        super().__init__(operands=[stream, value])

    @classmethod
    def parse(cls, parser: Parser) -> WriteOp:
        stream = parser.parse_unresolved_operand()
        parser.parse_punctuation(",")
        value = parser.parse_unresolved_operand()
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        pos = parser.pos
        t = parser.parse_type()
        if not isinstance(t, StreamType):
            parser.raise_error(f"expected a !vhls.stream type, got {t}", pos, parser.pos)
        op = WriteOp(
            parser.resolve_operand(stream, t), parser.resolve_operand(value, t.element_type)
        )
        op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.stream)
        printer.print_string(", ")
        printer.print_operand(self.value)
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.stream.type)

    def verify_(self) -> None:
        t = self.stream.type
        assert isinstance(t, StreamType)
        if self.value.type != t.element_type:
            raise VerifyException(
                f"vhls.write moves {self.value.type}, but the stream carries {t.element_type}"
            )


# --------------------------------------------------------------- directives


@irdl_op_definition
class ForOp(IRDLOperation):
    """`vhls.for "k" %k = %lb to %ub step %s pipeline 1 unroll 4 flatten { body }`:
    a counted loop whose directives are properties. `pipeline` is the target
    initiation interval (absent: not pipelined); `unroll` 0 unrolls fully."""

    name = "vhls.for"

    lb = operand_def(IndexType)
    ub = operand_def(IndexType)
    step = operand_def(IndexType)
    label = prop_def(StringAttr)
    pipeline = opt_prop_def(IntAttr)
    unroll = opt_prop_def(IntAttr)
    flatten = opt_prop_def(IntAttr)
    body = region_def("single_block")

    traits = traits_def(NoTerminator())

    def __init__(
        self,
        label: str,
        lb: SSAValue,
        ub: SSAValue,
        step: SSAValue,
        body: Block,
        pipeline: int | None = None,
        unroll: int | None = None,
        flatten: bool = False,
    ) -> None:
        props: dict[str, Attribute] = {"label": StringAttr(label)}
        if pipeline is not None:
            props["pipeline"] = IntAttr(pipeline)
        if unroll is not None:
            props["unroll"] = IntAttr(unroll)
        if flatten:
            props["flatten"] = IntAttr(1)
        super().__init__(operands=[lb, ub, step], properties=props, regions=[Region(body)])

    @property
    def iv(self) -> SSAValue:
        return self.body.block.args[0]

    @classmethod
    def parse(cls, parser: Parser) -> ForOp:
        label = parser.parse_str_literal()
        iv = parser.parse_argument(expect_type=False)
        parser.parse_punctuation("=")
        lb = parser.resolve_operand(parser.parse_unresolved_operand(), IndexType())
        parser.parse_keyword("to")
        ub = parser.resolve_operand(parser.parse_unresolved_operand(), IndexType())
        parser.parse_keyword("step")
        step = parser.resolve_operand(parser.parse_unresolved_operand(), IndexType())
        pipeline = unroll = None
        flatten = False
        while True:
            if parser.parse_optional_keyword("pipeline") is not None:
                pipeline = parser.parse_integer(allow_boolean=False)
            elif parser.parse_optional_keyword("unroll") is not None:
                unroll = parser.parse_integer(allow_boolean=False)
            elif parser.parse_optional_keyword("flatten") is not None:
                flatten = True
            else:
                break
        attrs = parser.parse_optional_attr_dict_with_keyword()
        iv = iv.resolve(IndexType())
        region = parser.parse_region([iv])
        op = ForOp(label, lb, ub, step, region.detach_block(0), pipeline, unroll, flatten)
        if attrs is not None:
            op.attributes |= attrs.data
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(f' "{self.label.data}" ')
        printer.print_operand(self.iv)
        printer.print_string(" = ")
        printer.print_operand(self.lb)
        printer.print_string(" to ")
        printer.print_operand(self.ub)
        printer.print_string(" step ")
        printer.print_operand(self.step)
        if self.pipeline is not None:
            printer.print_string(f" pipeline {self.pipeline.data}")
        if self.unroll is not None:
            printer.print_string(f" unroll {self.unroll.data}")
        if self.flatten is not None:
            printer.print_string(" flatten")
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False, print_empty_block=False)

    def verify_(self) -> None:
        args = self.body.block.args
        if len(args) != 1 or not isinstance(args[0].type, IndexType):
            raise VerifyException("vhls.for has one index induction variable")
        if self.pipeline is not None and self.pipeline.data < 1:
            raise VerifyException(f"pipeline II must be at least 1, got {self.pipeline.data}")
        if self.unroll is not None and self.unroll.data < 0:
            raise VerifyException(f"unroll factor must be >= 0, got {self.unroll.data}")
        if self.pipeline is not None and self.unroll is not None and self.unroll.data == 0:
            raise VerifyException("a fully unrolled loop cannot also be pipelined")


PARTITION_KINDS = ("complete", "cyclic", "block")


@irdl_op_definition
class ArrayPartitionOp(IRDLOperation):
    """`vhls.array_partition %buf cyclic factor 2 dim 1 : memref<..>`:
    `#pragma HLS array_partition`; `dim` counts from 1, 0 means every dim."""

    name = "vhls.array_partition"

    array = operand_def(MemRefType)
    kind = prop_def(StringAttr)
    factor = prop_def(IntAttr)
    dim = prop_def(IntAttr)

    def __init__(self, array: SSAValue, kind: str, factor: int, dim: int) -> None:
        super().__init__(
            operands=[array],
            properties={"kind": StringAttr(kind), "factor": IntAttr(factor), "dim": IntAttr(dim)},
        )

    @classmethod
    def parse(cls, parser: Parser) -> ArrayPartitionOp:
        array = parser.parse_unresolved_operand()
        kind = parser.parse_identifier("partition kind")
        factor = 0
        if parser.parse_optional_keyword("factor") is not None:
            factor = parser.parse_integer(allow_boolean=False)
        parser.parse_keyword("dim")
        dim = parser.parse_integer(allow_boolean=False)
        parser.parse_punctuation(":")
        t = parser.parse_type()
        return ArrayPartitionOp(parser.resolve_operand(array, t), kind, factor, dim)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.array)
        printer.print_string(f" {self.kind.data}")
        if self.kind.data != "complete":
            printer.print_string(f" factor {self.factor.data}")
        printer.print_string(f" dim {self.dim.data} : ")
        printer.print_attribute(self.array.type)

    def verify_(self) -> None:
        kind = self.kind.data
        if kind not in PARTITION_KINDS:
            raise VerifyException(
                f"partition kind '{kind}' is not one of {', '.join(PARTITION_KINDS)}"
            )
        t = self.array.type
        assert isinstance(t, MemRefType)
        rank = len(t.get_shape())
        if not 0 <= self.dim.data <= rank:
            raise VerifyException(
                f"partition dim {self.dim.data} is outside the rank-{rank} array (0..{rank})"
            )
        if kind != "complete" and self.factor.data < 2:
            raise VerifyException(f"a {kind} partition needs a factor >= 2, got {self.factor.data}")


VHLS = Dialect(
    "vhls",
    [
        KernelOp,
        DataflowOp,
        StreamOp,
        PipoOp,
        CallOp,
        ProcessOp,
        ReadOp,
        WriteOp,
        ForOp,
        ArrayPartitionOp,
    ],
    [StreamType, InterfaceAttr],
)

__all__ = [
    "VHLS",
    "ArrayPartitionOp",
    "CallOp",
    "DataflowOp",
    "ForOp",
    "InterfaceAttr",
    "KernelOp",
    "PipoOp",
    "ProcessOp",
    "ReadOp",
    "StreamOp",
    "StreamType",
    "WriteOp",
    "buffer_directions",
]
