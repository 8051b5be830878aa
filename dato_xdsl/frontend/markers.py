"""Names a kernel body uses: `get_pid`, `grid`, `meta_if`, `matmul`, ...

The frontend compiles kernels from their source; these objects only identify
what a call means (the frontend resolves each callee to one of them). Called
directly from Python they say so instead of doing something half-right."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

_MARKERS: dict[int, str] = {}


def _marker(name: str) -> Callable[..., Any]:
    def fn(*args: object, **kwargs: object) -> Any:
        raise RuntimeError(
            f"dato.{name} is only meaningful inside a @dato.kernel compiled by dato.build"
        )

    fn.__name__ = name
    fn.__qualname__ = name
    _MARKERS[id(fn)] = name
    return fn


def marker_name(obj: object) -> str | None:
    """The builtin a Python object stands for in kernel code, if any."""
    return _MARKERS.get(id(obj))


get_pid = _marker("get_pid")
grid = _marker("grid")
meta_if = _marker("meta_if")
meta_elif = _marker("meta_elif")
meta_else = _marker("meta_else")
meta_for = _marker("meta_for")
matmul = _marker("matmul")
add = _marker("add")
sub = _marker("sub")
mul = _marker("mul")
exp = _marker("exp")
log = _marker("log")
sqrt = _marker("sqrt")
maximum = _marker("maximum")
minimum = _marker("minimum")
gather = _marker("gather")
scatter = _marker("scatter")


class RegionDef:
    """A function decorated with `@dato.region()`: the top of a Dato program."""

    def __init__(self, fn: Callable[..., Any], enclosing: dict[str, object] | None = None) -> None:
        self.fn = fn
        self.bound = {}
        self.enclosing = enclosing or {}
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__

    # values of the region's type parameters (`def inner[P0, P1](...)`, Python >= 3.12)
    bound: dict[str, object]
    # the enclosing function's locals when the region was defined: under `from
    # __future__ import annotations` a name used only in annotations (`A: T[N]`
    # in a program factory) is not in the region's closure
    enclosing: dict[str, object]

    def __getitem__(self, values: object) -> RegionDef:
        """`inner[2, 2]`: the region with its type parameters bound, as Allo
        instantiates a parametrised region."""
        from dato_xdsl.frontend.errors import DatoError

        names = [p.__name__ for p in getattr(self.fn, "__type_params__", ())]
        given = list(values) if isinstance(values, tuple) else [values]
        if len(given) != len(names):
            raise DatoError(
                f"region {self.__name__} has {len(names)} type parameter(s) "
                f"{names}, got {len(given)}"
            )
        instance = RegionDef(self.fn, self.enclosing)
        instance.bound = dict(zip(names, given, strict=True))
        return instance

    def __call__(self, *args: object) -> None:
        from dato_xdsl.frontend.errors import DatoError

        raise DatoError(
            f"{self.fn.__name__} is a Dato region: compile it with dato.build({self.fn.__name__})"
        )


def region() -> Callable[[Callable[..., Any]], RegionDef]:
    """`@dato.region()` on the top-level function of a program."""

    def wrap(fn: Callable[..., Any]) -> RegionDef:
        frame = sys._getframe(1)  # where the decorated function is defined
        enclosing = dict(frame.f_locals) if frame.f_locals is not fn.__globals__ else {}
        return RegionDef(fn, enclosing)

    return wrap


def kernel(
    mapping: list[int] | None = None, args: list[object] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`@dato.kernel(mapping=[P0, ...], args=[A, ...])` inside a region. The
    frontend reads the decorator from the source; at run time it is inert."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        return fn

    return wrap


task = kernel
_MARKERS[id(kernel)] = "kernel"
