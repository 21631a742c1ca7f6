"""The vector field of a shot, written once: a point mass under gravity, drag through moving air
and (optionally) the Earth's rotation, in 2-D or 3-D, as functions of the downrange distance x
(docs/physics.md §2, §7).

Frame: x downrange toward the target, y up, z to the right. The state is (y, vx, vy, t) in 2-D
and (y, z, vx, vy, vz, t) in 3-D; with ' = d/dx::

    y' = vy / vx    z' = vz / vx    v' = a / vx    t' = 1 / vx
    a = (0, -g, 0) - kappa (v - w) - 2 Omega x v

The acceleration a is written once (`acceleration`, the time form that `trajectory` flies a
whole flight with); `rates` divides it by vx.

w = (wind, 0, crosswind) is the wind, kappa the drag per unit mass (`Medium`: b/m for linear
drag, c sigma(y) |v - w| Cd(|v - w| / a(y)) through air) and Omega the Earth's rotation in this
frame (`earth_rotation`). The same code runs on numbers, on complex numbers (the complex step) and
on `jet.Jet` (derivatives with respect to anything that enters as a jet): it is the one
description of the physics that every derivative comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .jet import apply, sqrt, value

#: Earth's rotation rate (rad/s), IERS.
EARTH_RATE = 7.292115e-5


def earth_rotation(latitude_deg, azimuth_deg) -> tuple:
    """Omega (x, y, z) in the frame of a shot fired at bearing ``azimuth_deg`` (from true north,
    clockwise) at ``latitude_deg`` (numbers or arrays): north is cos(A) x - sin(A) z, so
    Omega = w (cos(phi) cos(A), sin(phi), -cos(phi) sin(A))."""
    phi, az = np.radians(latitude_deg), np.radians(azimuth_deg)
    return (EARTH_RATE * np.cos(phi) * np.cos(az), EARTH_RATE * np.sin(phi),
            -EARTH_RATE * np.cos(phi) * np.sin(az))


@dataclass(frozen=True)
class Forces:
    """What acts on N shots: each entry a number, an array (N,) or a `jet.Jet`.

    ``drag`` is the drag model's name; ``drag_k`` b/m (linear drag); ``drag_c`` the c of
    kappa = c sigma |v| Cd (quadratic and table drag); ``table`` the Cd(Mach) table (None: Cd
    folded into c) and ``air`` the atmosphere (None: constant air folded into c; else sigma and
    the speed of sound follow it). ``omega`` is the Earth's rotation (None: off).
    """

    drag: str
    gravity: Any
    wind: Any = 0.0
    crosswind: Any = 0.0
    drag_k: Any = 0.0
    drag_c: Any = 0.0
    table: Any = None
    air: Any = None
    omega: Optional[tuple] = None
    #: a factor on the speed of sound (None: 1), how a site temperature's change reaches the
    #: Mach number (with the density, through the drag scale: `aim.sensitivity`)
    sound_scale: Any = None
    #: truing's Cd correction (`correction.Curve`, None: off): Cd times 1 + sum c_k B_k(M),
    #: the c_k (``cd_coefficients``) differentiable inputs like the others
    cd_curve: Any = None
    cd_coefficients: tuple = ()


def _kappa(f: Forces, speed, y, order: int):
    """kappa, the drag per unit mass, at ``speed`` = |v - w| and height y."""
    if f.drag == "linear":
        return f.drag_k
    k = f.drag_c * speed
    if f.air is not None:
        rho, snd = f.air.evaluate(value(y), order)
        r = 1.0 / f.air.rho_site
        if order == 0:  # plain values
            k, sound = k * (rho * r), snd
        else:
            k = k * apply(y, (rho.value * r, rho.d1 * r, None if rho.d2 is None else rho.d2 * r))
            sound = apply(y, tuple(snd))
    else:
        sound = None
    if f.table is not None:  # a table comes with its air (constant air: sound is a constant)
        if f.sound_scale is not None:
            sound = sound * f.sound_scale
        mach = speed / sound
        k = k * apply(mach, f.table.evaluate(value(mach), order))
        if f.cd_curve is not None:  # written here, not folded in the table: the c_k are inputs
            bumps = f.cd_curve.bumps(value(mach), order)
            k = k * (1.0 + sum(c * apply(mach, b[:3]) for c, b in zip(f.cd_coefficients, bumps)))
    return k


def _accel(y, u, w, v3, f: Forces, order: int):
    """(ax, ay, az) at height y and velocity (u, w, v3) (v3 None in 2-D); None for a component
    that nothing acts on, so that `rates` skips its operations (its hot path)."""
    three = v3 is not None
    ur = u - f.wind
    if f.drag == "none":
        ax, ay = None, -f.gravity
        az = None
    else:
        vz = v3 - f.crosswind if three else None
        sq = ur * ur + w * w
        if three:
            sq = sq + vz * vz
        # -kappa once (negation is exact: the same numbers as -(kappa ur), one operation less
        # a component)
        nk = -_kappa(f, None if f.drag == "linear" else sqrt(sq), y, order)
        ax, ay = nk * ur, nk * w - f.gravity
        az = nk * vz if three else None
    if f.omega is not None:
        ox, oy, oz = f.omega
        # -2 Omega x v
        vz_ = v3 if three else 0.0
        cx = -2.0 * (oy * vz_ - oz * w)
        cy = -2.0 * (oz * u - ox * vz_)
        ax = cx if ax is None else ax + cx
        ay = ay + cy
        if three:
            cz = -2.0 * (ox * w - oy * u)
            az = cz if az is None else az + cz
    return ax, ay, az


def acceleration(y, v, f: Forces, order: int = 0) -> tuple:
    """The acceleration (m/s^2) at height ``y`` and velocity ``v`` = (vx, vy) or (vx, vy, vz)
    under ``f``: (ax, ay) or (ax, ay, az) = (0, -g, 0) - kappa (v - w) - 2 Omega x v. The time
    form of the field, for a whole flight in time (`trajectory.simulate`); `rates` is this
    divided by vx."""
    u, w = v[0], v[1]
    v3 = v[2] if len(v) == 3 else None
    ax, ay, az = _accel(y, u, w, v3, f, order)
    out = (0.0 * u if ax is None else ax, ay)
    return out + (0.0 * u if az is None else az,) if v3 is not None else out


def rates(s, f: Forces, order: int = 0) -> list:
    """d/dx of the state ``s`` (a sequence of its components, 2-D or 3-D by its length; the time
    last, or left out) under ``f``: the list of the components' rates, the `acceleration` over
    vx. ``order`` is the derivative order the components carry (for the table and air
    lookups)."""
    three = len(s) >= 5
    if three:
        y, _, u, w, v3 = s[:5]
    else:
        y, u, w = s[:3]
        v3 = None
    iu = 1.0 / u
    ax, ay, az = _accel(y, u, w, v3, f, order)
    out = [w * iu]
    if three:
        out.append(v3 * iu)
    out.append(0.0 * iu if ax is None else ax * iu)
    out.append(ay * iu)
    if three:
        out.append(0.0 * iu if az is None else az * iu)
    if len(s) % 2 == 0:  # the time
        out.append(iu)
    return out
