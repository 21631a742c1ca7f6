"""How sure a shot is (issue 13): exact sensitivities against re-solves, the delta method's
covariance and P(hit) against scipy and a Monte Carlo of the full model, and `cannon hit`."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from autograd.test_util import check_grads
from conftest import run

from cannon_cli.aim import dispersion as dsp
from cannon_cli.aim.driver import solve, solve_many
from cannon_cli.aim.hit import assess
from cannon_cli.aim.sensitivity import Fired, jacobian, sensitivities
from cannon_cli.problem import Problem
from cannon_cli.units import LB_PER_IN2

BC = 0.223 * LB_PER_IN2
RIFLE = dict(velocity=792.48, drag="g7", ballistic_coefficient=BC, atmosphere="icao")
BALL = dict(drag="quadratic", mass=0.5, diameter=0.05)


def _nudged(problem: Problem, name: str, h: float) -> tuple:
    up = solve(Problem(**{**problem.__dict__, name: getattr(problem, name) + h}))
    down = solve(Problem(**{**problem.__dict__, name: getattr(problem, name) - h}))
    assert up.steps == down.steps  # the same discrete model on both sides
    return up, down


@pytest.mark.parametrize("problem,key,field,h,unit", [
    (Problem(distance=600.0, crosswind=2.0, **RIFLE), "muzzle_velocity", "velocity", 0.01, 1.0),
    (Problem(distance=600.0, crosswind=2.0, **RIFLE), "crosswind", "crosswind", 0.01, 1.0),
    (Problem(distance=600.0, crosswind=2.0, **RIFLE), "distance", "distance", 0.01, 1.0),
    (Problem(distance=600.0, crosswind=2.0, **RIFLE), "ballistic_coefficient",
     "ballistic_coefficient", 1e-4 * BC, 0.01 * BC),
    (Problem(distance=300.0, velocity=90.0, wind=-3.0, **BALL), "wind", "wind", 0.01, 1.0),
    (Problem(distance=300.0, angle=30.0, crosswind=4.0, **BALL), "crosswind", "crosswind", 0.01,
     1.0),
])
def test_aim_corrections_are_the_re_solves_derivatives(problem, key, field, h, unit):
    """The implicit function theorem's corrections against central differences of re-solves
    with the input nudged, to 1e-6 relative."""
    s = solve(problem)
    sens = sensitivities(problem, s)[key]
    up, down = _nudged(problem, field, h)
    if problem.unknowns == "speed":
        pairs = [("velocity_mps", "velocity_mps", 1.0)]
    else:
        pairs = [("elevation_deg", "angle_deg", 1.0)]
    pairs.append(("azimuth_deg", "azimuth_deg", 1.0))
    for mine, theirs, _ in pairs:
        fd = (getattr(up, theirs) - getattr(down, theirs)) / (2 * h) * unit
        assert sens[mine] == pytest.approx(fd, rel=1e-6, abs=1e-9 * max(1.0, abs(fd)))


def test_the_impact_jacobian_passes_check_grads():
    p = Problem(distance=400.0, crosswind=3.0, velocity=120.0, **BALL)
    fired = Fired.of([p], [solve(p)])
    names = ("speed", "wind", "crosswind", "drag_scale", "distance", "elevation", "azimuth")

    def f(dp):
        up, side = fired.impact({n: dp[i:i + 1] for i, n in enumerate(names)})
        return up + 0.3 * side

    check_grads(f, modes=["rev"], order=1)(np.array([0.5, 0.2, -0.1, 0.01, 0.3, 1e-3, -2e-3]))
    jac = jacobian(fired, names)
    assert jac.shape == (1, 2, len(names))
    # 1 m further at the same aim: the shot is that much lower by its slope there
    assert jac[0, 0, names.index("distance")] < 0


def test_probability_matches_scipy_and_a_disc_by_quadrature():
    from scipy import integrate
    from scipy.stats import multivariate_normal

    cov = np.array([[[0.04, 0.012], [0.012, 0.09]]])
    rect = dsp.probability(cov, dsp.Target(width=0.5, height=0.3))[0]
    mvn = multivariate_normal(mean=[0, 0], cov=cov[0])
    # cov is [vertical, lateral]; the rectangle is 0.3 high and 0.5 wide
    exact = (mvn.cdf([0.15, 0.25]) - mvn.cdf([-0.15, 0.25]) - mvn.cdf([0.15, -0.25])
             + mvn.cdf([-0.15, -0.25]))
    assert rect == pytest.approx(exact, abs=1e-7)
    disc = dsp.probability(cov, dsp.Target(diameter=0.6))[0]
    r = 0.3
    quad, _ = integrate.dblquad(lambda v, l: mvn.pdf([v, l]), -r, r,
                                lambda l: -math.sqrt(r * r - l * l),
                                lambda l: math.sqrt(r * r - l * l), epsabs=1e-11)
    assert disc == pytest.approx(quad, abs=1e-7)


def test_wilson_interval():
    lo, hi = dsp.wilson(50, 100)
    assert (lo, hi) == pytest.approx((0.4038315, 0.5961685), abs=1e-6)
    assert dsp.wilson(0, 10)[0] == 0.0


def test_the_delta_method_agrees_with_the_monte_carlo_for_the_308():
    """The issue's bar: within 2 percentage points of 10,000 sampled shots at 300-1000 m."""
    u = dsp.Uncertainty(speed=3.0, crosswind=1.0, bc=0.01, angle=math.radians(0.5 / 60))
    target = dsp.Target(width=0.5, height=0.5)
    problems = [Problem(distance=d, **RIFLE) for d in (300.0, 600.0, 1000.0)]
    records = assess(problems, solve_many(problems), u, target, monte_carlo=10_000, seed=7)
    for r in records:
        assert r["linear"]
        assert abs(r["p_hit"] - r["monte_carlo"]["p_hit"]) < 0.02
        lo, hi = r["monte_carlo"]["wilson_95"]
        assert lo <= r["monte_carlo"]["p_hit"] <= hi
        assert r["monte_carlo"]["sigma_lateral_m"] == pytest.approx(r["sigma_lateral_m"],
                                                                    rel=0.05)
        shares = sum(b["share"] for b in r["budget"])
        assert shares == pytest.approx(1.0)
    assert records[0]["p_hit"] > records[1]["p_hit"] > records[2]["p_hit"]


