"""Solvers for many small independent least-squares problems at once.

The solvers know nothing about cannons. A problem is a *residual* function F(z, idx) -> (n, m):
the rows ``idx`` of a batch of N independent problems, each with k unknowns z (n, k) and m
residuals, written so that autograd can differentiate it. Its loss is L = 1/2 |F|^2 per problem,
and a problem is solved when max |F| <= tol. Every solver takes its derivatives from autograd:
the gradient of L as one vector-Jacobian product, and the Jacobian of F (for Newton) as m of
them, all from a single forward pass.

Each solver iterates on the whole batch as arrays and drops a problem from the iteration once it
has converged. Failure comes back as data (`Result.converged`); nothing is printed. ``callback``
is called once per iteration with a `Progress` (the solver's own state, in the solver's terms).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from autograd import make_vjp

from . import SOLVERS  # noqa: F401 - the names live with the package

Residual = Callable[[np.ndarray, np.ndarray], np.ndarray]


#: Default learning rates for the first-order solvers, in scaled variables (see `_scales`).
DEFAULT_LEARNING_RATE = {"gd": 0.5, "adam": 0.2, "lbfgs": None, "newton": None}
DEFAULT_MAX_ITER = {"gd": 2000, "adam": 2000, "lbfgs": 200, "newton": 50}


@dataclass(frozen=True)
class Progress:
    """One iteration, reported to a callback: z, residuals and loss of the problems still
    iterating (rows ``active`` of the batch)."""

    iteration: int
    active: np.ndarray
    z: np.ndarray
    residual: np.ndarray
    loss: np.ndarray


@dataclass(frozen=True)
class Result:
    """Where each problem of the batch ended: z (N, k), residual (N, m), converged (N,) and the
    iterations (N,) it took."""

    z: np.ndarray
    residual: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray

    def put(self, rows, other: "Result") -> "Result":
        """This result with ``other``'s entries at ``rows``."""
        out = [a.copy() for a in (self.z, self.residual, self.converged, self.iterations)]
        for a, b in zip(out, (other.z, other.residual, other.converged, other.iterations)):
            a[rows] = b
        return Result(*out)


Callback = Optional[Callable[[Progress], None]]
#: ``stop()``: True ends a solver's run where it is (the caller's work budget is spent).
Stop = Optional[Callable[[], bool]]


