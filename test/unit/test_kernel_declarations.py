"""One declaration record for every kernel a core calls (kernel_decls.KernelDecl):
a user's dato.ExternalModule, the NPU kernel library's dato_<kind>_<type>_<n>
and mlir-aie's GEMM kernels (mm.cc's zero_<acc> / matmul_<in>_<acc>) are the
same kind of record (symbol, argument types, inputs, outputs, source,
reference, flags, object), and the NPU project writes each one's source and
compile line, and checks each call, from that record. Expectations are written
out by hand here (the entry a library kernel gets, mm.cc's flags from
mlir-aie's whole_array Makefile and makefile-common); the designs run on the
virtual NPU and are compared with numpy."""

import re
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import FunctionType, IntegerType, MemRefType, StringAttr

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from dato_xdsl.diagnostics import LocatedDiagnostic
from dato_xdsl.targets.aie.gemm_kernels import REFERENCE, mm_objects
from dato_xdsl.targets.aie.project import (
    LIBRARY,
    kernel_objects,
    library_entry,
    own_object_lines,
)
from dato_xdsl.transforms.kernel_decls import OBJECT, KernelDecl, read_declaration

S, R = Layout.Shard, Layout.Replicate
HERE = Path(__file__).resolve().parent / "inputs" / "external"
I32 = IntegerType(32)

scale_add = dato.ExternalModule(
    top="scale_add",
    impl_path=HERE / "scale_add_aie.cc",
    args=[int32[64], int32[64], int32[64], int32],
    output_idx=[2],
    reference=HERE / "scale_add_ref.cc",
)


def mixed_program():
    """A task calling a user's kernel, then a library operation on its result."""

    @dato.region()
    def top(A: int32[128], B: int32[128], C: int32[128], D: int32[128]):
        @dato.kernel(mapping=[2], args=[A, B, C, D])
        def core(
            a: int32[128] @ [S(0)],
            b: int32[128] @ [S(0)],
            c: int32[128] @ [S(0)],
            d: int32[128] @ [S(0)],
        ):
            scale_add(a, b, c, 3)  # c = a + 3 b (the user's kernel)
            d[:] = c + a  # the library's add: d = 2 a + 3 b

    return top


def test_library_and_user_kernel_are_one_kind_of_record(tmp_path):
    mod = dato.build(mixed_program(), target="aie", project=tmp_path)
    # the task's core (another core forwards A to it, calling the library's copy)
    obj = next(o for o in kernel_objects(mod.ir) if "scale_add" in {d.symbol for d in o.kernels})
    records = {d.symbol: d for d in obj.kernels}
    add = next(d for name, d in records.items() if name.startswith("dato_add_i32_"))
    user = records["scale_add"]
    vec = MemRefType(I32, [64])
    assert user == KernelDecl(
        symbol="scale_add",
        arg_types=(vec, vec, vec, I32),
        inputs=(0, 1, 3),
        outputs=(2,),
        source=str(HERE / "scale_add_aie.cc"),
        reference=str(HERE / "scale_add_ref.cc"),
    )
    assert user == scale_add.record()  # what the frontend declared reaches the project
    # the library's add is the same record: its source is dato_kernels.cc, which
    # is plain C++ and so its own reference
    n = add.arg_types[0].get_shape()  # type: ignore[attr-defined]
    assert add.symbol == f"dato_add_i32_{'x'.join(map(str, n))}"
    assert (add.inputs, add.outputs) == ((0, 1), (2,))
    assert add.source == add.reference == str(LIBRARY.resolve())
    assert add.object is None and user.object is None  # both go into the cores' object
    assert add in obj.library and obj.external == (user,)
    # both declarations in the design carry it
    design = (tmp_path / "aie.mlir").read_text()
    for symbol in ("scale_add", add.symbol):
        line = next(ln for ln in design.splitlines() if f"func.func private @{symbol}(" in ln)
        assert "dato.kernel_source" in line and "dato.kernel_outputs" in line
    # one object holds both: the library's entry (a wrapper fixing its shape),
    # the user's sources (AIE for Peano, the reference for the host)
    source = (tmp_path / f"{obj.name}.cc").read_text()
    count = int(np.prod(n))
    entry = (
        f'extern "C" void {add.symbol}(const int32_t* a, const int32_t* b, int32_t* c) '
        f"{{ dato_add_i32(a, b, c, {count}); }}"
    )
    assert entry in source.splitlines()
    assert (
        '#ifdef __AIENGINE__\n#include "external/scale_add/scale_add_aie.cc"\n#else\n'
        '#include "external/scale_add/scale_add_ref.cc"\n#endif'
    ) in source
    # and one compile line builds it, with the AIE API flags the user's source needs
    script = (tmp_path / "build.sh").read_text()
    assert script.count(f"-c {obj.name}.cc -o {obj.name}.o") == 1
    assert f"-Wno-parentheses -Wno-attributes -Wno-macro-redefined -DNDEBUG -c {obj.name}" in (
        script.replace(" \\\n    ", " ")
    )
    assert "-c kernels.cc" not in script
    rng = np.random.default_rng(11)
    a = rng.integers(-1000, 1000, 128, dtype=np.int32)
    b = rng.integers(-1000, 1000, 128, dtype=np.int32)
    c, d = np.zeros(128, np.int32), np.zeros(128, np.int32)
    mod(a, b, c, d)
    np.testing.assert_array_equal(c, a + 3 * b)
    np.testing.assert_array_equal(d, 2 * a + 3 * b)


