"""The end state of N shots at x = distance, differentiable by autograd with respect to the
launch and every physical input, in 2-D and 3-D, from the one field of `field.py`.

    end_state(inputs, setup) -> (y, vx, vy, t)            in 2-D
                              -> (y, z, vx, vy, vz, t)      in 3-D

``inputs`` maps the names of `INPUTS` to arrays (N,) (autograd may box any of them); what is
left out takes its value from ``setup`` (a `model.Params`: the drag model, its table and air,
the mesh). The derivatives come from integrating `jet.Jet` states through RK4: forward mode,
mechanically, along exactly the inputs that autograd is differentiating (first order, or second
where it differentiates twice). The primitive's VJP reads them from its own output, written in
autograd.numpy so that autograd can differentiate it once more.

Frame: x downrange toward the target, y up, z to the right. The launch: ``elevation`` (rad,
above the horizontal), ``azimuth`` (rad, to the right of the line to the target), ``speed``
(m/s); v0 = speed (cos e cos a, sin e, cos e sin a). ``drag_scale`` multiplies the drag (1: as
the setup says): d/d(BC) = -(1/BC) d/d(drag_scale), and likewise for the air density through
rho_site. ``sound_scale`` multiplies the speed of sound (it acts through a drag table's Mach
number only). ``cd_0``.. are the coefficients c_k of a Cd correction 1 + sum c_k B_k(M) on the
table (`correction.Curve`, given by the setup's ``cd``; zero where not given).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from autograd.extend import defvjp, primitive

from . import core, correction, fused, packed
from .field import Forces
from .jet import Jet

#: The physical inputs, in slot order ...
PHYSICAL = ("elevation", "azimuth", "speed", "wind", "crosswind", "drag_scale", "gravity",
            "launch_height", "distance", "sound_scale")
#: ... then the coefficients of a Cd correction (`correction.Curve`, the setup's ``cd``)
CD = tuple(f"cd_{k}" for k in range(correction.MAX_KNOTS))
#: The differentiable inputs, in slot order.
INPUTS = PHYSICAL + CD
M = len(INPUTS)


@dataclass(frozen=True, eq=False)
class Setup:
    """What is not differentiated: the shots' `model.Params` (drag model, Cd table, air, steps,
    grading; its distance, launch height, gravity, wind and drag factors are the defaults of the
    inputs), the Earth's rotation ``omega`` in the shot's frame (None: off) and whether to fly
    in 3-D even when nothing lateral is given."""

    params: object
    omega: Optional[tuple] = None
    three: bool = False
    #: a Cd correction whose coefficients are the inputs "cd_k" (`correction.Curve`; None: off,
    #: and the params' table flies as it is). With one, the table's own correction is replaced.
    cd: Optional[correction.Curve] = None
    #: whether to integrate the flight time: a residual that has no use for it (`aim.loss`)
    #: saves its row, a sixth of a 3-D jet's arithmetic (its t comes back NaN)
    time: bool = True


def _defaults(setup: Setup, n: int) -> dict:
    """The inputs' values where ``end_state`` is not given them: the setup's."""
    p = setup.params
    zero = np.zeros(n)
    return {"azimuth": zero, "wind": p.wind, "crosswind": zero, "drag_scale": zero + 1.0,
            "gravity": p.gravity, "launch_height": p.launch_height, "distance": p.distance,
            "sound_scale": zero + 1.0, **{name: zero for name in CD}}


def _fly(values: list, setup: Setup, order: int, dirs: tuple, three: bool, track=False,
         apex=False):
    """The end state, packed (S, K, N) as a jet along ``dirs`` (indices into `INPUTS`), or
    (S, N) at order 0; with ``track`` also the apex (None unless ``apex``) and the lowest vx
    (`core.integrate`)."""
    p = setup.params
    n = np.shape(values[2])[0]
    if order:
        nd = len(dirs)
        q = [Jet.seed(v, dirs.index(i), nd, order, n) if i in dirs else v
             for i, v in enumerate(values)]
    else:
        q = list(values)
    elev, az, speed, wind, cross, scale, g, h0, dist, sound = q[:len(PHYSICAL)]
    # the speed of sound is scaled only where it is asked about (a hot path otherwise)
    sound = sound if isinstance(sound, Jet) or np.any(values[9] != 1.0) else None
    # cos and sin once each (the second derivatives are their negatives): 4 of 12 trig passes
    lift = lambda a, c, s: a.apply(c, -s, -c) if isinstance(a, Jet) else c
    ev, av = np.asarray(values[0]), np.asarray(values[1])
    cos_e, sin_e = np.cos(ev), np.sin(ev)
    ce, se = lift(elev, cos_e, sin_e), lift(elev, sin_e, -cos_e)
    vy = speed * se
    if three:
        cos_a, sin_a = np.cos(av), np.sin(av)
        ca, sa = lift(az, cos_a, sin_a), lift(az, sin_a, -cos_a)
        horizontal = speed * ce
        state = [h0, 0.0, horizontal * ca, vy, horizontal * sa, 0.0]
    else:
        state = [h0, speed * ce, vy, 0.0]
    if not setup.time:
        state.pop()
    if order:
        z = Jet(np.stack([_as_jet(s, nd, order, n).a for s in state]), nd, order)
    else:
        z = np.stack([np.broadcast_to(np.asarray(s, dtype=float), (n,)) for s in state])
    table, curve, cds = p.table, setup.cd, ()
    if curve is not None:
        table = getattr(table, "base", None) or table
        cds = tuple(q[len(PHYSICAL):len(PHYSICAL) + len(curve.mach)])
    f = Forces(drag=p.drag, gravity=g, wind=wind, crosswind=cross, drag_k=p.drag_k * scale,
               drag_c=p.drag_c * scale, table=table, air=p.air, omega=setup.omega,
               sound_scale=sound, cd_curve=curve, cd_coefficients=cds)
    # the mesh: the setup's fractions of the distance (a jet if the distance is differentiated)
    frac = p.mesh() / p.distance
    mesh = [dist * row for row in frac]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if fused.applies(f, dirs, order, z.a.dtype if order else z.dtype):
            out = core.integrate(z.a if order else z[:, None], f, mesh, order, track=track,
                                 apex=apex, fused=True)
            wrap = (lambda a: Jet(a, nd, order)) if order else (lambda a: a[:, 0])
            return (wrap(out[0]),) + out[1:] if track else wrap(out)
        return core.integrate(z, f, mesh, order, track=track, apex=apex)


def _as_jet(x, nd, order, n):
    return x if isinstance(x, Jet) else Jet.constant(x, nd, order, n)


@primitive
def _end(*args):
    """Packed (S, 1 + D + D², N): the end state, its first derivatives along the D directions
    ``dirs`` (indices into `INPUTS`) and the second ones (slot 1 + D + D a + b), NaN where not
    integrated: only the directions differentiated, so that the array and the VJP's work stay
    small. Shots last, as the integration holds them: packing is copying (`packed`)."""
    *values, setup, order, dirs, three = args
    out, _, umin = _fly(list(values), setup, order, dirs, three, track=True)
    a = out.a if order else out[:, None, :]
    s, n = a.shape[0], a.shape[-1]
    nd = len(dirs) if order else 0
    # without the time the last row stays NaN
    packed = np.full((s + (not setup.time), 1 + nd + nd * nd, n), np.nan)
    packed[:s, :1 + nd] = a[:, :1 + nd]
    if order >= 2:
        for r, (k, l) in enumerate(zip(*np.triu_indices(nd))):
            packed[:s, 1 + nd + nd * k + l] = packed[:s, 1 + nd + nd * l + k] = a[:, 1 + nd + r]
    # a shot that turned back or fell vertically before the distance: NaN all through
    bad = ~np.isfinite(packed[:s, 0]).all(axis=0) | ~(umin > 0)
    packed[..., bad] = np.nan
    return packed


def _slot(argnum):
    def locate(args):
        dirs = args[M + 2]
        return dirs.index(argnum), len(dirs)
    return locate


defvjp(_end, *(packed.vjp_maker(i, M, _slot(i), shots_last=True) for i in range(M)))


def end_state(inputs: dict, setup: Setup) -> tuple:
    """The end state at x = distance (see the module docstring): a tuple of (N,) arrays, 4 in
    2-D, 6 in 3-D (3-D when ``setup.three``, the Earth's rotation, or any azimuth or crosswind
    is given)."""
    unknown = set(inputs) - set(INPUTS)
    if unknown:
        raise TypeError(f"unknown inputs: {', '.join(sorted(unknown))}")
    knots = 0 if setup.cd is None else len(setup.cd.mach)
    idle = sorted(name for name in inputs if name in CD[knots:])
    if idle:
        raise TypeError(f"inputs without a knot of the setup's Cd correction: {', '.join(idle)}")
    n = np.shape(packed.unbox(inputs["speed"]))[0]
    defaults = _defaults(setup, n)
    values = []
    for name in INPUTS:
        v = inputs.get(name, defaults.get(name))
        if v is None:
            raise TypeError(f"end_state needs the {name}")
        values.append(v if np.ndim(packed.unbox(v)) else np.full(n, float(v)))
    traces = [packed.traces(v) for v in values]
    three = (setup.three or setup.omega is not None or "azimuth" in inputs
             or "crosswind" in inputs)
    order = min(2, len(set().union(*traces)))
    dirs = tuple(i for i, t in enumerate(traces) if t)
    out = _end(*values, setup, order, dirs, three)
    return tuple(out[i, 0] for i in range(6 if three else 4))


#: The model's order of a 3-D end state (`model.integrate`): the 2-D state first, then z, vz.
_MODEL_ORDER = (0, 2, 3, 5, 1, 4)


def integrate(theta, v, params, lateral, order: int = 0, dirs=(0, 1), apex: bool = False,
               time: bool = True):
    """`model.integrate` for 3-D shots: ``lateral`` (`model.Lateral`) gives each shot's
    azimuth, crosswind and the Earth's rotation. Returns (state, d1, d2[, apex]) with the state
    (6, N) = (y, vx, vy, t, z, vz) and the derivatives with respect to (elevation, speed)[dirs]
    as the model gives them; NaN for a shot that turns back or falls vertically before the
    distance. Without ``time``, t is not integrated, and NaN."""
    n = np.shape(theta)[0]
    values = [np.asarray(theta, dtype=float), lateral.azimuth, np.asarray(v, dtype=float),
              params.wind, lateral.crosswind, np.ones(n), params.gravity,
              params.launch_height, params.distance, np.ones(n)] + [np.zeros(n)] * len(CD)
    slots = tuple((0, 2)[d] for d in dirs) if order else ()
    setup = Setup(params, lateral.omega, True, time=time)
    out, top, umin = _fly(values, setup, order, slots, True, track=True, apex=apex)
    a = out.a if order else out[:, None, :]
    if not time:
        a = np.concatenate([a, np.full((1,) + a.shape[1:], np.nan)])
    perm = list(_MODEL_ORDER)
    x = a[perm, 0].copy()
    nd = len(slots)
    d1 = a[perm, 1:1 + nd].copy() if order >= 1 else None
    d2 = None
    if order >= 2:
        d2 = np.empty((6, nd, nd, n))
        for r, (k, l) in enumerate(zip(*np.triu_indices(nd))):
            d2[:, k, l] = d2[:, l, k] = a[perm, 1 + nd + r]
    kept = slice(None) if time else [0, 1, 2, 4, 5]  # (not the t of the model's order)
    bad = ~(umin > 0) | ~np.isfinite(x[kept]).all(axis=0)
    if bad.any():
        for arr in (x, d1, d2):
            if arr is not None:
                arr[..., bad] = np.nan
        if apex:
            top = np.where(bad, np.nan, top)
    return (x, d1, d2, top) if apex else (x, d1, d2)
