"""The generic core against the hand-derived fast path (issue 11: is the fast path worth it?).

    python benchmarks/bench_core.py [--repeat N]

The same RK4 integration (64 steps, 500 m) two ways: `physics/model.integrate`, whose tangents
in (angle, speed) are derived by hand (the solvers' hot loop), and `physics/core.integrate` on
forward-mode jets through the one field of `physics/field.py` (every derivative, any input).
For one shot and for 10,000, quadratic drag and G7 drag in ICAO air, value only (order 0), first
derivatives in (angle, speed) (order 1) and second (order 2); and the 3-D end state with a
crosswind and the Earth's rotation (`physics/shot.end_state`), which only the generic core
computes, with its first derivatives along the launch by `physics/fused.py` (the field's
tangents fused into whole-array operations) and by the jets. Prints medians and the ratio
generic / hand (below 1: the generic path is faster), and the largest relative difference of
the two (they are the same maths: ~1e-15). The heap is kept as a solve keeps it
(`physics/memory.keep_heap`).
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import median_time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    from cannon_cli import Problem
    from cannon_cli.physics import model
    from cannon_cli.physics.columns import Columns
    from cannon_cli.physics.field import earth_rotation
    from cannon_cli.physics import fused
    from cannon_cli.physics.memory import keep_heap
    from cannon_cli.physics.shot import CD, Setup, _fly, end_state

    keep_heap()
    applies = fused.applies

    cases = {"quadratic": dict(drag="quadratic", wind=2.0),
             "g7-icao": dict(drag="g7", atmosphere="icao", ballistic_coefficient=156.8,
                             wind=2.0)}
    print(f"{'case':<10} {'N':>6} {'order':>5} {'hand (ms)':>10} {'generic (ms)':>13} "
          f"{'ratio':>6} {'max rel diff':>13}")
    for name, kw in cases.items():
        for n in (1, 10_000):
            p = Columns.from_physics(Problem(distance=500.0, **kw), np.full(n, 500.0)).params(64)
            th, v = np.full(n, 0.02 if name == "g7-icao" else 0.3), np.full(n, 150.0)
            if name == "g7-icao":
                v = np.full(n, 790.0)
            setup = Setup(p)
            values = [th, np.zeros(n), v, p.wind, np.zeros(n), np.ones(n), p.gravity,
                      p.launch_height, p.distance, np.ones(n)] + [np.zeros(n)] * len(CD)
            for order in (0, 1, 2):
                hand = median_time(lambda: model.integrate(th, v, p, order=order, dirs=(0, 1)),
                                   args.repeat)
                generic = median_time(lambda: _fly(values, setup, order, (0, 2), False),
                                      args.repeat)
                x = model.integrate(th, v, p, order=order, dirs=(0, 1))[0]
                z = _fly(values, setup, order, (0, 2), False)
                z0 = z.a[:, 0] if order else z
                diff = float(np.max(np.abs(z0 - x) / np.maximum(np.abs(x), 1.0)))
                print(f"{name:<10} {n:>6} {order:>5} {hand * 1e3:>10.2f} {generic * 1e3:>13.2f} "
                      f"{generic / hand:>6.2f} {diff:>13.1e}")
            # 3-D: crosswind and Coriolis, value and first derivatives in (elevation, azimuth)
            three = Setup(p, omega=earth_rotation(45.0, 90.0))
            inputs = {"elevation": th, "speed": v, "azimuth": np.zeros(n),
                      "crosswind": np.full(n, 4.47)}
            t0 = median_time(lambda: end_state(inputs, three), args.repeat)
            values3 = [th, np.zeros(n), v, p.wind, np.full(n, 4.47), np.ones(n), p.gravity,
                       p.launch_height, p.distance, np.ones(n)] + [np.zeros(n)] * len(CD)
            t1 = median_time(lambda: _fly(values3, three, 1, (0, 1), True), args.repeat)
            fused.applies = lambda *a: False
            jets = median_time(lambda: _fly(values3, three, 1, (0, 1), True), args.repeat)
            fused.applies = applies
            flat = median_time(lambda: model.integrate(th, v, p, order=1, dirs=(0, 1)),
                               args.repeat)
            print(f"{name:<10} {n:>6}    3-D: value {t0 * 1e3:.2f} ms, d/d(elevation, azimuth) "
                  f"fused {t1 * 1e3:.2f} ms (jets {jets * 1e3:.2f} ms) = {t1 / flat:.2f} x the "
                  f"2-D fast path's first order in (angle, speed)")


if __name__ == "__main__":
    main()