def gemm_program(M: int, N: int, K: int):
    @dato.region()
    def gemm(A: dato.int8[M, K], B: dato.int8[K, N], C: int32[M, N]) -> None:
        @dato.kernel(mapping=[4, 4], args=[A, B, C])
        def tile(
            a: dato.int8[M, K] @ [S(0), R],
            b: dato.int8[K, N] @ [R, S(1)],
            c: int32[M, N] @ [S(0), S(1)],
        ):
            c[:, :] = dato.matmul(a, b)

    return gemm


def bundles_2x2() -> list[tuple[str, list[str]]]:
    return [
        ("bundle", [f"tile_{i}_{j}" for i in (2 * r, 2 * r + 1) for j in (2 * c, 2 * c + 1)])
        for r in range(2)
        for c in range(2)
    ]


@pytest.mark.parametrize("device", ["npu1", "npu2"])
def test_mlir_aie_gemm_kernels_are_records_too(device, tmp_path):
    """mm.cc's kernels: records whose source is the user's mlir-aie, built into
    an object of their own with mlir-aie's names and flags."""
    mod = dato.build(
        gemm_program(64, 64, 256),
        target="aie",
        device=device,
        project=tmp_path,
        mapping_primitives=bundles_2x2(),
    )
    [obj] = mm_objects(mod.ir)
    kt = obj.k
    arch = "aie2p" if device == "npu2" else "aie2"
    assert obj.name == f"mm_16x{kt}x16.o"
    flags = ("-DBIT_WIDTH=8", "-Di8_i32_ONLY", "-DDIM_M=16", f"-DDIM_K={kt}", "-DDIM_N=16")
    where = {
        "source": f"mlir-aie:{arch}/mm.cc",
        "reference": str(REFERENCE),
        "flags": flags,
        "object": obj.name,
    }
    c = MemRefType(I32, [16, 16])
    a, b = MemRefType(IntegerType(8), [16, kt]), MemRefType(IntegerType(8), [kt, 16])
    assert obj.records == (
        KernelDecl("zero_i32", (c,), (), (0,), **where),  # type: ignore[arg-type]
        KernelDecl("matmul_i8_i32", (a, b, c), (0, 1, 2), (2,), **where),  # type: ignore[arg-type]
    )
    # the record goes into IR and back unchanged (its object too)
    for record in obj.records:
        assert read_declaration(record.declaration()) == record
    # build.sh compiles mm.cc from the user's mlir-aie with makefile-common's
    # PEANOWRAP2_FLAGS and whole_array's defines
    want = (
        '"$PEANO_INSTALL_DIR/bin/clang++" -O2 -std=c++20 -Wno-parentheses -Wno-attributes '
        "-Wno-macro-redefined -Wno-empty-body -DNDEBUG \\\n"
        f"    --target={arch}-none-unknown-elf \\\n"
        f'    -I "$MLIR_AIE_DIR/include" -DBIT_WIDTH=8 -Di8_i32_ONLY -DDIM_M=16 -DDIM_K={kt} '
        "-DDIM_N=16 \\\n"
        f'    -c "$MM_KERNELS/{arch}/mm.cc" -o mm_16x{kt}x16.o\n'
    )
    script = (tmp_path / "build.sh").read_text()
    assert want in script
    assert want in own_object_lines(arch, obj.records)
    assert script.index(want) < script.index("aiecc.py --aie-generate-xclbin")
    # the host stand-in: the same defines around the blocked reference
    stand_in = (tmp_path / f"mm_16x{kt}x16.cc").read_text()
    defines = ["BIT_WIDTH 8", "i8_i32_ONLY 1", "DIM_M 16", f"DIM_K {kt}", "DIM_N 16"]
    assert [f"#define {d}" for d in defines] == re.findall(
        r"^#define (?!DATO_MMUL).*$", stand_in, re.M
    )
    rng = np.random.default_rng(5)
    x = rng.integers(-128, 128, (64, 256)).astype(np.int8)
    y = rng.integers(-128, 128, (256, 64)).astype(np.int8)
    z = np.zeros((64, 64), np.int32)
    mod(x, y, z)
    np.testing.assert_array_equal(z, x.astype(np.int32) @ y.astype(np.int32))


