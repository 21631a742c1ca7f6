"""The README's CLI reference, generated from the app's own --help.

    python -m cannon_cli._docs          # print the reference
    python -m cannon_cli._docs --write  # rewrite it in README.md between the markers

tests/test_docs.py fails when README.md drifts from what this generates.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"
WIDTH = 100
COMMANDS = ((), ("solve",), ("simulate",))


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
        path = Path(__file__).resolve().parent.parent / "README.md"
        path.write_text(replace_in(path.read_text()))
        return 0
    sys.stdout.write(reference() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
