"""Seeded random valid Dato programs with their numpy model.

`generate(seed)` writes the source of a pipeline of task grids joined by stream
arrays (elementwise steps, pid-dependent `meta_if` steps, runtime branches,
reductions, a block stream whose block nobody reads) and computes, with numpy
and independently of every executor, what each output must hold. The source is
the reproducer: a failing run prints it with its seed."""

from __future__ import annotations

import importlib.util
import os
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np

# (Dato expression of `v`, numpy function of the same) per elementwise step;
# `{c}` is a small constant drawn per use
_STEPS: list[tuple[str, Callable[[np.ndarray, int], np.ndarray]]] = [
    ("v + {c}", lambda v, c: v + c),
    ("v - {c}", lambda v, c: v - c),
    ("v * {c}", lambda v, c: v * c),
    ("v * v", lambda v, c: v * v),
    ("max(v, v)", lambda v, c: v),
    ("min(v, v)", lambda v, c: v),
    ("max(v, {c})", lambda v, c: np.maximum(v, c)),
    ("min(v, {c})", lambda v, c: np.minimum(v, c)),
    ("v", lambda v, c: v),
]
# integer-only steps: wrap-around products and shifts of the bits
_INT_STEPS: list[tuple[str, Callable[[np.ndarray, int], np.ndarray]]] = [
    ("v * 65537", lambda v, c: v * 65537),
    ("v & {m}", lambda v, c: v & c),
]


