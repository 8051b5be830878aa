"""The errors users of `dato.build` and of a built module see.

They sit below the frontend and the targets so both raise the same classes: the
frontend for bad programs and IR, a target's module for bad arguments and failed
runs. The frontend re-exports them (`dato.DatoError`, ...)."""

from __future__ import annotations


class DatoError(Exception):
    """Base of every error the compiler reports to users."""


class DatoArgumentError(DatoError):
    """A call of a built module with arrays that do not match its signature."""


class DatoIRError(DatoError):
    """The compiled IR breaks a rule of its dialect; the message names the op
    and the Python line it came from."""


class DatoRuntimeError(DatoError):
    """Running the program failed (deadlock, out-of-bounds access, streams left
    non-empty); the message names the task instance, the stream or the op."""


class DatoInternalError(Exception):
    """A Python error inside the compiler while building: a bug of ours, not of
    the program. Not a DatoError, so tests that accept refusals still see it;
    the message names the error, and DATO_TRACEBACK=1 keeps the traceback."""
