"""An int4 array used at int8 (Allo's mixed GEMM: int8 A times int4 B) is
copied by the frontend into an int8 local through `trunci` to i4 and `extsi`
back. On the NPU the block moves packed and the core unpacks it, which
sign-extends: the core unpacks straight into that local, so the block needs
no one-value-per-byte buffer of its own. A stream between two members of one
core that holds one block becomes a buffer of the block's own type, shared
with the members' dead locals of that type. Checked against numpy, the
emitted design's buffers, and the bytes physical mapping counts."""

import numpy as np
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import IndexType, IntegerType, MemRefType, i8
from xdsl.ir import Block, Region

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, int4, int8, uint4
from dato_xdsl.dialects import aie
from dato_xdsl.transforms.npu_padding import rewidening_copy, unpacked_in_place
from dato_xdsl.transforms.npu_plan import shared_bytes
from test.unit.test_npu_shared_buffers import allocated, counted_per_tile

S = Layout.Shard


def mixed_pingpong(M: int, N: int, K: int, Pk: int, B_type=int4):
    """Allo's test_pingpong_mixed_gemm with one M and one N block, K cut in
    Pk steps chained through a stream of C blocks."""
    Ly = [S(1), S(0)], [S(0), S(2)], [S(1), S(2)]

    @dato.region()
    def top(A: int8[M, K], B: B_type[K, N], C: int8[M, N]):
        pipe: Stream[int8[M, N], 2][Pk - 1, 1, 1]

        @dato.kernel(mapping=[Pk, 1, 1], args=[A, B, C])
        def gemm(a: int8[M, K] @ Ly[0], b: B_type[K, N] @ Ly[1], c: int8[M, N] @ Ly[2]):
            pk, pm, pn = dato.get_pid()
            c_in: int8[M, N]
            with dato.meta_if(pk > 0):
                c_in[:, :] = pipe[pk - 1, pm, pn].get()  # noqa: F821
            with dato.meta_else():
                c_in[:, :] = 0  # noqa: F821
            c_out: int8[M, N] = dato.add(dato.matmul(a, b), c_in)  # noqa: F821
            with dato.meta_if(pk < Pk - 1):
                pipe[pk, pm, pn].put(c_out)  # noqa: F821
            with dato.meta_elif(pk == Pk - 1):
                c[:, :] = c_out

    return top


def chain(Pk: int) -> list[tuple[str, list[str]]]:
    out, base = [], "gemm_0_0_0"
    for k in range(1, Pk):
        out.append(("chain", [base, f"gemm_{k}_0_0"]))
        base += f"-gemm_{k}_0_0"
    return out


def test_mixed_int4_gemm_chain_fits_and_equals_numpy(tmp_path, monkeypatch):
    """64x128 C blocks, K = 2 x 128 chained on one core: 8 KiB of each of A,
    B (packed) and C objects; was refused for 80 KiB (B unpacked, 16 KiB, and
    its extended copy, 16 KiB, both alive at the matmul). Now by hand: the
    extended copy (16 KiB) is B's only one-value-per-byte buffer; the C_in,
    matmul-result and C_out locals (8 KiB each, the sum computed into the
    result) never have more than two alive, and the chained block (8 KiB,
    from the first member's put, where only C_out is, to the second's get)
    takes a third of them no more: 16 + 2 x 8 = 32 KiB of locals."""
    M, N, K, Pk = 64, 128, 256, 2
    counted = counted_per_tile(monkeypatch)
    mod = dato.build(
        mixed_pingpong(M, N, K, Pk), target="aie", project=tmp_path, mapping_primitives=chain(Pk)
    )
    rng = np.random.default_rng(12)
    A = rng.integers(-8, 8, (M, K)).astype(np.int8)
    B = rng.integers(-8, 8, (K, N)).astype(np.int8)
    B[0, :2] = (-8, 7)  # both ends of int4
    C = np.zeros((M, N), np.int8)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B).astype(np.int8))
    device = next(op for op in mod.ir.walk() if isinstance(op, aie.DeviceOp))
    ((nbytes, tasks),) = allocated(device).values()
    assert counted[tuple(sorted(tasks))] == nbytes
    buffers = [
        op.buffer.type
        for op in device.body.block.ops
        if isinstance(op, aie.BufferOp) and op.initial_value is None
    ]
    big = [t for t in buffers if aie.memref_bytes(t) >= 8192]
    assert sorted(aie.memref_bytes(t) for t in big) == [8192, 8192, 16384]
    fifos = {
        op.sym_name.data: (op.elemNumber.value.data, op.elemType.element_type)
        for op in device.body.block.ops
        if isinstance(op, aie.ObjectFifoCreateOp)
    }
    # B moves packed: 128 rows of 64 bytes
    assert [t.get_shape() for n, (_, t) in fifos.items() if n.startswith("B")] == [(128, 64)]
    objects = sum(depth * aie.memref_bytes(t) for depth, t in fifos.values())
    assert nbytes == 32 * 1024 + objects + 2 * 4  # + the chain's two counters