def test_a_poor_linearisation_is_said():
    u = dsp.Uncertainty(speed=60.0, bc=0.2, angle=math.radians(10 / 60))
    p = [Problem(distance=2000.0, **RIFLE)]
    r = assess(p, solve_many(p), u, dsp.Target(width=0.5, height=0.5))[0]
    assert not r["linear"]
    assert "not to be trusted" in r["warning"]


RIFLE_FLAGS = ["--velocity", "2600fps", "--drag", "g7", "--bc", "0.223", "--atmosphere", "icao"]


def test_hit_command_one_distance(tmp_path):
    out = tmp_path / "face.png"
    res = run("hit", "--distance", "600", *RIFLE_FLAGS, "--sd-velocity", "3", "--sd-crosswind",
              "1", "--sd-bc", "1%", "--sd-angle", "0.5moa", "--target", "0.5x0.5",
              "--monte-carlo", "2000", "--seed", "1", "--json", "--out", str(out))
    assert res.exit_code == 0, res.output
    rec = json.loads(res.stdout)
    assert rec["schema"] == "cannon.hit/1"
    assert {b["source"] for b in rec["budget"]} == {"velocity", "crosswind", "bc", "elevation",
                                                     "azimuth"}
    assert 0 < rec["p_hit"] < 1 and rec["monte_carlo"]["samples"] == 2000
    assert out.stat().st_size > 1000


def test_hit_command_sweep():
    res = run("hit", "--from", "300", "--to", "1000", "--step", "100", *RIFLE_FLAGS,
              "--sd-crosswind", "1", "--target-diameter", "0.5", "--nl")
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["distance_m"] for r in rows] == [300.0 + 100 * i for i in range(8)]
    csv = run("hit", "--from", "300", "--to", "500", "--step", "100", *RIFLE_FLAGS,
              "--sd-crosswind", "1", "--target", "1x1", "--csv")
    lines = csv.stdout.splitlines()
    assert lines[0].startswith("distance_m,angle_deg") and len(lines) == 4


@pytest.mark.parametrize("args,message", [
    (["--sd-velocity", "-1", "--target", "1x1"], "standard deviation >= 0"),
    (["--sd-velocity", "nan", "--target", "1x1"], "standard deviation >= 0"),
    (["--sd-velocity", "1", "--target", "0x1"], "wider and higher than 0"),
    (["--sd-velocity", "1", "--target-diameter", "0"], "must be > 0"),
    (["--sd-velocity", "1"], "give the target face"),
    (["--target", "1x1"], "give the uncertainty"),
    (["--sd-velocity", "1", "--target", "1x1", "--from", "100"], "needs --from, --to and"),
])
def test_hit_bad_input_is_one_line_exit_1(args, message):
    res = run("hit", "--distance", "100", "--velocity", "50", *args) if "--from" not in args \
        else run("hit", "--velocity", "50", *args)
    assert res.exit_code == 1, res.output
    assert message in res.output and "Traceback" not in res.output


