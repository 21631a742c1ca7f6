"""Step control of the RK4 integration in x: how many steps a shot starts with, how far its end
height is from the exact one (Richardson), and how many steps the next try takes. One set of
rules for the solve (`aim.driver`) and the pictures (`io.pictures`).
"""

from __future__ import annotations

import numpy as np

#: Fewest RK4 steps, and the most before giving up on refining.
MIN_STEPS, MAX_STEPS = 16, 4096
#: The most RK4 steps a start is given (a steep shot stalls at its end, which a graded mesh
#: resolves better than more even steps: see `aim.driver`'s refinement).
START_STEPS = 128
#: A shot whose horizontal speed at the target is below this fraction of its launch's is
#: integrated on a graded mesh (`model.Params.mesh`).
STALL = 0.25


def worth_grading(q) -> np.ndarray:
    """Whether a shot whose horizontal speed at the target is ``q`` times its launch's is
    integrated on a mesh graded by q (`model.Params.mesh`): where it stalls (q < `STALL`),
    the steps shrink towards the target; where a tailwind carries a slow launch (q > 1 /
    `STALL`), they grow from the launch, like equal steps in time (measured: a 0.05 g pellet
    launched at 0.49 m/s horizontally into a 34 m/s tailwind, q = 19: 128 steps graded by 10
    as accurate as 512 even ones, 3e-7 m; graded by 100, 32 steps)."""
    q = np.asarray(q, float)
    return (q > 0) & ((q < STALL) | (q > 1.0 / STALL))


#: Richardson divisor 2^p - 1 of RK4 (order 4).
RICHARDSON = 15.0
#: Richardson divisor for a drag table. The PCHIP Cd(Mach) has a second derivative that jumps
#: at the knots, so RK4 steps that straddle knots converge at order 2-3, irregularly (measured
#: for the .308 G7 shot: the true error was 0.1-11x the order-4 estimate); counting order 2
#: makes the estimate 5x more cautious.
RICHARDSON_TABLE = 3.0
#: Below this ratio of successive differences (16 for order 4), the asymptotic range is not
#: reached and the observed order estimates the error (`error`).
OBSERVED_ORDER_RATIO = 8.0


def for_launch(theta, *, least: int = MIN_STEPS, most: int = START_STEPS) -> np.ndarray:
    """RK4 steps for shots launched at ``theta`` (rad): 16, doubled for every doubling of the
    launch slope past 1/2 (steep shots turn fast in x), within [least, most]. A start: the
    a-posteriori check (`error`) refines further."""
    slope = np.maximum(1.0, 2.0 * np.abs(np.tan(np.nan_to_num(theta, nan=0.8))))
    return np.clip(MIN_STEPS * 2 ** np.ceil(np.log2(slope)), least, most).astype(int)


def error(fine, coarse, *, table: bool, coarser=None):
    """The discretisation error of a height integrated with n steps (``fine``), from the same
    shot with n/2 steps (``coarse``): RK4 is 4th order, so y_n - y_true ~ (y_n - y_{n/2}) / 15;
    with a drag table, only C1 at its knots, counted as 2nd order: / 3.

    With n/4 steps too (``coarser``), the order is also observed: the differences shrink by
    r = (y_{n/2} - y_{n/4}) / (y_n - y_{n/2}), 16 for RK4 in its asymptotic range. Where r is
    below 8 the steps are not there yet (a near-vertical arc that turns within a few
    centimetres of x: measured, a true error 25x the order-4 estimate), and the error is
    estimated from the observed r, (y_n - y_{n/2}) / (r - 1), or as the whole difference when
    the differences do not shrink at all."""
    d = np.asarray(fine) - np.asarray(coarse)
    est = d / (RICHARDSON_TABLE if table else RICHARDSON)
    if coarser is None:
        return est
    with np.errstate(all="ignore"):
        r = (np.asarray(coarse) - np.asarray(coarser)) / d
        observed = np.where(r > 2.0, d / (r - 1.0), d)
    slow = ~(r >= OBSERVED_ORDER_RATIO) & (d != 0)
    return np.where(slow & (np.abs(observed) > np.abs(est)), observed, est)


#: The grading of the cross-check's mesh (`cross_checked`): its last step 0.7 of its first.
CROSS_GRADING = 0.7


def cross_checked(err, fine, other):
    """The error estimate of a height with a drag table, checked against the same shot on a
    mesh graded otherwise (``other``, same steps): the two meshes' heights disagree by at
    least what one of them misses by, so an estimate below half their difference is not
    believed. Through a drag table's knots RK4 converges irregularly, and the n- and
    n/2-step heights can agree by accident: measured, a G7 shot through Mach 1 whose 8- and
    16-step heights agreed to 2.5e-6 m while both were 5.1e-4 m (2e-6 x distance) from the
    converged one; on the graded mesh it was 8.9e-4 m off, so the check sends it to more
    steps. On 10,000 .308 shots (G7, ICAO, 100-1000 m) it sends 39 of the 8,581 16-step
    answers to 32 steps, for one more integration a shot (the batch 0-10 % slower)."""
    d = 0.5 * (np.asarray(fine) - np.asarray(other))
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(d) > np.abs(err), d, err)


def refined(steps, err, tolerance) -> np.ndarray:
    """The steps of the next try for shots whose estimated error ``err`` exceeds ``tolerance``
    (m): the error goes as steps^-4, so jump to the steps it asks for, a power of 2 times as
    many, from 2 to 16 times, at most `MAX_STEPS` (with a drag table the estimate already
    counts order 2, so this stays cautious)."""
    with np.errstate(all="ignore"):
        ratio = np.abs(err) / tolerance
        factor = 2.0 ** np.ceil(np.log2(np.nan_to_num(ratio, nan=16.0) ** 0.25))
    return np.minimum(np.asarray(steps) * np.clip(factor, 2, 16), MAX_STEPS).astype(int)


def distinct(values: np.ndarray) -> np.ndarray:
    """np.unique of step counts, without the sort when every value is the same (the usual
    case), and without np.unique, which imports numpy.ma (13 ms of a process's start)."""
    if not values.size or (values == values[0]).all():
        return values[:1]
    s = np.sort(values)
    return s[np.concatenate(([True], s[1:] != s[:-1]))]