def test_uint4_operand_unpacks_zero_extended(tmp_path):
    """uint4 B: the copy zero-extends (extui), as the unpack does; values
    8..15 stay positive."""
    M, N, K, Pk = 16, 32, 64, 2
    mod = dato.build(
        mixed_pingpong(M, N, K, Pk, uint4),
        target="aie",
        project=tmp_path,
        mapping_primitives=chain(Pk),
    )
    rng = np.random.default_rng(13)
    A = rng.integers(-4, 4, (M, K)).astype(np.int8)
    B = rng.integers(0, 16, (K, N)).astype(np.uint8)
    B[0, :2] = (0, 15)
    C = np.zeros((M, N), np.int8)
    mod(A, B, C)
    np.testing.assert_array_equal(C, (A.astype(np.int64) @ B).astype(np.int8))


I4 = IntegerType(4)


def _copy_loop(arg_t: MemRefType, ext: type, narrow: IntegerType = I4) -> tuple[Block, scf.ForOp]:
    """A body `dst[i, j] = ext(trunci(arg[i, j]))` over all of dst."""
    body = Block(arg_types=[arg_t])
    dst = memref.AllocOp.get(arg_t.element_type, shape=arg_t.get_shape())
    zero = arith.ConstantOp.from_int_and_width(0, IndexType())
    one = arith.ConstantOp.from_int_and_width(1, IndexType())
    ubs = [arith.ConstantOp.from_int_and_width(n, IndexType()) for n in arg_t.get_shape()]
    body.add_ops([dst, zero, one, *ubs])
    inner_b = Block(arg_types=[IndexType()])
    outer_b = Block(arg_types=[IndexType()])
    ivs = [outer_b.args[0], inner_b.args[0]]
    load = memref.LoadOp.get(body.args[0], ivs)
    trunc = arith.TruncIOp(load.res, narrow)
    wide = ext(trunc.result, i8)
    inner_b.add_ops([load, trunc, wide, memref.StoreOp.get(wide.result, dst, ivs), scf.YieldOp()])
    inner = scf.ForOp(zero, ubs[1], one, [], Region(inner_b))
    outer_b.add_ops([inner, scf.YieldOp()])
    outer = scf.ForOp(zero, ubs[0], one, [], Region(outer_b))
    body.add_op(outer)
    return body, outer


def test_rewidening_copy_matches_only_the_extension_the_unpack_does():
    t = MemRefType(i8, [4, 6])
    body, loop = _copy_loop(t, arith.ExtSIOp)
    assert rewidening_copy(loop, body.args[0], signed=True) is not None
    assert unpacked_in_place(body, {0: True}) == {0: [loop]}
    # int4 unpacked sign-extends: a zero-extending copy is another value
    assert unpacked_in_place(body, {0: False}) == {}
    body, loop = _copy_loop(t, arith.ExtUIOp)
    assert unpacked_in_place(body, {0: False}) == {0: [loop]}
    assert unpacked_in_place(body, {0: True}) == {}
    # narrowed to 2 bits is not the unpacked nibble
    body, loop = _copy_loop(t, arith.ExtSIOp, narrow=IntegerType(2))
    assert unpacked_in_place(body, {0: True}) == {}


def test_argument_read_elsewhere_too_keeps_its_buffer():
    """A load of the argument outside the copy needs the unpacked block."""
    t = MemRefType(i8, [4, 6])
    body, loop = _copy_loop(t, arith.ExtSIOp)
    zero = next(op for op in body.ops if isinstance(op, arith.ConstantOp))
    body.add_op(memref.LoadOp.get(body.args[0], [zero.result, zero.result]))
    assert unpacked_in_place(body, {0: True}) == {}


def test_dead_buffers_of_one_type_share_overlapping_ones_do_not():
    """The count physical mapping takes from the locals' spans: a chained
    block (now of the block's type) alive from 5 to 9 shares with a local of
    that type dead at 4; one alive up to 5 (touching: the put reads it) does
    not."""
    block = MemRefType(i8, [64, 128])
    assert shared_bytes([(block, 1, 4), (block, 5, 9)]) == 8192
    assert shared_bytes([(block, 1, 5), (block, 5, 9)]) == 16384
    slots = MemRefType(i8, [1, 64, 128])  # what the chained block was typed
    assert shared_bytes([(block, 1, 4), (slots, 5, 9)]) == 16384