def _loss(f: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        out = 0.5 * np.sum(f * f, axis=1)
    return np.where(np.isfinite(out), out, np.inf)


def done(f: np.ndarray, tol: float) -> np.ndarray:
    """Per problem, whether its residuals ``f`` (n, m) meet ``tol``."""
    with np.errstate(invalid="ignore"):
        return np.all(np.abs(f) <= tol, axis=1)


def evaluate(residual: Residual, z: np.ndarray, idx: np.ndarray, *, jacobian: bool = False):
    """F(z) and the gradient of L = 1/2 |F|^2, and the Jacobian dF/dz (n, m, k) if asked, from
    one forward pass of autograd."""
    vjp, f = make_vjp(lambda zz: residual(zz, idx))(z)
    f = np.asarray(f)
    finite = np.isfinite(f).all(axis=1)
    f0 = np.where(finite[:, None], f, 0.0)
    if not jacobian:
        return f, vjp(f0), None
    m = f.shape[1]
    jac = np.empty((f.shape[0], m, z.shape[1]))
    for i in range(m):
        e = np.zeros_like(f)
        e[:, i] = 1.0
        jac[:, i] = vjp(e)
    # the problems are independent, so the gradient J^T F needs no backward pass of its own
    return f, np.einsum("nm,nmk->nk", f0, jac), jac


def _clip(z, lower, upper, idx):
    return np.clip(z, lower[idx], upper[idx])


def _preconditioner(jac: np.ndarray) -> np.ndarray:
    """A fixed linear change of variables per problem, z = z0 + M w, with M = J0^-1 from the
    Jacobian at the start (column scaling where J0 is singular).

    In w the residual's Jacobian starts as the identity, so the loss curvature is about 1 in
    every direction: one dimensionless learning rate suits angles in radians and speeds in m/s,
    and coupled unknowns (the minimum-speed shot) do not make descent crawl along a valley.
    """
    n, m, k = jac.shape
    eye = np.broadcast_to(np.eye(k), (n, k, k)).copy()
    out = eye.copy()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if m == k:
            good = np.isfinite(jac).all(axis=(1, 2)) & (np.abs(np.linalg.det(jac)) > 1e-300)
            if good.any():
                out[good] = np.linalg.inv(jac[good])
        else:
            good = np.zeros(n, dtype=bool)
        s = np.sqrt(np.sum(jac * jac, axis=1))
        s = np.where(np.isfinite(s) & (s > 0), s, 1.0)
        out[~good] = eye[~good] / s[~good][:, None, :].transpose(0, 2, 1)
        bad = ~np.isfinite(out).all(axis=(1, 2))
        out[bad] = eye[bad]
    return out


def _residual_size(f: np.ndarray) -> np.ndarray:
    size = np.sqrt(2.0 * _loss(f))
    return np.where(np.isfinite(size) & (size > 0), size, 1.0)


#: Newton iterations without the loss halving after which a problem counts as stalled.
STALL_ITERATIONS = 8
#: Halvings of Newton's step in its line search before the problem counts as stuck: a step
#: that must be cut below 2^-20 ~ 1e-6 of Newton's to lower the loss makes no progress worth
#: its cost (a fixed-angle start at 2e9 x sqrt(g D) took 300 evaluations to crawl down).
LINE_SEARCH = 21


def newton(residual: Residual, z0, lower, upper, *, tol: float, max_iter: int,
           callback: Callback = None, stop: Stop = None, **_: object) -> Result:
    """Newton's method on F(z) = 0 with the exact Jacobian from autograd, damped by a
    backtracking line search on L so that each step decreases the loss.

    For the hit residual this is Newton-Raphson on the miss; for a stationarity system such as
    (miss, d miss / d angle) its Jacobian holds the exact second derivatives of the model.
    ``stop()``, if given, is asked before every evaluation: True ends the run where it is (a
    work budget: a line search that keeps failing can take dozens of halvings an iteration).
    """
    stop = stop or (lambda: False)
    n = z0.shape[0]
    z = z0.copy()
    iters = np.zeros(n, dtype=int)
    active = np.arange(n)
    f, _, jac = evaluate(residual, z, active, jacobian=True)
    f_all = f.copy()
    conv = done(f, tol)
    active, f, jac = active[~conv], f[~conv], jac[~conv]
    # per problem, the loss to halve and the iteration it was set at: Newton that has not
    # halved the loss in `STALL_ITERATIONS` damped steps is not going to converge from here
    mark, since = _loss(f), np.zeros(active.size, dtype=int)
    it = 0
    while active.size and it < max_iter and not stop():
        it += 1
        loss = _loss(f)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            step = np.full(f.shape, np.nan)
            good = np.isfinite(jac).all(axis=(1, 2)) & (np.abs(np.linalg.det(jac)) > 1e-300)
            if good.any():
                step[good] = -np.linalg.solve(jac[good], f[good][:, :, None])[:, :, 0]
            bad = ~np.isfinite(step).all(axis=1)
            if bad.any():  # singular Jacobian: fall back to the steepest-descent direction
                step[bad] = -np.einsum("nm,nmk->nk", f[bad], jac[bad])
        t = np.ones(active.size)
        new_z, new_f, new_j = z[active].copy(), f.copy(), jac.copy()
        # a step below the rounding of z cannot lower the loss: no line search for it
        tiny = np.all(np.abs(step) <= 4 * np.finfo(float).eps * np.maximum(np.abs(z[active]), 1.0),
                      axis=1)
        pending = np.flatnonzero(~tiny)
        # the line search needs the residual only (no derivatives: several times cheaper,
        # and a failing search can take dozens of halvings); the Jacobian is taken once, at
        # the point accepted
        accepted = []
        for _ in range(LINE_SEARCH):
            if stop():
                break
            rows = active[pending]
            zz = _clip(z[rows] + t[pending, None] * step[pending], lower, upper, rows)
            with np.errstate(all="ignore"):
                ff = np.asarray(residual(zz, rows), dtype=float)
            new = _loss(ff)
            ok = np.isfinite(new) & ((new <= (1.0 - 1e-4 * t[pending]) * loss[pending])
                                     | done(ff, tol))
            acc = pending[ok]
            new_z[acc], new_f[acc] = zz[ok], ff[ok]
            accepted.append(acc)
            pending = pending[~ok]
            if pending.size == 0:
                break
            t[pending] *= 0.5
            # a step below the rounding of z lands on z itself: no lower loss to find there
            small = np.all(np.abs(t[pending, None] * step[pending])
                           <= 4 * np.finfo(float).eps * np.maximum(np.abs(z[active[pending]]), 1.0),
                           axis=1)
            if small.all():
                break
        acc = np.concatenate(accepted) if accepted else np.zeros(0, dtype=int)
        acc = acc[~done(new_f[acc], tol)]
        if acc.size:
            ff, _, jj = evaluate(residual, new_z[acc], active[acc], jacobian=True)
            new_f[acc], new_j[acc] = ff, jj
        stuck = np.zeros(active.size, dtype=bool)
        stuck[pending] = True
        z[active] = new_z
        iters[active] = it
        f_all[active] = new_f
        c = done(new_f, tol)
        conv[active] = c
        if callback is not None:
            callback(Progress(it, active, new_z, new_f, _loss(new_f)))
        now = _loss(new_f)
        halved = now <= 0.5 * mark
        mark = np.where(halved, now, mark)
        since = np.where(halved, 0, since + 1)
        keep = ~c & ~stuck & (since < STALL_ITERATIONS)
        active, f, jac = active[keep], new_f[keep], new_j[keep]
        mark, since = mark[keep], since[keep]
    return Result(z, f_all, conv, iters)


def _first_order(update, residual: Residual, z0, lower, upper, *, tol: float, max_iter: int,
                 learning_rate: float, callback: Callback, unit_start: bool = False,
                 monotone: bool = False) -> Result:
    """The loop shared by gradient descent and Adam: w <- w - lr * update(dL/dw) in the
    preconditioned variables w (see `_preconditioner`). A step that lands where the loss is not
    finite (the shot no longer reaches the target distance) is refused and that problem's
    learning rate halved."""
    n = z0.shape[0]
    z = z0.copy()
    iters = np.zeros(n, dtype=int)
    active = np.arange(n)
    f, g, jac = evaluate(residual, z, active, jacobian=True)
    pre = _preconditioner(jac)
    if unit_start:  # measure w in units of the starting residual: |w - w*| is about 1 at start
        pre *= _residual_size(f)[:, None, None]
    lr = np.full(n, float(learning_rate))
    state: dict = {}
    f_all = f.copy()
    conv = done(f, tol)
    it = 0
    while it < max_iter:
        live = ~conv[active] & np.isfinite(_loss(f))
        active, f, g = active[live], f[live], g[live]
        for key in state:
            state[key] = state[key][live]
        if not active.size:
            break
        it += 1
        m = pre[active]
        gw = np.einsum("nkj,nk->nj", m, g)  # dL/dw = M^T dL/dz
        step = update(state, gw, it, _loss(f)) * lr[active, None]
        zz = _clip(z[active] - np.einsum("nkj,nj->nk", m, step), lower, upper, active)
        ff, gg, _ = evaluate(residual, zz, active)
        ok = np.isfinite(_loss(ff))
        if monotone:
            ok &= _loss(ff) <= _loss(f)
        lr[active[~ok]] *= 0.5
        z[active[ok]] = zz[ok]
        f[ok], g[ok] = ff[ok], gg[ok]
        iters[active] = it
        f_all[active] = f
        conv[active] = done(f, tol)
        if callback is not None:
            callback(Progress(it, active, z[active], f, _loss(f)))
    return Result(z, f_all, conv, iters)


def gd(residual: Residual, z0, lower, upper, *, tol: float, max_iter: int,
       learning_rate: float = DEFAULT_LEARNING_RATE["gd"], callback: Callback = None,
       **_: object) -> Result:
    """Plain gradient descent, w <- w - lr * dL/dw, in the variables w of `_preconditioner`,
    with one safeguard: a step that would raise the loss is refused and that problem's learning
    rate halved. (The preconditioner is fixed at the start; where the curvature grows more than
    fourfold along the way, lr = 0.5 alone settles into a 2-cycle: measured from 1.3x the speed
    at a fixed angle.)"""
    return _first_order(lambda state, gw, it, loss: gw, residual, z0, lower, upper, tol=tol,
                        max_iter=max_iter, learning_rate=learning_rate, callback=callback,
                        monotone=True)


def adam(residual: Residual, z0, lower, upper, *, tol: float, max_iter: int,
         learning_rate: float = DEFAULT_LEARNING_RATE["adam"], callback: Callback = None,
         beta1: float = 0.9, beta2: float = 0.9, eps: float = 1e-30, decay: float = 0.97,
         **_: object) -> Result:
    """Adam (Kingma & Ba, 2015) with bias correction, in the variables w of `_preconditioner`
    measured in units of the starting residual, so that ``learning_rate`` is the fraction of the
    way to the answer a step may go.

    Adam's step is about lr whatever the gradient, so at a fixed rate it hovers around the
    minimum instead of reaching a tight tolerance; the rate decays exponentially,
    lr * decay^t (optax.exponential_decay), which lets it settle. beta2 = 0.9 instead of the
    usual 0.999: with a long memory the denominator remembers the large early gradients and,
    together with the decay, freezes the step before the tolerance is met (measured on
    quadratic residuals with curvatures 0.04 to 9: 0.999 stalls, 0.9 converges in ~600)."""

    def update(state, gw, it, loss):
        m = state.get("m", np.zeros_like(gw))
        v = state.get("v", np.zeros_like(gw))
        m = beta1 * m + (1 - beta1) * gw
        v = beta2 * v + (1 - beta2) * gw * gw
        state.update(m=m, v=v)
        mh = m / (1 - beta1 ** it)
        vh = v / (1 - beta2 ** it)
        return decay ** it * mh / (np.sqrt(vh) + eps)

    return _first_order(update, residual, z0, lower, upper, tol=tol, max_iter=max_iter,
                        learning_rate=learning_rate, callback=callback, unit_start=True)


#: Iterations of one joint L-BFGS-B run over a batch before it is restarted (see `lbfgs`).
LBFGS_SEGMENT = 8
#: Loss evaluations without the loss halving after which an L-BFGS-B run counts as stalled.
STALL_EVALUATIONS = 8


class _Stalled(Exception):
    pass


def lbfgs(residual: Residual, z0, lower, upper, *, tol: float, max_iter: int,
          callback: Callback = None, stop: Stop = None, **_: object) -> Result:
    """scipy's L-BFGS-B on the summed loss of the batch, with autograd's gradient (jac=True),
    in the variables w of `_preconditioner`; it stops as soon as every problem is solved.

    A batch is one joint problem, which cannot drop the problems that have converged and whose
    quasi-Newton memory (and its one scalar scaling) is shared by problems of very different
    curvature: measured, 2000 minimum-speed problems took 122 joint iterations, one alone ~10.
    So a batch runs in segments of `LBFGS_SEGMENT` iterations, each restarted from where the
    last ended with a fresh preconditioner and without the problems already solved.
    A single problem runs in one piece.

    With one unknown the bounds on z are bounds on w, and L-BFGS-B keeps to them; with two they
    are not boxes in w, and are applied by clipping inside the loss."""
    n = z0.shape[0]
    if n == 1:
        return _lbfgs_run(residual, z0, lower, upper, tol=tol, max_iter=max_iter,
                          callback=callback, stop=stop)
    z = z0.copy()
    f_all = np.full((n, 0), np.nan)
    conv = np.zeros(n, dtype=bool)
    iters = np.zeros(n, dtype=int)
    active = np.arange(n)
    used = 0
    while active.size and used < max_iter and not (stop and stop()):
        seg = min(LBFGS_SEGMENT, max_iter - used)
        sub = lambda zz, idx, rows=active: residual(zz, rows[idx])
        report = None
        if callback is not None:
            report = lambda p, rows=active, base=used: callback(
                Progress(base + p.iteration, rows[p.active], p.z, p.residual, p.loss))
        r = _lbfgs_run(sub, z[active], lower[active], upper[active], tol=tol, max_iter=seg,
                       callback=report, stop=stop)
        if f_all.shape[1] == 0:
            f_all = np.full((n, r.residual.shape[1]), np.nan)
        z[active], f_all[active], conv[active] = r.z, r.residual, r.converged
        ran = int(r.iterations.max(initial=0))
        iters[active] = used + r.iterations
        used += max(ran, 1)
        if ran < seg and not r.converged.any():
            break  # the line search gave up without solving anything: a restart will not help
        active = active[~r.converged]
    return Result(z, f_all, conv, iters)


def _lbfgs_run(residual: Residual, z0, lower, upper, *, tol: float, max_iter: int,
               callback: Callback = None, stop: Stop = None) -> Result:
    """One joint L-BFGS-B run (see `lbfgs`)."""
    n, k = z0.shape
    active = np.arange(n)
    f0, g0, jac = evaluate(residual, z0, active, jacobian=True)
    if done(f0, tol).all():
        return Result(z0.copy(), f0, np.ones(n, dtype=bool), np.zeros(n, dtype=int))
    # scipy.optimize takes about 0.3 s to import: only when there is work for it (the
    # closed-form start of a shot in vacuum already solves it)
    from scipy.optimize import minimize
    # with M = J0^-1 the gradient in w at the start is F0, so L-BFGS-B's first direction, -g,
    # is the Newton direction
    pre = _preconditioner(jac)
    # ... and its first trial step -g itself where every variable is bounded (k = 1, below),
    # but -g / |g| without bounds, and |g| = |F0| is the whole batch's residual: measured,
    # 10,000 3-D crosswind shots, ~15 times Newton's step, one evaluation more to come back.
    # With w in units of |F0| and the loss in units of |F0|^2 (|g| = 1 at the start; L-BFGS-B
    # is otherwise invariant to both scalings) it is Newton's step again. (w in units of |F0|
    # alone does it only for |F0| > 1e-5: L-BFGS-B caps that first step at 1e10.)
    unit = 1.0
    if k > 1:
        size = np.sqrt(2.0 * np.sum(np.where(np.isfinite(_loss(f0)), _loss(f0), 0.0)))
        if np.isfinite(size) and size > 0 and np.isfinite(1.0 / (size * size)):
            pre, unit = pre * size, 1.0 / (size * size)
    big = 1e6 * (1.0 + float(np.sum(np.where(np.isfinite(_loss(f0)), _loss(f0), 0.0))))
    z0 = z0.copy()
    to_z = lambda w: z0 + np.einsum("nkj,nj->nk", pre, w.reshape(n, k))
    last: dict = {}
    # the best point evaluated, and how many evaluations since the loss last halved
    best = {"loss": np.inf, "mark": np.inf, "since": 0, "z": z0, "f": f0}
    # the summed loss of residuals all at the floating-point floor `settle` accepts
    floor = 0.5 * FLOOR_CAP ** 2 * n

    def fun(w):
        if stop is not None and stop():
            raise _Stalled  # the caller's work budget is spent: keep the best point
        if not w.any():  # the start, already evaluated
            f, g, z = f0, g0, z0
        else:
            z = _clip(to_z(w), lower, upper, active)
            f, g, _ = evaluate(residual, z, active)
        loss = _loss(f)
        last.update(w=w.copy(), z=z, f=f)
        total = float(np.sum(loss))
        # a trial point within the rounding of the best one: no lower loss to find between
        rounding = np.all(np.abs(z - best["z"]) <= 4 * np.finfo(float).eps
                          * np.maximum(np.abs(best["z"]), 1.0))
        if total < best["loss"]:
            best.update(loss=total, z=z, f=f)
        if total < 0.5 * best["mark"]:
            best.update(mark=total, since=0)
        else:
            best["since"] += 1
            if best["since"] > STALL_EVALUATIONS and (best["loss"] <= floor or rounding):
                # at the floating-point floor of a steep shot L-BFGS-B's line searches go on
                # until the iteration limit: stop, and keep the best point. Only down there
                # (or where the trial points no longer move in double precision: a target
                # between two adjacent angles): higher up a loss that halves slowly is a valley
                # being followed, or a first trial step far too short for a large residual
                # (scipy's |w| = 1)
                raise _Stalled
        bad = ~np.isfinite(loss)
        if bad.any():
            # outside the region where the shot reaches the target: a loss far above the
            # start's (finite, so that scipy's line search can step back from it)
            loss = np.where(bad, big, loss)
            g = np.where(bad[:, None], 0.0, g)
        return float(np.sum(loss)) * unit, np.einsum("nkj,nk->nj", pre, g).ravel() * unit

    iteration = [0]

    def on_iteration(intermediate_result):
        iteration[0] += 1
        if "w" in last and np.array_equal(last["w"], intermediate_result.x):
            f = last["f"]
        else:
            fun(intermediate_result.x)
            f = last["f"]
        if callback is not None:
            callback(Progress(iteration[0], active, last["z"], f, _loss(f)))
        if done(f, tol).all():
            raise StopIteration

    bounds = None
    if k == 1:  # z = z0 + M w with M a scalar: the bounds on z are bounds on w
        a = (lower - z0)[:, 0] / pre[:, 0, 0]
        b = (upper - z0)[:, 0] / pre[:, 0, 0]
        bounds = list(zip(np.minimum(a, b), np.maximum(a, b)))
    try:
        with _one_blas_thread():
            res = minimize(fun, np.zeros(n * k), jac=True, method="L-BFGS-B", bounds=bounds,
                           callback=on_iteration,
                           options={"maxiter": max_iter, "maxfun": 3 * max_iter + 5,
                                    "ftol": 0.0, "gtol": 0.0, "maxcor": 10})
    except _Stalled:
        z, f = best["z"], best["f"]
        return Result(z, f, done(f, tol), np.full(n, max(iteration[0], 1)))
    if "w" in last and np.array_equal(last["w"], res.x):
        z, f = last["z"], last["f"]
    else:
        z = _clip(to_z(res.x), lower, upper, active)
        f, _, _ = evaluate(residual, z, active)
    return Result(z, f, done(f, tol), np.full(n, max(iteration[0], 1)))


@functools.cache
def _blas_pools():
    """The BLAS libraries loaded once scipy.optimize is (its own OpenBLAS among them)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")


def _one_blas_thread():
    """L-BFGS-B's vectors are a few numbers long, where a BLAS thread pool only costs: measured
    on a 2-core machine, waking an idle OpenBLAS pool made one minimum-speed solve take 139 ms
    instead of 81. One thread for the call, whatever the import order, restored after it (the
    user's setting stays theirs)."""
    return _blas_pools().limit(limits=1)


#: The largest relative miss that `settle` accepts as the floating-point floor.
FLOOR_CAP = 1e-7


def settle(residual: Residual, result: Result, *, tol: float) -> Result:
    """Mark as converged the problems that stopped at the floating-point floor of their residual.

    Near the vertical a shot's miss changes by D sec^2(theta) per radian: rounding the angle
    to the nearest double already moves it by more than ``tol`` x D there, so no solver can
    meet ``tol``. A problem is solved at its floor when every |F_i| is within the rounding
    noise of the unknowns, 4 eps sum_k |dF_i/dz_k| max(|z_k|, 1), over ``tol``, and below
    `FLOOR_CAP` (1e-7: a tenth of the miss promised). One Jacobian, for those that did
    not converge only.
    """
    rows = np.flatnonzero(~result.converged)
    if not rows.size:
        return result
    z = result.z[rows]
    with np.errstate(all="ignore"):
        f, _, jac = evaluate(residual, z, rows, jacobian=True)
        noise = 4 * np.finfo(float).eps * np.einsum("nmk,nk->nm", np.abs(jac),
                                                      np.maximum(np.abs(z), 1.0))
        ok = (np.all(np.abs(f) <= tol + noise, axis=1)
              & np.all(np.abs(f) <= FLOOR_CAP, axis=1))
    if not ok.any():
        return result
    converged = result.converged.copy()
    converged[rows[ok]] = True
    return Result(result.z, result.residual, converged, result.iterations)


SOLVER_FUNCTIONS = {"lbfgs": lbfgs, "newton": newton, "adam": adam, "gd": gd}
