"""One shot's RK4 in plain Python numbers: `model.integrate`'s loop for a single 2-D shot, its
value and first-order tangents.

Every single solve integrates one shot, many times over (a fixed-speed solve about ten
integrations, a minimum-speed one about fifty), and on arrays of one element each of the ~30
numpy calls of a stage of `model._field_first` costs its ~0.3-0.5 us of overhead, not
arithmetic: measured, ~80 us a step. The same operations on Python floats (or complex numbers,
on the complex step) take a fraction of that (`benchmarks/bench_solve.py`). This is the same
field as `model._field_first`, operation for operation in the same order, so that a real
integration gives the same bits. On the complex step, complex numbers are divided as numpy
divides them (`_cdiv`; Python rounds differently, and Adam, circling its answer in the
landscape, took other decisions from those last bits: 208 iterations and no convergence
instead of 109 and convergence); numpy's vectorised complex products still round a last bit
otherwise now and then (fused multiply-adds, which Python 3.11 cannot ask for), so there the
derivatives agree to about 1e-16. tests/test_scalar.py holds it to the array path.

Drag through a table or varying air takes kappa and its partials from the model's own
`model._kappa` (the drag table's PCHIP, the atmosphere), called on numbers instead of arrays:
nothing of the physics is written here a second time, and those results agree with the array
path's to a last bit (numpy's vectorised power and exponential round otherwise now and then).

Python raises where numpy returns inf (a division by a horizontal speed of exactly 0): then
`integrate` returns None and the caller integrates on arrays.
"""

from __future__ import annotations

import cmath
import math
from dataclasses import replace

import numpy as np

from .core import hermite_max


def _cdiv(a: complex, b: complex) -> complex:
    """a / b as numpy divides complex numbers (Smith's method with the reciprocal of the
    denominator, numpy's loops.c.src), not as Python does (it divides by the denominator)."""
    br, bi = b.real, b.imag
    if abs(br) >= abs(bi):
        rat = bi / br
        scl = 1.0 / (br + bi * rat)
        return complex((a.real + a.imag * rat) * scl, (a.imag - a.real * rat) * scl)
    rat = br / bi
    scl = 1.0 / (bi + br * rat)
    return complex((a.real * rat + a.imag) * scl, (a.imag * rat - a.real) * scl)


def _div(a, b):
    return a / b


def applies(p, order: int, n: int) -> bool:
    """Whether `integrate` can stand for the array loop: one 2-D shot, value and first-order
    tangents."""
    return n == 1 and order < 2 and p.lateral is None


def integrate(z: np.ndarray, p, mesh, apex: bool, kappa):
    """Step the packed state ``z`` (4, K, 1) (value and K - 1 tangents of (y, vx, vy, t)) over
    ``mesh`` (steps, 1) in place; returns (lowest vx, highest y or None), or None, ``z``
    untouched, where plain Python arithmetic raised. ``kappa`` is `model._kappa`."""
    k = z.shape[1]
    cplx = np.iscomplexobj(z)
    sqrt = cmath.sqrt if cplx else math.sqrt
    div = _cdiv if cplx else _div
    num = complex if cplx else float
    unit = num(1.0)
    quadratic = p.drag != "linear"
    general = p.general
    c, kl = float(p.drag_c[0]), float(p.drag_k[0])
    one = replace(p, drag_c=c) if general else None  # kappa on numbers, not arrays of one
    korder = 1 if k > 1 else 0
    g, wind = float(p.gravity[0]), float(p.wind[0])
    windy = wind != 0.0
    ndir = k - 1

    def field(s):
        """d/dx of the flat state s (row r, column j at r * k + j), as `model._field_first`."""
        u, w = s[k], s[2 * k]
        vr = u - wind if windy else u
        k_s = k_y = None
        if quadratic:
            sp = sqrt(vr * vr + w * w)
            if general:
                kk = [None if q is None else num(q) for q in kappa(one, sp, s[0], korder)]
                kap = kk[0]
                if korder:
                    k_s, k_y = kk[1], kk[2]
            else:
                kap = c * sp
        else:
            kap = kl
        iu = div(unit, u)
        f0, f1, f2, f3 = w * iu, -(vr * kap) * iu, (-(w * kap) - g) * iu, 1.0 * iu
        if not ndir:
            return [f0, f1, f2, f3]
        out = [f0] + [0.0] * ndir + [f1] + [0.0] * ndir + [f2] + [0.0] * ndir + [f3] + \
            [0.0] * ndir
        ck = div(k_s if general else c, sp) if quadratic else 0.0
        for j in range(1, k):
            du, dw = s[k + j], s[2 * k + j]
            a1, a2 = du * kap, dw * kap
            if quadratic:
                dk = (vr * du + w * dw) * ck
                if k_y is not None:
                    dk += k_y * s[j]
                a1 += dk * vr
                a2 += dk * w
            out[j] = (dw - f0 * du) * iu
            out[k + j] = (-a1 - f1 * du) * iu
            out[2 * k + j] = (-a2 - f2 * du) * iu
            out[3 * k + j] = (0.0 - f3 * du) * iu
        return out

    s = z[:, :, 0].ravel().tolist()
    umin, nan = s[k].real, False
    top = s[0].real if apex else None
    hs = np.asarray(mesh)[:, 0].real.tolist()
    try:
        for h in hs:
            half, sixth = 0.5 * h, h / 6.0
            if apex:
                y0, s0 = s[0].real, div(s[2 * k], s[k]).real
            k1 = field(s)
            k2 = field([a * half + b for a, b in zip(k1, s)])
            k3 = field([a * half + b for a, b in zip(k2, s)])
            k4 = field([a * h + b for a, b in zip(k3, s)])
            s = [x + (((b + cc) * 2.0 + a) + d) * sixth
                 for x, a, b, cc, d in zip(s, k1, k2, k3, k4)]
            u = s[k].real
            if u < umin:
                umin = u
            elif u != u:
                nan = True
            if apex:
                s1 = div(s[2 * k], s[k]).real
                if s0 > 0 and not s1 > 0:
                    top = max(top, float(hermite_max(*(np.array([a]) for a in (
                        y0, s0, s[0].real, s1, h)))[0]))
    except (ArithmeticError, ValueError):
        return None
    z[:, :, 0] = np.array(s, dtype=z.dtype).reshape(4, k)
    return (math.nan if nan else umin), top
