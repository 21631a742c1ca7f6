"""Benchmarks for the pictures (issue: the shot and the loss landscape).

    python benchmarks/bench_plot.py [--repeat N]

Prints medians (and the ratio to the budget) for:
- the landscape grid: 200 x 200 (angle, speed) points with quadratic drag, 500 m, around the
  minimum-speed shot (the default window), through the model in one vectorised pass (budget 2 s);
- the same in vacuum (closed form);
- the whole process: `cannon plot trajectory --distance 500 --drag quadratic --out x.png`, and the
  landscape with the two second-order paths, `cannon plot landscape --distance 500 --drag
  quadratic --solver lbfgs --solver newton --out x.png`;
- with --full: the default landscape with all four solvers' paths, `cannon plot landscape
  --distance 300 --drag quadratic --out x.png` (issue 12's case, against its bar: 3 s of CPU)
  and the same at 500 m, wall and CPU time (the process's, which a shared machine inflates
  less); each path is drawn until it is still (`io/still.py`), adam's, which hovers until the
  work budget ends its run, the longest;
- a check that `cannon --version` does not import matplotlib or plotext.
Every process is `python -m cannon_cli` with this interpreter, so that the tree timed is the
one Python imports (PYTHONPATH=<tree> to time another; the `cannon` script may be another
install's). Compile it first where PYTHONDONTWRITEBYTECODE is set (`python -m compileall -q
cannon_cli`), or every process compiles it again. The machines are shared and noisy: quote
medians and ratios from one run, trees alternated.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile

from _timing import median_time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--full", action="store_true",
                    help="also time (once) the default landscape with all four solvers' paths")
    args = ap.parse_args()
    cannon = [sys.executable, "-m", "cannon_cli"]

    import numpy as np

    import cannon_cli
    from cannon_cli import Problem, solve
    from cannon_cli.io import pictures as plot

    for drag in ("quadratic", "none"):
        problem = Problem(distance=500.0, drag=drag)
        s = solve(problem)
        angles = np.linspace(s.angle_deg - plot.ANGLE_SPAN, s.angle_deg + plot.ANGLE_SPAN, 200)
        speeds = np.linspace(plot.SPEED_SPAN[0] * s.velocity_mps,
                             plot.SPEED_SPAN[1] * s.velocity_mps, 200)
        plot.miss_grid(problem, angles, speeds)  # first-call costs out of the way
        t = median_time(lambda: plot.miss_grid(problem, angles, speeds), args.repeat)
        miss = plot.miss_grid(problem, angles, speeds)
        how = f"RK4, {plot.grid_steps(angles)} steps" if drag != "none" else "closed form"
        print(f"landscape grid 200 x 200, 500 m, drag {drag} ({how}): "
              f"{t * 1e3:.0f} ms ({t / 2.0:.3f} x the 2 s budget), "
              f"{np.isnan(miss).mean():.0%} of the cells never reach the target")

    out = os.path.join(tempfile.mkdtemp(), "x.png")

    def run(cmd):
        done = subprocess.run(cmd, check=False, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{' '.join(cmd)} failed: {done.stderr}")

    reps = max(3, args.repeat // 2)
    for cmd in (
        [*cannon, "plot", "trajectory", "--distance", "500", "--drag", "quadratic", "--out",
         out],
        [*cannon, "plot", "landscape", "--distance", "500", "--drag", "quadratic", "--solver",
         "lbfgs", "--solver", "newton", "--out", out],
    ):
        t = median_time(lambda: run(cmd), reps)
        print(f"whole process: {' '.join(['cannon'] + cmd[3:])}: {t:.2f} s")
    if args.full:
        print(f"(the tree timed: {os.path.dirname(os.path.dirname(cannon_cli.__file__))})")
        for distance in ("300", "500"):
            cmd = [*cannon, "plot", "landscape", "--distance", distance, "--drag", "quadratic",
                   "--out", out]
            walls, cpus = [], []
            for _ in range(reps):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                walls.append(median_time(lambda: run(cmd), 1))
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            cpu = statistics.median(cpus)
            bar = f" ({cpu / 3.0:.2f} x issue 12's bar, 3 s of CPU)" if distance == "300" else ""
            print(f"whole process: {' '.join(['cannon'] + cmd[3:])}: "
                  f"{statistics.median(walls):.2f} s, CPU {cpu:.2f} s "
                  f"(runs {', '.join(f'{c:.2f}' for c in cpus)}){bar}")

    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    done = subprocess.run([*cannon, "--version"], capture_output=True, text=True, env=env)
    drawn = sorted({line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()
                    if any(m in line for m in ("matplotlib", "plotext"))})
    verdict = ", ".join(drawn) if drawn else "neither matplotlib nor plotext"
    print(f"cannon --version imports: {verdict}")


if __name__ == "__main__":
    main()
