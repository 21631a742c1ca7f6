"""The closed forms of a shot in vacuum (docs/physics.md §3), written once.

x is the distance, dy the target's height above the muzzle, g the gravity; angles in radians.
Every function takes numbers or arrays (broadcast) and is written in autograd.numpy, so autograd
can trace them; where a formula has no answer the result is NaN, never a warning.
"""

from __future__ import annotations

from typing import NamedTuple

import autograd.numpy as anp
import numpy as np


def end_state(theta, v, x, h0, g):
    """(y, vx, vy, t) where the shot launched from height h0 at (theta, v) passes x."""
    return _end_state(Launch(anp.cos(theta), anp.sin(theta), anp.tan(theta)), v, x, h0, g)


def slope(theta, v, x, g):
    """d(height at x)/d(theta): x sec²(theta) (1 - g x tan(theta) / v²)."""
    a = Launch(anp.cos(theta), None, anp.tan(theta))
    return x / a.cos ** 2 * _arc(a, v, x, g)


class Launch(NamedTuple):
    """cos, sin and tan of launch angles, taken once where several formulas want them (on a
    million shots np.cos costs as much as six multiplications)."""

    cos: object
    sin: object
    tan: object

    @classmethod
    def of(cls, theta) -> "Launch":
        """Those of ``theta`` (rad): sin as cos tan, within an ulp or two of np.sin at a
        fifth of its cost."""
        c, tan = np.cos(theta), np.tan(theta)
        return cls(c, c * tan, tan)


def _end_state(a: Launch, v, x, h0, g):
    vx = v * a.cos
    t = x / vx
    y = h0 + x * a.tan - 0.5 * g * t * t
    vy = v * a.sin - g * t
    return y, vx, vy, t


def _arc(a: Launch, v, x, g):
    """1 - g x tan(theta) / v²: the slope over x sec²(theta), positive below the angle that
    passes x highest, negative above it."""
    return 1.0 - g * x * a.tan / (v * v)


def flight(theta, v, x, h0, g, *, arc: bool = False):
    """(y, vx, vy, t, apex[, arc]) of shots launched from height h0 at ``theta`` (rad, or its
    `Launch`) and speed v, at x: the end state (`end_state`; y, vx and t the same numbers),
    the highest point on the way to x (the top of the parabola where the shot passes it
    before x, else the end; the launch height for a shot not rising), and with ``arc`` the
    slope over x sec²(theta) (`slope`): its sign is the arc's, and at the least speed it is
    zero. Plain numpy: for reports, not traced."""
    a = theta if isinstance(theta, Launch) else Launch.of(theta)
    y, vx, vy, t = _end_state(a, v, x, h0, g)
    vy0 = v * a.sin
    x_top = vy0 * v * a.cos / g
    top = np.where(x_top >= x, y, h0 + vy0 * vy0 / (2 * g))
    top = np.where(vy0 > 0, top, h0)
    return (y, vx, vy, t, top) + ((_arc(a, v, x, g),) if arc else ())


def speed_for_angle(theta, x, dy, g):
    """The speed that passes (x, dy) at launch angle theta (rad, or its `Launch`):
    v² = g x² / (2 cos²(theta) (x tan(theta) - dy)); NaN where the line of sight x tan(theta)
    does not clear dy (then no speed can)."""
    a = theta if isinstance(theta, Launch) else Launch(np.cos(theta), None, np.tan(theta))
    c = a.cos
    rise = x * a.tan - dy
    with np.errstate(all="ignore"):
        v = np.sqrt(g * x * x / (2.0 * c * c * rise))
    return np.where(rise > 0, v, np.nan)


def angle_for_speed(v, x, dy, g, high):
    """The launch angle that passes (x, dy) at speed v, on the high arc where ``high``:
    tan(theta) = (v² ± sqrt(v⁴ - g (g x² + 2 dy v²))) / (g x); NaN where the target is out of
    this speed's reach."""
    with np.errstate(all="ignore"):
        gx = g * x
        root = np.sqrt(v ** 4 - g * (gx * x + 2.0 * dy * v * v))  # NaN: out of reach
        return np.arctan((v * v + np.where(high, 1.0, -1.0) * root) / gx)


def minimum_speed(x, dy, g):
    """(theta, v) of the least speed that passes (x, dy): tan(theta) = (dy + r) / x and
    v² = g (dy + r), r = sqrt(x² + dy²)."""
    r = dy + np.hypot(x, dy)
    return np.arctan(r / x), np.sqrt(g * r)


def landing(theta, v, drop, g):
    """The distance at which the shot comes down ``drop`` below its launch height (negative: above
    it): x = u²/g (tan(theta) + sqrt(tan²(theta) + 2 g drop / u²)), u = v cos(theta); NaN where
    it never comes down there."""
    t = np.tan(theta)
    u2 = (v * np.cos(theta)) ** 2
    with np.errstate(all="ignore"):
        return u2 / g * (t + np.sqrt(t * t + 2.0 * g * drop / u2))
