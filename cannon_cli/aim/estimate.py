"""The truing fit and its statistics (docs/physics.md §12): weighted least squares on the exact
Jacobian (`truing.Model.jacobian`), the covariance (J^T J)^-1 of the estimates from the stated
standard deviations, 95 % intervals, the correlations, chi² per degree of freedom, and the test
of whether the data determine what was asked: the singular values of the Jacobian with its
columns scaled to unit length (unit-free), and the combination of the parameters that the
smallest one leaves loose, in the parameters' own units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

#: The test counts in each parameter's ``step`` (1 m/s muzzle speed, 1 % BC or drag, 1 % Cd at
#: a knot, 1 m/s crosswind, 1 mrad elevation offset): the loosest combination of the parameters,
#: scaled so that its largest part is one step, is known to ±1/moves of itself at one sd
#: (moves: how many sd it changes the observations by). Above WARN steps the fit warns, above
#: REFUSE it refuses. Measured (.308 G7, 0.03 mrad, speed and BC): one shot at 300, 600 and
#: 900 m gives 3.3 (a warning), ten at each 1.05, three at 50-100 m 270 and three at 100-200 m 62
#: (refusals).
WARN_STEPS = 2.0
REFUSE_STEPS = 20.0
#: the column-scaled Jacobian's condition number beyond which it is singular to rounding
SINGULAR = 1e10
#: the normal quantile of a two-sided 95 % interval
Z95 = 1.959963984540054


@dataclass
class Identifiability:
    """How well the data pin the parameters: the condition number of the column-scaled
    Jacobian, the verdict ("determined", "weak", "undetermined"), and the loosest combination
    (model's units, scaled so its largest part is one ``step``) with the change of the
    residuals (in sd) it makes and the words that say so."""

    condition: float
    verdict: str
    combination: Optional[np.ndarray] = None
    moves: float = math.nan
    words: str = ""


def identify(jac: np.ndarray, params) -> Identifiability:
    """The identifiability test on a weighted Jacobian (R, P)."""
    norms = np.linalg.norm(jac, axis=0)
    p = jac.shape[1]
    if jac.shape[0] < p or not np.all(norms > 0) or not np.all(np.isfinite(jac)):
        dead = [i for i in range(p) if not norms[i] > 0]
        combo = np.zeros(p)
        if dead:
            combo[dead[0]] = params[dead[0]].step
            words = f"+1 {params[dead[0]].words} moves no observation"
        else:
            words = (f"{jac.shape[0]} residuals cannot determine {p} parameters"
                     if jac.shape[0] < p else "the model failed (a shot did not reach)")
        return Identifiability(math.inf, "undetermined", combo, 0.0, words)
    # the SVD of the columns scaled to unit length (unit-free: the directions are comparable),
    # then the loose direction in each parameter's steps, where it has a size one can judge
    _, s, vt = np.linalg.svd(jac / norms, full_matrices=False)
    condition = float(s[0] / s[-1])
    steps = np.array([q.step for q in params])
    counted = vt[-1] / norms / steps
    top = int(np.argmax(np.abs(counted)))
    counted = counted / counted[top]
    delta = counted * steps
    moves = float(np.linalg.norm(jac @ delta))
    loose = 1.0 / moves if moves > 0 else math.inf
    verdict = ("undetermined" if loose > REFUSE_STEPS or condition > SINGULAR else
               "weak" if loose > WARN_STEPS else "determined")
    parts = [f"{c:+.2g} {q.words}" for c, q in zip(counted, params) if abs(c) >= 0.01]
    words = (" with ".join(parts) + f" changes the observations by only {moves:.2g} sd: the data "
             f"know it to ±{loose:.2g} times itself (one sd)")
    return Identifiability(condition, verdict, delta, moves, words)


@dataclass
class Fit:
    """A truing fit: the parameters, their estimates ``x`` (model's units) with the covariance,
    the weighted residuals at the start and at the end, chi², the identifiability test and the
    solver's report."""

    params: list
    x: np.ndarray
    cov: np.ndarray
    residuals: np.ndarray
    start_residuals: np.ndarray
    labels: list
    chi2: float
    dof: int
    ident: Identifiability
    converged: bool
    message: str
    evaluations: int = 0
    warnings: list = field(default_factory=list)

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.maximum(np.diag(self.cov), 0.0))

    @property
    def correlation(self) -> np.ndarray:
        se = self.se
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.cov / np.outer(se, se)

    @property
    def interval(self) -> np.ndarray:
        """(P, 2) the 95 % intervals, x ± 1.96 se (the sds are taken as known: no Student t)."""
        return np.stack([self.x - Z95 * self.se, self.x + Z95 * self.se], axis=1)

    @property
    def chi2_dof(self) -> float:
        return self.chi2 / self.dof if self.dof > 0 else math.nan


def fit(model, *, tol: float = 1e-12, max_evaluations: int = 100) -> Fit:
    """Least squares on ``model`` (`truing.Model`) from its parameters' starts: scipy's
    trust-region reflective ``least_squares`` with the exact Jacobian (bounds keep the speed and
    the BC positive), then the statistics at the answer. The identifiability test runs at the
    start too: if the data cannot determine the parameters there, no fit is tried."""
    from scipy.optimize import least_squares

    params = model.params
    x0 = np.array([p.start for p in params], dtype=float)
    r0, j0 = model.jacobian(x0)
    ident = identify(j0, params)
    labels = model.labels
    if ident.verdict == "undetermined":
        return Fit(params, x0, np.full((len(x0), len(x0)), np.nan), r0, r0, labels,
                   float(r0 @ r0), len(r0) - len(x0), ident, False, "not fitted: " + ident.words)
    cache = {}

    def jac(x):
        key = x.tobytes()
        if key not in cache:
            cache.clear()
            cache[key] = model.jacobian(x)
        return cache[key][1]

    def fun(x):
        key = x.tobytes()
        if key in cache:
            return cache[key][0]
        return np.asarray(model.residuals(x), dtype=float)

    lower = np.array([p.lower for p in params])
    with np.errstate(all="ignore"):
        res = least_squares(fun, x0, jac=jac, bounds=(lower, np.inf), method="trf",
                            x_scale="jac", xtol=tol, ftol=tol, gtol=tol,
                            max_nfev=max_evaluations)
    r, j = model.jacobian(res.x)
    ident = identify(j, params)
    with np.errstate(all="ignore"):
        try:
            cov = np.linalg.inv(j.T @ j)
        except np.linalg.LinAlgError:
            cov = np.full((len(x0), len(x0)), np.nan)
    converged = bool(res.success) and bool(np.all(np.isfinite(r)))
    return Fit(params, res.x, cov, r, r0, labels, float(r @ r), len(r) - len(x0), ident,
               converged, res.message, int(res.nfev))


#: chi² per degree of freedom below which the fit is exact, to rounding: no noise at all
EXACT = 1e-6


def chi2_warning(fit: Fit) -> Optional[str]:
    """A warning when chi² is unlikely under the stated sds (p < 0.001 either way): the sds are
    wrong, or the model misses something (an effect not fitted). An exact fit (noise-free
    data, as synthetic tests make) is told apart: nothing is wrong with the sds there."""
    if fit.dof <= 0 or not math.isfinite(fit.chi2):
        return None
    from scipy.stats import chi2

    if fit.chi2_dof < EXACT:
        return (f"the model fits the observations exactly (chi² per degree of freedom "
                f"{fit.chi2_dof:.1g}: noise-free data?); the standard errors are what the "
                "stated sds would give, not a measure of this data's scatter")

    high = chi2.sf(fit.chi2, fit.dof)
    low = chi2.cdf(fit.chi2, fit.dof)
    if high < 1e-3:
        return (f"chi² per degree of freedom is {fit.chi2_dof:.3g} (p = {high:.1g}): the "
                "observations scatter more than their sds say, or the model misses an effect "
                "not fitted; the standard errors are too small")
    if low < 1e-3:
        # the usual cause: a group's centre given the sd of its shots, not that over √shots
        return (f"chi² per degree of freedom is {fit.chi2_dof:.3g}: the observations scatter "
                "less than their sds say (a group's centre has the sd of its shots over the "
                "square root of their number); the standard errors are too large")
    return None
