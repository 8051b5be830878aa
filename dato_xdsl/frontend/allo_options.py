"""The keywords Allo's `df.build` takes, read as ours.

A program ported from Allo keeps its `df.build(...)` line: its target names
(`"vitis_hls"`), its HLS modes (`"csim"`), `device_type=` and the options that
only matter on hardware (`trace=`, `warmup=`, `num_iters=`, `wrap_io=`) must
build, and say so where they do nothing here. Anything else stays an error."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from dato_xdsl.frontend.errors import DatoError

TARGET_ALIASES: dict[str, str] = {
    # Allo's FPGA backends that emit Vitis-style HLS C++: ours is one target
    "vitis_hls": "hls",
    "vhls": "hls",
    "vivado_hls": "hls",
}

HLS_MODE_ALIASES: dict[str, str | None] = {
    # Allo's "csim" is a C simulation: our default mode for hls
    "csim": None,
}

HLS_TOOL_MODES: tuple[str, ...] = ("csyn", "sw_emu", "hw_emu", "hw", "impl", "cosim")
"""Allo's modes that run Vitis itself: no equivalent on a machine without it"""

ALLO_OPTIONS: tuple[str, ...] = (
    "device_type",
    "trace",
    "trace_size",
    "warmup",
    "num_iters",
    "wrap_io",
)


class HardwareOptionWarning(UserWarning):
    """An Allo build option that only acts on real hardware, accepted without effect here."""


@dataclass(frozen=True)
class AlloOptions:
    target: str
    mode: str | None
    device: str


def read_allo_options(
    target: str, mode: str | None, device: str | None, options: dict[str, Any]
) -> AlloOptions:
    """`target`, `mode` and `device` with Allo's spellings read as ours;
    `options` holds the Allo-only keywords (a subset of ALLO_OPTIONS), checked
    and, where they cannot act here, reported with a HardwareOptionWarning."""
    target = TARGET_ALIASES.get(target, target) if isinstance(target, str) else target
    if target == "hls" and isinstance(mode, str):
        if mode in HLS_TOOL_MODES:
            raise DatoError(
                f"mode {mode!r} runs Vitis, which dato.build does not call: build with "
                f"project=DIR and run DIR/build_xclbin.sh (sw_emu|hw_emu|hw) or "
                f"DATO_HLS_STEPS=csynth vitis_hls -f DIR/run_hls.tcl"
            )
        mode = HLS_MODE_ALIASES.get(mode, mode)
    device_type = options.get("device_type")
    if device_type is not None:
        if not isinstance(device_type, str):
            raise DatoError(f"device_type= takes a device name, got {device_type!r}")
        if device is not None and device != device_type:
            raise DatoError(f"device={device!r} and device_type={device_type!r} disagree")
        device = device_type
    for name in ("warmup", "num_iters", "trace_size"):
        value = options.get(name)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            raise DatoError(f"{name}= takes a non-negative integer, got {value!r}")
    wrap_io = options.get("wrap_io", True)
    if not isinstance(wrap_io, bool):
        raise DatoError(f"wrap_io= takes True or False, got {wrap_io!r}")
    trace = options.get("trace")
    if trace is not None:
        if not isinstance(trace, list | tuple) or not all(
            isinstance(t, tuple | list) and len(t) == 2 and isinstance(t[0], str) for t in trace
        ):
            raise DatoError(f"trace= takes [(kernel name, instance index), ...], got {trace!r}")
        # stack: read_allo_options, build_compiled, build (or Schedule.build), the user's line
        warnings.warn(
            "trace=: the NPU's hardware event trace is not emitted (no device here); "
            "profile=True gives the performance model's per-core times",
            HardwareOptionWarning,
            stacklevel=4,
        )
    if "warmup" in options or "num_iters" in options:
        warnings.warn(
            "warmup=/num_iters= repeat runs on hardware; here each call runs once "
            "(profile=True measures or models that one run)",
            HardwareOptionWarning,
            stacklevel=4,
        )
    return AlloOptions(target=target, mode=mode, device=device or "npu1")
