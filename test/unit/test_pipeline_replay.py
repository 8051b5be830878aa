"""`dato-opt --pipeline <target>` prints what `dato.build` runs: replaying it with
`dato-opt -p` on the frontend's IR gives the target's IR text for text, and the
target's `-t` emitter writes the files the built project holds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import dato_xdsl as dato
from dato_xdsl.driver import main
from dato_xdsl.targets import registry
from test.unit.programs import dato_programs as progs


def dato_opt(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    main(list(args))
    return capsys.readouterr().out


def test_pipeline_names_the_passes_of_each_target(capsys: pytest.CaptureFixture[str]) -> None:
    # the passes in the order docs/design-notes.md gives them
    assert dato_opt(capsys, "--pipeline", "simulator") == (
        "dato-virtual-map,dato-stream-legality\n"
    )
    assert dato_opt(capsys, "--pipeline", "aie{device=npu2}") == (
        "dato-virtual-map,dato-stream-legality,dato-npu-wide-integers,dato-table-copy-elision,"
        'dato-npu-constant-inputs{device="npu2" budget=-1},'
        'dato-npu-elide-loaders{device="npu2" always=false},'
        'dato-npu-write-pieces{device="npu2" whole_bytes=16384 cores=0},'
        "dato-splat-operands,dato-matmul-accumulate,dato-npu-converted-operands,"
        "dato-local-copy-elision,dato-npu-broadcast-streams,"
        'dato-put-in-place{device="npu2"},'
        'dato-npu-batch-split,dato-npu-retile-gemm{device="npu2"},dato-npu-retile-elementwise{device="npu2"},'
        "dato-npu-slice-boxes{whole_bytes=16384 disjoint_bytes=4096},"
        'dato-npu-fold-slices{device="npu2" budget=-1},'
        "dato-npu-read-boxes{whole_bytes=16384 disjoint_bytes=4096},"
        'dato-put-in-place{device="npu2"},'
        'dato-npu-chunk-rows{device="npu2" budget=-1},'
        'dato-npu-stream-reads{device="npu2" budget=-1},'
        'dato-physical-map{device="npu2" folding="auto"},dato-npu-broadcast-fifos,'
        "dato-npu-transfers,dato-npu-core-bodies,dato-npu-runtime-sequence,"
        "dato-npu-kernel-objects,dato-npu-pack-buffers{buffers=5},dato-npu-lock-budget\n"
    )
    assert dato_opt(capsys, "--pipeline", "hls") == (
        "dato-virtual-map,dato-stream-legality,convert-dato-to-vhls,vhls-burst-transfers,"
        "vhls-dataflow-lint\n"
    )


@pytest.mark.parametrize(
    "spec, message",
    [
        ("gpu", "unknown target 'gpu'; available: simulator, aie, hls"),
        ("hls{device=npu2}", "target 'hls' has no option 'device'; its options: bundle, chain"),
    ],
)
def test_pipeline_of_an_unknown_target_or_option_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], spec: str, message: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--pipeline", spec])
    assert info.value.code == 1
    assert capsys.readouterr().err == f"dato-opt: error: {message}\n"


@pytest.mark.parametrize("target", ["simulator", "aie", "hls"])
def test_replaying_the_pipeline_gives_the_targets_ir(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mod = dato.build(
        progs.producer_consumer(dato.int32, 16), target=target, project=tmp_path / "built"
    )
    source = tmp_path / "program.mlir"
    source.write_text(str(mod.module))
    spec = dato_opt(capsys, "--pipeline", target).strip()
    assert dato_opt(capsys, str(source), "-p", spec).strip() == str(mod.ir).strip()


def test_replayed_aie_project_is_the_built_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mod = dato.build(progs.producer_consumer(dato.int32, 16), target="aie", project=tmp_path / "a")
    source = tmp_path / "program.mlir"
    source.write_text(str(mod.module))
    spec = dato_opt(capsys, "--pipeline", "aie").strip()
    emitter = registry.lookup("aie").emitter  # type: ignore[union-attr]
    assert emitter == "aie-project"
    dato_opt(capsys, str(source), "-p", spec, "-t", f'{emitter}{{dir="{tmp_path / "b"}"}}')
    assert mod.project == tmp_path / "a"
    for name in ("aie.mlir", "kernels.cc"):
        assert (tmp_path / "b" / name).read_text() == (mod.project / name).read_text()


def test_replayed_hls_kernel_is_the_built_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mod = dato.build(progs.producer_consumer(dato.int32, 16), target="hls", project=tmp_path)
    source = tmp_path / "program.mlir"
    source.write_text(str(mod.module))
    spec = dato_opt(capsys, "--pipeline", "hls").strip()
    emitter = registry.lookup("hls").emitter  # type: ignore[union-attr]
    assert emitter == "vhls-cpp"
    cpp = dato_opt(capsys, str(source), "-p", spec, "-t", emitter)
    # the C simulation's diagnostics name where each op came from: the Python
    # line (or <unknown> for compiler-made ops) when built from Python, the
    # .mlir line when replayed from text
    located = re.compile(r'"(?:<unknown>|[^"\n]*:\d+:\d+): error: ')
    built = (tmp_path / "kernel.cpp").read_text().strip()
    assert located.search(built) and "dato_programs.py" in built
    assert located.sub('"LOC: error: ', cpp.strip()) == located.sub('"LOC: error: ', built)


def test_mapping_primitives_replay_as_pass_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mod = dato.build(
        progs.tiled_gemm(dato.int32, 8, 8, 8),
        mapping_primitives=[("bundle", ["gemm_0_0", "gemm_1_0"])],
    )
    source = tmp_path / "program.mlir"
    source.write_text(str(mod.module))
    spec = dato_opt(capsys, "--pipeline", 'simulator{bundle="gemm_0_0,gemm_1_0"}').strip()
    assert 'dato-mapping-primitives{bundle="gemm_0_0,gemm_1_0" chain=""}' in spec
    replayed = dato_opt(capsys, str(source), "-p", spec)
    assert "dato.bundle [@gemm_0_0, @gemm_1_0]" in replayed
    assert replayed.strip() == str(mod.ir).strip()
