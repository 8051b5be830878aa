"""transforms of dato-xdsl."""
