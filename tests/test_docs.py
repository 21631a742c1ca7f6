"""The README's CLI reference is what the app prints; regenerate with
`python -m cannon_cli._docs --write`."""

from pathlib import Path

from cannon_cli import _docs

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_cli_reference_matches_help():
    text = README.read_text()
    assert _docs.replace_in(text) == text, (
        "README.md's CLI reference is stale: run `python -m cannon_cli._docs --write`")


def test_readme_starts_with_the_two_setup_commands():
    lines = README.read_text().splitlines()
    code = lines[lines.index("```sh") + 1: lines.index("```sh") + 3]
    assert code[0] == "pip install '.[plot]' && cannon solve --distance 120"
    assert code[1] == "pip install '.[test]' && python -m pytest -q"
    ci = (README.parent / ".ci" / "run").read_text()
    assert code[1] in ci


def test_completion_files_match_what_typer_generates():
    for name, shell in _docs.COMPLETIONS.items():
        path = README.parent / "completions" / name
        assert path.read_text() == _docs.completion_script(shell), (
            f"completions/{name} is stale: run `python -m cannon_cli._docs --write`")


def test_completion_files_match_the_installed_command():
    import os
    import shutil
    import subprocess

    import pytest

    cannon = shutil.which("cannon")
    if cannon is None:
        pytest.skip("the cannon console script is not installed")
    for name, shell in _docs.COMPLETIONS.items():
        env = dict(os.environ, _CANNON_COMPLETE=f"source_{shell}")
        out = subprocess.run([cannon], env=env, capture_output=True, text=True, timeout=60)
        assert out.stdout.strip() == (README.parent / "completions" / name).read_text().strip()
