"""The three ways to aim: surrogate, physics, and a policy trained through the physics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import run as _cli

from cannon_cli import Problem, solve, solve_many
from cannon_cli.errors import InputError
from cannon_cli.learn.policy import Policy, train
from cannon_cli.problem import Physics
from cannon_cli.learn.surrogate import aim, fit, true_range

G = 9.80665


@pytest.fixture(scope="module")
def small_surrogate():
    return fit(Physics(), samples=400, epochs=40, seed=1)


def test_true_range_is_the_closed_form_in_vacuum_and_matches_simulation_with_drag():
    a, v = math.radians(30.0), 8.0
    assert math.isclose(true_range(a, v, Physics())[0], v * v * math.sin(2 * a) / G,
                        rel_tol=1e-12)
    drag = Physics(drag="quadratic", diameter=0.05, mass=0.1)
    assert true_range(a, v, drag)[0] < v * v * math.sin(2 * a) / G


def test_surrogate_believes_it_hits_and_its_true_miss_is_measured(small_surrogate):
    shot = aim(small_surrogate, 6.0)
    assert shot.believed_miss <= 1e-3 * 6.0
    truth = true_range(shot.angle_rad, shot.speed, Physics())[0]
    assert math.isfinite(truth)
    # the surrogate's answer is checked, not trusted: its real miss is what the physics says
    assert abs(truth - 6.0) > shot.believed_miss
    assert 0 < shot.speed <= 10 and 0 < shot.angle_rad < math.pi / 2


@pytest.fixture(scope="module")
def drag_policy():
    physics = Physics(drag="quadratic")
    domain = {"distance": (100.0, 400.0), "height": (0.0, 20.0), "wind": (-3.0, 3.0)}
    return train(physics, domain, steps=400, seed=3)


HELD_OUT = [(137.0, 3.0, -1.0), (211.0, 12.0, 2.5), (288.0, 0.0, 0.0), (355.0, 17.0, -2.0),
            (390.0, 5.0, 1.0)]


def test_policy_needs_fewer_iterations_than_the_standard_start(drag_policy):
    problems = [Problem(distance=d, target_height=h, wind=w, drag="quadratic")
                for d, h, w in HELD_OUT]
    a, v = drag_policy.predict(*(np.array(x) for x in zip(*HELD_OUT)))
    plain = solve_many(problems, solver="newton")
    guided = solve_many(problems, solver="newton", start=(a, v))
    assert all(s.converged for s in plain + guided)
    for p, g in zip(plain, guided):
        assert math.isclose(p.velocity_mps, g.velocity_mps, rel_tol=1e-6)  # both within the bar
    assert sum(s.iterations for s in guided) < sum(s.iterations for s in plain)


def test_policy_file_round_trip(drag_policy, tmp_path):
    path = tmp_path / "aim.npz"
    drag_policy.save(path)
    back = Policy.load(path)
    assert back.domain == drag_policy.domain and back.physics == drag_policy.physics
    d = np.array([150.0, 300.0])
    for x, y in zip(back.predict(d, 5.0, 1.0), drag_policy.predict(d, 5.0, 1.0)):
        np.testing.assert_array_equal(x, y)
    assert np.load(path, allow_pickle=False)["meta"].dtype.kind == "U"  # no pickle inside


def test_policy_domain_and_physics_checks(drag_policy):
    assert drag_policy.in_domain(np.array([150.0, 500.0]), 0.0, 0.0).tolist() == [True, False]
    assert drag_policy.mismatch(Physics(drag="quadratic")) is None
    assert "drag" in drag_policy.mismatch(Physics(drag="linear"))
    assert "mass" in drag_policy.mismatch(Physics(drag="quadratic", mass=2.0))


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", None])
def test_bad_policy_files_are_rejected(tmp_path, content):
    path = tmp_path / "bad.npz"
    if content is None:  # a valid npz that is not a policy
        np.savez(path, weights=np.ones(3))
    else:
        path.write_bytes(content)
    with pytest.raises(InputError, match="not a cannon policy file"):
        Policy.load(path)
    with pytest.raises(InputError, match="no policy file"):
        Policy.load(tmp_path / "missing.npz")


def test_solve_with_a_start_array_matches_solve():
    s = solve(Problem(distance=250.0, drag="quadratic"), solver="newton", start=(38.0, 60.0))
    t = solve(Problem(distance=250.0, drag="quadratic"), solver="newton")
    assert s.converged and math.isclose(s.velocity_mps, t.velocity_mps, rel_tol=1e-8)


# -- through the CLI ----------------------------------------------------------------------------

QUICK = ("--samples", "200", "--epochs", "20", "--policy-steps", "150")


def test_compare_json_is_reproducible_and_measures_the_true_miss():
    import json

    a = _cli("compare", "--distance", "6", "--seed", "7", "--json", "-q", *QUICK)
    b = _cli("compare", "--distance", "6", "--seed", "7", "--json", "-q", *QUICK)
    assert a.exit_code == 0, a.output
    ra, rb = json.loads(a.stdout), json.loads(b.stdout)
    assert ra["schema"] == "cannon.compare/1" and ra["seed"] == 7
    names = [r["approach"] for r in ra["rows"]]
    assert names[0] == "surrogate" and names[-1] == "policy + refine"
    for x, y in zip(ra["rows"], rb["rows"]):  # same seed, same answers (timings aside)
        assert (x["angle_deg"], x["velocity_mps"], x["iterations"]) == \
               (y["angle_deg"], y["velocity_mps"], y["iterations"])
    for r in ra["rows"]:
        assert r["true_miss_m"] is not None and r["true_miss_m"] >= 0
    refined = ra["rows"][-1]
    assert refined["true_miss_m"] <= 1e-6 * 6


def test_compare_with_drag_and_wind_as_a_table():
    res = _cli("compare", "--distance", "6", "--drag", "quadratic", "--diameter", "0.02",
               "--mass", "0.05", "--wind", "1", "-q", *QUICK)
    assert res.exit_code == 0, res.output
    assert "surrogate" in res.stdout and "TRUE miss" in res.stdout


def test_train_then_solve_with_the_policy(tmp_path):
    import json

    path = tmp_path / "aim.npz"
    res = _cli("train", "--out", str(path), "--distance-range", "100:300", "--drag",
               "quadratic", "--steps", "150", "-q")
    assert res.exit_code == 0, res.output
    res = _cli("solve", "--distance", "200", "--drag", "quadratic", "--policy", str(path),
               "--json", "-q")
    assert res.exit_code == 0 and json.loads(res.stdout)["converged"]
    res = _cli("solve", "--distance", "200", "--drag", "linear", "--policy", str(path), "--json")
    assert res.exit_code == 0 and "does not fit" in res.stderr  # a warning, the normal start
    res = _cli("solve", "--distance", "900", "--drag", "quadratic", "--policy", str(path))
    assert res.exit_code == 0 and "outside the policy's training domain" in res.stderr
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"")
    res = _cli("solve", "--distance", "200", "--policy", str(bad))
    assert res.exit_code == 1 and res.stderr.startswith("cannon: error:")
    assert _cli("train", "--out", str(path), "--distance-range", "300:100").exit_code == 2


def test_progress_reports_only_the_problems_still_iterating():
    """When one problem of a batch converges first, every array of the progress report shrinks
    with the index (a fixed angle used to be reported for the whole batch)."""
    seen = []
    problems = [Problem(distance=100.0, angle=30.0),
                Problem(distance=500.0, angle=40.0, target_height=100.0)]
    solve_many(problems, solver="gd", start=(None, np.array([20.0, 200.0])),
               callback=lambda p: seen.append(p))
    assert any(len(p.index) == 1 for p in seen)
    for p in seen:
        n = len(p.index)
        assert len(p.angle_deg) == len(p.velocity_mps) == len(p.miss_m) == len(p.loss) == n
        fixed = [problems[i].angle for i in p.index]
        np.testing.assert_allclose(p.angle_deg, fixed)
