"""Errors a Dato program author sees: each names the Python file and line."""

from __future__ import annotations


class DatoError(Exception):
    """Base of every error the compiler reports to users."""


class DatoCompileError(DatoError):
    """Bad input in a Dato program, located at the offending Python line."""

    def __init__(self, message: str, filename: str, line: int) -> None:
        super().__init__(f"{filename}:{line}: error: {message}")
        self.message = message
        self.filename = filename
        self.line = line


class DatoArgumentError(DatoError):
    """A call of a built module with arrays that do not match its signature."""


class DatoIRError(DatoError):
    """The compiled IR breaks a rule of its dialect; the message names the op
    and the Python line it came from."""


class DatoRuntimeError(DatoError):
    """Running the program failed (deadlock, out-of-bounds access, streams left
    non-empty); the message names the task instance, the stream or the op."""
