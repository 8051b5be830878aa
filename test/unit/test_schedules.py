# ruff: noqa: F821, B007  (kernel arrays and streams are declared by annotation only)
"""Allo's schedule language: `s = dato.customize(top)`, `s.partition`,
`s.pipeline`, `s.unroll`, `s.build(target=...)`, written as Allo's
tests/dataflow write it. Results against numpy on every target; the pragmas in
the HLS C++; the estimate's figures computed by hand from its stated model;
located errors for names that do not resolve and factors that do not fit."""

import re
import warnings

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import MockBuffer, Partition, float32, int32

TARGETS = ["simulator", "aie", "hls"]
S, R = dato.Layout.Shard, dato.Layout.Replicate

BS, M0, M1, M2, NUM_CLASSES = 2, 16, 16, 16, 2
rng = np.random.default_rng(7)
np_W0 = rng.random((M0, M1), dtype=np.float32)
np_W1 = rng.random((M1, M2), dtype=np.float32)
np_W2 = rng.random((M2, NUM_CLASSES), dtype=np.float32)


def mlp():
    """Allo's tests/dataflow/test_mlp.py, smaller."""

    @dato.region()
    def top(X: float32[BS, M0], Z2: float32[BS, NUM_CLASSES]):
        Z0: dato.Stream[float32, BS * M1]
        Z1: dato.Stream[float32, BS * M2]

        @dato.kernel(mapping=[1], args=[X])
        def linear1(local_X: float32[BS, M0]):
            W0: float32[M0, M1] = np_W0
            buf: float32[M1]
            for i in range(BS):
                for j_init in range(M1):
                    buf[j_init] = 0
                for k in range(M0):
                    x: float32 = local_X[i, k]
                    for j in range(M1):
                        buf[j] += x * W0[k, j]
                for j_back in range(M1):
                    Z0.put(max(buf[j_back], 0))

        @dato.kernel(mapping=[1], args=[])
        def linear2():
            W1: float32[M1, M2] = np_W1
            buf: float32[M2]
            for i in range(BS):
                for j_init in range(M2):
                    buf[j_init] = 0
                for k in range(M1):
                    x: float32 = Z0.get()
                    for j in range(M2):
                        buf[j] += x * W1[k, j]
                for j_back in range(M2):
                    Z1.put(max(buf[j_back], 0))

        @dato.kernel(mapping=[1], args=[Z2])
        def linear3(local_Z2: float32[BS, NUM_CLASSES]):
            W2: float32[M2, NUM_CLASSES] = np_W2
            buf: float32[NUM_CLASSES]
            for i in range(BS):
                for j_init in range(NUM_CLASSES):
                    buf[j_init] = 0
                for k in range(M2):
                    x: float32 = Z1.get()
                    for j in range(NUM_CLASSES):
                        buf[j] += x * W2[k, j]
                for j_back in range(NUM_CLASSES):
                    local_Z2[i, j_back] = max(buf[j_back], 0)

    return top


def schedule_linear(s, lid, factor=4):
    """Allo's helper of the same name, unchanged."""
    s.pipeline(f"linear{lid}_0:j")
    s.pipeline(f"linear{lid}_0:j_init")
    s.pipeline(f"linear{lid}_0:j_back")
    s.unroll(f"linear{lid}_0:j", factor=factor)
    s.unroll(f"linear{lid}_0:j_init", factor=factor)
    s.partition(MockBuffer(f"linear{lid}_0", "buf"), dim=0, partition_type=2, factor=factor)


def build(s, target, tmp_path):
    options = {} if target == "simulator" else {"project": tmp_path / target}
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        mod = s.build(target=target, **options)
    return mod, [w for w in seen if issubclass(w.category, dato.ScheduleIgnoredWarning)]


@pytest.mark.parametrize("target", TARGETS)
def test_allo_mlp_schedule_runs_on_every_target(target, tmp_path):
    X = rng.random((BS, M0), dtype=np.float32)
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    expected = relu(relu(relu(X @ np_W0) @ np_W1) @ np_W2)
    s = dato.customize(mlp())
    schedule_linear(s, 1, factor=8)
    schedule_linear(s, 2, factor=8)
    schedule_linear(s, 3, factor=1)
    mod, ignored = build(s, target, tmp_path)
    Z2 = np.zeros((BS, NUM_CLASSES), np.float32)
    mod(X, Z2)
    np.testing.assert_allclose(Z2, expected, rtol=1e-5)
    if target == "hls":
        assert not ignored
        cpp = (mod.project / "kernel.cpp").read_text()
        # 3 kernels x (j, j_init, j_back) pipelined; j and j_init unrolled 8, 8 and 1
        assert cpp.count("#pragma HLS unroll factor=8") == 4
        assert cpp.count("#pragma HLS unroll factor=1") == 2
        assert cpp.count("type=cyclic factor=8 dim=0") == 2  # linear1's and linear2's buf
    else:
        # 5 directives per kernel (3 pipelines + 2 unrolls) and one partition each
        assert [str(w.message).split(":")[1].strip() for w in ignored] == [
            "18 directive(s) (partition/pipeline/unroll) ignored"
        ]
        if target == "aie":
            assert str(mod.report()).endswith(
                "has no equivalent of HLS pragmas; results are unchanged"
            )


