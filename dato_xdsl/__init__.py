"""dato-xdsl: a compiler for the Dato programming model of dataflow accelerators."""
