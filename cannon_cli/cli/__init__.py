"""The `cannon` command line: typer parameters and validation only; the work is in the library.

`root` holds the application and the exit-code guard, `options` the shared option types; each
command (or family) has its module, imported on first use of `app` to register it there. The
package itself imports nothing, so that `cannon --version` answers before typer and the
library are loaded (`run`).
"""

from __future__ import annotations

import sys

__all__ = ["app", "run"]

_state = {"app": None}


def _application():
    """The typer application with every command registered (imported once)."""
    if _state["app"] is None:
        # each module registers its commands on `app`, and help lists them in this order
        from . import solve, table, simulate, hit, true, learn  # noqa: F401, I001
        from .plot import plot_app
        from .root import app

        app.add_typer(plot_app, name="plot")
        _state["app"] = app
    return _state["app"]


def run() -> None:  # pragma: no cover - the console script; tests call `app` directly
    """The console script: `cannon --version` alone is answered here, with nothing imported
    (the start-up of a whole process: issue 12); everything else goes to the application."""
    if sys.argv[1:] == ["--version"]:
        from .. import __version__

        sys.stdout.write(f"cannon {__version__}\n")
        return
    _application()(prog_name="cannon")


def __getattr__(name: str):
    if name == "app":
        return _application()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
