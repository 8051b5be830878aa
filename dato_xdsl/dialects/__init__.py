"""dialects of dato-xdsl."""
