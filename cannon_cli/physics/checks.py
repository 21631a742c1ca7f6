"""Checks of an answer that the solve cannot make itself: warnings, never errors.

A drag table gives Cd at the Mach numbers it lists; beyond them the model continues it with a
smooth tail (`dragtable`, "Beyond the table") so that gradients keep working, but what it says
there is an extrapolation, not a measurement. A solver can "converge" on a shot that flies
at Mach 44 (a 2 km minimum-speed shot with a tiny ballistic coefficient): the answer is exact
for the model and meaningless for the projectile. So the Mach range of every answer with a drag
table is checked, from the muzzle to the target distance, and a flight that leaves the table's
range is reported (stderr, and a ``warnings`` list in the JSON).

Where the extremes are. With drag, the speed through the air falls all the way up and, on the
way down, moves monotonically towards the terminal speed; so the fastest point of a flight is
one of its ends (the launch, or the impact of a shot that falls far), and both ends are known
exactly (the answer's launch, and its impact speed and angle). The slowest point can be inside
the flight, just past the apex of a lofted shot: that matters only for a table that does not
start at Mach 0 (the bundled ones do), and for those the flight is integrated in x, like the
model, with `MACH_STEPS` classical RK4 steps of the model's own acceleration
(`field.acceleration`, in the vertical plane), vectorised over a chunk of answers: enough to
place the lowest Mach number to a few parts in a thousand (its last digit does not decide a
warning that says "below").
"""

from __future__ import annotations

import dataclasses
import math
from typing import Optional, Sequence

import numpy as np

from ..problem import Solution
from .columns import Columns
from .medium import medium_of
from .field import acceleration
from .model import Params

#: RK4 steps of the flight that is checked (see the module docstring).
MACH_STEPS = 64


def mach_warning(table_name: str, table_mach, lo: float, hi: float) -> list:
    """The warnings for a flight between Mach ``lo`` and ``hi`` with a table that spans
    ``table_mach`` (its knots)."""
    first, last = float(table_mach[0]), float(table_mach[-1])
    span = f"the {table_name} drag table lists Mach {first:g} to {last:g}"
    out = []
    if hi > last:
        out.append(f"the flight reaches Mach {hi:.3g}, beyond its drag table ({span}): the drag "
                   "there is extrapolated, and the answer means little for a real projectile")
    if lo < first:
        out.append(f"the flight slows to Mach {lo:.3g}, below its drag table ({span}): the drag "
                   "there is extrapolated, and the answer means little for a real projectile")
    return out


def table_name(problem) -> str:
    return problem.drag if problem.drag != "table" else str(problem.drag_table)


def mach_ranges(solutions: Sequence[Solution]) -> list:
    """(lowest, highest) Mach number of each answer's flight from the muzzle to the target
    distance; None without a drag table or without a shot (no finite angle and speed)."""
    out: list = [None] * len(solutions)
    groups: dict = {}
    for i, s in enumerate(solutions):
        p = s.problem
        if not p.table_drag or not (math.isfinite(s.angle_deg) and math.isfinite(s.velocity_mps)
                                    and s.velocity_mps > 0):
            continue
        groups.setdefault(medium_of(p), []).append(i)
    for medium, idx in groups.items():
        sols = [solutions[i] for i in idx]
        probs = [s.problem for s in sols]
        cols = Columns.from_problems(probs)
        p = cols.params(MACH_STEPS)
        wind = cols.wind
        theta = np.radians([s.angle_deg + s.problem.elevation_offset for s in sols])
        v = np.array([s.velocity_mps for s in sols])
        if medium.table.mach[0] > 0:  # the slowest point may be inside the flight
            lo, hi = _flight_mach(p, theta, v)
        else:
            lo = hi = _mach(medium.air, p.launch_height, v * np.cos(theta) - wind,
                            v * np.sin(theta))
        # the end point as the answer reports it
        speed = np.array([s.impact_speed_mps for s in sols])
        angle = np.radians([s.impact_angle_deg for s in sols])
        end = _mach(medium.air, cols.target_height, speed * np.cos(angle) - wind,
                    speed * np.sin(angle))
        lo, hi = np.fmin(lo, end), np.fmax(hi, end)
        for k, i in enumerate(idx):
            if math.isfinite(lo[k]) and math.isfinite(hi[k]):
                out[i] = (float(lo[k]), float(hi[k]))
    return out


def _mach(air, y, ux, uy):
    with np.errstate(invalid="ignore", over="ignore"):
        return np.hypot(ux, uy) / air.speed_of_sound(y)


def _flight_mach(p: Params, theta, v):
    """(min, max) Mach along the flight to x = distance: RK4 in x of (y, vx, vy)."""
    h = p.distance / p.steps
    y = p.launch_height.copy()
    vx, vy = v * np.cos(theta), v * np.sin(theta)
    f = p.forces(lateral=False)

    def field(y, vx, vy):
        ax, ay = acceleration(y, (vx, vy), f)
        return vy / vx, ax / vx, ay / vx

    m = _mach(p.air, y, vx - p.wind, vy)
    lo, hi = m.copy(), m.copy()
    with np.errstate(all="ignore"):
        for _ in range(p.steps):
            k1 = field(y, vx, vy)
            k2 = field(*(s + 0.5 * h * k for s, k in zip((y, vx, vy), k1)))
            k3 = field(*(s + 0.5 * h * k for s, k in zip((y, vx, vy), k2)))
            k4 = field(*(s + h * k for s, k in zip((y, vx, vy), k3)))
            y, vx, vy = (s + h / 6.0 * (a + 2.0 * b + 2.0 * c + e)
                         for s, a, b, c, e in zip((y, vx, vy), k1, k2, k3, k4))
            vx = np.where(vx > 0, vx, np.nan)  # turned back or fell: no further
            m = _mach(p.air, y, vx - p.wind, vy)
            lo, hi = np.fmin(lo, m), np.fmax(hi, m)
    return lo, hi


def with_warnings(solutions: Sequence[Solution]) -> list:
    """The solutions, each with the warnings that apply to it (`Solution.warnings`)."""
    out = list(solutions)
    for i, rng in enumerate(mach_ranges(solutions)):
        if rng is None:
            continue
        p = solutions[i].problem
        notes = mach_warning(table_name(p), medium_of(p).table.mach, *rng)
        if notes:
            out[i] = dataclasses.replace(solutions[i],
                                         warnings=tuple(solutions[i].warnings) + tuple(notes))
    return out


def flight_warnings(physics, mach_lo: Optional[float], mach_hi: Optional[float]) -> list:
    """The warnings for a simulated flight between Mach ``mach_lo`` and ``mach_hi``."""
    if not physics.table_drag or mach_lo is None:
        return []
    return mach_warning(table_name(physics), medium_of(physics).table.mach, mach_lo, mach_hi)
