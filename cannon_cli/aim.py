"""Problems in, solutions out: `solve` for one target, `solve_many` for a batch, one code path.

The batch is grouped by drag model and by what is unknown; each group is solved as arrays. For
each group:

1. start from the drag-aware closed forms (`start`), with a step count fitted to the shot;
2. run the chosen solver on the group's residual (`loss`);
3. check what it found: a speed-fixed shot must be on the arc asked for; a failure is examined
   (is the target within reach at all?) and, if reachable, solved again inside the arc's bracket;
4. check the discretisation: the miss is recomputed with half the RK4 steps, and a shot whose
   estimated error (y_n - y_{n/2}) / 15 (/ 3 with a drag table) exceeds `ACCURACY` x distance
   is solved again with twice the steps;
5. report flight time, apex and impact from that last integration, and the miss with the
   estimated discretisation error taken out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from . import solvers, start
from .loss import Batch, height_miss, max_height_residual, residual
from .model import Y, Params, flight, integrate
from .columns import Columns, Results
from .problem import Problem, Solution

#: Default solver tolerance: the miss (and, for the minimum-speed shot, d miss / d angle) over
#: the distance.
DEFAULT_TOL = 1e-12
#: Largest tolerated discretisation error, relative to the distance (the promise is 1e-6).
ACCURACY = 1e-7
#: Fewest RK4 steps, and the most before giving up on refining.
MIN_STEPS, MAX_STEPS = 16, 4096
#: Richardson divisor 2^p - 1 for a drag table. The PCHIP Cd(Mach) has a second derivative
#: that jumps at the knots, so RK4 steps that straddle knots converge at order 2-3, irregularly
#: (measured for the .308 G7 shot: the true error was 0.1-11x the order-4 estimate); counting
#: order 2 makes the estimate 5x more cautious.
RICHARDSON_TABLE = 3.0
#: Fewest RK4 steps for the search of the angle that passes the distance highest.
REACH_STEPS = 256
#: Speed bound (m/s) when the problem sets none.
SPEED_CAP = 1.0e5
_ANGLE_LIMIT = math.radians(89.9)


@dataclass(frozen=True)
class SolveProgress:
    """One solver iteration of the problems still iterating, in physical units (arrays)."""

    iteration: int
    index: np.ndarray
    loss: np.ndarray
    angle_deg: np.ndarray
    velocity_mps: np.ndarray
    miss_m: np.ndarray


ProgressCallback = Optional[Callable[[SolveProgress], None]]


def solve(problem: Problem, *, solver: str = "lbfgs", tol: float = DEFAULT_TOL,
          max_iter: Optional[int] = None, learning_rate: Optional[float] = None,
          start: Optional[tuple] = None, callback: ProgressCallback = None) -> Solution:
    """Solve one problem. See `solve_many`."""
    return solve_many([problem], solver=solver, tol=tol, max_iter=max_iter,
                      learning_rate=learning_rate, start=start, callback=callback)[0]


def solve_many(problems: Sequence[Problem], *, solver: str = "lbfgs", tol: float = DEFAULT_TOL,
               max_iter: Optional[int] = None, learning_rate: Optional[float] = None,
               start: Optional[tuple] = None,
               callback: ProgressCallback = None) -> list[Solution]:
    """Solve many problems at once, vectorised over targets; one `Solution` per problem, in order.

    ``solver`` is one of lbfgs, newton, adam, gd. ``tol`` is the relative miss at which the
    solver stops; ``max_iter`` and ``learning_rate`` default per solver. ``start`` =
    (angle_deg, velocity_mps), scalars or per-problem arrays (NaN or None: the built-in start),
    replaces the built-in starting point for the unknowns; the built-in one is exact in
    vacuum, so this is how to watch a solver work there (and how a policy's answer is used).
    ``callback`` receives a `SolveProgress` after every iteration.
    """
    results = solve_columns(Columns.from_problems(problems), solver=solver, tol=tol,
                            max_iter=max_iter, learning_rate=learning_rate, start=start,
                            callback=callback)
    return [results.solution(i, p) for i, p in enumerate(problems)]


def solve_columns(cols: Columns, *, solver: str = "lbfgs", tol: float = DEFAULT_TOL,
                  max_iter: Optional[int] = None, learning_rate: Optional[float] = None,
                  start: Optional[tuple] = None, callback: ProgressCallback = None) -> Results:
    """`solve_many` for problems given as arrays (`Columns`), answered as arrays (`Results`):
    no per-problem objects, for large batches."""
    if solver not in solvers.SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose from {', '.join(solvers.SOLVERS)}")
    if start is not None:  # per problem, NaN where the built-in start is to be used
        start = tuple(np.broadcast_to(np.asarray(np.nan if s is None else s, dtype=float),
                                      (cols.size,)) for s in start)
    opts = dict(
        solver=solver, tol=float(tol),
        max_iter=int(max_iter) if max_iter is not None else solvers.DEFAULT_MAX_ITER[solver],
        start=start,
        learning_rate=learning_rate if learning_rate is not None
        else solvers.DEFAULT_LEARNING_RATE[solver],
    )
    groups = cols.groups() if cols.size else []
    if len(groups) == 1 and groups[0][2].size == cols.size:  # one kind of problem: no copies
        return _Group(cols, *groups[0], opts, callback).run()
    out = Results.empty(cols.size, solver)
    for medium, kind, idx in groups:
        out.put(idx, _Group(cols.take(idx), medium, kind, idx, opts, callback).run())
    return out


def _distinct(values: np.ndarray) -> np.ndarray:
    """np.unique, without the sort when every value is the same (the usual case)."""
    if values.size and (values == values[0]).all():
        return values[:1]
    return np.unique(values)


def _flatter(theta):
    """Halfway to level: the way towards a shot that reaches the target distance."""
    return 0.5 * theta


def _steps_for(theta) -> np.ndarray:
    """RK4 steps for a shot launched at theta: 16, doubled for every doubling of the launch
    slope past 1/2 (steep shots turn fast in x). The a-posteriori check refines further."""
    slope = np.maximum(1.0, 2.0 * np.abs(np.tan(np.nan_to_num(theta, nan=0.8))))
    return np.minimum(MIN_STEPS * 2 ** np.ceil(np.log2(slope)), MAX_STEPS).astype(int)


class _Group:
    """The problems of one drag model and one kind of unknowns, solved together."""

    def __init__(self, cols: Columns, medium, kind: str, index, opts: dict,
                 callback: ProgressCallback):
        self.cols, self.kind, self.opts, self.callback = cols, kind, opts, callback
        self.index = np.asarray(index)
        nan = float("nan")
        params = Params(medium.drag, cols.distance, cols.launch_height, cols.gravity,
                        cols.wind, cols.drag_k, cols.drag_c, MIN_STEPS, medium.table, medium.air)
        self.batch = Batch(kind, params, cols.target_height, np.radians(cols.angle_deg),
                           cols.velocity_mps)
        self.high = cols.high
        self.bounded = np.isfinite(cols.max_velocity_mps)
        self.vmax = np.where(self.bounded, cols.max_velocity_mps, SPEED_CAP)
        n = cols.size
        self.theta = np.full(n, nan)
        self.speed = np.full(n, nan)
        self.converged = np.zeros(n, dtype=bool)
        self.iterations = np.zeros(n, dtype=int)
        self.steps = np.zeros(n, dtype=int)
        self.message = [""] * n
        #: at the current answer: (y, vx, vy, t, apex), discretisation error of y, d y / d angle
        self.end = np.full((5, n), nan)
        self.error = np.full(n, nan)
        self.slope = np.full(n, nan)

    # -- bounds on the scaled unknowns -----------------------------------------------------
    def _bounds(self, b: Batch, vmax, angle_lo=None, angle_hi=None):
        n = b.size
        lo_a = np.full(n, -_ANGLE_LIMIT) if angle_lo is None else angle_lo
        hi_a = np.full(n, _ANGLE_LIMIT) if angle_hi is None else angle_hi
        if b.kind == "angle":
            return lo_a[:, None], hi_a[:, None]
        lo_v = np.full(n, 1e-3)
        hi_v = (vmax if b.kind == "speed" else np.full(n, SPEED_CAP)) / b.speed_unit
        if b.kind == "speed":
            return lo_v[:, None], hi_v[:, None]
        return np.stack([lo_a, lo_v], 1), np.stack([hi_a, hi_v], 1)

    def _start(self):
        b = self.batch
        dy = b.target_height - b.params.launch_height
        if self.kind == "angle":
            theta = start.angle_for_speed(b.params, dy, b.velocity, self.high)
            return theta, b.velocity.copy()
        if self.kind == "speed":
            v = start.speed_for_angle(b.params, dy, b.angle)
            return b.angle.copy(), np.minimum(v, self.vmax)
        # unbounded: the minimum speed is found first, and compared with max_velocity after
        return start.minimum_speed(b.params, dy)

    def _run_solver(self, rows, theta, speed, steps, lower=None, upper=None):
        """Run the chosen solver on ``rows`` (all with the same step count)."""
        b = self.batch.take(rows).with_steps(steps)
        z0 = b.pack(theta, speed)
        lo, hi = self._bounds(b, self.vmax[rows])
        if lower is not None:
            lo, hi = lower, upper
        z0 = np.clip(z0, lo, hi)
        fn = solvers.SOLVER_FUNCTIONS[self.opts["solver"]]
        res = fn(residual(b), z0, lo, hi, tol=self.opts["tol"], max_iter=self.opts["max_iter"],
                 learning_rate=self.opts["learning_rate"],
                 callback=self._progress(b, rows) if self.callback else None)
        th, v = b.unpack(res.z)
        return np.asarray(th, float), np.asarray(v, float), res

    def _progress(self, b: Batch, rows):
        def report(p: solvers.Progress):
            sub = b.take(p.active)  # the problems still iterating, in the solver's order
            th, v = sub.unpack(p.z)
            miss = p.residual[:, 0] * sub.params.distance
            self.callback(SolveProgress(p.iteration, self.index[rows[p.active]], p.loss,
                                        np.degrees(np.asarray(th, float)),
                                        np.asarray(v, float), miss))
        return report

    def run(self) -> Results:
        b = self.batch
        n = b.size
        theta, speed = self._start()
        given = self.opts.get("start")
        if given is not None:
            a0, v0 = (s[self.index] for s in given)
            if self.kind != "speed":
                theta = np.where(np.isfinite(a0), np.radians(a0), theta)
            if self.kind != "angle":
                speed = np.where(np.isfinite(v0), v0, speed)
        todo = np.isfinite(theta) & np.isfinite(speed)
        for i in np.flatnonzero(~todo):  # only a fixed angle below the line of sight does this
            self.message[i] = (f"out of reach: the line of sight at {math.degrees(b.angle[i]):g}° "
                               f"passes below the target, no speed can reach it")
            self.theta[i], self.speed[i] = b.angle[i], self.vmax[i]
        self.theta[todo], self.speed[todo] = theta[todo], speed[todo]
        steps = _steps_for(theta) if b.params.drag != "none" else np.full(n, MIN_STEPS)
        self.steps[:] = steps
        rows = np.flatnonzero(todo)
        if b.params.drag != "none":
            self._make_feasible(rows)
        self._solve_rows(rows)
        for i in np.flatnonzero(~todo):
            self._measure(np.array([i]), int(self.steps[i]))
        return self._report()

    def _make_feasible(self, rows):
        """Move starts from which the shot never reaches the target distance (it falls
        vertically first, so the loss is undefined) to where it does: faster for an unknown
        speed, flatter for an unknown angle (at a given speed the horizontal speed, and so the
        reach, is largest at 0°)."""
        for _ in range(40):
            miss = np.empty(len(rows))
            for steps in _distinct(self.steps[rows]):
                sel = self.steps[rows] == steps
                r = rows[sel]
                b = self.batch.take(r).with_steps(max(int(steps) // 2, 1))
                miss[sel] = np.asarray(height_miss(self.theta[r], self.speed[r], b))
            bad = rows[~np.isfinite(miss)]
            if not bad.size:
                return
            if self.kind == "angle":
                self.theta[bad] = _flatter(self.theta[bad])
            else:
                cap = self.vmax[bad] if self.kind == "speed" else SPEED_CAP
                self.speed[bad] = np.minimum(1.5 * self.speed[bad], cap)

    def _solve_rows(self, rows):
        """Solve ``rows`` from the current theta/speed, grouped by step count; then check arc
        and reach, and the discretisation, refining where needed."""
        for steps in _distinct(self.steps[rows]):
            sub = rows[self.steps[rows] == steps]
            self._solve(sub, int(steps))
            self._examine(sub)
        for _ in range(12):
            ok = rows[self.converged[rows]]
            redo = ok[~(np.abs(self.error[ok]) <= ACCURACY * self.batch.params.distance[ok])
                      & (self.steps[ok] < MAX_STEPS)]
            if not redo.size:
                break
            self.steps[redo] *= 2
            for steps in _distinct(self.steps[redo]):
                sub = redo[self.steps[redo] == steps]
                self._solve(sub, int(steps), *self._arc_bounds(sub, int(steps)))
                for i in sub[~self.converged[sub]]:
                    self.message[i] = self._not_converged()

    def _solve(self, rows, steps, lower=None, upper=None):
        """Run the solver on ``rows`` (one step count) and measure where it ended (`_measure`)."""
        th, v, res = self._run_solver(rows, self.theta[rows], self.speed[rows], steps,
                                      lower, upper)
        self.theta[rows], self.speed[rows] = th, v
        self.iterations[rows] += res.iterations
        self.converged[rows] = res.converged
        self._measure(rows, steps)

    def _measure(self, rows, steps):
        """One integration at the answer with ``steps`` steps (with d/dangle for a fixed speed,
        and the apex) for the report and the arc check, and one with half the steps for the
        discretisation error: RK4 is 4th order, so y_n - y_true ~ (y_n - y_{n/2}) / 15; with a
        drag table, only C1 at its knots, counted as 2nd order: / 3."""
        self.steps[rows] = steps
        b = self.batch.take(rows)
        p = b.params.with_steps(steps)
        th, v = self.theta[rows], self.speed[rows]
        if p.drag == "none":
            y, vx, vy, t, top = flight(th, v, p)
            # dy/dtheta in closed form: D sec^2(theta) (1 - g D tan(theta) / v^2)
            slope = (p.distance / np.cos(th) ** 2 * (1.0 - p.gravity * p.distance * np.tan(th)
                                                     / (v * v))) if self.kind == "angle" else None
            error = np.zeros(len(rows))
        else:
            order = 1 if self.kind == "angle" else 0
            x, d1, _, top = integrate(th, v, p, order=order, dirs=(0,), apex=True)
            y, vx, vy, t = x
            slope = d1[Y, 0] if order else None
            half = integrate(th, v, p.with_steps(max(steps // 2, 1)))[0][Y]
            error = (y - half) / (RICHARDSON_TABLE if p.table is not None else 15.0)
        for i, col in enumerate((y, vx, vy, t, top)):
            self.end[i, rows] = col
        self.error[rows] = error
        if slope is not None:
            self.slope[rows] = slope

    def _examine(self, rows):
        """After the solver: the fixed-speed answer must be on the arc asked for; a failure
        is examined for reach."""
        if self.kind == "angle":
            slope = self.slope[rows]
            wrong = np.where(self.high[rows], ~(slope < 0), ~(slope > 0))
            bad = rows[~self.converged[rows] | wrong]
            self.converged[bad] = False
            for steps in _distinct(self.steps[bad]):
                self._reach_at_speed(bad[self.steps[bad] == steps], int(steps))
        elif self.kind == "speed":
            bad = rows[~self.converged[rows]]
            for steps in _distinct(self.steps[bad]):
                self._reach_at_angle(bad[self.steps[bad] == steps], int(steps))
        else:
            over = rows[self.converged[rows] & (self.speed[rows] > self.vmax[rows] * (1 + 1e-12))]
            for i in over:
                self.converged[i] = False
                self.message[i] = (f"out of reach: the minimum speed is {self.speed[i]:.6g} m/s, "
                                   f"above max_velocity_mps {self.vmax[i]:g}")
            for i in rows[~self.converged[rows]]:
                if not self.message[i]:
                    self.message[i] = self._not_converged()

    def _not_converged(self):
        return (f"not converged: {self.opts['solver']} stopped short of the tolerance "
                f"{self.opts['tol']:g} (limit {self.opts['max_iter']} iterations)")

    def _reach_at_speed(self, rows, steps):
        """Speed fixed, solver failed or found the other arc: is the target within reach? Find
        the angle that passes x = D highest; below the target means out of reach, otherwise
        solve again inside the bracket of the arc asked for. The top is often a steep,
        nearly stalling shot, so it is looked for with at least `REACH_STEPS` steps."""
        b = self.batch.take(rows).with_steps(max(steps, REACH_STEPS))
        top0, lo, hi = self._scan_top(b)
        res = solvers.newton(max_height_residual(b), top0[:, None], lo[:, None], hi[:, None],
                             tol=1e-12, max_iter=100)
        # Newton refines the scan's best angle inside its bracket; where it did not converge,
        # the scan's best stands (its height is what decides reachability)
        z = res.z[:, 0]
        refined = self._resolved_height(z, b)
        better = np.isfinite(refined) & (refined >= self._resolved_height(top0, b))
        res = solvers.Result(np.where(better, z, top0)[:, None], res.residual, res.converged,
                             res.iterations)
        theta_top = res.z[:, 0]
        best = self._resolved_height(theta_top, b)
        reachable = best >= -self.opts["tol"] * b.params.distance
        for j, i in enumerate(rows):
            if not reachable[j]:
                self.theta[i] = theta_top[j]
                self.message[i] = (
                    f"out of reach at {b.velocity[j]:g} m/s: the highest this speed can pass "
                    f"x = {b.params.distance[j]:g} m is {best[j] + b.target_height[j]:.6g} m, "
                    f"the target is at {b.target_height[j]:g} m")
        if (~reachable).any():
            self._measure(rows[~reachable], steps)
        again = rows[reachable]
        if not again.size:
            return
        top = theta_top[reachable]
        grazing = np.abs(best[reachable]) <= self.opts["tol"] * b.params.distance[reachable]
        if grazing.any():
            self.theta[again[grazing]] = top[grazing]
            self.converged[again[grazing]] = True
            self._measure(again[grazing], steps)
        again, top = again[~grazing], top[~grazing]
        if not again.size:
            return
        high = self.high[again]
        lo_a = np.where(high, top, -_ANGLE_LIMIT)
        hi_a = np.where(high, _ANGLE_LIMIT, top)
        # start inside the arc's bracket, a little off the top (where the slope vanishes), and
        # where the shot reaches the distance: towards the top until it does
        th = self.theta[again]
        off = np.where(high, top + 0.1, top - 0.1)
        inside = np.isfinite(th) & (th > lo_a) & (th < hi_a)
        th = np.clip(np.where(inside, th, off), lo_a + 1e-3 * (hi_a - lo_a),
                     hi_a - 1e-3 * (hi_a - lo_a))
        sub = self.batch.take(again).with_steps(steps)
        for _ in range(40):
            bad = ~np.isfinite(np.asarray(height_miss(th, sub.velocity, sub), float))
            if not bad.any():
                break
            th[bad] = 0.5 * (th[bad] + top[bad])
        self.theta[again] = th
        self._solve(again, steps, *self._bounds(sub, self.vmax[again], lo_a, hi_a))
        for i in again[~self.converged[again]]:
            self.message[i] = self._not_converged()

    @staticmethod
    def _resolved_height(theta, b: Batch):
        """The miss at the fixed speed, NaN where the integration cannot be trusted: close to
        stalling before the distance a shot can come out finite but meaningless, which shows as
        a disagreement with half the steps (more than 1e-4 x distance, estimated)."""
        fine = np.asarray(height_miss(theta, b.velocity, b), float)
        if b.params.drag == "none":
            return fine
        coarse = np.asarray(height_miss(theta, b.velocity,
                                        b.with_steps(max(b.params.steps // 2, 1))), float)
        return np.where(np.abs(fine - coarse) <= 15 * 1e-4 * b.params.distance, fine, np.nan)

    def _scan_top(self, b: Batch, count: int = 91):
        """The angle that passes x = D highest at the fixed speed, roughly: the best of
        ``count`` angles across (-89.9°, 89.9°), all shots integrated at once; returns it and
        the bracket of its neighbours. Robust where Newton alone is not: far from the top the
        slope can point out of the region where the shot reaches D at all."""
        n = b.size
        grid = np.linspace(-_ANGLE_LIMIT, _ANGLE_LIMIT, count)
        rows = np.repeat(np.arange(n), count)
        many = b.take(rows)
        angles = np.tile(grid, n)
        heights = self._resolved_height(angles, many)
        heights = np.where(np.isfinite(heights), heights, -np.inf).reshape(n, count)
        best = np.argmax(heights, axis=1)
        lo = grid[np.maximum(best - 1, 0)]
        hi = grid[np.minimum(best + 1, count - 1)]
        return grid[best].copy(), lo, hi

    def _reach_at_angle(self, rows, steps):
        """Angle fixed and the solver failed: out of reach if even the top speed falls short."""
        b = self.batch.take(rows).with_steps(steps)
        cap = self.vmax[rows]
        best = np.asarray(height_miss(b.angle, cap, b), float)
        short = ~(best >= 0)
        for j, i in enumerate(rows):
            if short[j]:
                self.speed[i] = cap[j]
                what = "max_velocity_mps" if self.bounded[i] else "the speed cap"
                where = (f"{best[j] + b.target_height[j]:.6g} m" if np.isfinite(best[j])
                         else "nowhere: it never gets there")
                self.message[i] = (
                    f"out of reach at {math.degrees(b.angle[j]):g}°: even at {cap[j]:g} m/s "
                    f"({what}) the shot passes x = {b.params.distance[j]:g} m at {where}, "
                    f"the target is at {b.target_height[j]:g} m")
            else:
                self.message[i] = self._not_converged()
        if short.any():
            self._measure(rows[short], steps)

    def _arc_bounds(self, rows, steps):
        b = self.batch.take(rows).with_steps(steps)
        if self.kind != "angle":
            return self._bounds(b, self.vmax[rows])
        # a refinement moves the angle a little: keep it on its own side of the top angle
        th = self.theta[rows]
        lo = np.where(self.high[rows], th - 0.05, -_ANGLE_LIMIT)
        hi = np.where(self.high[rows], _ANGLE_LIMIT, th + 0.05)
        return self._bounds(b, self.vmax[rows], np.maximum(lo, -_ANGLE_LIMIT),
                            np.minimum(hi, _ANGLE_LIMIT))

    # -- the report --------------------------------------------------------------------------
    def _report(self) -> Results:
        b = self.batch
        y, vx, vy, t, top = self.end
        fixed = np.isfinite(self.cols.angle_deg)
        msg = [""] * b.size
        for i in np.flatnonzero(~self.converged):
            msg[i] = self.message[i] or self._not_converged()
        return Results(
            # a fixed angle is echoed as given, not through radians and back
            angle_deg=np.where(fixed, self.cols.angle_deg, np.degrees(self.theta)),
            velocity_mps=self.speed.copy(),
            flight_time_s=t, apex_height_m=top,
            impact_speed_mps=np.hypot(vx, vy),
            impact_angle_deg=np.degrees(np.arctan2(vy, vx)),
            # the miss with the discretisation error taken out (Richardson)
            miss_m=np.abs(y + self.error - b.target_height),
            converged=self.converged.copy(), iterations=self.iterations.copy(),
            steps=self.steps.copy() if b.params.drag != "none" else np.zeros(b.size, dtype=int),
            message=msg,
            solver=self.opts["solver"])
