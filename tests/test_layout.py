"""The package's arrows point one way: each subpackage imports only from the layers below it
(cli → io → learn → aim → optim and physics → the data modules), and no module imports another
that imports it back. Read from the source with `ast`, imports inside functions included."""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "cannon_cli"

#: a module may import from its own layer's package and from any lower layer
LAYERS = {"cli": 5, "io": 4, "learn": 3, "aim": 2, "optim": 1, "physics": 1, "": 0}


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: pathlib.Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports (relative imports resolved)."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if name else []
    base = here if is_package else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = [*anchor, *(node.module.split(".") if node.module else [])]
            elif node.module and node.module.split(".")[0] == "cannon_cli":
                target = node.module.split(".")[1:]
            else:
                continue
            for alias in node.names:
                sub = ".".join([*target, alias.name])
                found.add(sub if sub in known else ".".join(target))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "cannon_cli":
                    found.add(".".join(alias.name.split(".")[1:]))
    return {m for m in found if m in known and m != name}


MODULES = _modules()
GRAPH = {name: _imports(name, path, set(MODULES)) for name, path in MODULES.items()}


def _layer(name: str) -> str:
    head = name.split(".")[0]
    return head if "." in name or head in LAYERS and (PACKAGE / head).is_dir() else ""


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n))
def test_imports_point_down_the_layers(name):
    if name in ("__main__",):
        return
    mine = LAYERS[_layer(name)]
    upward = sorted(m for m in GRAPH[name] if m and LAYERS[_layer(m)] > mine
                    and _layer(m) != _layer(name))
    assert not upward, f"{name} (layer {_layer(name) or 'data'}) imports upward: {upward}"


def test_layers_of_equal_rank_do_not_import_each_other():
    pairs = {(_layer(a), _layer(b)) for a, deps in GRAPH.items() for b in deps
             if _layer(a) != _layer(b) and LAYERS[_layer(a)] == LAYERS[_layer(b)]}
    assert not pairs, f"sibling layers import each other: {sorted(pairs)}"


def test_no_import_circles():
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(GRAPH[m]):
            if state.get(n) == 1:
                pytest.fail("import circle: " + " → ".join([*stack[stack.index(n):], n]))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state and m != "":
            visit(m)


def test_only_the_command_line_knows_typer():
    """The library raises its own exceptions; only `cli` turns them into typer's."""
    users = []
    for name, path in MODULES.items():
        if name.split(".")[0] == "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] == "typer" for n in names):
                users.append(name)
    assert not users, f"typer imported outside cli/: {sorted(set(users))}"
