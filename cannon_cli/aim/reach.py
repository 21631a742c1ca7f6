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
  logarithmic grid (no cap: the scan goes to 2^40 sqrt(g D)) for the first pair that brackets
  the target, and the same safeguarded Newton. Scan points without a verdict from the
  integration are integrated again with more steps (`scan_height`).
- `minimum_speed`: the speed whose top just reaches the target, by bisection and secant on
  v -> top height at v (increasing in v).

Every function is vectorised over the rows of a `loss.Batch`; NaN marks "no answer" per row.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..physics import steps as steps_rule
from ..physics.model import VX, Y, integrate, vacuum
from ..physics.steps import distinct
from .loss import Batch

#: The steepest an unknown angle may be, up or down (rad): a hair below the vertical.
LIMIT = 0.5 * math.pi - 1e-9
#: Angles scanned for the top: every 2° and, towards +-90°, 90° - 10^-k° (k = 0.5 ... 7).
_NEAR_VERTICAL = 0.5 * math.pi - np.radians(10.0 ** -np.arange(0.5, 7.01, 0.5))
# (sorted and distinct by hand: np.unique imports numpy.ma, 13 ms of every start-up)
ANGLE_GRID = np.array(sorted(set(np.clip(np.concatenate([
    np.radians(np.arange(-88.0, 88.1, 2.0)), _NEAR_VERTICAL, -_NEAR_VERTICAL]),
    -LIMIT, LIMIT).tolist())))
#: Speeds scanned at a fixed angle, in units of sqrt(g D): 2^(k/2), k = -40 ... 80.
SPEED_GRID = 2.0 ** (np.arange(-40, 81) / 2.0)
#: Halvings of the speed in search of one that falls short, for the minimum-speed shot.
HALVINGS = 40
#: A crawl, in units of sqrt(g D): a shot that still reaches the target this slowly (carried by
#: the wind) has no least speed.
CRAWL = 1e-6
_H = 1e-60  # the complex step


def height(theta, v, b: Batch, wrt=None, *, end=False):
    """(h, dh/dz): h = y(D) - y_target (m) at angle theta (rad) and speed v (m/s), and its
    derivative with respect to the angle (``wrt`` 0) or the speed (1), or None. NaN where the
    shot does not reach x = D. With ``end``, two more: the horizontal speed at D (m/s) and
    its derivative (or None)."""
    theta = np.asarray(theta, float)
    v = np.asarray(v, float)
    p = b.params
    if p.closed_form:
        th = theta + 1j * _H if wrt == 0 else theta + 0j
        vv = v + 1j * _H if wrt == 1 else v + 0j
        with np.errstate(all="ignore"):
            y = np.asarray(vacuum(th, vv, p)[0])
            y = np.where((np.cos(theta) > 0) & (v > 0), y, np.nan)
            u = vv * np.cos(th)
        h = y.real - b.target_height
        out = h, (None if wrt is None else y.imag / _H)
        return out + (u.real, None if wrt is None else u.imag / _H) if end else out
    if wrt is None:
        x, d = integrate(theta, v, p)[0], None
    else:
        x, d1, _ = integrate(theta, v, p, order=1, dirs=(wrt,))
        d = d1[:, 0]
    out = x[Y] - b.target_height, (None if d is None else d[Y])
    return out + (x[VX], None if d is None else d[VX]) if end else out


def stall_grading(theta, v, vx_end) -> np.ndarray:
    """Per shot, the grading of a mesh for it (`model.Params.mesh`): its horizontal speed at
    the distance over its launch's where that is below `steps.STALL`, else 1 (even)."""
    with np.errstate(all="ignore"):
        q = np.asarray(vx_end, float) / (np.asarray(v, float) * np.cos(theta))
    return np.where((q > 0) & (q < steps_rule.STALL), q, 1.0)


def graded(b: Batch, grading) -> Batch:
    """The same shots on meshes graded by ``grading`` (per shot; 1: even)."""
    return dataclasses.replace(b, params=dataclasses.replace(
        b.params, grading=np.asarray(grading, float)))


def _agree(fine, coarse, b: Batch):
    return np.abs(fine - coarse) <= 15 * 1e-4 * b.params.distance


