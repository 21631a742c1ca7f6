"""Truing: learn the gun from where its shots landed (docs/physics.md §12).

The model is the end state of `shot.end_state` through `sensitivity.Fired`, the same physics
that aims; the unknowns are some of its inputs (the muzzle speed, the BC or a drag factor, a
Cd(Mach) correction, a crosswind, the elevation offset); the loss is the weighted
sum of squares of the residuals (model - observed) / sd of every observed impact (vertical and
lateral, m on the target face) and speed sample. Its Jacobian is autograd's, through the one
primitive: no derivative is written by hand, and none is a finite difference.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Optional, Sequence

import numpy as np
from autograd import make_vjp
from autograd import numpy as anp

from ..physics import correction
from ..physics.columns import Columns
from ..problem import Physics, Problem
from ..units import LB_PER_IN2
from .sensitivity import Fired

#: what can be fitted, in the order of the estimates: velocity, bc, cd (the knots' coefficients),
#: crosswind, offset
FITTABLE = ("velocity", "bc", "cd", "crosswind", "offset")
#: the RK4 steps of every flight (even mesh): at 64 steps the .308's RK4 error at 1000 m is
#: ~1e-7 mrad, far below any observation's noise
STEPS = 64


@dataclass(frozen=True)
class Observation:
    """One record of observations: a shot (or a group's centre) fired at ``elevation`` and
    ``azimuth`` (rad, the bore's) to ``distance`` (m) that hit ``vertical`` above and
    ``lateral`` right of the aim point at ``target_height`` (m; None: not observed), with the
    standard deviation ``sd`` (m); and/or a ``speed`` (m/s) measured at ``speed_distance`` (m)
    with ``sd_speed``. ``physics`` is the record's (the flags, overridden by its own fields);
    ``index`` and ``line`` say where it was read."""

    index: int
    line: Optional[int]
    physics: Physics
    distance: Optional[float] = None
    elevation: float = 0.0
    azimuth: float = 0.0
    target_height: float = 0.0
    vertical: Optional[float] = None
    lateral: Optional[float] = None
    sd: float = float("nan")
    speed: Optional[float] = None
    speed_distance: Optional[float] = None
    sd_speed: float = float("nan")


@dataclass(frozen=True)
class Parameter:
    """One unknown: its ``key`` (velocity, bc, cd_0.., crosswind, offset), what a person calls
    it, its start (in the model's units), ``scale`` from those to the shown ``unit``, and the
    ``step`` (model's units) that the words of an undetermined combination count in."""

    key: str
    label: str
    unit: str
    start: float
    scale: float
    step: float
    words: str
    lower: float = -np.inf


def _physics_kwargs(physics: Physics) -> dict:
    return {f.name: getattr(physics, f.name) for f in fields(Physics)}


def parameters(names: Sequence[str], physics: Physics, velocity: float,
               curve: Optional[correction.Curve] = None, cd_start=None) -> list:
    """The `Parameter`s of ``names`` (a subset of `FITTABLE`), starting from ``physics`` and the
    muzzle speed ``velocity``. A BC is fitted as the ratio r = BC / BC_start (drag scale 1/r),
    shown in lb/in²; without one (mass, diameter and form factor, or a constant Cd) the drag
    factor f (drag scale f) is fitted."""
    out = []
    for name in FITTABLE:
        if name not in names:
            continue
        if name == "velocity":
            out.append(Parameter("velocity", "muzzle speed", "m/s", velocity, 1.0, 1.0,
                                 "m/s muzzle speed", 1.0))
        elif name == "bc":
            if physics.ballistic_coefficient is not None:
                out.append(Parameter("bc", "BC", "lb/in²", 1.0,
                                     physics.ballistic_coefficient / LB_PER_IN2, 0.01, "% BC",
                                     0.05))
            else:
                out.append(Parameter("bc", "drag factor", "×", 1.0, 1.0, 0.01, "% drag", 0.05))
        elif name == "cd":
            start = np.zeros(len(curve.mach)) if cd_start is None else cd_start
            for k, mach in enumerate(curve.mach):
                out.append(Parameter(f"cd_{k}", f"Cd at Mach {mach:.3g}", "%", float(start[k]),
                                     100.0, 0.01, f"% Cd at Mach {mach:.3g}", -0.9))
        elif name == "crosswind":
            out.append(Parameter("crosswind", "crosswind", "m/s", physics.crosswind, 1.0, 1.0,
                                 "m/s crosswind"))
        elif name == "offset":
            # the gun's whole elevation offset (rad), from the physics' (`Physics`): what a
            # profile then carries for the aiming commands to set their elevations by
            out.append(Parameter("offset", "elevation offset", "mrad",
                                 np.radians(physics.elevation_offset), 1000.0, 1e-3,
                                 "mrad elevation offset"))
    return out


@dataclass
class _Group:
    """Rows of one medium and one kind ("impact" or "speed"): their shots as `Fired`, and per
    row the observation it came from."""

    kind: str
    fired: Fired
    rows: list


class Model:
    """The weighted residuals of ``observations`` as a function of the parameters' vector,
    differentiable by autograd; ``labels`` says what each residual is (observation index,
    "vertical" | "lateral" | "speed", observed value, sd)."""

    def __init__(self, observations: Sequence[Observation], params: Sequence[Parameter],
                 velocity: float, base: Physics, curve: Optional[correction.Curve] = None,
                 steps: int = STEPS):
        self.params = list(params)
        self.keys = [p.key for p in self.params]
        self.velocity = velocity
        self.crosswind = base.crosswind
        self.offset = np.radians(base.elevation_offset)
        self.curve = curve if any(k.startswith("cd_") for k in self.keys) else None
        self.groups = []
        impact = [o for o in observations if o.vertical is not None or o.lateral is not None]
        speed = [o for o in observations if o.speed is not None]
        for kind, obs in (("impact", impact), ("speed", speed)):
            if not obs:
                continue
            problems = [Problem(distance=o.distance if kind == "impact" else o.speed_distance,
                                target_height=o.target_height if kind == "impact" else 0.0,
                                **_physics_kwargs(o.physics)) for o in obs]
            media = Columns.from_problems(problems).medium
            for code in np.unique(media):
                idx = np.flatnonzero(media == code)
                rows = [obs[i] for i in idx]
                elevation = np.array([o.elevation for o in rows])
                azimuth = np.array([o.azimuth for o in rows])
                fired = Fired.at([problems[i] for i in idx], elevation, azimuth,
                                 np.full(len(rows), float(velocity)), steps, cd=self.curve)
                self.groups.append(_Group(kind, fired, rows))
        self.labels = []
        for g in self.groups:
            if g.kind == "speed":
                self.labels += [(o.index, "speed", o.speed, o.sd_speed) for o in g.rows]
                continue
            self.labels += [(o.index, "vertical", o.vertical, o.sd) for o in g.rows
                            if o.vertical is not None]
            self.labels += [(o.index, "lateral", o.lateral, o.sd) for o in g.rows
                            if o.lateral is not None]

    def changes(self, x, n: int) -> dict:
        """The end-state inputs' changes (arrays (n,)) that the parameters ``x`` make."""
        one = np.ones(n)
        out = {}
        for p, value in zip(self.params, [x[i] for i in range(len(self.params))]):
            if p.key == "velocity":
                out["speed"] = (value - self.velocity) * one
            elif p.key == "bc":
                # a BC ratio r divides the drag; a drag factor f multiplies it
                out["drag_scale"] = ((1.0 / value if p.label == "BC" else value) - 1.0) * one
            elif p.key == "crosswind":
                out["crosswind"] = (value - self.crosswind) * one
            elif p.key == "offset":
                # on top of each record's own offset, which `Fired.at` adds (as the crosswind)
                out["elevation"] = (value - self.offset) * one
            else:
                out[p.key] = value * one
        return out

    def predicted(self, x) -> list:
        """Per group, what the model says: (vertical, lateral) impacts or speeds."""
        out = []
        for g in self.groups:
            ch = self.changes(x, g.fired.size)
            if g.kind == "impact":
                out.append(g.fired.impact(ch))
            else:
                s = g.fired.state(ch)
                out.append(anp.sqrt(s[2] ** 2 + s[3] ** 2 + s[4] ** 2))
        return out

    def residuals(self, x):
        """(model - observed) / sd of every row, in the order of ``labels``."""
        parts = []
        for g, pred in zip(self.groups, self.predicted(x)):
            if g.kind == "speed":
                parts.append((pred - np.array([o.speed for o in g.rows]))
                             / np.array([o.sd_speed for o in g.rows]))
                continue
            up, side = pred
            sd = np.array([o.sd for o in g.rows])
            has_v = np.array([o.vertical is not None for o in g.rows])
            has_l = np.array([o.lateral is not None for o in g.rows])
            if has_v.any():
                v = np.array([0.0 if o.vertical is None else o.vertical for o in g.rows])
                parts.append(((up - v) / sd)[has_v])
            if has_l.any():
                lat = np.array([0.0 if o.lateral is None else o.lateral for o in g.rows])
                parts.append(((side - lat) / sd)[has_l])
        return anp.concatenate(parts)

    def jacobian(self, x) -> tuple:
        """(residuals, d residuals / d x): one forward flight with jets along the inputs the
        parameters move, then one reverse sweep per residual (autograd)."""
        vjp, r = make_vjp(self.residuals)(np.asarray(x, dtype=float))
        rows = np.eye(r.shape[0])
        return r, np.stack([vjp(e) for e in rows]) if r.shape[0] else np.zeros((0, len(x)))


def default_knots(observations: Sequence[Observation], physics: Physics, velocity: float,
                  count: int = 3) -> tuple:
    """``count`` Mach knots spread evenly over the flights' Mach range at the start: from the
    slowest arrival among the impacts (the farthest, usually) to the muzzle."""
    from ..physics.medium import medium_of

    air = medium_of(physics).air
    if air is None:
        raise ValueError("a Cd correction needs a drag table")
    sound = float(np.asarray(air.evaluate(np.zeros(1), 0)[1]).ravel()[0])
    model = Model(observations, [], velocity, physics)
    slowest = velocity
    for g in model.groups:
        if g.kind == "impact":
            s = g.fired.state({})
            speeds = np.sqrt(s[2] ** 2 + s[3] ** 2 + s[4] ** 2)
            if np.isfinite(speeds).any():
                slowest = min(slowest, float(np.nanmin(speeds)))
    lo, hi = slowest / sound, velocity / sound
    if count == 1 or hi - lo < 1e-3:
        return (round(0.5 * (lo + hi), 3),)
    return tuple(round(lo + (hi - lo) * k / (count - 1), 3) for k in range(count))
