"""The `cannon` application: the root command, and the one place where exceptions meet exit codes
(`guard`).

Exit codes (errors.ExitCode): 0 solved · 1 bad input · 2 usage · 3 no solution · 130 interrupted
· 141 output pipe closed.

Heavy modules (numpy, autograd, scipy, rich rendering) are imported inside the commands, so that
`cannon --version` and `--help` start fast.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import warnings
from typing import Annotated, Optional

import typer

from .. import __version__
from ..errors import CannonError, ExitCode
from .environment import Environment
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

def _version(value: bool) -> None:
    if value:
        typer.echo(f"cannon {__version__}")
        raise typer.Exit()


@app.callback(epilog=EXIT_CODES_HELP)
def _root(
    ctx: typer.Context,
    version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = None,
    traceback: Annotated[bool, typer.Option(
        "--traceback", help="On an error, show the Python traceback (for bug reports).")] = False,
) -> None:
    """Aim a cannon by differentiable programming."""
    env = Environment()
    env.traceback = env.traceback or traceback
    ctx.obj = env


def environment(ctx: Optional[typer.Context]) -> Environment:
    """This run's `Environment`, made by the root command (a fresh one without it)."""
    env = ctx.find_root().obj if ctx is not None else None
    return env if isinstance(env, Environment) else Environment()


#: numpy's floating-point warnings (np.seterr "warn"): "overflow encountered in multiply", ...
FLOATING_POINT_NOISE = r".*(overflow|underflow|invalid value|divide by zero) encountered"


def _guard(command):
    """Turn every outcome of a command into an exit code and, for errors, one line on stderr:
    the one place where exceptions meet exit codes (`--traceback` shows the traceback). The
    command gets the run's `Environment` as its ``env`` argument: typer hands the wrapper its
    context (a parameter of the signature typer reads, in place of ``env``), where the root
    command left the environment."""
    sig = inspect.signature(command)
    wants_env = "env" in sig.parameters
    wants_ctx = "_ctx" in sig.parameters  # a command that reads the context itself

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        ctx = kwargs.pop("_ctx", None)
        env = environment(ctx)
        if wants_env:
            kwargs["env"] = env
        if wants_ctx:
            kwargs["_ctx"] = ctx
        try:
            with warnings.catch_warnings():
                if not env.traceback:
                    # floating-point noise (numpy's "overflow encountered in multiply" and the
                    # like, from shots that fly off): the answer's status says what matters
                    warnings.filterwarnings("ignore", category=RuntimeWarning,
                                            message=FLOATING_POINT_NOISE)
                return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except CannonError as e:
            if env.traceback:
                raise
            env.terminal.error(_in_flag_terms(e))
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            env.terminal.error("interrupted")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(ExitCode.PIPE_CLOSED) from None
        except Exception as e:  # a traceback is a bug: report it in one line
            if env.traceback:
                raise
            env.terminal.error(f"internal error: {type(e).__name__}: {e} (rerun with --traceback "
                               "and report it)")
            raise typer.Exit(ExitCode.BAD_INPUT) from None

    context = inspect.Parameter("_ctx", inspect.Parameter.KEYWORD_ONLY, default=None,
                                annotation=typer.Context)
    wrapper.__signature__ = sig.replace(
        parameters=[q for q in sig.parameters.values() if q.name not in ("env", "_ctx")]
        + [context])
    return wrapper


def _in_flag_terms(e: CannonError) -> str:
    """The error's message, naming the command-line flag of the field it is about (if any)
    rather than its JSON name."""
    from ..errors import InputError
    from ..problem import PROBLEM_FIELDS, SHOT_FIELDS, json_to_flag

    if isinstance(e, InputError) and (e.field in PROBLEM_FIELDS or e.field in SHOT_FIELDS):
        return f"{json_to_flag(e.field)} {e.detail}"
    return str(e)


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
