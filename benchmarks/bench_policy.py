"""The aiming policy (issue: the three ways to aim).

    python benchmarks/bench_policy.py [--steps N]

Trains a policy through the physics (quadratic drag; distance 100-500 m, target height 0-20 m,
wind -3..3 m/s), then on 10,000 held-out random targets prints:
- inference time, µs per target;
- the error before refinement: the network's shot re-flown by the model at full accuracy,
  vertical miss at the target (median and max, m and % of the distance), and its angle and speed
  against the solved minimum-speed shot;
- solver iterations after, with the policy's start and with the built-in one;
- end-to-end batch time (solve_columns) with and without the policy, newton and lbfgs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _timing import median_time



def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1500)
    args = ap.parse_args()

    from cannon_cli.aim.driver import solve_columns
    from cannon_cli.physics.columns import Columns
    from cannon_cli.aim.loss import Batch, height_miss
    from cannon_cli.physics import medium
    from cannon_cli.learn.policy import train
    from cannon_cli.problem import Physics

    physics = Physics(drag="quadratic")
    domain = {"distance": (100.0, 500.0), "height": (0.0, 20.0), "wind": (-3.0, 3.0)}
    t0 = time.perf_counter()
    policy = train(physics, domain, steps=args.steps, seed=0)
    print(f"training: {args.steps} steps of 128 targets, {time.perf_counter() - t0:.1f} s")

    rng = np.random.default_rng(12345)
    n = 10_000
    d = rng.uniform(*domain["distance"], n)
    h = rng.uniform(*domain["height"], n)
    w = rng.uniform(*domain["wind"], n)
    policy.predict(d[:10], h[:10], w[:10])
    t = median_time(lambda: policy.predict(d, h, w))
    a, v = policy.predict(d, h, w)
    print(f"inference: {t * 1e3:.1f} ms for {n} targets = {t / n * 1e6:.2f} us/target")

    cols = Columns.of(d, target_height=h, wind=w, drag="quadratic")
    ref = solve_columns(cols, solver="newton")
    one = np.ones(n)
    p = medium.params(physics, d, wind=w, steps=256)
    miss = np.abs(np.asarray(height_miss(np.radians(a), v,
                                         Batch("both", p, h, one * np.nan, one * np.nan))))
    pct = 100 * miss / d
    print(f"before refinement: vertical miss median {np.median(miss):.3f} m "
          f"({np.median(pct):.3f} %), max {np.max(miss):.3f} m ({np.max(pct):.3f} %); "
          f"angle error median {np.median(np.abs(a - ref.angle_deg)):.4f}°, speed error median "
          f"{np.median(np.abs(v / ref.velocity_mps - 1)) * 100:.3f} %")

    for solver in ("newton", "lbfgs"):
        plain = solve_columns(cols, solver=solver)
        guided = solve_columns(cols, solver=solver, start=(a, v))
        ok = plain.converged.all() and guided.converged.all()
        t_plain = median_time(lambda: solve_columns(cols, solver=solver), 2)
        t_pol = median_time(lambda: (policy.predict(d, h, w),
                                solve_columns(cols, solver=solver, start=(a, v))), 2)
        print(f"{solver:6s}: iterations mean {plain.iterations.mean():.2f} -> "
              f"{guided.iterations.mean():.2f} with the policy (max {plain.iterations.max()} -> "
              f"{guided.iterations.max()}); batch of {n}: {t_plain * 1e3:.0f} ms -> "
              f"{t_pol * 1e3:.0f} ms with the policy (inference included); all converged: {ok}")


if __name__ == "__main__":
    main()
