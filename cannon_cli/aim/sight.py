"""A sight above the bore, zeroed at a distance: the answer as the adjustment from the zero.

Every ballistic calculator answers "how much to dial" rather than "at what angle to hold the
barrel": the *come-up*, the angle between where the zeroed sight points the bore and where the
bore must point, in MOA (1/60 degree) and mrad. This module turns a firing solution into that,
with the aiming library (`aim.solve_many`) and nothing else.

Geometry (2-D, the frame of docs/physics.md: x downrange, y up). The muzzle is at
(0, launch_height); the sight, the origin of the line of sight, is ``sight_height`` above it, at
(0, h_s) with h_s = launch_height + sight_height. (The sight is offset perpendicular to the bore,
so at elevation theta it sits sight_height sin(theta) behind the muzzle and a factor cos(theta)
lower: at a few degrees that moves the line of sight's origin by a fraction of a millimetre,
and it is left out, as calculators do.)

1. The zero. Zeroing at distance Z means: with the line of sight level, on a target at the
   sight's height Z away, the shot hits it. The bore's elevation for that is the low-arc answer
   of the problem "hit (Z, h_s) at the gun's muzzle speed", solved by `aim.solve_many` with the
   sight height as the offset between muzzle and target. As the line of sight was level, that
   elevation, delta, is the angle between the bore and the line of sight, and stays so: the
   sight is fixed to the gun. Without a zero distance, delta = 0 (a line of sight parallel to
   the bore). The zero is taken under the problem's own physics (air, wind).
2. The target at (D, H). The solution gives the bore's elevation theta that hits it. Held on
   the target, the line of sight rises at beta = atan((H - h_s) / D), so the zeroed sight
   points the bore at beta + delta.
3. The come-up is theta - (beta + delta): how far to raise the sight's aim (positive: dial up,
   the shot would pass below the point of aim). At the zero distance, level, it is 0 by
   construction.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Optional, Sequence

from ..optim import DEFAULT_SOLVER
from ..errors import InputError
from ..problem import Physics, Problem, Solution

#: 1 MOA and 1 mrad in degrees
MOA = 1.0 / 60.0
MRAD = 0.18 / math.pi


@dataclass(frozen=True)
class Adjustment:
    """A firing solution as a sight adjustment (degrees; the JSON adds MOA and mrad)."""

    #: delta: the bore's elevation above the line of sight, set by the zero (0 without one)
    zero_angle_deg: float
    #: beta: the line of sight from the sight to the target, above the horizontal
    line_of_sight_deg: float
    #: theta - beta - delta: how far to raise the zeroed sight's aim (NaN with no answer)
    come_up_deg: float

    @property
    def come_up_moa(self) -> float:
        return self.come_up_deg / MOA

    @property
    def come_up_mrad(self) -> float:
        return self.come_up_deg / MRAD

    def to_json(self) -> dict:
        return {"come_up_moa": self.come_up_moa, "come_up_mrad": self.come_up_mrad,
                "zero_angle_deg": self.zero_angle_deg,
                "line_of_sight_deg": self.line_of_sight_deg}


def _zero_problem(p: Problem) -> Problem:
    """The problem the zero solves: hit the point level with the sight, ``zero`` away, at the
    gun's muzzle speed (low arc), under the same physics."""
    physics = {f.name: getattr(p, f.name) for f in dataclasses.fields(Physics)}
    sight_height, zero = p.sight
    return Problem(distance=zero, target_height=p.launch_height + sight_height,
                   velocity=p.velocity, arc="low", **physics)


def zero_angles(problems: Sequence[Problem], *, solver: str = DEFAULT_SOLVER) -> list:
    """delta (degrees) for each problem: 0 without a zero distance (and None without a sight),
    else the zero's solved elevation; a problem whose zero cannot be hit gets an `InputError`
    in its place (not raised: a batch makes it that record's error). Problems that share a
    zero (the usual case: one gun) are solved once."""
    out: list = [None] * len(problems)
    todo: dict = {}
    for i, p in enumerate(problems):
        if p.sight is None:
            continue
        if p.zero is None:
            out[i] = 0.0
            continue
        z = _zero_problem(p)
        todo.setdefault(z, []).append(i)
    if todo:
        from .driver import solve_many  # numpy, autograd, scipy: only once there is a zero

        zeros = list(todo)
        for z, s in zip(zeros, solve_many(zeros, solver=solver)):
            if s.converged:
                answer = s.angle_deg
            else:
                answer = InputError(f"the zero at {z.distance:g} m cannot be hit at "
                                    f"{z.velocity:g} m/s: {s.message}")
            for i in todo[z]:
                out[i] = answer
    return out


def checked_zero_angles(problems: Sequence[Problem], *, solver: str = DEFAULT_SOLVER) -> list:
    """`zero_angles`, with a zero that cannot be hit raised: for one gun, whose zero is the
    same for every shot, that is bad input at once."""
    zeros = zero_angles(problems, solver=solver)
    for z in zeros:
        if isinstance(z, Exception):
            raise z
    return zeros


def adjustment(solution: Solution, zero_angle_deg: float) -> Adjustment:
    """The come-up of ``solution`` for a sight whose bore sits ``zero_angle_deg`` above its line
    of sight (see the module docstring)."""
    p = solution.problem
    sight_height = p.sight[0]
    beta = math.degrees(math.atan2(p.target_height - (p.launch_height + sight_height),
                                   p.distance))
    theta = solution.angle_deg if solution.converged else math.nan
    return Adjustment(zero_angle_deg, beta, theta - beta - zero_angle_deg)


def with_adjustments(solutions: Sequence[Solution], zeros: Optional[list] = None, *,
                     solver: str = DEFAULT_SOLVER) -> list:
    """The solutions, those with a sight carrying their `Adjustment` (``zeros`` from
    `zero_angles`, computed here if not given). A zero that cannot be hit raises its
    `InputError`."""
    if zeros is None:
        zeros = zero_angles([s.problem for s in solutions], solver=solver)
    out = []
    for s, delta in zip(solutions, zeros):
        if isinstance(delta, InputError):
            raise delta
        out.append(s if delta is None else
                   dataclasses.replace(s, adjustment=adjustment(s, float(delta))))
    return out
