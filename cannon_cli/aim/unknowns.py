"""What is unknown, one class a kind: the angle (the speed is fixed), the speed (the angle is
fixed), or both (the minimum-speed shot). Each knows its start, its bounds, how a shot that never
reaches the target is moved towards one, how an answer is examined, and how a failure is decided
by the bracketed searches of `reach` (out of reach, with the figures, or solved again from where
the search found the answer). A new kind of unknown (an azimuth, a time of flight) is a new class
here and its residual in `loss`; `group.Group` runs them all alike.

The methods take the `group.Group` whose problems they work on, ``g``: its state (angles,
speeds, verdicts) and its services (solve, measure, verdict).
"""

from __future__ import annotations

import math

import numpy as np

from ..physics import steps as steps_rule
from ..physics.steps import distinct
from ..problem import Status
from . import reach, start
from .budget import WORK_BUDGET
from .loss import Batch

#: RK4 steps of the first search for the greatest range of a shot that falls short, and the
#: work it may take beyond the solve's budget (RK4 steps, see `budget.WORK_BUDGET`).
RANGE_STEPS, RANGE_WORK = 64, 40_000
#: The most RK4 steps the bracketed searches of `reach` use (their answers are starts).
SEARCH_STEPS = 512
_ANGLE_LIMIT = reach.LIMIT
#: The largest azimuth of a 3-D aim (rad, either side of the line to the target): beyond, the
#: shot flies mostly across the range, and x is a poor independent variable.
AZIMUTH_LIMIT = 1.2
OUT_OF_REACH, NOT_CONVERGED = Status.OUT_OF_REACH, Status.NOT_CONVERGED

class Unknowns:
    """What all kinds share."""

    #: the kind's name, as `loss.Batch` knows it
    kind = ""
    #: whether `group.Group.measure` also takes d(height)/d(angle) (the arc check)
    slope = False

    # -- bounds on the scaled unknowns -----------------------------------------------------
    def bounds(self, b: Batch, vmax, angle_lo=None, angle_hi=None):
        n = b.size
        lo_a = np.full(n, -_ANGLE_LIMIT) if angle_lo is None else angle_lo
        hi_a = np.full(n, _ANGLE_LIMIT) if angle_hi is None else angle_hi
        lo_v = np.full(n, 1e-3)
        hi_v = (vmax if self.kind == "speed" else np.full(n, np.inf)) / b.speed_unit
        lo = {"angle": [lo_a], "speed": [lo_v], "both": [lo_a, lo_v]}[self.kind]
        hi = {"angle": [hi_a], "speed": [hi_v], "both": [hi_a, hi_v]}[self.kind]
        if b.three:
            lo.append(np.full(n, -AZIMUTH_LIMIT))
            hi.append(np.full(n, AZIMUTH_LIMIT))
        return np.stack(lo, 1), np.stack(hi, 1)

    def arc_bounds(self, g, rows, steps):
        """The bounds of a re-solve with ``steps`` steps of ``rows`` that have an answer."""
        b = g.batch.take(rows).with_steps(steps)
        return self.bounds(b, g.vmax[rows])

    def towards_reach(self, g, bad):
        """Move the starts of ``bad``, from which the shot never reaches the target distance,
        towards shots that do (`group.Group`'s feasibility pass)."""
        cap = g.vmax[bad] if self.kind == "speed" else np.inf
        g.speed[bad] = np.minimum(1.5 * g.speed[bad], cap)

    def examine(self, g, rows):
        """After the solver: a failure is decided by the bracketed searches of `reach`."""
        bad = rows[~g.converged[rows]]
        for steps in distinct(g.steps[bad]):
            self.reach(g, bad[g.steps[bad] == steps], int(steps))

    def settle(self, g, rows):
        """Last, on the answers of ``rows``: what only the whole solve can check."""


