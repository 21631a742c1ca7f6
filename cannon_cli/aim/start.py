"""Starting points for the solvers: the vacuum closed forms, made drag-aware by an effective
gravity.

A flat-fire shot with drag drops like a vacuum shot under a stronger gravity: the drop at x is
g_eff x^2 / (2 u0^2) instead of g x^2 / (2 u0^2). Using g_eff in the exact vacuum formulas
(docs/physics.md §3) gives starts that beat the plain vacuum formula at long range, at the cost of a
few array operations. In vacuum they are the answer, and the solver only confirms it; to watch a
solver work from elsewhere, pass a start to `solve`. The downrange wind is ignored here; a
crosswind raises the airspeed, and with it the drag, by sqrt(1 + (w / v)^2) at the muzzle, which
3-D starts take in (measured, 10,000 targets in a 5 m/s crosswind: the elevation start's median
miss 6.7e-5 -> 3.3e-5 x distance, 9 % fewer second Newton iterations).
"""

from __future__ import annotations

import numpy as np

from ..physics import vacuum
from ..physics.model import Params
from .reach import LIMIT as _MAX_ANGLE


def effective_gravity(p: Params, u0, theta=0.0) -> np.ndarray:
    """g_eff at the target distance for a shot with horizontal launch speed u0 at angle theta.

    Quadratic drag, flat fire, vx = u0 exp(-c x): the drop is g (e^{2cx} - 1 - 2cx) / (4 c^2 u0^2).
    Off the flat, drag acts on the whole speed, |v| = vx sec(slope); the slope runs from theta
    to about -theta, so c is raised by (1 + sec theta) / 2 (measured: within 1% of the solved
    speed at 40 degrees and 300 m). Linear drag, vx = u0 - k x: t = -ln(1 - kx/u0) / k, and the
    drop is about g t^2 / 2.
    """
    x = p.distance
    g = p.gravity
    if p.drag not in ("none", "linear"):
        a = _quadratic_c(p, u0, theta) * x * (1.0 + 1.0 / np.cos(theta))
        if p.lateral is not None:  # the crosswind's share of the airspeed at the muzzle
            w = p.lateral.crosswind
            a = a * np.sqrt(1.0 + (w * w) / (u0 / np.cos(theta)) ** 2)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            big = (np.expm1(a) - a) / (0.5 * a * a)
        small = 1.0 + a / 3.0 + a * a / 12.0
        return g * np.where(a > 1e-3, big, small)
    if p.drag == "linear":
        a = np.clip(p.drag_k * x / np.maximum(u0, 1e-9), 0.0, 0.95)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(a > 1e-6, -np.log1p(-a) / np.where(a > 0, a, 1.0), 1.0 + a / 2)
        return g * ratio * ratio
    return g + 0.0 * x


def _quadratic_c(p: Params, u0, theta):
    """The constant c of quadratic drag that stands in for p's drag: for a drag table, c times
    Cd at the muzzle's Mach number (air density and Cd met later on are not guessed at)."""
    if p.table is None:
        return p.drag_c
    with np.errstate(invalid="ignore", divide="ignore"):
        mach = np.nan_to_num(np.abs(u0 / np.cos(theta)) / p.air.a_site, nan=0.0, posinf=0.0)
    return p.drag_c * p.table.cd(mach)


def angle_for_speed(p: Params, dy, v, high) -> np.ndarray:
    """Launch angle (rad) to reach height dy (relative to the launch) at the distance with speed
    v: the vacuum formula (`vacuum.angle_for_speed`) with g_eff, the high arc where ``high``;
    where it has no root, the vacuum max-range angle."""
    x = p.distance
    theta = np.zeros_like(x)
    # a start is a guess: a speed so large that v^4 overflows gives the max-range angle
    with np.errstate(all="ignore"):
        for _ in range(1 if p.drag == "none" else 3):
            g = effective_gravity(p, v * np.cos(theta), theta)
            theta = vacuum.angle_for_speed(v, x, dy, g, high)
            theta = np.where(np.isnan(theta), np.pi / 4 + 0.5 * np.arctan2(dy, x), theta)
    return np.clip(theta, -_MAX_ANGLE, _MAX_ANGLE)


def speed_for_angle(p: Params, dy, theta) -> np.ndarray:
    """Launch speed (m/s) to reach height dy at the distance at angle theta: the vacuum formula
    (`vacuum.speed_for_angle`) with g_eff. NaN where the line of sight x tan(theta) does not
    clear dy: then no speed can."""
    x = p.distance
    v = vacuum.speed_for_angle(theta, x, dy, p.gravity)
    with np.errstate(all="ignore"):
        for _ in range(2 if p.drag != "none" else 0):
            v = vacuum.speed_for_angle(theta, x, dy, effective_gravity(p, v * np.cos(theta), theta))
    return v


def minimum_speed(p: Params, dy):
    """(angle rad, speed m/s): the vacuum minimum-speed angle (`vacuum.minimum_speed`), and the
    speed for it with g_eff."""
    theta, _ = vacuum.minimum_speed(p.distance, dy, p.gravity)
    return theta, speed_for_angle(p, dy, theta)
