"""`cannon compare`: the three ways to aim, on one problem, side by side.

1. surrogate: fit a network to the simulator, descend on its inputs (`surrogate`);
2. physics: descend on the true differentiable physics (`aim.solve`, this is `cannon solve`);
3. policy: a network trained through the physics proposes the shot, the physics checks it and
   the solver refines it (`policy`).

Every approach is judged by the same measure, the miss at the target: the shot's height where
it passes the target distance D minus the target's height (above > 0), as `solve` reports it.

- TRUE: measured, never assumed: the shot is re-simulated by scipy DOP853
  (`trajectory.simulate`; the closed form in vacuum).
- believed: what the approach itself thinks. The solver's own miss for the physics rows. The
  surrogate predicts only where a shot comes back down to the target height (its range R); the
  height at D that this implies is that of the parabola through the muzzle, at the launch angle,
  that comes down at R: y(D) = y0 + D tan(theta) - (D/R)^2 (y0 + R tan(theta) - h). The
  policy's network believes nothing by itself (it is checked by the physics).

The surrogate is fit on speeds up to ``speed_max``: 10 m/s in the article's setting, widened by
default to take in the problem (`surrogate_speed_max`); a surrogate that cannot reach the
target says so instead of sitting at the edge of its domain.

The JSON rows keep `believed_miss_m` and `true_miss_m` as cannon.compare/1 first had them (for
the surrogate and the policy, the range error |R - D|; for the physics, the solver's miss) and
add `believed_height_miss_m` and `true_height_miss_m`, the one measure above.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from ..optim import DEFAULT_SOLVER
from ..aim.driver import solve
from ..physics import vacuum
from ..physics.medium import site_density
from ..problem import Problem, Shot
from . import policy as policy_mod
from . import surrogate

COMPARE_SCHEMA = "cannon.compare/1"
#: The article's surrogate domain: speeds up to 10 m/s (its targets are a few metres away).
ARTICLE_SPEED_MAX = 10.0
#: The default domain reaches this far above the minimum speed the target needs.
SPEED_MARGIN = 1.25


@dataclass
class Row:
    approach: str
    train_s: float
    iterations: int
    solve_ms: float
    angle_deg: float
    velocity_mps: float
    believed_miss_m: float
    true_miss_m: float
    #: the miss at the target distance (height there minus the target's, above > 0): believed
    believed_height_miss_m: float = math.nan
    #: ... and re-simulated
    true_height_miss_m: float = math.nan
    #: why an approach gave no answer, or a poor one
    note: str = ""


@dataclass
class Comparison:
    rows: list
    #: the surrogate's speed domain (m/s)
    speed_max: float
    warnings: list = field(default_factory=list)


def _true_range_miss(problem: Problem, angle_deg: float, speed: float) -> float:
    """|range - distance|: cannon.compare/1's true_miss_m."""
    r = surrogate.true_range(math.radians(angle_deg), speed, problem, problem.target_height)[0]
    return float(abs(r - problem.distance)) if np.isfinite(r) else math.inf


def true_height_miss(problem: Problem, angle_deg: float, speed: float) -> float:
    """The shot's height at the target distance minus the target's (above > 0), re-simulated:
    closed form in vacuum, DOP853 otherwise; NaN if it never gets there."""
    if not (math.isfinite(angle_deg) and math.isfinite(speed) and speed > 0
            and -90.0 < angle_deg < 90.0):
        return math.nan
    d, h = problem.distance, problem.target_height
    if problem.drag == "none":
        y = vacuum.end_state(math.radians(angle_deg), speed, d, problem.launch_height,
                             problem.gravity)[0]
        return float(y) - h
    from ..physics.trajectory import simulate

    physics = {f: getattr(problem, f) for f in policy_mod.PHYSICS_FIELDS + ("wind",)}
    tr = simulate(Shot(angle=angle_deg, velocity=speed, distance=d, target_height=h,
                       **physics), samples=2)
    return math.nan if tr.crossing is None else tr.crossing.miss_m


def believed_surrogate_height_miss(problem: Problem, angle_rad: float, believed_range: float):
    """The height miss at D implied by the surrogate's range (see the module docstring)."""
    y0, h, d = problem.launch_height, problem.target_height, problem.distance
    r, t = believed_range, math.tan(angle_rad)
    if not (math.isfinite(r) and r > 0):
        return math.nan
    return y0 + d * t - (d / r) ** 2 * (y0 + r * t - h) - h


def surrogate_speed_max(minimum_speed: float) -> float:
    """The default speed domain of the surrogate: the article's 10 m/s, or more if the target
    needs more (`SPEED_MARGIN` above its minimum speed)."""
    if not math.isfinite(minimum_speed):
        return ARTICLE_SPEED_MAX
    return max(ARTICLE_SPEED_MAX, SPEED_MARGIN * minimum_speed)


