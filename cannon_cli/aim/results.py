"""The answers to many problems as columns, and back to `Solution` objects."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from ..physics.medium import site_density
from ..problem import Problem, Solution, Status


@dataclass(frozen=True, eq=False)
class Results:
    """The answers to N problems, as arrays (see `Solution` for the meaning of each)."""

    angle_deg: np.ndarray
    velocity_mps: np.ndarray
    flight_time_s: np.ndarray
    apex_height_m: np.ndarray
    impact_speed_mps: np.ndarray
    impact_angle_deg: np.ndarray
    miss_m: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    steps: np.ndarray
    message: list
    #: per problem, a `Status`: what became of it (``message`` says why, when not solved)
    status: list
    solver: str
    #: the aim's azimuth (deg, + right), and in 3-D the lateral miss (m, Richardson-corrected
    #: as ``miss_m``), where the shot lands sideways fired at azimuth 0 (m), and its lateral
    #: velocity at the target (m/s); zero in 2-D
    azimuth_deg: np.ndarray = None
    lateral_miss_m: np.ndarray = None
    drift_m: np.ndarray = None
    impact_lateral_velocity_mps: np.ndarray = None

    def __post_init__(self):
        for name in _LATERAL:
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.zeros(self.angle_deg.shape[0]))

    @classmethod
    def empty(cls, n: int, solver: str) -> "Results":
        nan = lambda: np.full(n, math.nan)
        return cls(nan(), nan(), nan(), nan(), nan(), nan(), nan(), np.zeros(n, dtype=bool),
                   np.zeros(n, dtype=int), np.zeros(n, dtype=int), [""] * n,
                   [Status.NOT_CONVERGED] * n, solver, nan(), nan(), nan(), nan())

    def put(self, index, other: "Results") -> None:
        """Write ``other``'s entries at positions ``index`` of this one (sorted, unique)."""
        for f in fields(self):
            if f.name == "solver":
                continue
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name in ("message", "status"):
                for i, m in zip(index, theirs):
                    mine[i] = m
            else:
                mine[index] = theirs

    def solution(self, i: int, problem: Problem) -> Solution:
        return Solution(
            problem=problem, angle_deg=float(self.angle_deg[i]),
            velocity_mps=float(self.velocity_mps[i]), flight_time_s=float(self.flight_time_s[i]),
            apex_height_m=float(self.apex_height_m[i]),
            impact_speed_mps=float(self.impact_speed_mps[i]),
            impact_angle_deg=float(self.impact_angle_deg[i]), miss_m=float(self.miss_m[i]),
            converged=bool(self.converged[i]), iterations=int(self.iterations[i]),
            solver=self.solver, message=self.message[i], steps=int(self.steps[i]),
            air_density=site_density(problem), status=self.status[i],
            **{name: float(getattr(self, name)[i]) for name in _LATERAL})


_LATERAL = ("azimuth_deg", "lateral_miss_m", "drift_m", "impact_lateral_velocity_mps")
