"""The least speed at the edge of reach: into a headwind the minimum-speed shot can be a tangent.

Into a headwind a shot's horizontal speed falls to 0 at a finite distance, its reach x_e, at a
finite height y_e; beyond, the wind blows it back. At a speed v the angles that get to x = D form
an interval whose ends arrive there with vx = 0, and the heights at D over that interval are
bounded: where the target lies outside the heights of the slowest shot that gets there, the
least speed that hits is not a top (dh/dtheta = 0, what `reach.minimum_speed` and the solver's
minimum-speed residual look for) but an end of the interval: the shot that arrives at D just
as vx reaches 0, at the target's height,

    x_e(theta, v) = D,    y_e(theta, v) = y_target.

The integration in x cannot get there (dx/dt = vx -> 0: its steps stall, and where they come out
finite they can be meaningless), so these two are flown in time, with the model's own field
(`field.acceleration`, the time form that `trajectory.simulate` flies) and scipy's DOP853. Along
the edge, v_e(theta) (the speed whose reach is D) is found by Brent's method in v, and the
height there, y_e(theta, v_e(theta)), by Brent's method in theta, marching away from the slowest
shot's angle towards the target's height.

The answer reported flies a hair faster, (1 + `MARGIN`) v, so that it gets past D (vx > 0) and
hits on its way out (the integration in x then measures it on a mesh graded to the stall);
that is within 1e-5 of the least speed, which no slower speed beats.
"""

from __future__ import annotations

import math

import numpy as np

from ..physics.field import acceleration
from ..physics.model import WORK
from ..physics.trajectory import _scalar

#: How much faster than the tangent shot the answer flies (relative): the hit's vx at D grows
#: with it (measured: 1e-7 left a 556 m shot 5e-7 of its launch's vx, which no mesh in x
#: resolved; 4e-6, 2e-5), and below 1e-5 a shot 1e-5 slower than the answer still misses.
MARGIN = 4e-6
#: DOP853's relative tolerance (its absolute one is this times the distance).
RTOL = 1e-12
#: The most evaluations of the field one search may take, a bound on its time (measured, about
#: 10 us each, 100-300 a flight; a 271 km/s shot with quadratic drag 1,500)
MOST = 60_000
#: ... and the fewest, where the solve's work budget is spent before it starts (measured: the
#: tangents of the tests took 7,052 and 18,095)
FEWEST = 25_000
#: What one evaluation of the field costs in the work budget's RK4 steps (`model.WORK`):
#: measured 15.5 us each, DOP853's own work included, against ~15 us a counted step
EVALUATION_WORK = 1


class _Budget(Exception):
    pass


