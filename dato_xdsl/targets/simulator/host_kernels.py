"""Kernels built for the host: C/C++ sources compiled by the host compiler
into a cached shared library and called through ctypes. The simulator runs an
external kernel's C++ reference with it (`reference_kernel`); the virtual NPU
(virtual_npu/kernels.py) builds the objects cores link with it.

Sources are built with `g++ -O2 -shared -fPIC`. Libraries are cached under
`$DATO_CACHE_DIR` (default `~/.cache/dato-xdsl/kernels`) by a hash of
everything that goes into them: the compiler command and version, the source,
and every source or header file in its directory (the include path: a
project's kernels.cc includes dato_kernels.cc), so the kernel source itself is
what runs."""

from __future__ import annotations

import ctypes
import functools
import hashlib
import importlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import BFloat16Type, Float32Type, IndexType, IntegerType, MemRefType
from xdsl.ir import Attribute, Operation

from dato_xdsl.targets.simulator.errors import SimulationError
from dato_xdsl.targets.simulator.semantics import OpFailure
from dato_xdsl.transforms.kernel_decls import (
    PYTHON_REFERENCE,
    enclosing_declaration,
    read_declaration,
)

SOURCE_SUFFIXES = (".cc", ".cpp", ".cxx", ".c")
HEADER_SUFFIXES = (".h", ".hh", ".hpp")
CXX_FLAGS = ("-O2", "-shared", "-fPIC", "-std=c++17")
C_FLAGS = ("-O2", "-shared", "-fPIC", "-x", "c", "-std=c11")

_LOADED: dict[Path, ctypes.CDLL] = {}


class KernelBuildError(SimulationError):
    """A kernel the simulator calls is missing, fails to compile, or lacks a symbol."""


def cache_dir() -> Path:
    root = os.environ.get("DATO_CACHE_DIR")
    if root:
        return Path(root) / "kernels"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "dato-xdsl" / "kernels"


def _compiler(error: type[Exception] = KernelBuildError) -> str:
    for name in (os.environ.get("CXX"), "g++", "c++", "clang++"):
        if name and shutil.which(name):
            return name
    raise error("error: no host C++ compiler found (tried $CXX, g++, c++, clang++)")


@functools.cache
def _compiler_identity(compiler: str) -> bytes:
    """The resolved compiler and its `--version` banner: an upgraded g++ builds anew."""
    done = subprocess.run([compiler, "--version"], capture_output=True)
    return (shutil.which(compiler) or compiler).encode() + b"\0" + done.stdout + done.stderr


def cache_key(compiler: str, flags: Sequence[str], source: Path) -> str:
    """Hash of what the compile reads: compiler, flags, the source and every
    file it may include from its directory (the one `-I` the command passes)."""
    digest = hashlib.sha256()
    digest.update(_compiler_identity(compiler))
    digest.update("\0".join((compiler, *flags)).encode())
    digest.update(b"\0source\0" + source.name.encode() + b"\0" + source.read_bytes())
    for path in sorted(source.parent.iterdir()):
        if path.suffix in (*HEADER_SUFFIXES, *SOURCE_SUFFIXES) and path.is_file():
            content = path.read_bytes()
            digest.update(b"\0file\0%s\0%d\0" % (path.name.encode(), len(content)))
            digest.update(content)
    return digest.hexdigest()[:20]


