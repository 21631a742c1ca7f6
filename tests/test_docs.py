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
    assert code[0] == "pip install . && cannon solve --distance 120"
    assert code[1] == "pip install '.[test]' && python -m pytest -q"
    ci = (README.parent / ".ci" / "run").read_text()
    assert code[1] in ci
