"""Pictures: `cannon plot trajectory`, `cannon plot landscape` and `cannon solve --plot`, through
typer's CliRunner; the landscape data against the closed forms; the grid is vectorised; the
drawing libraries stay out of the other commands."""

from __future__ import annotations

import math
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from conftest import run

from cannon_cli.io import draw, pictures
from cannon_cli.problem import Problem

pytest.importorskip("matplotlib")
pytest.importorskip("plotext")

INSTALL = "pip install 'cannon-cli[plot]'"


def png_size(data: bytes) -> tuple:
    """(width, height) from the IHDR chunk, after checking the PNG signature."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def assert_picture(path, width: int, height: int) -> None:
    """A valid PNG of that size, decodable, and not blank: pixel values vary and there are
    many distinct colours."""
    from matplotlib.image import imread

    data = path.read_bytes()
    assert png_size(data) == (width, height)
    pixels = imread(path)
    assert pixels.shape[:2] == (height, width)
    assert float(pixels[..., :3].std()) > 0.05
    colours = np.unique((pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50


# -- image files ---------------------------------------------------------------------------------

def test_trajectory_png_has_the_size_asked_for_and_is_not_blank(tmp_path):
    out = tmp_path / "shot.png"
    res = run("plot", "trajectory", "--distance", "120", "--out", str(out),
              "--width", "640", "--height", "480")
    assert res.exit_code == 0, res.output
    assert res.stdout == ""
    assert_picture(out, 640, 480)


def test_trajectory_with_drag_and_odd_size(tmp_path):
    out = tmp_path / "drag.PNG"  # the suffix is case-insensitive
    res = run("plot", "trajectory", "--distance", "300", "--drag", "quadratic", "--wind", "-5",
              "-o", str(out), "--width", "777", "--height", "333")
    assert res.exit_code == 0, res.output
    assert_picture(out, 777, 333)


def test_landscape_png(tmp_path):
    out = tmp_path / "landscape.png"
    res = run("plot", "landscape", "--distance", "120", "--grid", "60", "--solver", "newton",
              "--solver", "lbfgs", "--out", str(out), "--width", "900", "--height", "650")
    assert res.exit_code == 0, res.output
    assert_picture(out, 900, 650)


def test_png_drawn_once_is_savefigs_picture(tmp_path, monkeypatch):
    """A PNG is drawn once on the Agg canvas, laid out as it is drawn (`draw._png`), not by
    `savefig`, which draws a laid-out figure twice: the same pixels, the landscape with its
    colour bar, inset and legend outside the axes, and a 3-D shot's two views."""
    from matplotlib.image import imread

    ls = pictures.landscape(Problem(distance=300, drag="quadratic"), solvers=("newton", "gd"),
                            grid=40)
    shot = pictures.shot_picture(Problem(distance=300, drag="quadratic", crosswind=4.0))
    once = {"landscape": tmp_path / "l1.png", "shot": tmp_path / "s1.png"}
    draw.draw_landscape(ls, out=str(once["landscape"]), width=800, height=560)
    draw.draw_shot(shot, out=str(once["shot"]))
    monkeypatch.setattr(draw, "_png", lambda fig, path: fig.savefig(path, format="png",
                                                                     dpi=draw.DPI))
    draw.draw_landscape(ls, out=str(tmp_path / "l2.png"), width=800, height=560)
    draw.draw_shot(shot, out=str(tmp_path / "s2.png"))
    for name, first in once.items():
        np.testing.assert_array_equal(imread(first), imread(tmp_path / f"{name[0]}2.png"))


def test_svg_is_xml_with_an_svg_root(tmp_path):
    out = tmp_path / "shot.svg"
    res = run("plot", "trajectory", "--angle", "30", "--velocity", "40", "--out", str(out))
    assert res.exit_code == 0, res.output
    root = ET.parse(out).getroot()
    assert root.tag.rsplit("}", 1)[-1] == "svg"
    assert "cannon: the shot" in out.read_text()


def test_pdf_landscape(tmp_path):
    out = tmp_path / "landscape.pdf"
    res = run("plot", "landscape", "--distance", "200", "--drag", "linear", "--grid", "40",
              "--solver", "newton", "--out", str(out))
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > 5000


