"""A firing table: one gun's answers at evenly spaced distances, as batch records.

The gun, the air and the sight are the same on every row, so they are checked once, on the first
row (`FiringTable.first`): a bad one is one error, not a table of error rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterator

from ..errors import InputError
from ..problem import Problem
from .reader import Record


@dataclass(frozen=True)
class FiringTable:
    """Rows from ``start`` to ``stop`` (included, to within rounding) every ``step`` metres, each
    the `Problem` of ``gun`` (its fields but the distance) at that distance."""

    start: float
    stop: float
    step: float
    gun: dict = field(default_factory=dict)

    def __post_init__(self):
        if not (self.step > 0 and math.isfinite(self.step)):
            raise InputError(f"--step must be > 0 and finite, got {self.step:g}")
        if not (0 < self.start <= self.stop and math.isfinite(self.stop)):
            raise InputError(f"need 0 < --from <= --to, got --from {self.start:g} "
                             f"--to {self.stop:g}")

    @property
    def count(self) -> int:
        return int((self.stop - self.start) / self.step + 1e-9) + 1

    def first(self, solver: str) -> Problem:
        """The first row's problem, with its drag and air made and its zero solved: raises the
        `InputError` that every row would carry."""
        from ..aim.sight import checked_zero_angles
        from ..physics.medium import medium_of

        problem = Problem(distance=self.start, **self.gun)
        medium_of(problem)
        checked_zero_angles([problem], solver=solver)
        return problem

    @property
    def defaults(self) -> dict:
        """What every record takes from the gun (`batch.run`'s ``defaults``)."""
        return {k: v for k, v in self.gun.items() if v is not None}

    def records(self) -> Iterator[Record]:
        return (Record(i, None, fields={"distance_m": self.start + i * self.step})
                for i in range(self.count))
