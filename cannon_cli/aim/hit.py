"""The odds of a solved shot: one record per distance, as data (schema cannon.hit/1), from the
delta method of `dispersion` and, if asked, its Monte Carlo check."""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

from ..problem import Problem, Solution
from . import dispersion as dsp
from .sensitivity import Fired

HIT_SCHEMA = "cannon.hit/1"

#: each source's unit as its sigma is echoed (the fractions as %, the gun's precision in MOA)
_UNITS = {"velocity": ("m/s", 1.0), "wind": ("m/s", 1.0), "crosswind": ("m/s", 1.0),
          "range": ("m", 1.0), "bc": ("%", 100.0), "density": ("%", 100.0),
          "elevation": ("MOA", 60.0 * 180.0 / math.pi), "azimuth": ("MOA", 60.0 * 180.0 / math.pi)}


def assess(problems: Sequence[Problem], solutions: Sequence[Solution],
           uncertainty: dsp.Uncertainty, target: dsp.Target, *,
           monte_carlo: Optional[int] = None, seed: Optional[int] = None) -> list:
    """One record per problem (all of one medium, as a sweep of distances is): the solve's
    answer, the impact's sigmas and correlation, the 95 % ellipse, the error budget, P(hit) by
    the delta method with a verdict on the linearisation, and with ``monte_carlo`` samples the
    sampled P(hit) with its Wilson 95 % interval. Records of unsolved problems say so and carry
    no odds. A Monte Carlo record keeps its impacts under the key "_impacts" (for pictures; not
    JSON)."""
    records = [_answer(p, s) for p, s in zip(problems, solutions)]
    solved = [i for i, s in enumerate(solutions) if s.converged]
    if not solved:
        return records
    fired = Fired.of([problems[i] for i in solved], [solutions[i] for i in solved])
    result = dsp.spread(fired, uncertainty)
    p_hit = dsp.probability(result.cov, target)
    major, minor, tilt = dsp.ellipse(result.cov)
    bend, worst = dsp.linearity(fired, uncertainty, result)
    sv, sl = result.sd
    corr = result.correlation
    for k, i in enumerate(solved):
        total = result.cov[k, 0, 0] + result.cov[k, 1, 1]
        budget = []
        # without a drag table the "ballistic coefficient" is the drag's own scale
        table = problems[i].table_drag
        for j, name in enumerate(result.names):
            unit, factor = _UNITS[name]
            part = result.parts[k, :, j]
            budget.append({
                "source": "drag" if name == "bc" and not table else name,
                "sd": result.sigma[k, j] * factor, "unit": unit,
                "sigma_vertical_m": math.sqrt(part[0]), "sigma_lateral_m": math.sqrt(part[1]),
                "share_vertical": _share(part[0], result.cov[k, 0, 0]),
                "share_lateral": _share(part[1], result.cov[k, 1, 1]),
                "share": _share(part[0] + part[1], total)})
        linear = bool(bend[k] < dsp.NONLINEAR)
        rec = records[i]
        rec.update({
            "target": _target_json(target),
            "sigma_vertical_m": float(sv[k]), "sigma_lateral_m": float(sl[k]),
            "correlation": float(corr[k]),
            "ellipse_95": {"semi_major_m": float(major[k]), "semi_minor_m": float(minor[k]),
                           "angle_deg": float(tilt[k])},
            "budget": budget,
            "p_hit": float(p_hit[k]), "method": "delta",
            "linear": linear,
            "nonlinearity": {"worst": _num(bend[k]), "source": worst[k]},
        })
        if not linear:
            rec["warning"] = (
                f"the delta method is not to be trusted here: at +-2 sigma of {worst[k]} the "
                f"impact leaves the straight line by {bend[k]:.2g} of its own sigma (limit "
                f"{dsp.NONLINEAR:g}); check with --monte-carlo")
        if monte_carlo:
            mc = dsp.monte_carlo(fired.take(np.array([k])), uncertainty, target, monte_carlo,
                                 seed=None if seed is None else seed + i)
            rec["_impacts"] = mc.pop("impacts")
            rec["monte_carlo"] = mc
    return records


def _answer(problem: Problem, s: Solution) -> dict:
    out = {"schema": HIT_SCHEMA, "distance_m": problem.distance, "angle_deg": s.angle_deg,
           "azimuth_deg": s.azimuth_deg, "velocity_mps": s.velocity_mps,
           "status": s.status.value, "converged": s.converged}
    if not s.converged:
        out["reason"] = s.message
    return out


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def _target_json(target: dsp.Target) -> dict:
    if target.diameter is not None:
        return {"diameter_m": target.diameter}
    return {"width_m": target.width, "height_m": target.height}
