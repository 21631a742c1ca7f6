"""Single-target benchmarks for `cannon solve` (issue: the solve command).

    python benchmarks/bench_solve.py [--repeat N]

Prints medians (and the ratio to the budget) for:
- start-up: `cannon --version` against a bare `python -c pass`;
- one quadratic-drag solve in-process (500 m, speed 150 m/s fixed, other settings default), for
  every solver, with its true miss against an independent DOP853 integration;
- one minimum-speed solve with quadratic drag at 300 m, and into a 5 m/s headwind with linear
  drag at 300 m, 20 m up (newton, the default, and lbfgs; issue 12's bar: 2 ms);
- the whole process: `cannon solve --distance 500 --velocity 150 --drag quadratic --json`.
The machines are shared and noisy: quote medians and ratios from one run.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys

from _timing import median_time



def true_miss(sol) -> float:
    """|y(D) - target| of the solution by scipy DOP853 in time, rtol 1e-12: independent of the
    model's x-integration."""
    from scipy.integrate import solve_ivp

    from cannon_cli.physics.medium import drag_factor

    p = sol.problem
    th, v, c = math.radians(sol.angle_deg), sol.velocity_mps, drag_factor(p)

    def f(t, s):
        sp = math.hypot(s[2] - p.wind, s[3])
        return [s[2], s[3], -c * sp * (s[2] - p.wind), -p.gravity - c * sp * s[3]]

    def hit(t, s):
        return s[0] - p.distance

    hit.terminal = True
    r = solve_ivp(f, (0, 1e3), [0, p.launch_height, v * math.cos(th), v * math.sin(th)],
                  method="DOP853", rtol=1e-12, atol=1e-12, events=hit)
    return abs(r.y_events[0][0][1] - p.target_height)


def _newton_and_lbfgs(problem, repeat: int) -> str:
    """The median time of one solve of ``problem`` by newton and by lbfgs, with their counts."""
    from cannon_cli import solve

    cells = []
    for solver in ("newton", "lbfgs"):
        t = median_time(lambda: solve(problem, solver=solver), repeat)
        s = solve(problem, solver=solver)
        cells.append(f"{solver} {t * 1e3:6.2f} ms ({s.iterations} iterations, {s.steps} steps)")
    return "   ".join(cells)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    cannon = shutil.which("cannon")
    if cannon is None:
        sys.exit("install the project first: pip install .")

    def run(cmd):
        subprocess.run(cmd, check=False, capture_output=True)

    bare = median_time(lambda: run([sys.executable, "-c", "pass"]), args.repeat)
    version = median_time(lambda: run([cannon, "--version"]), args.repeat)
    print(f"start-up: python -c pass {bare * 1e3:.1f} ms, cannon --version {version * 1e3:.1f} ms,"
          f" difference {(version - bare) * 1e3:.1f} ms (budget 85 ms)")

    from cannon_cli import Problem, solve

    problem = Problem(distance=500.0, velocity=150.0, drag="quadratic")
    solve(problem)  # imports and first-call costs out of the way
    print("one quadratic-drag solve, 500 m at 150 m/s (budget 5 ms in-process):")
    for solver in ("newton", "lbfgs", "gd", "adam"):
        reps = args.repeat if solver in ("lbfgs", "newton") else max(3, args.repeat // 10)
        t = median_time(lambda: solve(problem, solver=solver), reps)
        s = solve(problem, solver=solver)
        print(f"  {solver:6s} {t * 1e3:8.2f} ms  ({t / 5e-3:5.2f} x budget)  iterations "
              f"{s.iterations:4d}  true miss {true_miss(s) / 500:.1e} x distance")

    print("one minimum-speed solve, in-process (budget 2 ms):")
    for name, p in (("300 m, quadratic", Problem(distance=300.0, drag="quadratic")),
                    ("300 m, 20 m up, linear, 5 m/s headwind",
                     Problem(distance=300.0, target_height=20.0, drag="linear", wind=-5.0))):
        print(f"  {name:40s} " + _newton_and_lbfgs(p, args.repeat))

    print("one .308 solve (G7 BC 0.223, 792.48 m/s, ICAO air), in-process, elevation at:")
    for distance in (100.0, 300.0, 500.0, 1000.0):
        g7 = Problem(distance=distance, velocity=792.48, drag="g7", atmosphere="icao",
                     ballistic_coefficient=0.223 * 0.45359237 / 0.0254 ** 2)
        print(f"  {distance:6.0f} m  " + _newton_and_lbfgs(g7, args.repeat))

    cmd = [cannon, "solve", "--distance", "500", "--velocity", "150", "--drag", "quadratic",
           "--json"]
    whole = median_time(lambda: run(cmd), max(5, args.repeat // 3))
    print(f"whole process: {' '.join(['cannon'] + cmd[1:])}: {whole * 1e3:.0f} ms "
          f"({whole / 0.5:.2f} x the 0.5 s budget)")


if __name__ == "__main__":
    main()
