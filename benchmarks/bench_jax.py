"""cannon's batch solver against JAX jit+vmap running the same algorithm (issue 12: speed).

    python benchmarks/bench_jax.py [--repeat N] [--n N] [--no-3d]

Installs nothing: the JAX side runs when ``import jax`` works, and says it is skipped when not
(`pip install jax` in a venv of your own; JAX is no dependency of cannon).

The batch: N fixed-speed targets (default 10,000), distance uniform in 50-550 m
(``np.random.default_rng(0)``), 150 m/s, quadratic drag with cannon's default projectile (1 kg,
10 cm, Cd 0.47, 1.225 kg/m^3: c read from ``Columns.params``), no wind, low arc, tolerance
1e-12; and the same targets in 3-D with a 5 m/s crosswind (elevation and azimuth unknown).

cannon: ``aim.driver.solve_columns(Columns.of(D, velocity=150, drag="quadratic"),
solver="newton")`` (numpy, derivatives through autograd's primitive over hand-derived RK4
tangents in 2-D, `physics/fused.py` in 3-D).

JAX: the same algorithm written here in jax.numpy, one target at a time, ``jax.vmap`` over the
targets and ``jax.jit``, float64:

- the start of `aim/start.py`: the vacuum angle with the effective gravity of quadratic drag,
  three rounds, clipped to 90 deg - 1e-9 rad; RK4 steps by `physics/steps.for_launch`;
- the feasibility pass of `aim/group.py` (one value integration at half the steps; the angle
  halved while the shot does not get there); in 3-D the azimuth of `Group.aim_across` (one
  3-D integration at half the steps);
- the state (y, vx, vy, t), in 3-D (y, z, vx, vy, vz, t), integrated in x by classical RK4
  over the same mesh; dv/dt = -g y^ - c |v_rel| v_rel, v_rel = v - (0, 0, crosswind); a shot
  whose vx does not stay positive is NaN;
- Newton on the scaled residual F = (y(D) - H) / D (3-D: and (z(D) - Z) / D) with the exact
  derivative of the discrete map (``jax.jacfwd``: forward mode), clipped to the same bounds,
  the same backtracking line search (accept a step if the loss falls by 1e-4 t, else halve,
  at most 21 times, none below the rounding of z), stop at max |F| <= 1e-12, a problem whose
  loss has not halved in 8 iterations stalls, at most 50 iterations (``lax.while_loop``);
- the measurement at the answer: the end state with the apex (the cubic Hermite maximum of
  `physics/core.hermite_max`) and dy/dtheta (the arc check), and y (3-D: y and z) again with
  half the steps, for Richardson's error estimate (`physics/steps.error`, with a quarter of the
  steps from 64 on);
- the refinement of `Group._refine`: a converged answer whose estimated error exceeds 1e-7 x D
  is solved again from there, on a graded mesh where it stalls, else with the steps that
  `steps.refined` asks for, with `Unknowns.arc_bounds`; the selection between rounds runs on
  the host, each round a jitted vmapped call on the rows it needs (padded to a multiple of an
  eighth of the next power of two, so that the compiled shapes repeat); in 3-D the drift at
  azimuth 0 at the end.

Left out on the JAX side: the bracketed searches of `aim/reach.py` (only for failures: the
script reports how many problems would need them), `solvers.settle` and the work budget (no
problem here comes near either), and cannon's reporting (messages, statuses, unit conversions).
JAX's line search takes the Jacobian with every trial (forward mode gives it with the value);
cannon's evaluates the residual alone and takes the Jacobian at the point accepted.

Both sides are timed from numpy arrays in to numpy answers out, alternately, ``--repeat`` times
each; JAX after compilation (the compile time printed apart; ``block_until_ready`` before the
clock stops). Printed: medians of wall and of CPU time (``time.process_time``, all the
process's threads: on a shared machine it is the steadier figure), per target, the ratio
cannon / JAX, the largest differences of the answers (the same work: the angles agree to
~1e-12 rad), and the load average.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time

import numpy as np

#: cannon's constants, copied (the JAX side must not call cannon's numerics):
#: aim/reach.LIMIT, aim/unknowns.AZIMUTH_LIMIT, optim/solvers (newton), aim/group, physics/steps
LIMIT = 0.5 * math.pi - 1e-9
AZIMUTH_LIMIT = 1.2
TOL = 1e-12
MAX_ITER, LINE_SEARCH, STALL_ITERATIONS = 50, 21, 8
ACCURACY, PROMISE, STALL = 1e-7, 1e-6, 0.25
MIN_STEPS, MAX_STEPS, START_STEPS = 16, 4096, 128
RICHARDSON, OBSERVED_ORDER_RATIO = 15.0, 8.0
EPS4 = 4 * np.finfo(float).eps

SKIP = "jax is not importable: the JAX side is skipped (pip install jax)"


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(fn):
    """(wall s, CPU s, result) of one call."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


