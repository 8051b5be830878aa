"""Errors a Dato program author sees: each names the Python file and line."""

from __future__ import annotations

from dato_xdsl.errors import (
    DatoArgumentError,
    DatoError,
    DatoInternalError,
    DatoIRError,
    DatoRuntimeError,
)


class DatoCompileError(DatoError):
    """Bad input in a Dato program, located at the offending Python line."""

    def __init__(self, message: str, filename: str, line: int) -> None:
        super().__init__(f"{filename}:{line}: error: {message}")
        self.message = message
        self.filename = filename
        self.line = line


__all__ = [
    "DatoArgumentError",
    "DatoCompileError",
    "DatoError",
    "DatoIRError",
    "DatoInternalError",
    "DatoRuntimeError",
]
