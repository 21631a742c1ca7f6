"""The `cannon` command line: typer parameters and validation only; the work is in the library.

`root` holds the application and the exit-code guard, `options` the shared option types; each
command (or family) has its module, imported here to register it on the application.
"""

# each module registers its commands on `app`, and help lists them in this order
from . import solve, table, simulate, hit, true, learn  # noqa: F401, I001
from .plot import plot_app
from .root import app, run

app.add_typer(plot_app, name="plot")

__all__ = ["app", "run"]
