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

from . import reach, solvers, start
from .loss import Batch, height_miss, residual
from .model import WORK, Y, Params, flight, integrate, step_cost
from .columns import Columns, Results
from .problem import Problem, Solution

#: Default solver tolerance: the miss (and, for the minimum-speed shot, d miss / d angle) over
#: the distance.
DEFAULT_TOL = 1e-12
#: Largest tolerated discretisation error, relative to the distance, aimed at ...
ACCURACY = 1e-7
#: ... and the promise: a solved shot misses by at most this times the distance.
PROMISE = 1e-6
#: A shot whose horizontal speed at the target is below this fraction of its launch's is
#: integrated on a graded mesh (`model.Params.mesh`).
STALL = 0.25
#: The work budget of one solver run, in RK4 steps (iterations x steps): it bounds the time
#: of a solve that needs thousands of steps (about 15 us a step for one shot).
WORK_STEPS = 40_000
#: The work budget of a whole solve, per problem in a group of up to 64 (more share it
#: proportionally), in RK4 steps integrated (`model.WORK`): past it no refinement or search
#: starts, and what is not solved by then is reported as not converged, saying why.
WORK_BUDGET = 60_000
#: ... times this for the first-order solvers, which take hundreds of iterations by nature
FIRST_ORDER_WORK = {"gd": 3, "adam": 3}
#: RK4 steps of the first search for the greatest range of a shot that falls short, and the
#: work it may take beyond the solve's budget (RK4 steps, see `WORK_BUDGET`).
RANGE_STEPS, RANGE_WORK = 64, 40_000
#: The most RK4 steps the bracketed searches of `reach` use (their answers are starts).
SEARCH_STEPS = 512
#: Fewest RK4 steps, and the most before giving up on refining.
MIN_STEPS, MAX_STEPS = 16, 4096
#: The most RK4 steps a start is given (a steep shot stalls at its end, which a graded mesh
#: resolves better than more even steps: see `_refine`).
START_STEPS = 128
#: Richardson divisor 2^p - 1 for a drag table. The PCHIP Cd(Mach) has a second derivative
#: that jumps at the knots, so RK4 steps that straddle knots converge at order 2-3, irregularly
#: (measured for the .308 G7 shot: the true error was 0.1-11x the order-4 estimate); counting
#: order 2 makes the estimate 5x more cautious.
RICHARDSON_TABLE = 3.0
#: Tolerance (relative miss) of the bracketed searches of `reach`, at least: their answers are
#: starts that the solver then confirms to its own tolerance.
SEARCH_TOL = 1e-10
_ANGLE_LIMIT = reach.LIMIT


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
    return np.minimum(MIN_STEPS * 2 ** np.ceil(np.log2(slope)), START_STEPS).astype(int)