class Angle(Unknowns):
    """The speed is fixed: the unknown is the angle, on the arc asked for."""

    kind = "angle"
    slope = True

    def start(self, g):
        b = g.batch
        dy = b.target_height - b.params.launch_height
        theta = start.angle_for_speed(b.params, dy, b.velocity, g.high)
        return theta, b.velocity.copy()

    def arc_bounds(self, g, rows, steps):
        b = g.batch.take(rows).with_steps(steps)
        # a refinement moves the angle a little: keep it on its own side of the top angle
        th = g.theta[rows]
        lo = np.where(g.high[rows], th - 0.05, -_ANGLE_LIMIT)
        hi = np.where(g.high[rows], _ANGLE_LIMIT, th + 0.05)
        return self.bounds(b, g.vmax[rows], np.maximum(lo, -_ANGLE_LIMIT),
                            np.minimum(hi, _ANGLE_LIMIT))

    def towards_reach(self, g, bad):
        # at a given speed the horizontal speed, and so the reach, is largest at 0°: halfway
        # to level
        g.theta[bad] = 0.5 * g.theta[bad]

    def examine(self, g, rows):
        """After the solver: the answer must be on the arc asked for; a failure, or the other
        arc, is decided by the bracketed searches of `reach`."""
        slope = g.slope[rows]
        wrong = np.where(g.high[rows], ~(slope < 0), ~(slope > 0))
        bad = rows[~g.converged[rows] | wrong]
        g.converged[bad] = False
        for steps in distinct(g.steps[bad]):
            self.reach(g, bad[g.steps[bad] == steps], int(steps))

    def reach(self, g, rows, steps):
        """Speed fixed, and the solver failed or found the other arc: find the angle that
        passes x = D highest (`reach.top_angle`); below the target means out of reach,
        otherwise the arc's root inside its bracket (`reach.arc_root`), which the solver then
        confirms from there."""
        # the searches try other shots than the one a graded mesh was made for: even steps
        if g.spent(rows):
            return
        g.aim_across(rows, start=True)
        b = g.batch.take(rows).with_steps(min(steps, SEARCH_STEPS), even=True)
        theta_top, best = reach.top_angle(b, b.velocity)
        if g.three:
            # the search flies the vertical plane of the azimuth: aimed again for the highest
            # shot found (the drift is that shot's), and searched again near it
            found = np.isfinite(theta_top)
            g.theta[rows[found]] = theta_top[found]
            g.aim_across(rows[found])
            b = g.batch.take(rows).with_steps(min(steps, SEARCH_STEPS), even=True)
            again = reach.top_angle(b, b.velocity, near=np.where(found, theta_top, np.nan))
            theta_top = np.where(found, again[0], theta_top)
            best = np.where(found, again[1], best)
        tol = g.opts["tol"] * b.params.distance
        reachable = best >= -tol
        # "out of reach" is a verdict of the integration at the searches' steps: it stands
        # once twice the steps move the highest crossing by less than a quarter of its
        # distance below the target (near the edge of reach that takes more steps)
        more = min(steps, SEARCH_STEPS)
        # per row, the steps at which the top was found to reach the target
        found_at = np.full(rows.size, more)
        close = np.flatnonzero(~reachable & np.isfinite(best))
        while close.size and more < steps_rule.MAX_STEPS and not g.budget.over():
            more *= 2
            near = b.take(close).with_steps(more, even=True)
            was = best[close]
            theta_top[close], best[close] = reach.top_angle(near, near.velocity,
                                                           near=theta_top[close])
            reachable[close] = best[close] >= -tol[close]
            found_at[close] = more
            moved = np.abs(best[close] - was)
            close = close[~reachable[close] & ~(moved < 0.25 * np.abs(best[close]))]
        if close.size and more < steps_rule.MAX_STEPS:
            # the budget ran out before more steps settled it: no verdict
            g.spent(rows[close], force=True)
            g.measure(rows[close], steps)
            keep = np.flatnonzero(~np.isin(np.arange(rows.size), close))
            rows, b, theta_top, best = rows[keep], b.take(keep), theta_top[keep], best[keep]
            reachable, found_at = reachable[keep], found_at[keep]
        nowhere = np.flatnonzero(~np.isfinite(best))
        if nowhere.size:  # the closest approach is the greatest range, on the target's level
            far = b.take(nowhere)
            # the greatest range is an answer of its own: it gets an allowance of its own
            allowance = RANGE_WORK * max(1, nowhere.size) * g.budget.step_cost
            g.budget.extend(allowance)
            reach_m, theta_top[nowhere], settled = _max_range(far, g.budget.over)
        for j in np.flatnonzero(~reachable):
            i = rows[j]
            # the message names the elevation to set: the angle it leaves at less the offset
            if np.isfinite(best[j]):
                g.verdict(i, OUT_OF_REACH, _out_of_reach_at_speed(
                    b, j, theta_top[j] - g.offset[i], best[j]))
            else:
                g.verdict(i, OUT_OF_REACH, _beyond_range(b, j, reach_m[nowhere == j][0],
                                                         theta_top[j] - g.offset[i], settled))
            if np.isfinite(theta_top[j]):
                g.theta[i] = theta_top[j]
        short = rows[~reachable]
        if short.size:
            g.measure(short, steps)
        again = rows[reachable]
        if not again.size:
            return
        ok = np.flatnonzero(reachable)
        top, high, found_at = theta_top[ok], g.high[again], found_at[ok]
        th = np.full(again.size, np.nan)
        at, q = np.zeros(again.size, dtype=int), np.ones(again.size)
        # the root is sought, and confirmed, with the steps that found the top above the
        # target (with fewer the top can pass below it: no root to find)
        for s in distinct(found_at):
            k = np.flatnonzero(found_at == s)
            sub = b.take(ok[k]).with_steps(int(s), even=True)
            th[k], _, at[k], q[k] = reach.arc_root(sub, sub.velocity, top[k], high[k],
                                                   g.theta[again[k]], tol=g.search_tol(),
                                                   stop=g.budget.over)
        g.theta[again] = np.where(np.isfinite(th), th, top)
        # near the edge of reach the root was resolved with more steps, or on a mesh graded
        # to the shot (it stalls towards the target): the solver confirms it on that mesh
        g.grading[again] = q
        lo_a = np.where(high, top, -reach.LIMIT)
        hi_a = np.where(high, reach.LIMIT, top)
        lo, hi = self.bounds(b.take(ok), g.vmax[again], lo_a, hi_a)
        at = np.maximum(at, steps)
        for s in distinct(at):
            k = np.flatnonzero(at == s)
            g.confirm(again[k], int(s), lo[k], hi[k])


