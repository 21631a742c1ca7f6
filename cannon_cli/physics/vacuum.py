"""The closed forms of a shot in vacuum (docs/physics.md §3), written once.

x is the distance, dy the target's height above the muzzle, g the gravity; angles in radians.
Every function takes numbers or arrays (broadcast) and is written in autograd.numpy, so autograd
can trace them; where a formula has no answer the result is NaN, never a warning.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np


def end_state(theta, v, x, h0, g):
    """(y, vx, vy, t) where the shot launched from height h0 at (theta, v) passes x."""
    vx = v * anp.cos(theta)
    t = x / vx
    y = h0 + x * anp.tan(theta) - 0.5 * g * t * t
    vy = v * anp.sin(theta) - g * t
    return y, vx, vy, t


def slope(theta, v, x, g):
    """d(height at x)/d(theta): x sec²(theta) (1 - g x tan(theta) / v²)."""
    return x / anp.cos(theta) ** 2 * (1.0 - g * x * anp.tan(theta) / (v * v))


def speed_for_angle(theta, x, dy, g):
    """The speed that passes (x, dy) at launch angle theta:
    v² = g x² / (2 cos²(theta) (x tan(theta) - dy)); NaN where the line of sight x tan(theta)
    does not clear dy (then no speed can)."""
    c = np.cos(theta)
    rise = x * np.tan(theta) - dy
    with np.errstate(all="ignore"):
        v = np.sqrt(g * x * x / (2.0 * c * c * rise))
    return np.where(rise > 0, v, np.nan)


def angle_for_speed(v, x, dy, g, high):
    """The launch angle that passes (x, dy) at speed v, on the high arc where ``high``:
    tan(theta) = (v² ± sqrt(v⁴ - g (g x² + 2 dy v²))) / (g x); NaN where the target is out of
    this speed's reach."""
    with np.errstate(all="ignore"):
        disc = v ** 4 - g * (g * x * x + 2.0 * dy * v * v)
        root = np.sqrt(np.maximum(disc, 0.0))
        theta = np.arctan((v * v + np.where(high, 1.0, -1.0) * root) / (g * x))
    return np.where(disc >= 0, theta, np.nan)


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
