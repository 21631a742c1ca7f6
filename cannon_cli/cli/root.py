"""The `cannon` application: the root command, and the one place where exceptions meet exit codes
(`guard`).

Exit codes (errors.ExitCode): 0 solved · 1 bad input · 2 usage · 3 no solution · 130 interrupted
· 141 output pipe closed.

Heavy modules (numpy, autograd, scipy, rich rendering) are imported inside the commands, so that
`cannon --version` and `--help` start fast.
"""

from __future__ import annotations

import functools
import os
import sys
import warnings
from typing import Annotated, Optional

import typer

from .. import __version__
from ..errors import CannonError, ExitCode
from .options import EXIT_CODES_HELP

app = typer.Typer(
    name="cannon",
    help="Aim a cannon by differentiable programming: find the launch angle and speed that hit "
    "a target, by descending on a differentiable projectile model.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

_state = {"traceback": bool(os.environ.get("CANNON_TRACEBACK"))}


def _write_json(obj) -> None:
    from ..io.records import dumps

    sys.stdout.write(dumps(obj) + "\n")
    sys.stdout.flush()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cannon {__version__}")
        raise typer.Exit()


@app.callback(epilog=EXIT_CODES_HELP)
def _root(
    version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = None,
    traceback: Annotated[bool, typer.Option(
        "--traceback", help="On an error, show the Python traceback (for bug reports).")] = False,
) -> None:
    """Aim a cannon by differentiable programming."""
    if traceback:
        _state["traceback"] = True


#: numpy's floating-point warnings (np.seterr "warn"): "overflow encountered in multiply", ...
FLOATING_POINT_NOISE = r".*(overflow|underflow|invalid value|divide by zero) encountered"


def _guard(command):
    """Turn every outcome of a command into an exit code and, for errors, one line on stderr:
    the one place where exceptions meet exit codes (`--traceback` shows the traceback)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            with warnings.catch_warnings():
                if not _state["traceback"]:
                    # floating-point noise (numpy's "overflow encountered in multiply" and the
                    # like, from shots that fly off): the answer's status says what matters
                    warnings.filterwarnings("ignore", category=RuntimeWarning,
                                            message=FLOATING_POINT_NOISE)
                return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except CannonError as e:
            if _state["traceback"]:
                raise
            _report(_in_flag_terms(e))
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            _report("interrupted")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(ExitCode.PIPE_CLOSED) from None
        except Exception as e:  # a traceback is a bug: report it in one line
            if _state["traceback"]:
                raise
            _report(f"internal error: {type(e).__name__}: {e} (rerun with --traceback and "
                    "report it)")
            raise typer.Exit(ExitCode.BAD_INPUT) from None

    return wrapper


def _in_flag_terms(e: CannonError) -> str:
    """The error's message, naming the command-line flag of the field it is about (if any)
    rather than its JSON name."""
    from ..errors import InputError
    from ..problem import PROBLEM_FIELDS, json_to_flag

    if isinstance(e, InputError) and e.field in PROBLEM_FIELDS:
        return f"{json_to_flag(e.field)} {e.detail}"
    return str(e)


def _report(message: str) -> None:
    from ..io import render

    render.error(message)


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the interpreter's final flush of the
    buffered data does not raise again at exit (Python docs, 'Note on SIGPIPE')."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run() -> None:  # pragma: no cover - the console script; tests call `app` directly
    app(prog_name="cannon")