def build_library(
    source: Path, extra: Sequence[str] = (), error: type[Exception] = KernelBuildError
) -> Path:
    """Compile `source` (with the user's `extra` flags, e.g. -D sizes) into a
    shared library (cached); return its path. Failures raise `error`."""
    compiler = _compiler(error)
    flags = (*(C_FLAGS if source.suffix == ".c" else CXX_FLAGS), *extra)
    key = cache_key(compiler, flags, source)
    out_dir = cache_dir()
    target = out_dir / f"{source.stem}-{key}.so"
    if target.is_file():
        return target
    out_dir.mkdir(parents=True, exist_ok=True)
    # build next to the target and rename: concurrent runs never see half a file
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        temp = Path(tmp) / target.name
        command = [compiler, *flags, f"-I{source.parent}", str(source), "-o", str(temp)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            log = result.stderr.strip().splitlines()
            shown = "\n".join(log[:20])
            raise error(
                f"{source}: error: the kernel does not compile with the host compiler (AIE "
                "API or intrinsics kernels need a plain C++ stand-in: dato-run --kernel "
                f"NAME=file.cc[:flags]):\n{shown}"
            )
        os.replace(temp, target)
    return target


def load_library(
    source: Path, extra: Sequence[str] = (), error: type[Exception] = KernelBuildError
) -> ctypes.CDLL:
    path = build_library(source, extra, error)
    if path not in _LOADED:
        _LOADED[path] = ctypes.CDLL(str(path))
    return _LOADED[path]


_SCALARS: dict[str, Any] = {
    "i8": ctypes.c_int8,
    "i16": ctypes.c_int16,
    "i32": ctypes.c_int32,
    "i64": ctypes.c_int64,
    "index": ctypes.c_int64,
    "f32": ctypes.c_float,
    "bf16": ctypes.c_uint16,  # bfloat16 travels as its 16 bits
}


def scalar_kind(t: Attribute) -> str | None:
    """How a scalar argument type is passed, or None if it cannot be."""
    if isinstance(t, IntegerType) and t.width.data in (8, 16, 32, 64):
        return f"i{t.width.data}"
    if isinstance(t, IndexType):
        return "index"
    if isinstance(t, Float32Type):
        return "f32"
    if isinstance(t, BFloat16Type):
        return "bf16"
    return None


def ctype_of(t: Attribute) -> Any:
    if isinstance(t, MemRefType):
        return ctypes.c_void_p
    kind = scalar_kind(t)
    return None if kind is None else _SCALARS[kind]


def bind_function(
    library: ctypes.CDLL, symbol: str, inputs: Sequence[Attribute], results: Sequence[Attribute]
) -> Any:
    fn = getattr(library, symbol)  # AttributeError: the caller reports it
    fn.argtypes = [ctype_of(t) for t in inputs]
    fn.restype = ctype_of(results[0]) if results else None
    return fn


def pointer(array: np.ndarray, what: str) -> int:
    """The address a kernel receives for a memref argument: the buffer must be
    contiguous, as the bare pointer a kernel gets on hardware assumes."""
    if not array.flags.c_contiguous:
        raise OpFailure(
            f"passes a strided view {list(array.shape)} as argument {what}; a kernel "
            "receives a bare pointer and would read the wrong elements"
        )
    return array.ctypes.data


def bf16_bits(value: Any) -> int:
    return int(np.asarray(value, dtype=ml_dtypes.bfloat16).view(np.uint16))


def python_function(reference: str, where: str) -> Callable[..., None] | None:
    """The numpy function a `python:` reference names (None for a C++ file)."""
    if not reference.startswith(PYTHON_REFERENCE):
        return None
    module_name, _, qualname = reference.removeprefix(PYTHON_REFERENCE).partition(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        raise KernelBuildError(
            f"{where}: error: the numpy reference {module_name}.{qualname} cannot be imported "
            "here (a reference is a module-level function of an importable module)"
        ) from None
    return target  # type: ignore[no-any-return]


def python_kernel(decl_op: Operation, where: str) -> Callable[..., None] | None:
    """For a declaration whose reference is a numpy function: a function of
    what the virtual NPU passes a kernel (a buffer address per memref, the
    scalar as ctypes takes it) that calls it on numpy arrays over those
    buffers. None when the reference is C++ (or absent)."""
    assert isinstance(decl_op, func.FuncOp)
    decl = read_declaration(decl_op)
    fn = python_function(decl.reference or "", where)
    if fn is None:
        return None
    views: list[Callable[[Any], Any]] = []
    for t in decl.arg_types:
        if isinstance(t, MemRefType):
            views.append(_array_at(t))
        elif scalar_kind(t) == "bf16":
            views.append(lambda bits: np.uint16(bits).view(ml_dtypes.bfloat16))
        else:
            views.append(lambda value: value)

    def run(*args: Any) -> None:
        fn(*(view(a) for view, a in zip(views, args, strict=True)))

    return run


def _array_at(t: MemRefType) -> Callable[[int], np.ndarray]:
    """A numpy view of a memref's buffer, given its address."""
    shape = tuple(t.get_shape())
    kind = scalar_kind(t.element_type)
    dtype = np.dtype(ml_dtypes.bfloat16) if kind == "bf16" else np.dtype(_NUMPY[kind or "i32"])
    count = int(np.prod(shape))

    def at(address: int) -> np.ndarray:
        raw = (ctypes.c_byte * (count * dtype.itemsize)).from_address(address)
        return np.frombuffer(raw, dtype=dtype).reshape(shape)

    return at


_NUMPY = {"i8": "int8", "i16": "int16", "i32": "int32", "i64": "int64", "f32": "float32"}


def reference_kernel(call: Operation, where: str) -> Callable[..., None]:
    """The C++ reference of the external kernel `call` names (its declaration
    record's `dato.kernel_reference`), compiled for the host, as a function of
    numpy views and scalars: what the simulator runs for a `func.call`. A
    strided view is passed as a contiguous copy (the kernel gets a bare
    pointer) and the outputs the record names are copied back."""
    assert isinstance(call, func.CallOp)
    symbol = call.callee.root_reference.data
    decl_op = enclosing_declaration(call, symbol)
    if decl_op is None or not decl_op.is_declaration:
        raise KernelBuildError(f"{where}: error: @{symbol} is not declared as an external kernel")
    decl = read_declaration(decl_op)
    python = python_function(decl.reference or "", where)
    if python is not None:
        return python  # numpy arrays in, outputs written in place
    if decl.reference is None:
        shown = f" (hardware source {decl.source})" if decl.source else ""
        raise KernelBuildError(
            f"{where}: error: external kernel @{symbol}{shown} has no C++ reference to run "
            "here; declare it with reference='kernel_ref.cc' (plain C++, same extern \"C\" "
            "symbol)"
        )
    source = Path(decl.reference)
    if not source.is_file():
        raise KernelBuildError(f"{where}: error: reference {source} of @{symbol} not found")
    library = load_library(source, decl.flags)
    try:
        fn = bind_function(library, symbol, decl.arg_types, [])
    except AttributeError:
        raise KernelBuildError(
            f'{where}: error: {source.name} defines no extern "C" symbol {symbol}'
        ) from None
    kinds = [None if isinstance(t, MemRefType) else scalar_kind(t) for t in decl.arg_types]
    outputs = set(decl.outputs)

    def run(*values: Any) -> None:
        args: list[Any] = []
        back: list[tuple[np.ndarray, np.ndarray]] = []
        for k, (value, kind) in enumerate(zip(values, kinds, strict=True)):
            if kind is None:
                array = value
                if not array.flags.c_contiguous:
                    array = np.ascontiguousarray(value)
                    if k in outputs:
                        back.append((array, value))
                args.append(array.ctypes.data)
            elif kind == "bf16":
                args.append(bf16_bits(value))
            elif kind == "f32":
                args.append(float(value))
            else:
                args.append(int(value))
        fn(*args)
        for array, view in back:
            view[...] = array

    return run


__all__ = [
    "PYTHON_REFERENCE",
    "python_function",
    "python_kernel",
    "C_FLAGS",
    "CXX_FLAGS",
    "HEADER_SUFFIXES",
    "SOURCE_SUFFIXES",
    "KernelBuildError",
    "bf16_bits",
    "bind_function",
    "build_library",
    "cache_dir",
    "cache_key",
    "load_library",
    "pointer",
    "reference_kernel",
    "scalar_kind",
]
