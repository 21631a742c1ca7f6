"""Reach: bracketed searches on the model that decide what a target needs, in every regime.

The solvers descend from a start and can stall: near the vertical, into a headwind, where the
shot only just reaches the target distance. What the physics allows is decided here instead, by
searches that cannot miss a solution that exists, all on the same model (`model.integrate`) with
first derivatives by the complex step:

- `top_angle`: at a fixed speed, the angle that passes x = D highest. The height there,
  h(theta) = y(D) - y_target, rises from -inf (the shot falls short, steep down) to its top and
  falls to -inf again (steep up); a scan over angles that reaches a hair below +-90° brackets
  the top, and a safeguarded secant on dh/dtheta refines it.
- `arc_root`: the angle on one side of the top where h = 0, by Newton's method kept inside its
  bracket (bisection when a step leaves it or lands where the shot falls short).
- `speed_root`: at a fixed angle, the lowest speed that hits, from a scan over speeds on a
  logarithmic grid (no cap: the scan goes to 2^40 sqrt(g D)) and the same safeguarded Newton.
- `minimum_speed`: the speed whose top just reaches the target, by bisection and secant on
  v -> top height at v (increasing in v).

Every function is vectorised over the rows of a `loss.Batch`; NaN marks "no answer" per row.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..physics.model import Y, integrate, vacuum
from .loss import Batch

#: The steepest an unknown angle may be, up or down (rad): a hair below the vertical.
LIMIT = 0.5 * math.pi - 1e-9
#: Angles scanned for the top: every 2° and, towards +-90°, 90° - 10^-k° (k = 0.5 ... 7).
_NEAR_VERTICAL = 0.5 * math.pi - np.radians(10.0 ** -np.arange(0.5, 7.01, 0.5))
ANGLE_GRID = np.unique(np.clip(np.concatenate([
    np.radians(np.arange(-88.0, 88.1, 2.0)), _NEAR_VERTICAL, -_NEAR_VERTICAL]), -LIMIT, LIMIT))
#: Speeds scanned at a fixed angle, in units of sqrt(g D): 2^(k/2), k = -40 ... 80.
SPEED_GRID = 2.0 ** (np.arange(-40, 81) / 2.0)
#: Halvings of the speed in search of one that falls short, for the minimum-speed shot.
HALVINGS = 40
#: A crawl, in units of sqrt(g D): a shot that still reaches the target this slowly (carried by
#: the wind) has no least speed.
CRAWL = 1e-6
_H = 1e-60  # the complex step


def height(theta, v, b: Batch, wrt=None):
    """(h, dh/dz): h = y(D) - y_target (m) at angle theta (rad) and speed v (m/s), and its
    derivative with respect to the angle (``wrt`` 0) or the speed (1), or None. NaN where the
    shot does not reach x = D."""
    theta = np.asarray(theta, float)
    v = np.asarray(v, float)
    p = b.params
    if p.drag == "none":
        th = theta + 1j * _H if wrt == 0 else theta + 0j
        vv = v + 1j * _H if wrt == 1 else v + 0j
        with np.errstate(all="ignore"):
            y = np.asarray(vacuum(th, vv, p)[0])
            y = np.where((np.cos(theta) > 0) & (v > 0), y, np.nan)
        h = y.real - b.target_height
        return h, (None if wrt is None else y.imag / _H)
    if wrt is None:
        return integrate(theta, v, p)[0][Y] - b.target_height, None
    x, d1, _ = integrate(theta, v, p, order=1, dirs=(wrt,))
    return x[Y] - b.target_height, d1[Y, 0]


def resolved_height(theta, v, b: Batch, wrt=None):
    """`height`, NaN where the integration cannot be trusted: close to stalling before the
    distance a shot can come out finite but meaningless, which shows as a disagreement with
    half the steps (more than 1e-4 x distance, estimated)."""
    fine, d = height(theta, v, b, wrt)
    if b.params.drag == "none":
        return fine, d
    coarse = height(theta, v, b.with_steps(max(b.params.steps // 2, 1)))[0]
    ok = np.abs(fine - coarse) <= 15 * 1e-4 * b.params.distance
    return np.where(ok, fine, np.nan), (None if d is None else np.where(ok, d, np.nan))


def _repeat(b: Batch, count: int) -> Batch:
    return b.take(np.repeat(np.arange(b.size), count))


def top_angle(b: Batch, v, *, near=None):
    """(theta_top, h_top): per row, the angle (rad) at which speed v passes x = D highest, and
    how high relative to the target (m); NaN where no angle reaches x = D.

    ``near`` (rad, optional): a guess; a bracket of +-0.05 rad around it is tried first and the
    full scan made only where it does not hold the top."""
    n = b.size
    v = np.broadcast_to(np.asarray(v, float), (n,))
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    best = np.full(n, np.nan)
    h_best = np.full(n, -np.inf)
    todo = np.ones(n, dtype=bool)
    if near is not None:
        near = np.asarray(near, float)
        ok = np.isfinite(near)
        if ok.any():
            r = np.flatnonzero(ok)
            a = np.clip(near[r] - 0.05, -LIMIT, LIMIT)
            c = np.clip(near[r] + 0.05, -LIMIT, LIMIT)
            pts = np.stack([a, near[r], c], 1).ravel()
            h, g = height(pts, np.repeat(v[r], 3), _repeat(b.take(r), 3), 0)
            h, g = h.reshape(-1, 3), g.reshape(-1, 3)
            inside = (g[:, 0] > 0) & (g[:, 2] < 0) & np.isfinite(h[:, 1])
            rr = r[inside]
            lo[rr], hi[rr], best[rr], h_best[rr] = a[inside], c[inside], near[rr], h[inside, 1]
            todo[rr] = False
    rows = np.flatnonzero(todo)
    if rows.size:
        count = ANGLE_GRID.size
        hs = resolved_height(np.tile(ANGLE_GRID, rows.size), np.repeat(v[rows], count),
                             _repeat(b.take(rows), count))[0].reshape(rows.size, count)
        hs = np.where(np.isfinite(hs), hs, -np.inf)
        k = np.argmax(hs, axis=1)
        lo[rows] = ANGLE_GRID[np.maximum(k - 1, 0)]
        hi[rows] = ANGLE_GRID[np.minimum(k + 1, count - 1)]
        best[rows] = ANGLE_GRID[k]
        h_best[rows] = hs[np.arange(rows.size), k]
    found = np.isfinite(h_best)
    _refine_top(b, v, lo, hi, best, h_best, found)
    return np.where(found, best, np.nan), np.where(found, h_best, np.nan)


def _refine_top(b: Batch, v, lo, hi, best, h_best, active, iterations: int = 80):
    """Shrink [lo, hi] around the root of dh/dtheta (in place): a secant step where the ends'
    slopes are known and of opposite sign, else bisection; a point where the shot falls short
    lies beyond the feasible range, on the far side of the best angle seen."""
    g_lo = np.full(lo.shape, np.nan)
    g_hi = np.full(lo.shape, np.nan)
    rows = np.flatnonzero(active)
    for it in range(iterations):
        if not rows.size:
            return
        a, c = lo[rows], hi[rows]
        ga, gc = g_lo[rows], g_hi[rows]
        with np.errstate(all="ignore"):
            sec = (a * gc - c * ga) / (gc - ga)
        usable = np.isfinite(sec) & (ga > 0) & (gc < 0) & (it % 3 != 2)
        w = c - a
        m = np.where(usable, np.clip(sec, a + 0.01 * w, c - 0.01 * w), 0.5 * (a + c))
        h, g = height(m, v[rows], b.take(rows), 0)
        better = np.isfinite(h) & (h > h_best[rows])
        best[rows] = np.where(better, m, best[rows])
        h_best[rows] = np.where(better, h, h_best[rows])
        right = np.where(np.isfinite(g), g < 0, m > best[rows])
        hi[rows] = np.where(right, m, c)
        g_hi[rows] = np.where(right, g, gc)
        lo[rows] = np.where(right, a, m)
        g_lo[rows] = np.where(right, ga, g)
        width = hi[rows] - lo[rows]
        # the top is flat: an angle within 1e-9 rad moves its height by ~1e-18 x D
        keep = width > 1e-9 * (1.0 + np.abs(m))
        rows = rows[keep]


def arc_root(b: Batch, v, top, high, theta0=None, *, tol: float):
    """Per row, the angle (rad) on the arc asked for (``high``: above ``top``, else below) at
    which speed v hits, where h(top) >= 0; ``theta0`` an optional first guess inside the arc.
    Returns (theta, converged)."""
    n = b.size
    inner = np.asarray(top, float).copy()  # h >= 0 here
    outer = np.where(high, LIMIT, -LIMIT)   # h < 0 or no reach here
    x = 0.5 * (inner + outer)
    if theta0 is not None:
        t0 = np.asarray(theta0, float)
        ok = np.isfinite(t0) & ((t0 - inner) * (outer - t0) > 0)
        x = np.where(ok, t0, x)
    return _bracketed_newton(lambda z, rows: resolved_height(z, v[rows], b.take(rows), 0),
                             inner, outer, x, tol * b.params.distance)


def _bracketed_newton(fn, inner, outer, x, atol, iterations: int = 80):
    """Root of h = fn(z, rows)[0] between ``inner`` (h >= 0) and ``outer`` (h < 0 or NaN), from
    x: Newton's step where it stays strictly inside the bracket and the point is valid, else
    bisection. Stops when |h| <= atol or the bracket is at the floating-point floor. Returns
    (x, converged)."""
    n = x.shape[0]
    x = x.copy()
    inner, outer = inner.copy(), outer.copy()
    conv = np.zeros(n, dtype=bool)
    rows = np.arange(n)
    for _ in range(iterations):
        if not rows.size:
            break
        h, g = fn(x[rows], rows)
        valid = np.isfinite(h) & np.isfinite(g)
        done = valid & (np.abs(h) <= atol[rows])
        pos = valid & (h >= 0)
        inner[rows] = np.where(pos, x[rows], inner[rows])
        outer[rows] = np.where(~pos, x[rows], outer[rows])
        with np.errstate(all="ignore"):
            step = x[rows] - h / g
        a, c = inner[rows], outer[rows]
        lo, hi = np.minimum(a, c), np.maximum(a, c)
        newton = valid & np.isfinite(step) & (step > lo) & (step < hi)
        nxt = np.where(newton, step, 0.5 * (a + c))
        floor = np.abs(c - a) <= 4 * np.finfo(float).eps * np.maximum(np.abs(a), np.abs(c))
        conv[rows] = done | (floor & valid & (np.abs(h) <= 1e3 * atol[rows]))
        x[rows] = np.where(done, x[rows], np.where(floor, a, nxt))
        rows = rows[~(done | floor)]
    return x, conv


def speed_root(b: Batch, angle, vmax, *, tol: float):
    """Per row, the lowest speed (m/s, at most ``vmax``, which may be inf) at which a shot at
    ``angle`` (rad) hits. Returns (v, converged, best): best is the highest h seen in the scan
    (m, for the out-of-reach message) and the speed it was seen at, where no speed hits."""
    n = b.size
    unit = np.sqrt(b.params.gravity * b.params.distance)
    count = SPEED_GRID.size
    grid = SPEED_GRID[None, :] * unit[:, None]
    grid = np.where(grid < vmax[:, None], grid, vmax[:, None])
    grid[:, -1] = np.where(np.isfinite(vmax), vmax, grid[:, -1])
    hs = resolved_height(np.repeat(angle, count), grid.ravel(),
                         _repeat(b, count))[0].reshape(n, count)
    hit = np.isfinite(hs) & (hs >= 0)
    first = np.where(hit.any(axis=1), np.argmax(hit, axis=1), -1)
    ok = first >= 0
    filled = np.where(np.isfinite(hs), hs, -np.inf)
    k_best = np.argmax(filled, axis=1)
    r = np.arange(n)
    best_h = np.where(np.isfinite(filled[r, k_best]), filled[r, k_best], np.nan)
    best_v = grid[r, k_best]
    inner = grid[r, np.maximum(first, 0)]
    outer = np.where(first > 0, grid[r, np.maximum(first - 1, 0)], 0.0)
    v = inner.copy()
    conv = np.zeros(n, dtype=bool)
    if ok.any():
        rows = np.flatnonzero(ok)
        sub = b.take(rows)
        root, c = _bracketed_newton(
            lambda z, idx: resolved_height(angle[rows][idx], z, sub.take(idx), 1),
            inner[rows], outer[rows], inner[rows].copy(), tol * sub.params.distance)
        v[rows], conv[rows] = root, c
    return np.where(ok, v, np.nan), conv, best_h, best_v


def minimum_speed(b: Batch, v0, theta0, *, tol: float, iterations: int = 60, stop=None):
    """Per row, (theta, v, converged): the speed whose highest crossing of x = D just reaches
    the target, and that angle. H(v) = top height at v rises with v; the bracket comes from
    ``v0`` by doubling and halving, then bisection with secant steps on H. The fourth item is
    the lowest speed tried where even that still reaches (then there is no least speed), else
    NaN. ``stop()``, if given, is asked before each step: True ends the search where it is."""
    stop = stop or (lambda: False)
    n = b.size
    unit = np.sqrt(b.params.gravity * b.params.distance)
    v_hi = np.where(np.isfinite(v0) & (v0 > 0), v0, unit)
    th_hi, h_hi = top_angle(b, v_hi, near=theta0)
    for _ in range(80):
        up = ~(h_hi >= 0)
        if not up.any() or stop():
            break
        r = np.flatnonzero(up)
        v_hi[r] *= 2.0
        th_hi[r], h_hi[r] = top_angle(b.take(r), v_hi[r], near=None)
    # a shot that reaches the target even at a crawl (a tailwind carries it) has no least speed
    crawl = CRAWL * unit
    _, h_crawl = top_angle(b, crawl)
    carried = h_crawl >= 0
    v_lo = 0.5 * v_hi
    th_lo, h_lo = top_angle(b, v_lo, near=th_hi)
    h_lo[carried] = np.inf
    v_lo[carried] = crawl[carried]
    for _ in range(HALVINGS):
        down = (h_lo >= 0) & ~carried
        if not down.any() or stop():
            break
        r = np.flatnonzero(down)
        v_hi[r], th_hi[r], h_hi[r] = v_lo[r], th_lo[r], h_lo[r]
        v_lo[r] *= 0.5
        th_lo[r], h_lo[r] = top_angle(b.take(r), v_lo[r], near=th_lo[r])
    atol = tol * b.params.distance
    conv = np.abs(h_hi) <= atol
    rows = np.flatnonzero(~conv & (h_hi >= 0) & ~carried)
    for it in range(iterations):
        if not rows.size or stop():
            break
        a, c, ha, hc = v_lo[rows], v_hi[rows], h_lo[rows], h_hi[rows]
        with np.errstate(all="ignore"):
            sec = (a * hc - c * ha) / (hc - ha)
        w = c - a
        usable = np.isfinite(sec) & (it % 3 != 2)
        m = np.where(usable, np.clip(sec, a + 0.02 * w, c - 0.02 * w), 0.5 * (a + c))
        th, h = top_angle(b.take(rows), m, near=th_hi[rows])
        up = h >= 0
        v_hi[rows] = np.where(up, m, c)
        h_hi[rows] = np.where(up, h, hc)
        th_hi[rows] = np.where(up, th, th_hi[rows])
        v_lo[rows] = np.where(up, a, m)
        h_lo[rows] = np.where(up, ha, np.where(np.isfinite(h), h, -np.inf))
        done = up & (h <= atol[rows])
        # close enough for the solver to finish from (`aim` confirms every answer)
        done |= (v_hi[rows] - v_lo[rows]) <= 1e-9 * v_hi[rows]
        conv[rows[done]] = np.abs(h_hi[rows[done]]) <= 1e3 * atol[rows[done]]
        rows = rows[~done]
    # still reaching at the lowest speed tried: no least speed (a tailwind carries the shot)
    found = np.isfinite(h_hi) & (h_hi >= 0) & ~(h_lo >= 0)
    floor = np.where(h_lo >= 0, v_lo, np.nan)
    return (np.where(found, th_hi, np.nan), np.where(found, v_hi, np.nan), conv & found, floor)


def _at_distance(b: Batch, distance) -> Batch:
    """The same shots aimed at other distances."""
    p = dataclasses.replace(b.params, distance=np.asarray(distance, float))
    return Batch(b.kind, p, b.target_height, b.angle, b.velocity)


def max_range(b: Batch, v, *, rtol: float = 1e-10, iterations: int = 80, stop=None):
    """Per row, (range m, angle rad): the farthest distance at which speed v can still reach the
    target's height, and the angle that does it, for rows whose own distance is beyond it.

    The top height at distance d (`top_angle`) falls as d grows, through the target's height at
    the range, and is undefined beyond the farthest any angle carries the shot: bisection with
    secant steps on d, from a bracket found by halving the row's distance. ``stop()``, if
    given, is asked before each step: True ends the search where it is."""
    stop = stop or (lambda: False)
    n = b.size
    v = np.broadcast_to(np.asarray(v, float), (n,))
    d_hi = b.params.distance.astype(float).copy()
    h_hi = np.full(n, -np.inf)
    d_lo = 0.5 * d_hi
    th_lo, h_lo = top_angle(_at_distance(b, d_lo), v)
    for _ in range(60):
        short = ~(h_lo >= 0)
        if not short.any() or stop():
            break
        r = np.flatnonzero(short)
        d_hi[r], h_hi[r] = d_lo[r], np.where(np.isfinite(h_lo[r]), h_lo[r], -np.inf)
        d_lo[r] *= 0.5
        th_lo[r], h_lo[r] = top_angle(_at_distance(b.take(r), d_lo[r]), v[r])
    # Newton on d: at the top angle dh/dtheta = 0, so dH/dd is the path's slope vy/vx at d
    # (the envelope theorem); kept inside the bracket, else bisection
    rows = np.flatnonzero(h_lo >= 0)
    m = d_lo.copy()
    th_m, h_m = th_lo.copy(), h_lo.copy()
    for it in range(iterations):
        if not rows.size or stop():
            break
        sub = _at_distance(b.take(rows), m[rows])
        with np.errstate(all="ignore"):
            end = integrate(th_m[rows], v[rows], sub.params)[0]
            step = m[rows] - h_m[rows] / (end[2] / end[1])
        a, c = d_lo[rows], d_hi[rows]
        ok = np.isfinite(step) & (step > a) & (step < c) & np.isfinite(h_m[rows])
        nxt = np.where(ok, step, 0.5 * (a + c))
        m[rows] = nxt
        th, h = top_angle(_at_distance(b.take(rows), nxt), v[rows], near=th_m[rows])
        # at the root to within rounding (either side): the answer
        up = (h >= 0) | (np.abs(h) <= 1e-11 * nxt)
        d_lo[rows] = np.where(up, nxt, a)
        h_lo[rows] = np.where(up, np.maximum(h, 0.0), h_lo[rows])
        th_lo[rows] = np.where(up, th, th_lo[rows])
        d_hi[rows] = np.where(up, c, nxt)
        th_m[rows] = np.where(np.isfinite(th), th, th_lo[rows])
        h_m[rows] = np.where(np.isfinite(th), h, h_lo[rows])
        m[rows] = np.where(np.isfinite(th), nxt, d_lo[rows])
        done = ((d_hi[rows] - d_lo[rows]) <= rtol * d_hi[rows]) | (np.abs(h) <= 1e-11 * nxt)
        rows = rows[~done]
    found = h_lo >= 0
    return np.where(found, d_lo, np.nan), np.where(found, th_lo, np.nan)