def test_call_problem_names_argument_and_types():
    vec = MemRefType(I32, [64])
    record = KernelDecl("k", (vec, I32), (0, 1), (0,))
    assert record.call_problem([vec, I32]) is None
    assert record.call_problem([vec]) == "@k takes 2 arguments, the call passes 1"
    assert (
        record.call_problem([MemRefType(I32, [32]), I32])
        == "@k argument 0 is memref<64xi32>, the call passes memref<32xi32>"
    )


def test_project_checks_every_call_against_its_record(tmp_path):
    """A library kernel's declaration that no longer fits its call is refused
    at the call, as a user's would be (one check for both)."""
    mod = dato.build(mixed_program(), target="aie", project=tmp_path)
    decl = next(
        op
        for op in mod.ir.walk()
        if isinstance(op, func.FuncOp) and op.sym_name.data.startswith("dato_add_i32_")
    )
    inputs = list(decl.function_type.inputs.data)
    short = MemRefType(I32, [7])
    decl.function_type = FunctionType.from_lists([short, *inputs[1:]], [])
    with pytest.raises(LocatedDiagnostic) as err:
        kernel_objects(mod.ir)
    message = str(err.value)
    assert f"@{decl.sym_name.data} argument 0 is memref<7xi32>, the call passes {inputs[0]}" in (
        message
    )


def test_kernel_of_its_own_object_is_not_put_into_a_core_object(tmp_path):
    """A record naming an object of its own (dato.kernel_object) is compiled
    there; a core linking a core object instead would not find its code."""
    mod = dato.build(mixed_program(), target="aie", project=tmp_path)
    decl = next(
        op
        for op in mod.ir.walk()
        if isinstance(op, func.FuncOp) and op.sym_name.data == "scale_add"
    )
    decl.attributes[OBJECT] = StringAttr("scale_add.o")
    with pytest.raises(LocatedDiagnostic) as err:
        kernel_objects(mod.ir)
    assert re.search(
        r"calls @scale_add, whose code is compiled into scale_add.o, but links core_kernels_\d+.o",
        str(err.value),
    )


def test_library_record_from_another_install_is_still_the_library():
    """A design lowered elsewhere names that machine's dato_kernels.cc: its
    library kernels still get their entries, not an include of that path."""
    vec = MemRefType(I32, [64])
    record = KernelDecl(
        "dato_mul_i32_64",
        (vec, vec, vec),
        (0, 1),
        (2,),
        source="/elsewhere/dato_xdsl/targets/aie/kernels/dato_kernels.cc",
        reference="/elsewhere/dato_xdsl/targets/aie/kernels/dato_kernels.cc",
    )
    assert library_entry(read_declaration(record.declaration())) == (
        'extern "C" void dato_mul_i32_64(const int32_t* a, const int32_t* b, int32_t* c) '
        "{ dato_mul_i32(a, b, c, 64); }"
    )
    user = KernelDecl("dato_mul_i32_64", (vec, vec, vec), (0, 1), (2,), source="/x/mul.cc")
    assert library_entry(user) is None  # a user's kernel of that name is the user's