class Tangent:
    """One shot's flights in time, with the edge of reach as an event."""

    def __init__(self, params, target_height: float, most: int = MOST):
        from scipy.integrate import solve_ivp  # slow import: only when a search needs it

        self._ivp = solve_ivp
        self.most = most
        self.f = _scalar(params.forces(lateral=False))
        self.d = float(np.asarray(params.distance).reshape(-1)[0])
        self.h0 = float(np.asarray(params.launch_height).reshape(-1)[0])
        self.target = float(target_height)
        #: evaluations of the field so far (`MOST`)
        self.evaluations = 0
        self._seen = {}

    def _rhs(self, t, s):
        return [s[2], s[3], *acceleration(s[1], s[2:], self.f)]

    def fly(self, theta: float, v: float, crossing: bool = False):
        """(x_e, y_e, crossing): where vx reaches 0, and with ``crossing`` the first crossing
        of x = D (x, y, vx, vy, t), or None."""
        if not crossing and (theta, v) in self._seen:
            return self._seen[theta, v]
        if self.evaluations > self.most:
            raise _Budget
        d = self.d

        def stall(t, s):
            return s[2]

        stall.terminal, stall.direction = True, -1
        s0 = [0.0, self.h0, v * math.cos(theta), v * math.sin(theta)]
        # the shot stalls within a few e-folds of the drag's time; the span only bounds it
        sol = self._ivp(self._rhs, (0.0, 1e9), s0, method="DOP853", rtol=RTOL,
                        atol=RTOL * d, events=[stall], dense_output=crossing)
        self.evaluations += sol.nfev
        WORK.steps += sol.nfev * EVALUATION_WORK
        if not len(sol.t_events[0]):
            return math.nan, math.nan, None
        t_e = sol.t_events[0][0]
        e = sol.y_events[0][0]
        c = None
        if crossing and e[0] >= d:
            # x rises until the stall: the crossing from the dense output (an event on x - D
            # misses a shot that gets past D and back within one step, next to the edge)
            from scipy.optimize import brentq

            t = brentq(lambda t: sol.sol(t)[0] - d, 0.0, t_e, xtol=1e-15 * t_e, rtol=1e-15)
            c = (*sol.sol(t), t)
        out = float(e[0]), float(e[1]), c
        if not crossing:
            self._seen[theta, v] = out
        return out

    def speed_at_edge(self, theta: float, guess: float) -> float:
        """v_e(theta): the speed whose reach at theta is D (x_e rises with v)."""
        from scipy.optimize import brentq

        f = lambda v: self.fly(theta, v)[0] - self.d
        a, fa = guess, f(guess)
        if not math.isfinite(fa):
            return math.nan
        # the guess is extrapolated along the edge: a bracket of 1e-3 usually holds the root
        step = 1.001 if fa < 0 else 1 / 1.001
        b, fb = a * step, f(a * step)
        for _ in range(60):
            if not math.isfinite(fb) or (fa < 0) != (fb < 0):
                break
            a, fa = b, fb
            step = step * step if abs(math.log(step)) < 1.0 else step
            b, fb = a * step, f(a * step)
        if not (math.isfinite(fb) and (fa < 0) != (fb < 0)):
            return math.nan
        return brentq(f, min(a, b), max(a, b), xtol=1e-13 * max(a, b), rtol=1e-13)

    def solve(self, theta0: float, v0: float, limit: float):
        """(theta, v): the tangent shot nearest theta0 (x_e = D at the target's height), from
        the slowest shot that gets there, near (theta0, v0); None where none is found."""
        from scipy.optimize import brentq

        memo = {}

        def guess(theta):
            # the speed at the edge, extrapolated from the two nearest angles known
            known = sorted((t for t in memo if math.isfinite(memo[t][1])),
                           key=lambda t: abs(t - theta))[:2]
            if not known:
                return v0
            if len(known) == 1 or known[0] == known[1]:
                return memo[known[0]][1]
            (t1, (_, v1)), (t2, (_, v2)) = ((t, memo[t]) for t in known)
            v = v1 + (v2 - v1) * (theta - t1) / (t2 - t1)
            return v if v > 0 else v1

        def gap(theta):
            # y_e - target along the edge
            if theta not in memo:
                v = self.speed_at_edge(theta, guess(theta))
                y = self.fly(theta, v)[1] if math.isfinite(v) else math.nan
                memo[theta] = (y - self.target, v)
            return memo[theta][0]

        g0 = gap(theta0)
        if not math.isfinite(g0):
            return None
        if g0 == 0.0:
            return theta0, memo[theta0][1]
        delta = 1e-3
        t1 = theta0 + delta if theta0 + delta <= limit else theta0 - delta
        g1 = gap(t1)
        if not math.isfinite(g1):
            return None
        # march towards the target's height along the edge, by secant steps a tenth past
        # where the last two points put it (at most 4 times the last step), until it is
        # bracketed
        direction = np.sign(t1 - theta0) * (1.0 if (g1 - g0) * g0 < 0 else -1.0)
        prev, g_prev = theta0, g0
        if direction * (t1 - theta0) > 0:
            cur, g_cur = t1, g1
        else:
            cur = float(np.clip(theta0 + direction * delta, -limit, limit))
            g_cur = gap(cur)
        step = delta
        for _ in range(60):
            if not math.isfinite(g_cur):
                return None
            if (g_cur < 0) != (g_prev < 0):
                break
            if abs(cur) >= limit:
                return None
            with np.errstate(all="ignore"):
                span = -g_cur * (cur - prev) / (g_cur - g_prev)
            if np.isfinite(span) and span * direction > 0:
                step = min(max(1.1 * abs(span), delta), 4.0 * step)
            else:
                step = 2.0 * step
            prev, g_prev = cur, g_cur
            cur = float(np.clip(cur + direction * step, -limit, limit))
            g_cur = gap(cur)
        else:
            return None
        theta = brentq(gap, min(prev, cur), max(prev, cur), xtol=1e-13, rtol=1e-13)
        gap(theta)
        return theta, memo[theta][1]

    def hit(self, theta_t: float, v_t: float):
        """(theta, v): a shot (1 + MARGIN) faster than the tangent (theta_t, v_t) that hits on
        its way out, next to the tangent's angle."""
        from scipy.optimize import brentq

        v = v_t * (1.0 + MARGIN)

        def h(theta):
            c = self.fly(theta, v, True)[2]
            return math.nan if c is None else c[1] - self.target

        # inside: the side of the tangent's angle along which the reach grows (at the speed
        # a hair faster, the tangent's angle itself gets past D)
        delta = 1e-3
        reach = [self.fly(theta_t + s * delta, v)[0] for s in (-1.0, 1.0)]
        side = -1.0 if np.nan_to_num(reach[0], nan=-np.inf) >= np.nan_to_num(
            reach[1], nan=-np.inf) else 1.0
        inner = theta_t + side * delta
        h_in, h_t = h(inner), h(theta_t)
        if not (math.isfinite(h_in) and math.isfinite(h_t)):
            return None
        if h_t == 0.0:
            return theta_t, v
        if (h_in < 0) != (h_t < 0):
            return brentq(h, min(inner, theta_t), max(inner, theta_t), xtol=1e-15,
                          rtol=1e-15), v
        # beyond the tangent's angle, towards the edge at this speed: bisection, a shot that
        # does not get there counting as beyond
        lo, hi = theta_t, theta_t - side * delta
        for _ in range(200):
            m = 0.5 * (lo + hi)
            hm = h(m)
            if math.isfinite(hm) and abs(hm) <= 1e-12 * self.d:
                return m, v
            if math.isfinite(hm) and (hm < 0) == (h_t < 0):
                lo = m
            else:
                hi = m
            if abs(hi - lo) <= 4 * np.finfo(float).eps * abs(m):
                return (lo, v) if math.isfinite(h(lo)) else None
        return None