def test_solve_sensitivities_flag():
    res = run("solve", "--distance", "300", "--velocity", "90", "--drag", "quadratic",
              "--crosswind", "2", "--sensitivities", "--json", "-q")
    assert res.exit_code == 0, res.output
    sens = json.loads(res.stdout)["sensitivities"]
    assert sens["crosswind"]["impact_lateral_m"] > 0
    assert sens["crosswind"]["azimuth_mrad"] < 0
    assert "ballistic_coefficient" not in sens and "drag" in sens
    bad = run("solve", "--input", "-", "--sensitivities", input="{}\n")
    assert bad.exit_code == 2


def test_temperature_sensitivity_is_the_re_solves_in_constant_air():
    """1 °C warmer at the same pressure: the air 1/T thinner and its sound 1/(2T) faster."""
    p = Problem(distance=1000.0, temperature=15.0, **{**RIFLE, "atmosphere": "constant"})
    sens = sensitivities(p, solve(p))["temperature"]
    h = 0.5
    up, down = _nudged(p, "temperature", h)
    fd = (up.angle_deg - down.angle_deg) / (2 * h)
    # central differences of step h in T carry an error of order (h / T)^2
    assert sens["elevation_deg"] == pytest.approx(fd, rel=2e-5)


def test_table_corrections_are_the_sensitivities():
    gun = ["--velocity", "300", "--drag", "quadratic", "--mass", "10", "--diameter", "0.1",
           "--atmosphere", "icao"]
    res = run("table", "--from", "1000", "--to", "3000", "--step", "1000", *gun,
              "--corrections", "--nl", "-q")
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    for row in rows:
        p = Problem(distance=row["problem"]["distance_m"], velocity=300.0, drag="quadratic",
                    mass=10.0, diameter=0.1, atmosphere="icao")
        sens = sensitivities(p, solve(p))
        c = row["corrections"]
        for key, source, scale, field in [
                ("elevation_mrad_per_velocity_mps", "muzzle_velocity", 1, "elevation_mrad"),
                ("elevation_mrad_per_wind_mps", "wind", 1, "elevation_mrad"),
                ("azimuth_mrad_per_crosswind_mps", "crosswind", 1, "azimuth_mrad"),
                ("elevation_mrad_per_density_pct", "air_density", 1, "elevation_mrad"),
                ("elevation_mrad_per_temperature_c", "temperature", 1, "elevation_mrad"),
                ("elevation_mrad_per_target_height_10m", "target_height", 10, "elevation_mrad")]:
            assert c[key] == pytest.approx(scale * sens[source][field], rel=1e-6)
        # the range change at the same elevation: dR = -dy/dv / (dy/dD)
        dy_dv = sens["muzzle_velocity"]["impact_vertical_m"]
        dy_dd = sens["distance"]["impact_vertical_m"]
        assert c["range_m_per_velocity_mps"] == pytest.approx(-dy_dv / dy_dd, rel=1e-6)
    csv = run("table", "--from", "1000", "--to", "2000", "--step", "1000", *gun,
              "--corrections", "--csv", "-q")
    assert "corrections.elevation_mrad_per_temperature_c" in csv.stdout.splitlines()[0]
    people = run("table", "--from", "1000", "--to", "2000", "--step", "1000", *gun,
                 "--corrections", "-q")
    assert "dE/+1°C" in people.stdout
    bad = run("table", "--from", "100", "--to", "200", "--step", "100", "--angle", "30",
              "--corrections")
    assert bad.exit_code == 2


def test_probability_of_a_covariance_of_rank_one():
    """Vertical sources only: the impacts lie on the vertical line, P = erf(h / 2 / (s sqrt 2))."""
    cov = np.array([[[0.09, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]])
    p = dsp.probability(cov, dsp.Target(width=2.0, height=0.4))
    assert p[0] == pytest.approx(math.erf(0.2 / (0.3 * math.sqrt(2))), rel=1e-12)
    assert p[1] == 1.0


def test_without_a_drag_table_the_bc_source_is_the_drag():
    res = run("hit", "--distance", "300", "--velocity", "90", "--drag", "quadratic", "--sd-bc",
              "2", "--target", "1x1", "--json", "-q")
    assert [b["source"] for b in json.loads(res.stdout)["budget"]] == ["drag"]
