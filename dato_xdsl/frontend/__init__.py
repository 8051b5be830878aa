"""frontend of dato-xdsl."""