def _inner_top(shot: Tangent, theta_t: float, v_t: float):
    """(theta, v) of the least speed where it is a top just inside the edge of reach, slower
    than the tangent (theta_t, v_t); None where there is none (the tangent is the least).

    A shot that is falling when it stalls at D gets there higher a little inside the edge,
    where it crosses D earlier, before it has fallen as far: the heights at D then peak
    within a hair of the edge, and the least speed is that peak's, not the tangent's
    (measured, linear drag into a 42 m/s headwind: 27.347420 m/s at 7.3232°, the edge at
    7.3235°, against the tangent's 27.347710 m/s at 7.3326°). The integration in x does not
    resolve it (the shot stalls there); in time: Newton's method on (h - target, dh/dtheta)
    = 0, h the height of the first crossing of x = D, its derivatives by differences."""
    d = shot.d

    def h(theta, v):
        c = shot.fly(theta, v, True)[2]
        return math.nan if c is None else c[1] - shot.target

    step = 1e-6  # rad: the differences' step in the angle (DOP853 holds h to ~1e-12 D)
    inside = -1.0 if shot.fly(theta_t - 1e-4, v_t)[0] >= shot.fly(theta_t + 1e-4, v_t)[0] \
        else 1.0
    theta, v = theta_t + inside * 1e-4, v_t
    for _ in range(30):
        f0, fp, fm = h(theta, v), h(theta + step, v), h(theta - step, v)
        dv = 1e-7 * v
        g1p, g1m, f1 = h(theta + step, v + dv), h(theta - step, v + dv), h(theta, v + dv)
        if not all(map(math.isfinite, (f0, fp, fm, g1p, g1m, f1))):
            return None
        g = (fp - fm) / (2 * step)
        jac = np.array([[g, (f1 - f0) / dv],
                        [(fp - 2 * f0 + fm) / step ** 2, ((g1p - g1m) / (2 * step) - g) / dv]])
        if not jac[1, 0] < 0:  # not a peak
            return None
        try:
            dt, dvel = np.linalg.solve(jac, [-f0, -g])
        except np.linalg.LinAlgError:
            return None
        theta, v = theta + dt, v + dvel
        if not (math.isfinite(theta) and v > 0):
            return None
        if abs(dvel) <= 1e-12 * v and abs(f0) <= 1e-11 * d:
            break
    else:
        return None
    return (theta, v) if v < v_t and math.isfinite(h(theta, v)) else None


