"""Aiming in three dimensions (issue 11): elevation and azimuth under crosswind, a target off the
line of fire and the Earth's rotation, for the three kinds of unknowns, checked against an
independent DOP853 integration in time (tests/reference.py); a 2-D problem answered as before.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import run
from reference import reference_state_3d

from cannon_cli import units
from cannon_cli.aim.driver import solve, solve_columns
from cannon_cli.physics.columns import Columns
from cannon_cli.problem import Problem

QUAD = dict(drag="quadratic", mass=0.5, diameter=0.05, drag_coefficient=0.47)
LINEAR = dict(drag="linear", mass=1.0, linear_drag=0.05)

CASES = [
    # (physics and target, unknowns)
    (dict(distance=300.0, crosswind=5.0, **QUAD), dict(velocity=90.0)),
    (dict(distance=300.0, crosswind=-3.0, target_height=20.0, **QUAD), dict(velocity=90.0,
                                                                            arc="high")),
    (dict(distance=250.0, crosswind=4.0, target_offset=-12.0, wind=-3.0, **QUAD),
     dict(angle=35.0)),
    (dict(distance=400.0, crosswind=6.0, target_offset=10.0, **QUAD), {}),
    (dict(distance=200.0, crosswind=2.0, target_height=-10.0, **LINEAR), dict(velocity=70.0)),
    (dict(distance=5000.0, latitude=50.0, bearing=30.0, target_offset=40.0), dict(velocity=260.0)),
    (dict(distance=3000.0, latitude=-35.0, bearing=250.0, crosswind=8.0, **QUAD), {}),
]


def _true_miss(problem: Problem, s):
    """(vertical, lateral) miss of the answer by the independent integration."""
    y, z, *_ = reference_state_3d(problem, math.radians(s.angle_deg),
                                  math.radians(s.azimuth_deg), s.velocity_mps, problem.distance,
                                  crosswind=problem.crosswind, latitude=problem.latitude,
                                  bearing=problem.bearing or 0.0)
    return y - problem.target_height, z - problem.target_offset


@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
@pytest.mark.parametrize("case,unknowns", CASES)
def test_three_dimensional_answers_hit_by_an_independent_integration(case, unknowns, solver):
    problem = Problem(**case, **unknowns)
    s = solve(problem, solver=solver)
    assert s.converged, s.message
    up, side = _true_miss(problem, s)
    assert abs(up) <= 1e-6 * problem.distance
    assert abs(side) <= 1e-6 * problem.distance
    # the report's own misses are what the answer misses by
    assert abs(s.miss_m - up) <= 1e-6 * problem.distance
    assert abs(s.lateral_miss_m - side) <= 1e-6 * problem.distance


def test_drift_is_where_the_shot_lands_fired_straight():
    problem = Problem(distance=300.0, crosswind=5.0, velocity=90.0, **QUAD)
    s = solve(problem)
    y, z, *_ = reference_state_3d(problem, math.radians(s.angle_deg), 0.0, s.velocity_mps,
                                  300.0, crosswind=5.0)
    assert s.drift_m > 1.0  # blown to the right ...
    assert s.azimuth_deg < 0  # ... so the gun turns left
    assert s.drift_m == pytest.approx(z, abs=1e-6 * 300.0)


def test_the_minimum_speed_in_three_dimensions_is_least():
    """No speed a little below the answer hits (the fixed-speed solve says out of reach), and
    one a little above does."""
    base = dict(distance=400.0, crosswind=6.0, target_offset=10.0, **QUAD)
    s = solve(Problem(**base))
    assert s.converged
    below = solve(Problem(**base, velocity=s.velocity_mps * (1 - 1e-5)))
    above = solve(Problem(**base, velocity=s.velocity_mps * (1 + 1e-5)))
    assert below.status.value == "out_of_reach", below.message
    assert above.converged
    # at the least speed the two arcs meet: both answers' elevations are close to it
    assert above.angle_deg == pytest.approx(s.angle_deg, abs=0.2)


def test_nothing_lateral_is_the_two_dimensional_answer():
    """Crosswind 0 and no latitude: the 2-D path, the same numbers, plus azimuth 0; the 3-D
    path forced on the same problem agrees to the solver's tolerance."""
    flat = Problem(distance=300.0, velocity=90.0, **QUAD)
    s = solve(flat, solver="newton")
    out = s.to_json()
    assert out["azimuth_deg"] == 0.0
    assert "drift_m" not in out and "crosswind_mps" not in out["problem"]
    cols = Columns.from_problems([flat])
    forced = Columns(**{**cols.__dict__, "crosswind": np.zeros(1), "target_offset": np.zeros(1),
                        "latitude": np.full(1, np.nan), "bearing": np.full(1, np.nan)})
    forced_three = type("Forced", (Columns,), {"three": property(lambda self: np.ones(
        self.size, dtype=bool))})(**forced.__dict__)
    r = solve_columns(forced_three, solver="newton")
    assert r.angle_deg[0] == pytest.approx(s.angle_deg, rel=1e-10)
    assert r.azimuth_deg[0] == pytest.approx(0.0, abs=1e-12)
    assert r.drift_m[0] == pytest.approx(0.0, abs=1e-12)


