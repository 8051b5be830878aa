"""kernel_decls by hand: the KernelDecl record's `-D` defines and call checks
(arity, each argument, the exact message), its declaration's attributes read
back field by field (and the defaults when one is missing), which argument
positions a call reads and writes, where declarations are found (the nearest
enclosing scope) and cloned (once, first in the device body), and the refusal
naming the kernel and its source. Written from mutation testing's survivors
(tools/mutation-test kernel-decls)."""

from __future__ import annotations

import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, MemRefType, ModuleOp, StringAttr, i8, i32
from xdsl.ir import Block, Region

from dato_xdsl.diagnostics import LocatedDiagnostic
from dato_xdsl.transforms.kernel_decls import (
    CYCLES,
    FLAGS,
    INPUTS,
    OBJECT,
    OUTPUTS,
    PROGRAM_BYTES,
    REFERENCE,
    SOURCE,
    KernelDecl,
    call_access,
    declare_called,
    enclosing_declaration,
    find_declaration,
    is_kernel_declaration,
    read_declaration,
    refuse_external_kernels,
)

A = MemRefType(i8, [16, 32])
B = MemRefType(i8, [32, 8])
C = MemRefType(i32, [16, 8])


def _full() -> KernelDecl:
    return KernelDecl(
        symbol="mm",
        arg_types=(A, B, C),
        inputs=(0, 1, 2),
        outputs=(2,),
        source="/k/mm.cc",
        reference="/k/mm_ref.cc",
        flags=("-DDIM_M=16", "-O2", "-DBIT_WIDTH=8", "-DONLY", "-I/k", "-DEMPTY="),
        program_bytes=4096,
        cycles=1234,
        object="mm_16x32x8.o",
    )


def test_defines_are_the_d_flags_with_value_one_when_none_is_given() -> None:
    assert _full().defines() == [
        ("DIM_M", "16"),
        ("BIT_WIDTH", "8"),
        ("ONLY", "1"),
        ("EMPTY", "1"),
    ]
    assert KernelDecl("k", (), (), ()).defines() == []


def test_call_problem_names_the_arity_or_the_first_argument_that_differs() -> None:
    decl = _full()
    assert decl.call_problem([A, B, C]) is None
    assert decl.call_problem([A, B]) == "@mm takes 3 arguments, the call passes 2"
    assert decl.call_problem([A, B, C, C]) == "@mm takes 3 arguments, the call passes 4"
    assert decl.call_problem([A, A, C]) == (
        "@mm argument 1 is memref<32x8xi8>, the call passes memref<16x32xi8>"
    )
    assert decl.call_problem([C, B, A]) == (
        "@mm argument 0 is memref<16x32xi8>, the call passes memref<16x8xi32>"
    )
    assert decl.call_problem([A, B, A]) == (
        "@mm argument 2 is memref<16x8xi32>, the call passes memref<16x32xi8>"
    )


def test_a_declaration_reads_back_as_its_record() -> None:
    decl = _full()
    op = decl.declaration()
    assert op.is_declaration and op.sym_name.data == "mm"
    assert op.attributes[SOURCE] == StringAttr("/k/mm.cc")
    assert op.attributes[REFERENCE] == StringAttr("/k/mm_ref.cc")
    assert op.attributes[PROGRAM_BYTES] == IntegerAttr(4096, 64)
    assert op.attributes[CYCLES] == IntegerAttr(1234, 64)
    assert op.attributes[OBJECT] == StringAttr("mm_16x32x8.o")
    assert is_kernel_declaration(op)
    assert read_declaration(op) == decl


def test_a_bare_declaration_reads_back_with_its_defaults() -> None:
    decl = KernelDecl("k", (A,), (), (0,))
    op = decl.declaration()
    for key in (SOURCE, REFERENCE, FLAGS, PROGRAM_BYTES, CYCLES, OBJECT):
        assert key not in op.attributes
    assert read_declaration(op) == decl
    # attributes of another kind than the record writes read as missing
    op.attributes[SOURCE] = IntegerAttr(3, 64)
    op.attributes[FLAGS] = StringAttr("-DX")
    op.attributes[PROGRAM_BYTES] = StringAttr("4096")
    op.attributes[CYCLES] = StringAttr("9")
    op.attributes[INPUTS] = StringAttr("0")
    assert read_declaration(op) == decl


def test_only_declarations_with_outputs_are_kernel_declarations() -> None:
    op = KernelDecl("k", (A,), (0,), (0,)).declaration()
    del op.attributes[OUTPUTS]
    assert not is_kernel_declaration(op)
    body = func.FuncOp("f", ((), ()))
    body.attributes[OUTPUTS] = KernelDecl("k", (A,), (0,), (0,)).declaration().attributes[OUTPUTS]
    assert not is_kernel_declaration(body)  # a definition, not a declaration


def _program(decl: KernelDecl, args: list[MemRefType]) -> tuple[ModuleOp, func.FuncOp, func.CallOp]:
    """A module declaring `decl` and a function calling it with its arguments."""
    block = Block(arg_types=args)
    call = func.CallOp(decl.symbol, list(block.args), [])
    block.add_ops([call, func.ReturnOp()])
    caller = func.FuncOp("caller", (args, []), Region(block))
    module = ModuleOp([decl.declaration(), caller])
    return module, caller, call