@dataclass
class Program:
    seed: int
    source: str
    dtype: str
    inputs: dict[str, np.ndarray]
    expected: dict[str, np.ndarray]
    outputs: list[str] = field(default_factory=list)

    def load(self, directory: str) -> object:
        """Import the source from a file (the frontend reads it back) and
        return its region."""
        name = f"dato_random_{self.seed}"
        path = os.path.join(directory, f"{name}.py")
        with open(path, "w") as f:
            f.write(self.source)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module: ModuleType = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module.top

    def arrays(self) -> list[np.ndarray]:
        """Fresh arguments in order: inputs, then zeroed outputs."""
        args = [a.copy() for a in self.inputs.values()]
        args += [np.zeros_like(self.expected[n]) for n in self.outputs]
        return args

    def reproducer(self) -> str:
        return f"# random program, seed {self.seed}\n{self.source}"


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.dtype = self.rng.choice(["int32", "int32", "int16", "int8", "float32"])
        self.np = {"int32": np.int32, "int16": np.int16, "int8": np.int8}.get(
            self.dtype, np.float32
        )
        self.is_int = self.dtype != "float32"
        self.lines: list[str] = []

    def const(self) -> int:
        return self.rng.randint(-5, 5)

    def step(self, v: np.ndarray) -> tuple[str, np.ndarray]:
        steps = _STEPS + (_INT_STEPS if self.is_int else [])
        if self.dtype != "int32":  # literals must fit the narrower type
            steps = [s for s in steps if "65537" not in s[0]]
        text, fn = self.rng.choice(steps)
        c = self.const()
        m = self.rng.choice([0x0F, -2] + ([0xFF, 0x7FFF0000] if self.dtype == "int32" else []))
        wide = v.astype(np.int64) if self.is_int else v
        out = fn(wide, m if "{m}" in text else c)
        return text.format(c=c, m=m), self.wrap(out)

    def wrap(self, x: np.ndarray) -> np.ndarray:
        # int32 wraps (two's complement), float32 rounds per operation
        return np.asarray(x).astype(self.np)

    def chain(self, v: np.ndarray, depth: int) -> tuple[list[str], np.ndarray]:
        """`depth` elementwise steps, each rebinding `v`."""
        code = []
        for _ in range(depth):
            text, v = self.step(v)
            code.append(f"v = {text}")
        return code, v

    def generate(self) -> Program:
        rng = self.rng
        T = self.dtype
        P = rng.choice([1, 2, 2, 4])
        # the NPU moves 32-bit words: a slice row holds a whole number of them
        L = rng.choice({"int8": [4, 8], "int16": [2, 4]}.get(T, [2, 4]))
        N = P * L
        stages = rng.randint(0, 2)  # middle stages between the load and the store
        depths = [rng.choice([1, 2, 4]) for _ in range(stages + 1)]
        block_side = rng.random() < 0.4
        reduce = rng.random() < 0.3
        span = 50 if T == "int32" else 20
        A = np.array([rng.randint(-span, span) for _ in range(N)], self.np)
        # a scalar taken from a stream and never used (32-bit types: a lone
        # narrow element is no whole DMA word)
        token = T in ("int32", "float32") and rng.random() < 0.3
        # narrow scalars travel packed into 32-bit words between NPU tiles
        packing = {"int8": ", 4", "int16": ", 2"}.get(T, "")
        v = A.copy()
        src = [
            "import dato_xdsl as dato",
            f"from dato_xdsl import Layout, Stream, {T}",
            "",
            "S = Layout.Shard",
            "",
            "",
            "@dato.region()",
            f"def top(A: {T}[{N}], OUT: {T}[{N}]):",
        ]
        for k, d in enumerate(depths):
            src.append(f"    s{k}: Stream[{T}, {d}{packing}][{P}]")
        if block_side:
            src.append(f"    side: Stream[{T}[4], 2]")
        if token:
            src.append(f"    tok: Stream[{T}, 1]")
        # the loader
        body, v = self.pid_step(v, P, L)
        src += [
            "",
            f"    @dato.kernel(mapping=[{P}], args=[A])",
            f"    def load(a: {T}[{N}] @ [S(0)]):",
            "        p = dato.get_pid()",
        ]
        if block_side:
            src += [
                "        with dato.meta_if(p == 0):",
                f"            buf: {T}[4] = 0",
                "            buf[1] = a[0]",
                "            side.put(buf)",
            ]
        if token:
            src += ["        with dato.meta_if(p == 0):", "            tok.put(a[0])"]
        src += [f"        for i in range({L}):", "            v = a[i]"]
        src += [f"            {line}" for line in body]
        src.append("            s0[p].put(v)")
        # middle stages
        for k in range(1, stages + 1):
            body, v = self.pid_step(v, P, L)
            src += [
                "",
                f"    @dato.kernel(mapping=[{P}])",
                f"    def stage{k}():",
                "        p = dato.get_pid()",
                f"        for i in range({L}):",
                f"            v = s{k - 1}[p].get()",
            ]
            src += [f"            {line}" for line in body]
            src.append(f"            s{k}[p].put(v)")
        # the store: elementwise, or a sum of the instance's slice into its first element
        last = f"s{stages}"
        src += [
            "",
            f"    @dato.kernel(mapping=[{P}], args=[OUT])",
            f"    def store(o: {T}[{N}] @ [S(0)]):",
            "        p = dato.get_pid()",
        ]
        if block_side:
            src += ["        with dato.meta_if(p == 0):", "            unused = side.get()"]
        if token:
            src += ["        with dato.meta_if(p == 0):", "            t = tok.get()"]
        if reduce:
            src += [
                f"        acc: {T} = 0",
                f"        for i in range({L}):",
                f"            acc += {last}[p].get()",
                "        o[0] = acc",
            ]
            out = np.zeros(N, self.np)
            for p in range(P):
                part = v[p * L : (p + 1) * L]
                if self.is_int:  # wraps: the sum modulo 2^width
                    out[p * L] = self.wrap(np.array(part.astype(np.int64).sum()))
                else:  # float32 rounds after every addition, in order
                    total = np.float32(0)
                    for x in part:
                        total = np.float32(total + x)
                    out[p * L] = total
        else:
            threshold = self.const()
            src += [
                f"        for i in range({L}):",
                f"            v = {last}[p].get()",
                f"            if v > {threshold}:",
                "                o[i] = v",
                "            else:",
                f"                o[i] = v - {threshold}",
            ]
            wide = v.astype(np.int64) if self.is_int else v
            out = self.wrap(np.where(wide > threshold, wide, wide - threshold))
        source = "\n".join(src) + "\n"
        return Program(self.seed, source, T, {"A": A}, {"OUT": out}, ["OUT"])

    def pid_step(self, v: np.ndarray, P: int, L: int) -> tuple[list[str], np.ndarray]:
        """Elementwise steps; with probability 1/2 instance 0 takes other steps
        than the rest (a meta_if on the pid)."""
        if P == 1 or self.rng.random() < 0.5:
            return self.chain(v, self.rng.randint(0, 2))
        first, v0 = self.chain(v[:L], self.rng.randint(1, 2))
        rest, vr = self.chain(v[L:], self.rng.randint(0, 2))
        code = ["with dato.meta_if(p == 0):", *(f"    {c}" for c in first)]
        code += ["with dato.meta_else():", *(f"    {c}" for c in (rest or ["pass"]))]
        return code, np.concatenate([v0, vr])


def generate(seed: int) -> Program:
    return _Gen(seed).generate()
