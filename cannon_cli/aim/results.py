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
        return self.solutions([problem], np.array([i]))[0]

    def solutions(self, problems, index=None) -> list[Solution]:
        """`Solution` s of ``problems``, entries ``index`` (default all, in order): each column
        turned into Python numbers once (``tolist``), not element by element (a batch's
        every record)."""
        index = np.arange(self.angle_deg.shape[0]) if index is None else np.asarray(index)
        col = {name: np.asarray(getattr(self, name)[index], dtype=_NUMBERS[name]).tolist()
               for name in _NUMBERS}
        message, status, solver = self.message, self.status, self.solver
        return [Solution(problem=problem, solver=solver, message=message[i], status=status[i],
                         air_density=site_density(problem),
                         **{name: values[k] for name, values in col.items()})
                for k, (i, problem) in enumerate(zip(index.tolist(), problems))]


_LATERAL = ("azimuth_deg", "lateral_miss_m", "drift_m", "impact_lateral_velocity_mps")
#: the columns that become a `Solution`'s numbers, and their types
_NUMBERS = {**dict.fromkeys(("angle_deg", "velocity_mps", "flight_time_s", "apex_height_m",
                             "impact_speed_mps", "impact_angle_deg", "miss_m") + _LATERAL,
                            float),
            "converged": bool, "iterations": int, "steps": int}