def gemm():
    """Allo's tests/dataflow/test_systolic.py shape: a 2x2 grid over sharded A, B, C."""

    @dato.region()
    def top(A: float32[4, 6], B: float32[6, 4], C: float32[4, 4]):
        @dato.kernel(mapping=[2, 2], args=[A, B, C])
        def gemm(
            a: float32[4, 6] @ [S(0), R],
            b: float32[6, 4] @ [R, S(1)],
            c: float32[4, 4] @ [S(0), S(1)],
        ):
            for i in range(2):
                for j in range(2):
                    acc: float32 = 0.0
                    for k in range(6):
                        acc += a[i, k] * b[k, j]
                    c[i, j] = acc

    return top


@pytest.mark.parametrize("target", TARGETS)
def test_allo_systolic_partitions_of_the_region_arguments(target, tmp_path):
    A = rng.random((4, 6), dtype=np.float32)
    B = rng.random((6, 4), dtype=np.float32)
    s = dato.customize(gemm())
    s.partition("top:A", dim=1, factor=2)  # Allo's default kind: complete
    s.partition("top:B", dim=2, factor=2)
    s.partition("top:C", dim=0, factor=2)
    s.pipeline("gemm_0_0:k")  # one instance named: that instance's copy of the body
    mod, ignored = build(s, target, tmp_path)
    C = np.zeros((4, 4), np.float32)
    mod(A, B, C)
    np.testing.assert_allclose(C, A @ B, rtol=1e-5)
    assert bool(ignored) == (target != "hls")
    if target == "hls":
        cpp = (mod.project / "kernel.cpp").read_text()
        # every task's copy: a (2x6 rows of A) along dim 1, b along dim 2, c everywhere
        assert re.search(r"array_partition variable=a type=complete dim=1", cpp)
        assert re.search(r"array_partition variable=b type=complete dim=2", cpp)
        assert re.search(r"array_partition variable=c type=complete dim=0", cpp)


def stream_copy():
    @dato.region()
    def top(A: int32[64], B: int32[64]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[64], b: int32[64]):
            buf: int32[64]
            for i in range(64):
                buf[i] = a[i]
            for j in range(64):
                b[j] = buf[j] * 3

    return top


def loop_j(mod):
    figures = mod.report()
    (task,) = [p for p in figures.processes if p.process == "k"]
    (j,) = [loop for loop in task.loops if loop.label == "j"]
    return j, figures


def test_estimate_counts_unroll_and_the_ports_partitions_add(tmp_path):
    A = np.arange(64, dtype=np.int32) - 20
    s = dato.customize(stream_copy())
    s.pipeline("k:j")
    s.unroll("k:j", factor=4)
    mod, _ = build(s, "hls", tmp_path / "one")
    B = np.zeros(64, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, A * 3)
    j, figures = loop_j(mod)
    # 16 iterations of 4 copies; each reads buf 4 times and writes b 4 times,
    # one BRAM bank each = 2 ports: II 2. Depth: load 2 + muli 3 + store 1 = 6.
    assert (j.trip, j.unroll, j.ii, j.depth) == (64, 4, 2, 6)
    assert j.latency == (16 - 1) * 2 + 6
    assert j.port_limit == "4 accesses to buf on 2 ports"
    (use,) = [u for u in figures.resources.processes if u.process == "k"]
    assert use.dsps == 4 * 3.0  # four copies of an i32 multiplier, 3 DSPs each on u280

    s.partition("k:buf", partition_type=Partition.Cyclic, dim=1, factor=4)
    s.partition("top:B", partition_type=Partition.Cyclic, dim=1, factor=2)
    mod, _ = build(s, "hls", tmp_path / "two")
    B[:] = 0
    mod(A, B)
    np.testing.assert_array_equal(B, A * 3)
    j, _ = loop_j(mod)
    # buf: 4 banks, 8 ports; b: 2 banks, 4 ports: II 1
    assert (j.ii, j.latency, j.port_limit) == (1, (16 - 1) * 1 + 6, "")
    cpp = (mod.project / "kernel.cpp").read_text()
    assert "#pragma HLS array_partition variable=buf type=cyclic factor=4 dim=1" in cpp
    assert "#pragma HLS array_partition variable=b type=cyclic factor=2 dim=1" in cpp
    assert "j: trip 64, unrolled x4, II=1" in str(mod.report())


