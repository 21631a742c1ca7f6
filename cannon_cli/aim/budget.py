"""The work budget of a solve, counted in RK4 steps integrated (`model.WORK`): deterministic,
unlike a clock. It bounds the time of a solve that needs thousands of steps (about 15 us a step
for one shot): past it no refinement or search starts, and what is not solved by then is
reported as not converged, saying why."""

from __future__ import annotations

from ..optim import FIRST_ORDER
from ..physics.model import WORK, step_cost

#: The work of one solver run, in RK4 steps (iterations x steps).
WORK_STEPS = 40_000
#: The work of a whole solve, per problem in a group of up to 64 (more share it proportionally).
WORK_BUDGET = 50_000
#: ... times this for the first-order solvers (`optim.FIRST_ORDER`)
FIRST_ORDER_WORK = 3


class Budget:
    """The budget of one group: ``n`` problems of one kind (``order``: the derivative order its
    residual integrates) and drag model (``params``), solved by ``solver``."""

    def __init__(self, n: int, solver: str, params, order: int):
        self.end = WORK.steps + int(WORK_BUDGET * max(1.0, n / 64)
                                    * (FIRST_ORDER_WORK if solver in FIRST_ORDER else 1))
        #: what one RK4 step of the group's residual costs (`model.step_cost`)
        self.step_cost = step_cost(params, order)

    def left(self) -> int:
        """RK4 steps left."""
        return self.end - WORK.steps

    def over(self) -> bool:
        return self.left() <= 0

    def extend(self, allowance: int) -> None:
        """At least ``allowance`` more steps from now (an answer of its own: the greatest
        range of a shot that falls short)."""
        self.end = max(self.end, WORK.steps + allowance)

    def max_iter(self, steps: int, limit: int) -> int:
        """A solver run's iteration limit at ``steps`` steps: ``limit``, within `WORK_STEPS`
        (each iteration integrates at least once) and what is left."""
        cost = max(int(steps), 1) * self.step_cost
        work = max(min(WORK_STEPS, self.left()), 0)
        return min(limit, max(4, work // cost))

    def run_stop(self, steps: int):
        """When a solver run at ``steps`` steps stops: its work, line searches included, past
        one run's budget (at least four evaluations)."""
        cost = max(int(steps), 1) * self.step_cost
        end = WORK.steps + max(min(WORK_STEPS, self.left()), 4 * cost)
        return lambda: WORK.steps >= end
