"""The generated files are what the app prints, and the README and docs/ hold together.
Regenerate docs/cli.md and completions/ with `python -m cannon_cli.cli.docs --write`."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import run

from cannon_cli.cli import docs as _docs

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CLI_MD = ROOT / "docs" / "cli.md"
STALE = "is stale: run `python -m cannon_cli.cli.docs --write`"
#: an option as help writes it: -q, --json, --drag-table (not a dash in prose, nor "- for stdin")
OPTION = re.compile(r"(?<![\w-])--?[a-z][\w-]*")


def test_cli_reference_matches_help():
    assert CLI_MD.read_text() == _docs.reference(), f"docs/cli.md {STALE}"


def test_cli_reference_is_plain_text_within_the_width():
    text = CLI_MD.read_text()
    boxes = sorted({c for c in text if 0x2500 <= ord(c) <= 0x259F})
    assert not boxes, f"box drawing in docs/cli.md: {boxes}"
    assert "\x1b" not in text, "terminal escape codes in docs/cli.md"
    long = [line for line in text.splitlines() if len(line) > _docs.WIDTH]
    assert not long, long


def test_cli_reference_does_not_depend_on_the_terminal(monkeypatch):
    for name, value in {"COLUMNS": "40", "LINES": "10", "TERMINAL_WIDTH": "40",
                        "FORCE_COLOR": "1", "TERM": "xterm-256color", "TYPER_USE_RICH": "1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert _docs.reference() == CLI_MD.read_text()


@pytest.mark.parametrize("args", list(_docs.commands()), ids=lambda a: " ".join(("cannon", *a)))
def test_cli_reference_keeps_what_the_rich_help_shows(args):
    """The plain rendering drops no option, command or option group of `cannon ARGS --help`."""
    wide = {"COLUMNS": "200", "TERMINAL_WIDTH": "200", "NO_COLOR": "1"}
    result = run(*args, "--help", env=wide)
    assert result.exit_code == 0, result.output
    rich, plain = result.output, _docs.help_text(args)
    assert set(OPTION.findall(rich)) == set(OPTION.findall(plain))
    panels = re.findall(r"╭─ (.+?) ─", rich)
    assert panels == re.findall(r"^(\S[^:]*):$", plain, re.M)
    assert f"## `{' '.join(('cannon', *args))}`" in CLI_MD.read_text()


def test_readme_starts_with_the_two_setup_commands():
    lines = README.read_text().splitlines()
    code = lines[lines.index("```sh") + 1: lines.index("```sh") + 3]
    assert code[0] == "pip install '.[plot]' && cannon solve --distance 120"
    assert code[1] == "pip install '.[test]' && python -m pytest -q"
    ci = (README.parent / ".ci" / "run").read_text()
    assert code[1] in ci


def test_readme_is_short_and_plain():
    """The README is the package's long description: what a person reads, not generated help."""
    text = README.read_text()
    assert len(text.encode()) < 20_000
    assert not any(0x2500 <= ord(c) <= 0x259F for c in text)
    for doc in ("docs/cli.md", "docs/physics.md", "docs/performance.md"):
        assert f"]({doc})" in text, f"the README does not link to {doc}"


@pytest.mark.parametrize("page", ["README.md", "docs/cli.md", "docs/physics.md",
                                  "docs/performance.md", "benchmarks/README.md"])
def test_relative_links_lead_somewhere(page):
    path = ROOT / page
    if not path.exists():
        pytest.skip(f"no {page}")
    for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text()):
        if re.match(r"[a-z]+:|#", target):
            continue
        assert (path.parent / target.split("#")[0]).exists(), f"{page} links to {target}"


def test_completion_files_match_what_typer_generates():
    for name, shell in _docs.COMPLETIONS.items():
        path = README.parent / "completions" / name
        assert path.read_text() == _docs.completion_script(shell), f"completions/{name} {STALE}"


def test_completion_files_match_the_installed_command():
    cannon = shutil.which("cannon")
    if cannon is None:
        pytest.skip("the cannon console script is not installed")
    for name, shell in _docs.COMPLETIONS.items():
        env = dict(os.environ, _CANNON_COMPLETE=f"source_{shell}")
        out = subprocess.run([cannon], env=env, capture_output=True, text=True, timeout=60)
        assert out.stdout.strip() == (README.parent / "completions" / name).read_text().strip()


def test_check_names_a_stale_file(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "cli.md"
    stale.write_text("old\n")
    monkeypatch.setattr(_docs, "ROOT", tmp_path)
    monkeypatch.setattr(_docs, "generated", lambda: {stale: "new\n"})
    assert _docs.main(["--check"]) == 1
    assert "cli.md is stale" in capsys.readouterr().err
    stale.write_text("new\n")
    assert _docs.main(["--check"]) == 0