def test_a_batch_mixes_two_and_three_dimensional_problems_in_order():
    problems = [Problem(distance=300.0, velocity=90.0, **QUAD),
                Problem(distance=300.0, velocity=90.0, crosswind=5.0, **QUAD),
                Problem(distance=200.0, **QUAD),
                Problem(distance=200.0, target_offset=3.0, **QUAD)]
    from cannon_cli.aim.driver import solve_many

    many = solve_many(problems, solver="newton")
    for p, s in zip(problems, many):
        one = solve(p, solver="newton")
        assert s.converged and one.converged
        assert s.angle_deg == pytest.approx(one.angle_deg, rel=1e-12)
        assert s.azimuth_deg == pytest.approx(one.azimuth_deg, rel=1e-12, abs=1e-15)
    assert many[0].azimuth_deg == 0.0 and many[1].azimuth_deg < 0 < many[3].azimuth_deg


@pytest.mark.parametrize("text,expected", [
    ("3oclock", (0.0, -1.0)), ("9 o'clock", (0.0, 1.0)), ("12oclock", (-1.0, 0.0)),
    ("6:00", (1.0, 0.0)), ("90", (0.0, 1.0)), ("0", (1.0, 0.0)), ("1600mil", (0.0, 1.0)),
])
def test_wind_directions(text, expected):
    wind, cross = units.wind_components(2.0, units.wind_from(text))
    assert (wind, cross) == pytest.approx((2.0 * expected[0], 2.0 * expected[1]), abs=1e-12)


def test_the_command_line_aims_across():
    res = run(*["solve", "--distance", "300", "--velocity", "90", "--drag",
                              "quadratic", "--mass", "0.5", "--diameter", "0.05",
                              "--wind-speed", "5", "--wind-from", "9oclock", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["problem"]["crosswind_mps"] == pytest.approx(5.0)
    assert out["problem"]["wind_mps"] == pytest.approx(0.0, abs=1e-12)
    assert out["azimuth_deg"] < 0 and out["drift_m"] > 0
    for key in ("lateral_miss_m", "impact_lateral_velocity_mps"):
        assert key in out
    # the same from --crosswind and as a batch record
    res2 = run(*["solve", "--distance", "300", "--velocity", "90", "--drag",
                               "quadratic", "--mass", "0.5", "--diameter", "0.05",
                               "--crosswind", "5", "--json"])
    assert json.loads(res2.stdout)["azimuth_deg"] == pytest.approx(out["azimuth_deg"], rel=1e-9)
    record = json.dumps({"distance_m": 300, "velocity_mps": 90, "drag": "quadratic",
                         "mass_kg": 0.5, "diameter_m": 0.05, "crosswind_mps": "5 m/s"})
    res3 = run("solve", "--input", "-", input=record + "\n")
    assert res3.exit_code == 0, res3.output
    line = json.loads(res3.stdout.splitlines()[0])
    assert line["azimuth_deg"] == pytest.approx(out["azimuth_deg"], rel=1e-9)


@pytest.mark.parametrize("args,message", [
    (["--latitude", "45"], "needs the bearing of fire"),
    (["--wind-speed", "5"], "together"),
    (["--wind-speed", "5", "--wind-from", "3oclock", "--wind", "2"], "not both"),
    (["--wind-speed", "5", "--wind-from", "13oclock"], "clock"),
    (["--latitude", "95", "--azimuth", "0"], "-90..90"),
])
def test_bad_three_dimensional_input_is_one_line(args, message):
    res = run("solve", "--distance", "100", *args)
    assert res.exit_code in (1, 2)
    assert message in res.output
    assert "Traceback" not in res.output


def test_out_of_reach_in_three_dimensions_reports_a_true_closest_approach():
    """A fixed speed that cannot reach: the closest approach is aimed across the wind (a small
    lateral miss) and its reported height is where that shot really passes."""
    problem = Problem(distance=800.0, velocity=200.0, crosswind=5.0, drag="quadratic")
    s = solve(problem)
    assert s.status.value == "out_of_reach"
    up, side = _true_miss(problem, s)
    assert abs(side) < 0.01 * problem.distance
    assert s.miss_m == pytest.approx(up, abs=1e-6 * problem.distance)
    assert f"{s.miss_m:.6g} m" in s.message


def test_a_target_far_off_the_line_of_fire_is_bad_input():
    res = run("solve", "--distance", "100", "--target-offset", "1e6")
    assert res.exit_code == 1
    assert "off the line of fire" in res.output and "Traceback" not in res.output
