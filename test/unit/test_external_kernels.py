"""External kernels (dato.ExternalModule, Allo's ExternalModule): a task body
calls a user's C++ kernel; the simulator and the virtual NPU run its plain C++
reference, the NPU project carries its AIE source and compile line. Results
are checked against numpy; errors against the declared arity, shapes, types."""

from pathlib import Path

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Layout, float32, int32

S = Layout.Shard
R = Layout.Replicate
HERE = Path(__file__).resolve().parent / "inputs" / "external"

scale_add = dato.ExternalModule(
    top="scale_add",
    impl_path=HERE / "scale_add_aie.cc",
    args=[int32[64], int32[64], int32[64], int32],
    output_idx=[2],
    reference=HERE / "scale_add_ref.cc",
)


def scale_add_program():
    @dato.region()
    def top(A: int32[128], B: int32[128], C: int32[128]):
        @dato.kernel(mapping=[2], args=[A, B, C])
        def core(a: int32[128] @ [S(0)], b: int32[128] @ [S(0)], c: int32[128] @ [S(0)]):
            scale_add(a, b, c, 3)

    return top


def inputs():
    rng = np.random.default_rng(7)
    a = rng.integers(-1000, 1000, 128, dtype=np.int32)
    b = rng.integers(-1000, 1000, 128, dtype=np.int32)
    return a, b, a + 3 * b  # numpy: c = a + 3 b


@pytest.mark.parametrize("target", ["simulator", "aie"])
def test_reference_runs_equal_to_numpy(target, tmp_path):
    options = {"project": tmp_path} if target == "aie" else {}
    mod = dato.build(scale_add_program(), target=target, **options)
    a, b, want = inputs()
    c = np.zeros(128, np.int32)
    mod(a, b, c)
    np.testing.assert_array_equal(c, want)


def test_project_holds_source_reference_and_compile_line(tmp_path):
    dato.build(scale_add_program(), target="aie", project=tmp_path)
    design = (tmp_path / "aie.mlir").read_text()
    assert "func.func private @scale_add(memref<64xi32>, memref<64xi32>, memref<64xi32>, i32)" in (
        design
    )
    assert 'link_with = "core_kernels_0.o"' in design
    assert (tmp_path / "external/scale_add/scale_add_aie.cc").read_bytes() == (
        HERE / "scale_add_aie.cc"
    ).read_bytes()
    assert (tmp_path / "external/scale_add/scale_add_ref.cc").exists()
    obj = (tmp_path / "core_kernels_0.cc").read_text()
    aie_branch = obj.split("#ifdef __AIENGINE__")[1].split("#else")[0]
    assert '#include "external/scale_add/scale_add_aie.cc"' in aie_branch
    script = (tmp_path / "build.sh").read_text()
    assert "-c core_kernels_0.cc -o core_kernels_0.o" in script
    assert "-ffunction-sections" in script
    # no core calls the library: the whole library is compiled nowhere
    assert "-c kernels.cc" not in script


def test_accumulator_is_read_and_written(tmp_path):
    """An index in input_idx and output_idx (Allo's lists) is read and written:
    the host's acc comes in and the kernel adds to it."""
    add_into = dato.ExternalModule(
        top="add_into",
        impl_path=HERE / "add_into_ref.cc",
        args=[int32[16], int32[16]],
        input_idx=[0, 1],
        output_idx=[1],
        reference=HERE / "add_into_ref.cc",
    )

    @dato.region()
    def top(A: int32[64], ACC: int32[64]):
        @dato.kernel(mapping=[4], args=[A, ACC])
        def core(a: int32[64] @ [S(0)], acc: int32[64] @ [S(0)]):
            add_into(a, acc)

    rng = np.random.default_rng(3)
    a = rng.integers(-300, 300, 64, dtype=np.int32)
    start = rng.integers(-300, 300, 64, dtype=np.int32)
    for target, options in (("simulator", {}), ("aie", {"project": tmp_path})):
        acc = start.copy()
        dato.build(top, target=target, **options)(a, acc)
        np.testing.assert_array_equal(acc, start + a, err_msg=target)


def test_strided_slice_is_passed_as_a_copy():
    """A column of a 2-D array is no bare pointer: copied in and out."""

    @dato.region()
    def top(A: int32[64, 2], B: int32[64, 2], C: int32[64, 2]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def core(a: int32[64, 2], b: int32[64, 2], c: int32[64, 2]):
            scale_add(a[:, 1], b[:, 0], c[:, 0], -2)

    rng = np.random.default_rng(1)
    a = rng.integers(-50, 50, (64, 2), dtype=np.int32)
    b = rng.integers(-50, 50, (64, 2), dtype=np.int32)
    c = np.full((64, 2), 9, np.int32)
    dato.build(top, target="simulator")(a, b, c)
    np.testing.assert_array_equal(c[:, 0], a[:, 1] - 2 * b[:, 0])
    np.testing.assert_array_equal(c[:, 1], 9)


def _bad(call: str):
    source = f"""
import dato_xdsl as dato
from dato_xdsl import int16, int32

def make(scale_add):
    @dato.region()
    def top(A: int32[64], B: int32[64], C: int32[64], D: int16[64]):
        @dato.kernel(mapping=[1], args=[A, B, C, D])
        def core(a: int32[64], b: int32[64], c: int32[64], d: int16[64]):
            {call}

    return top
"""
    return source


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            "scale_add(a, b, c)",
            "scale_add() takes 4 arguments (int32[64], int32[64], int32[64], int32), got 3",
        ),
        ("scale_add(a, b, d, 3)", "scale_add() argument 2 is int32[64], got int16[64]"),
        ("scale_add(a, b, c[0:32], 3)", "scale_add() argument 2 is int32[64], got int32[32]"),
        ("scale_add(a, b, c, a)", "scale_add() argument 3 is a int32 scalar, got"),
        ("scale_add(a, b, c, k=3)", "takes its arguments by position"),
    ],
)
def test_call_checked_at_its_line(call, message, tmp_path):
    path = tmp_path / "prog.py"
    path.write_text(_bad(call))
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    with pytest.raises(dato.DatoCompileError) as err:
        dato.build(namespace["make"](scale_add), target="simulator")
    assert f"{path}:10: error: " in str(err.value)
    assert message in str(err.value)