def compare(problem: Problem, *, seed: int = 0, speed_max: Optional[float] = None,
            samples: int = 1000, epochs: int = 100, policy_steps: int = 1000,
            solver: str = DEFAULT_SOLVER,
            note: Optional[Callable[[str], None]] = None) -> Comparison:
    """Run the three approaches on the minimum-speed version of ``problem``; one `Row` each
    (the policy twice: the network's answer alone, and refined). ``speed_max`` None: see
    `surrogate_speed_max`."""
    say = note or (lambda _: None)
    rows, warnings = [], []

    solve(Problem(distance=1.0), solver=solver)  # imports out of the timings
    best = solve(problem, solver=solver)  # the target's minimum speed, for the domain
    vmin = best.velocity_mps if best.converged else math.nan
    if speed_max is None:
        speed_max = surrogate_speed_max(vmin)
    elif math.isfinite(vmin) and speed_max < vmin:
        warnings.append(f"the surrogate is fit on speeds up to {speed_max:g} m/s (--speed-max), "
                        f"and the target needs at least {vmin:.4g} m/s: it cannot reach it")
    say(f"fitting the surrogate on speeds up to {speed_max:.4g} m/s")
    model = surrogate.fit(problem, height=problem.target_height, speed_max=speed_max,
                          samples=samples, epochs=epochs, seed=seed)
    shot = surrogate.aim(model, problem.distance)
    angle = math.degrees(shot.angle_rad)
    believed_range = float(model(np.array([shot.speed]), np.array([shot.angle_rad]))[0])
    rows.append(Row("surrogate", model.train_seconds, shot.iterations, shot.seconds * 1e3,
                    angle, shot.speed, shot.believed_miss,
                    _true_range_miss(problem, angle, shot.speed),
                    believed_surrogate_height_miss(problem, shot.angle_rad, believed_range),
                    true_height_miss(problem, angle, shot.speed),
                    "" if shot.believes_hit else f"no hit: {shot.why}"))
    if not shot.believes_hit:
        warnings.append(f"the surrogate believes no hit: {shot.why}")

    say("descending on the physics")
    # plain gradient descent from the surrogate's start, to the surrogate's tolerance
    t0 = time.perf_counter()
    s = solve(problem, solver="gd", start=(math.degrees(surrogate.START[1]), surrogate.START[0]),
              tol=surrogate.TOL)
    rows.append(_solved("physics (gd, same start)", 0.0, s, (time.perf_counter() - t0) * 1e3,
                        problem))
    t0 = time.perf_counter()
    s = solve(problem, solver=solver)
    rows.append(_solved(f"physics ({solver})", 0.0, s, (time.perf_counter() - t0) * 1e3,
                        problem))

    say("training the policy through the physics")
    t0 = time.perf_counter()
    d = problem.distance
    domain = {"distance": (0.5 * d, 1.5 * d), "height": (problem.target_height,) * 2,
              "wind": (problem.wind,) * 2}
    pol = policy_mod.train(problem, domain, steps=policy_steps, seed=seed)
    trained = time.perf_counter() - t0
    t0 = time.perf_counter()
    a, v = pol.predict(d, problem.target_height, problem.wind)
    infer = time.perf_counter() - t0
    a, v = float(a[0]), float(v[0])
    rows.append(Row("policy (network)", trained, 0, infer * 1e3, a, v, math.nan,
                    _true_range_miss(problem, a, v), math.nan, true_height_miss(problem, a, v)))
    t0 = time.perf_counter()
    s = solve(problem, solver=solver, start=(a, v))
    rows.append(_solved("policy + refine", trained, s,
                        (infer + time.perf_counter() - t0) * 1e3, problem))
    return Comparison(rows, float(speed_max), warnings)


def _solved(name: str, train_s: float, s, ms: float, problem: Problem) -> Row:
    return Row(name, train_s, s.iterations, ms, s.angle_deg, s.velocity_mps, s.miss_m,
               _true_range_miss(problem, s.angle_deg, s.velocity_mps), s.miss_m,
               true_height_miss(problem, s.angle_deg, s.velocity_mps),
               "" if s.converged else s.message)


def to_json(problem: Problem, result: Comparison, seed: int) -> dict[str, Any]:
    nulls = lambda x: None if isinstance(x, float) and not math.isfinite(x) else x
    out = {"schema": COMPARE_SCHEMA, "seed": seed,
           "problem": problem.to_json(air_density=site_density(problem)),
           "speed_max_mps": result.speed_max,
           "rows": [{k: nulls(v) for k, v in asdict(r).items() if k != "note" or v}
                    for r in result.rows]}
    if result.warnings:
        out["warnings"] = list(result.warnings)
    return out
