"""Files generated from the app: the README's CLI reference (from --help) and the shell
completion scripts in completions/ (from typer's own completion machinery).

    python -m cannon_cli._docs          # print the reference
    python -m cannon_cli._docs --write  # rewrite README.md's reference and completions/

tests/test_docs.py fails when any of them drifts from what this generates.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"
WIDTH = 100
COMMANDS = ((), ("solve",), ("simulate",), ("table",), ("plot",), ("plot", "trajectory"),
            ("plot", "landscape"), ("train",), ("compare",))
ROOT = Path(__file__).resolve().parent.parent
#: completions/ file -> the shell typer generates it for (`_CANNON_COMPLETE=source_<shell>`)
COMPLETIONS = {"cannon.bash": "bash", "_cannon": "zsh", "cannon.fish": "fish"}


def completion_script(shell: str) -> str:
    """What `_CANNON_COMPLETE=source_<shell> cannon` prints."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="cannon", complete_var="_CANNON_COMPLETE",
                                 shell=shell).rstrip("\n") + "\n"


def help_text(args: tuple) -> str:
    """`cannon ARGS --help` as plain text at a fixed width, no colour."""
    from typer.testing import CliRunner

    from .cli import app

    env = {"COLUMNS": str(WIDTH), "TERMINAL_WIDTH": str(WIDTH), "NO_COLOR": "1",
           "TERM": "dumb", "FORCE_COLOR": ""}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        result = CliRunner().invoke(app, [*args, "--help"], prog_name="cannon", env=env)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    text = "\n".join(line.rstrip() for line in result.output.splitlines())
    return text.strip("\n")


def reference() -> str:
    parts = []
    for args in COMMANDS:
        title = " ".join(("cannon", *args))
        parts.append(f"### `{title}`\n\n```text\n{help_text(args)}\n```\n")
    return "\n".join(parts)


def replace_in(readme: str) -> str:
    block = f"{START}\n\n{reference()}\n{END}"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        raise SystemExit(f"README.md has no {START} ... {END} block")
    return pattern.sub(lambda _: block, readme)


def main(argv: list[str]) -> int:
    if "--write" in argv:
        path = ROOT / "README.md"
        path.write_text(replace_in(path.read_text()))
        for name, shell in COMPLETIONS.items():
            (ROOT / "completions" / name).write_text(completion_script(shell))
        return 0
    sys.stdout.write(reference() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
