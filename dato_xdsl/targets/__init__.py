"""targets of dato-xdsl."""