def above_at_edge(params, target_height: float, theta: float, v: float, limit: float):
    """Whether speed ``v`` passes x = D above the target at an end of the interval of angles
    around ``theta`` that get there (where x_e = D): then a slower speed still hits there,
    and a least speed found as a top inside the interval (dh/dtheta = 0) is not the least.
    Into a headwind the height at D over that interval can rise to its ends: measured, a
    linear-drag shot at 27.34782 m/s and 7.312° (a top, converged) where the least speed,
    27.34742 m/s at 7.323°, stalls at D. None where the flights ran out of `FEWEST`
    evaluations."""
    from scipy.optimize import brentq

    shot = Tangent(params, target_height, FEWEST)
    d = shot.d
    reach = lambda t: shot.fly(t, v)[0] - d
    try:
        for direction in (-1.0, 1.0):
            inside, step = theta, 1e-3
            while True:  # out from theta until the reach falls short of D
                out = float(np.clip(inside + direction * step, -limit, limit))
                r = reach(out)
                if not r >= 0.0 or out in (-limit, limit):
                    break
                inside, step = out, 2.0 * step
            if r >= 0.0 or not math.isfinite(r):  # no end on this side (or no verdict)
                continue
            end = brentq(reach, min(inside, out), max(inside, out), xtol=1e-13, rtol=1e-13)
            if shot.fly(end, v)[1] > target_height:
                return True
    except _Budget:
        return None
    return False


def least_speed(params, target_height: float, theta0: float, v0: float, limit: float,
                left: float = math.inf):
    """(theta, v, vx at D over vx at launch) of the least speed that hits where it is a tangent
    at the edge of reach, flown (1 + `MARGIN`) faster, or a top just inside it where that is
    slower (`_inner_top`); None where none is found within
    ``left`` evaluations of the field (the solve's work budget left, `EVALUATION_WORK`), at
    least `FEWEST` and at most `MOST`."""
    most = int(min(MOST, max(FEWEST, left / EVALUATION_WORK)))
    shot = Tangent(params, target_height, most)
    try:
        found = shot.solve(theta0, v0, limit)
        if found is None:
            return None
        out = shot.hit(*found)
        if out is None:
            return None
        theta, v = out
        c = shot.fly(theta, v, True)[2]
    except _Budget:
        return None
    try:  # (the tangent stands where the peak inside it is not found within the budget)
        inner = _inner_top(shot, *found)
        if inner is not None:
            c_inner = shot.fly(*inner, True)[2]
            if c_inner is not None:
                (theta, v), c = inner, c_inner
    except _Budget:
        pass
    if c is None:
        return None
    return theta, v, c[2] / (v * math.cos(theta))