class Speed(Unknowns):
    """The angle is fixed: the unknown is the speed."""

    kind = "speed"

    def start(self, g):
        b = g.batch
        dy = b.target_height - b.params.launch_height
        v = start.speed_for_angle(b.params, dy, b.angle)
        return b.angle.copy(), np.minimum(v, g.vmax)

    def reach(self, g, rows, steps):
        """Angle fixed and the solver failed: the lowest speed that hits, from a scan over all
        speeds up to max_velocity (`reach.speed_root`), which the solver then confirms; out of
        reach when no speed hits."""
        # the searches try other shots than the one a graded mesh was made for: even steps
        if g.spent(rows):
            return
        g.aim_across(rows, start=True)
        b = g.batch.take(rows).with_steps(min(steps, SEARCH_STEPS), even=True)
        # speeds that the integration at these steps gives no verdict on are integrated again
        # with more steps (a stiff shot: strong drag), up to SEARCH_STEPS and beyond if stiff
        v, _, best_h, best_v, at, unresolved = reach.speed_root(
            b, b.angle, g.vmax[rows], tol=g.search_tol(), most=SEARCH_STEPS,
            stop=g.budget.over)
        found = np.isfinite(v)
        for j in np.flatnonzero(~found):
            i = rows[j]
            if unresolved[j]:  # no speed hits where resolved, but some speeds were not
                g.speed[i] = best_v[j] if np.isfinite(best_h[j]) else g.speed[i]
                why = (f"the work budget of the solve is spent ({WORK_BUDGET} RK4 steps a "
                       f"problem) before the edge of reach was searched" if g.budget.over()
                       else f"the integration could not resolve some speeds at "
                            f"{reach.SCAN_MOST} steps (the drag is too stiff)")
                g.verdict(i, NOT_CONVERGED, f"not converged: no speed found that hits, but "
                              f"{why}")
                continue
            g.speed[i] = best_v[j] if np.isfinite(best_h[j]) else g.speed[i]
            if g.bounded[i]:
                bound = f"at any speed up to max_velocity_mps {g.vmax[i]:g}"
            else:
                bound = "at any speed"
            where = (f"the highest it passes x = {b.params.distance[j]:g} m is "
                     f"{best_h[j] + b.target_height[j]:.6g} m (at {best_v[j]:.6g} m/s)"
                     if np.isfinite(best_h[j]) and best_h[j] < 0 else
                     f"every speed that gets to x = {b.params.distance[j]:g} m passes above "
                     f"the target (the lowest at {best_h[j] + b.target_height[j]:.6g} m, at "
                     f"{best_v[j]:.6g} m/s), and no slower one gets there below it"
                     if np.isfinite(best_h[j]) else
                     f"it never reaches x = {b.params.distance[j]:g} m")
            g.verdict(i, OUT_OF_REACH, f"out of reach at {g.cols.angle_deg[i]:g}° "
                          f"{bound}: {where}, the target is at {b.target_height[j]:g} m")
        if (~found).any():
            g.measure(rows[~found], steps)
        again = rows[found]
        if again.size:
            g.speed[again] = v[found]
            # at the steps that resolved the root, or more, never fewer than it had
            at = np.maximum(at, steps)
            for s in distinct(at[found]):
                g.confirm(again[at[found] == s], int(s))


