"""How sure a shot is (issue 13): the time of the delta method and of the Monte Carlo.

    python benchmarks/bench_odds.py [--repeat N]

Prints medians of wall time, in-process through the library:
- a 10-range sweep of the .308 (G7 BC 0.223, 792.48 m/s, ICAO; 300-1200 m) by the delta
  method: the solves, then `aim.hit.assess` (the Jacobian, the covariance, P(hit), the
  linearisation check) - the issue's bar is 50 ms for the sweep;
- the Monte Carlo of 10,000 shots at 1000 m (bar: 1 s), and how far its P(hit) is from the delta
  method's at 300, 600 and 1000 m (bar: 2 percentage points) with sigma 3 m/s speed, 1 m/s
  crosswind, 1 % BC and a 0.5 MOA gun on a 0.5 m square.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from _timing import median_time  # noqa: E402

from cannon_cli.aim import dispersion as dsp  # noqa: E402
from cannon_cli.aim.driver import solve_many  # noqa: E402
from cannon_cli.aim.hit import assess  # noqa: E402
from cannon_cli.aim.sensitivity import Fired  # noqa: E402
from cannon_cli.problem import Problem  # noqa: E402
from cannon_cli.units import LB_PER_IN2  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rifle = dict(velocity=792.48, drag="g7", ballistic_coefficient=0.223 * LB_PER_IN2,
                 atmosphere="icao")
    u = dsp.Uncertainty(speed=3.0, crosswind=1.0, bc=0.01, angle=math.radians(0.5 / 60))
    target = dsp.Target(width=0.5, height=0.5)
    sweep = [Problem(distance=d, **rifle) for d in np.linspace(300.0, 1200.0, 10)]
    solutions = solve_many(sweep)
    t_solve = median_time(lambda: solve_many(sweep), args.repeat)
    t_assess = median_time(lambda: assess(sweep, solutions, u, target), args.repeat)
    print(f"10-range sweep, .308 300-1200 m: solves {t_solve * 1e3:.1f} ms, delta method "
          f"{t_assess * 1e3:.1f} ms (bar 50 ms: {t_assess / 0.05:.2f} x; with the solves "
          f"{(t_solve + t_assess) / 0.05:.2f} x)")
    far = [Problem(distance=1000.0, **rifle)]
    fired = Fired.of(far, solve_many(far))
    t_mc = median_time(lambda: dsp.monte_carlo(fired, u, target, 10_000, seed=0), args.repeat)
    print(f"Monte Carlo, 10,000 shots at 1000 m: {t_mc * 1e3:.0f} ms (bar 1 s: {t_mc:.2f} x)")
    near = [Problem(distance=d, **rifle) for d in (300.0, 600.0, 1000.0)]
    for r in assess(near, solve_many(near), u, target, monte_carlo=10_000, seed=1):
        mc = r["monte_carlo"]
        print(f"  {r['distance_m']:6.0f} m: P(hit) delta {r['p_hit']:.4f}, Monte Carlo "
              f"{mc['p_hit']:.4f} [{mc['wilson_95'][0]:.4f}, {mc['wilson_95'][1]:.4f}], "
              f"difference {100 * abs(r['p_hit'] - mc['p_hit']):.2f} points")


if __name__ == "__main__":
    main()
