"""The field's first-order tangents fused into whole-array operations: the hot loop of a 3-D
solve, where only the launch is differentiated.

`field.rates` on `jet.Jet` states is the one description of the physics and the generic way to
every derivative; it makes ~60 array operations a stage, one per term and component. When the
only inputs differentiated enter through the initial state (elevation, azimuth, speed, launch
height: `LAUNCH`), the forces are the same numbers for every direction, and the tangents of the
rates follow from those of the state by one formula: each rate is n / vx with numerators
n = (vy[, vz], a, 1), so (n / vx)' = (n' - (n / vx) vx') / vx, where a = (0, -g, 0) - kappa v_rel
- 2 Omega x v has a' = -kappa v' - kappa' v_rel - 2 Omega x v' and
kappa' = kappa_s (v_rel . v') / |v_rel| + kappa_y y'. kappa and its partials come from the
field's own `field._kappa` run on a two-direction jet in (|v_rel|, y): no drag law is written
here. Measured (`benchmarks/bench_core.py`): a 3-D solve's Jacobian, 10,000 shots, about half
the generic path's time; tested against it to 1e-10 (tests/test_core.py).

With no direction at all (D = 0) the same code is the values alone: the generic path makes a
list and a stack of arrays a stage there, ~25 % of a 3-D line search. The rates come scaled by
the RK4 stage's weight (`core._fused_step`), which rides on 1 / vx at no cost.
"""

from __future__ import annotations

import numpy as np

from .field import Forces, _kappa
from .jet import Jet

#: The inputs (`shot.INPUTS` indices) that enter only the initial state: elevation, azimuth,
#: speed, launch height. With only these differentiated, `rates` applies.
LAUNCH = frozenset({0, 1, 2, 7})


def applies(forces: Forces, dirs, order: int, dtype) -> bool:
    """Whether `rates` can stand for the generic jets: values alone, or first order along launch
    inputs only; real numbers, and no correction curve (its c_k are inputs of their own)."""
    return (order in (0, 1) and set(dirs) <= LAUNCH
            and not np.issubdtype(dtype, np.complexfloating) and forces.cd_curve is None)


def _kappa_partials(f: Forces, s, y):
    """(kappa, kappa_s, kappa_y) at |v_rel| = s and height y, from `field._kappa` on a jet."""
    if f.table is None and f.air is None:  # kappa = c s: its own short path
        return f.drag_c * s, f.drag_c, None
    one, zero = np.ones_like(s), np.zeros_like(s)
    k = _kappa(f, Jet(np.stack([s, one, zero]), 2, 1), Jet(np.stack([y, zero, one]), 2, 1), 1)
    return k.a[0], k.a[1], k.a[2]


def rates(z: np.ndarray, f: Forces, out: np.ndarray, scale=None) -> np.ndarray:
    """d/dx of the packed state z (S, 1 + D, N), value and first derivatives along D launch
    directions (S = 4, (y, vx, vy, t), or 6, (y, z, vx, vy, vz, t); without t, 3 or 5),
    times ``scale`` (per shot; None: 1), written into ``out``. D = 0 is the values alone (the
    line searches', the checks')."""
    p = (z.shape[0] - 1) // 2  # the position rows (y[, z]); then the velocity rows[, then t]
    vel = slice(p, 2 * p + 1)
    x, d = z[:, 0], z[:, 1:]
    first = d.shape[1] > 0
    v, dv = x[vel], d[vel]
    vrel = v.copy()
    vrel[0] -= f.wind
    if p == 2:
        vrel[2] -= f.crosswind
    n, dn = out[:, 0], out[:, 1:]
    n[:p] = v[1:]
    if z.shape[0] > 2 * p + 1:
        n[-1] = 1.0
    if first:
        dn[:p] = dv[1:]
        if z.shape[0] > 2 * p + 1:
            dn[-1] = 0.0
    if f.drag == "none":
        n[vel] = 0.0
        if first:
            dn[vel] = 0.0
    else:
        dkap = None
        if f.drag == "linear":
            kap = f.drag_k
        else:
            # one pass, not squares and a sum: measured a quarter less at 10,000 shots
            s = np.sqrt(np.einsum("in,in->n", vrel, vrel))
            if first:
                kap, k_s, k_y = _kappa_partials(f, s, x[0])
                dkap = np.einsum("ikn,in->kn", dv, vrel)
                dkap *= k_s / s
                if k_y is not None:
                    dkap += k_y * d[0]
            else:
                kap = _kappa(f, s, x[0], 0)
        nk = -kap
        if first:
            np.multiply(dv, nk, out=dn[vel])
            if dkap is not None:  # direction by direction: broadcasting both ways is slower
                for k in range(dkap.shape[0]):
                    dn[vel][:, k] -= vrel * dkap[k]
        np.multiply(vrel, nk, out=n[vel])
    n[p + 1] -= f.gravity
    if f.omega is not None:
        _coriolis(f.omega, v, n[vel])
        for k in range(dv.shape[1]):
            _coriolis(f.omega, dv[:, k], dn[vel][:, k])
    iu = 1.0 / x[p]
    # the scale rides on 1 / vx: (s n / vx)' = n' (s / vx) - (s n / vx) vx' / vx, no pass more
    scaled = iu if scale is None else iu * scale
    n *= scaled
    if first:
        dn *= scaled
        du = d[p] * iu
        for k in range(du.shape[0]):
            dn[:, k] -= n * du[k]
    return out


def _coriolis(omega, v, out) -> None:
    """out += -2 Omega x v (3-D)."""
    ox, oy, oz = omega
    out[0] -= 2.0 * (oy * v[2] - oz * v[1])
    out[1] -= 2.0 * (oz * v[0] - ox * v[2])
    out[2] -= 2.0 * (ox * v[1] - oy * v[0])
