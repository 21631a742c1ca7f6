"""The issue-14 study: synthetic .308 G7 impacts (truth 800 m/s, BC 0.230) with Gaussian noise
of 0.03 mrad at 300, 600 and 900 m, fitted from 792.48 m/s and 0.223 over 200 seeds: the share
of seeds with the speed within 2 m/s and the BC within 1 %, and how often the 95 % intervals
cover the truth; for one shot at each distance (the issue's wording) and for ten.

    PYTHONPATH=. python benchmarks/bench_truing.py [seeds]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from cannon_cli.aim import estimate, truing
from cannon_cli.aim.driver import solve_many
from cannon_cli.problem import Physics, Problem
from cannon_cli.units import LB_PER_IN2

START = Physics(drag="g7", ballistic_coefficient=0.223 * LB_PER_IN2)
TRUTH = Physics(drag="g7", ballistic_coefficient=0.230 * LB_PER_IN2)


def study(per_distance: int, seeds: int) -> None:
    d = [300.0, 600.0, 900.0] * per_distance
    sols = solve_many([Problem(distance=x, velocity=792.48, **truing._physics_kwargs(START))
                       for x in d])
    elevation = np.radians([s.angle_deg for s in sols])
    clean = [truing.Observation(i, None, TRUTH, distance=x, elevation=e, vertical=0.0, sd=1.0)
             for i, (x, e) in enumerate(zip(d, elevation))]
    params = truing.parameters(["velocity"], TRUTH, 800.0)
    up = np.asarray(truing.Model(clean, params, 800.0, TRUTH).predicted(np.array([800.0]))[0][0])
    sd = 0.03e-3 * np.array(d)
    rng = np.random.default_rng(14)
    within = speed_ok = bc_ok = cover_v = cover_bc = weak = 0
    times, evals = [], []
    for _ in range(seeds):
        obs = [truing.Observation(i, None, START, distance=x, elevation=e,
                                  vertical=float(u + rng.normal() * s), sd=s)
               for i, (x, e, u, s) in enumerate(zip(d, elevation, up, sd))]
        t = time.perf_counter()
        fit = estimate.fit(truing.Model(obs, truing.parameters(["velocity", "bc"], START,
                                                               792.48), 792.48, START))
        times.append(time.perf_counter() - t)
        evals.append(fit.evaluations)
        v, bc = fit.x[0], fit.x[1] * 0.223
        sv, sb = abs(v - 800) < 2, abs(bc / 0.230 - 1) < 0.01
        speed_ok += int(sv)
        bc_ok += int(sb)
        within += int(sv and sb)
        lo, hi = fit.interval.T
        cover_v += int(lo[0] <= 800 <= hi[0])
        cover_bc += int(lo[1] * 0.223 <= 0.230 <= hi[1] * 0.223)
        weak += int(fit.ident.verdict != "determined")
    se = fit.se
    print(f"{per_distance} shot(s) at 300, 600, 900 m, {seeds} seeds: "
          f"speed within 2 m/s {speed_ok / seeds:.3f}, BC within 1 % {bc_ok / seeds:.3f}, "
          f"both {within / seeds:.3f}; 95 % intervals cover speed {cover_v / seeds:.3f}, "
          f"BC {cover_bc / seeds:.3f}; se {se[0]:.3g} m/s, {se[1] * 100:.3g} % BC; "
          f"warned {weak}/{seeds}; fit median {np.median(times) * 1e3:.0f} ms, "
          f"{np.median(evals):.0f} evaluations")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    for k in (1, 10):
        study(k, n)