class Both(Unknowns):
    """Neither is fixed: the minimum-speed shot."""

    kind = "both"

    def start(self, g):
        b = g.batch
        dy = b.target_height - b.params.launch_height
        # unbounded: the minimum speed is found first, and compared with max_velocity after
        return start.minimum_speed(b.params, dy)

    def examine(self, g, rows):
        """After the solver: a failure is decided by `reach.minimum_speed`, and a least speed
        above max_velocity is out of reach."""
        bad = rows[~g.converged[rows]]
        for steps in distinct(g.steps[bad]):
            self.reach(g, bad[g.steps[bad] == steps], int(steps))
        over = rows[g.converged[rows] & (g.speed[rows] > g.vmax[rows] * (1 + 1e-12))]
        for i in over:
            g.converged[i] = False
            g.verdict(i, OUT_OF_REACH, f"out of reach: the minimum speed is "
                          f"{g.speed[i]:.6g} m/s, above max_velocity_mps {g.vmax[i]:g}")
        for i in rows[~g.converged[rows]]:
            if not g.message[i]:
                g.verdict(i, NOT_CONVERGED, g.not_converged(i))

    def settle(self, g, rows):
        """Into a headwind a least speed converged as a top (dh/dtheta = 0) is the least only
        if its speed passes below the target at both ends of the angles that get there
        (`edge.above_at_edge`); where it passes above at one, the least speed is a tangent at
        the edge of reach, sought from there (`_tangents`), and reported only if slower."""
        from . import edge

        b = g.batch
        windward = not g.three and b.params.drag != "none"
        rows = rows[g.converged[rows] & (b.params.wind[rows] < 0)] if windward else rows[:0]
        # only next to the edge, where the shot stalls towards D: a top elsewhere is resolved
        # (the check flies DOP853 in time: measured 0.15-0.7 s a solve where it ran on all)
        q = g.end[1, rows] / (g.speed[rows] * np.cos(g.theta[rows]))
        rows = rows[q < steps_rule.STALL]
        for i in rows:
            if i in g.at_edge:  # an answer of the edge's own (a hair faster than its tangent)
                continue
            one = b.take(np.array([i]))
            above = edge.above_at_edge(one.params, float(one.target_height[0]),
                                       float(g.theta[i]), float(g.speed[i]), reach.LIMIT)
            if not above:
                continue
            theta, speed = g.theta[i], g.speed[i]
            g.converged[i] = False
            solved = _tangents(g, np.array([i]), np.array([theta]), np.array([speed]))
            if not (solved[0] and g.converged[i] and g.speed[i] < speed):
                g.theta[i], g.speed[i] = theta, speed
                g.converged[i] = False
                g.measure(np.array([i]), int(g.steps[i]))
                g.verdict(i, NOT_CONVERGED, f"not converged: {speed:.9g} m/s hits at "
                          f"{math.degrees(theta):.9g}° as the top of its shots, but passes "
                          f"above the target at the edge of reach: a slower speed hits there, "
                          f"and its tangent was not found")

    def reach(self, g, rows, steps):
        """Minimum speed and the solver failed: bisection on the speed whose highest crossing
        of x = D just reaches the target (`reach.minimum_speed`), confirmed by the solver."""
        if g.spent(rows):
            return
        g.aim_across(rows, start=True)
        # the searches try other shots than the one a graded mesh was made for: even steps
        b = g.batch.take(rows).with_steps(min(steps, SEARCH_STEPS), even=True)
        # from the start, not from where the solver gave up (it may have run far off)
        th, v, conv, floor = reach.minimum_speed(b, g.first[1][rows], g.first[0][rows],
                                                 tol=g.search_tol(), stop=g.budget.over)
        found = np.isfinite(v)
        # into a headwind a search that ends at the slowest shot that gets there, passing
        # far from the target, has found the edge of reach: the least speed is a tangent there
        tangent = found & ~conv & (b.params.wind < 0) & (b.params.drag != "none") & (not g.three)
        if tangent.any():
            solved = _tangents(g, rows[tangent], th[tangent], v[tangent])
            found[np.flatnonzero(tangent)[solved]] = False
            handled = np.zeros(rows.size, dtype=bool)
            handled[np.flatnonzero(tangent)[solved]] = True
        else:
            handled = np.zeros(rows.size, dtype=bool)
        g.spent(rows[~found & ~handled])  # stopped short of a verdict: say so
        again = rows[found]
        if again.size:
            g.theta[again], g.speed[again] = th[found], v[found]
            g.confirm(again, steps)
        for j in np.flatnonzero(~found & ~handled):
            i = rows[j]
            if g.message[i].startswith("not converged: the work budget"):
                continue
            if np.isfinite(floor[j]):
                g.verdict(i, NOT_CONVERGED, f"not converged: no least speed: the shot still "
                          f"reaches the target at {floor[j]:.3g} m/s (the wind carries it)")
            elif b.params.wind[j] > 0:
                # a tailwind keeps vx >= min(vx0, wind) > 0: every shot gets to x = D, so
                # no integration that gets there is a failure of the integration, not a verdict
                g.verdict(i, NOT_CONVERGED, f"not converged: no integration of the search got "
                          f"to x = {b.params.distance[j]:g} m at {steps} steps, which every shot "
                          f"does in a tailwind")
            else:
                g.verdict(i, OUT_OF_REACH, f"out of reach: no speed found that reaches "
                          f"x = {b.params.distance[j]:g} m")