def resolved_height(theta, v, b: Batch, wrt=None):
    """`height`, NaN where the integration cannot be trusted: close to stalling before the
    distance a shot can come out finite but meaningless, which shows as a disagreement with
    half the steps (more than 1e-4 x distance, estimated)."""
    fine, d = height(theta, v, b, wrt)
    if b.params.closed_form:
        return fine, d
    coarse = height(theta, v, b.with_steps(max(b.params.steps // 2, 1)))[0]
    ok = _agree(fine, coarse, b)
    return np.where(ok, fine, np.nan), (None if d is None else np.where(ok, d, np.nan))


#: The grading tried for a shot that does not get to x = D on even steps, where no speed at
#: the distance is known to grade by (`graded_height`): then measured on that mesh.
GRADING_GUESS = 1e-6
#: How many times `graded_height` doubles the steps of a shot that neither mesh resolves.
GRADED_DOUBLINGS = 5


def graded_height(theta, v, b: Batch, wrt=None, level=None):
    """`resolved_height` for the searches near the edge of reach, on evenly spaced ``b``:
    (h, dh, vx, dvx) as `height` with ``end``, and per shot the level that resolved it (or
    the last tried) and its mesh: steps and grading (1: even).

    The levels are meshes tried in turn until one agrees with half its steps: level 2k is
    even with 2^k times b's steps, level 2k+1 graded to the shot (`stall_grading` of the
    speed at D last found; `GRADING_GUESS` where no integration got there yet), with as many
    (`GRADED_DOUBLINGS` doublings at most); a shot that does not stall is not graded, and one
    that no count gets there, even or graded, falls short (a graded mesh alone that does not
    get there says nothing: it can starve the launch). Each shot starts at its
    ``level`` (default 0): a search that moves a little starts from the level that resolved
    its last point. Near the edge of reach the shot arrives with vx ~ 0, and
    even steps resolve it only with thousands, or not at all: a high arc with linear drag
    whose root lies where vx falls to 1e-10 of its launch's is resolved by 128 graded steps.
    A graded mesh starves the launch, though, where a fast steep shot with quadratic drag
    loses most of its horizontal speed: 2000 m/s at 89.57° is resolved by 512 even steps
    and by no graded mesh."""
    theta = np.asarray(theta, float)
    v = np.asarray(v, float)
    n = theta.size
    level = np.zeros(n, dtype=int) if level is None else np.asarray(level, int).copy()
    if b.params.closed_form:
        return height(theta, v, b, wrt, end=True) + (level, np.full(n, b.params.steps),
                                                     np.ones(n))
    out = [np.full(n, np.nan), None if wrt is None else np.full(n, np.nan), np.full(n, np.nan),
           None if wrt is None else np.full(n, np.nan)]
    q = np.full(n, GRADING_GUESS)  # the grading of each shot, once a speed at D is known
    known = np.zeros(n, dtype=bool)
    short = np.zeros(n, dtype=bool)
    starved = np.zeros(n, dtype=bool)
    rows = np.arange(n)
    top = 2 * GRADED_DOUBLINGS + 1
    while rows.size:
        for lv in distinct(level[rows]):
            r = rows[level[rows] == lv]
            steps = b.params.steps * 2 ** (lv // 2)
            mesh = (b.take(r) if lv % 2 == 0 else graded(b.take(r), q[r])).with_steps(
                steps, even=lv % 2 == 0)
            got = height(theta[r], v[r], mesh, wrt, end=True)
            half = height(theta[r], v[r], mesh.with_steps(steps // 2, even=lv % 2 == 0),
                          end=True)
            # far from the root a height needs only its sign and rough size (a tenth), next
            # to it 1e-4 x distance: a steep shot 4 km above the target needs 4096 steps for
            # the latter and 128 for the former
            good = _agree(got[0], half[0], mesh) | (np.abs(got[0] - half[0]) <= 0.1 * np.abs(got[0]))
            for a, x in zip(out, got):
                if a is not None:
                    a[r[good]] = x[good]
            u = np.where(np.isfinite(got[2]), got[2], half[2])
            seen = np.isfinite(u)
            # no count got there, even or graded: the shot falls short (no more levels); a
            # graded mesh that does not get there where even steps do is not tried again
            short[r[~seen & ~known[r] & (lv % 2 == 1)]] = True
            starved[r[~seen & known[r] & (lv % 2 == 1)]] = True
            q[r[seen]] = stall_grading(theta[r[seen]], v[r[seen]], u[seen])
            known[r[seen]] = True
        done = np.isfinite(out[0][rows]) | short[rows]
        rows = rows[~done]
        # the next level; a shot that does not stall skips the graded ones
        level[rows] += 1
        skip = (level[rows] % 2 == 1) & ((known[rows] & (q[rows] >= 1.0)) | starved[rows])
        level[rows[skip]] += 1
        rows = rows[(level[rows] <= top) & (b.params.steps * 2 ** (level[rows] // 2) <= SCAN_MOST)]
    level = np.minimum(level, top)
    return tuple(out) + (level, b.params.steps * 2 ** (level // 2),
                         np.where(level % 2 == 1, q, 1.0))


#: The most RK4 steps a point of a scan is integrated with (`scan_height`).
SCAN_MOST = 4096


def believed_steps(b: Batch) -> np.ndarray:
    """Per row, the fewest even RK4 steps at which a shot that comes out NaN is believed not to
    reach x = D. Drag through air slows a fast shot at the rate c Cd per metre of x
    (dvx/dx = -c Cd |v| vx / vx), whatever its speed, and RK4 is stable only for steps shorter
    than 2.8 / (c Cd): with fewer, a fast shot blows up (NaN) long before it could stall. One
    step per 1 / (c Cd) leaves a margin of 2.8. Linear drag and vacuum: no such bound (0)."""
    p = b.params
    if p.drag not in ("quadratic",) and p.table is None:
        return np.zeros(b.size)
    cd = 1.0 if p.table is None else float(np.max(p.table.cd_knots))
    with np.errstate(all="ignore"):
        return np.nan_to_num(p.drag_c * cd * p.distance, nan=0.0, posinf=SCAN_MOST)


def scan_height(theta, v, b: Batch, most: int, want=None, progress=None):
    """`resolved_height` over the points of a scan (row i of ``b`` flies theta[i], v[i]),
    integrated again with twice the steps where it gives no verdict: where it disagrees with
    half the steps, up to `SCAN_MOST`; where both say the shot does not get there, up to
    ``most``, or `believed_steps` where the drag is stiffer than that. Without a tailwind a
    shot can fall short of x = D (vx reaches 0: it falls vertically, or is blown back), and
    a shot that still gets there with neither count or with one only is taken to fall short;
    a tailwind keeps vx > 0, so every shot gets there, and no step count decides otherwise.
    ``want(h)``, if given, says which points are still of interest (bool per point) given the
    heights so far (``progress["open"]`` is kept up to date, if given). Returns (h, steps,
    unresolved): h NaN where no verdict or no reach, the steps each point was last integrated
    with, and where there is still no verdict."""
    theta = np.asarray(theta, float)
    v = np.asarray(v, float)
    p = b.params
    n = b.size
    steps = np.full(n, p.steps)
    h = np.full(n, np.nan)
    open_ = np.zeros(n, dtype=bool)
    believe = np.minimum(np.maximum(most, believed_steps(b)), SCAN_MOST)
    tail = p.wind > 0
    rows = np.arange(n)
    s = p.steps
    while True:
        sub = b.take(rows).with_steps(s, even=True)
        fine = height(theta[rows], v[rows], sub)[0]
        if p.closed_form:
            h[rows] = fine
            break
        coarse = height(theta[rows], v[rows], sub.with_steps(max(s // 2, 1), even=True))[0]
        agree = np.abs(fine - coarse) <= 15 * 1e-4 * p.distance[rows]
        h[rows] = np.where(agree, fine, np.nan)
        steps[rows] = s
        short = (np.isnan(fine) | np.isnan(coarse)) & ~tail[rows]
        last = s >= np.where(np.isnan(fine) & np.isnan(coarse), believe[rows], SCAN_MOST)
        open_[rows] = ~agree & ~(last & short)
        if progress is not None:
            progress["open"] = open_
        again = open_[rows] & ~last
        if want is not None:
            again &= want(h)[rows]
        rows = rows[again]
        if not rows.size:
            break
        s *= 2
    return h, steps, open_


def _repeat(b: Batch, count: int) -> Batch:
    return b.take(np.repeat(np.arange(b.size), count))


def top_angle(b: Batch, v, *, near=None, stop=None, enough=None):
    """(theta_top, h_top): per row, the angle (rad) at which speed v passes x = D highest, and
    how high relative to the target (m); NaN where no angle reaches x = D.

    ``near`` (rad, optional): a guess; a bracket of +-0.05 rad around it is tried first and the
    full scan made only where it does not hold the top. ``stop()``, if given, is asked before
    each refining step: True ends the refinement where it is (the top found so far is then
    no lower bound to decide reach with: only for searches whose answers the solver confirms).
    ``enough`` (m, per row, optional): a top found this far above the target is not refined
    further (it is a lower bound: enough to know that v reaches the target)."""
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
            h, g = resolved_height(pts, np.repeat(v[r], 3), _repeat(b.take(r), 3), 0)
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
    _refine_top(b, v, lo, hi, best, h_best, found, stop=stop, enough=enough)
    return np.where(found, best, np.nan), np.where(found, h_best, np.nan)


def _refine_top(b: Batch, v, lo, hi, best, h_best, active, iterations: int = 80, stop=None,
                enough=None):
    """Shrink [lo, hi] around the root of dh/dtheta (in place): a secant step where the ends'
    slopes are known and of opposite sign, else bisection; a point where the shot falls short
    lies beyond the feasible range, on the far side of the best angle seen."""
    g_lo = np.full(lo.shape, np.nan)
    g_hi = np.full(lo.shape, np.nan)
    high = (lambda r: h_best[r] >= enough[r]) if enough is not None else (
        lambda r: np.zeros(r.size, dtype=bool))
    rows = np.flatnonzero(active)
    rows = rows[~high(rows)]
    for it in range(iterations):
        if not rows.size or (stop is not None and stop()):
            return
        a, c = lo[rows], hi[rows]
        ga, gc = g_lo[rows], g_hi[rows]
        with np.errstate(all="ignore"):
            sec = (a * gc - c * ga) / (gc - ga)
        usable = np.isfinite(sec) & (ga > 0) & (gc < 0) & (it % 3 != 2)
        w = c - a
        m = np.where(usable, np.clip(sec, a + 0.01 * w, c - 0.01 * w), 0.5 * (a + c))
        h, g = height(m, v[rows], b.take(rows), 0)
        _unresolved_tops(b, m, v, h, g, h_best, rows)
        better = np.isfinite(h) & (h > h_best[rows])
        best[rows] = np.where(better, m, best[rows])
        h_best[rows] = np.where(better, h, h_best[rows])
        right = np.where(np.isfinite(g), g < 0, m > best[rows])
        hi[rows] = np.where(right, m, c)
        g_hi[rows] = np.where(right, g, gc)
        lo[rows] = np.where(right, a, m)
        g_lo[rows] = np.where(right, ga, g)
        width = hi[rows] - lo[rows]
        # the top is flat: an angle within 1e-9 rad moves its height by ~1e-18 x D, and
        # within the bracket by at most its slopes at the ends times its width
        flat = (np.abs(g_lo[rows]) + np.abs(g_hi[rows])) * width <= 1e-14 * b.params.distance[rows]
        keep = (width > 1e-9 * (1.0 + np.abs(m))) & ~flat & ~high(rows)
        rows = rows[keep]


def _unresolved_tops(b: Batch, theta, v, h, g, h_best, rows):
    """Set h and g to NaN (in place) where a point of `_refine_top` would be the highest yet
    but its height disagrees with half the steps: next to the edge of reach, where the shot
    arrives with vx ~ 0, the integration can come out finite and meaningless (into a headwind
    a 130 m/s shot 'passed' 7e8 m above the target), and the top must not be taken there."""
    cand = np.flatnonzero(np.isfinite(h) & (h > h_best[rows]))
    if not cand.size or b.params.closed_form:
        return
    sub = b.take(rows[cand])
    coarse = height(theta[cand], v[rows[cand]], sub.with_steps(max(sub.params.steps // 2, 1)))[0]
    bad = cand[~_agree(h[cand], coarse, sub)]
    h[bad], g[bad] = np.nan, np.nan


def arc_root(b: Batch, v, top, high, theta0=None, *, tol: float, stop=None):
    """Per row, the angle (rad) on the arc asked for (``high``: above ``top``, else below) at
    which speed v hits, where h(top) >= 0; ``theta0`` an optional first guess inside the arc.
    Returns (theta, converged, steps, grading): the mesh of `graded_height` that resolved the
    last point. ``stop()``, if given, ends the search where it is."""
    inner = np.asarray(top, float).copy()  # h >= 0 here
    outer = np.where(high, LIMIT, -LIMIT)   # h < 0 or no reach here
    x = 0.5 * (inner + outer)
    if theta0 is not None:
        t0 = np.asarray(theta0, float)
        ok = np.isfinite(t0) & ((t0 - inner) * (outer - t0) > 0)
        x = np.where(ok, t0, x)
    level = np.zeros(b.size, dtype=int)
    steps = np.full(b.size, b.params.steps)
    grading = np.ones(b.size)

    def fn(z, rows):
        h, g, u, du, lv, steps[rows], grading[rows] = graded_height(
            z, v[rows], b.take(rows), 0, level[rows])
        # the next point starts a doubling below the level that resolved this one (from even
        # steps where none did: a higher level is no better where the shot falls short)
        level[rows] = np.where(np.isfinite(h), np.maximum(lv - 2, 0), 0)
        return h, g, edge_step(z, h, g, u, du)

    x, conv = _bracketed_newton(fn, inner, outer, x, tol * b.params.distance, stop=stop)
    return x, conv, steps, grading


def edge_step(z, h, g, u, du):
    """Newton's next z for h(z) = 0 where the shot nearly stalls at D (its horizontal speed
    there, u > 0, with du/dz), taken in ln u where Newton's own step would cut u by more than
    e: near the edge of reach h runs off like ln u (linear drag) or a power of u, and a step
    in z overshoots the edge, where the shot no longer gets there; in ln u it does not (u
    taken linear in z). NaN where Newton's own step stands."""
    with np.errstate(all="ignore"):
        plain = -h / g
        toward = u + du * plain < u / math.e
        big = -h * du / (g * u)  # the Newton step in ln u
        step = np.where(toward & (u > 0), u * np.expm1(np.clip(big, -700.0, 0.0)) / du, np.nan)
    return z + step


def _bracketed_newton(fn, inner, outer, x, atol, iterations: int = 80, stop=None):
    """Root of h = fn(z, rows)[0] between ``inner`` (h >= 0) and ``outer`` (h < 0 or NaN), from
    x: Newton's step (or fn's third item, its own next point, where not NaN) where it stays
    strictly inside the bracket and the point is valid, else false position between the ends
    where both heights are known (Illinois: the end kept twice running counts half), else
    bisection. Stops when |h| <= atol or the bracket is at the floating-point floor, or
    ``stop()``. Returns (x, converged).

    (Newton from the convex side of a root overshoots it every time: next to the edge of
    reach, where the slope steepens towards the root, bisection alone then halved the miss
    an iteration, 27 iterations from 1 m to 1e-8 m.)"""
    n = x.shape[0]
    x = x.copy()
    inner, outer = inner.copy(), outer.copy()
    h_in, h_out = np.full(n, np.nan), np.full(n, np.nan)
    last = np.zeros(n, dtype=int)  # the end replaced last: +1 inner, -1 outer
    conv = np.zeros(n, dtype=bool)
    rows = np.arange(n)
    for _ in range(iterations):
        if not rows.size or (stop is not None and stop()):
            break
        h, g, *proposed = fn(x[rows], rows)
        valid = np.isfinite(h) & np.isfinite(g)
        done = valid & (np.abs(h) <= atol[rows])
        pos = valid & (h >= 0)
        side = np.where(pos, 1, -1)
        # Illinois: the end not replaced, twice running, has its height halved
        kept = side == last[rows]
        h_in[rows] = np.where(pos, h, np.where(kept, 0.5 * h_in[rows], h_in[rows]))
        h_out[rows] = np.where(~pos, np.where(np.isfinite(h), h, np.nan),
                               np.where(kept, 0.5 * h_out[rows], h_out[rows]))
        last[rows] = side
        inner[rows] = np.where(pos, x[rows], inner[rows])
        outer[rows] = np.where(~pos, x[rows], outer[rows])
        with np.errstate(all="ignore"):
            step = x[rows] - h / g
            if proposed:  # fn's own next point where it has one (`edge_step`)
                step = np.where(np.isfinite(proposed[0]), proposed[0], step)
            a, c = inner[rows], outer[rows]
            ha, hc = h_in[rows], h_out[rows]
            false = a - ha * (c - a) / (hc - ha)
        lo, hi = np.minimum(a, c), np.maximum(a, c)
        newton = valid & np.isfinite(step) & (step > lo) & (step < hi)
        usable = np.isfinite(false) & (false > lo) & (false < hi) & (hc < 0) & (ha >= 0)
        nxt = np.where(newton, step, np.where(usable, false, 0.5 * (a + c)))
        eps = np.finfo(float).eps
        floor = np.abs(c - a) <= 4 * eps * np.maximum(np.abs(a), np.abs(c))
        # Newton's step below the rounding of x: x is as close as a double gets
        here = valid & ~floor & (np.abs(h / np.where(g != 0, g, np.nan)) <= eps * np.abs(x[rows]))
        conv[rows] = done | ((floor | here) & valid & (np.abs(h) <= 1e3 * atol[rows]))
        x[rows] = np.where(done | here, x[rows], np.where(floor, a, nxt))
        rows = rows[~(done | floor | here)]
    return x, conv


def speed_root(b: Batch, angle, vmax, *, tol: float, most: int = None, stop=None):
    """Per row, the lowest speed (m/s, at most ``vmax``, which may be inf) at which a shot at
    ``angle`` (rad) hits. Returns (v, converged, best, best_v, steps, unresolved): best is the
    h seen in the scan closest to 0 (m, for the out-of-reach message) and the speed it was
    seen at, where no speed hits; steps the RK4 steps (even) at which the root was found; unresolved
    where no speed hits but some speed of the scan got no verdict from the integration
    (`scan_height`: a stiff shot needs more steps than it was given), so no verdict either.

    The scan starts at b's steps, and where a speed gets no verdict it is integrated again with
    more (``most``, default b's steps; `scan_height`), below the lowest hit only. ``stop()``, if
    given, ends the search of the edge of reach (`_edge`) where it is: no verdict there."""
    n = b.size
    unit = np.sqrt(b.params.gravity * b.params.distance)
    count = SPEED_GRID.size
    grid = SPEED_GRID[None, :] * unit[:, None]
    grid = np.where(grid < vmax[:, None], grid, vmax[:, None])
    grid[:, -1] = np.where(np.isfinite(vmax), vmax, grid[:, -1])
    index = np.tile(np.arange(count), n)
    shots = _repeat(b, count)

    def brackets(h, unsettled):
        """Per row, the first k >= 1 at which the target is bracketed between speeds k-1 and
        k (count where none): one passes at or above it, the other below it or not at all
        (where that is believed). A tailwind can carry a slow shot above the target, so that
        the slowest speeds pass above, and the first speed that passes above is no bracket."""
        sign = np.where(np.isfinite(h), np.where(h >= 0, 1, -1), np.where(unsettled, 0, -1))
        sign = sign.reshape(n, count)
        change = (sign[:, 1:] * sign[:, :-1]) < 0
        return np.where(change.any(axis=1), np.argmax(change, axis=1) + 1, count)

    state = {"open": np.ones(n * count, dtype=bool)}

    def below_first_bracket(h):
        return index < np.repeat(brackets(h, state["open"]), count)

    hs, st, open_ = scan_height(np.repeat(angle, count), grid.ravel(), shots,
                                most or b.params.steps, want=below_first_bracket,
                                progress=state)
    head = b.params.wind < 0
    hs, st, open_ = hs.reshape(n, count), st.reshape(n, count), open_.reshape(n, count)
    r = np.arange(n)
    # into a headwind a shot that falls short is blown back, at a finite height: a speed that
    # falls short next to one that passes above brackets the target only if some speed
    # between gets there below it (`_edge`)
    edgy = (np.isnan(hs) & ~open_)
    sign = np.where(np.isfinite(hs), np.where(hs >= 0, 1, -1),
                    np.where(edgy & ~head[:, None], -1, 0))
    change = (sign[:, 1:] * sign[:, :-1]) < 0
    k = np.where(change.any(axis=1), np.argmax(change, axis=1) + 1, count)
    above = np.isfinite(hs) & (hs >= 0)
    edge = (edgy[:, :-1] & above[:, 1:]) | (above[:, :-1] & edgy[:, 1:])
    e = np.where(edge.any(axis=1), np.argmax(edge, axis=1) + 1, count)
    try_edge = head & (e < k)
    k_edge = np.minimum(e, count - 1)
    fin = np.where(above[r, k_edge], k_edge, k_edge - 1)  # the end that gets there
    below = np.full(n, np.nan)
    edge_steps = st[r, fin].copy()
    if try_edge.any():
        rows = np.flatnonzero(try_edge)
        nan_end = np.where(fin[rows] == k_edge[rows], k_edge[rows] - 1, k_edge[rows])
        below[rows], edge_steps[rows], cut = _edge(b.take(rows), angle[rows],
                                                   grid[rows, nan_end], grid[rows, fin[rows]],
                                                   st[rows, fin[rows]], stop=stop)
        open_[rows[cut], 0] = True  # the edge was not searched to the end: no verdict
    from_edge = try_edge & np.isfinite(below)
    ok = (k < count) | from_edge
    kk = np.minimum(k, count - 1)
    up = np.isfinite(hs[r, kk]) & (hs[r, kk] >= 0)  # speed k passes above, k-1 below
    inner = np.where(up, grid[r, kk], grid[r, kk - 1])
    outer = np.where(up, grid[r, kk - 1], grid[r, kk])
    inner = np.where(from_edge, grid[r, fin], inner)
    outer = np.where(from_edge, below, outer)
    # the slowest speed of the scan hits and nothing brackets the target above it: the root
    # is below it, if anywhere (between a standstill and the slowest speed)
    slow = ~ok & np.isfinite(hs[:, 0]) & (hs[:, 0] >= 0)
    if slow.any():
        # ... where a shot a thousand times slower still passes above, none is: the wind
        # carries it (a bisection towards 0 m/s ran its 80 iterations, 100,000 RK4 steps)
        k = np.flatnonzero(slow)
        crawl = 1e-3 * grid[k, 0]
        sub = b.take(k).with_steps(int(st[k, 0].max()), even=True)
        h0 = resolved_height(angle[k], crawl, sub)[0]
        slow[k[~(h0 < 0)]] = False
        outer[k[h0 < 0]] = crawl[h0 < 0]
    inner = np.where(slow, grid[:, 0], inner)
    ok |= slow
    # where no speed hits: the closest the scan came (the highest below the target, or,
    # where every speed that gets there passes above, the lowest)
    filled = np.where(np.isfinite(hs), np.abs(hs), np.inf)
    k_best = np.argmin(filled, axis=1)
    best_h = np.where(np.isfinite(filled[r, k_best]), hs[r, k_best], np.nan)
    best_v = grid[r, k_best]
    # the root is sought with the steps that resolved its bracket (the end that gets there,
    # where the other does not)
    steps = np.where(np.isfinite(hs[r, kk - 1]), np.maximum(st[r, kk], st[r, kk - 1]),
                     st[r, kk])
    steps = np.where(np.isfinite(hs[r, kk]), steps, st[r, kk - 1])
    # (the edge's bracket, at the steps that resolved its end below the target)
    steps = np.where(from_edge, np.maximum(st[r, fin], edge_steps), steps)
    steps = np.where(slow, st[:, 0], steps)
    steps = np.minimum(steps, SCAN_MOST)
    v = inner.copy()
    conv = np.zeros(n, dtype=bool)
    for s in distinct(steps[ok]):
        rows = np.flatnonzero(ok & (steps == s))
        sub = b.take(rows).with_steps(int(s), even=True)
        root, c = _bracketed_newton(
            lambda z, idx: resolved_height(angle[rows][idx], z, sub.take(idx), 1),
            inner[rows], outer[rows], inner[rows].copy(), tol * sub.params.distance,
            stop=stop)
        v[rows], conv[rows] = root, c
    unresolved = ~ok & open_.any(axis=1)
    return np.where(ok, v, np.nan), conv, best_h, best_v, steps, unresolved


#: How many times its starting steps the edge of reach may integrate a speed that gets there
#: unresolved (`_edge`): measured, the hit next to the edge of the issue-18 case needed 4 (32 to
#: 128); a case with no hit there spent 8 s doubling to 4096 at every bisection, 4 s to 8 times.
EDGE_MORE = 4


def _edge(b: Batch, angle, short, reach, steps, iterations: int = 30, stop=None):
    """Per row, a speed between ``short`` (the shot falls short of x = D: into a headwind, blown
    back at a finite height) and ``reach`` (it gets there, passing above the target) at which
    the shot gets there passing below the target, by bisection towards the edge of reach from
    ``steps`` (`resolved_height`: close to the edge the shot arrives with vx ~ 0, and a height
    that disagrees with half the steps is no verdict). A speed whose shot gets there but
    unresolved is integrated again with twice the steps, up to `EDGE_MORE` times the steps it
    started with, before it counts as falling short: the hits lie next to the edge, where the steps the scan used fall short
    (issue 18: at 44.3° into a 2.7 m/s headwind a 0.22 g ball hits at 7.8 km/s, between a speed
    that falls short and one 1.5 m above; the hits were taken for shots that fall short). NaN
    where none is found (the edge of reach passes above the target: no hit between). Also
    returns the steps each row's answer was resolved with, and where ``stop()`` ended the
    search before a verdict."""
    out = np.full(b.size, np.nan)
    a, c = np.asarray(short, float).copy(), np.asarray(reach, float).copy()
    s = np.asarray(steps, dtype=int).copy()
    most = np.minimum(s * EDGE_MORE, SCAN_MOST)
    rows = np.arange(b.size)
    m = 0.5 * (a + c)
    cut = np.zeros(b.size, dtype=bool)
    for _ in range(iterations * 8):
        if not rows.size:
            break
        if stop is not None and stop():
            cut[rows] = True
            break
        h = np.empty(rows.size)
        raw = np.empty(rows.size)
        for level in distinct(s[rows]):
            sel = s[rows] == level
            sub = b.take(rows[sel]).with_steps(int(level), even=True)
            h[sel] = resolved_height(angle[rows[sel]], m[rows[sel]], sub)[0]
            raw[sel] = height(angle[rows[sel]], m[rows[sel]], sub)[0]
        low = np.isfinite(h) & (h < 0)
        out[rows[low]] = m[rows[low]]
        # got there, but not resolved: more steps for the same speed (where the steps the scan
        # used fall short, a shot that gets there can come out above the target, or short)
        again = ~np.isfinite(h) & np.isfinite(raw) & (s[rows] < most[rows])
        s[rows[again]] *= 2
        step = ~low & ~again
        gets = np.isfinite(h)
        r = rows[step]
        a[r] = np.where(gets[step], a[r], m[r])
        c[r] = np.where(gets[step], m[r], c[r])
        m[r] = 0.5 * (a[r] + c[r])
        rows = rows[~low]
        # bisections end after ``iterations`` halvings of the bracket
        done = (c[rows] - a[rows]) <= (c[rows] + a[rows]) * 2.0 ** -iterations
        rows = rows[~done]
    return out, s, cut


def minimum_speed(b: Batch, v0, theta0, *, tol: float, iterations: int = 60, stop=None):
    """Per row, (theta, v, converged): the speed whose highest crossing of x = D just reaches
    the target, and that angle. H(v) = top height at v rises with v; the bracket comes from
    ``v0`` by doubling and halving, then bisection with secant steps on H. The fourth item is
    the lowest speed tried where even that still reaches (then there is no least speed), else
    NaN. ``stop()``, if given, is asked before each step: True ends the search where it is."""
    stop = stop or (lambda: False)
    unit = np.sqrt(b.params.gravity * b.params.distance)
    # H(v) is bracketed by its sign: a top 1e-3 x D above the target is high enough (refined
    # on, a top at the edge of reach costs 50 integrations, bisected to 1e-9 rad against
    # angles that do not get there; 27 of them in a search into a headwind)
    enough = 1e-3 * b.params.distance
    v_hi = np.where(np.isfinite(v0) & (v0 > 0), v0, unit)
    th_hi, h_hi = top_angle(b, v_hi, near=theta0, stop=stop, enough=enough)
    for _ in range(80):
        up = ~(h_hi >= 0)
        if not up.any() or stop():
            break
        r = np.flatnonzero(up)
        v_hi[r] *= 2.0
        th_hi[r], h_hi[r] = top_angle(b.take(r), v_hi[r], near=None, stop=stop,
                                      enough=enough[r])
    # a shot that reaches the target even at a crawl (a tailwind carries it) has no least speed
    crawl = CRAWL * unit
    _, h_crawl = top_angle(b, crawl, stop=stop)
    carried = h_crawl >= 0
    v_lo = 0.5 * v_hi
    th_lo, h_lo = top_angle(b, v_lo, near=th_hi, stop=stop, enough=enough)
    h_lo[carried] = np.inf
    v_lo[carried] = crawl[carried]
    for _ in range(HALVINGS):
        down = (h_lo >= 0) & ~carried
        if not down.any() or stop():
            break
        r = np.flatnonzero(down)
        v_hi[r], th_hi[r], h_hi[r] = v_lo[r], th_lo[r], h_lo[r]
        v_lo[r] *= 0.5
        th_lo[r], h_lo[r] = top_angle(b.take(r), v_lo[r], near=th_lo[r], stop=stop,
                                      enough=enough[r])
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
        th, h = top_angle(b.take(rows), m, near=th_hi[rows], stop=stop,
                          enough=enough[rows])
        up = h >= 0
        v_hi[rows] = np.where(up, m, c)
        h_hi[rows] = np.where(up, h, hc)
        th_hi[rows] = np.where(up, th, th_hi[rows])
        v_lo[rows] = np.where(up, a, m)
        h_lo[rows] = np.where(up, ha, np.where(np.isfinite(h), h, -np.inf))
        done = up & (h <= atol[rows])
        # close enough for the solver to finish from (`aim` confirms every answer)
        done |= (v_hi[rows] - v_lo[rows]) <= 1e-9 * v_hi[rows]
        # the edge of reach: just slower, the shot does not get there, and the top passes
        # the target far off (the least speed is no top: `edge`); no use closing in further
        done |= ((v_hi[rows] - v_lo[rows] <= 1e-7 * v_hi[rows]) & (h_lo[rows] == -np.inf)
                 & (h_hi[rows] > 1e3 * atol[rows]))
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
