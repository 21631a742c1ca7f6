"""The pictures' errors, in one place for the data (`io.pictures`), the drawing (`io.draw`) and
the command (`cli.plot`): each is one line on stderr, with its exit status."""

from __future__ import annotations

from ..errors import CannonError, ExitCode

INSTALL_HINT = "pip install 'cannon-cli[plot]'"


class PlotError(CannonError):
    """A picture cannot be made as asked (an unknown image suffix, a file that cannot be
    written, a bad grid range): one line, exit 1."""

    exit_code = ExitCode.BAD_INPUT


class MissingDependency(PlotError):
    """The plotting extra is not installed."""

    def __init__(self, module: str):
        super().__init__(f"plotting needs {module}: {INSTALL_HINT}")


class NothingToDraw(PlotError):
    """The solve gave no shot to draw (no angle or speed, or only the solver's speed cap):
    exit 3, as for no solution."""

    exit_code = ExitCode.NO_SOLUTION
