"""Domain exceptions and the exit codes they map to (one place: cli.py)."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Exit status of the ``cannon`` command."""

    OK = 0
    #: bad input or a domain error: a value out of range, a malformed record
    BAD_INPUT = 1
    #: usage error, raised by typer/click for unknown options, missing values and the like
    USAGE = 2
    #: no solution: the target is unreachable, or the solver did not converge
    NO_SOLUTION = 3
    #: interrupted by Ctrl-C
    INTERRUPTED = 130
    #: the reader of stdout went away (``cannon ... | head -1``): 128 + SIGPIPE, as a shell says
    PIPE_CLOSED = 141


class CannonError(Exception):
    """Base class for errors that the CLI reports as one line."""

    exit_code = ExitCode.BAD_INPUT


class InputError(CannonError, ValueError):
    """A problem is ill-posed: a value is out of range, missing, or of the wrong type."""

    exit_code = ExitCode.BAD_INPUT