def test_call_access_reads_the_record_by_argument_position() -> None:
    decl = KernelDecl("k", (A, A, A), inputs=(0, 1), outputs=(1, 2))
    _, caller, call = _program(decl, [A, A, A])
    x, y, z = caller.body.block.args
    assert call_access(call, x) == (True, False, False)
    assert call_access(call, y) == (True, True, False)
    assert call_access(call, z) == (False, True, True)
    # a view passed twice, as input 0 and output 2
    block = Block(arg_types=[A, A])
    twice = func.CallOp("k", [block.args[0], block.args[1], block.args[0]], [])
    block.add_ops([twice, func.ReturnOp()])
    ModuleOp([decl.declaration(), func.FuncOp("g", ([A, A], []), Region(block))])
    assert call_access(twice, block.args[0]) == (True, True, False)
    assert call_access(twice, block.args[1]) == (True, True, False)


def test_call_access_of_calls_without_a_record() -> None:
    decl = KernelDecl("k", (A,), (0,), (0,))
    module, caller, call = _program(decl, [A])
    assert call_access(caller.body.block.first_op, caller.body.block.args[0]) is not None
    assert call_access(func.ReturnOp(), caller.body.block.args[0]) is None
    undeclared = module.body.block.first_op
    assert isinstance(undeclared, func.FuncOp)
    del undeclared.attributes[OUTPUTS]
    assert call_access(call, caller.body.block.args[0]) is None
    undeclared.detach()
    assert call_access(call, caller.body.block.args[0]) is None


def test_declarations_are_found_in_the_nearest_enclosing_scope() -> None:
    outer = KernelDecl("k", (A,), (0,), (0,))
    _, caller, call = _program(outer, [A])
    # a declaration of the same name in the caller's body is nearer
    inner = KernelDecl("k", (A,), (), (0,)).declaration()
    caller.body.block.insert_op_before(inner, call)
    assert enclosing_declaration(call, "k") is inner
    module = caller.parent_op()
    assert isinstance(module, ModuleOp)
    inner.detach()
    assert enclosing_declaration(call, "k") is module.body.block.first_op
    caller.body.block.insert_op_before(inner, call)
    assert find_declaration(module, "k") is module.body.block.first_op
    assert find_declaration(module, "other") is None
    assert find_declaration(caller, "k") is inner
    assert enclosing_declaration(call, "other") is None
    assert enclosing_declaration(module, "k") is None  # nothing encloses the module


def test_declare_called_clones_each_missing_declaration_once_at_the_top() -> None:
    k1 = KernelDecl("k1", (A,), (0,), (0,))
    k2 = KernelDecl("k2", (A,), (0,), (0,))
    source = ModuleOp([k1.declaration(), k2.declaration()])
    target = Block(arg_types=[A])
    # an op that is no call first: the walk goes on past it
    other = func.ReturnOp()
    calls = [func.CallOp(n, [target.args[0]], []) for n in ("k1", "k1", "k2", "unknown")]
    target.add_ops([other, *calls])
    declare_called(source, target)
    ops = list(target.ops)
    names = [op.sym_name.data for op in ops if isinstance(op, func.FuncOp)]
    assert sorted(names) == ["k1", "k2"]
    assert all(isinstance(op, func.FuncOp) for op in ops[:2])
    assert ops[2:] == [other, *calls]
    # already declared: nothing added
    declare_called(source, target)
    assert len(list(target.ops)) == 7
    # an empty target gets the declaration too (no calls in it: nothing)
    empty = Block()
    declare_called(source, empty)
    assert list(empty.ops) == []


def test_declare_called_into_a_target_declaring_one_already() -> None:
    k1 = KernelDecl("k1", (A,), (0,), (0,))
    source = ModuleOp([k1.declaration()])
    target = Block(arg_types=[A])
    mine = KernelDecl("k1", (A,), (), (0,)).declaration()
    call = func.CallOp("k1", [target.args[0]], [])
    target.add_ops([mine, call])
    declare_called(source, target)
    assert list(target.ops) == [mine, call]


def test_refusing_external_kernels_names_the_kernel_and_its_source() -> None:
    decl = KernelDecl("vadd", (A,), (0,), (0,), source="/abs/vadd.cc")
    module, _, _ = _program(decl, [A])
    with pytest.raises(LocatedDiagnostic) as info:
        refuse_external_kernels(module, "the HLS target")
    message = str(info.value)
    assert (
        "'func.call' op calls the external kernel @vadd (/abs/vadd.cc); "
        "the HLS target does not build" in message
    )
    bare = KernelDecl("vadd", (A,), (0,), (0,))
    module, _, _ = _program(bare, [A])
    with pytest.raises(LocatedDiagnostic) as info:
        refuse_external_kernels(module, "the HLS target")
    assert str(info.value).endswith(
        "'func.call' op calls the external kernel @vadd; the HLS target does not build "
        "external kernels yet: run this program on the simulator or the NPU target (both run "
        "its C++ reference)"
    )
    refuse_external_kernels(ModuleOp([bare.declaration()]), "the HLS target")  # no call: fine
