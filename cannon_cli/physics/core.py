"""RK4 in x on the field of `field.py`, for numbers or for `jet.Jet` states: the generic path
from the launch and the physical inputs to the end state and its derivatives."""

from __future__ import annotations

import numpy as np

from .field import Forces, rates
from .fused import rates as fused_rates
from .jet import Jet


def _rates(z, f: Forces, order: int):
    if isinstance(z, Jet):
        out = rates([z[i] for i in range(z.a.shape[0])], f, order)
        return Jet(np.stack([c.a for c in out]), z.ndir, z.order)
    return np.stack(rates(list(z), f, 0))


def _values(z) -> np.ndarray:
    """The state's values (S, N), real part, whatever it carries."""
    a = z.a[:, 0] if isinstance(z, Jet) else z[:, 0] if z.ndim == 3 else z
    return a.real


def integrate(z, f: Forces, mesh, order: int = 0, *, track: bool = False, apex: bool = True,
              fused: bool = False):
    """The state ``z`` (an array (S, N), or a packed `Jet` (S, K, N)) carried from x = 0 over
    the steps of ``mesh`` (a sequence of step lengths, each an array (N,) or a `Jet`) by
    classical RK4; returns the end state, of the same kind. With ``fused``, ``z`` is the array
    (S, K, N) of a first-order jet along launch inputs only, and `fused.rates` stands for the
    field on jets.

    With ``track``, returns (end state, apex, lowest vx): the highest point on the way (the
    cubic Hermite interpolant of y over the step where vy changes sign: y and dy/dx are exact at
    both ends; None unless ``apex``: on a small batch its interpolation is a third of the
    work) and the lowest horizontal velocity at a step's end (a shot whose vx does not stay
    positive turned back or fell vertically before the distance)."""
    vx = (_values(z).shape[0] - 1) // 2  # after y[, z]; with or without t last
    vy = vx + 1
    apex = track and apex
    step = _fused_step(z, f) if fused else _step(f, order)
    if fused:
        z = z.copy()  # stepped in place
    if track:
        s = _values(z)
        top, umin = s[0].copy(), s[vx].copy()
    for h in mesh:
        if apex:
            s = _values(z)
            y0, s0 = s[0].copy(), s[vy] / s[vx]
        z = step(z, h)
        if track:
            s = _values(z)
            np.minimum(umin, s[vx], out=umin)
        if apex:
            s1 = s[vy] / s[vx]
            cross = (s0 > 0) & ~(s1 > 0)
            if cross.any():
                hv = h.a[0].real if isinstance(h, Jet) else np.broadcast_to(np.real(h), y0.shape)
                top[cross] = np.maximum(top[cross], hermite_max(
                    y0[cross], s0[cross], s[0][cross], s1[cross], hv[cross]))
    if track:
        return z, np.maximum(top, _values(z)[0]) if apex else None, umin
    return z


def _step(f: Forces, order: int):
    """One classical RK4 step of a state of any kind (numbers, jets)."""
    def step(z, h):
        half = h * 0.5
        k1 = _rates(z, f, order)
        k2 = _rates(z + k1 * half, f, order)
        k3 = _rates(z + k2 * half, f, order)
        k4 = _rates(z + k3 * h, f, order)
        return z + (k1 + (k2 + k3) * 2.0 + k4) * (h * (1.0 / 6.0))
    return step


def _fused_step(z, f: Forces):
    """The same step for `fused.rates`, in place in buffers of its own: at 10,000 shots the
    arrays are MB-sized, and allocating them each stage cost as much as the arithmetic."""
    ks = [np.empty_like(z) for _ in range(4)]
    tmp = np.empty_like(z)

    def step(z, h):
        # the rates come scaled by their weights (h/2, h/2, h, h/6), which costs them no pass
        # over the state: a stage is then one addition, and the sum (K1 + 2 K2 + K3) / 3 + K4
        # five passes: 9 passes of the state a step instead of 12
        half = h * 0.5
        for j, w in enumerate((half, half, h, h * (1.0 / 6.0))):
            fused_rates(tmp if j else z, f, ks[j], w)
            if j < 3:
                np.add(z, ks[j], out=tmp)
        k1, k2, k3, k4 = ks
        k2 *= 2.0
        k2 += k1
        k2 += k3
        k2 *= 1.0 / 3.0
        k2 += k4
        z += k2
        return z
    return step


def hermite_max(y0, m0, y1, m1, h):
    """Maximum of the cubic Hermite interpolant with values y0, y1 and slopes m0 > 0 >= m1 at
    the ends of a step of length h."""
    # dH/dt = a t^2 + b t + c on t in [0, 1]; it is positive at 0 and non-positive at 1
    a = 6 * (y0 - y1) + 3 * h * (m0 + m1)
    b = -6 * (y0 - y1) - h * (4 * m0 + 2 * m1)
    c = h * m0
    with np.errstate(invalid="ignore", divide="ignore"):
        disc = np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))
        # the root where the slope goes from + to -, in a form that does not cancel
        q = -0.5 * (b + np.copysign(disc, b))
        r1, r2 = q / a, c / q
        t = np.where((r1 >= 0) & (r1 <= 1), r1, r2)
        t = np.where(np.abs(a) < 1e-14 * (np.abs(b) + np.abs(c)), -c / b, t)
    t = np.clip(np.nan_to_num(t, nan=0.5), 0.0, 1.0)
    h00 = 2 * t**3 - 3 * t**2 + 1
    h10 = t**3 - 2 * t**2 + t
    h01 = -2 * t**3 + 3 * t**2
    h11 = t**3 - t**2
    return np.maximum(h00 * y0 + h10 * h * m0 + h01 * y1 + h11 * h * m1, np.maximum(y0, y1))