# --------------------------------------------------------------------------------------------
# The JAX side
# --------------------------------------------------------------------------------------------

def make_jax_solver(three: bool):
    """A function (inputs dict of numpy arrays) -> dict of numpy answers, and a dict that
    collects the compile times (wall s, CPU s) by compiled function."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    jax.config.update("jax_enable_x64", True)
    k = 2 if three else 1  # unknowns: elevation [, azimuth]
    # a target's inputs, in this order: D, v, c, g, wind, crosswind, h0, H, Z, high (0/1)
    NAMES = ("D", "v", "c", "g", "wind", "crosswind", "h0", "H", "Z", "high")

    # -- the physics: rates in x, RK4 --------------------------------------------------------
    def rates(s, p):
        if three:
            _, _, u, w, vz, _ = s
        else:
            _, u, w, _ = s
        ur = u - p["wind"]
        sq = ur * ur + w * w
        if three:
            wr = vz - p["crosswind"]
            sq = sq + wr * wr
        nk = -p["c"] * jnp.sqrt(sq)
        iu = 1.0 / u
        if three:
            return (w * iu, vz * iu, nk * ur * iu, (nk * w - p["g"]) * iu, nk * wr * iu, iu)
        return (w * iu, nk * ur * iu, (nk * w - p["g"]) * iu, iu)

    VX, VY = (2, 3) if three else (1, 2)

    def mesh(p, steps, grading):
        """The step lengths (`model.Params.mesh`): even, or graded where grading < 1."""
        lq = jnp.log(jnp.clip(grading, 1e-12, 1.0))
        i = jnp.arange(steps + 1)
        graded = jnp.expm1(i * lq / steps) / jnp.expm1(jnp.where(lq < 0, lq, -1.0))
        frac = jnp.where(lq < 0, graded, i / steps)
        return jnp.diff(frac) * p["D"]

    def hermite_max(y0, m0, y1, m1, h):
        a = 6 * (y0 - y1) + 3 * h * (m0 + m1)
        b = -6 * (y0 - y1) - h * (4 * m0 + 2 * m1)
        c = h * m0
        disc = jnp.sqrt(jnp.maximum(b * b - 4 * a * c, 0.0))
        q = -0.5 * (b + jnp.copysign(disc, b))
        r1, r2 = q / a, c / q
        t = jnp.where((r1 >= 0) & (r1 <= 1), r1, r2)
        t = jnp.where(jnp.abs(a) < 1e-14 * (jnp.abs(b) + jnp.abs(c)), -c / b, t)
        t = jnp.clip(jnp.nan_to_num(t, nan=0.5), 0.0, 1.0)
        h00, h10 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t
        h01, h11 = -2 * t**3 + 3 * t**2, t**3 - t**2
        return jnp.maximum(h00 * y0 + h10 * h * m0 + h01 * y1 + h11 * h * m1,
                           jnp.maximum(y0, y1))

    def fly(theta, az, p, steps, grading, apex=False):
        """(end state, apex) of one shot: RK4 over the mesh; NaN where vx does not stay > 0."""
        ce, v = jnp.cos(theta), p["v"]
        zero = 0.0 * theta
        if three:
            s = (p["h0"] + zero, zero, v * ce * jnp.cos(az), v * jnp.sin(theta),
                 v * ce * jnp.sin(az), zero)
        else:
            s = (p["h0"] + zero, v * ce, v * jnp.sin(theta), zero)
        # an even mesh (the first pass: grading 1, a number) needs no table of steps
        hs = None if isinstance(grading, float) else mesh(p, steps, grading)

        def step(i, carry):
            s, umin, top = carry
            h = p["D"] / steps if hs is None else hs[i]
            half = 0.5 * h
            k1 = rates(s, p)
            k2 = rates(tuple(a + half * b for a, b in zip(s, k1)), p)
            k3 = rates(tuple(a + half * b for a, b in zip(s, k2)), p)
            k4 = rates(tuple(a + h * b for a, b in zip(s, k3)), p)
            new = tuple(a + (b1 + 2.0 * (b2 + b3) + b4) * (h / 6.0)
                        for a, b1, b2, b3, b4 in zip(s, k1, k2, k3, k4))
            umin = jnp.minimum(umin, new[VX])
            if apex:
                s0, s1 = s[VY] / s[VX], new[VY] / new[VX]
                cross = (s0 > 0) & ~(s1 > 0)
                top = jnp.where(cross, jnp.maximum(top, hermite_max(
                    s[0], s0, new[0], s1, h)), top)
            return new, umin, top

        s, umin, top = lax.fori_loop(0, steps, step, (s, s[VX], s[0]))
        bad = ~(umin > 0) | ~jnp.all(jnp.isfinite(jnp.stack(s)))
        s = tuple(jnp.where(bad, jnp.nan, a) for a in s)
        top = jnp.where(bad, jnp.nan, jnp.maximum(top, s[0]))
        return s, top

    # -- the residual and Newton -------------------------------------------------------------
    def residual(zv, p, steps, grading):
        s, _ = fly(zv[0], zv[1] if three else 0.0, p, steps, grading)
        miss = [(s[0] - p["H"]) / p["D"]]
        if three:
            miss.append((s[1] - p["Z"]) / p["D"])
        return jnp.stack(miss)

    def loss(f):
        out = 0.5 * jnp.sum(f * f)
        return jnp.where(jnp.isfinite(out), out, jnp.inf)

    def done(f):
        return jnp.all(jnp.abs(f) <= TOL)

    def newton_step(f, j):
        if k == 1:
            good = jnp.isfinite(j[0, 0]) & (jnp.abs(j[0, 0]) > 1e-300)
            step = -f / jnp.where(good, j[0, 0], 1.0)
        else:
            det = j[0, 0] * j[1, 1] - j[0, 1] * j[1, 0]
            good = jnp.all(jnp.isfinite(j)) & (jnp.abs(det) > 1e-300)
            inv = jnp.array([[j[1, 1], -j[0, 1]], [-j[1, 0], j[0, 0]]]) / jnp.where(
                good, det, 1.0)
            step = -inv @ f
        step = jnp.where(good, step, jnp.nan)
        # singular Jacobian: the steepest-descent direction
        return jnp.where(jnp.all(jnp.isfinite(step)), step, -(j.T @ f))

    def newton(z0, lo, hi, p, steps, grading):
        """`optim.solvers.newton` for one problem: (z, converged, iterations)."""
        def fj(zv):
            f = residual(zv, p, steps, grading)
            return f, f
        fj = jax.jacfwd(fj, has_aux=True)  # (J, F) from one forward pass

        z = jnp.clip(z0, lo, hi)
        j, f = fj(z)
        conv = done(f)

        def cond(c):
            return c["active"] & (c["it"] < MAX_ITER)

        def body(c):
            z, f, j = c["z"], c["f"], c["j"]
            it = c["it"] + 1
            l0 = loss(f)
            step = newton_step(f, j)
            scale = EPS4 * jnp.maximum(jnp.abs(z), 1.0)
            tiny = jnp.all(jnp.abs(step) <= scale)

            def ls_cond(s):
                return ~s["ok"] & ~s["quit"] & (s["n"] < LINE_SEARCH)

            def ls_body(s):
                zz = jnp.clip(z + s["t"] * step, lo, hi)
                jj, ff = fj(zz)
                new = loss(ff)
                ok = jnp.isfinite(new) & ((new <= (1.0 - 1e-4 * s["t"]) * l0) | done(ff))
                t = jnp.where(ok, s["t"], 0.5 * s["t"])
                small = jnp.all(jnp.abs(t * step) <= scale)
                return dict(t=t, n=s["n"] + 1, ok=ok, quit=~ok & small, z=zz, f=ff, j=jj)

            s = lax.while_loop(ls_cond, ls_body, dict(
                t=jnp.ones(()), n=jnp.zeros((), int), ok=jnp.zeros((), bool), quit=tiny,
                z=z, f=f, j=j))
            ok = s["ok"]
            z, f, j = (jnp.where(ok, s[n], c[n]) for n in ("z", "f", "j"))
            conv = done(f)
            now = loss(f)
            halved = now <= 0.5 * c["mark"]
            mark = jnp.where(halved, now, c["mark"])
            since = jnp.where(halved, 0, c["since"] + 1)
            active = ~conv & ok & (since < STALL_ITERATIONS)
            return dict(z=z, f=f, j=j, it=it, conv=conv, active=active, mark=mark, since=since)

        c = lax.while_loop(cond, body, dict(
            z=z, f=f, j=j, it=jnp.zeros((), int), conv=conv, active=~conv, mark=loss(f),
            since=jnp.zeros((), int)))
        return c["z"], c["conv"], c["it"]

    # -- one problem's passes ----------------------------------------------------------------
    def start(p):
        """`aim/start.angle_for_speed` for quadratic drag, and `steps.for_launch`."""
        x, v, g, dy = p["D"], p["v"], p["g"], p["H"] - p["h0"]
        theta = 0.0 * x
        for _ in range(3):
            a = p["c"] * x * (1.0 + 1.0 / jnp.cos(theta))
            big = (jnp.expm1(a) - a) / (0.5 * a * a)
            small = 1.0 + a / 3.0 + a * a / 12.0
            ge = g * jnp.where(a > 1e-3, big, small)
            disc = v ** 4 - ge * (ge * x * x + 2.0 * dy * v * v)
            root = jnp.sqrt(jnp.maximum(disc, 0.0))
            th = jnp.arctan((v * v + jnp.where(p["high"] > 0, 1.0, -1.0) * root) / (ge * x))
            th = jnp.where(disc >= 0, th, jnp.nan)
            theta = jnp.where(jnp.isnan(th), jnp.pi / 4 + 0.5 * jnp.arctan2(dy, x), th)
        theta = jnp.clip(theta, -LIMIT, LIMIT)
        slope = jnp.maximum(1.0, 2.0 * jnp.abs(jnp.tan(jnp.nan_to_num(theta, nan=0.8))))
        steps = jnp.clip(MIN_STEPS * 2 ** jnp.ceil(jnp.log2(slope)), MIN_STEPS, START_STEPS)
        return theta, steps.astype(int)

    def measure(theta, az, p, steps, grading):
        """`Group.measure`: the end state, apex, dy/dtheta, and the Richardson error of y
        (and z)."""
        f = lambda th: fly(th, az, p, steps, grading, apex=True)
        s, ds, top = jax.jvp(f, (theta,), (jnp.ones_like(theta),), has_aux=True)
        half, _ = fly(theta, az, p, max(steps // 2, 1), grading)
        quarter = fly(theta, az, p, steps // 4, grading)[0] if steps >= 64 else None

        def error(i):
            d = s[i] - half[i]
            est = d / RICHARDSON
            if quarter is None:
                return est
            r = (half[i] - quarter[i]) / d
            observed = jnp.where(r > 2.0, d / (r - 1.0), d)
            slow = ~(r >= OBSERVED_ORDER_RATIO) & (d != 0)
            return jnp.where(slow & (jnp.abs(observed) > jnp.abs(est)), observed, est)

        return dict(end=jnp.stack(s), top=top, slope=ds[0], error=error(0),
                    error_z=error(1) if three else 0.0 * theta)

    def pack(theta, az):
        return jnp.stack([theta, az]) if three else theta[None]

    def first(p, theta, steps):
        """From the start: feasibility, (3-D) the azimuth, Newton, the measurement."""
        half = max(steps // 2, 1)
        zero = 0.0 * theta

        def cond(c):
            th, n = c
            y = fly(th, zero, p, half, 1.0)[0][0]
            return ~jnp.isfinite(y) & (n < 40)

        theta, _ = lax.while_loop(cond, lambda c: (0.5 * c[0], c[1] + 1), (theta, 0))
        az = zero
        if three:
            az = jnp.arctan2(p["Z"], p["D"])
            zd = fly(theta, az, p, half, 1.0)[0][1]
            tan = jnp.tan(az) - jnp.clip((zd - p["Z"]) / p["D"], -0.1, 0.1)
            az = jnp.where(jnp.isfinite(tan), jnp.arctan(tan), az)
        lo = pack(-LIMIT + zero, -AZIMUTH_LIMIT + zero)
        hi = pack(LIMIT + zero, AZIMUTH_LIMIT + zero)
        z, conv, it = newton(pack(theta, az), lo, hi, p, steps, 1.0)
        theta, az = z[0], z[1] if three else zero
        return dict(theta=theta, az=az, conv=conv, it=it, **measure(theta, az, p, steps, 1.0))

    def again(p, theta, az, grading, steps):
        """A refinement: Newton from the answer within the arc's bounds, the measurement."""
        high = p["high"] > 0
        lo_a = jnp.maximum(jnp.where(high, theta - 0.05, -LIMIT), -LIMIT)
        hi_a = jnp.minimum(jnp.where(high, LIMIT, theta + 0.05), LIMIT)
        one = 1.0 + 0.0 * theta
        z, conv, it = newton(pack(theta, az), pack(lo_a, -AZIMUTH_LIMIT * one),
                             pack(hi_a, AZIMUTH_LIMIT * one), p, steps, grading)
        theta, az = z[0], z[1] if three else az
        return dict(theta=theta, az=az, conv=conv, it=it,
                    **measure(theta, az, p, steps, grading))

    def drift(p, theta, grading, steps):
        return fly(theta, 0.0 * theta, p, steps, grading)[0][1]

    # the same on an even mesh, where every row's grading is 1 (a number: no table of steps)
    again_even = lambda p, theta, az, steps: again(p, theta, az, 1.0, steps)
    drift_even = lambda p, theta, steps: drift(p, theta, 1.0, steps)

    compiled: dict = {}
    compile_s: dict = {}

    def call(name, fn, steps, *args):
        """``fn`` vmapped and jitted for ``steps`` and the arguments' shapes; compiled once
        (ahead of time, timed apart)."""
        key = (name, steps, args[0]["D"].shape[0])
        if key not in compiled:
            f = jax.jit(jax.vmap(lambda *a: fn(*a, steps) if steps else fn(*a)))
            w, c, compiled[key] = timed(lambda: f.lower(*args).compile())
            compile_s[key] = (w, c)
        return compiled[key](*args)

    def padded(rows, n):
        """``rows`` padded (with its first row) to a multiple of an eighth of the next power
        of two, so that the compiled shapes repeat (at most 1/8 wasted), unless it is all of
        them."""
        if rows.size == n:
            return rows
        grain = max(8, 1 << max((rows.size - 1).bit_length() - 3, 0))
        size = -(-rows.size // grain) * grain
        return np.concatenate([rows, np.full(size - rows.size, rows[0])])

    def solve(inputs):
        n = inputs["D"].shape[0]
        dev = {name: jnp.asarray(inputs[name], dtype=float) for name in NAMES}
        theta0, steps0 = (np.asarray(a) for a in call("start", start, 0, dev))
        out = dict(theta=np.full(n, np.nan), az=np.zeros(n), conv=np.zeros(n, bool),
                   it=np.zeros(n, int), end=np.full((6 if three else 4, n), np.nan),
                   top=np.full(n, np.nan), slope=np.full(n, np.nan),
                   error=np.full(n, np.nan), error_z=np.zeros(n), steps=steps0.copy(),
                   grading=np.ones(n))

        def inputs_of(rows):
            """The device inputs of ``rows`` (padded), and a function that takes a numpy
            column's entries of the same rows to the device."""
            if rows.size == n:  # all of them: no copies
                return dev, jnp.asarray
            rows_p = padded(rows, n)
            return {key: dev[key][rows_p] for key in NAMES}, lambda a: jnp.asarray(a[rows_p])

        def run(name, fn, rows, steps, *extra):
            p, take = inputs_of(rows)
            res = call(name, fn, steps, p, *(take(a) for a in extra))
            jax.block_until_ready(res)
            m = rows.size
            for key, val in res.items():
                val = np.asarray(val)
                if key == "end":
                    out[key][:, rows] = val[:m].T
                elif key == "it":
                    out[key][rows] += val[:m]
                else:
                    out[key][rows] = val[:m]
            out["steps"][rows] = steps

        for s in np.unique(steps0):
            rows = np.flatnonzero(steps0 == s)
            run("first", first, rows, int(s), theta0)
        for _ in range(14):  # Group._refine
            ok = np.flatnonzero(out["conv"])
            redo = ok[~(np.abs(out["error"][ok]) <= ACCURACY * inputs["D"][ok])
                      & (out["steps"][ok] < MAX_STEPS)]
            if not redo.size:
                break
            q = out["end"][VX, redo] / (inputs["v"][redo] * np.cos(out["theta"][redo]))
            grade = (out["grading"][redo] == 1.0) & (q < STALL) & (q > 0)
            with np.errstate(all="ignore"):
                ratio = np.abs(out["error"][redo]) / (ACCURACY * inputs["D"][redo])
                factor = 2.0 ** np.ceil(np.log2(np.nan_to_num(ratio, nan=16.0) ** 0.25))
            more = np.minimum(out["steps"][redo] * np.clip(factor, 2, 16), MAX_STEPS)
            steps = np.where(grade, out["steps"][redo], more).astype(int)
            out["grading"][redo[grade]] = q[grade]
            for s in np.unique(steps):
                rows = redo[steps == s]
                if (out["grading"][rows] == 1.0).all():
                    run("again", again_even, rows, int(s), out["theta"], out["az"])
                else:
                    run("again graded", again, rows, int(s), out["theta"], out["az"],
                        out["grading"])
        # at the most steps the estimated error may still exceed the promise
        out["conv"] &= np.abs(out["error"]) <= PROMISE * inputs["D"]
        if three:
            out["drift"] = np.full(n, np.nan)
            for s in np.unique(out["steps"]):
                rows = np.flatnonzero(out["steps"] == s)
                rows_p = padded(rows, n)
                p, take = inputs_of(rows)
                th, q = take(out["theta"]), out["grading"][rows_p]
                d = (call("drift", drift_even, int(s), p, th) if (q == 1.0).all()
                     else call("drift graded", drift, int(s), p, th, jnp.asarray(q)))
                out["drift"][rows] = np.asarray(d.block_until_ready())[:rows.size]
        # the arc check of `Angle.examine`: a low-arc answer rises through the target
        out["wrong_arc"] = np.where(inputs["high"] > 0, ~(out["slope"] < 0),
                                    ~(out["slope"] > 0))
        return out

    return solve, compile_s


# --------------------------------------------------------------------------------------------

def compare(r, out, three: bool) -> list:
    """Lines comparing cannon's results ``r`` with the JAX answers ``out``."""
    th = np.radians(r.angle_deg)
    d_th = np.abs(out["theta"] - th)
    lines = [f"max |angle difference| {np.nanmax(d_th):.2e} rad (median {np.nanmedian(d_th):.1e})"]
    if three:
        d_az = np.abs(out["az"] - np.radians(r.azimuth_deg))
        lines[0] += f", max |azimuth difference| {np.nanmax(d_az):.2e} rad"
        d_drift = np.abs(out["drift"] - r.drift_m)
        lines.append(f"max |drift difference| {np.nanmax(d_drift):.1e} m")
    lines.append(
        f"RK4 steps equal for {(out['steps'] == r.steps).sum()}/{r.steps.size} "
        f"(cannon {_counts(r.steps)}; JAX {_counts(out['steps'])}); iterations equal for "
        f"{(out['it'] == r.iterations).sum()} (cannon {_counts(r.iterations)}; "
        f"JAX {_counts(out['it'])})")
    lines.append(
        f"converged: cannon {r.converged.sum()}, JAX {out['conv'].sum()} (JAX answers on the "
        f"wrong arc, which cannon would search: {(out['wrong_arc'] & out['conv']).sum()}); "
        f"max |flight time difference| "
        f"{np.nanmax(np.abs(out['end'][5 if three else 3] - r.flight_time_s)):.1e} s, "
        f"apex {np.nanmax(np.abs(out['top'] - r.apex_height_m)):.1e} m")
    return lines


def _counts(a) -> str:
    values, counts = np.unique(a, return_counts=True)
    return ", ".join(f"{v}: {c}" for v, c in zip(values, counts))


def run_case(title: str, cols, three: bool, repeat: int, have_jax: bool) -> None:
    """Time cannon and (if it is importable) JAX on ``cols``, alternately, and compare."""
    from cannon_cli.aim.driver import solve_columns

    n = cols.size
    solve_columns(cols.take(slice(0, 10)), solver="newton")  # imports, first calls
    p = cols.params(16)
    print(f"\n{title} (c = {p.drag_c[0]:.6g} 1/m from Columns.params):")
    sides = {"cannon": lambda: solve_columns(cols, solver="newton")}
    if have_jax:
        inputs = dict(D=p.distance, v=cols.velocity_mps, c=p.drag_c, g=p.gravity, wind=p.wind,
                      crosswind=np.zeros(n) if cols.crosswind is None else cols.crosswind,
                      h0=p.launch_height, H=cols.target_height,
                      Z=np.zeros(n) if cols.target_offset is None else cols.target_offset,
                      high=cols.high.astype(float))
        solve_jax, compile_s = make_jax_solver(three)
        w, c, _ = timed(lambda: solve_jax(inputs))
        cw, cc = (sum(v[i] for v in compile_s.values()) for i in (0, 1))
        each = ", ".join(f"{k[0]}" + (f" {k[1]} steps" if k[1] else "")
                         + f" x{k[2]} {v[1]:.1f} s" for k, v in compile_s.items())
        print(f"  JAX first call {w:.2f} s wall / {c:.2f} s CPU, of which compiling "
              f"{cw:.2f} s wall / {cc:.2f} s CPU ({len(compile_s)} functions, CPU: {each})")
        sides["jax"] = lambda: solve_jax(inputs)
    times = {k: ([], []) for k in sides}
    answers = {}
    for _ in range(repeat):
        for k, fn in sides.items():
            w, c, answers[k] = timed(fn)
            times[k][0].append(w)
            times[k][1].append(c)
    med = {k: (statistics.median(v[0]), statistics.median(v[1])) for k, v in times.items()}
    for k, (w, c) in med.items():
        print(f"  {k:6s} wall {w * 1e3:7.1f} ms = {w / n * 1e6:6.2f} us/target;  "
              f"CPU {c * 1e3:7.1f} ms = {c / n * 1e6:6.2f} us/target")
    if have_jax:
        (wc, cc), (wj, cj) = med["cannon"], med["jax"]
        print(f"  cannon / JAX: {wc / wj:.2f} x (wall), {cc / cj:.2f} x (CPU); "
              f"issue 12's bar: <= 1.0")
        for line in compare(answers["cannon"], answers["jax"], three):
            print("  " + line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--no-3d", action="store_true", help="only the 2-D batch")
    args = ap.parse_args()

    from cannon_cli.physics.columns import Columns

    try:
        import jax
        have_jax = True
    except ImportError:
        have_jax = False

    n = args.n
    D = np.random.default_rng(0).uniform(50.0, 550.0, n)
    print(f"cannon's batch solver (solve_columns, newton) against JAX jit+vmap running the\n"
          f"same algorithm, written in this script: {n:,} fixed-speed targets, 50-550 m at\n"
          f"150 m/s, quadratic drag, tolerance 1e-12; the same start, RK4 in x, Newton with the\n"
          f"exact derivative and line search, Richardson check and refinement (the docstring\n"
          f"says what differs). Medians of {args.repeat} alternating runs from numpy in to numpy\n"
          f"out, wall and CPU (process_time, all threads); {load()}.\n"
          f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs")
    if have_jax:
        print(f"jax {jax.__version__} on {jax.devices()[0].platform}, float64")
    else:
        print(SKIP)
    run_case("2-D", Columns.of(D, velocity=150.0, drag="quadratic"), False, args.repeat,
             have_jax)
    if not args.no_3d:
        run_case("3-D, 5 m/s crosswind",
                 Columns.of(D, velocity=150.0, drag="quadratic", crosswind=5.0), True,
                 args.repeat, have_jax)
    print(f"\n{load()}")
    if not have_jax:
        print(SKIP)


if __name__ == "__main__":
    main()