def test_solve_plot_writes_the_trajectory_of_the_answer(tmp_path):
    out = tmp_path / "answer.png"
    res = run("solve", "--distance", "120", "--velocity", "50", "--plot", str(out), "-q")
    assert res.exit_code == 0, res.output
    assert res.stdout == ""
    assert_picture(out, *draw.FILE_SIZE)


def test_solve_plot_without_a_solution_draws_the_closest_approach_and_exits_3(tmp_path):
    out = tmp_path / "miss.png"
    res = run("solve", "--distance", "1000", "--velocity", "50", "--plot", str(out), "-q")
    assert res.exit_code == 3
    assert "out of reach" in res.stderr
    assert_picture(out, *draw.FILE_SIZE)


def test_solve_plot_is_not_for_batches(tmp_path):
    res = run("solve", "--input", "-", "--plot", str(tmp_path / "x.png"))
    assert res.exit_code == 2


@pytest.mark.parametrize("name", ["shot.jpg", "shot", "shot.png.txt"])
def test_unknown_suffix_is_a_one_line_error(tmp_path, name):
    out = tmp_path / name
    for args in (("plot", "trajectory", "--distance", "120"),
                 ("plot", "landscape", "--distance", "120"),
                 ("solve", "--distance", "120", "-q")):
        flag = "--plot" if args[0] == "solve" else "--out"
        res = run(*args, flag, str(out))
        assert res.exit_code == 1, (args, res.output)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("cannon: error: cannot write")
        assert ".png, .svg or .pdf" in lines[0]
        assert res.stdout == "" and not out.exists()


def test_unwritable_file_is_a_one_line_error(tmp_path):
    res = run("plot", "trajectory", "--distance", "120", "--out",
              str(tmp_path / "no" / "such" / "dir.png"))
    assert res.exit_code == 1
    assert res.stderr.startswith("cannon: error: cannot write")
    assert len(res.stderr.strip().splitlines()) == 1


def test_too_small_an_image_is_refused(tmp_path):
    res = run("plot", "trajectory", "--distance", "120", "--out", str(tmp_path / "x.png"),
              "--width", "50")
    assert res.exit_code == 1 and "--width" in res.stderr


# -- the terminal --------------------------------------------------------------------------------

def test_trajectory_in_the_terminal_goes_to_stdout():
    res = run("plot", "trajectory", "--distance", "300", "--drag", "quadratic",
              "--width", "90", "--height", "24")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert "cannon: the shot" in lines[0]
    assert len(lines) >= 24 and max(len(line.rstrip()) for line in lines) <= 90
    assert "\x1b[" not in res.stdout  # not a terminal: no colour codes
    assert "same launch in vacuum" in res.stdout and "target (300 m, 0 m)" in res.stdout
    assert res.stderr == ""


def test_landscape_in_the_terminal_goes_to_stdout():
    res = run("plot", "landscape", "--distance", "120", "--grid", "50", "--solver", "newton",
              "--width", "80", "--height", "20")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert "loss landscape" in lines[0]
    assert "newton: " in res.stdout and "minimum speed (45°, 34.3 m/s)" in res.stdout
    assert any("█" in line for line in lines[:20])  # the valley band


# -- the landscape's data ------------------------------------------------------------------------

def test_vacuum_valley_of_the_grid_is_the_closed_form_curve():
    # a raised target and a raised gun, so that the curve is not the textbook symmetric one
    p = Problem(distance=150, target_height=25, launch_height=5)
    ls = pictures.landscape(p, solvers=(), grid=200)
    A, V = ls.angles_deg, ls.speeds_mps
    dv = V[1] - V[0]
    closed = pictures.vacuum_valley(p, A)
    inside = np.isfinite(closed) & (closed > V[0] + dv) & (closed < V[-1] - dv)
    assert inside.sum() > 100
    best = V[np.nanargmin(ls.loss, axis=0)]
    assert np.all(np.abs(best[inside] - closed[inside]) <= dv)
    # read off by interpolating the sign change of the miss, it is much closer than a cell
    za, zv = ls.zero_crossings()
    ref = pictures.vacuum_valley(p, za)
    assert np.nanmax(np.abs(zv - ref)) < 0.05 * dv
    # the minimum-speed point is the closed form's, and lies on the curve's lowest point
    a, v = ls.min_speed
    x, y = 150.0, 20.0
    assert math.isclose(v, math.sqrt(9.80665 * (y + math.hypot(x, y))), rel_tol=1e-12)
    assert math.isclose(math.tan(math.radians(a)), (y + math.hypot(x, y)) / x, rel_tol=1e-12)
    assert v <= np.nanmin(closed) + 1e-9


