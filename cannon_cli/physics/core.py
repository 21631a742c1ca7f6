"""RK4 in x on the field of `field.py`, for numbers or for `jet.Jet` states: the generic path
from the launch and the physical inputs to the end state and its derivatives."""

from __future__ import annotations

import numpy as np

from .field import Forces, rates
from .jet import Jet


def _rates(z, f: Forces, order: int):
    if isinstance(z, Jet):
        out = rates([z[i] for i in range(z.a.shape[0])], f, order)
        return Jet(np.stack([c.a for c in out]), z.ndir, z.order)
    return np.stack(rates(list(z), f, 0))


def integrate(z, f: Forces, mesh, order: int = 0):
    """The state ``z`` (an array (S, N), or a packed `Jet` (S, K, N)) carried from x = 0 over
    the steps of ``mesh`` (a sequence of step lengths, each an array (N,) or a `Jet`) by
    classical RK4; returns the end state, of the same kind."""
    for h in mesh:
        half = h * 0.5
        k1 = _rates(z, f, order)
        k2 = _rates(z + k1 * half, f, order)
        k3 = _rates(z + k2 * half, f, order)
        k4 = _rates(z + k3 * h, f, order)
        z = z + (k1 + (k2 + k3) * 2.0 + k4) * (h * (1.0 / 6.0))
    return z
