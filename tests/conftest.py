"""What the test modules share: the command line in-process, and this directory on sys.path.

The modules import the independent oracle (`from reference import ...`) and these helpers
(`from conftest import run, ...`) by name. This directory is put on sys.path here, explicitly,
so that neither depends on pytest inserting the rootdir of a test file (the default "prepend"
import mode; `--import-mode=importlib` inserts nothing). pytest loads this file before it
collects any module beside it.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parent)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)


@functools.cache
def runner():
    """typer's CliRunner, imported on first use (the solver and model tests need no CLI)."""
    from typer.testing import CliRunner

    return CliRunner()


def run(*args: str, input: str | bytes | None = None, **kwargs):
    """`cannon ARGS` in-process: typer's Result (exit_code, stdout, stderr, output)."""
    from cannon_cli.cli import app

    return runner().invoke(app, list(args), prog_name="cannon", input=input, **kwargs)


def solved(*args: str) -> dict:
    """`cannon solve ARGS --json -q`, which must succeed: its JSON document."""
    res = run("solve", *args, "--json", "-q")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def nl(stdout: str) -> list[dict]:
    """The records of newline-delimited JSON (blank lines skipped)."""
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]