def test_declaration_errors_name_the_line():
    with pytest.raises(dato.DatoError, match=r"test_external_kernels.py:\d+: error: .*not found"):
        dato.ExternalModule(top="k", impl_path="nowhere.cc", args=[int32[4]], output_idx=[0])
    with pytest.raises(dato.DatoError, match="index 3 is outside its 1 arguments"):
        dato.ExternalModule(
            top="k", impl_path=HERE / "scale_add_ref.cc", args=[int32[4]], output_idx=[3]
        )
    with pytest.raises(dato.DatoError, match="is not -DNAME"):
        dato.ExternalModule(
            top="k",
            impl_path=HERE / "scale_add_ref.cc",
            args=[int32[4]],
            output_idx=[0],
            flags=["-O3"],
        )


def test_without_reference_the_simulator_says_so():
    k = dato.ExternalModule(
        top="scale_add",
        impl_path=HERE / "scale_add_aie.cc",
        args=[int32[64], int32[64], int32[64], int32],
        output_idx=[2],
    )

    @dato.region()
    def top(A: int32[64], B: int32[64], C: int32[64]):
        @dato.kernel(mapping=[1], args=[A, B, C])
        def core(a: int32[64], b: int32[64], c: int32[64]):
            k(a, b, c, 1)

    mod = dato.build(top, target="simulator")
    z = np.zeros(64, np.int32)
    with pytest.raises(
        dato.DatoRuntimeError,
        match=r"test_external_kernels.py:\d+:\d+: error: external kernel @scale_add .* "
        r"has no C\+\+ reference",
    ):
        mod(z, z, z.copy())


def test_hls_refuses_at_the_call():
    with pytest.raises(dato.DatoIRError) as err:
        dato.build(scale_add_program(), target="hls")
    text = str(err.value)
    assert "test_external_kernels.py:32:" in text
    assert "calls the external kernel @scale_add" in text
    assert "the HLS target does not build external kernels yet" in text


def test_float_kernel_with_a_float_scalar(tmp_path):
    axpy = dato.ExternalModule(
        top="axpy",
        impl_path=HERE / "axpy_ref.cc",
        args=[float32[16], float32[16], float32],
        input_idx=[0, 1, 2],
        output_idx=[1],
        reference=HERE / "axpy_ref.cc",
    )

    @dato.region()
    def top(X: float32[32], Y: float32[32]):
        @dato.kernel(mapping=[2], args=[X, Y])
        def core(x: float32[32] @ [S(0)], y: float32[32] @ [S(0)]):
            axpy(x, y, 0.5)

    rng = np.random.default_rng(11)
    x = rng.standard_normal(32).astype(np.float32)
    y0 = rng.standard_normal(32).astype(np.float32)
    want = np.float32(0.5) * x + y0  # float32 arithmetic, as the kernel does
    for target, options in (("simulator", {}), ("aie", {"project": tmp_path})):
        y = y0.copy()
        dato.build(top, target=target, **options)(x, y)
        np.testing.assert_array_equal(y, want, err_msg=target)


def scale_add_numpy(a, b, c, k):
    """A numpy reference: numpy arrays over the kernel's buffers, outputs in place."""
    c[...] = a + np.int32(k) * b


def test_numpy_reference_runs_on_the_simulator_and_the_virtual_npu(tmp_path):
    k = dato.ExternalModule(
        top="scale_add",
        impl_path=HERE / "scale_add_aie.cc",
        args=[int32[64], int32[64], int32[64], int32],
        output_idx=[2],
        reference=scale_add_numpy,
    )

    @dato.region()
    def top(A: int32[128], B: int32[128], C: int32[128]):
        @dato.kernel(mapping=[2], args=[A, B, C])
        def core(a: int32[128] @ [S(0)], b: int32[128] @ [S(0)], c: int32[128] @ [S(0)]):
            k(a, b, c, 3)

    a, b, want = inputs()
    for target, options in (("simulator", {}), ("aie", {"project": tmp_path})):
        c = np.zeros(128, np.int32)
        dato.build(top, target=target, **options)(a, b, c)
        np.testing.assert_array_equal(c, want, err_msg=target)
    obj = (tmp_path / "core_kernels_0.cc").read_text()
    assert "// host: the numpy reference python:" in obj and "scale_add_numpy" in obj
    assert (tmp_path / "external/scale_add/scale_add_aie.cc").exists()


def test_numpy_reference_must_be_importable():
    with pytest.raises(dato.DatoError, match="must be a module-level function"):
        dato.ExternalModule(
            top="k",
            impl_path=HERE / "scale_add_ref.cc",
            args=[int32[4]],
            output_idx=[0],
            reference=lambda c: None,
        )
