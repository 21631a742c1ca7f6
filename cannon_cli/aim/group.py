"""A group: the problems of one drag model and one kind of unknowns, solved together as arrays.

For each group (`Group.run`):

1. start from the drag-aware closed forms (`Unknowns.start`), with a step count fitted to the
   shot (`steps.for_launch`), moved where the shot reaches the target distance;
2. run the chosen solver on the group's residual (`loss`);
3. examine what it found (`Unknowns.examine`): a speed-fixed shot must be on the arc asked for;
   a failure is decided by the bracketed searches of `reach` (out of reach, or solved again
   inside the arc's bracket);
4. check the discretisation: the miss is recomputed with half the RK4 steps (`steps.error`),
   and a shot whose estimated error exceeds `ACCURACY` x distance is solved again on a graded
   mesh or with more steps (`steps.refined`), within the work budget (`budget.Budget`);
5. report flight time, apex and impact from that last integration, and the miss with the
   estimated discretisation error taken out, with a closed `Status` for every problem.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..optim import solvers
from ..physics import steps as steps_rule
from ..physics import vacuum
from ..physics.columns import Columns
from ..physics.model import VZ, Y, Z, flight, integrate
from ..problem import Status
from .budget import WORK_BUDGET, WORK_STEPS, Budget
from .loss import Batch, height_miss, residual
from .results import Results
from ..physics.steps import distinct
from .unknowns import KINDS, NOT_CONVERGED, OUT_OF_REACH

#: Largest tolerated discretisation error, relative to the distance, aimed at ...
ACCURACY = 1e-7
#: ... and the promise: a solved shot misses by at most this times the distance.
PROMISE = 1e-6
#: Tolerance (relative miss) of the bracketed searches of `reach`, at least: their answers are
#: starts that the solver then confirms to its own tolerance.
SEARCH_TOL = 1e-10
#: What a not-converged message says when the solver ran out of iterations (no verdict).
_SHORT = " stopped short of the tolerance"


@dataclass(frozen=True)
class SolveProgress:
    """One solver iteration of the problems still iterating, in physical units (arrays)."""

    iteration: int
    index: np.ndarray
    loss: np.ndarray
    angle_deg: np.ndarray
    velocity_mps: np.ndarray
    miss_m: np.ndarray


class Group:
    """The problems of one drag model and one kind of unknowns (`unknowns.KINDS`), their
    state as arrays (one entry a problem), and the steps that solve them."""

    #: (for `unknowns`, which this module imports) the discretisation aimed at, the promise
    accuracy, promise = ACCURACY, PROMISE

    def __init__(self, cols: Columns, medium, kind: str, index, opts: dict,
                 callback):
        self.cols, self.kind, self.opts, self.callback = cols, kind, opts, callback
        self.unknowns = KINDS[kind]
        self.index = np.asarray(index)
        nan = float("nan")
        #: per problem, the grading of the RK4 mesh (`model.Params.mesh`); 1 until a shot
        #: that stalls towards the target needs it. Shared with ``params``: set in place.
        self.grading = np.ones(cols.size)
        #: per problem, the azimuth of a 3-D shot (rad): shared with ``params``, set in place,
        #: so that the searches of `reach` fly in the vertical plane of the current aim
        self.azimuth = np.zeros(cols.size)
        params = cols.params(steps_rule.MIN_STEPS, self.grading, self.azimuth)
        self.three = params.lateral is not None
        #: per problem, the elevation offset (rad): the group works in the angles the shots
        #: leave at (the physics'), the elevation set is that minus the offset, converted
        #: here, where the problems come in and the answers go out
        self.offset = cols.offset_rad
        self.batch = Batch(kind, params, cols.target_height,
                           np.radians(cols.angle_deg) + self.offset, cols.velocity_mps,
                           cols.target_offset if self.three else None)
        self.high = cols.high
        self.bounded = np.isfinite(cols.max_velocity_mps)
        self.vmax = np.where(self.bounded, cols.max_velocity_mps, np.inf)
        n = cols.size
        self.budget = Budget(n, opts["solver"], params, 2 if kind == "both" else 1)
        #: the problems whose least speed was sought as a tangent at the edge of reach and
        #: not found (`unknowns._tangents`): not sought again
        self.no_tangent: set = set()
        #: ... and those whose answer was found there (`Unknowns.settle` does not check them)
        self.at_edge: set = set()
        self.theta = np.full(n, nan)
        self.speed = np.full(n, nan)
        self.converged = np.zeros(n, dtype=bool)
        self.iterations = np.zeros(n, dtype=int)
        self.steps = np.zeros(n, dtype=int)
        self.message = [""] * n
        #: per problem, the verdict of a failure (`Status`), beside its message
        self.status = [Status.NOT_CONVERGED] * n
        #: at the current answer: (y, vx, vy, t, apex, z, vz), discretisation error of y and
        #: of z, d y / d angle
        self.end = np.full((7, n), nan)
        self.end[5:] = 0.0
        self.error = np.full(n, nan)
        self.error_z = np.zeros(n)
        self.slope = np.full(n, nan)

    def run(self) -> Results:
        b = self.batch
        n = b.size
        theta, speed = self.unknowns.start(self)
        given = self.opts.get("start")
        if given is not None:
            a0, v0 = (s[self.index] for s in given)
            if self.kind != "speed":
                theta = np.where(np.isfinite(a0), np.radians(a0) + self.offset, theta)
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
        # up, and then the speeds are searched (`unknowns.Speed.reach`); so can a tailwind
        # under a barrel pointed down (it flattens a descent). A tailwind under a barrel
        # pointed level or up cannot (docs/physics.md §3: the slope vy/vx falls while vy > 0,
        # and is below 0 after), which spares an endless search of ever faster shots
        # (the Earth's rotation can lift a shot too; in 3-D the rule is for no wind only)
        spun = self.three and p.lateral.omega is not None
        curves_down = ((p.wind == 0) | (p.drag == "none")
                       | ((p.wind > 0) & (b.angle >= 0) & (not self.three)))
        below = (~(sight > b.target_height) & curves_down
                 if self.kind == "speed" and not spun else np.zeros(n, dtype=bool))
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
                self.verdict(i, NOT_CONVERGED, "not converged: no start: the problem's sizes "
                             "overflow double precision")
            else:
                self.verdict(i, OUT_OF_REACH, f"out of reach: the line of sight at "
                             f"{self.cols.angle_deg[i]:g}° passes below the target, no speed "
                             f"can reach it")
                self.theta[i] = b.angle[i]
        self.theta[todo], self.speed[todo] = theta[todo], speed[todo]
        steps = (steps_rule.for_launch(theta) if not b.params.closed_form
                 else np.full(n, steps_rule.MIN_STEPS))
        self.steps[:] = steps
        rows = np.flatnonzero(todo)
        side = None
        if self.three:  # fed the line to the target, where `aim_across` starts from
            self.azimuth[rows] = np.arctan2(b.target_offset[rows], b.params.distance[rows])
        if not b.params.closed_form:
            side = self._make_feasible(rows)
        self.aim_across(rows, side=side)
        self._solve_rows(rows)
        search = np.flatnonzero(~todo & ~windless)
        for s in distinct(self.steps[search]):
            self.unknowns.reach(self, search[self.steps[search] == s], int(s))
        self._refine(search[self.converged[search]])
        for i in np.flatnonzero(~todo & windless):
            self.measure(np.array([i]), int(self.steps[i]))
        self.unknowns.settle(self, np.arange(n))
        return self._report()

    def _make_feasible(self, rows):
        """Move starts from which the shot never reaches the target distance (it falls
        vertically first, so the loss is undefined) to where it does (`Unknowns.towards_reach`:
        faster for an unknown speed, flatter for an unknown angle). Returns where 3-D shots
        land sideways in the last pass (z at the distance, else None), which `aim_across`
        starts from instead of integrating them once more."""
        for _ in range(40):
            miss = np.empty(len(rows))
            side = np.empty(len(rows)) if self.three else None
            for steps in distinct(self.steps[rows]):
                sel = self.steps[rows] == steps
                r = rows[sel]
                b = self.batch.take(r).with_steps(max(int(steps) // 2, 1))
                if self.three:
                    x = integrate(self.theta[r], self.speed[r], b.params, time=False)[0]
                    miss[sel], side[sel] = x[Y] - b.target_height, x[Z]
                else:
                    miss[sel] = np.asarray(height_miss(self.theta[r], self.speed[r], b))
            bad = rows[~np.isfinite(miss)]
            if not bad.size:
                return side
            self.unknowns.towards_reach(self, bad)
        return None

    def aim_across(self, rows, *, start: bool = False, side=None):
        """Aim 3-D shots at the azimuth that cancels their lateral miss, by a Newton step on
        tan(azimuth): without crosswind or the Earth's rotation a shot stays in its vertical
        plane, z(D) = D tan(azimuth), and with them the drift changes little with the aim.
        With ``start``, at the start's elevation and speed: the searches of `reach` fly the
        vertical plane of this azimuth, not of wherever a failed solver left it. ``side``:
        the shots' z at the distance fired along the line to the target, already integrated
        (with half their steps)."""
        if not self.three or not len(rows):
            return
        b = self.batch
        d, offset = b.params.distance[rows], b.target_offset[rows]
        theta, speed = ((self.first[0][rows], self.first[1][rows]) if start
                        else (self.theta[rows], self.speed[rows]))
        self.azimuth[rows] = np.arctan2(offset, d)
        if side is None:
            p = b.params.take(rows).with_steps(max(int(self.steps[rows].min()) // 2, 1))
            z = integrate(theta, speed, p, time=False)[0][Z]
        else:
            z = side
        # a shot that barely gets to the distance crawls across it in the crosswind: its drift
        # says nothing of the aim's, so the turn is held within 0.1 (5.7°)
        tan = np.tan(self.azimuth[rows]) - np.clip((z - offset) / d, -0.1, 0.1)
        self.azimuth[rows] = np.where(np.isfinite(tan), np.arctan(tan), self.azimuth[rows])

    def _solve_rows(self, rows):
        """Solve ``rows`` from the current theta/speed, grouped by step count; then check arc
        and reach, and the discretisation, refining where needed."""
        for steps in distinct(self.steps[rows]):
            sub = rows[self.steps[rows] == steps]
            self.solve(sub, int(steps))
            self.unknowns.examine(self, sub)
        self._refine(rows)

    def _refine(self, rows):
        """Solve again where the discretisation error is too large: on a mesh graded to the
        shot where it stalls towards the target (its horizontal speed falls below
        `steps.STALL` of the launch's), else with more steps. A solver that failed where the
        integration was not resolved has given no verdict either: it is tried again too."""
        cost = self.budget.step_cost
        for _ in range(14):
            take = self.converged[rows].copy()
            for j in np.flatnonzero(~take & np.isfinite(self.error[rows])):
                take[j] = _SHORT in self.message[rows[j]]
            ok = rows[take]
            redo = ok[~(np.abs(self.error[ok]) <= ACCURACY * self.batch.params.distance[ok])
                      & (self.steps[ok] < steps_rule.MAX_STEPS)]
            if not redo.size:
                break
            q = self.end[1, redo] / (self.speed[redo] * np.cos(self.theta[redo]))
            grade = (self.grading[redo] == 1.0) & steps_rule.worth_grading(q)
            # graded only where that mesh's error is the smaller: a fast steep shot with
            # quadratic drag loses most of its horizontal speed at the launch, which a mesh
            # graded towards the target starves (measured: 0.28 m graded, 0.006 m even)
            err = self.error[redo].copy()
            if grade.any():
                better = self._graded_error(redo[grade], q[grade])
                use = np.abs(better) < np.abs(err[grade])
                err[np.flatnonzero(grade)[use]] = better[use]
                grade[np.flatnonzero(grade)[~use]] = False
            steps = np.where(grade & (np.abs(err) <= ACCURACY * self.batch.params.distance[redo]),
                             self.steps[redo], steps_rule.refined(
                                 self.steps[redo], err, ACCURACY * self.batch.params.distance[redo]))
            # a re-solve takes a few evaluations at those steps: only within the budget, with
            # fewer steps than asked where that is what fits (the estimate aims at ACCURACY,
            # a tenth of the promise, and rounds the factor up to a power of 2)
            steps = np.where(steps > self._fits(), np.maximum(
                self._fits(), 2 * self.steps[redo]), steps).astype(int)
            if self.budget.left() < 8 * cost * int(steps.max()):
                break
            self.grading[redo[grade]] = q[grade]
            self.steps[redo] = steps
            for steps in distinct(self.steps[redo]):
                sub = redo[self.steps[redo] == steps]
                self.solve(sub, int(steps), *self.unknowns.arc_bounds(self, sub, int(steps)))
                self.unknowns.examine(self, sub)
        ok = rows[self.converged[rows]]
        self._double_check(ok)
        # at the most steps the estimated error may still exceed the promise: say so
        for i in ok[~(np.abs(self.error[ok]) <= PROMISE * self.batch.params.distance[ok])]:
            self.converged[i] = False
            why = " (the work budget of the solve is spent)" if self.budget.over() else ""
            if np.isfinite(self.error[i]):
                self.verdict(i, NOT_CONVERGED, f"not converged: the integration error is "
                             f"still {abs(self.error[i]):.3g} m at {self.steps[i]} steps, "
                             f"above the promised {PROMISE:g} x distance{why}")
            else:  # a shot that only just reaches: with half the steps it does not
                self.verdict(i, NOT_CONVERGED, f"not converged: the integration at "
                             f"{self.steps[i]} steps cannot be checked (with half the steps "
                             f"the shot does not reach the target){why}")

    def _double_check(self, rows):
        """Where the refinement stopped short (the budget) with an estimated error above
        `ACCURACY` and within the promise, the estimate alone carries the promise, and it is
        only as good as the steps are in RK4's asymptotic range: measured, a 1.26 m shot at
        89.97° whose 2048-step height the estimate put 2.9e-7 x D off (its observed order
        ratio 12.4, near 16) was 1.04e-6 x D off, and the 4096-step one 1.5e-9. There the
        answer is flown once more with twice the steps, and is converged only if that flight
        hits within the promise too."""
        d = self.batch.params.distance
        err = np.abs(self.error[rows])
        rows = rows[(err > ACCURACY * d[rows]) & (err <= PROMISE * d[rows])
                    & (self.steps[rows] < steps_rule.MAX_STEPS)]
        why = " (the work budget of the solve is spent)" if self.budget.over() else ""
        for s in distinct(self.steps[rows]):
            sub = rows[self.steps[rows] == s]
            p = self.batch.params.take(sub).with_steps(2 * int(s))
            y = integrate(self.theta[sub], self.speed[sub], p, time=False)[0][Y]
            miss = y - self.batch.target_height[sub]
            for i, m in zip(sub[~(np.abs(miss) <= PROMISE * d[sub])],
                            miss[~(np.abs(miss) <= PROMISE * d[sub])]):
                self.converged[i] = False
                self.verdict(i, NOT_CONVERGED, f"not converged: the integration error is "
                             f"estimated at {abs(self.error[i]):.3g} m at {s} steps, but with "
                             f"{2 * int(s)} the answer misses by {m:.3g} m, above the promised "
                             f"{PROMISE:g} x distance{why}")

    def _graded_error(self, rows, grading):
        """The discretisation error (m) of ``rows`` at their answers and steps on meshes
        graded by ``grading`` (`steps.error`, from half the steps)."""
        err = np.full(rows.size, np.nan)
        for s in distinct(self.steps[rows]):
            k = np.flatnonzero(self.steps[rows] == s)
            p = replace(self.batch.params.take(rows[k]), grading=grading[k]).with_steps(int(s))
            th, v = self.theta[rows[k]], self.speed[rows[k]]
            fine = integrate(th, v, p)[0][Y]
            half = integrate(th, v, p.with_steps(max(int(s) // 2, 1)))[0][Y]
            err[k] = steps_rule.error(fine, half, table=p.table is not None)
        return err

    def solve(self, rows, steps, lower=None, upper=None):
        """Run the solver on ``rows`` (one step count) and measure where it ended (`_measure`)."""
        th, v, res = self._run_solver(rows, self.theta[rows], self.speed[rows], steps,
                                      lower, upper)
        self.theta[rows], self.speed[rows] = th, v
        if self.three:
            self.azimuth[rows] = res.z[:, -1]
        self.iterations[rows] += res.iterations
        self.converged[rows] = res.converged
        self.measure(rows, steps)

    def _run_solver(self, rows, theta, speed, steps, lower=None, upper=None):
        """Run the chosen solver on ``rows`` (all with the same step count)."""
        b = self.batch.take(rows).with_steps(steps)
        z0 = b.pack(theta, speed, self.azimuth[rows])
        lo, hi = self.unknowns.bounds(b, self.vmax[rows])
        if lower is not None:
            lo, hi = lower, upper
        z0 = np.clip(z0, lo, hi)
        tol = self.opts["tol"]
        if b.params.closed_form and self.callback is None:
            # in vacuum the start is the closed-form answer: confirmed by one plain evaluation,
            # without the solver's derivatives (1,000,000 targets: most of the time)
            with np.errstate(all="ignore"):
                f0 = np.asarray(residual(b)(z0, np.arange(b.size)), dtype=float)
            done = solvers.done(f0, tol)
            res = solvers.Result(z0, f0, done, np.zeros(b.size, dtype=int))
            rest = np.flatnonzero(~done)
            if rest.size:
                sub = self._solver_run(b.take(rest), z0[rest], lo[rest], hi[rest], steps, None)
                res = res.put(rest, sub)
        else:
            res = self._solver_run(b, z0, lo, hi, steps, rows)
        th, v = b.unpack(res.z)
        return np.asarray(th, float), np.asarray(v, float), res

    def _solver_run(self, b: Batch, z0, lo, hi, steps, rows):
        fn = solvers.SOLVER_FUNCTIONS[self.opts["solver"]]
        res = fn(residual(b), z0, lo, hi, tol=self.opts["tol"],
                 max_iter=self.budget.max_iter(steps, self.opts["max_iter"]),
                 learning_rate=self.opts["learning_rate"],
                 callback=self._progress(b, rows) if self.callback else None,
                 stop=self.budget.run_stop(steps))
        return solvers.settle(residual(b), res, tol=self.opts["tol"])

    def measure(self, rows, steps):
        """One integration at the answer with ``steps`` steps (with d/dangle for a fixed speed,
        and the apex) for the report and the arc check, and one with half the steps for the
        discretisation error (Richardson, `steps.error`; from 64 steps without a drag table also
        a quarter, for the observed order)."""
        self.steps[rows] = steps
        b = self.batch.take(rows)
        p = b.params.with_steps(steps)
        th, v = self.theta[rows], self.speed[rows]
        if p.closed_form:
            y, vx, vy, t, top = flight(th, v, p)
            slope = vacuum.slope(th, v, p.distance, p.gravity) if self.unknowns.slope else None
            error = np.zeros(len(rows))
        else:
            order = 1 if self.unknowns.slope else 0
            x, d1, _, top = integrate(th, v, p, order=order, dirs=(0,), apex=True)
            y, vx, vy, t = x[:4]
            slope = d1[Y, 0] if order else None
            half = integrate(th, v, p.with_steps(max(steps // 2, 1)), time=False)[0]
            # the observed order, where a table does not already count order 2 (its PCHIP
            # knots make the convergence irregular: measured, the .308 batch 40 % slower)
            quarter = (integrate(th, v, p.with_steps(steps // 4), time=False)[0]
                       if steps >= 64 and p.table is None else None)
            table = p.table is not None
            error = steps_rule.error(y, half[Y], table=table,
                                     coarser=None if quarter is None else quarter[Y])
            if table:
                error = steps_rule.cross_checked(error, y, self._regraded(p, th, v))
            if self.three:
                self.end[5, rows], self.end[6, rows] = x[Z], x[VZ]
                self.error_z[rows] = steps_rule.error(
                    x[Z], half[Z], table=table, coarser=None if quarter is None else quarter[Z])
        for i, col in enumerate((y, vx, vy, t, top)):
            self.end[i, rows] = col
        self.error[rows] = error
        if slope is not None:
            self.slope[rows] = slope

    @staticmethod
    def _regraded(p, th, v):
        """y at the distance on a mesh graded otherwise (`steps.cross_checked`)."""
        q = np.ones(p.size) if p.grading is None else np.asarray(p.grading)
        other = replace(p, grading=np.minimum(q, 1.0) * steps_rule.CROSS_GRADING)
        return integrate(th, v, other)[0][Y]

    def verdict(self, i: int, status: Status, message: str) -> None:
        """Problem i is not solved: ``status`` says which way, ``message`` why."""
        self.status[i], self.message[i] = status, message

    def spent(self, rows, *, force: bool = False) -> bool:
        """Whether the work budget is spent; if so (or ``force``), ``rows`` are left not
        converged, saying so."""
        if self.budget.left() > 0 and not force:
            return False
        for i in rows:
            self.converged[i] = False
            self.verdict(i, NOT_CONVERGED, f"not converged: the work budget of the solve is "
                         f"spent ({WORK_BUDGET} RK4 steps a problem)")
        return True

    def not_converged(self, i=None):
        limit = (self.opts["max_iter"] if i is None
                 else self.budget.max_iter(self.steps[i], self.opts["max_iter"]))
        why = "" if limit == self.opts["max_iter"] else \
            f", the work budget of {WORK_STEPS} RK4 steps a run at {self.steps[i]} steps"
        return (f"not converged: {self.opts['solver']}{_SHORT} "
                f"{self.opts['tol']:g} (limit {limit} iterations{why})")

    def search_tol(self):
        return max(self.opts["tol"], SEARCH_TOL)

    def confirm(self, rows, steps, lower=None, upper=None):
        """Solve ``rows`` from a bracketed search's answer, which the solver confirms
        (`confirmed`); past the work budget the answer stands unconfirmed: no verdict."""
        if self.spent(rows):
            return
        # the discretisation error at the search's answer says how many steps the answer
        # needs: solved with those at once, not solved and then refined (one solver run
        # fewer; measured, a steep 2000 m/s shot: 512 steps, then 1024)
        self.measure(rows, steps)
        d = self.batch.params.distance[rows]
        short = np.isfinite(self.error[rows]) & ~(np.abs(self.error[rows]) <= ACCURACY * d)
        # (a shot that stalls towards the target, on even steps: `_refine` decides between
        # more steps and a graded mesh)
        q = self.end[1, rows] / (self.speed[rows] * np.cos(self.theta[rows]))
        short &= ~((self.grading[rows] == 1.0) & steps_rule.worth_grading(q))
        more = np.where(short, steps_rule.refined(np.full(rows.size, steps), self.error[rows],
                                                  ACCURACY * d), steps)
        more = np.minimum(more, max(steps, self._fits()))
        for s in distinct(more):
            k = more == s
            if s > steps:  # the search's bounds hold at its steps: those of a refinement here
                self.solve(rows[k], int(s), *self.unknowns.arc_bounds(self, rows[k], int(s)))
            else:
                self.solve(rows[k], int(s), None if lower is None else lower[k],
                           None if upper is None else upper[k])
        self.confirmed(rows)

    def _fits(self) -> int:
        """The most steps a re-solve fits in what is left of the budget (a power of 2)."""
        fits = self.budget.left() // (8 * self.budget.step_cost)
        return int(2 ** np.floor(np.log2(max(fits, 1))))

    def confirmed(self, rows):
        """The solver has the last word on a bracketed search's answer: where it could not
        confirm it (from so close a start, only a starved iteration budget does that), the
        answer is reported as not converged."""
        for i in rows[~self.converged[rows]]:
            self.verdict(i, NOT_CONVERGED, self.not_converged(i))

    def _progress(self, b: Batch, rows):
        def report(p: solvers.Progress):
            sub = b.take(p.active)  # the problems still iterating, in the solver's order
            th, v = sub.unpack(p.z)
            miss = p.residual[:, 0] * sub.params.distance
            self.callback(SolveProgress(p.iteration, self.index[rows[p.active]], p.loss,
                                        np.degrees(np.asarray(th, float)
                                                   - self.offset[rows[p.active]]),
                                        np.asarray(v, float), miss))
        return report

    # -- the report --------------------------------------------------------------------------
    # -- the report --------------------------------------------------------------------------
    def _report(self) -> Results:
        b = self.batch
        y, vx, vy, t, top, z, vz = self.end
        fixed = np.isfinite(self.cols.angle_deg)
        msg = [""] * b.size
        status = [Status.SOLVED] * b.size
        for i in np.flatnonzero(~self.converged):
            msg[i] = self.message[i] or self.not_converged(i)
            status[i] = self.status[i] if self.message[i] else Status.NOT_CONVERGED
        return Results(
            # a fixed angle is echoed as given, not through radians and back
            angle_deg=np.where(fixed, self.cols.angle_deg,
                               np.degrees(self.theta - self.offset)),
            velocity_mps=self.speed.copy(),
            flight_time_s=t, apex_height_m=top,
            impact_speed_mps=np.hypot(np.hypot(vx, vy), vz),
            impact_angle_deg=np.degrees(np.arctan2(vy, np.hypot(vx, vz))),
            # the miss with the discretisation error taken out (Richardson)
            miss_m=y + self.error - b.target_height,
            azimuth_deg=np.degrees(self.azimuth),
            lateral_miss_m=(z + self.error_z - b.target_offset if self.three
                            else np.zeros(b.size)),
            drift_m=self._drift(), impact_lateral_velocity_mps=vz.copy(),
            converged=self.converged.copy(), iterations=self.iterations.copy(),
            steps=self.steps.copy() if not b.params.closed_form else np.zeros(b.size, dtype=int),
            message=msg, status=status,
            solver=self.opts["solver"])

    def _drift(self):
        """Where each 3-D shot would land sideways fired at azimuth 0 (m; 0 in 2-D): one more
        integration at the answer's elevation and speed and its last step count."""
        out = np.zeros(self.batch.size)
        if not self.three:
            return out
        rows = np.flatnonzero(np.isfinite(self.theta) & np.isfinite(self.speed))
        for s in distinct(self.steps[rows]):
            sub = rows[self.steps[rows] == s]
            p = self.batch.params.take(sub).with_steps(max(int(s), 1))
            p = replace(p, lateral=replace(p.lateral, azimuth=np.zeros(sub.size)))
            out[sub] = integrate(self.theta[sub], self.speed[sub], p, time=False)[0][Z]
        out[~np.isfinite(self.theta) | ~np.isfinite(self.speed)] = np.nan
        return out