def test_grid_with_drag_puts_the_valley_through_the_solvers_answer():
    from cannon_cli.aim import driver as aim

    p = Problem(distance=500, velocity=150, drag="quadratic", wind=-3)
    s = aim.solve(p)
    speeds = np.linspace(100, 200, 201)
    miss = pictures.miss_grid(p, [s.angle_deg], speeds)
    za, zv = pictures.zero_crossings([s.angle_deg], speeds, miss)
    assert len(zv) == 1 and abs(zv[0] - 150.0) < 0.01 * (speeds[1] - speeds[0])


def test_unreachable_cells_are_blank():
    p = Problem(distance=500, drag="quadratic")
    miss = pictures.miss_grid(p, np.linspace(20, 60, 30), np.linspace(10, 200, 30))
    assert np.isnan(miss[0]).all()  # 10 m/s never gets 500 m
    assert np.isfinite(miss[-1]).all()


def _grid_calls(monkeypatch) -> list:
    """The shapes of the shots of every call of the model that the grid makes, as it makes
    them."""
    from cannon_cli.aim import loss

    calls = []
    real = loss.height_miss

    def counting(theta, v, batch):
        calls.append(np.shape(theta))
        return real(theta, v, batch)

    monkeypatch.setattr(loss, "height_miss", counting)
    return calls


def test_grid_is_one_vectorised_call_of_the_model(monkeypatch):
    calls = _grid_calls(monkeypatch)
    a, v = np.linspace(20, 60, 50), np.linspace(50, 200, 50)
    pictures.miss_grid(Problem(distance=120), a, v)
    assert calls == [(2500,)]
    calls.clear()
    pictures.miss_grid(Problem(distance=500, drag="quadratic"), a, v)
    # the grid, and the same grid with half the steps for the error estimate
    assert calls == [(2500,), (2500,)]


@pytest.mark.parametrize("problem", [Problem(distance=120),
                                     Problem(distance=500, drag="quadratic", wind=-3),
                                     Problem(distance=300, drag="g7")],
                         ids=["vacuum", "quadratic", "g7"])
def test_grid_in_blocks_is_the_same_bits_as_in_one(monkeypatch, problem):
    """The grid is integrated `GRID_BLOCK` shots at a time (to stay in the cache): each shot's
    miss, and the blanking of what the grid cannot resolve, the same bits as in one call."""
    a, v = np.linspace(15, 70, 23), np.linspace(5, 260, 29)  # 667 shots, some never get there
    monkeypatch.setattr(pictures, "GRID_BLOCK", 10 ** 6)
    whole = pictures.miss_grid(problem, a, v)
    monkeypatch.setattr(pictures, "GRID_BLOCK", 100)  # six blocks, the last of 67 shots
    blocks = pictures.miss_grid(problem, a, v)
    monkeypatch.setattr(pictures, "GRID_BLOCK", 1)  # one shot a block: the scalar RK4
    single = pictures.miss_grid(problem, a[::4], v[::4])
    np.testing.assert_array_equal(blocks, whole)
    np.testing.assert_array_equal(single, whole[::4, ::4])
    assert np.isfinite(whole).any()
    assert np.isnan(whole).any() == (problem.drag != "none")  # blank: stalls, the RK4 error


def test_grid_runs_in_blocks(monkeypatch):
    calls = _grid_calls(monkeypatch)
    monkeypatch.setattr(pictures, "GRID_BLOCK", 1000)
    pictures.miss_grid(Problem(distance=500, drag="quadratic"), np.linspace(20, 60, 50),
                       np.linspace(50, 200, 50))
    # each block, and the same block with half the steps for the error estimate
    assert calls == [(1000,)] * 4 + [(500,)] * 2


