"""The pictures' data apart from their drawing: `io.pictures` computes (and never imports a
drawing library), `io.draw` draws what it is given (and imports nothing that computes a shot),
and both raise the errors of `io.plot_errors`."""

from __future__ import annotations

import ast
import pathlib
import sys

import numpy as np

from cannon_cli.io import pictures
from cannon_cli.problem import Problem

IO = pathlib.Path(pictures.__file__).resolve().parent
DRAWING = ("matplotlib", "plotext")


def _imported(path: pathlib.Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function, relative ones resolved
    against `cannon_cli.io`."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ["cannon_cli", "io"][: 2 - (node.level - 1)]
                found.add(".".join([*base, *([node.module] if node.module else [])]))
            else:
                found.add(node.module)
    return found


def test_the_data_import_no_drawing_library():
    for name in ("pictures.py", "plot_errors.py"):
        drawn = sorted(m for m in _imported(IO / name) if m.split(".")[0] in DRAWING)
        assert not drawn, f"io/{name} imports {drawn}"


def test_the_drawing_takes_the_data_and_computes_nothing_physical():
    ours = sorted(m for m in _imported(IO / "draw.py") if m.startswith("cannon_cli"))
    assert ours == ["cannon_cli.io.pictures", "cannon_cli.io.plot_errors"]


def test_the_data_are_made_without_the_drawing_libraries(monkeypatch):
    for module in DRAWING:
        monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ImportError
    ls = pictures.landscape(Problem(distance=120), solvers=("newton",), grid=12)
    assert ls.loss.shape == (12, 12) and len(ls.paths) == 1
    pic = pictures.shot_picture(Problem(distance=120, drag="quadratic"))
    assert pic.hit and pic.vacuum is not None


def test_the_zoom_carries_its_own_loss_and_valley():
    p = Problem(distance=120)
    ls = pictures.landscape(p, solvers=("newton",), grid=12)
    zoom = ls.zoom
    assert zoom is not None  # the path ends at the answer, inside the zoomed box
    np.testing.assert_array_equal(zoom.loss, 0.5 * (zoom.miss_m / p.distance) ** 2)
    np.testing.assert_array_equal(zoom.valley_mps, pictures.vacuum_valley(p, zoom.angles_deg))
    with_drag = pictures.landscape(Problem(distance=120, drag="linear"), solvers=("newton",),
                                   grid=12)
    assert with_drag.zoom is not None and with_drag.zoom.valley_mps is None
