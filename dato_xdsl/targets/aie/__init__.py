"""The NPU target: kernel library, project writer, resource report."""
