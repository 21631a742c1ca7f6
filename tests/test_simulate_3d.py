"""`cannon simulate`, `plot trajectory` and `solve --plot` in three dimensions (issue 11,
"Everywhere"): the flight in time runs on the one field (`field.acceleration`), checked against
an independent DOP853 integration (tests/reference.py); a 2-D shot's output keeps its form.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import run, solved
from reference import reference_state_3d

from cannon_cli.physics import field
from cannon_cli.physics.columns import Columns
from cannon_cli.problem import Problem

QUAD = dict(drag="quadratic", mass=0.5, diameter=0.05, drag_coefficient=0.47)
QUAD_FLAGS = ("--drag", "quadratic", "--mass", "0.5", "--diameter", "0.05")


def _simulate(*args: str) -> dict:
    res = run("simulate", *args, "--json", "-q", "--samples", "5")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.mark.parametrize("lateral, flags", [
    (dict(crosswind=6.0), ("--crosswind", "6")),
    (dict(latitude=50.0, bearing=70.0), ("--latitude", "50", "--azimuth", "70")),
    (dict(crosswind=-4.0, latitude=-35.0, bearing=250.0),
     ("--crosswind", "-4", "--latitude", "-35", "--azimuth", "250")),
])
def test_the_crossing_against_an_independent_integration(lateral, flags):
    angle, azimuth, v, d = 20.0, 1.5, 120.0, 300.0
    doc = _simulate("--angle", str(angle), "--aim-azimuth", str(azimuth), "--velocity", str(v),
                    "--distance", str(d), "--wind", "2", *QUAD_FLAGS, *flags)
    c = doc["crossing"]
    problem = Problem(distance=d, wind=2.0, **QUAD, **lateral)
    y, z, vx, vy, vz, t = reference_state_3d(
        problem, math.radians(angle), math.radians(azimuth), v, d,
        crosswind=lateral.get("crosswind", 0.0), latitude=lateral.get("latitude"),
        bearing=lateral.get("bearing", 0.0))
    assert c["height_m"] == pytest.approx(y, rel=1e-6)
    assert c["lateral_m"] == pytest.approx(z, rel=1e-6)
    assert c["time_s"] == pytest.approx(t, rel=1e-6)
    assert c["speed_mps"] == pytest.approx(math.sqrt(vx * vx + vy * vy + vz * vz), rel=1e-6)
    assert c["angle_deg"] == pytest.approx(math.degrees(math.atan2(vy, math.hypot(vx, vz))),
                                           rel=1e-6)
    sample = doc["samples"][-1]
    assert list(sample) == ["t_s", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps"]
    assert doc["lateral_m"] == pytest.approx(sample["z_m"])
    assert doc["shot"]["azimuth_deg"] == azimuth


def test_a_2d_shot_has_no_lateral_columns_and_flies_the_solution():
    args = ("--distance", "300", "--target-height", "5", "--wind", "-3", *QUAD_FLAGS)
    sol = solved(*args, "--velocity", "120")
    doc = _simulate(*args, "--angle", repr(sol["angle_deg"]), "--velocity", "120")
    assert "lateral_m" not in doc and "azimuth_deg" not in doc["shot"]
    assert "lateral_m" not in doc["crossing"]
    assert all(list(s) == ["t_s", "x_m", "y_m", "vx_mps", "vy_mps"] for s in doc["samples"])
    c = doc["crossing"]
    assert abs(c["miss_m"]) < 1e-6 * 300
    assert c["time_s"] == pytest.approx(sol["flight_time_s"], rel=1e-6)
    assert c["speed_mps"] == pytest.approx(sol["impact_speed_mps"], rel=1e-6)
    assert c["angle_deg"] == pytest.approx(sol["impact_angle_deg"], rel=1e-6)
    assert doc["apex_height_m"] == pytest.approx(sol["apex_height_m"], rel=1e-6)
    res = run("simulate", *args, "--angle", "10", "--velocity", "120", "--csv", "-q")
    assert res.stdout.splitlines()[0] == "t_s,x_m,y_m,vx_mps,vy_mps"


def test_a_3d_solution_flown_at_its_azimuth_hits():
    args = ("--distance", "300", "--target-offset", "-8", "--crosswind", "5", *QUAD_FLAGS)
    sol = solved(*args, "--velocity", "120")
    doc = _simulate("--distance", "300", "--crosswind", "5", *QUAD_FLAGS, "--velocity", "120",
                    "--angle", repr(sol["angle_deg"]), "--aim-azimuth", repr(sol["azimuth_deg"]))
    c = doc["crossing"]
    assert abs(c["miss_m"]) < 1e-6 * 300
    assert c["lateral_m"] == pytest.approx(-8.0, abs=1e-6 * 300)
    assert c["time_s"] == pytest.approx(sol["flight_time_s"], rel=1e-6)
    res = run("simulate", "--distance", "300", "--crosswind", "5", "--angle", "5",
              "--velocity", "120", "--csv", "-q")
    assert res.stdout.splitlines()[0] == "t_s,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps"


def _forces(three: bool):
    cols = Columns.of(np.full(50, 800.0), drag="g7", ballistic_coefficient=150.0,
                      atmosphere="icao", altitude=1000.0, wind=3.0,
                      crosswind=4.0 if three else 0.0,
                      latitude=45.0 if three else None, bearing=120.0 if three else None)
    return cols.params(steps=8).forces()


@pytest.mark.parametrize("three", [False, True])
def test_rates_are_the_acceleration_over_vx(three):
    rng = np.random.default_rng(11)
    n = 50
    y = rng.uniform(-100.0, 3000.0, n)
    v = [rng.uniform(50.0, 900.0, n), rng.uniform(-300.0, 300.0, n)]
    if three:
        v.append(rng.uniform(-30.0, 30.0, n))
    f = _forces(three)
    a = field.acceleration(y, v, f)
    state = [y, np.zeros(n), *v, np.zeros(n)] if three else [y, *v, np.zeros(n)]
    r = field.rates(state, f)
    assert len(a) == len(v)
    rv = r[2:2 + len(v)] if three else r[1:1 + len(v)]
    for ri, ai in zip(rv, a):
        np.testing.assert_allclose(ri * v[0], ai, rtol=1e-14, atol=1e-12)
    np.testing.assert_allclose(r[0] * v[0], v[1], rtol=1e-15)
    # the physics: gravity, and drag against the velocity through the air
    vacuum = field.acceleration(y, v, field.Forces(drag="none", gravity=9.80665))
    assert np.all(vacuum[1] == -9.80665) and np.all(vacuum[0] == 0.0)


@pytest.fixture
def figures(monkeypatch):
    """The Figures `cannon plot` saves (and still writes)."""
    from cannon_cli.io import draw

    saved, save = [], draw._save
    monkeypatch.setattr(draw, "_save", lambda fig, path: (saved.append(fig), save(fig, path)))
    return saved


def test_plot_trajectory_of_a_3d_shot_has_a_top_view(tmp_path, figures):
    out = tmp_path / "f.png"
    args = ("--crosswind", "5", "--distance", "300", "--velocity", "120", "--target-offset", "4",
            *QUAD_FLAGS)
    res = run("plot", "trajectory", *args, "--out", str(out))
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fig, = figures
    side, top = fig.axes
    assert side.get_ylabel().startswith("height") and top.get_ylabel().startswith("z")
    # the target marked at its lateral position, and the line of fire at the solved azimuth
    marks = [line.get_xydata() for line in top.get_lines() if line.get_marker() == "X"]
    assert marks[0].tolist() == [[300.0, 4.0]]
    fire, = [line.get_xydata() for line in top.get_lines()
             if line.get_label().startswith("line of fire")]
    (x0, z0), (x1, z1) = fire
    azimuth = solved(*args)["azimuth_deg"]
    assert (z1 - z0) / (x1 - x0) == pytest.approx(math.tan(math.radians(azimuth)), rel=1e-6)


def test_solve_plot_of_a_3d_problem_and_a_2d_one(tmp_path, figures):
    for flags in (("--crosswind", "5"), ()):
        res = run("solve", "--distance", "300", "--velocity", "120", *QUAD_FLAGS, *flags,
                  "--plot", str(tmp_path / "s.png"), "-q")
        assert res.exit_code == 0, res.output
    assert [len(f.axes) for f in figures] == [2, 1]


def test_the_terminal_picture_says_the_top_view_needs_out():
    res = run("plot", "trajectory", "--crosswind", "5", "--distance", "300", "--velocity", "120",
              *QUAD_FLAGS, "--width", "60", "--height", "15")
    assert res.exit_code == 0, res.output
    notes = [line for line in res.stderr.splitlines() if "--out" in line]
    assert len(notes) == 1 and "top view" in notes[0]


@pytest.mark.parametrize("value", ["100", "-90", "1700mil"])
def test_an_aim_azimuth_out_of_range_is_one_line(value):
    res = run("simulate", "--angle", "10", "--velocity", "100", "--aim-azimuth", value)
    assert res.exit_code == 1
    assert res.stderr.strip().count("\n") == 0
    assert res.stderr.startswith("cannon: error: --aim-azimuth must be in (-90, 90)")
