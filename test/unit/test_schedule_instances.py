"""A schedule directive named by one instance (`s.unroll("k_1_1:y2")`) applies to
that instance only, as in Allo, where each instance of a kernel is a function of
its own; one named by the kernel (`"k:y2"`) applies to all. Checked on the
instance groups virtual mapping makes, in the HLS C++, and by results against
numpy."""

import inspect
import warnings

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects import scf

import dato_xdsl as dato
from dato_xdsl import int32
from dato_xdsl.dialects import dato as dd
from dato_xdsl.errors import DatoError
from dato_xdsl.transforms.schedule_directives import PARTITION_ATTR, UNROLL_ATTR
from dato_xdsl.transforms.virtual_mapping import VirtualMapPass


def program():
    @dato.region()
    def top(A: int32[4, 8], B: int32[4, 8]):
        @dato.kernel(mapping=[2, 2], args=[A, B])
        def k(a: int32[4, 8], b: int32[4, 8]):
            i, j = dato.get_pid()
            buf: int32[8] = 0
            for y in range(8):
                buf[y] = a[i, y] * 3 + j
            for y2 in range(8):
                b[i * 2 + j, y2] = buf[y2]

    return top


def reference(A: np.ndarray) -> np.ndarray:
    B = np.zeros((4, 8), np.int32)
    for i in range(2):
        for j in range(2):
            B[i * 2 + j] = A[i] * 3 + j
    return B


def groups_with(s: dato.Schedule, attr: str) -> dict[tuple[tuple[int, ...], ...], bool]:
    """instances of each group after virtual mapping -> whether its body has `attr`"""
    module = s.scheduled_module()
    VirtualMapPass().apply(Context(), module)
    out = {}
    for group in module.walk():
        if isinstance(group, dd.GroupOp):
            pids = tuple(sorted(inst.pid for inst in group.instances()))
            out[pids] = any(attr in op.attributes for op in group.body.walk())
    return out


def test_an_instance_directive_reaches_that_instance_only():
    s = dato.customize(program())
    s.unroll("k_1_1:y2", factor=2)
    s.partition("k_0_1:buf", partition_type=dato.Partition.Cyclic, dim=1, factor=4)
    unrolled = groups_with(s, UNROLL_ATTR)
    assert unrolled == {((0, 0), (1, 0)): False, ((0, 1),): False, ((1, 1),): True}
    partitioned = groups_with(s, PARTITION_ATTR)
    assert partitioned == {((0, 0), (1, 0)): False, ((0, 1),): True, ((1, 1),): False}


def test_a_kernel_name_directive_reaches_every_instance():
    s = dato.customize(program())
    s.unroll("k:y2", factor=4)
    assert groups_with(s, UNROLL_ATTR) == {((0, 0), (0, 1), (1, 0), (1, 1)): True}
    assert not s.per_instance


def test_directives_of_several_calls_on_one_instance_add_up():
    s = dato.customize(program())
    s.unroll("k_1_0:y", factor=2)
    s.pipeline("k_1_0:y2")
    s.unroll("k_1_0:y", factor=4)  # a later call replaces the factor, as on a shared loop
    module = s.scheduled_module()
    loops = {
        op.body.block.args[0].name_hint: dict(op.attributes)
        for op in module.walk()
        if isinstance(op, scf.ForOp) and op.attributes
    }
    assert loops["y"]["dato.unroll"].value.data == 4  # type: ignore[attr-defined]
    assert loops["y2"]["dato.pipeline"].value.data == 1  # type: ignore[attr-defined]
    assert len(loops) == 2  # only instance (1, 0)'s copy carries directives


@pytest.mark.parametrize("target", ["simulator", "hls"])
def test_results_are_unchanged(target, tmp_path):
    A = np.arange(32, dtype=np.int32).reshape(4, 8) - 7
    s = dato.customize(program())
    s.unroll("k_1_1:y2", factor=2)
    s.partition("k_0_1:buf", partition_type=dato.Partition.Cyclic, dim=1, factor=4)
    options = {} if target == "simulator" else {"project": tmp_path / "hls"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dato.ScheduleIgnoredWarning)
        mod = s.build(target=target, **options)
    B = np.zeros((4, 8), np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, reference(A))
    if target == "hls":
        cpp = (tmp_path / "hls" / "kernel.cpp").read_text()
        assert cpp.count("#pragma HLS unroll factor=2") == 1
        assert cpp.count("array_partition variable=buf type=cyclic factor=4 dim=1") == 1


def test_a_one_instance_kernel_is_not_copied():
    @dato.region()
    def top(A: int32[8], B: int32[8]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int32[8], b: int32[8]):
            for y in range(8):
                b[y] = a[y]

    s = dato.customize(top)
    s.unroll("k_0:y", factor=2)  # Allo's name of the one instance
    assert not s.per_instance
    module = s.scheduled_module()
    assert sum(isinstance(op, scf.IfOp) for op in module.walk()) == 0
    assert sum(UNROLL_ATTR in op.attributes for op in module.walk()) == 1


def test_an_instance_directive_that_does_not_fit_is_located():
    s = dato.customize(program())
    line = inspect.currentframe().f_lineno + 2  # type: ignore[union-attr]
    with pytest.raises(DatoError) as err:
        s.unroll("k_0_1:y", factor=3)
    assert f"test_schedule_instances.py:{line}" in str(err.value)
    assert "unroll factor 3 does not divide its 8 trips" in str(err.value)
    # the buffer is an alloc of the body: an instance partition is checked on it too
    with pytest.raises(DatoError) as err:
        s.partition("k_0_1:buf", partition_type=dato.Partition.Block, dim=1, factor=3)
    assert "does not divide dim 1 (size 8)" in str(err.value)
    # nothing was recorded by the refused calls
    module = s.scheduled_module()
    assert not any(
        UNROLL_ATTR in op.attributes or PARTITION_ATTR in op.attributes for op in module.walk()
    )
    assert sum(isinstance(op, scf.IfOp) for op in module.walk()) == 0