def test_the_zoom_takes_the_steps_of_its_own_angles():
    """The inset's grid takes the steps `grid_steps` gives its own angles (near the answer,
    fewer than the window's steepest need), or the steps asked for."""
    p = Problem(distance=300, drag="quadratic")
    ls = pictures.landscape(p, solvers=("newton",), grid=40)
    zoom = ls.zoom
    assert pictures.grid_steps(zoom.angles_deg) < ls.steps  # 32 and 64 at 300 m
    np.testing.assert_array_equal(zoom.miss_m,
                                  pictures.miss_grid(p, zoom.angles_deg, zoom.speeds_mps))
    asked = pictures.landscape(p, solvers=("newton",), grid=40, steps=128)
    assert asked.steps == 128
    np.testing.assert_array_equal(asked.zoom.miss_m, pictures.miss_grid(
        p, asked.zoom.angles_deg, asked.zoom.speeds_mps, steps=128))


def test_solver_paths_start_together_and_end_at_the_answer():
    p = Problem(distance=120)
    ls = pictures.landscape(p, solvers=("newton", "lbfgs", "gd"), start=(60, 45), grid=30,
                            still=None)
    assert [path.solver for path in ls.paths] == ["newton", "lbfgs", "gd"]
    for path in ls.paths:
        assert (path.angle_deg[0], path.velocity_mps[0]) == (60, 45)
        assert path.converged
        assert len(path.angle_deg) == path.iterations + 1
        assert abs(path.angle_deg[-1] - 45) < 1e-6
        assert abs(path.velocity_mps[-1] - math.sqrt(9.80665 * 120)) < 1e-6
    # every path lies inside the default window
    for path in ls.paths:
        assert ls.angles_deg[0] <= path.angle_deg.min() <= path.angle_deg.max() <= ls.angles_deg[-1]
        assert (ls.speeds_mps[0] <= path.velocity_mps.min()
                <= path.velocity_mps.max() <= ls.speeds_mps[-1])
    # drawn until still (the default), they end where the answer is, as far as the eye sees
    drawn = pictures.landscape(p, solvers=("newton", "lbfgs", "gd"), start=(60, 45), grid=30)
    assert [path.still for path in drawn.paths] == [False, False, True]
    span_a = drawn.angles_deg[-1] - drawn.angles_deg[0]
    span_v = drawn.speeds_mps[-1] - drawn.speeds_mps[0]
    for path in drawn.paths:
        assert abs(path.angle_deg[-1] - 45) < pictures.STILL * span_a
        assert abs(path.velocity_mps[-1] - math.sqrt(9.80665 * 120)) < pictures.STILL * span_v


def test_a_path_stops_when_what_it_has_left_to_move_does_not_show():
    """With ``still`` a path's drawing ends once the bound on what it has left to move is below
    it: the points drawn are the first ones of the solver's own path, exactly, and its end is
    within ``still`` of where the solver ends; the legend says it stopped."""
    from cannon_cli.io.still import RUN

    for p, start in ((Problem(distance=120), (60.0, 45.0)),
                     (Problem(distance=300, drag="quadratic"), None)):
        answer = pictures.aim.solve(p)
        start = start or pictures.default_start((answer.angle_deg, answer.velocity_mps))
        full = pictures.solver_path(p, "gd", start, max_iter=1000)
        assert full.converged and not full.still
        amount = (40 * pictures.STILL, 100 * pictures.STILL)  # the window 40°, 100 m/s
        cut = pictures.solver_path(p, "gd", start, still=amount)
        assert cut.still and not cut.converged
        n = len(cut.angle_deg)
        assert RUN < n < len(full.angle_deg) / 2, (n, len(full.angle_deg))
        assert cut.iterations == n - 1
        np.testing.assert_array_equal(cut.angle_deg, full.angle_deg[:n])
        np.testing.assert_array_equal(cut.velocity_mps, full.velocity_mps[:n])
        assert abs(cut.angle_deg[-1] - full.angle_deg[-1]) < amount[0]
        assert abs(cut.velocity_mps[-1] - full.velocity_mps[-1]) < amount[1]
        assert cut.label() == f"gd: {n - 1} iterations, stopped when still"


