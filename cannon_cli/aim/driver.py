"""Problems in, solutions out: `solve` for one target, `solve_many` for a batch, `solve_columns`
for arrays of targets; one code path.

The batch is grouped by drag model and by what is unknown (`Columns.groups`), and each group is
solved as arrays by a `group.Group` (which says how).
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np

from ..optim import DEFAULT_SOLVER
from ..optim import solvers
from ..physics import memory
from ..physics.columns import Columns
from ..problem import Problem, Solution
from . import closed_form
from .group import Group, SolveProgress
from .results import Results

#: Default solver tolerance: the miss (and, for the minimum-speed shot, d miss / d angle) over
#: the distance.
DEFAULT_TOL = 1e-12

ProgressCallback = Optional[Callable[[SolveProgress], None]]

__all__ = ["DEFAULT_TOL", "SolveProgress", "solve", "solve_many", "solve_columns"]


def solve(problem: Problem, *, solver: str = DEFAULT_SOLVER, tol: float = DEFAULT_TOL,
          max_iter: Optional[int] = None, learning_rate: Optional[float] = None,
          start: Optional[tuple] = None, callback: ProgressCallback = None) -> Solution:
    """Solve one problem. See `solve_many`."""
    return solve_many([problem], solver=solver, tol=tol, max_iter=max_iter,
                      learning_rate=learning_rate, start=start, callback=callback)[0]


def solve_many(problems: Sequence[Problem], *, solver: str = DEFAULT_SOLVER, tol: float = DEFAULT_TOL,
               max_iter: Optional[int] = None, learning_rate: Optional[float] = None,
               start: Optional[tuple] = None,
               callback: ProgressCallback = None) -> list[Solution]:
    """Solve many problems at once, vectorised over targets; one `Solution` per problem, in order.

    ``solver`` is one of newton (the default), lbfgs, adam, gd. ``tol`` is the relative miss at which the
    solver stops; ``max_iter`` and ``learning_rate`` default per solver. ``start`` =
    (angle_deg, velocity_mps), scalars or per-problem arrays (NaN or None: the built-in start),
    replaces the built-in starting point for the unknowns; the built-in one is exact in
    vacuum, so this is how to watch a solver work there (and how a policy's answer is used).
    ``callback`` receives a `SolveProgress` after every iteration.
    """
    results = solve_columns(Columns.from_problems(problems), solver=solver, tol=tol,
                            max_iter=max_iter, learning_rate=learning_rate, start=start,
                            callback=callback)
    return results.solutions(problems)


def solve_columns(cols: Columns, *, solver: str = DEFAULT_SOLVER, tol: float = DEFAULT_TOL,
                  max_iter: Optional[int] = None, learning_rate: Optional[float] = None,
                  start: Optional[tuple] = None, callback: ProgressCallback = None) -> Results:
    """`solve_many` for problems given as arrays (`Columns`), answered as arrays (`Results`):
    no per-problem objects, for large batches."""
    if solver not in solvers.SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose from {', '.join(solvers.SOLVERS)}")
    memory.keep_heap()
    if start is not None:  # per problem, NaN where the built-in start is to be used
        start = tuple(np.broadcast_to(np.asarray(np.nan if s is None else s, dtype=float),
                                      (cols.size,)) for s in start)
    opts = dict(
        solver=solver, tol=float(tol),
        max_iter=int(max_iter) if max_iter is not None else solvers.DEFAULT_MAX_ITER[solver],
        start=start,
        learning_rate=learning_rate if learning_rate is not None
        else solvers.DEFAULT_LEARNING_RATE[solver],
    )
    groups = cols.groups() if cols.size else []
    if len(groups) == 1 and groups[0][2].size == cols.size:  # one kind of problem: no copies
        return _solve_group(cols, *groups[0], opts, callback)
    out = Results.empty(cols.size, solver)
    for medium, kind, idx, three in groups:
        out.put(idx, _solve_group(cols.take(idx), medium, kind, idx, three, opts, callback))
    return out


def _solve_group(cols: Columns, medium, kind: str, idx, three: bool, opts: dict,
                 callback) -> Results:
    """The answers to one group (`Columns.groups`): in vacuum from the closed forms
    (`closed_form`), which leave to the group what they do not settle."""
    def general(rows):
        return Group(cols.take(rows), medium, kind, idx[rows], opts, callback).run()

    if closed_form.applies(medium, three, callback):
        return closed_form.solve(cols, kind, idx, opts, general)
    return Group(cols, medium, kind, idx, opts, callback).run()
