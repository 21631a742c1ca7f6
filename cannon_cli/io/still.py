"""When a solver's path across the landscape has nothing left to show: the rule by which the
picture stops recording a path (`pictures.solver_path`) before its solver stops.

A first-order solver creeps to its tolerance (1e-12 of the distance) long after its path stops
moving visibly: measured at 300 m with quadratic drag, gd's path moves less than a fifth of a
pixel of the zoomed inset after its 43rd of 107 iterations (~6 ms each, and a bracketed search
when the work budget ends its run). A path is *still* once what it has
left to move is below ``fraction`` of the picture's window in angle and in speed (`STILL`: a
fifth of a pixel of the zoomed inset at the default size). What is left is bounded from its
last `RUN` steps as by a geometric series: when each was at most r < 1 times the one before,
the steps to come, shrinking as fast, add up to at most the last one times r / (1 - r). A path
that oscillates, or stalls (a refused step is a step of zero: no ratio), is never still.
"""

from __future__ import annotations

import math
from itertools import pairwise

#: Below this fraction of the window (each axis) what a path has left to move does not show:
#: the zoomed inset shows an eighth of the window in 234 x 194 pixels at the default size
#: (measured), so a pixel there is 1/1900 of the window's width and 1/1550 of its height.
STILL = 1e-4
#: How many steps in a row must shrink before the bound is believed.
RUN = 10


class Watch:
    """Follows a path point by point; `add` says when it has become still.

    ``amount`` = (angle °, speed m/s): how far a path may still move unseen (``fraction`` of
    the window each way)."""

    def __init__(self, amount: tuple):
        self.amount = amount
        self.last = None
        self.steps: list[float] = []

    def add(self, angle: float, speed: float) -> bool:
        """Record the next point; True once the path is still there."""
        if self.last is not None:
            da = abs(angle - self.last[0]) / self.amount[0]
            dv = abs(speed - self.last[1]) / self.amount[1]
            self.steps = [*self.steps[-(RUN - 1):], max(da, dv)]
        self.last = (angle, speed)
        return left(self.steps) < 1.0


def left(steps) -> float:
    """What is left to move after ``steps`` (the last `RUN` step lengths, in any unit),
    bounded as by a geometric series; inf unless there are `RUN` and each is shorter than the
    one before."""
    if len(steps) < RUN or not all(math.isfinite(s) for s in steps):
        return math.inf
    if not all(0 < b < a for a, b in pairwise(steps)):
        return math.inf
    r = max(b / a for a, b in pairwise(steps))
    return steps[-1] * r / (1.0 - r)
