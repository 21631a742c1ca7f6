"""Where to shoot to true a gun (docs/physics.md §12): the distances whose observations pin the
asked parameters down best, chosen greedily for the largest determinant of J^T J (D-optimal
design) from the exact Jacobian of each candidate's impact, and the standard errors those
shots would give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..problem import Physics, Problem
from .estimate import Identifiability, identify
from .truing import Model, Observation, _physics_kwargs


@dataclass
class Plan:
    """The chosen ``distances`` (one a shot, in the order picked), the parameters, the
    predicted standard errors (model's units) and the identifiability of the whole plan."""

    params: list
    distances: list
    se: np.ndarray
    ident: Identifiability
    candidates: list


def rows(physics: Physics, velocity: float, params, curve, candidates: Sequence[float],
         sd: float, sd_mrad: float, lateral: bool) -> np.ndarray:
    """Per candidate distance, the weighted Jacobian rows (1 or 2, (c, k, P)) of one shot aimed
    there with the start's physics (the elevation solved for the start), observed vertically
    (and laterally when a crosswind is fitted)."""
    from .driver import solve_many

    problems = [Problem(distance=d, velocity=velocity, **_physics_kwargs(physics))
                for d in candidates]
    solutions = solve_many(problems)
    obs = []
    for i, (d, s) in enumerate(zip(candidates, solutions)):
        if not s.converged:
            continue
        obs.append(Observation(i, None, physics, distance=d, elevation=np.radians(s.angle_deg),
                               vertical=0.0, lateral=0.0 if lateral else None,
                               sd=sd if sd is not None else sd_mrad * 1e-3 * d))
    model = Model(obs, params, velocity, physics, curve)
    _, jac = model.jacobian(np.array([p.start for p in params]))
    out = np.full((len(candidates), 2 if lateral else 1, len(params)), np.nan)
    for (index, kind, _, _), row in zip(model.labels, jac):
        out[index, 0 if kind == "vertical" else 1] = row
    return out


def greedy(rows_: np.ndarray, shots: int) -> list:
    """``shots`` picks (candidate indices, repeats allowed) that each add the most to
    log det(J^T J + eps I) with J's columns scaled to unit length and eps = 1e-6 (so that the
    first picks, fewer than the parameters, are still ranked)."""
    usable = [i for i in range(rows_.shape[0]) if np.isfinite(rows_[i]).all()]
    if not usable:
        return []
    p = rows_.shape[2]
    # columns scaled to unit length over the candidates first: the ridge then weighs every
    # parameter alike (the determinant's ranking is the same with or without the scaling)
    norms = np.sqrt(np.sum(rows_[usable] ** 2, axis=(0, 1)))
    rows_ = rows_ / np.where(norms > 0, norms, 1.0)
    info = np.eye(p) * 1e-6
    picks = []
    for _ in range(shots):
        best, gain = None, -np.inf
        for i in usable:
            trial = info + rows_[i].T @ rows_[i]
            sign, logdet = np.linalg.slogdet(trial)
            if sign > 0 and logdet > gain:
                best, gain = i, logdet
        picks.append(best)
        info = info + rows_[best].T @ rows_[best]
    return picks


def plan(physics: Physics, velocity: float, params, curve, candidates: Sequence[float], *,
         shots: int, sd=None, sd_mrad=None, lateral: bool = False) -> Plan:
    """The D-optimal ``shots`` among ``candidates`` (see `greedy`) and what they would give."""
    r = rows(physics, velocity, params, curve, candidates, sd, sd_mrad, lateral)
    picks = greedy(r, shots)
    jac = np.concatenate([r[i] for i in picks]) if picks else np.zeros((0, len(params)))
    ident = identify(jac, params)
    with np.errstate(all="ignore"):
        try:
            se = np.sqrt(np.diag(np.linalg.inv(jac.T @ jac)))
        except np.linalg.LinAlgError:
            se = np.full(len(params), np.inf)
    return Plan(params, [float(candidates[i]) for i in picks], se, ident, list(candidates))
