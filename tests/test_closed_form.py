"""Vacuum groups answered by the closed forms (`aim.closed_form`) give the records the general
path (`group.Group`) gives, field for field: over random problems of every kind, reachable
and out of reach, and over inputs that the closed forms leave to the group."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from cannon_cli import Problem, solve_many
from cannon_cli.aim import closed_form, sight
from cannon_cli.aim.driver import solve_columns
from cannon_cli.physics.columns import Columns
from cannon_cli.problem import Status

RTOL = 1e-12


@pytest.fixture
def general(monkeypatch):
    """Run a function with every group solved by `group.Group`, as before the closed forms."""
    def run(fn, *args, **kwargs):
        with monkeypatch.context() as m:
            m.setattr(closed_form, "applies", lambda *a: False)
            return fn(*args, **kwargs)
    return run


def _problems(n: int, seed: int) -> list:
    """Vacuum problems of every kind: targets above and below, launch heights, other
    gravities, elevation offsets, max velocities, sights zeroed; some out of reach."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        d = float(rng.uniform(1, 3000)) if rng.random() < 0.9 else float(10 ** rng.uniform(-2, 5))
        kw = dict(distance=d, launch_height=float(rng.choice([0.0, rng.uniform(0, 50)])),
                  gravity=float(rng.choice([9.80665, rng.uniform(1, 30)])),
                  target_height=float(rng.choice([0.0, rng.uniform(-0.3, 0.6) * d,
                                                  rng.uniform(-2, 2) * d])))
        if rng.random() < 0.2:
            kw["elevation_offset"] = float(rng.uniform(-3, 3))
        kind = rng.integers(3)
        if kind == 0:
            kw.update(velocity=float(rng.uniform(20, 300)), arc=str(rng.choice(["low", "high"])))
            if rng.random() < 0.1:
                del kw["target_height"]  # level with the sight
                kw.update(sight_height=float(rng.uniform(0.01, 0.1)),
                          zero=float(rng.uniform(10, 300)))
        elif kind == 1:
            kw["angle"] = float(rng.uniform(-40, 85))
            if rng.random() < 0.2:
                kw["max_velocity"] = float(rng.uniform(20, 400))
        elif rng.random() < 0.3:
            kw["max_velocity"] = float(rng.uniform(20, 300))
        try:
            out.append(Problem(**kw))
        except ValueError:  # an elevation offset past the vertical, a velocity past the max
            continue
    return out


def _same(new, old) -> None:
    """Two lists of `Solution` agree: numbers within RTOL (exactly where zero), the rest
    exactly."""
    for a, b in zip(new, old, strict=True):
        for f in dataclasses.fields(a):
            x, y = getattr(a, f.name), getattr(b, f.name)
            if isinstance(x, float):
                assert x == y or (math.isnan(x) and math.isnan(y)) or \
                    abs(x - y) <= RTOL * max(abs(x), abs(y)), (f.name, a, b)
            else:
                assert x == y, (f.name, a, b)


@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_random_problems_as_the_group_solves_them(general, solver):
    problems = _problems(3000, seed=12)
    zeros = [sight._zero_problem(p) for p in problems if p.zero is not None]
    problems += zeros
    new = solve_many(problems, solver=solver)
    _same(new, general(solve_many, problems, solver=solver))
    status = {s: sum(x.status == s for x in new) for s in Status}
    # every kind of record is in the comparison
    assert status[Status.SOLVED] > 1500 and status[Status.OUT_OF_REACH] > 500
    assert any("minimum speed is" in x.message for x in new)
    assert any("line of sight" in x.message for x in new)
    assert len(zeros) > 50
    show = lambda zeros: [str(z) if isinstance(z, Exception) else z for z in zeros]
    assert show(sight.zero_angles(problems)) == show(general(sight.zero_angles, problems))


def test_one_kind_a_batch(general):
    """A batch of one kind is answered without copies (`driver.solve_columns`)."""
    rng = np.random.default_rng(5)
    for kw, some_out in ((dict(velocity=120.0), True), (dict(velocity=120.0, arc="high"), True),
                         (dict(angle=30.0), True), (dict(), False),
                         (dict(max_velocity=60.0), True)):
        cols = Columns.of(rng.uniform(10.0, 2000.0, 2000),
                          target_height=rng.uniform(-100, 100, 2000), **kw)
        new = solve_columns(cols)
        old = general(solve_columns, cols)
        problems = [Problem(distance=1.0)] * cols.size  # (only to make records of them)
        _same([new.solution(i, p) for i, p in enumerate(problems)],
              [old.solution(i, p) for i, p in enumerate(problems)])
        assert new.converged.any() and (~new.converged).any() == some_out


def test_a_mixed_batch(general):
    """Vacuum groups among others: 3-D vacuum shots (a crosswind, a target off the line, the
    Earth's rotation) and drag take the general path; the records are the same."""
    problems = _problems(300, seed=7)
    problems += [Problem(distance=200.0, velocity=60.0, crosswind=3.0),
                 Problem(distance=200.0, target_offset=5.0),
                 Problem(distance=200.0, angle=30.0, latitude=45.0, bearing=90.0),
                 Problem(distance=200.0, velocity=60.0, drag="quadratic"),
                 Problem(distance=200.0, drag="linear")]
    new = solve_many(problems)
    _same(new, general(solve_many, problems))
    assert new[-4].azimuth_deg != 0.0 and all(s.converged for s in new[-5:])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (the group's, on such columns)
def test_rows_left_to_the_group(general):
    """Columns that `Problem` would reject, a start given for some rows, a tolerance that no
    start meets: the group answers them, as before."""
    nan = math.nan
    cols = Columns.of([100.0, 1e200, 100.0, 100.0, 0.0, nan, 100.0, 1e-300],
                      velocity=[50.0, 50.0, nan, 50.0, 50.0, 50.0, -50.0, 50.0],
                      angle=[nan, nan, nan, 30.0, nan, nan, nan, nan],
                      gravity=[9.8, 9.8, 9.8, 9.8, 9.8, 9.8, 9.8, 0.0])
    problems = [Problem(distance=1.0)] * cols.size
    for kw in (dict(), dict(start=([40.0, nan, nan, nan, nan, nan, nan, nan], None)),
               dict(tol=1e-300), dict(solver="lbfgs")):
        new = solve_columns(cols, **kw)
        old = general(solve_columns, cols, **kw)
        _same([new.solution(i, p) for i, p in enumerate(problems)],
              [old.solution(i, p) for i, p in enumerate(problems)])


def test_a_callback_or_a_start_watches_the_solver(monkeypatch):
    """A start given is the solver's to work from, and a callback is told of its iterations:
    both take the general path."""
    s = solve_many([Problem(distance=100.0, velocity=50.0)], start=(10.0, None))[0]
    assert s.converged and s.iterations > 0
    monkeypatch.setattr(closed_form, "solve", lambda *a: pytest.fail("a callback skipped"))
    solve_many([Problem(distance=100.0, velocity=50.0)], callback=lambda progress: None)


def test_blocks_do_not_change_the_answers(monkeypatch):
    problems = _problems(500, seed=3)
    whole = solve_many(problems)
    monkeypatch.setattr(closed_form, "BLOCK", 7)
    _same(solve_many(problems), whole)
