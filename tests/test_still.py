"""When a path across the landscape stops being drawn (`io.still`): the bound on what it has
left to move, and when it is believed."""

from __future__ import annotations

import math

import pytest

from cannon_cli.io.still import RUN, Watch, left


def test_steps_that_shrink_geometrically_leave_their_geometric_series():
    steps = [0.5 ** k for k in range(RUN)]
    assert left(steps) == pytest.approx(steps[-1])  # r = 1/2: r / (1 - r) = 1
    slow = [0.9 ** k for k in range(RUN)]
    assert left(slow) == pytest.approx(slow[-1] * 9)


@pytest.mark.parametrize("steps", [
    [0.5 ** k for k in range(RUN - 1)],  # too few to believe
    [1.0, 0.5] * (RUN // 2),  # oscillating
    [0.5 ** k for k in range(RUN - 1)] + [0.0],  # a refused step: no ratio
    [0.5 ** k for k in range(RUN - 1)] + [math.nan],
])
def test_no_bound_without_a_run_of_shrinking_steps(steps):
    assert left(steps) == math.inf


def test_watch_is_still_once_the_bound_is_below_the_amount_on_each_axis():
    # steps halving in angle, the speed fixed: the bound is the last step
    w = Watch((1e-3, 1.0))
    a, step, still = 10.0, 1.0, []
    assert not w.add(a, 50.0)
    for _ in range(30):
        a += step
        still.append(w.add(a, 50.0))
        step *= 0.5
    first = still.index(True)
    assert first >= RUN - 1 and all(still[first:])
    assert 0.5 ** first < 1e-3 <= 0.5 ** (first - 1)  # the last step then, and not before
