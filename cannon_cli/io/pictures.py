"""The pictures' data: the shot from launch to target (`shot_picture`), and the loss landscape
over (angle, speed) with the path each solver took across it (`landscape`), as arrays computed
with the library's own model and solvers. Nothing here draws: `io.draw` turns these objects into
image files or terminal text, and imports the drawing libraries only when it does.

The landscape's loss is the squared relative vertical miss at the target distance,
L(theta, v) = 1/2 ((y(D) - y_target) / D)^2 -- the first residual of `loss.residual` -- evaluated
for the whole grid at once: vectorised calls of `loss.height_miss` on arrays of shape (N,),
N = grid x grid (with drag a second one, at half the steps, estimates the error). Its zero set,
the valley of exact hits, is a curve; in vacuum it is known in closed form (docs/physics.md §3):
v(theta)^2 = g x^2 / (2 cos^2 theta (x tan theta - y)), lowest at v^2 = g (y + sqrt(x^2 + y^2)),
tan theta = (y + sqrt(x^2 + y^2)) / x.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from ..optim import DEFAULT_SOLVER
from ..aim import driver as aim
from ..aim import loss
from ..optim import FIRST_ORDER
from ..optim import SOLVERS as ALL_SOLVERS
from ..physics import steps as steps_rule
from ..physics import vacuum
from ..physics.trajectory import Trajectory, params_for, simulate
from ..problem import Physics, Problem, Shot, Solution
from .plot_errors import NothingToDraw, PlotError
from .still import STILL, Watch

#: The solvers whose paths the landscape shows by default, in this order: the first-order ones
#: first (their long paths underneath).
SOLVERS = FIRST_ORDER + tuple(s for s in ALL_SOLVERS if s not in FIRST_ORDER)
#: RK4 steps over the distance for the landscape grid: plenty for a picture (the solver refines
#: its answer; the grid only has to put the valley within a cell), and cheap: measured 0.15 s
#: for 200 x 200 shots with quadratic drag at 64 steps, the error estimate at 32 included.
#: Steeper grids take more (`grid_steps`).
GRID_STEPS = 32
#: Grid shots integrated at once: a block's RK4 stages (about 1.8 MB at 8192 shots) stay in a
#: core's L2 cache, where the whole grid's do not. Measured, the 300 m quadratic-drag grid of
#: 200 x 200 at 64 steps: 0.28-0.30 s of CPU in blocks of 8192, 0.41-0.44 s in one (blocks of
#: 2000: 0.39-0.46 s, of 20,000: 0.34-0.36 s); each shot's numbers are the same bits.
GRID_BLOCK = 8192
#: Grid cells whose estimated RK4 error exceeds this fraction of the distance are left blank.
UNRESOLVED = 1e-3
#: Default landscape window around the answer: +- this many degrees, and this range of speeds as
#: fractions of the answer's speed.
ANGLE_SPAN = 20.0
SPEED_SPAN = (0.5, 1.6)
#: Default start of the solver paths, relative to the answer: visibly off, above the valley.
START_OFFSET = (15.0, 1.3)
_ANGLE_MAX = 89.0


def _physics_of(obj) -> dict:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(Physics)}


def describe(obj, target_offset: Optional[float] = None) -> str:
    """'120 m, quadratic drag, wind -5 m/s': the target and the physics, for titles
    (``target_offset``: the target's lateral position, if ``obj`` does not say it)."""
    parts = []
    if getattr(obj, "distance", None):
        where = f"{obj.distance:g} m"
        if obj.target_height:
            where += f" (height {obj.target_height:g} m)"
        parts.append(where)
    if target_offset is None:
        target_offset = getattr(obj, "target_offset", 0.0)
    if parts and target_offset:
        parts[-1] += f", {target_offset:+g} m right"
    parts.append("vacuum" if obj.drag == "none" else f"{obj.drag} drag")
    if obj.wind:
        parts.append(f"wind {obj.wind:+g} m/s")
    if obj.crosswind:
        parts.append(f"crosswind {obj.crosswind:+g} m/s")
    if obj.latitude is not None:
        parts.append(f"latitude {obj.latitude:g}°, bearing {obj.bearing:g}°")
    if obj.launch_height:
        parts.append(f"launch height {obj.launch_height:g} m")
    return ", ".join(parts)


# ------------------------------------------------------------------------------------------
# The shot
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShotPicture:
    """What the trajectory picture shows: the flight, the same launch in vacuum (only with drag
    or wind), the target (distance, height) if there is one, and the solution it came from (None
    for a shot given by angle and speed)."""

    trajectory: Trajectory
    vacuum: Optional[Trajectory]
    target: Optional[tuple]
    solution: Optional[Solution] = None
    #: the target's lateral position (m, + right of the line to it: the x axis)
    target_offset: float = 0.0

    @property
    def shot(self) -> Shot:
        return self.trajectory.shot

    @property
    def three_d(self) -> bool:
        """Whether the shot leaves the vertical plane (then there is a top view to draw)."""
        return self.trajectory.three_d or self.target_offset != 0

    @property
    def hit(self) -> bool:
        return self.solution is None or self.solution.converged


def shot_of(solution: Solution) -> Shot:
    """The shot a solution fires (its closest approach when it did not converge)."""
    p = solution.problem
    if not (math.isfinite(solution.angle_deg) and math.isfinite(solution.velocity_mps)
                      and -90 < solution.angle_deg < 90 and solution.velocity_mps > 0):
        # no closest approach worth the name: nothing to draw
        raise NothingToDraw(f"{solution.message or 'no solution'} (nothing to draw)")
    az = solution.azimuth_deg
    return Shot(angle=solution.angle_deg, velocity=solution.velocity_mps,
                azimuth=az if math.isfinite(az) and -90 < az < 90 else 0.0,
                distance=p.distance, target_height=p.target_height, **_physics_of(p))


def shot_picture(problem: Optional[Problem] = None, *, shot: Optional[Shot] = None,
                 solution: Optional[Solution] = None, solver: str = DEFAULT_SOLVER,
                 samples: int = 400, target_offset: float = 0.0) -> ShotPicture:
    """The data of the trajectory picture, for one of: a ``shot`` (angle and speed given: it is
    only flown; its target ``target_offset`` m to the right), a ``solution`` (its shot, at its
    azimuth, is flown), or a ``problem`` (solved first, with ``solver``). A solution that did
    not converge is drawn as its closest approach."""
    if shot is None:
        if solution is None:
            if problem is None:
                raise ValueError("give a problem, a solution or a shot")
            solution = aim.solve(problem, solver=solver)
        shot = shot_of(solution)
        target_offset = solution.problem.target_offset
    tr = simulate(shot, samples=samples)
    vac = None
    if shot.drag != "none" or shot.wind:
        # the Earth's rotation and the aim stay: the difference is what the air does
        vac = simulate(dataclasses.replace(shot, drag="none", wind=0.0, crosswind=0.0,
                                         drag_table=None, ballistic_coefficient=None),
                       samples=samples)
    target = (shot.distance, shot.target_height) if shot.distance else None
    return ShotPicture(tr, vac, target, solution, target_offset if target else 0.0)


# ------------------------------------------------------------------------------------------
# The landscape
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SolverPath:
    """Where one solver went: the start, then (angle, speed) after every iteration; ``still``
    if its recording stopped there, its solver still running, because it had nothing left to
    show (`still.Watch`)."""

    solver: str
    angle_deg: np.ndarray
    velocity_mps: np.ndarray
    converged: bool
    iterations: int
    message: str = ""
    still: bool = False

    def label(self) -> str:
        how = (f"{self.iterations} iterations, stopped when still" if self.still
               else f"{self.iterations} iterations" if self.converged
               else f"not converged in {self.iterations} iterations")
        return f"{self.solver}: {how}"


def relative_loss(miss_m, distance: float) -> np.ndarray:
    """The landscape's loss 1/2 (miss / D)^2 (NaN where the miss is NaN)."""
    return 0.5 * (miss_m / distance) ** 2


@dataclass(frozen=True)
class Zoom:
    """A finer grid around the answer, where the paths end, for the inset: its angles and
    speeds, the miss and the loss on it (rows: speeds, columns: angles), and the closed-form
    valley at its angles (vacuum only)."""

    angles_deg: np.ndarray
    speeds_mps: np.ndarray
    miss_m: np.ndarray
    loss: np.ndarray
    valley_mps: Optional[np.ndarray]


@dataclass(frozen=True)
class Landscape:
    """The loss over a grid of (angle, speed) for one problem, and what to draw on it.

    ``miss_m`` has shape (len(speeds_mps), len(angles_deg)): row i is speed i, column j angle j;
    NaN where the shot never reaches the target distance. ``valley_mps`` is the closed-form speed
    of the exact hit at each grid angle (vacuum only; NaN where no speed hits). ``min_speed`` is
    the minimum-speed shot (angle_deg, velocity_mps) and ``answer`` the problem's own solution.
    """

    problem: Problem
    angles_deg: np.ndarray
    speeds_mps: np.ndarray
    miss_m: np.ndarray
    answer: Solution
    min_speed: Optional[tuple]
    valley_mps: Optional[np.ndarray]
    paths: tuple
    start: tuple
    steps: int
    #: a finer grid around the answer, where the paths end (when one does)
    zoom: Optional[Zoom] = None

    @property
    def loss(self) -> np.ndarray:
        """1/2 (miss / D)^2 on the grid (NaN where the shot never gets there)."""
        return relative_loss(self.miss_m, self.problem.distance)

    def zero_crossings(self):
        """The valley read off the grid: for each angle column, the speeds at which the miss
        changes sign (linear interpolation between rows). Returns (angles_deg, speeds_mps)."""
        return zero_crossings(self.angles_deg, self.speeds_mps, self.miss_m)


def grid_steps(angles_deg) -> int:
    """RK4 steps for a grid reaching up to max |angle|: the solver's rule (`steps.for_launch`)
    at the steepest angle, from GRID_STEPS to 256."""
    steepest = math.radians(min(float(np.max(np.abs(angles_deg))), _ANGLE_MAX))
    return int(steps_rule.for_launch(np.array([steepest]), least=GRID_STEPS, most=256)[0])


def miss_grid(problem: Problem, angles_deg, speeds_mps, *, steps: Optional[int] = None):
    """Signed vertical miss y(D) - y_target (m) for every (speed, angle) pair of the grid, shape
    (len(speeds_mps), len(angles_deg)), NaN where the shot never reaches the distance (or, with
    drag, reaches it too close to stalling for ``steps`` RK4 steps to resolve).

    Vectorised through the model: the grid is flattened into N shots, the problem's `Params`
    repeated N times, and `loss.height_miss` runs on arrays of `GRID_BLOCK` shots at a time --
    closed form in vacuum; with drag RK4 with ``steps`` steps, and once more with half as many
    for the error estimate -- no Python loop over points.
    """
    angles = np.asarray(angles_deg, dtype=float)
    speeds = np.asarray(speeds_mps, dtype=float)
    # the grid is in elevations set on the gun; the shots leave at them plus the offset
    th, v = np.meshgrid(np.radians(angles + problem.elevation_offset), speeds)
    n = th.size
    p = problem
    # the problem's parameters (as `simulate` builds them), repeated for every grid point
    params = params_for(p, p.distance).take(np.zeros(n, dtype=int))
    params = params.with_steps(steps or grid_steps(angles))
    nan = np.full(n, np.nan)
    batch = loss.Batch("both", params, np.full(n, float(p.target_height)), nan, nan)
    th, v = th.ravel(), v.ravel()
    miss = np.empty(n)
    for lo in range(0, n, GRID_BLOCK):
        rows = np.arange(lo, min(lo + GRID_BLOCK, n))
        miss[rows] = _misses(p, th[rows], v[rows], batch.take(rows))
    miss = np.where(np.isfinite(miss), miss, np.nan)
    return miss.reshape(len(speeds), len(angles))


def _misses(p: Problem, th, v, batch) -> np.ndarray:
    """`miss_grid` for one block of shots (NaN or inf where unresolved)."""
    with np.errstate(all="ignore"):
        miss = np.asarray(loss.height_miss(th, v, batch), dtype=float)
        if p.drag != "none":
            # a shot that nearly stalls (vx -> 0 just before D) is beyond any fixed step: RK4
            # in x returns a finite but meaningless height there. Estimate the error as the
            # solve does (`steps.error`), and blank the cells the grid cannot resolve
            half = batch.with_steps(max(batch.params.steps // 2, 1))
            coarse = np.asarray(loss.height_miss(th, v, half), dtype=float)
            error = steps_rule.error(miss, coarse, table=p.table_drag)
            miss[~(np.abs(error) <= UNRESOLVED * p.distance)] = np.nan
    return miss


def zero_crossings(angles_deg, speeds_mps, miss):
    """(angles, speeds) where ``miss`` (rows: speeds, columns: angles) changes sign along each
    column, by linear interpolation between neighbouring rows."""
    a, b = miss[:-1], miss[1:]
    with np.errstate(invalid="ignore"):
        sign_change = (np.sign(a) * np.sign(b) < 0) | ((a == 0) & np.isfinite(b))
    i, j = np.nonzero(sign_change)
    m0, m1 = a[i, j], b[i, j]
    frac = np.where(m1 != m0, m0 / (m0 - m1), 0.0)
    s = np.asarray(speeds_mps, float)
    return np.asarray(angles_deg, float)[j], s[i] + frac * (s[i + 1] - s[i])


def vacuum_valley(problem: Problem, angles_deg) -> np.ndarray:
    """Closed-form speed (m/s) of the exact hit at each launch angle in vacuum
    (`vacuum.speed_for_angle`); NaN where no speed hits."""
    leave = np.asarray(angles_deg, dtype=float) + problem.elevation_offset
    return vacuum.speed_for_angle(np.radians(leave),
                                  problem.distance, problem.target_height - problem.launch_height,
                                  problem.gravity)


def vacuum_min_speed(problem: Problem) -> tuple:
    """(angle_deg, velocity_mps) of the minimum-speed shot in vacuum (`vacuum.minimum_speed`)."""
    theta, v = vacuum.minimum_speed(problem.distance, problem.target_height
                                    - problem.launch_height, problem.gravity)
    return math.degrees(theta) - problem.elevation_offset, float(v)


def minimum_speed_shot(problem: Problem, answer: Optional[Solution] = None) -> Optional[tuple]:
    """(angle_deg, velocity_mps) of the minimum-speed shot under the problem's physics: closed
    form in vacuum, solved otherwise (``answer`` when the problem is itself that shot)."""
    if problem.drag == "none":
        return vacuum_min_speed(problem)
    if answer is not None and problem.unknowns == "both" and answer.converged:
        return answer.angle_deg, answer.velocity_mps
    free = dataclasses.replace(problem, angle=None, velocity=None, arc="low", max_velocity=None)
    s = aim.solve(free)
    return (s.angle_deg, s.velocity_mps) if s.converged else None


class _Still(Exception):
    """A path's recording ends: it has nothing left to show."""


def solver_path(problem: Problem, solver: str, start: tuple, *,
                max_iter: Optional[int] = None, still: Optional[tuple] = None,
                on_iteration: Optional[Callable[[str, int], None]] = None) -> SolverPath:
    """Run ``solver`` on ``problem`` from ``start`` = (angle_deg, velocity_mps) and record
    (angle, speed) after every iteration, from `aim.solve`'s progress callback. For a problem
    with a fixed speed (or angle) that coordinate stays fixed: the path runs along one axis.

    With ``still`` = (angle °, speed m/s), how far a path may still move unseen, the recording
    (and the solve) ends once the path is still (`still.Watch`): every point drawn is one the
    solver reached, and the path says that it stopped there."""
    a0 = problem.angle if problem.angle is not None else float(start[0])
    v0 = problem.velocity if problem.velocity is not None else float(start[1])
    angles, speeds = [a0], [v0]
    watch = Watch(still) if still is not None else None
    if watch is not None:
        watch.add(a0, v0)

    def record(p: aim.SolveProgress) -> None:
        if p.angle_deg.size:
            angles.append(float(p.angle_deg[0]))
            speeds.append(float(p.velocity_mps[0]))
            if on_iteration is not None:
                on_iteration(solver, p.iteration)
            if watch is not None and watch.add(angles[-1], speeds[-1]):
                raise _Still

    try:
        s = aim.solve(problem, solver=solver, start=(a0, v0), max_iter=max_iter,
                      callback=record)
    except _Still:
        return SolverPath(solver, np.array(angles), np.array(speeds), False, len(angles) - 1,
                          still=True)
    return SolverPath(solver, np.array(angles), np.array(speeds), s.converged, s.iterations,
                      s.message)


def _span(lo: float, hi: float, pad: float = 0.05) -> tuple:
    d = (hi - lo) * pad
    return lo - d, hi + d


def default_start(center: tuple) -> tuple:
    """Where the paths start when not told: ``START_OFFSET`` from the answer (15° steeper and 30%
    faster), or 15° flatter when steeper would leave the angle range."""
    a, v = center
    da, fv = START_OFFSET
    angle = a + da if a + da <= _ANGLE_MAX - 4 else a - da
    return angle, v * fv


def landscape(problem: Problem, *, angles: Optional[tuple] = None,
              speeds: Optional[tuple] = None, grid: int = 200,
              solvers: Sequence[str] = SOLVERS, start: Optional[tuple] = None,
              max_iter: Optional[int] = None, steps: Optional[int] = None,
              still: Optional[float] = STILL,
              on_iteration: Optional[Callable[[str, int], None]] = None) -> Landscape:
    """Everything the landscape picture shows, for ``problem``.

    ``angles`` = (lo, hi) in degrees and ``speeds`` = (lo, hi) in m/s bound the grid (``grid``
    points each way); by default they are centred on the answer (+-20°, 0.5 to 1.6 times its
    speed) and widened to take in the minimum-speed shot and the solver paths. Each solver in
    ``solvers`` starts from ``start`` = (angle_deg, velocity_mps) (either may be None: default
    `default_start`), so that their paths can be compared. A path's recording ends once what
    it has left to move is below ``still`` of the window each way (`still.Watch`; None: when
    its solver stops, after at most ``max_iter`` iterations).
    """
    if angles is not None:  # given: checked before anything is solved
        _check_range("--angles", angles, -90.0, 90.0)
    if speeds is not None:
        _check_range("--speeds", speeds, 0.0, math.inf)
    answer = aim.solve(problem)
    min_speed = minimum_speed_shot(problem, answer)
    if math.isfinite(answer.angle_deg) and math.isfinite(answer.velocity_mps):
        center = (answer.angle_deg, answer.velocity_mps)
    elif min_speed is not None:
        center = min_speed
    else:
        raise NothingToDraw(f"nothing to centre the landscape on: {answer.message}")
    auto = default_start(center)
    start = (auto[0] if start is None or start[0] is None else float(start[0]),
             auto[1] if start is None or start[1] is None else float(start[1]))
    if problem.velocity is not None:  # a fixed coordinate stays fixed, at the start too
        start = (start[0], problem.velocity)
    if problem.angle is not None:
        start = (problem.angle, start[1])
    if not -90 < start[0] < 90 or not start[1] > 0:
        raise PlotError(f"the start must have an angle in (-90, 90) and a speed > 0, got "
                        f"{start[0]:g}°, {start[1]:g} m/s")
    # the window: around the answer, taking in the minimum-speed shot, the start and the paths
    # (a path that wanders far off is cut at the edge rather than shrinking the valley)
    need_a = [center[0] - ANGLE_SPAN, center[0] + ANGLE_SPAN, start[0]]
    need_v = [center[1] * SPEED_SPAN[0], center[1] * SPEED_SPAN[1], start[1]]
    if min_speed is not None:
        need_a.append(min_speed[0])
        need_v.append(min_speed[1])
    unseen = None
    if still is not None:
        # the window is at least this wide before the paths widen it: what does not show
        # in it does not show in the picture
        span_a = angles[1] - angles[0] if angles is not None else max(need_a) - min(need_a)
        span_v = speeds[1] - speeds[0] if speeds is not None else max(need_v) - min(need_v)
        unseen = (still * span_a, still * span_v)
    paths = tuple(solver_path(problem, s, start, max_iter=max_iter, still=unseen,
                              on_iteration=on_iteration) for s in solvers)
    path_a, path_v = list(need_a), list(need_v)
    for p in paths:
        ok = np.isfinite(p.angle_deg) & np.isfinite(p.velocity_mps)
        path_a += [float(np.min(p.angle_deg[ok], initial=start[0])),
                   float(np.max(p.angle_deg[ok], initial=start[0]))]
        path_v += [float(np.min(p.velocity_mps[ok], initial=start[1])),
                   float(np.max(p.velocity_mps[ok], initial=start[1]))]
    if angles is None:
        lo = max(min(path_a), min(min(need_a), center[0] - 45.0))
        hi = min(max(path_a), max(max(need_a), center[0] + 45.0))
        lo, hi = _span(lo, hi)
        angles = (max(lo, -_ANGLE_MAX), min(hi, _ANGLE_MAX))
    if speeds is None:
        lo = max(min(path_v), min(min(need_v), 0.25 * center[1]))
        hi = min(max(path_v), max(max(need_v), 3.0 * center[1]))
        lo, hi = _span(lo, hi)
        speeds = (max(lo, 1e-3), hi)
    _check_range("--angles", angles, -90.0, 90.0)
    _check_range("--speeds", speeds, 0.0, math.inf)
    a = np.linspace(angles[0], angles[1], grid)
    v = np.linspace(speeds[0], speeds[1], grid)
    given, steps = steps, steps or grid_steps(a)
    miss = miss_grid(problem, a, v, steps=steps)
    valley = vacuum_valley(problem, a) if problem.drag == "none" else None
    zoom = None
    # an eighth of the window each way, around the answer: where the paths end (if they do)
    da, dv = (a[-1] - a[0]) / 16, (v[-1] - v[0]) / 16
    za = np.linspace(max(center[0] - da, -_ANGLE_MAX), min(center[0] + da, _ANGLE_MAX), 120)
    zv = np.linspace(max(center[1] - dv, 1e-3), center[1] + dv, 120)
    if any(za[0] <= p.angle_deg[-1] <= za[-1] and zv[0] <= p.velocity_mps[-1] <= zv[-1]
           for p in paths):
        # at the steps of its own steepest angle (`grid_steps`), nearer the answer's than the
        # window's: measured, half the window's at 300 m and 500 m, the same pixels
        zmiss = miss_grid(problem, za, zv, steps=given)
        zoom = Zoom(za, zv, zmiss, relative_loss(zmiss, problem.distance),
                    vacuum_valley(problem, za) if valley is not None else None)
    return Landscape(problem, a, v, miss, answer, min_speed, valley, paths, start, steps, zoom)


def _check_range(flag: str, rng: tuple, lo: float, hi: float) -> None:
    a, b = (float(x) for x in rng)
    if not (lo < a < b < hi):
        bounds = f"in ({lo:g}, {hi:g})" if math.isfinite(hi) else f"> {lo:g}"
        raise PlotError(f"{flag} needs LO < HI, both {bounds}, got {a:g}:{b:g}")