def test_paths_asked_for_a_number_of_iterations_run_to_it():
    p = Problem(distance=120)
    asked = pictures.landscape(p, solvers=("gd",), start=(60, 45), grid=12, max_iter=1000,
                               still=None)
    assert asked.paths[0].converged and not asked.paths[0].still
    assert asked.paths[0].label() == f"gd: {asked.paths[0].iterations} iterations"
    short = pictures.landscape(p, solvers=("gd",), start=(60, 45), grid=12, max_iter=5,
                               still=None)
    cut = short.paths[0]  # (the search after it, and the solver's confirmation, drawn too)
    # gd runs its 5 iterations; the bracketed search then finds the least speed, which the
    # solver confirms (as it stands, where the search lands on the vacuum's exact answer) or
    # not within the limit
    assert not cut.still and cut.iterations >= 5
    assert cut.converged or "limit 5 iterations" in cut.message
    assert len(cut.angle_deg) == cut.iterations + 1
    default = pictures.landscape(p, solvers=("gd",), start=(60, 45), grid=12)
    assert default.paths[0].still
    assert len(default.paths[0].angle_deg) < len(asked.paths[0].angle_deg)


def test_landscape_legend_says_which_paths_stopped_when_still():
    base = ("plot", "landscape", "--distance", "120", "--grid", "20", "--solver", "gd",
            "--solver", "newton", "--start-angle", "60", "--start-velocity", "45",
            "--width", "100", "--height", "20")
    res = run(*base)
    assert res.exit_code == 0, res.output
    assert "gd: " in res.stdout and "iterations, stopped when still" in res.stdout
    assert "newton: 5 iterations" in res.stdout
    res = run(*base, "--max-iter", "1000")
    assert res.exit_code == 0, res.output
    assert "stopped when still" not in res.stdout
    full = pictures.solver_path(Problem(distance=120), "gd", (60, 45), max_iter=1000)
    assert f"gd: {full.iterations} iterations" in res.stdout


def test_fixed_speed_paths_run_along_the_angle_axis():
    ls = pictures.landscape(Problem(distance=120, velocity=50), solvers=("newton",), grid=20)
    path = ls.paths[0]
    assert np.all(path.velocity_mps == 50) and ls.start[1] == 50
    assert abs(path.angle_deg[-1] - ls.answer.angle_deg) < 1e-9


def test_grid_ranges_from_the_command_line(tmp_path):
    res = run("plot", "landscape", "--distance", "120", "--angles", "50:40", "--out",
              str(tmp_path / "x.png"))
    assert res.exit_code == 1 and "--angles needs LO < HI" in res.stderr
    res = run("plot", "landscape", "--distance", "120", "--speeds", "fast", "--out",
              str(tmp_path / "x.png"))
    assert res.exit_code == 2
    res = run("plot", "landscape", "--distance", "120", "--angles=-10:80", "--speeds", "20:60",
              "--grid", "20", "--solver", "newton", "--out", str(tmp_path / "x.svg"))
    assert res.exit_code == 0, res.output


def test_trajectory_of_a_given_shot_is_flown_not_solved(monkeypatch):
    from cannon_cli.aim import driver as aim
    from cannon_cli.problem import Shot

    def no_solving(*a, **k):
        raise AssertionError("solved")

    monkeypatch.setattr(aim, "solve", no_solving)
    pic = pictures.shot_picture(shot=Shot(angle=40, velocity=100, drag="quadratic", distance=300))
    assert pic.vacuum is not None and pic.vacuum.range_m > pic.trajectory.range_m
    assert pic.target == (300, 0.0)
    res = run("plot", "trajectory", "--angle", "40", "--velocity", "100", "--width", "60",
              "--height", "15")
    assert res.exit_code == 0, res.output


# -- the drawing libraries -----------------------------------------------------------------------

def test_other_commands_do_not_import_the_drawing_libraries():
    code = ("import sys, cannon_cli.cli; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'plotext')]; "
            "assert not bad, bad")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("module, args", [
    ("matplotlib", ("plot", "trajectory", "--distance", "120", "--out", "x.png")),
    ("matplotlib", ("solve", "--distance", "120", "--plot", "x.png", "-q")),
    ("plotext", ("plot", "landscape", "--distance", "120")),
])
def test_a_missing_drawing_library_is_a_one_line_error(monkeypatch, tmp_path, module, args):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ImportError
    res = run(*args)
    assert res.exit_code == 1
    assert res.stderr == f"cannon: error: plotting needs {module}: {INSTALL}\n"
    assert not (tmp_path / "x.png").exists()
