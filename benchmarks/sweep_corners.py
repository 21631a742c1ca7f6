"""Randomised sweep of the hard corners of aiming, each answer checked by an independent oracle.

    python benchmarks/sweep_corners.py [--count N] [--seed S] [--solver newton|lbfgs]
                                       [--classes a,b] [--list]

Problems are drawn at random from the corners a sceptical user would try first (near-vertical
arcs, targets far above or below the muzzle, shots near the maximum reach, strong and weak
drag, winds stronger than the shot's horizontal speed, tiny and huge distances); ``--count`` per
class. Each problem is solved in-process with ``cannon_cli.solve`` (one at a time, timed with
``time.perf_counter``) and the answer is judged by the oracles of ``tests/reference.py``, which
share no code with the model:

- vacuum: the closed forms of docs/physics.md §3, evaluated in 50-digit mpmath from the
  problem's float inputs (the float versions of tests/reference.py lose digits to cancellation,
  e.g. y + sqrt(x^2 + y^2) for a target far below; where they disagree with the exact value by
  more than 1e-10 that is counted in the notes); the answer must be within 1e-9 (relative) of
  them in the unknown(s), on the arc asked for, and its true miss within the promise;
- drag: the true miss by the time-domain DOP853 reference (its rtol 1e-12), at most 1e-6 x D;
  a fixed-speed answer must be on its arc (the sign of dy/dtheta by the reference, `_check_arc`),
  and a minimum-speed answer truly the least (1e-5 slower, no angle near it reaches the
  target). Where the reference finds fault, it is asked again at rtol 1e-13, atol 1e-15
  (`tight`), which decides (a disagreement is listed as an oracle artefact), and an x-domain
  DOP853 integration is shown alongside. Where the reference says a shot never crosses x = D,
  its steps are searched inside too (`_crossing_in_steps`: it misses a crossing followed by a
  blow-back within one step);
- "out of reach" (and "not converged", for information): searched with the reference (closed
  forms in vacuum): at a fixed speed 400 angles in (-90°, 90°) and 90° - 10^-k° near the
  vertical, the best refined by Brent; at a fixed angle speeds 1e-3 ... 1e7 m/s on a geometric
  grid, a bracket of the target or the best refined; with both unknowns a grid of (angle,
  speed), one shot above the target and one below. A solution found makes the claim false;
  within 1e-5 x D of the edge the tighter reference decides.

Categories per answer: ok; bad-hit (converged, but misses beyond the promise, on the wrong
arc, not the least speed, or off the vacuum closed form); not-converged (exit 3, not "out of
reach"); nc-floor (not converged at a fixed speed where a solution exists but no
double-precision angle hits within the promise, `float_floor`: an honest answer);
out-of-reach true/FALSE; error (an exception); slow (> 2 s, counted alongside).

The worst offenders of each failing category (at most 5 a class) are printed as ``cannon solve``
command lines that reproduce them. Exit status 1 when a bar is missed: a false "out of reach",
a bad hit, an error or a slow solve.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import math
import os
import pathlib
import platform
import secrets
import shlex
import statistics
import subprocess
import sys
import time
import warnings
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import cannon_cli  # noqa: E402
from cannon_cli import Problem, solve  # noqa: E402
from cannon_cli.optim import DEFAULT_SOLVER, SOLVERS  # noqa: E402

import mpmath as mp  # noqa: E402
import numpy as np  # noqa: E402
from scipy.optimize import minimize_scalar  # noqa: E402

import reference as ref  # noqa: E402

G = ref.STANDARD_GRAVITY
PROMISE = 1e-6        # true miss <= PROMISE x distance
VACUUM_REL = 1e-9     # vacuum unknowns within this of the closed forms (relative)
SLOW_S = 2.0          # a solve slower than this is "slow"
#: near-vertical angles scanned (deg from the vertical); the model's steepest angle is
#: 90° - 1e-9 rad = 90° - 5.7e-8°, so the scan stops at 1e-7°.
NEAR_VERTICAL = 10.0 ** -np.arange(0.0, 7.01, 0.5)
#: the steepest unknown angle the model allows (rad), cannon_cli.reach.LIMIT
STEEPEST = 0.5 * math.pi - 1e-9
mp.mp.dps = 50

warnings.filterwarnings("ignore", message="Input line 1 contained no data")
# the reference reads a drag table's CSV again for every shot: cache it (same data, same PCHIP)
_table_cd = ref.table_cd
_TABLES: dict = {}


def _cached_table_cd(path):
    key = str(path)
    if key not in _TABLES:
        _TABLES[key] = _table_cd(path)
    return _TABLES[key]


ref.table_cd = _cached_table_cd


# ============================================================================================
# Drawing problems. Each class is one generator: rng -> (Problem kwargs, metadata).
# ============================================================================================

def lu(rng, lo, hi):
    """Log-uniform in [lo, hi]."""
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def un(rng, lo, hi):
    return float(rng.uniform(lo, hi))


def pick(rng, seq, p=None):
    return seq[int(rng.choice(len(seq), p=p))]


def _quadratic_body(rng, m=(0.01, 10.0), d=(0.01, 0.3), cd=(0.1, 1.2)):
    return dict(drag="quadratic", mass=lu(rng, *m), diameter=lu(rng, *d),
                drag_coefficient=un(rng, *cd))


def _linear_body(rng, k=(0.01, 5.0), m=(0.01, 10.0)):
    mass = lu(rng, *m)
    return dict(drag="linear", mass=mass, linear_drag=mass * lu(rng, *k))


def _mp_vacuum_angles(x, y, v, g=G):
    x, y, v, g = (mp.mpf(t) for t in (x, y, v, g))
    disc = v ** 4 - g * (g * x * x + 2 * y * v * v)
    if disc < 0:
        return None
    root = mp.sqrt(disc)
    return mp.atan((v * v - root) / (g * x)), mp.atan((v * v + root) / (g * x))


def vacuum_float_floor(d, y, v, theta, g=G):
    """The least relative miss (x D) a double-precision angle can have near theta: |dy/dtheta|
    x spacing(theta) / D, dy/dtheta = D sec^2(theta) (1 - g D tan(theta) / v^2). Near the
    vertical it outgrows the promise: no float angle hits (e.g. 89.999999° at g D / v^2 ~ 1e-8
    misses by about D)."""
    th = mp.mpf(theta)
    slope = mp.sec(th) ** 2 * (1 - g * mp.mpf(d) * mp.tan(th) / mp.mpf(v) ** 2)
    return float(abs(slope) * mp.mpf(np.spacing(float(th))))


def gen_vac_steep_high(rng):
    """Vacuum, speed fixed, high arc steeper than 89°: v log-uniform 1 ... 3000 m/s,
    g D / v^2 log-uniform 3e-5 ... 0.035, line of sight -80° ... 80°, launch height 0 or
    -1000 ... 1000 m. Drawn again until the high arc is > 89° and a double-precision angle can
    hit within 1e-7 x D (`vacuum_float_floor`; steeper, about 89.997° at g D / v^2 = 1e-4, the
    only honest answer is 'not converged')."""
    for _ in range(10000):
        v = lu(rng, 1.0, 3000.0)
        d = lu(rng, 3e-5, 0.035) * v * v / G
        h0 = 0.0 if rng.random() < 0.5 else un(rng, -1000.0, 1000.0)
        t = h0 + d * math.tan(math.radians(un(rng, -80.0, 80.0)))
        arcs = _mp_vacuum_angles(d, mp.mpf(t) - mp.mpf(h0), v)
        if (arcs is not None and arcs[1] > mp.radians(89)
                and vacuum_float_floor(d, t - h0, v, arcs[1]) <= 1e-7):
            return dict(distance=d, launch_height=h0, target_height=t, velocity=v,
                        arc="high"), {}
    raise RuntimeError("no steep arc drawn")


def gen_vac_minspeed_far(rng):
    """Vacuum, neither fixed (the minimum-speed shot), target far above or below: D
    log-uniform 1e-3 ... 1e4 m, |height difference| / D log-uniform 1 ... 1e4, up or down
    (even odds), launch height 0 or -100 ... 100 m."""
    d = lu(rng, 1e-3, 1e4)
    dy = lu(rng, 1.0, 1e4) * d * (1 if rng.random() < 0.5 else -1)
    h0 = 0.0 if rng.random() < 0.5 else un(rng, -100.0, 100.0)
    return dict(distance=d, launch_height=h0, target_height=h0 + dy), {}


def gen_vac_fixed_angle(rng):
    """Vacuum, angle fixed (-89° ... 89°), solve for the speed: D log-uniform 1e-3 ... 1e6 m,
    target at D (tan(theta) - rho sec^2(theta)), so v^2 = g D / (2 rho): rho log-uniform
    1e-6 ... 1 (down to 1e-6 near the line of sight, huge speeds up to ~2e6 m/s; closer, the
    answer's condition number times the rounding of radians(angle) exceeds 1e-9). One in ten
    has rho negative (the line of sight passes below the target: out of reach)."""
    d = lu(rng, 1e-3, 1e6)
    ang = un(rng, -89.0, 89.0)
    th = math.radians(ang)
    rho = lu(rng, 1e-6, 1.0) * (-1 if rng.random() < 0.1 else 1)
    return dict(distance=d, angle=ang,
                target_height=d * (math.tan(th) - rho / math.cos(th) ** 2)), {}


def gen_lin_steep_high(rng):
    """Linear drag, speed fixed, high arc, short range: D log-uniform 0.01 ... 200 m,
    v = sqrt(g D) x (3 ... 100, log-uniform), b/m log-uniform 0.01 ... 5 1/s (mass
    0.01 ... 10 kg), target height -0.3 D ... 0.3 D above a launch height of 0 or 0 ... 50 m."""
    d = lu(rng, 0.01, 200.0)
    h0 = 0.0 if rng.random() < 0.5 else un(rng, 0.0, 50.0)
    kw = dict(distance=d, velocity=math.sqrt(G * d) * lu(rng, 3.0, 100.0), arc="high",
              launch_height=h0, target_height=h0 + un(rng, -0.3, 0.3) * d)
    kw.update(_linear_body(rng))
    return kw, {}


def gen_quad_steep_high(rng):
    """Quadratic drag, speed fixed, high arc, short range: D log-uniform 0.01 ... 200 m,
    v = sqrt(g D) x (3 ... 100) (at most 2000 m/s), mass 0.01 ... 10 kg, diameter
    0.01 ... 0.3 m (log-uniform), Cd 0.1 ... 1.2, target -0.3 D ... 0.3 D above a launch height
    of 0 or 0 ... 50 m."""
    d = lu(rng, 0.01, 200.0)
    h0 = 0.0 if rng.random() < 0.5 else un(rng, 0.0, 50.0)
    kw = dict(distance=d, velocity=min(math.sqrt(G * d) * lu(rng, 3.0, 100.0), 2000.0),
              arc="high", launch_height=h0, target_height=h0 + un(rng, -0.3, 0.3) * d)
    kw.update(_quadratic_body(rng))
    return kw, {}


def _wind(rng, d):
    """Head- or tailwind (even odds) of sqrt(g D) x (0.1 ... 10, log-uniform)."""
    return math.sqrt(G * d) * lu(rng, 0.1, 10.0) * (-1 if rng.random() < 0.5 else 1)


def gen_minspeed_wind_lin(rng):
    """Linear drag, the minimum-speed shot into a head- or tailwind: D log-uniform
    1 ... 2000 m, |wind| = sqrt(g D) x (0.1 ... 10), b/m 0.01 ... 2 1/s (mass 0.1 ... 10 kg),
    target height -0.5 D ... 0.5 D."""
    d = lu(rng, 1.0, 2000.0)
    kw = dict(distance=d, wind=_wind(rng, d), target_height=un(rng, -0.5, 0.5) * d)
    kw.update(_linear_body(rng, k=(0.01, 2.0), m=(0.1, 10.0)))
    return kw, {}


def gen_minspeed_wind_quad(rng):
    """Quadratic drag, the minimum-speed shot into a head- or tailwind: D log-uniform
    1 ... 2000 m, |wind| = sqrt(g D) x (0.1 ... 10), mass 0.05 ... 10 kg, diameter
    0.02 ... 0.3 m, Cd 0.2 ... 1.0, target height -0.5 D ... 0.5 D."""
    d = lu(rng, 1.0, 2000.0)
    kw = dict(distance=d, wind=_wind(rng, d), target_height=un(rng, -0.5, 0.5) * d)
    kw.update(_quadratic_body(rng, m=(0.05, 10.0), d=(0.02, 0.3), cd=(0.2, 1.0)))
    return kw, {}


def gen_near_max_reach(rng):
    """Speed fixed (low or high arc), target within a hair of the highest point the speed can
    reach at D: drag none, linear or quadratic (even odds), v log-uniform 5 ... 800 m/s, D =
    v^2/g x (0.01 ... 1) in vacuum, x (0.003 ... 0.5) with drag; the top at D from the closed
    form or `reference_top` (DOP853 + Brent); target = top - s eps D with eps log-uniform
    1e-9 ... 1e-2, s = +1 (reachable, 60 %) or -1 (just out of reach)."""
    for _ in range(100):
        drag = pick(rng, ["none", "linear", "quadratic"])
        v = lu(rng, 5.0, 800.0)
        kw = dict(velocity=v, arc=pick(rng, ["low", "high"]))
        if drag == "none":
            d = v * v / G * lu(rng, 0.01, 1.0)
            top = float(v * v / (2 * G) - G * d * d / (2 * v * v))
            th_top = math.atan(v * v / (G * d))
        else:
            d = v * v / G * lu(rng, 0.003, 0.5)
            kw.update(_linear_body(rng, k=(0.01, 2.0)) if drag == "linear" else
                      _quadratic_body(rng, m=(0.05, 10.0), d=(0.02, 0.3)))
            th_top, top = ref.reference_top(Problem(distance=d, **kw), v, d)
            if not math.isfinite(top):
                continue
        eps = lu(rng, 1e-9, 1e-2)
        s = 1.0 if rng.random() < 0.6 else -1.0
        kw.update(distance=d, target_height=top - s * eps * d)
        return kw, dict(top=top, theta_top=th_top, eps=eps * s)
    raise RuntimeError("no near-maximum problem drawn")


def gen_angle_headwind_los(rng):
    """Quadratic drag, angle fixed (-60° ... 85°), headwind 0.5 ... 30 m/s (log-uniform), light
    projectile (mass 1e-5 ... 1e-2 kg, diameter 3 ... 30 mm, Cd 0.2 ... 1.0), D log-uniform
    0.1 ... 100 m, target a hair off the line of sight: D tan(theta) + s eps D sec^2(theta) with
    eps log-uniform 1e-6 ... 0.3, s = +1 (above the line of sight: only the headwind can bend the
    path up to it) or -1 (just below, huge speeds), even odds."""
    d = lu(rng, 0.1, 100.0)
    ang = un(rng, -60.0, 85.0)
    th = math.radians(ang)
    s = 1.0 if rng.random() < 0.5 else -1.0
    kw = dict(distance=d, angle=ang, wind=-lu(rng, 0.5, 30.0),
              target_height=d * (math.tan(th) + s * lu(rng, 1e-6, 0.3) / math.cos(th) ** 2))
    kw.update(_quadratic_body(rng, m=(1e-5, 1e-2), d=(0.003, 0.03), cd=(0.2, 1.0)))
    return kw, {}


def gen_steep_down(rng):
    """Speed fixed, low arc, steeply down from a height: drag none, linear (b/m 0.01 ... 5) or
    quadratic (even odds), drop H log-uniform 0.5 ... 2000 m, D = H x (1e-4 ... 0.1),
    v log-uniform 0.3 ... 100 m/s, launch height -100 ... 100 m. In vacuum drawn again until
    a double-precision angle can hit within 1e-7 x D (`vacuum_float_floor`)."""
    drag = pick(rng, ["none", "linear", "quadratic"])
    for _ in range(10000):
        h = lu(rng, 0.5, 2000.0)
        h0 = un(rng, -100.0, 100.0)
        kw = dict(distance=h * lu(rng, 1e-4, 0.1), launch_height=h0, target_height=h0 - h,
                  velocity=lu(rng, 0.3, 100.0), arc="low")
        if drag != "none":
            break
        arcs = _mp_vacuum_angles(kw["distance"], mp.mpf(h0 - h) - mp.mpf(h0), kw["velocity"])
        if arcs is None or vacuum_float_floor(kw["distance"], (h0 - h) - h0, kw["velocity"],
                                              arcs[0]) <= 1e-7:
            break   # out of reach, or a float angle can hit
    if drag == "linear":
        kw.update(_linear_body(rng))
    elif drag == "quadratic":
        kw.update(_quadratic_body(rng))
    return kw, {}


def gen_light_strong_wind(rng):
    """Quadratic drag, light projectiles in strong wind: mass 1e-5 ... 1e-2 kg, diameter
    3 ... 50 mm, Cd 0.2 ... 1.2, wind +-3 ... 40 m/s (log-uniform, even odds), D log-uniform
    0.5 ... 200 m, target -0.3 D ... 0.3 D; unknowns: the angle at v 2 ... 200 m/s (low or high
    arc), the speed at -30° ... 80°, or the minimum speed (even odds)."""
    d = lu(rng, 0.5, 200.0)
    kw = dict(distance=d, wind=lu(rng, 3.0, 40.0) * (-1 if rng.random() < 0.5 else 1),
              target_height=un(rng, -0.3, 0.3) * d)
    kind = pick(rng, ["angle", "speed", "both"])
    if kind == "angle":
        kw.update(velocity=lu(rng, 2.0, 200.0), arc=pick(rng, ["low", "high"]))
    elif kind == "speed":
        kw.update(angle=un(rng, -30.0, 80.0))
    kw.update(_quadratic_body(rng, m=(1e-5, 1e-2), d=(0.003, 0.05), cd=(0.2, 1.2)))
    return kw, {}


def gen_table_drag(rng):
    """A drag table at ordinary ranges: g7 or g1, mass 3 ... 50 g (log-uniform), diameter
    5.6 ... 12.7 mm, form factor 0.9 ... 1.3, D log-uniform 50 ... 1000 m, target
    -0.05 D ... 0.05 D, wind -10 ... 10 m/s, constant air or ICAO at altitude 0 ... 2000 m;
    the angle at v 250 ... 1000 m/s, low arc (70 %), or the speed at 0.1° ... 3° (30 %)."""
    d = lu(rng, 50.0, 1000.0)
    kw = dict(distance=d, drag=pick(rng, ["g7", "g1"]), mass=lu(rng, 0.003, 0.05),
              diameter=un(rng, 0.0056, 0.0127), form_factor=un(rng, 0.9, 1.3),
              target_height=un(rng, -0.05, 0.05) * d, wind=un(rng, -10.0, 10.0),
              atmosphere=pick(rng, ["constant", "icao"]), altitude=un(rng, 0.0, 2000.0))
    if rng.random() < 0.7:
        kw.update(velocity=un(rng, 250.0, 1000.0), arc="low")
    else:
        kw.update(angle=un(rng, 0.1, 3.0))
    return kw, {}


CLASSES = {
    "vac-steep-high": gen_vac_steep_high,
    "vac-minspeed-far": gen_vac_minspeed_far,
    "vac-fixed-angle": gen_vac_fixed_angle,
    "lin-steep-high": gen_lin_steep_high,
    "quad-steep-high": gen_quad_steep_high,
    "minspeed-wind-lin": gen_minspeed_wind_lin,
    "minspeed-wind-quad": gen_minspeed_wind_quad,
    "near-max-reach": gen_near_max_reach,
    "angle-headwind-los": gen_angle_headwind_los,
    "steep-down": gen_steep_down,
    "light-strong-wind": gen_light_strong_wind,
    "table-drag": gen_table_drag,
}


# ============================================================================================
# The oracles: closed forms (mpmath) in vacuum, the DOP853 reference with drag.
# ============================================================================================

def rel(a, b):
    a, b = mp.mpf(a), mp.mpf(b)
    return float(abs(a - b) / abs(b)) if b != 0 else float(abs(a - b))


def h_at(pr, theta, v):
    """Reference height at x = D (NaN if the shot never gets there). Where the reference says
    NaN, `_crossing_in_steps` looks inside its steps too."""
    y = ref.reference_height_at(pr, float(theta), float(v), pr.distance)
    if math.isnan(y) and math.isfinite(theta) and math.isfinite(v):
        y = _crossing_in_steps(pr, float(theta), float(v))
    return y


def _crossing_in_steps(pr, theta, v):
    """The reference's flight (its right-hand side and tolerances), with the crossing of
    x = D looked for inside every step of the dense output, not only at the step ends: the
    reference's event test compares signs at the ends of a step, so a shot that passes D and
    is blown back within one DOP853 step (a light shot into a strong headwind) goes unseen and
    it says NaN (e.g. a 0.53 m shot into a 27 m/s headwind, where an x-domain DOP853 finds the
    crossing at the target within 1e-7 x D)."""
    from scipy.integrate import solve_ivp
    from scipy.optimize import brentq

    def stall(t, s):
        return s[2]

    stall.terminal, stall.direction = True, -1
    d = pr.distance
    sol = solve_ivp(ref._rhs(pr), (0.0, ref.T_MAX),
                    [0.0, float(pr.launch_height), v * math.cos(theta), v * math.sin(theta)],
                    method="DOP853", rtol=ref.RTOL, atol=ref.ATOL, events=[stall],
                    dense_output=True)
    for a, b in zip(sol.t[:-1], sol.t[1:]):
        tt = np.linspace(a, b, 33)
        xs = sol.sol(tt)[0]
        past = np.flatnonzero(xs >= d)
        if past.size:
            k = int(past[0])
            if k == 0:
                return float(sol.sol(a)[1])
            root = brentq(lambda t: sol.sol(t)[0] - d, tt[k - 1], tt[k], xtol=1e-15,
                          rtol=1e-15)
            return float(sol.sol(root)[1])
    return math.nan


class tight:
    """The reference at rtol 1e-13, atol 1e-15, for a second opinion where the default one
    finds fault: an absolute tolerance of 1e-12 is loose for a tiny distance crossed nearly
    vertically (the error of x at the crossing is multiplied by |vy/vx|), e.g. a 0.25 m shot at
    89.75° that the reference at rtol = atol = 1e-12 misses by 1.7e-6 x D, and the tighter one
    and `xdomain_height` by 3.4e-8 x D."""

    def __enter__(self):
        self.saved = ref.RTOL, ref.ATOL
        ref.RTOL, ref.ATOL = 1e-13, 1e-15

    def __exit__(self, *exc):
        ref.RTOL, ref.ATOL = self.saved


def xdomain_height(pr, theta, v):
    """A third opinion for none/linear/quadratic drag (NaN otherwise): y(D) by DOP853 with x as
    the independent variable (rtol 1e-13), the state (y, vx, vy); NaN if vx reaches 0 first."""
    if pr.drag not in ("none", "linear", "quadratic"):
        return math.nan
    from scipy.integrate import solve_ivp

    k, c = ref.drag_constants(pr)
    w, g = pr.wind, pr.gravity

    def f(x, s):
        _, vx, vy = s
        ux = vx - w
        kap = k if pr.drag == "linear" else c * math.hypot(ux, vy)
        return [vy / vx, -kap * ux / vx, (-g - kap * vy) / vx]

    def stall(x, s):
        return s[1]

    stall.terminal = True
    r = solve_ivp(f, (0.0, pr.distance), [pr.launch_height, v * math.cos(theta),
                                           v * math.sin(theta)],
                  method="DOP853", rtol=1e-13, atol=1e-15, events=stall)
    return float(r.y[0, -1]) if r.status == 0 else math.nan


def _maximise(f, a, b, xatol=1e-11):
    """max of f on [a, b] by bounded Brent; f may return NaN (counted as -inf)."""
    res = minimize_scalar(lambda x: -np.nan_to_num(f(x), nan=-1e300), bounds=(a, b),
                          method="bounded", options={"xatol": xatol})
    return float(res.x), float(-res.fun)


def search_fixed_speed(pr):
    """(exists, margin m, where): the highest the reference passes x = D at the problem's
    speed, over 400 angles in (-90°, 90°) and 90° - 10^-k° near the vertical, the best refined
    by Brent. The arc asked for exists if the top passes at or above the target and, on the
    arc's side of the top (steeper for high, flatter for low), some angle passes below it or
    the shot stops reaching x = D (bisected there: the height plunges at the edge of reach)."""
    deg = np.concatenate([np.linspace(-90.0, 90.0, 402)[1:-1], 90.0 - NEAR_VERTICAL,
                          -90.0 + NEAR_VERTICAL])
    grid = np.radians(np.unique(deg))
    t, v = pr.target_height, pr.velocity
    BRACKET.clear()
    hs = np.array([h_at(pr, th, v) for th in grid])
    if not np.isfinite(hs).any():
        return False, -math.inf, "no angle reaches x = D"
    i = int(np.nanargmax(np.where(np.isfinite(hs), hs, -np.inf)))
    best, arg = hs[i], grid[i]
    if best < t:
        th, hb = _maximise(lambda th: h_at(pr, th, v), grid[max(i - 1, 0)],
                           grid[min(i + 1, len(grid) - 1)])
        if hb > best:
            best, arg = hb, th
    top = f"top at {math.degrees(arg):.12g}°"
    if best < t:
        return False, float(best - t), top
    step = 1 if pr.arc == "high" else -1
    j, last = i + step, i
    while 0 <= j < len(grid):
        if not np.isfinite(hs[j]):      # the edge of reach: bisect for a height below
            lo, hi = grid[last], grid[j]
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                hm = h_at(pr, mid, v)
                if not math.isfinite(hm):
                    hi = mid
                elif hm <= t:
                    BRACKET.update(above=lo, below=mid)
                    return True, float(best - t), f"{top}, the {pr.arc} arc near " \
                        f"{math.degrees(mid):.10g}° (edge of reach)"
                else:
                    lo = mid
            break
        if hs[j] <= t:
            BRACKET.update(above=grid[j - step], below=grid[j])
            a, b = sorted((math.degrees(grid[j - step]), math.degrees(grid[j])))
            return True, float(best - t), f"{top}, the {pr.arc} arc between {a:.10g}° and " \
                f"{b:.10g}°"
        last, j = j, j + step
    return False, float(best - t), (f"{top} passes above, but on the {pr.arc} arc's side "
                                    f"every angle passes above too: only the other arc hits")


#: The angles (rad) of the last `search_fixed_speed` that found the arc: one passing at or
#: above the target, one below it or falling short (`float_floor`).
BRACKET: dict = {}


def float_floor(pr):
    """Whether no double-precision angle hits within the promise, on the arc `search_fixed_speed`
    bracketed last: bisection in double precision between its ends by the tighter reference
    (a shot that falls short counts as below), down to adjacent doubles. Next to the edge of
    reach the height runs off like ln(vx) (linear drag): one ulp of the angle can move it by
    more than the promise (a 0.54 m shot at 89.88°: +6.6e-6 m and -3.8e-4 m either side, against
    5.4e-7 m), and no solver can hit. (The reference's own error of x, rtol x D, exceeds the
    distance to the edge there: its verdict on the side of the edge is a guess, as is this.)"""
    if not BRACKET:
        return False
    lo, hi = BRACKET["above"], BRACKET["below"]
    t, v, tol = pr.target_height, pr.velocity, PROMISE * pr.distance
    with tight():
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                return True
            hm = h_at(pr, mid, v)
            if math.isfinite(hm) and abs(hm - t) <= tol:
                return False
            if math.isfinite(hm) and hm > t:
                lo = mid
            else:
                hi = mid
    return False


def search_fixed_angle(pr):
    """(exists, margin m, where): speeds 1e-3 ... 1e7 m/s, 25 a decade, by the reference. A
    pair of neighbours whose heights at D bracket the target is a solution; else the highest
    crossing is refined by Brent in log(v). If some speed passes above but none below, the edge
    of reach (where the height can plunge between grid points) is bisected for one below."""
    th = math.radians(pr.angle)
    t = pr.target_height
    speeds = np.geomspace(1e-3, 1e7, 251)
    hs = np.array([h_at(pr, th, v) for v in speeds]) - t
    fin = np.isfinite(hs)
    for j in range(len(speeds) - 1):
        if fin[j] and fin[j + 1] and hs[j] * hs[j + 1] <= 0:
            return True, float(max(hs[j], hs[j + 1])), \
                f"between {speeds[j]:.6g} and {speeds[j + 1]:.6g} m/s"
    if not fin.any():
        return False, -math.inf, "no speed reaches x = D"
    i = int(np.nanargmax(np.where(fin, hs, -np.inf)))
    best, arg = hs[i], speeds[i]
    if best < 0:
        lv, hb = _maximise(lambda lv: h_at(pr, th, math.exp(lv)) - t,
                           math.log(speeds[max(i - 1, 0)]),
                           math.log(speeds[min(i + 1, len(speeds) - 1)]), xatol=1e-12)
        if hb > best:
            best, arg = hb, math.exp(lv)
        return bool(best >= 0), float(best), f"at {arg:.10g} m/s"
    k = int(np.argmax(fin))
    if k > 0:
        lo, hi = speeds[k - 1], speeds[k]   # lo does not reach x = D, hi does
        for _ in range(60):
            mid = math.sqrt(lo * hi)
            hm = h_at(pr, th, mid) - t
            if not math.isfinite(hm):
                lo = mid
            elif hm <= 0:
                return True, float(best), f"between {mid:.10g} and {arg:.6g} m/s"
            else:
                hi = mid
    return False, float(best), f"passes above at every speed that reaches x = D ({arg:.6g} m/s)"


def search_minimum_speed(pr):
    """(exists, margin m, where) over a grid of angles -85° ... 89.9° and speeds
    1e-2 ... 1e6 m/s: with the speed free, a shot that passes at or above the target at D and
    one that passes below mean that one between hits."""
    t = pr.target_height
    best, arg, below = -math.inf, (math.nan, math.nan), None
    for ang in np.concatenate([np.linspace(-85.0, 88.0, 36), [89.0, 89.9]]):
        for v in np.geomspace(1e-2, 1e6, 33):
            h = h_at(pr, math.radians(ang), v) - t
            if not math.isfinite(h):
                continue
            if h < 0 and below is None:
                below = (float(ang), float(v))
            if h > best:
                best, arg = h, (float(ang), float(v))
            if best >= 0 and below is not None:
                return True, best, (f"at {arg[0]:.6g}°, {arg[1]:.6g} m/s above, "
                                    f"{below[0]:.6g}°, {below[1]:.6g} m/s below")
    if not math.isfinite(best):
        return False, best, "no shot of the grid reaches x = D"
    if best >= 0:
        return False, best, "every shot of the grid that reaches x = D passes above"
    return False, best, f"best at {arg[0]:.6g}°, {arg[1]:.6g} m/s"


def search(pr):
    """(exists, margin m, where): whether a solution exists, by the oracles (margin: how far
    the best shot found passes above the target at D, negative below)."""
    if pr.drag == "none":
        x, y = mp.mpf(pr.distance), mp.mpf(pr.target_height) - mp.mpf(pr.launch_height)
        if pr.unknowns == "angle":
            v, g = mp.mpf(pr.velocity), pr.gravity
            top = v * v / (2 * g) - g * x * x / (2 * v * v)   # the envelope at x
            where = "closed form"
            th = vacuum_exact(pr)["theta"]
            if not mp.isnan(th) and abs(th) > STEEPEST:
                where += (f"; the {pr.arc} arc is at {float(mp.degrees(th)):.12g}°, steeper than "
                          f"the model's limit 90° - 1e-9 rad")
            elif not mp.isnan(th):
                where += (f"; the {pr.arc} arc is at {float(mp.degrees(th)):.12g}°, where a "
                          f"float angle misses by >= "
                          f"{vacuum_float_floor(x, y, v, th, g):.2g} x D")
            return bool(top >= y), float(top - y), where
        if pr.unknowns == "speed":
            rise = x * mp.tan(mp.radians(mp.mpf(pr.angle))) - y
            return bool(rise > 0), math.nan, f"closed form: x tan(theta) - y = {float(rise):.3g} m"
        return True, math.nan, "closed form"
    if pr.unknowns == "angle":
        return search_fixed_speed(pr)
    if pr.unknowns == "speed":
        return search_fixed_angle(pr)
    return search_minimum_speed(pr)


def vacuum_exact(pr):
    """The unknowns by the closed forms in 50-digit arithmetic from the problem's floats:
    dict(theta, v, other: the other arc's angle), and the float versions of tests/reference.py
    (f_theta, f_v); None for what is not solved for, NaN where there is no solution."""
    g = pr.gravity
    x = mp.mpf(pr.distance)
    y = mp.mpf(pr.target_height) - mp.mpf(pr.launch_height)
    yf = pr.target_height - pr.launch_height
    nan = mp.mpf("nan")
    if pr.unknowns == "angle":
        arcs = _mp_vacuum_angles(x, y, pr.velocity, g) or (nan, nan)
        fl = ref.vacuum_angles(pr.distance, yf, pr.velocity, g)
        k = 1 if pr.arc == "high" else 0
        return dict(theta=arcs[k], other=arcs[1 - k], v=None, f_theta=fl[k], f_v=None)
    if pr.unknowns == "speed":
        th = mp.radians(mp.mpf(pr.angle))
        rise = x * mp.tan(th) - y
        v = mp.sqrt(g * x * x / (2 * mp.cos(th) ** 2 * rise)) if rise > 0 else nan
        return dict(theta=None, other=None, v=v, f_theta=None,
                    f_v=ref.vacuum_speed(pr.distance, yf, math.radians(pr.angle), g))
    s = y + mp.sqrt(x * x + y * y)
    fl = ref.vacuum_min_speed(pr.distance, yf, g)
    return dict(theta=mp.atan(s / x), other=None, v=mp.sqrt(g * s), f_theta=fl[0], f_v=fl[1])


def _rel_ok(value, exact):
    """(within VACUUM_REL, relative error) of a float against an mpmath value."""
    if mp.isnan(exact):
        return False, math.inf
    e = rel(value, exact)
    return e <= VACUUM_REL, e


# ============================================================================================
# Classifying an answer.
# ============================================================================================

@dataclasses.dataclass
class Outcome:
    cls: str
    kw: dict
    category: str           # ok, bad-hit, not-converged, oor-true, oor-FALSE, error
    seconds: float
    score: float = 0.0      # for ranking the worst offenders (bigger is worse)
    detail: str = ""
    notes: tuple = ()


def _check_vacuum(pr, sol, why, notes):
    """The vacuum answer against the exact closed forms; returns the worst relative error."""
    ex = vacuum_exact(pr)
    worst = 0.0
    if ex["theta"] is not None:
        theta = mp.radians(mp.mpf(sol.angle_deg))
        ok, e = _rel_ok(theta, ex["theta"])
        if not ok:
            if mp.isnan(ex["theta"]):
                why.append("the closed form has no solution")
            elif ex["other"] is not None and _rel_ok(theta, ex["other"])[0]:
                why.append(f"wrong arc ({pr.arc} asked: {float(mp.degrees(ex['theta'])):.12g}°)")
            else:
                why.append(f"angle off the closed form by {e:.3g} (rel; exact "
                           f"{float(mp.degrees(ex['theta'])):.15g}°)")
            worst = max(worst, e)
        if math.isfinite(ex["f_theta"]) and not rel(ex["f_theta"], ex["theta"]) <= 1e-10:
            notes.append("float closed form off")
    if ex["v"] is not None:
        ok, e = _rel_ok(sol.velocity_mps, ex["v"])
        if not ok:
            why.append("the closed form has no solution" if mp.isnan(ex["v"]) else
                       f"speed off the closed form by {e:.3g} (rel; exact {float(ex['v']):.15g})")
            worst = max(worst, e)
        if math.isfinite(ex["f_v"]) and not rel(ex["f_v"], ex["v"]) <= 1e-10:
            notes.append("float closed form off")
    return worst


def _check_arc(pr, sol, why):
    """Drag, fixed speed: the high arc has dy/dtheta < 0, the low > 0. The sign is read from
    central differences of the tighter reference at +-1e-7, 1e-6, 1e-5, 1e-4 rad, the first that
    stands above its noise deciding (the smallest: near the top of a shot near its maximum
    reach, dy/dtheta is tiny and a wide difference reads the third derivative instead); where
    none does, the arcs meet and hit alike."""
    th, d, v = math.radians(sol.angle_deg), pr.distance, pr.velocity
    noise = 1e-12 * (abs(pr.target_height) + abs(pr.launch_height) + d)
    with tight():
        for dl in (1e-7, 1e-6, 1e-5, 1e-4):
            diff = h_at(pr, th + dl, v) - h_at(pr, th - dl, v)
            if not math.isfinite(diff):
                return 0.0
            if abs(diff) > noise:
                break
        else:
            return 0.0
    if (diff > 0) != (pr.arc == "high"):
        return 0.0
    why.append(f"wrong arc ({pr.arc} asked, dy/dtheta = {diff / (2 * dl):.3g} m/rad, central "
               f"difference at +-{dl:g} rad)")
    return 1.0


def _check_least(pr, sol, why):
    """Drag, minimum speed: 1e-5 slower, no angle within 0.1 rad of the answer reaches the
    target (21 angles, the best refined by Brent): the angles that get to x = D there do not
    pass both above and below it. (Into a headwind the heights at D are bounded below too:
    where the shots that get there all pass above the target, the least speed is a tangent
    at the edge of reach, `cannon_cli.aim.edge`, and a slower shot passing above it is no
    hit.)"""
    slower = sol.velocity_mps * (1 - 1e-5)
    th = math.radians(sol.angle_deg)
    f = lambda a: h_at(pr, a, slower)
    grid = np.clip(th + np.linspace(-0.1, 0.1, 21), -0.5 * math.pi + 1e-9, 0.5 * math.pi - 1e-9)
    hs = np.array([f(a) for a in grid])
    if not np.isfinite(hs).any():
        return 0.0
    i = int(np.nanargmax(np.where(np.isfinite(hs), hs, -np.inf)))
    hb = max(_maximise(f, grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)])[1], hs[i])
    j = int(np.nanargmin(np.where(np.isfinite(hs), hs, np.inf)))
    neg = lambda a: -f(a)
    lo = min(-_maximise(neg, grid[max(j - 1, 0)], grid[min(j + 1, len(grid) - 1)])[1], hs[j])
    if hb >= pr.target_height and lo > pr.target_height:
        # every angle near passes above: one farther off may still pass below
        wide = np.radians(np.linspace(-89.5, 89.5, 180))
        low = np.array([f(a) for a in wide])
        low = low[np.isfinite(low)]
        lo = min(lo, low.min()) if low.size else lo
    if hb >= pr.target_height and not lo > pr.target_height:
        why.append(f"not the least speed: {slower:.10g} m/s passes "
                   f"{(hb - pr.target_height) / pr.distance:.3g} x D above")
        return 1.0
    return 0.0


def _check_hit(pr, sol, notes):
    """(reasons it is a bad hit, score) for a converged answer, by the reference as set."""
    d = pr.distance
    why = []
    miss = abs(h_at(pr, math.radians(sol.angle_deg), sol.velocity_mps) - pr.target_height)
    score = miss / d if math.isfinite(miss) else math.inf
    if not miss <= PROMISE * d:
        why.append(f"true miss {miss / d:.3g} x D")
    if pr.drag == "none":
        score = max(score, _check_vacuum(pr, sol, why, notes))
    elif pr.unknowns == "angle" and not why:
        score = max(score, _check_arc(pr, sol, why))
    elif pr.unknowns == "both" and not why:
        score = max(score, _check_least(pr, sol, why))
    return why, score


def classify(cls, kw, meta, sol, seconds):
    pr = sol.problem
    d = pr.distance
    notes = []
    if sol.converged:
        why, score = _check_hit(pr, sol, notes)
        if why:
            # a second opinion from the tighter reference decides; the x-domain one is shown
            first = "; ".join(why)
            with tight():
                why, score = _check_hit(pr, sol, [])
            if not why:
                notes.append("oracle artefact")
                return Outcome(cls, kw, "ok", seconds, 0.0,
                               f"the default reference said: {first}", tuple(notes))
            yx = xdomain_height(pr, math.radians(sol.angle_deg), sol.velocity_mps)
            if math.isfinite(yx):
                why.append(f"x-domain DOP853 miss {abs(yx - pr.target_height) / d:.3g} x D")
        if why:
            return Outcome(cls, kw, "bad-hit", seconds, score, "; ".join(why), tuple(notes))
        return Outcome(cls, kw, "ok", seconds, 0.0, "", tuple(notes))
    # not converged: is there a solution?
    exists, margin, where = search(pr)
    if pr.drag != "none" and math.isfinite(margin) and abs(margin) < 1e-5 * d:
        with tight():   # near the edge of reach: the tighter reference decides
            exists2, margin, where = search(pr)
        if exists2 != exists:
            notes.append("oracle artefact")
            where += " (the default reference said otherwise)"
        exists = exists2
    m = f"{margin / d:+.3g} x D" if math.isfinite(margin) else ""
    found = (f"a solution exists ({where}{'; passes ' + m if m else ''})" if exists
             else f"no solution found ({where}{'; the best passes ' + m if m else ''})")
    if sol.message.startswith("out of reach"):
        if exists:
            return Outcome(cls, kw, "oor-FALSE", seconds,
                           margin / d if math.isfinite(margin) else 1.0,
                           f"{found} | {sol.message[:140]}", tuple(notes))
        return Outcome(cls, kw, "oor-true", seconds, 0.0, found, tuple(notes))
    if exists and pr.unknowns == "angle" and pr.drag != "none" and float_floor(pr):
        return Outcome(cls, kw, "nc-floor", seconds, 0.0, f"{sol.message[:140]} | {found}; "
                       f"no double-precision angle hits within the promise", tuple(notes))
    return Outcome(cls, kw, "not-converged", seconds, 1.0 if exists else 0.0,
                   f"{sol.message[:140]} | {found}", tuple(notes))


# ============================================================================================
# The command line that reproduces a problem.
# ============================================================================================

_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Problem)
             if f.default is not dataclasses.MISSING}
_ORDER = ["distance", "target_height", "launch_height", "drag", "mass", "diameter",
          "drag_coefficient", "linear_drag", "form_factor", "atmosphere", "altitude", "wind",
          "angle", "velocity", "arc"]


def command(kw, solver):
    parts = ["cannon", "solve"]
    for name in _ORDER + sorted(set(kw) - set(_ORDER)):
        if name not in kw or (name in _DEFAULTS and kw[name] == _DEFAULTS[name]):
            continue
        if name == "arc" and "velocity" not in kw:
            continue
        value = kw[name]
        text = repr(float(value)) if isinstance(value, (int, float)) else str(value)
        flag = "--" + name.replace("_", "-")
        parts.append(f"{flag}={text}" if text.startswith("-") else f"{flag} {text}")
    parts.append(f"--solver {solver}")
    return " ".join(parts)


# ============================================================================================
# The sweep.
# ============================================================================================

CATS = ["ok", "bad-hit", "not-converged", "nc-floor", "oor-true", "oor-FALSE", "error"]
FAILING = ["bad-hit", "oor-FALSE", "error", "not-converged", "slow"]


def warm_up(solver):
    """One untimed solve per drag model, so that imports and first calls are not timed."""
    for kw in (dict(distance=100.0), dict(distance=100.0, drag="linear", velocity=50.0),
               dict(distance=100.0, drag="quadratic", angle=30.0),
               dict(distance=300.0, drag="g7", velocity=800.0, mass=0.01, diameter=0.0078),
               dict(distance=300.0, drag="g1", velocity=800.0, mass=0.01, diameter=0.0078,
                    atmosphere="icao")):
        solve(Problem(**kw), solver=solver)


def run_class(name, gen, count, seed, solver, progress):
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    drawn = [gen(rng) for _ in range(count)]
    out = []
    for j, (kw, meta) in enumerate(drawn):
        t0 = time.perf_counter()
        try:
            pr = Problem(**kw)
            sol = solve(pr, solver=solver)
        except Exception as exc:  # noqa: BLE001  (a crash is a finding)
            out.append(Outcome(name, kw, "error", time.perf_counter() - t0, 1.0,
                               f"{type(exc).__name__}: {exc}"))
            continue
        seconds = time.perf_counter() - t0
        out.append(classify(name, kw, meta, sol, seconds))
        if progress:
            print(f"\r  {name}: {j + 1}/{count}", end="", file=sys.stderr, flush=True)
    if progress:
        print("\r" + " " * 60 + "\r", end="", file=sys.stderr, flush=True)
    return out


def header(args, seed):
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        rev = ""
    rev = rev or "?"
    cmd = " ".join(shlex.quote(a) for a in ["python", "benchmarks/sweep_corners.py",
                                             *sys.argv[1:]])
    print(f"# sweep_corners  {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"# command: {cmd}")
    print(f"# seed: {seed}  (reproduce this draw with --seed {seed})")
    try:
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                                "cannon_cli", "tests/reference.py"], capture_output=True,
                               text=True, timeout=10).stdout.split("\n")
        dirty = [line[3:] for line in dirty if line.strip()]
    except (OSError, subprocess.SubprocessError):
        dirty = []
    print(f"# solver: {args.solver}  count per class: {args.count}  cannon {cannon_cli.__version__}"
          f" (git {rev})  python {platform.python_version()}")
    if dirty:
        print(f"# uncommitted: {', '.join(dirty)}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    print(f"# machine: {platform.node()}, {os.cpu_count()} cpus, load {load[0]:.2f} at the start")
    print(f"# ok: converged, true miss <= {PROMISE:g} x D (DOP853 rtol {ref.RTOL:g}, atol "
          f"{ref.ATOL:g}), on the "
          f"arc asked for, the least speed;")
    print(f"#     vacuum also within {VACUUM_REL:g} (rel) of the closed forms.  slow: > {SLOW_S:g} s")


def table(results):
    cols = ["class", "n", "ok", "bad-hit", "not-conv", "nc floor", "oor true/FALSE", "error",
            "slow", "median s", "max s"]
    rows = []
    total = []
    for name, outs in results.items():
        total += outs
        rows.append(_row(name, outs))
    rows.append(_row("all", total))
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    line = lambda r: "  ".join(s.ljust(w) if i == 0 else s.rjust(w)
                               for i, (s, w) in enumerate(zip(r, widths)))
    print(line(cols))
    print(line(["-" * w for w in widths]))
    for r in rows[:-1]:
        print(line(r))
    print(line(["-" * w for w in widths]))
    print(line(rows[-1]))


def _row(name, outs):
    c = {k: sum(o.category == k for o in outs) for k in CATS}
    times = [o.seconds for o in outs]
    return [name, str(len(outs)), str(c["ok"]), str(c["bad-hit"]), str(c["not-converged"]),
            str(c["nc-floor"]), f"{c['oor-true']}/{c['oor-FALSE']}", str(c["error"]),
            str(sum(t > SLOW_S for t in times)),
            f"{statistics.median(times):.3f}" if times else "-",
            f"{max(times):.3f}" if times else "-"]


def offenders(results, solver):
    print()
    print("worst offenders (at most 5 a class and category; each line reproduces the problem):")
    any_ = False
    for name, outs in results.items():
        for cat in FAILING:
            if cat == "slow":
                bad = sorted((o for o in outs if o.seconds > SLOW_S), key=lambda o: -o.seconds)
            else:
                bad = sorted((o for o in outs if o.category == cat),
                             key=lambda o: (-o.score, -o.seconds))
            if not bad:
                continue
            any_ = True
            print(f"\n  [{name}] {cat}: {len(bad)}")
            for o in bad[:5]:
                extra = f"{o.category}, " if cat == "slow" else ""
                print(f"    {command(o.kw, solver)}")
                print(f"      ({extra}{o.seconds:.3f} s) {o.detail}")
    if not any_:
        print("  none")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=20, help="problems per class (default 20)")
    ap.add_argument("--seed", type=int, default=None,
                    help="seed of the draw (default: a fresh one, printed in the header)")
    ap.add_argument("--solver", default=DEFAULT_SOLVER, choices=list(SOLVERS))
    ap.add_argument("--classes", default=None,
                    help="comma-separated classes to run (default: all; see --list)")
    ap.add_argument("--list", action="store_true", help="list the classes and their ranges")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args(argv)
    if args.list:
        for name, gen in CLASSES.items():
            print(f"{name}:\n    " + " ".join(gen.__doc__.split()))
        return 0
    names = list(CLASSES) if args.classes is None else [c.strip() for c in
                                                        args.classes.split(",") if c.strip()]
    unknown = [n for n in names if n not in CLASSES]
    if unknown:
        ap.error(f"unknown class(es) {', '.join(unknown)}; choose from {', '.join(CLASSES)}")
    seed = args.seed if args.seed is not None else secrets.randbits(32)
    header(args, seed)
    start = time.perf_counter()
    warm_up(args.solver)
    results = {}
    for name in names:
        results[name] = run_class(name, CLASSES[name], args.count, seed, args.solver,
                                  not args.quiet and sys.stderr.isatty())
    print()
    table(results)
    offenders(results, args.solver)
    every = [o for outs in results.values() for o in outs]
    print("\nslowest solves (the margin under the 2 s bar):")
    for o in sorted(every, key=lambda o: -o.seconds)[:3]:
        print(f"    [{o.cls}] ({o.category}, {o.seconds:.3f} s) {command(o.kw, args.solver)}")
    notes = sum("float closed form off" in o.notes for o in every)
    if notes:
        print(f"\nnote: {notes} vacuum problem(s) where the float closed forms of "
              f"tests/reference.py differ from the exact (50-digit) value by more than 1e-10")
    arte = [o for o in every if "oracle artefact" in o.notes]
    if arte:
        print(f"\nnote: {len(arte)} answer(s) where the reference at its default tolerances "
              f"(rtol {ref.RTOL:g}, atol {ref.ATOL:g}) disagreed with the tighter one (rtol "
              f"1e-13, atol 1e-15), which was used:")
        for o in arte[:10]:
            print(f"    [{o.cls}] {command(o.kw, args.solver)}\n      {o.detail}")
    n_false = sum(o.category == "oor-FALSE" for o in every)
    n_bad = sum(o.category == "bad-hit" for o in every)
    n_err = sum(o.category == "error" for o in every)
    n_slow = sum(o.seconds > SLOW_S for o in every)
    print(f"\nbars: false 'out of reach' {n_false}, bad hits {n_bad}, errors {n_err}, "
          f"solves over {SLOW_S:g} s {n_slow}  -> "
          f"{'all met' if not (n_false or n_bad or n_err or n_slow) else 'MISSED'}")
    print(f"wall time {time.perf_counter() - start:.0f} s (solves "
          f"{sum(o.seconds for o in every):.0f} s, the rest is the oracles)")
    return 1 if (n_false or n_bad or n_err or n_slow) else 0


if __name__ == "__main__":
    sys.exit(main())
