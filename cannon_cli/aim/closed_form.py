"""A vacuum group answered by the closed forms (`physics.vacuum`), as whole arrays.

In vacuum `group.Group` starts every problem at its closed-form answer (`start`), confirms it
by one evaluation of the residual and, for a fixed speed, by the sign of the slope (the arc),
and reports it: about a hundred array operations over its state for searches and refinements
that vacuum never needs, and for the minimum speed an autograd trace of the residual. Here the
same starts, the same checks and the same report go straight into the `Results` arrays.

What the closed forms do not settle so is left to the group, which decides it as before: a
target out of reach at its speed (the highest crossing its message quotes is a search's, to
1e-9 rad), a start whose residual misses the tolerance or the arc, a fixed angle that needs
more than max_velocity, sizes that overflow, a start given by the caller. The group sees
those problems in its first solver run as it would have among all of them, so its answers are
the same (L-BFGS-B, which optimises a chunk jointly, included).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..physics import vacuum
from ..physics.columns import Columns
from ..problem import Status
from .reach import LIMIT
from .results import Results

#: The minimum speed's second residual, cos²(theta) d(height)/d(theta) / x, is an autograd
#: derivative in the group and the closed form `vacuum.flight`'s ``arc`` here (the same
#: number but for rounding), so a start is taken here only within this fraction of the
#: tolerance, and one nearer it is left to the group.
SLOPE_MARGIN = 0.5
#: Rows answered at a time: a block's temporaries (a few dozen arrays) stay in the CPU's
#: cache. Measured, 1,000,000 targets: a quarter less time than whole arrays.
BLOCK = 1 << 15


def applies(medium, three: bool, callback) -> bool:
    """Whether a group (`Columns.groups`: one ``medium``, one kind, all 2-D or all
    ``three``-dimensional) is answered here: 2-D shots in vacuum (`model.Params.closed_form`),
    without a callback (it reports a solver's iterations, which this path has not)."""
    return callback is None and medium.drag == "none" and not three


def solve(cols: Columns, kind: str, index, opts: dict,
          general: Callable[[np.ndarray], Results]) -> Results:
    """The `Results` of the vacuum problems ``cols`` of one ``kind`` (`unknowns.KINDS`), at
    ``index`` in the whole batch, as `group.Group` reports them; ``general(rows)`` answers
    the rows (of ``cols``) that are left to the group."""
    n = cols.size
    out = Results(*(np.empty(n) for _ in range(7)), converged=np.empty(n, dtype=bool),
                  iterations=np.zeros(n, dtype=int), steps=np.zeros(n, dtype=int),
                  message=[""] * n, status=[Status.SOLVED] * n, solver=opts["solver"])
    for lo in range(0, n, BLOCK):
        rows = slice(lo, min(lo + BLOCK, n))
        _answer(cols.take(rows), kind, opts["tol"], out, rows)
    settled = out.converged.copy()
    if kind == "both":
        _above_max_velocity(out, cols.max_velocity_mps)
    given = opts.get("start")
    if given is not None:  # the caller's start: the solver's work, to watch
        a0, v0 = (s[index] for s in given)
        settled &= ~(np.isfinite(a0) | np.isfinite(v0))
    rest = np.flatnonzero(~settled)
    if rest.size:
        out.put(rest, general(rest))
    return out


def _answer(cols: Columns, kind: str, tol: float, out: Results, rows: slice) -> None:
    """Rows ``rows`` of ``out``, from their start (``cols``: those rows); converged where the
    group takes the start as the answer."""
    x, h0, g = cols.distance, cols.launch_height, cols.gravity
    offset = None if cols.elevation_offset is None else cols.offset_rad
    with np.errstate(all="ignore"):
        launch, theta, speed = _start(kind, cols, x, cols.target_height - h0, g, offset)
        y, vx, vy, t, top, *arc = vacuum.flight(launch, speed, x, h0, g, arc=kind != "speed")
        miss = np.subtract(y, cols.target_height, out=out.miss_m[rows])
        ok = (np.abs(miss / x) <= tol) & np.isfinite(theta) & np.isfinite(speed)
        if kind == "angle":  # on the arc asked for (the slope's sign: x sec² > 0)
            ok &= np.where(cols.high, arc[0] < 0, arc[0] > 0)
        elif kind == "both":  # the top of the heights this speed reaches: a zero slope
            ok &= np.abs(arc[0]) <= SLOPE_MARGIN * tol
        huge = _overflows(g, x)
        if huge is not None:
            ok &= ~huge
        out.converged[rows] = ok
        if kind == "speed":  # a fixed angle is echoed as given, not through radians and back
            out.angle_deg[rows] = cols.angle_deg
        else:
            angle = np.degrees(theta if offset is None else theta - offset,
                               out=out.angle_deg[rows])
            fixed = np.isfinite(cols.angle_deg)  # (columns may give both: the angle wins)
            if fixed.any():
                angle[fixed] = cols.angle_deg[fixed]
        out.velocity_mps[rows] = speed
        out.flight_time_s[rows] = t
        out.apex_height_m[rows] = top
        # (the group's np.hypot and np.arctan2 to an ulp, at a third of their cost: in vacuum
        # neither square overflows where the sizes do not, and vx > 0 where a shot hits)
        np.sqrt(vx * vx + vy * vy, out=out.impact_speed_mps[rows])
        np.degrees(np.arctan(vy / np.abs(vx)), out=out.impact_angle_deg[rows])


def _start(kind, cols, x, dy, g, offset):
    """(`vacuum.Launch`, theta rad, speed m/s) of the group's start (`unknowns`, `start`
    without drag), as its solver's first evaluation sees them: the scaled unknowns clipped to
    their bounds."""
    if kind == "angle":
        theta = np.clip(vacuum.angle_for_speed(cols.velocity_mps, x, dy, g, cols.high),
                        -LIMIT, LIMIT)
        return vacuum.Launch.of(theta), theta, cols.velocity_mps
    unit = np.sqrt(g * x)  # the group's unit of speed (`loss.Batch.speed_unit`)
    if kind == "speed":
        theta = np.radians(cols.angle_deg)
        if offset is not None:
            theta += offset
        launch = vacuum.Launch.of(theta)
        vmax = np.where(np.isfinite(cols.max_velocity_mps), cols.max_velocity_mps, np.inf)
        v = np.minimum(vacuum.speed_for_angle(launch, x, dy, g), vmax)
        return launch, theta, np.clip(v / unit, 1e-3, vmax / unit) * unit
    theta = vacuum.minimum_speed(x, dy, g)[0]
    launch = vacuum.Launch.of(theta)
    v = vacuum.speed_for_angle(launch, x, dy, g)
    if not np.abs(theta).max() <= LIMIT:  # (some start at the vertical, or none)
        theta = np.clip(theta, -LIMIT, LIMIT)
        launch = vacuum.Launch.of(theta)
    return launch, theta, np.maximum(v / unit, 1e-3) * unit


def _overflows(g, x):
    """Where the sizes overflow double precision as the group decides it (no start: not
    converged), or None where no row's can: four reductions instead of six operations a
    row."""
    with np.errstate(all="ignore"):
        if g.min() >= 0 and x.min() >= 0 and np.isfinite(g.max() * x.max() ** 2):
            return None
        return ~(np.isfinite(np.sqrt(g * x)) & np.isfinite(g * x ** 2))


def _above_max_velocity(out: Results, vmax) -> None:
    """A least speed above max_velocity is out of reach (`unknowns.Both.examine`)."""
    for i in np.flatnonzero(out.converged & (out.velocity_mps > vmax * (1 + 1e-12))):
        out.converged[i] = False
        out.status[i] = Status.OUT_OF_REACH
        out.message[i] = (f"out of reach: the minimum speed is {out.velocity_mps[i]:.6g} m/s, "
                          f"above max_velocity_mps {vmax[i]:g}")
