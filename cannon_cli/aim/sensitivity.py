"""Exact sensitivities of solved shots: how the impact on the target face moves when one input
changes, and how the aim must change to keep the hit (docs/physics.md §10).

The impact is (y(D) - target height, z(D) - target offset) at the target distance D: the point
where the shot crosses the target's vertical plane, relative to the target. Its Jacobian with
respect to the launch and the physical inputs comes from autograd on the generic end state
(`shot.end_state`, forward jets along every input at once); nothing is differentiated by hand or
by re-solving. The aim's corrections follow from the implicit function theorem on the solved
residual: with u the two unknowns that keep the hit (elevation and azimuth at a fixed speed; speed
and azimuth at a fixed elevation), F(u, p) = impact = 0 gives du/dp = -(dF/du)^-1 dF/dp.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from autograd import make_vjp
from autograd import numpy as anp

from ..physics import shot
from ..physics.columns import Columns
from ..physics.field import earth_rotation
from ..physics.steps import MIN_STEPS
from ..problem import Problem, Solution


@dataclass(frozen=True)
class Source:
    """An input whose effect is reported: the end-state input it moves (`shot.INPUTS`), what one
    unit of it is (``per``: its size in that input's own units, as a function of the problem)
    and its name in JSON."""

    key: str
    input: str
    per: str

    def step(self, problem: Problem) -> float:
        """One unit of this source, in the end-state input's units."""
        if self.input == "drag_scale":
            # +1 % of a ballistic coefficient is 1/1.01 of the drag: -1 % to first order
            return -0.01 if self.key == "ballistic_coefficient" else 0.01
        if self.input in ("elevation", "azimuth"):
            return math.radians(1.0)
        return 1.0


#: What `sensitivities` reports, in order (some only where they act: `sources_for`).
SOURCES = (
    Source("muzzle_velocity", "speed", "1 m/s"),
    Source("ballistic_coefficient", "drag_scale", "1 %"),
    Source("drag", "drag_scale", "1 %"),
    Source("air_density", "drag_scale", "1 %"),
    Source("wind", "wind", "1 m/s"),
    Source("crosswind", "crosswind", "1 m/s"),
    Source("distance", "distance", "1 m"),
    Source("target_height", "target_height", "1 m"),
    Source("elevation", "elevation", "1 deg"),
    Source("azimuth", "azimuth", "1 deg"),
)


def sources_for(problem: Problem) -> list:
    """The sources that act on ``problem``'s shot: a ballistic coefficient only with a drag
    table, a drag scale (Cd or the linear constant) otherwise, the air's density only where
    there is air, nothing of drag in vacuum."""
    out = []
    for s in SOURCES:
        if s.input == "drag_scale":
            if problem.drag == "none":
                continue
            if s.key == "ballistic_coefficient" and not problem.table_drag:
                continue
            if s.key == "drag" and problem.table_drag:
                continue
            if s.key == "air_density" and problem.drag == "linear":
                continue
        out.append(s)
    return out


@dataclass(frozen=True, eq=False)
class Fired:
    """N shots as fired: their physics (`model.Params`, with an even mesh of ``steps``), the
    Earth's rotation, the launch of each (elevation and azimuth in rad, speed in m/s) and the
    target (height and offset). What the Jacobians are taken of."""

    params: object
    omega: object
    base: dict
    target_height: np.ndarray
    target_offset: np.ndarray
    #: a Cd correction whose coefficients are inputs "cd_k" (`correction.Curve`; truing's)
    cd: object = None

    @property
    def size(self) -> int:
        return self.target_height.shape[0]

    @classmethod
    def of(cls, problems: Sequence[Problem], solutions: Sequence[Solution],
           steps: int | None = None) -> "Fired":
        """The shots of solved ``problems`` (one medium: the same drag model and air), at the
        steps their solves ended on (the most of them), or ``steps``."""
        if steps is None:
            steps = max([s.steps for s in solutions] + [MIN_STEPS])
        return cls.at(problems, np.radians([s.angle_deg for s in solutions]),
                      np.radians([s.azimuth_deg for s in solutions]),
                      np.array([s.velocity_mps for s in solutions], dtype=float), int(steps))

    @classmethod
    def at(cls, problems: Sequence[Problem], elevation, azimuth, speed, steps: int,
           cd=None) -> "Fired":
        """``problems``' shots (one medium) fired at ``elevation`` and ``azimuth`` (rad) and
        ``speed`` (m/s), arrays (N,), on an even mesh of ``steps``; ``cd`` a Cd correction
        whose coefficients become inputs (`shot.Setup`)."""
        cols = Columns.from_problems(problems)
        params = cols.params(int(steps))
        params = type(params)(**{**params.__dict__, "lateral": None, "grading": None})
        n = len(problems)
        lat = np.array([np.nan if p.latitude is None else p.latitude for p in problems])
        bearing = np.array([0.0 if p.bearing is None else p.bearing for p in problems])
        spun = np.isfinite(lat)
        omega = None
        if spun.any():
            omega = tuple(np.where(spun, o, 0.0)
                          for o in earth_rotation(np.where(spun, lat, 0.0), bearing))
        base = {
            "elevation": np.asarray(elevation, dtype=float),
            "azimuth": np.asarray(azimuth, dtype=float),
            "speed": np.asarray(speed, dtype=float),
            "wind": params.wind.copy(),
            "crosswind": np.array([p.crosswind for p in problems], dtype=float),
            "drag_scale": np.ones(n),
            "gravity": params.gravity.copy(),
            "launch_height": params.launch_height.copy(),
            "distance": params.distance.copy(),
        }
        if cd is not None:
            base.update({name: np.zeros(n) for name in shot.CD[:len(cd.mach)]})
        return cls(params, omega, base, cols.target_height.copy(),
                   np.array([p.target_offset for p in problems], dtype=float), cd)

    def take(self, index) -> "Fired":
        omega = None if self.omega is None else tuple(o[index] for o in self.omega)
        return Fired(self.params.take(index), omega,
                     {k: v[index] for k, v in self.base.items()},
                     self.target_height[index], self.target_offset[index], self.cd)

    def state(self, changes: dict) -> tuple:
        """The 3-D end state (y, z, vx, vy, vz, t) at the distance, with the inputs
        ``changes`` added to the shots' own (arrays (N,), boxed or not)."""
        inputs = dict(self.base)
        for name, delta in changes.items():
            if name != "target_height":
                inputs[name] = inputs[name] + delta
        return shot.end_state(inputs, shot.Setup(self.params, self.omega, True, self.cd))

    def impact(self, changes: dict):
        """(vertical, lateral) impact on the target face relative to the target (m), with the
        inputs ``changes`` added to the shots' own (arrays (N,), boxed or not; "target_height"
        moves the target). Differentiable with respect to every change."""
        state = self.state(changes)
        height = self.target_height + changes.get("target_height", 0.0)
        return state[0] - height, state[1] - self.target_offset


def jacobian(fired: Fired, names: Sequence[str]) -> np.ndarray:
    """d(impact vertical, impact lateral) / d(inputs ``names``): an array (N, 2, m) from one
    forward integration with jets along the m inputs and two reverse sweeps."""
    names = list(names)
    n = fired.size

    def f(dp):
        up, side = fired.impact({name: dp[:, i] for i, name in enumerate(names)})
        return anp.stack([up, side], axis=1)

    vjp, _ = make_vjp(f)(np.zeros((n, len(names))))
    one, zero = np.ones(n), np.zeros(n)
    return np.stack([vjp(np.stack([one, zero], axis=1)), vjp(np.stack([zero, one], axis=1))],
                    axis=1)


def unknowns(problem: Problem) -> tuple:
    """The two launch inputs that keep the hit when something changes: the speed and azimuth
    when the elevation is fixed, else the elevation and azimuth (at the answer's speed)."""
    return ("speed", "azimuth") if problem.unknowns == "speed" else ("elevation", "azimuth")


def sensitivities(problem: Problem, solution: Solution) -> dict:
    """The ``sensitivities`` object of a solved problem's JSON: per source (`sources_for`), the
    impact's change per unit (vertical and lateral, m) and the aim's change that keeps the hit
    (deg and mrad, or m/s)."""
    fired = Fired.of([problem], [solution])
    sources = sources_for(problem)
    aim = unknowns(problem)
    names = list(dict.fromkeys([s.input for s in sources] + list(aim)))
    jac = jacobian(fired, names)[0]
    col = {name: jac[:, i] for i, name in enumerate(names)}
    ju = np.stack([col[a] for a in aim], axis=1)
    out = {}
    with np.errstate(all="ignore"):
        for s in sources:
            step = s.step(problem)
            move = col[s.input] * step
            fix = -np.linalg.solve(ju, move) if np.isfinite(ju).all() else np.full(2, np.nan)
            entry = {"per": s.per, "impact_vertical_m": _num(move[0]),
                     "impact_lateral_m": _num(move[1])}
            for a, d in zip(aim, fix):
                if a == "speed":
                    entry["velocity_mps"] = _num(d)
                else:
                    entry[f"{a}_deg"] = _num(math.degrees(d))
                    entry[f"{a}_mrad"] = _num(1000.0 * d)
            out[s.key] = entry
    return out


def _num(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None
