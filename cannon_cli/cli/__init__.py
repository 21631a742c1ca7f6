"""The `cannon` command line: typer parameters and validation only; the work is in the library.

`root` holds the application and the exit-code guard, `options` the shared option types; each
command (or family) has its module, imported on first use of `app` to register it there. The
package itself imports nothing, so that `cannon --version` answers before typer and the
library are loaded (`run`).
"""

from __future__ import annotations

import os
import sys

__all__ = ["app", "run"]

#: the module that registers each command (help lists them in this order)
COMMAND_MODULES = {"solve": "solve", "table": "table", "simulate": "simulate", "hit": "hit",
                   "true": "true", "train": "learn", "compare": "learn", "plot": "plot"}

_state = {"app": None, "loaded": set()}


def _register(module: str):
    """Import the command module ``module``, which registers its commands on `root.app`."""
    from importlib import import_module

    from .root import app

    if module not in _state["loaded"]:
        mod = import_module(f".{module}", __name__)
        if module == "plot":
            app.add_typer(mod.plot_app, name="plot")
        _state["loaded"].add(module)
    return app


def _application():
    """The typer application with every command registered (imported once)."""
    if _state["app"] is None:
        for module in dict.fromkeys(COMMAND_MODULES.values()):
            app = _register(module)
        _state["app"] = app
    return _state["app"]


def _command(argv) -> str | None:
    """The command a command line names (after the root's flags, which take no values), if
    it is one of ours and no shell completion is asked for; else None."""
    if any(k.startswith("_CANNON_COMPLETE") for k in os.environ):
        return None
    name = next((a for a in argv if not a.startswith("-")), None)
    return name if name in COMMAND_MODULES else None


def run() -> None:  # pragma: no cover - the console script; tests call `app` directly
    """The console script: `cannon --version` alone is answered here, with nothing imported
    (the start-up of a whole process: issue 12); a command line that names a command loads
    that command's module alone (the others cost ~15 ms to import and register); everything
    else (help, completion, a typo) goes to the whole application."""
    argv = sys.argv[1:]
    if argv == ["--version"]:
        from .. import __version__

        sys.stdout.write(f"cannon {__version__}\n")
        return
    command = _command(argv)
    app = _register(COMMAND_MODULES[command]) if command else _application()
    app(prog_name="cannon")


def __getattr__(name: str):
    if name == "app":
        return _application()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
