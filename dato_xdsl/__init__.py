"""dato-xdsl: a compiler for the Dato programming model of dataflow accelerators.

`import dato_xdsl as dato` gives the Python API: element types, `Stream`,
`Layout`, `@dato.region()`, `@dato.kernel(...)`, `dato.build`."""

from dato_xdsl.frontend import *  # noqa: F403
from dato_xdsl.frontend import __all__  # noqa: F401
