"""Files generated from the app: the CLI reference docs/cli.md (every command's --help as plain
text) and the shell completion scripts in completions/ (from typer's own completion machinery).

    python -m cannon_cli.cli.docs           # print the reference
    python -m cannon_cli.cli.docs --write   # rewrite docs/cli.md and completions/
    python -m cannon_cli.cli.docs --check   # exit 1, naming the files, when any of them is stale

tests/test_docs.py fails when any of them drifts from what this generates.

The reference is the help the app prints, without rich's panels. In a terminal typer draws the
help in boxes at the terminal's width, in colour where it may; here each command's click help is
rendered in-process by click's plain formatter at a fixed WIDTH, with the option groups (typer's
``rich_help_panel``) kept as plain sections in the order rich draws them. Nothing is read from the
terminal or the environment (width, colour, TERM), so the text is the same wherever it is made.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from pathlib import Path

WIDTH = 100
ROOT = Path(__file__).resolve().parents[2]
CLI_MD = ROOT / "docs" / "cli.md"
#: completions/ file -> the shell typer generates it for (`_CANNON_COMPLETE=source_<shell>`)
COMPLETIONS = {"cannon.bash": "bash", "_cannon": "zsh", "cannon.fish": "fish"}

HEADER = """\
# CLI reference

Every command's `--help`, as plain text. This file is generated from the app by
`python -m cannon_cli.cli.docs --write`; do not edit it by hand: `tests/test_docs.py` fails when it
differs from what the app prints. In a terminal, `cannon COMMAND --help` shows the same text in
panels. Concepts, examples and exit codes are in the [README](../README.md); the physics is in
[physics.md](physics.md).
"""


def completion_script(shell: str) -> str:
    """What `_CANNON_COMPLETE=source_<shell> cannon` prints."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="cannon", complete_var="_CANNON_COMPLETE",
                                 shell=shell).rstrip("\n") + "\n"


def _root():
    import typer

    from . import app

    return typer.main.get_command(app)


def commands() -> Iterator[tuple[str, ...]]:
    """The path of every visible command, depth first in the order `--help` lists them; () is
    `cannon` itself."""

    def walk(cmd, path):
        yield path
        if hasattr(cmd, "list_commands"):
            ctx = _context(path, WIDTH)
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    yield from walk(sub, (*path, name))

    yield from walk(_root(), ())


def _context(args: tuple[str, ...], width: int):
    """The click context of `cannon ARGS`, built as parsing would (names and settings of every
    parent), but with a fixed width and without parsing anything."""
    from typer import _click as click

    cmd, ctx = _root(), None
    for name in ("cannon", *args):
        if ctx is not None:
            cmd = cmd.get_command(ctx, name)
            if cmd is None:
                raise SystemExit(f"cannon has no command {' '.join(args)!r}")
        settings = {**cmd.context_settings, "terminal_width": width, "max_content_width": width}
        ctx = click.Context(cmd, parent=ctx, info_name=name, **settings)
    return ctx


def _first_paragraph(cmd) -> str:
    """A command's line in its group's list: its short help, or its help's first paragraph
    (what typer's rich help shows; click would cut it at the first sentence)."""
    if cmd.short_help:
        return cmd.short_help
    text = inspect.cleandoc(cmd.help or "").partition("\f")[0]
    return " ".join(text.split("\n\n")[0].split())


def _sections(cmd, ctx) -> list[tuple[str, list[tuple[str, str]]]]:
    """(title, [(term, help)]) for the arguments, options and subcommands, grouped as rich
    groups them: the default group first, then the named ones in order of appearance."""
    arguments: dict[str, list] = {"Arguments": []}
    options: dict[str, list] = {"Options": []}
    for param in cmd.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None or getattr(param, "hidden", False):
            continue
        is_argument = param.param_type_name == "argument"
        panel = getattr(param, "rich_help_panel", None) or ("Arguments" if is_argument
                                                            else "Options")
        (arguments if is_argument else options).setdefault(panel, []).append(record)
    groups = [*arguments.items(), *options.items()]
    if hasattr(cmd, "list_commands"):
        listed: dict[str, list] = {"Commands": []}
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                panel = getattr(sub, "rich_help_panel", None) or "Commands"
                listed.setdefault(panel, []).append((name, _first_paragraph(sub)))
        groups += listed.items()
    return [(title, rows) for title, rows in groups if rows]


def help_text(args: tuple[str, ...] = (), width: int = WIDTH) -> str:
    """`cannon ARGS --help` as plain text, `width` columns wide, without colour or boxes."""
    ctx = _context(args, width)
    cmd = ctx.command
    out = ctx.make_formatter()
    cmd.format_usage(ctx, out)
    cmd.format_help_text(ctx, out)
    for title, rows in _sections(cmd, ctx):
        with out.section(title):
            out.write_dl(rows)
    cmd.format_epilog(ctx, out)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()).strip("\n")


def _anchor(title: str) -> str:
    """GitHub's anchor for a heading made of `title` in backticks."""
    return title.lower().replace(" ", "-")


def reference() -> str:
    """The text of docs/cli.md."""
    paths = list(commands())
    titles = [" ".join(("cannon", *args)) for args in paths]
    toc = "\n".join(f"- [`{t}`](#{_anchor(t)})" for t in titles)
    parts = [HEADER, toc + "\n"]
    for title, args in zip(titles, paths):
        parts.append(f"## `{title}`\n\n```text\n{help_text(args)}\n```\n")
    return "\n".join(parts)


def generated() -> dict[Path, str]:
    """Every generated file and its text."""
    files = {CLI_MD: reference()}
    for name, shell in COMPLETIONS.items():
        files[ROOT / "completions" / name] = completion_script(shell)
    return files


def main(argv: list[str]) -> int:
    if "--write" in argv:
        for path, text in generated().items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return 0
    if "--check" in argv:
        stale = [path for path, text in generated().items()
                 if not path.exists() or path.read_text() != text]
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run `python -m cannon_cli.cli.docs --write`",
                  file=sys.stderr)
        return 1 if stale else 0
    sys.stdout.write(reference())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
