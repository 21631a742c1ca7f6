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
    """A problem is ill-posed: a value is out of range, missing, or of the wrong type.

    ``field`` names the input it is about (its JSON name, e.g. ``distance_m``), if one: the
    message then reads "distance_m must be > 0, got -1", and the command line names its flag
    instead ("--distance must be > 0, got -1") from ``field`` and ``detail``."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, detail: str, *, field: str | None = None):
        super().__init__(f"{field} {detail}" if field else detail)
        self.field = field
        self.detail = detail