KINDS = {k.kind: k for k in (Angle(), Speed(), Both())}


#: The steps a tangent's answer is first measured with, on meshes graded to the stall (`_tangents`).
TANGENT_STEPS = 512


def _tangents(g, rows, theta, v):
    """The least speed where it is a tangent at the edge of reach (`edge.least_speed`, from
    the search's last angle and speed), measured by the integration in x on a mesh graded to
    the stall: converged where that hits within a tenth of the promise with its estimated
    error below `group.ACCURACY`. Returns, per row, whether it was settled so (the rest are
    left to the solver, as before)."""
    from . import edge

    out = np.zeros(rows.size, dtype=bool)
    for j, i in enumerate(rows):
        if i in g.no_tangent:
            continue
        b = g.batch.take(np.array([i]))
        found = edge.least_speed(b.params, float(b.target_height[0]), float(theta[j]),
                                 float(v[j]), reach.LIMIT, left=g.budget.left())
        if found is None:
            # (not again: a search from where a later one stops finds no more, measured: a
            # second one from 4e12 m/s after the first from 1.5e16 m/s, 0.5 s more)
            g.no_tangent.add(i)
            continue
        th, speed, q = found
        d = float(b.params.distance[0])
        g.theta[i], g.speed[i] = th, speed
        g.at_edge.add(i)
        # next to the edge vx^2 falls linearly in x, faster at the end than the geometric
        # grading by the speeds' ratio follows: gradings 10 and 100 times steeper are tried
        # first (measured: a 36 m tangent shot 1.3e-7 m off at 1024 steps graded by a tenth
        # of the ratio, 1.5e-5 m by the ratio)
        gradings = [r * q for r in (0.1, 0.01)] if 0.0 < q < steps_rule.STALL else [1.0]
        one = np.array([i])
        tol = g.accuracy * d

        def settled():
            miss = g.end[0, i] + g.error[i] - b.target_height[0]
            return abs(g.error[i]) <= tol and abs(miss) <= 0.1 * g.promise * d

        # (a few measurements, not bounded by the work budget, which the searches before
        # have spent by now: the grading with the smaller error at TANGENT_STEPS, then the
        # steps its error asks for, up to steps.MAX_STEPS)
        errors = []
        for grading in gradings:
            g.grading[i] = grading
            g.measure(one, TANGENT_STEPS)
            errors.append(abs(g.error[i]) if np.isfinite(g.error[i]) else np.inf)
        k = int(np.argmin(errors))
        if k != len(gradings) - 1:
            g.grading[i] = gradings[k]
            g.measure(one, TANGENT_STEPS)
        s = TANGENT_STEPS
        while not settled() and s < steps_rule.MAX_STEPS and np.isfinite(g.error[i]):
            s = int(steps_rule.refined(np.array([s]), np.array([g.error[i]]), tol)[0])
            g.measure(one, s)
        if settled():
            g.converged[i] = True
            out[j] = True
        if not out[j]:
            g.verdict(i, NOT_CONVERGED, f"not converged: the least speed is a tangent at the "
                      f"edge of reach ({speed:.9g} m/s at {math.degrees(th):.9g}°, flown in "
                      f"time), which the integration in x does not resolve to the promise at "
                      f"{g.steps[i]} steps")
            out[j] = True
    return out


def _max_range(b: Batch, stop):
    """(range m, angle rad, settled) of `reach.max_range`, resolved: on RANGE_STEPS steps,
    then twice as many until two agree to 1e-7 (``settled``; RK4's error is then ~1e-8), or
    ``stop()``."""
    steps = RANGE_STEPS if not b.params.closed_form else 1
    last = reach.max_range(b.with_steps(steps, even=True), b.velocity, stop=stop)
    settled = b.params.closed_form
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
