"""The array and math builtins of kernel bodies beyond the first set in
markers.py: `dato.div`, `dato.tanh`, `dato.sum(x, axis=...)`, ... (Allo's
spellings where Allo has them: `power`, `relu`, `transpose(x, axes)`).
Like every marker they only identify a call; the frontend compiles it."""

from __future__ import annotations

from dato_xdsl.frontend.markers import _marker

div = _marker("div")
power = _marker("power")
pow = _marker("pow")
rsqrt = _marker("rsqrt")
tanh = _marker("tanh")
erf = _marker("erf")
abs = _marker("abs")
floor = _marker("floor")
ceil = _marker("ceil")
sigmoid = _marker("sigmoid")
relu = _marker("relu")
log2 = _marker("log2")
log10 = _marker("log10")
sin = _marker("sin")
cos = _marker("cos")
sum = _marker("sum")
max = _marker("max")
min = _marker("min")
mean = _marker("mean")
transpose = _marker("transpose")
copy = _marker("copy")

__all__ = [
    "abs",
    "ceil",
    "copy",
    "cos",
    "div",
    "erf",
    "floor",
    "log10",
    "log2",
    "max",
    "mean",
    "min",
    "pow",
    "power",
    "relu",
    "rsqrt",
    "sigmoid",
    "sin",
    "sum",
    "tanh",
    "transpose",
]
