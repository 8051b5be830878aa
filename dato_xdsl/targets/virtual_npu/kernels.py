"""External kernels: the C/C++ source a core links with, compiled by the host
compiler into a cached shared library and called through ctypes (the build
and the cache are the simulator's host_kernels.py; failures here are the
virtual NPU's KernelError).

`link_with = "mm.o"` on a core (or on the `func.func private` declaration) names
the object the AIE toolchain would link; here `mm.cc`, `mm.cpp` or `mm.c` is
looked up in the kernel directories and built with `g++ -O2 -shared -fPIC`.
Libraries are cached under `$DATO_CACHE_DIR` (default
`~/.cache/dato-xdsl/kernels`) by a hash of everything that goes into them: the
compiler command and version, the source, and every source or header file in
its directory (the include path: a project's kernels.cc includes
dato_kernels.cc), so the kernel source itself is what runs."""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from pathlib import Path

from dato_xdsl.targets.simulator import host_kernels
from dato_xdsl.targets.simulator.host_kernels import (
    C_FLAGS,
    CXX_FLAGS,
    HEADER_SUFFIXES,
    SOURCE_SUFFIXES,
    bf16_bits,
    bind_function,
    cache_dir,
    cache_key,
    ctype_of,
    pointer,
    python_kernel,
    reference_kernel,
    scalar_kind,
)
from dato_xdsl.targets.virtual_npu.errors import KernelError

PACKAGE_KERNELS = Path(__file__).resolve().parent.parent / "aie" / "kernels"
"""The project's kernel library (dato_kernels.cc)."""


def find_source(object_name: str, dirs: Sequence[Path]) -> Path | None:
    """`mm.o` -> the first `mm.cc/.cpp/.cxx/.c` in `dirs`."""
    stem = Path(object_name).name
    for suffix in (".o", ".a", ".so"):
        stem = stem.removesuffix(suffix)
    for directory in dirs:
        for suffix in SOURCE_SUFFIXES:
            candidate = Path(directory) / (stem + suffix)
            if candidate.is_file():
                return candidate
    return None


def build_library(source: Path, extra: Sequence[str] = ()) -> Path:
    """Compile `source` with `extra` flags into a cached shared library."""
    return host_kernels.build_library(source, extra, KernelError)


def load_library(source: Path, extra: Sequence[str] = ()) -> ctypes.CDLL:
    return host_kernels.load_library(source, extra, KernelError)


__all__ = [
    "CXX_FLAGS",
    "C_FLAGS",
    "HEADER_SUFFIXES",
    "PACKAGE_KERNELS",
    "SOURCE_SUFFIXES",
    "bf16_bits",
    "bind_function",
    "build_library",
    "cache_dir",
    "cache_key",
    "ctype_of",
    "find_source",
    "load_library",
    "pointer",
    "python_kernel",
    "reference_kernel",
    "scalar_kind",
]
