"""Batch benchmarks (issue: pipelines).

    python benchmarks/bench_batch.py [--repeat N] [--rss]

Prints medians, in ms and µs per target:
- 10,000 quadratic-drag targets, distance uniform in 50-550 m, speed 150 m/s, other settings
  default, in-process through `aim.solve_columns` (newton, the default, and lbfgs), and how many
  meet the accuracy bar: true miss <= 1e-6 x distance against an independent DOP853 integration
  of all targets at once (in time-free form: x as the variable, the 10,000 systems stacked into
  one, rtol 1e-12);
- the same 10,000 targets with G7 drag (the same 1 kg, 10 cm ball, form factor 1) in constant
  and in ICAO air, and 10,000 .308 targets (G7 BC 0.223, 792.48 m/s, 100-1000 m, ICAO), with
  the ratio to the quadratic figure (budget: 2x) and the same accuracy check against a stacked
  DOP853 integration with scipy's PCHIP through the G7 table and the ICAO formulas;
- the same 10,000 quadratic-drag targets in 3-D: a 5 m/s crosswind (elevation and azimuth
  unknown), with the ratio to the 2-D figure (issue 11's bar: 2x) and the true miss in both
  directions against a stacked 3-D DOP853 integration;
- 1,000,000 vacuum targets in-process (issue 12's bar: 0.1 s), the first call apart;
- the whole process `cannon solve --input targets.ndjson --nl` for the 10,000 targets;
- with --rss, the peak RSS of `cannon solve --input` on 1,000,000 NDJSON lines (streamed).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _timing import median_time



def _g7_air(icao: bool):
    """kappa / (c |v|) as a function of (speed, y), independent of cannon_cli: scipy's PCHIP
    through the G7 CSV rows and the ICAO troposphere written out (dry air, sea-level site)."""
    from scipy.interpolate import PchipInterpolator

    path = Path(__file__).resolve().parent.parent / "cannon_cli" / "physics" / "data" / "g7.csv"
    rows = [line.split(",") for line in path.read_text().splitlines()
            if line and not line.startswith("#") and not line.startswith("mach")]
    mach, cd = np.array(rows, dtype=float).T
    cd = PchipInterpolator(mach, cd)
    t0, lapse, r, m, g0 = 288.15, 0.0065, 8.31432, 0.028964420, 9.80665

    def factor(speed, y):
        t = t0 - lapse * y if icao else t0 + 0.0 * y
        sigma = (t / t0) ** (g0 * m / (r * lapse) - 1.0)
        return sigma * cd(speed / np.sqrt(1.4 * r * t / m))

    return factor


def reference_heights(cols, theta, v, factor=None):
    """y at x = distance for every target by scipy DOP853, rtol 1e-12: the N shots stacked into
    one system in s = x / distance in [0, 1], state (y, vx, vy) per shot. ``factor(speed, y)``
    multiplies c (a drag table and the air), else quadratic drag."""
    from scipy.integrate import solve_ivp

    n = cols.size
    D, g, c, W = cols.distance, cols.gravity, cols.drag_c, cols.wind

    def f(s, z):
        y, vx, vy = z[:n], z[n:2 * n], z[2 * n:]
        ur = vx - W
        sp = np.sqrt(ur * ur + vy * vy)
        kap = c * sp if factor is None else c * sp * factor(sp, y)
        k = D / vx  # dx/ds / vx
        return np.concatenate([vy * k, -kap * ur * k, (-g - kap * vy) * k])

    z0 = np.concatenate([cols.launch_height, v * np.cos(theta), v * np.sin(theta)])
    sol = solve_ivp(f, (0.0, 1.0), z0, method="DOP853", rtol=1e-12, atol=1e-12)
    return sol.y[:n, -1]


def reference_impacts_3d(cols, theta, azimuth, v, crosswind):
    """(y, z) at x = distance for every target by DOP853 (rtol 1e-12), as `reference_heights`
    in 3-D: quadratic drag on the velocity relative to the wind (wind, 0, crosswind)."""
    from scipy.integrate import solve_ivp

    n = cols.size
    D, g, c, W = cols.distance, cols.gravity, cols.drag_c, cols.wind

    def f(s, q):
        y, z, vx, vy, vz = (q[i * n:(i + 1) * n] for i in range(5))
        ur, wr = vx - W, vz - crosswind
        kap = c * np.sqrt(ur * ur + vy * vy + wr * wr)
        k = D / vx
        return np.concatenate([vy * k, vz * k, -kap * ur * k, (-g - kap * vy) * k,
                               -kap * wr * k])

    ce = np.cos(theta)
    q0 = np.concatenate([cols.launch_height, np.zeros(n), v * ce * np.cos(azimuth),
                         v * np.sin(theta), v * ce * np.sin(azimuth)])
    sol = solve_ivp(f, (0.0, 1.0), q0, method="DOP853", rtol=1e-12, atol=1e-12)
    return sol.y[:n, -1], sol.y[n:2 * n, -1]


def report(solver, t, ratio, cols, r, y, steps=False, z=None) -> None:
    miss = np.abs(y - cols.target_height) / cols.distance
    if z is not None:
        miss = np.maximum(miss, np.abs(z - cols.target_offset) / cols.distance)
    ok = r.converged & (miss <= 1e-6)
    extra = f"; RK4 steps median {np.median(r.steps):.0f}, max {r.steps.max()}" if steps else ""
    print(f"  {solver:6s} {t * 1e3:7.1f} ms = {t / cols.size * 1e6:5.2f} us/target ({ratio}); "
          f"{ok.sum()}/{cols.size} converged with true miss <= 1e-6 x distance "
          f"(max {miss.max():.1e}); iterations median {np.median(r.iterations):.0f}, "
          f"max {r.iterations.max()}{extra}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rss", action="store_true", help="also measure 1,000,000 lines' peak RSS")
    args = ap.parse_args()

    from cannon_cli.aim.driver import solve_columns
    from cannon_cli.physics.columns import Columns

    rng = np.random.default_rng(0)
    D = rng.uniform(50.0, 550.0, 10_000)
    cols = Columns.of(D, velocity=150.0, drag="quadratic")
    solve_columns(cols.take(slice(0, 10)))
    print("10,000 quadratic-drag targets, 50-550 m at 150 m/s (budget 100 ms, 10 us/target):")
    quadratic = {}
    for solver in ("newton", "lbfgs"):
        t = quadratic[solver] = median_time(lambda: solve_columns(cols, solver=solver),
                                            args.repeat)
        r = solve_columns(cols, solver=solver)
        y = reference_heights(cols, np.radians(r.angle_deg), r.velocity_mps)
        report(solver, t, f"{t / 0.1:4.2f} x budget", cols, r, y)

    bc_308 = 0.223 * 0.45359237 / 0.0254 ** 2
    cases = (
        ("the same targets, G7 drag (1 kg, 10 cm ball), constant air", cols.distance,
         dict(velocity=150.0, drag="g7"), False),
        ("the same targets, G7 drag (1 kg, 10 cm ball), ICAO air", cols.distance,
         dict(velocity=150.0, drag="g7", atmosphere="icao"), True),
        (".308, G7 BC 0.223, 792.48 m/s, 100-1000 m, ICAO air",
         rng.uniform(100.0, 1000.0, 10_000),
         dict(velocity=792.48, drag="g7", ballistic_coefficient=bc_308, atmosphere="icao"), True),
    )
    for title, distances, physics, icao in cases:
        g7 = Columns.of(distances, **physics)
        solve_columns(g7.take(slice(0, 10)))
        print(f"10,000 targets, {title}:")
        for solver in ("newton", "lbfgs"):
            t = median_time(lambda: solve_columns(g7, solver=solver), args.repeat)
            r = solve_columns(g7, solver=solver)
            y = reference_heights(g7, np.radians(r.angle_deg), r.velocity_mps, _g7_air(icao))
            report(solver, t, f"{t / quadratic[solver]:4.2f} x quadratic", g7, r, y,
                   steps=True)

    wind3 = Columns.of(cols.distance, velocity=150.0, drag="quadratic", crosswind=5.0)
    solve_columns(wind3.take(slice(0, 10)))
    print("the same 10,000 quadratic-drag targets in 3-D, 5 m/s crosswind (bar: 2 x 2-D):")
    for solver in ("newton", "lbfgs"):
        t = median_time(lambda: solve_columns(wind3, solver=solver), args.repeat)
        r = solve_columns(wind3, solver=solver)
        y, z = reference_impacts_3d(wind3, np.radians(r.angle_deg), np.radians(r.azimuth_deg),
                                    r.velocity_mps, 5.0)
        report(solver, t, f"{t / quadratic[solver]:4.2f} x 2-D", wind3, r, y, steps=True, z=z)

    big = Columns.of(rng.uniform(10.0, 1000.0, 1_000_000), velocity=120.0)
    # the first call also faults in the pages of its answers (~70 MB), which later calls
    # reuse: timed apart
    first = median_time(lambda: solve_columns(big, solver="newton"), 1)
    t = median_time(lambda: solve_columns(big, solver="newton"), args.repeat)
    r = solve_columns(big, solver="newton")
    print(f"1,000,000 vacuum targets (issue 12's bar: 0.1 s): {t:.3f} s = {t:.3f} us/target "
          f"({t / 0.1:.2f} x bar; the first call {first:.3f} s); {r.converged.sum()} solved, "
          f"{(~r.converged).sum()} out of reach")

    cannon = shutil.which("cannon")
    if cannon is None:
        sys.exit("install the project first: pip install .")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "targets.ndjson"
        path.write_text("".join(json.dumps({"distance_m": float(d), "velocity_mps": 150.0,
                                            "drag": "quadratic"}) + "\n" for d in D))
        cmd = [cannon, "solve", "--input", str(path), "--nl"]
        t = median_time(lambda: subprocess.run(cmd, capture_output=True, check=False),
                   max(3, args.repeat // 2))
        print(f"whole process, cannon solve --input targets.ndjson --nl, 10,000 targets "
              f"(budget 1.5 s): {t:.2f} s ({t / 1.5:.2f} x budget)")
        if args.rss:
            big_path = Path(tmp) / "million.ndjson"
            with big_path.open("w") as f:
                for d in rng.uniform(10.0, 1000.0, 1_000_000):
                    f.write(f'{{"distance_m": {d:.3f}, "velocity_mps": 120}}\n')
            # a fresh parent whose only child is the run, so the peak RSS is that run's alone
            probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], "
                     "stdout=subprocess.DEVNULL, check=False); "
                     "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", probe, cannon, "solve", "--input",
                                  str(big_path), "--nl", "-q"], capture_output=True, text=True)
            rss = int(out.stdout.strip()) / 1024
            print(f"1,000,000 NDJSON lines streamed: {time.perf_counter() - t0:.1f} s, peak RSS "
                  f"{rss:.0f} MiB")


if __name__ == "__main__":
    main()
