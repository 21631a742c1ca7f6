"""`cannon compare`: the three ways to aim, on one problem, side by side.

1. surrogate: fit a network to the simulator, descend on its inputs (`surrogate`);
2. physics: descend on the true differentiable physics (`aim.solve`, this is `cannon solve`);
3. policy: a network trained through the physics proposes the shot, the physics checks it and
   the solver refines it (`policy`).

For every approach the TRUE miss is measured, never assumed: where the shot comes back down to
the target height, re-simulated by scipy DOP853 (`surrogate.true_range`), against the distance.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Optional

import numpy as np

from . import policy as policy_mod
from . import surrogate
from .aim import solve
from .problem import Problem

COMPARE_SCHEMA = "cannon.compare/1"


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


def _true_miss(problem: Problem, angle_deg: float, speed: float) -> float:
    r = surrogate.true_range(math.radians(angle_deg), speed, problem, problem.target_height)[0]
    return float(abs(r - problem.distance)) if np.isfinite(r) else math.inf


def compare(problem: Problem, *, seed: int = 0, speed_max: float = 10.0, samples: int = 1000,
            epochs: int = 100, policy_steps: int = 1000, solver: str = "lbfgs",
            note: Optional[Callable[[str], None]] = None) -> list[Row]:
    """Run the three approaches on the minimum-speed version of ``problem``; one `Row` each
    (the policy twice: the network's answer alone, and refined)."""
    say = note or (lambda _: None)
    rows = []

    say("fitting the surrogate")
    model = surrogate.fit(problem, height=problem.target_height, speed_max=speed_max,
                          samples=samples, epochs=epochs, seed=seed)
    shot = surrogate.aim(model, problem.distance)
    rows.append(Row("surrogate", model.train_seconds, shot.iterations, shot.seconds * 1e3,
                    math.degrees(shot.angle_rad), shot.speed, shot.believed_miss,
                    _true_miss(problem, math.degrees(shot.angle_rad), shot.speed)))

    say("descending on the physics")
    solve(Problem(distance=1.0), solver=solver)  # imports out of the timing
    # plain gradient descent from the surrogate's start, to the surrogate's tolerance
    t0 = time.perf_counter()
    s = solve(problem, solver="gd", start=(math.degrees(surrogate.START[1]), surrogate.START[0]),
              tol=surrogate.TOL)
    rows.append(Row("physics (gd, same start)", 0.0, s.iterations,
                    (time.perf_counter() - t0) * 1e3, s.angle_deg, s.velocity_mps, s.miss_m,
                    _true_miss(problem, s.angle_deg, s.velocity_mps)))
    t0 = time.perf_counter()
    s = solve(problem, solver=solver)
    rows.append(Row(f"physics ({solver})", 0.0, s.iterations, (time.perf_counter() - t0) * 1e3,
                    s.angle_deg, s.velocity_mps, s.miss_m,
                    _true_miss(problem, s.angle_deg, s.velocity_mps)))

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
    rows.append(Row("policy (network)", trained, 0, infer * 1e3, float(a[0]), float(v[0]),
                    math.nan, _true_miss(problem, float(a[0]), float(v[0]))))
    t0 = time.perf_counter()
    s = solve(problem, solver=solver, start=(float(a[0]), float(v[0])))
    rows.append(Row("policy + refine", trained, s.iterations,
                    (infer + time.perf_counter() - t0) * 1e3, s.angle_deg, s.velocity_mps,
                    s.miss_m, _true_miss(problem, s.angle_deg, s.velocity_mps)))
    return rows


def to_json(problem: Problem, rows: list[Row], seed: int) -> dict[str, Any]:
    nulls = lambda x: None if isinstance(x, float) and not math.isfinite(x) else x
    return {"schema": COMPARE_SCHEMA, "seed": seed, "problem": problem.to_json(),
            "rows": [{k: nulls(v) for k, v in asdict(r).items()} for r in rows]}
