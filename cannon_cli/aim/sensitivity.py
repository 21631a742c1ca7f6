"""Exact sensitivities of solved shots: how the impact on the target face moves when one input
changes, and how the aim must change to keep the hit (docs/physics.md §11).

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
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
from autograd import make_vjp
from autograd import numpy as anp

from ..physics import medium, shot
from ..physics.columns import Columns
from ..physics.steps import MIN_STEPS
from ..problem import Problem, Solution


@dataclass(frozen=True)
class Source:
    """An input whose effect is reported: its name in JSON, what one unit of it is (``per``)
    and the end-state inputs (`shot.INPUTS`) that one unit of it moves (`weights`)."""

    key: str
    input: str
    per: str

    def weights(self, problem: Problem) -> dict:
        """{end-state input: its change} for one unit of this source."""
        if self.key == "temperature":
            # 1 K warmer at the same pressure: the air 1/T thinner (through the drag's scale),
            # its speed of sound 1/(2T) faster (through the Mach number)
            t = site_temperature(problem)
            return {"drag_scale": -1.0 / t, "sound_scale": 0.5 / t}
        if self.input == "drag_scale":
            # +1 % of a ballistic coefficient is 1/1.01 of the drag: -1 % to first order
            return {"drag_scale": -0.01 if self.key == "ballistic_coefficient" else 0.01}
        if self.input in ("elevation", "azimuth"):
            return {self.input: math.radians(1.0)}
        return {self.input: 1.0}


#: What `sensitivities` reports, in order (some only where they act: `sources_for`).
SOURCES = (
    Source("muzzle_velocity", "speed", "1 m/s"),
    Source("ballistic_coefficient", "drag_scale", "1 %"),
    Source("drag", "drag_scale", "1 %"),
    Source("air_density", "drag_scale", "1 %"),
    Source("temperature", "sound_scale", "1 °C"),
    Source("wind", "wind", "1 m/s"),
    Source("crosswind", "crosswind", "1 m/s"),
    Source("distance", "distance", "1 m"),
    Source("target_height", "target_height", "1 m"),
    Source("elevation", "elevation", "1 deg"),
    Source("azimuth", "azimuth", "1 deg"),
)


def site_temperature(problem: Problem) -> float:
    """The air's temperature at the launch site (K): the given one, or ICAO's at the altitude."""
    return medium.site_air(problem).t_site


def sources_for(problem: Problem) -> list:
    """The sources that act on ``problem``'s shot: a ballistic coefficient only with a drag
    table, a drag scale (Cd or the linear constant) otherwise, the air's density and
    temperature only where there is air, nothing of drag in vacuum."""
    out = []
    for s in SOURCES:
        if s.input in ("drag_scale", "sound_scale"):
            if problem.drag == "none":
                continue
            if s.key == "ballistic_coefficient" and not problem.table_drag:
                continue
            if s.key == "drag" and problem.table_drag:
                continue
            if s.key in ("air_density", "temperature") and problem.drag == "linear":
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
        """``problems``' shots (one medium) fired at ``elevation`` (rad, as set on the gun: each
        leaves at it plus its problem's elevation offset) and ``azimuth`` (rad) and ``speed``
        (m/s), arrays (N,), on an even mesh of ``steps``; ``cd`` a Cd correction whose
        coefficients become inputs (`shot.Setup`)."""
        cols = Columns.from_problems(problems)
        params = cols.params(int(steps))
        params = replace(params, lateral=None, grading=None)
        n = len(problems)
        omega = cols.omega()
        base = {
            "elevation": np.asarray(elevation, dtype=float) + cols.offset_rad,
            "azimuth": np.asarray(azimuth, dtype=float),
            "speed": np.asarray(speed, dtype=float),
            "wind": params.wind.copy(),
            "crosswind": np.array([p.crosswind for p in problems], dtype=float),
            "drag_scale": np.ones(n),
            "gravity": params.gravity.copy(),
            "launch_height": params.launch_height.copy(),
            "distance": params.distance.copy(),
            "sound_scale": np.ones(n),
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
    weights = [s.weights(problem) for s in sources]
    names = list(dict.fromkeys([i for w in weights for i in w] + list(aim)))
    jac = jacobian(fired, names)[0]
    col = {name: jac[:, i] for i, name in enumerate(names)}
    ju = np.stack([col[a] for a in aim], axis=1)
    out = {}
    with np.errstate(all="ignore"):
        for s, w in zip(sources, weights):
            move = sum(factor * col[name] for name, factor in w.items())
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


#: The correction columns of a firing table (`corrections`): key, source, scale of its unit,
#: and what changes: the elevation that keeps the hit (mrad), the azimuth (mrad) or, at the
#: table's elevation, the range (m).
CORRECTIONS = (
    ("range_m_per_velocity_mps", "muzzle_velocity", 1.0, "range"),
    ("elevation_mrad_per_velocity_mps", "muzzle_velocity", 1.0, "elevation"),
    ("elevation_mrad_per_wind_mps", "wind", 1.0, "elevation"),
    ("azimuth_mrad_per_crosswind_mps", "crosswind", 1.0, "azimuth"),
    ("elevation_mrad_per_density_pct", "air_density", 1.0, "elevation"),
    ("elevation_mrad_per_temperature_c", "temperature", 1.0, "elevation"),
    ("elevation_mrad_per_target_height_10m", "target_height", 10.0, "elevation"),
)


def corrections(problems: Sequence[Problem], solutions: Sequence[Solution]) -> list:
    """The correction columns of artillery firing tables for solved elevation problems (a fixed
    speed, or the minimum-speed shot at its speed), from the derivatives: per row a dict of
    `CORRECTIONS` (None where a source does not act, e.g. the air in vacuum). Rows are grouped
    by medium, each group one Jacobian."""
    out = [dict.fromkeys(k for k, *_ in CORRECTIONS) for _ in problems]
    groups: dict = {}
    for i, p in enumerate(problems):
        if solutions[i].converged:
            groups.setdefault(medium.medium_of(p), []).append(i)
    by_key = {s.key: s for s in SOURCES}
    for rows in groups.values():
        ps, ss = [problems[i] for i in rows], [solutions[i] for i in rows]
        acting = [{s.key for s in sources_for(p)} for p in ps]
        weights = {key: [by_key[key].weights(p) if key in act else {} for p, act in
                         zip(ps, acting)] for _, key, _, _ in CORRECTIONS}
        names = sorted({n for ws in weights.values() for w in ws for n in w}
                       | {"elevation", "azimuth", "distance"})
        jac = jacobian(Fired.of(ps, ss), names)
        col = {n: jac[:, :, k] for k, n in enumerate(names)}
        ju = np.stack([col["elevation"], col["azimuth"]], axis=2)
        with np.errstate(all="ignore"):
            for key, source, unit, what in CORRECTIONS:
                move = np.zeros((len(rows), 2))
                for r, w in enumerate(weights[source]):
                    for n, factor in w.items():
                        move[r] += factor * unit * col[n][r]
                if what == "range":
                    # at the same elevation the shot comes down dR further: y(D + dR) = 0
                    value = -move[:, 0] / col["distance"][:, 0]
                else:
                    fix = -np.linalg.solve(ju, move[:, :, None])[:, :, 0]
                    value = 1000.0 * fix[:, 0 if what == "elevation" else 1]
                for r, i in enumerate(rows):
                    if weights[source][r]:
                        out[i][key] = _num(value[r])
    return out
