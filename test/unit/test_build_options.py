"""Build options Allo users pass to `df.build`: `profile=True` prints per-task
times labelled measured (simulator) or modeled (aie, hls); Allo's target and
mode names, `device_type=`, and its hardware-only options (`trace=`,
`warmup=`, `num_iters=`, `wrap_io=`) are read as Allo means them (checked, and
a warning where they cannot act here); anything else is refused by name."""

import importlib
import re

import numpy as np
import pytest

import dato_xdsl as dato
from dato_xdsl import Stream, int32


def producer_consumer():
    """p puts A + 1 through a stream; c writes (x * 3) into B."""

    @dato.region()
    def top(A: int32[8], B: int32[8]):
        s: Stream[int32, 2]

        @dato.kernel(mapping=[1], args=[A])
        def p(a: int32[8]):
            for i in range(8):
                s.put(a[i] + 1)  # noqa: F821

        @dato.kernel(mapping=[1], args=[B])
        def c(b: int32[8]):
            for i in range(8):
                b[i] = s.get() * 3  # noqa: F821

    return top


def run(target, tmp_path, capsys):
    mod = dato.build(producer_consumer(), target=target, project=tmp_path, profile=True)
    A = np.arange(8, dtype=np.int32)
    B = np.zeros(8, np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, (A + 1) * 3)
    return capsys.readouterr().out


def test_simulator_profile_is_measured_per_task_instance(tmp_path, capsys):
    out = run("simulator", tmp_path, capsys)
    assert "simulator profile (measured" in out
    times = {m[0]: float(m[1]) for m in re.findall(r"^\s+(\S+(?: run)?)\s+([\d.]+) ms$", out, re.M)}
    assert set(times) == {"p_0", "c_0", "whole run"}
    assert all(t > 0 for t in times.values())
    assert times["p_0"] + times["c_0"] <= times["whole run"]


def test_aie_profile_is_the_modeled_per_core_figure(tmp_path, capsys):
    out = run("aie", tmp_path, capsys)
    assert "aie profile (modeled" in out and "measured on" not in out.replace("not measured", "")
    cores = re.findall(r"^\s+core \((\d+), (\d+)\) \(([^)]*)\)\s+busy ([\d,]+) cycles", out, re.M)
    assert sorted(name for *_, name, _ in cores) == ["c_0", "p_0"]
    assert all(int(busy.replace(",", "")) > 0 for *_, busy in cores)


def test_hls_profile_is_the_estimate(tmp_path, capsys):
    out = run("hls", tmp_path, capsys)
    assert "hls profile (modeled" in out
    # each task's loop runs 8 times at II=1 at least: no estimate below 8 cycles
    lat = dict(re.findall(r"^\s+(\w+) \(\w+\)\s+([\d,]+) cycles$", out, re.M))
    assert {"p_0", "c_0"} <= set(lat)
    assert all(int(lat[k].replace(",", "")) >= 8 for k in ("p_0", "c_0"))


def test_no_profile_prints_nothing(tmp_path, capsys):
    mod = dato.build(producer_consumer())
    mod(np.arange(8, dtype=np.int32), np.zeros(8, np.int32))
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("option", ["configs", "enable_tensor", "tracee"])
def test_unknown_options_are_named(option):
    with pytest.raises(dato.DatoError) as info:
        dato.build(producer_consumer(), **{option: 1})
    message = str(info.value)
    assert f"no option '{option}'" in message
    assert "profile" in message and "mapping_primitives" in message


def expect_result(mod) -> None:
    a = np.arange(8, dtype=np.int32)
    b = np.zeros(8, np.int32)
    mod(a, b)
    np.testing.assert_array_equal(b, (a + 1) * 3)


def test_allo_target_and_mode_names(tmp_path):
    # Allo's df.build(top, target="vitis_hls", mode="csim"): our hls C simulation
    mod = dato.build(producer_consumer(), target="vitis_hls", mode="csim", project=tmp_path)
    assert mod.target == "hls"
    expect_result(mod)


def test_allo_hardware_modes_say_what_to_run():
    with pytest.raises(dato.DatoError, match=r"mode 'hw_emu' runs Vitis.*build_xclbin.sh"):
        dato.build(producer_consumer(), target="vitis_hls", mode="hw_emu")


def test_device_type_names_the_device():
    mod = dato.build(producer_consumer(), target="aie", device_type="npu2")
    assert "aie.device(npu2)" in str(mod.ir)
    expect_result(mod)
    mod = dato.build(producer_consumer(), target="aie", device_type="npu1_4col")
    assert "aie.device(npu1)" in str(mod.ir)
    with pytest.raises(dato.DatoError, match="disagree"):
        dato.build(producer_consumer(), target="aie", device="npu1", device_type="npu2")


def test_hardware_only_options_warn_and_build():
    with pytest.warns(dato.HardwareOptionWarning, match="trace=") as caught:
        mod = dato.build(
            producer_consumer(),
            target="aie",
            trace=[("p", (0,)), ("c", (0,))],
            trace_size=32768,
        )
    assert caught[0].filename == __file__  # located at the user's build line
    expect_result(mod)
    with pytest.warns(dato.HardwareOptionWarning, match="num_iters"):
        mod = dato.build(producer_consumer(), warmup=20, num_iters=100)
    expect_result(mod)
    expect_result(dato.build(producer_consumer(), wrap_io=False))


@pytest.mark.parametrize(
    "option",
    [{"warmup": -1}, {"num_iters": 1.5}, {"wrap_io": "yes"}, {"trace": ["p"]}, {"device_type": 3}],
)
def test_allo_options_are_checked(option):
    with pytest.raises(dato.DatoError, match=f"{next(iter(option))}="):
        dato.build(producer_consumer(), **option)


def test_profile_must_be_a_bool():
    with pytest.raises(dato.DatoError, match="profile= takes True or False"):
        dato.build(producer_consumer(), profile="yes")


def test_a_compiler_bug_is_named_as_one(monkeypatch):
    # a Python error inside a pass is the compiler's bug: no compiler traceback,
    # a message that says so and names the error; DATO_TRACEBACK=1 keeps it raw
    # the module, not the function `build` that dato_xdsl.frontend re-exports
    build_module = importlib.import_module("dato_xdsl.frontend.build")

    def broken(passes, module):
        raise KeyError("lost tile")

    monkeypatch.setattr(build_module, "_apply", broken)
    with pytest.raises(dato.DatoInternalError) as info:
        dato.build(producer_consumer(), target="aie")
    message = str(info.value)
    assert "internal compiler error while building for target 'aie'" in message
    assert "KeyError: 'lost tile'" in message and "DATO_TRACEBACK=1" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert not isinstance(info.value, dato.DatoError)  # not a refusal of the program
    monkeypatch.setenv("DATO_TRACEBACK", "1")
    with pytest.raises(KeyError, match="lost tile"):
        dato.build(producer_consumer(), target="aie")