class _Group:
    """The problems of one drag model and one kind of unknowns, solved together."""

    def __init__(self, cols: Columns, medium, kind: str, index, opts: dict,
                 callback: ProgressCallback):
        self.cols, self.kind, self.opts, self.callback = cols, kind, opts, callback
        self.index = np.asarray(index)
        nan = float("nan")
        #: per problem, the grading of the RK4 mesh (`model.Params.mesh`); 1 until a shot
        #: that stalls towards the target needs it. Shared with ``params``: set in place.
        self.grading = np.ones(cols.size)
        params = Params(medium.drag, cols.distance, cols.launch_height, cols.gravity,
                        cols.wind, cols.drag_k, cols.drag_c, MIN_STEPS, medium.table, medium.air,
                        self.grading)
        self.batch = Batch(kind, params, cols.target_height, np.radians(cols.angle_deg),
                           cols.velocity_mps)
        self.high = cols.high
        self.bounded = np.isfinite(cols.max_velocity_mps)
        self.vmax = np.where(self.bounded, cols.max_velocity_mps, np.inf)
        n = cols.size
        self.budget = WORK.steps + int(WORK_BUDGET * max(1.0, n / 64)
                                       * FIRST_ORDER_WORK.get(opts["solver"], 1))
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
        hi_v = (vmax if b.kind == "speed" else np.full(n, np.inf)) / b.speed_unit
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
        # the run's work, line searches included, within the budget of one run
        cost = max(int(steps), 1) * self._step_cost()
        end = WORK.steps + max(min(WORK_STEPS, self._left()), 4 * cost)
        res = fn(residual(b), z0, lo, hi, tol=self.opts["tol"], max_iter=self._max_iter(steps),
                 learning_rate=self.opts["learning_rate"],
                 callback=self._progress(b, rows) if self.callback else None,
                 stop=lambda: WORK.steps >= end)
        res = solvers.settle(residual(b), res, tol=self.opts["tol"])
        th, v = b.unpack(res.z)
        return np.asarray(th, float), np.asarray(v, float), res

    def _max_iter(self, steps: int) -> int:
        """The solver's iteration limit, within the work budget of one run: `WORK_STEPS` RK4
        steps (each iteration integrates at least once)."""
        cost = max(int(steps), 1) * self._step_cost()
        work = max(min(WORK_STEPS, self._left()), 0)
        return min(self.opts["max_iter"], max(4, work // cost))

    def _step_cost(self) -> int:
        """What one RK4 step of this group's residual costs (`model.step_cost`)."""
        return step_cost(self.batch.params, 2 if self.kind == "both" else 1)

    def _left(self) -> int:
        """RK4 steps left in the work budget of this group."""
        return self.budget - WORK.steps

    def _over(self) -> bool:
        return self._left() <= 0

    def _spent(self, rows) -> bool:
        """Whether the work budget is spent; if so, ``rows`` are left not converged, saying so."""
        if self._left() > 0:
            return False
        for i in rows:
            self.converged[i] = False
            self.message[i] = (f"not converged: the work budget of the solve is spent "
                               f"({WORK_BUDGET} RK4 steps a problem)")
        return True

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
        p = b.params
        with np.errstate(all="ignore"):
            unit = np.sqrt(p.gravity * p.distance)
            sight = p.distance * np.tan(b.angle) + p.launch_height
            # sizes beyond double precision leave no start, and nothing to search with
            huge = ~(np.isfinite(unit) & np.isfinite(p.gravity * p.distance ** 2))
        # a fixed angle whose line of sight passes below the target: without wind every path
        # curves down from its line of sight, so no speed can hit; a headwind can bend a path
        # up, and then the speeds are searched (`_reach_at_angle`)
        below = (~(sight > b.target_height) & ((p.wind == 0) | (p.drag == "none"))
                 if self.kind == "speed" else np.zeros(n, dtype=bool))
        todo = np.isfinite(theta) & np.isfinite(speed)
        # a start formula that overflows (strong drag) is no verdict: start from the unit
        if self.kind != "speed":
            lost = ~todo & ~huge
            theta = np.where(lost & ~np.isfinite(theta), np.pi / 4, theta)
            speed = np.where(lost & ~np.isfinite(speed), unit, speed)
            todo = todo | lost
        self.first = (theta, speed)  # the start, kept for the searches of `reach`
        windless = below | huge  # the rows with no start that are settled here
        for i in np.flatnonzero(~todo & windless):
            if huge[i]:
                self.message[i] = ("not converged: no start: the problem's sizes overflow "
                                   "double precision")
            else:
                self.message[i] = (f"out of reach: the line of sight at "
                                   f"{math.degrees(b.angle[i]):g}° passes below the target, "
                                   f"no speed can reach it")
                self.theta[i] = b.angle[i]
        self.theta[todo], self.speed[todo] = theta[todo], speed[todo]
        steps = _steps_for(theta) if b.params.drag != "none" else np.full(n, MIN_STEPS)
        self.steps[:] = steps
        rows = np.flatnonzero(todo)
        if b.params.drag != "none":
            self._make_feasible(rows)
        self._solve_rows(rows)
        search = np.flatnonzero(~todo & ~windless)
        for s in _distinct(self.steps[search]):
            self._reach_at_angle(search[self.steps[search] == s], int(s))
        self._refine(search[self.converged[search]])
        for i in np.flatnonzero(~todo & windless):
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
                cap = self.vmax[bad] if self.kind == "speed" else np.inf
                self.speed[bad] = np.minimum(1.5 * self.speed[bad], cap)

    def _solve_rows(self, rows):
        """Solve ``rows`` from the current theta/speed, grouped by step count; then check arc
        and reach, and the discretisation, refining where needed."""
        for steps in _distinct(self.steps[rows]):
            sub = rows[self.steps[rows] == steps]
            self._solve(sub, int(steps))
            self._examine(sub)
        self._refine(rows)

    def _refine(self, rows):
        """Solve again where the discretisation error is too large: on a mesh graded to the
        shot where it stalls towards the target (its horizontal speed falls below
        `STALL` of the launch's), else with more steps. A solver that failed where the
        integration was not resolved has given no verdict either: it is tried again too."""
        cost = self._step_cost()
        for _ in range(14):
            take = self.converged[rows].copy()
            for j in np.flatnonzero(~take & np.isfinite(self.error[rows])):
                take[j] = _SHORT in self.message[rows[j]]
            ok = rows[take]
            redo = ok[~(np.abs(self.error[ok]) <= ACCURACY * self.batch.params.distance[ok])
                      & (self.steps[ok] < MAX_STEPS)]
            if not redo.size:
                break
            q = self.end[1, redo] / (self.speed[redo] * np.cos(self.theta[redo]))
            grade = (self.grading[redo] == 1.0) & (q < STALL) & (q > 0)
            # the error goes as steps^-4: jump to the steps that it asks for (a power of 2;
            # with a drag table the estimate already counts order 2, so this stays cautious)
            with np.errstate(all="ignore"):
                ratio = np.abs(self.error[redo]) / (ACCURACY * self.batch.params.distance[redo])
                factor = 2.0 ** np.ceil(np.log2(np.nan_to_num(ratio, nan=16.0) ** 0.25))
            steps = np.where(grade, self.steps[redo],
                             np.minimum(self.steps[redo] * np.clip(factor, 2, 16), MAX_STEPS))
            # a re-solve takes a few evaluations at those steps: only within the budget
            if self._left() < 8 * cost * int(steps.max()):
                break
            self.grading[redo[grade]] = q[grade]
            self.steps[redo] = steps
            for steps in _distinct(self.steps[redo]):
                sub = redo[self.steps[redo] == steps]
                self._solve(sub, int(steps), *self._arc_bounds(sub, int(steps)))
                self._examine(sub)
        ok = rows[self.converged[rows]]
        # at the most steps the estimated error may still exceed the promise: say so
        for i in ok[~(np.abs(self.error[ok]) <= PROMISE * self.batch.params.distance[ok])]:
            self.converged[i] = False
            why = " (the work budget of the solve is spent)" if self._over() else ""
            if np.isfinite(self.error[i]):
                self.message[i] = (f"not converged: the integration error is still "
                                   f"{abs(self.error[i]):.3g} m at {self.steps[i]} steps, above "
                                   f"the promised {PROMISE:g} x distance{why}")
            else:  # a shot that only just reaches: with half the steps it does not
                self.message[i] = (f"not converged: the integration at {self.steps[i]} steps "
                                   f"cannot be checked (with half the steps the shot does not "
                                   f"reach the target){why}")

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
        is decided by the bracketed searches of `reach` (within reach or not, and if so, where)."""
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
            bad = rows[~self.converged[rows]]
            for steps in _distinct(self.steps[bad]):
                self._reach_minimum(bad[self.steps[bad] == steps], int(steps))
            over = rows[self.converged[rows] & (self.speed[rows] > self.vmax[rows] * (1 + 1e-12))]
            for i in over:
                self.converged[i] = False
                self.message[i] = (f"out of reach: the minimum speed is {self.speed[i]:.6g} m/s, "
                                   f"above max_velocity_mps {self.vmax[i]:g}")
            for i in rows[~self.converged[rows]]:
                if not self.message[i]:
                    self.message[i] = self._not_converged(i)

    def _not_converged(self, i=None):
        limit = self.opts["max_iter"] if i is None else self._max_iter(self.steps[i])
        why = "" if limit == self.opts["max_iter"] else \
            f", the work budget of {WORK_STEPS} RK4 steps a run at {self.steps[i]} steps"
        return (f"not converged: {self.opts['solver']}{_SHORT} "
                f"{self.opts['tol']:g} (limit {limit} iterations{why})")

    def _tol(self):
        return max(self.opts["tol"], SEARCH_TOL)

    def _reach_at_speed(self, rows, steps):
        """Speed fixed, and the solver failed or found the other arc: find the angle that
        passes x = D highest (`reach.top_angle`); below the target means out of reach,
        otherwise the arc's root inside its bracket (`reach.arc_root`), which the solver then
        confirms from there."""
        # the searches try other shots than the one a graded mesh was made for: even steps
        if self._spent(rows):
            return
        b = self.batch.take(rows).with_steps(min(steps, SEARCH_STEPS), even=True)
        theta_top, best = reach.top_angle(b, b.velocity)
        tol = self.opts["tol"] * b.params.distance
        reachable = best >= -tol
        nowhere = np.flatnonzero(~np.isfinite(best))
        if nowhere.size:  # the closest approach is the greatest range, on the target's level
            far = b.take(nowhere)
            # the greatest range is an answer of its own: it gets an allowance of its own
            allowance = RANGE_WORK * max(1, nowhere.size) * self._step_cost()
            self.budget = max(self.budget, WORK.steps + allowance)
            reach_m, theta_top[nowhere], settled = _max_range(far, self._over)
        for j in np.flatnonzero(~reachable):
            i = rows[j]
            if np.isfinite(best[j]):
                self.message[i] = _out_of_reach_at_speed(b, j, theta_top[j], best[j])
            else:
                self.message[i] = _beyond_range(b, j, reach_m[nowhere == j][0],
                                                theta_top[j], settled)
            if np.isfinite(theta_top[j]):
                self.theta[i] = theta_top[j]
        short = rows[~reachable]
        if short.size:
            self._measure(short, steps)
        again = rows[reachable]
        if not again.size:
            return
        sub = b.take(np.flatnonzero(reachable))
        top, high = theta_top[reachable], self.high[again]
        th, _ = reach.arc_root(sub, sub.velocity, top, high, self.theta[again], tol=self._tol())
        self.theta[again] = np.where(np.isfinite(th), th, top)
        lo_a = np.where(high, top, -reach.LIMIT)
        hi_a = np.where(high, reach.LIMIT, top)
        self._solve(again, steps, *self._bounds(sub, self.vmax[again], lo_a, hi_a))
        self._confirmed(again)

    def _confirmed(self, rows):
        """The solver has the last word on a bracketed search's answer: where it could not
        confirm it (from so close a start, only a starved iteration budget does that), the
        answer is reported as not converged."""
        for i in rows[~self.converged[rows]]:
            self.message[i] = self._not_converged(i)

    def _reach_at_angle(self, rows, steps):
        """Angle fixed and the solver failed: the lowest speed that hits, from a scan over all
        speeds up to max_velocity (`reach.speed_root`), which the solver then confirms; out of
        reach when no speed hits."""
        # the searches try other shots than the one a graded mesh was made for: even steps
        if self._spent(rows):
            return
        b = self.batch.take(rows).with_steps(min(steps, SEARCH_STEPS), even=True)
        # speeds that the integration at these steps gives no verdict on are integrated again
        # with more steps (a stiff shot: strong drag), up to SEARCH_STEPS and beyond if stiff
        v, _, best_h, best_v, at, unresolved = reach.speed_root(
            b, b.angle, self.vmax[rows], tol=self._tol(), most=SEARCH_STEPS)
        found = np.isfinite(v)
        for j in np.flatnonzero(~found):
            i = rows[j]
            if unresolved[j]:  # no speed hits where resolved, but some speeds were not
                self.speed[i] = best_v[j] if np.isfinite(best_h[j]) else self.speed[i]
                self.message[i] = (f"not converged: no speed found that hits, but the "
                                   f"integration could not resolve some speeds at "
                                   f"{reach.SCAN_MOST} steps (the drag is too stiff)")
                continue
            self.speed[i] = best_v[j] if np.isfinite(best_h[j]) else self.speed[i]
            if self.bounded[i]:
                bound = f"at any speed up to max_velocity_mps {self.vmax[i]:g}"
            else:
                bound = "at any speed"
            where = (f"the highest it passes x = {b.params.distance[j]:g} m is "
                     f"{best_h[j] + b.target_height[j]:.6g} m (at {best_v[j]:.6g} m/s)"
                     if np.isfinite(best_h[j]) and best_h[j] < 0 else
                     f"every speed that gets to x = {b.params.distance[j]:g} m passes above "
                     f"the target (the lowest at {best_h[j] + b.target_height[j]:.6g} m, at "
                     f"{best_v[j]:.6g} m/s), and slower shots fall short of it"
                     if np.isfinite(best_h[j]) else
                     f"it never reaches x = {b.params.distance[j]:g} m")
            self.message[i] = (f"out of reach at {math.degrees(b.angle[j]):g}° {bound}: "
                               f"{where}, the target is at {b.target_height[j]:g} m")
        if (~found).any():
            self._measure(rows[~found], steps)
        again = rows[found]
        if again.size:
            self.speed[again] = v[found]
            # at the steps that resolved the root, or more, never fewer than it had
            at = np.maximum(at, steps)
            for s in _distinct(at[found]):
                sub = again[at[found] == s]
                self._solve(sub, int(s))
                self._confirmed(sub)

    def _reach_minimum(self, rows, steps):
        """Minimum speed and the solver failed: bisection on the speed whose highest crossing
        of x = D just reaches the target (`reach.minimum_speed`), confirmed by the solver."""
        if self._spent(rows):
            return
        # the searches try other shots than the one a graded mesh was made for: even steps
        b = self.batch.take(rows).with_steps(min(steps, SEARCH_STEPS), even=True)
        # from the start, not from where the solver gave up (it may have run far off)
        th, v, _, floor = reach.minimum_speed(b, self.first[1][rows], self.first[0][rows],
                                              tol=self._tol(), stop=self._over)
        found = np.isfinite(v)
        self._spent(rows[~found])  # stopped short of a verdict: say so
        again = rows[found]
        if again.size:
            self.theta[again], self.speed[again] = th[found], v[found]
            self._solve(again, steps)
            self._confirmed(again)
        for j in np.flatnonzero(~found):
            i = rows[j]
            if self.message[i].startswith("not converged: the work budget"):
                continue
            if np.isfinite(floor[j]):
                self.message[i] = (f"not converged: no least speed: the shot still reaches "
                                   f"the target at {floor[j]:.3g} m/s (the wind carries it)")
            elif b.params.wind[j] > 0:
                # a tailwind keeps vx >= min(vx0, wind) > 0: every shot gets to x = D, so
                # no integration that gets there is a failure of the integration, not a verdict
                self.message[i] = (f"not converged: no integration of the search got to "
                                   f"x = {b.params.distance[j]:g} m at {steps} steps, which "
                                   f"every shot does in a tailwind")
            else:
                self.message[i] = (f"out of reach: no speed found that reaches "
                                   f"x = {b.params.distance[j]:g} m")

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
            msg[i] = self.message[i] or self._not_converged(i)
        return Results(
            # a fixed angle is echoed as given, not through radians and back
            angle_deg=np.where(fixed, self.cols.angle_deg, np.degrees(self.theta)),
            velocity_mps=self.speed.copy(),
            flight_time_s=t, apex_height_m=top,
            impact_speed_mps=np.hypot(vx, vy),
            impact_angle_deg=np.degrees(np.arctan2(vy, vx)),
            # the miss with the discretisation error taken out (Richardson)
            miss_m=y + self.error - b.target_height,
            converged=self.converged.copy(), iterations=self.iterations.copy(),
            steps=self.steps.copy() if b.params.drag != "none" else np.zeros(b.size, dtype=int),
            message=msg,
            solver=self.opts["solver"])


#: What a not-converged message says when the solver ran out of iterations (no verdict).
_SHORT = " stopped short of the tolerance"


def _max_range(b: Batch, stop):
    """(range m, angle rad, settled) of `reach.max_range`, resolved: on RANGE_STEPS steps,
    then twice as many until two agree to 1e-7 (``settled``; RK4's error is then ~1e-8), or
    ``stop()``."""
    steps = RANGE_STEPS if b.params.drag != "none" else 1
    last = reach.max_range(b.with_steps(steps, even=True), b.velocity, stop=stop)
    settled = b.params.drag == "none"
    for _ in range(0 if settled else 4):
        if stop():
            break
        steps *= 2
        now = reach.max_range(b.with_steps(steps, even=True), b.velocity, stop=stop)
        settled = bool(np.all(np.abs(now[0] - last[0]) <= 1e-7 * now[0]))
        last = now
        if settled:
            break
    return last + (settled,)


def _beyond_range(b: Batch, j: int, reach_m: float, theta: float, settled: bool) -> str:
    v, d, target = b.velocity[j], b.params.distance[j], b.target_height[j]
    if not np.isfinite(reach_m):
        return f"out of reach at {v:g} m/s: no angle carries the shot to x = {d:g} m"
    # within the work budget the range may be known less precisely: then fewer digits
    digits, about = (7, "") if settled else (4, "about ")
    return (f"out of reach at {v:g} m/s: its greatest range at the target's height "
            f"({target:g} m) is {about}{reach_m:.{digits}g} m, at {math.degrees(theta):.6g}°, "
            f"{d - reach_m:.{digits - 1}g} m short of the target")


def _out_of_reach_at_speed(b: Batch, j: int, theta_top: float, best: float) -> str:
    """Why row j of ``b`` cannot hit at its speed, with the figures."""
    v, d, target = b.velocity[j], b.params.distance[j], b.target_height[j]
    if not np.isfinite(best):
        return (f"out of reach at {v:g} m/s: no angle carries the shot to x = {d:g} m")
    return (f"out of reach at {v:g} m/s: the highest this speed can pass x = {d:g} m is "
            f"{best + target:.6g} m (at {math.degrees(theta_top):.6g}°), the target is at "
            f"{target:g} m")