def test_the_schedule_is_recorded_in_the_ir():
    s = dato.customize(stream_copy())
    s.pipeline("k_0:j", initiation_interval=2)
    s.unroll("k:i")
    s.partition("top:A", partition_type=Partition.Block, dim=1, factor=8)
    s.partition("k:buf", dim=1)
    text = str(s.module)
    assert '{dato.partition = {A = [{kind = "block", factor = 8 : i64, dim = 1 : i64}]}}' in text
    assert '%buf = memref.alloc() {dato.partition = [{kind = "complete"' in text
    assert "} {dato.pipeline = 2 : i64}" in text
    assert "} {dato.unroll = 0 : i64}" in text


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda s: s.pipeline("nope:j"),
            "'nope' is not the region (top), a kernel or a kernel instance",
        ),
        (lambda s: s.pipeline("k:q"), "k has no loop over 'q'; its loops: i, j"),
        (lambda s: s.pipeline("j"), "top is the region, which has no loops"),
        (
            lambda s: s.unroll("k:j", factor=5),
            "loop 'j': unroll factor 5 does not divide its 64 trips",
        ),
        (lambda s: s.partition("top:Q"), "top has no argument 'Q'; its arguments: A, B"),
        (lambda s: s.partition("k:buf", dim=2), "partition dim 2 of buffer 'buf' of k is outside"),
        (
            lambda s: s.partition("k:buf", partition_type=Partition.Cyclic, dim=1, factor=5),
            "cyclic factor 5 of buffer 'buf' of k does not divide dim 1 (size 64)",
        ),
        (lambda s: s.partition("k:buf", partition_type=7), "partition_type must be"),
        (lambda s: s.pipeline("k:j", initiation_interval=0), "initiation_interval must be"),
    ],
)
def test_directives_that_do_not_fit_are_located_errors(call, message):
    s = dato.customize(stream_copy())
    with pytest.raises(dato.DatoCompileError) as err:
        call(s)
    assert message in str(err.value)
    # located at the user's call (here: the lambda's line)
    assert err.value.filename == __file__
    assert "lambda s: s." in open(__file__).read().splitlines()[err.value.line - 1]


def test_a_loop_name_used_twice_is_ambiguous():
    @dato.region()
    def top(A: int32[4]):
        @dato.kernel(mapping=[1], args=[A])
        def k(a: int32[4]):
            for i in range(4):
                a[i] = 1
            for i in range(4):
                a[i] += 1

    s = dato.customize(top)
    with pytest.raises(dato.DatoCompileError, match=r"k has 2 loops over 'i' \(lines \d+, \d+\)"):
        s.unroll("k:i", factor=2)


def test_a_fully_unrolled_loop_cannot_be_pipelined():
    s = dato.customize(stream_copy())
    s.unroll("k:j")
    with pytest.raises(
        dato.DatoCompileError, match="'j' is fully unrolled, so it cannot also be pipelined"
    ):
        s.pipeline("k:j")
    # the refused directive left nothing behind: the program still builds
    assert "dato.pipeline" not in str(s.module)


def test_a_partition_written_in_the_ir_is_checked_by_the_lowering():
    s = dato.customize(stream_copy())
    s.partition("k:buf", partition_type=Partition.Cyclic, dim=1, factor=4)
    alloc = next(op for op in s.module.walk() if op.name == "memref.alloc")
    from xdsl.dialects.builtin import ArrayAttr

    from dato_xdsl.transforms.schedule_directives import PartitionSpec

    alloc.attributes["dato.partition"] = ArrayAttr([PartitionSpec("cyclic", 3, 1).attr()])
    with pytest.raises(
        dato.DatoIRError, match="cyclic factor 3 of buffer 'buf' does not divide dim 1"
    ):
        s.build(target="hls")


def test_a_float_accumulation_keeps_the_adders_ii_whatever_is_asked(tmp_path):
    @dato.region()
    def top(A: float32[16], B: float32[16], C: float32[1]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def dot(a: float32[16], b: float32[16], c: float32[1]):
            acc: float32 = 0.0
            for k in range(16):
                acc += a[k] * b[k]
            c[0] = acc

    s = dato.customize(top)
    s.pipeline("dot:k", initiation_interval=1)
    mod, _ = build(s, "hls", tmp_path)
    A = np.arange(16, dtype=np.float32) / 4
    B = np.arange(16, dtype=np.float32)[::-1].copy()
    C = np.zeros(1, np.float32)
    mod(A, B, C)
    np.testing.assert_allclose(C, [A @ B], rtol=1e-6)
    assert "#pragma HLS pipeline II=1" in (mod.project / "kernel.cpp").read_text()  # as asked
    figures = mod.report()
    (task,) = [p for p in figures.processes if p.process == "dot"]
    (k,) = [loop for loop in task.loops if loop.label == "k"]
    # the model: the next iteration waits for the f32 adder (4 cycles); depth:
    # load a/b 2 -> mulf 3 -> addf 4 (acc is a register) = 9
    assert (k.ii, k.depth, k.latency) == (4, 9, (16 - 1) * 4 + 9)
    assert k.port_limit == "a float accumulation carried by a scalar"
