"""`cannon plot trajectory` and `cannon plot landscape`: typer parameters and validation only;
the pictures' data come from `io.pictures`, and `io.draw` draws them.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..optim import DEFAULT_SOLVER
from ..errors import ExitCode
from . import parsers
from .options import (
    EXIT_CODES_HELP,
    HOW,
    OUTPUT,
    TARGET,
    Arc,
    Solver,
    TargetHeight,
    Angle,
    ArcOpt,
    MaxVelocity,
    TargetOffset,
    Velocity,
    with_physics,
)
from .environment import Environment
from .root import _guard

plot_app = typer.Typer(
    no_args_is_help=True,
    help="Pictures: the shot from launch to target, and the loss landscape over (angle, speed) "
    "with the path each solver took. In the terminal, or as PNG, SVG or PDF with --out.",
    rich_markup_mode="rich",
)

GRID = "Grid"
PATHS = "Solver paths"

Out = Annotated[Optional[str], typer.Option(
    "--out", "-o", metavar="FILE", rich_help_panel=OUTPUT,
    help="Write the picture to FILE: .png, .svg or .pdf (by the suffix). Without it, the "
    "picture is drawn in the terminal, on stdout.")]
Width = Annotated[Optional[int], typer.Option(
    parser=parsers.integer(10, 10000), metavar="N", rich_help_panel=OUTPUT, show_default=False,
    help="Width (10 to 10000): pixels for --out (default 1000), else character cells "
    "(default: the terminal's, at most 160).")]
Height = Annotated[Optional[int], typer.Option(
    parser=parsers.integer(5, 10000), metavar="N", rich_help_panel=OUTPUT, show_default=False,
    help="Height (5 to 10000): pixels for --out (default 700), else character cells (default "
    "30).")]
Title = Annotated[Optional[str], typer.Option(
    rich_help_panel=OUTPUT, show_default=False,
    help="Title of the picture (default: what is drawn, the target and the physics).")]
Distance = Annotated[Optional[float], typer.Option(
    parser=parsers.length, metavar="M",
    help="Horizontal distance to the target (m, or e.g. 1000yd), > 0. Required unless both "
    "--angle and --velocity are given.", rich_help_panel=TARGET, show_default=False)]


def _size(out: Optional[str], width: Optional[int], height: Optional[int]) -> None:
    """--width/--height: pixels for a file, character cells for the terminal."""
    from ..io.plot_errors import PlotError

    if out is None:
        for flag, value, top in (("--width", width, 1000), ("--height", height, 500)):
            if value is not None and value > top:
                raise PlotError(f"{flag} {value} is more character cells than a terminal "
                                f"picture takes (at most {top}); did you mean --out FILE?")
    else:
        for flag, value in (("--width", width), ("--height", height)):
            if value is not None and value < 100:
                raise PlotError(f"{flag} {value} pixels is too small for a picture "
                                "(at least 100)")


def check_output(out: Optional[str], flag: str = "--out") -> None:
    """Fail early (before any solving) on an unknown image suffix, a missing drawing library or
    a file that cannot be written."""
    from ..io import draw

    if out is not None:
        draw.image_format(out)
    draw.require(out)
    if out is not None:
        from ..io.writers import check_writable

        check_writable(out, flag)


def draw_solution(env: Environment, solution, out: str) -> None:
    """`cannon solve --plot FILE`: the trajectory of the answer (of the closest approach when
    there is none) to FILE."""
    from ..io import draw, pictures
    from ..io.plot_errors import NothingToDraw

    try:
        pic = pictures.shot_picture(solution=solution)
    except NothingToDraw:  # no solution and no closest approach: the reason is reported
        env.terminal.warn(f"nothing drawn to {out}: there is no shot to draw")
        return
    draw.draw_shot(pic, out=out)


def _problem(distance, target_height, angle, velocity, arc, max_velocity, physics,
             target_offset=0.0):
    from ..problem import Problem

    if distance is None:
        raise typer.BadParameter("required unless both --angle and --velocity are given",
                                 param_hint="'--distance'")
    return Problem(distance=distance, target_height=target_height, angle=angle,
                   velocity=velocity, arc=arc.value, max_velocity=max_velocity,
                   target_offset=target_offset, **physics)


@plot_app.command(epilog=EXIT_CODES_HELP + " When there is no solution, the closest approach is "
                  "drawn and the exit status is 3.")
@_guard
@with_physics(after="target_offset")
def trajectory(
    distance: Distance = None,
    target_height: TargetHeight = 0.0,
    target_offset: TargetOffset = 0.0,
    physics: Optional[dict] = None,  # the physics options: see with_physics
    angle: Angle = None,
    velocity: Velocity = None,
    arc: ArcOpt = Arc.low,
    max_velocity: MaxVelocity = None,
    solver: Annotated[Solver, typer.Option(case_sensitive=False, rich_help_panel=HOW,
                                           help="As for solve.")] = Solver(DEFAULT_SOLVER),
    out: Out = None,
    width: Width = None,
    height: Height = None,
    title: Title = None,
    env: Optional[Environment] = None,  # the run's, from the guard
) -> None:
    """Draw the shot: solve for the target, then fly the answer from launch to landing.

    Marks the launch point, the target, the apex and the target height; with drag or wind, the same launch in vacuum is drawn dashed for comparison. A shot off the vertical plane (a crosswind, a latitude, a --target-offset) is aimed in azimuth too, and --out draws its top view under the side view: the line of fire and the target's lateral position. With both --angle and --velocity the shot is only flown, not solved (--distance then marks the target; it is fired along the line to it). Without --out the picture (the side view) is drawn in the terminal, on stdout.
    """  # noqa: E501 - typer keeps line breaks inside a paragraph, so one paragraph is one line
    _size(out, width, height)
    check_output(out)
    from ..io import draw, pictures

    if angle is not None and velocity is not None:
        from ..problem import Shot

        shot = Shot(angle=angle, velocity=velocity, distance=distance,
                    target_height=target_height, **physics)
        pic = pictures.shot_picture(shot=shot, target_offset=target_offset)
    else:
        problem = _problem(distance, target_height, angle, velocity, arc, max_velocity, physics,
                           target_offset)
        pic = pictures.shot_picture(problem, solver=solver.value)
    draw.draw_shot(pic, out=out, width=width, height=height, title=title)
    if out is None and pic.three_d:
        env.terminal.note("cannon: the side view only: the top view of a 3-D shot needs --out "
                          "FILE")
    if not pic.hit:
        env.terminal.error(f"{pic.solution.message} (drew the closest approach)")
        raise typer.Exit(ExitCode.NO_SOLUTION)


@plot_app.command(epilog=EXIT_CODES_HELP)
@_guard
@with_physics(after="target_height", lateral=False)
def landscape(
    distance: Annotated[float, typer.Option(
        parser=parsers.length, metavar="M", rich_help_panel=TARGET, show_default=False,
        help="Horizontal distance to the target (m, or e.g. 1000yd), > 0.")],
    target_height: TargetHeight = 0.0,
    physics: Optional[dict] = None,  # the physics options: see with_physics
    angle: Angle = None,
    velocity: Velocity = None,
    arc: ArcOpt = Arc.low,
    max_velocity: MaxVelocity = None,
    angles: Annotated[Optional[str], typer.Option(
        parser=parsers.span("angle", ordered=False), metavar="LO:HI", rich_help_panel=GRID,
        show_default=False,
        help="Launch angles of the grid (°), e.g. 20:70 (default: the answer's ±20°, widened "
        "to take in the paths).")] = None,
    speeds: Annotated[Optional[str], typer.Option(
        parser=parsers.span("speed", ordered=False), metavar="LO:HI", rich_help_panel=GRID,
        show_default=False,
        help="Muzzle speeds of the grid (m/s), e.g. 20:60 or 100:200fps (default: 0.5 to 1.6 "
        "times the answer's, widened to take in the paths).")] = None,
    grid: Annotated[int, typer.Option(
        parser=parsers.integer(10, 1000), metavar="N", rich_help_panel=GRID,
        help="Grid points each way, 10 to 1000 (the loss is computed at grid × grid "
        "points).")] = 200,
    solver: Annotated[Optional[list[Solver]], typer.Option(
        case_sensitive=False, rich_help_panel=PATHS, show_default=False,
        metavar="<gd|adam|lbfgs|newton>",
        help="A solver whose path to draw; repeat for several (default: all four).")] = None,
    start_angle: Annotated[Optional[float], typer.Option(
        parser=parsers.angle, metavar="DEG", rich_help_panel=PATHS, show_default=False,
        help="Where every path starts: the angle (°, or e.g. 700mil) (default: the answer's + "
        "15°).")] = None,
    start_velocity: Annotated[Optional[float], typer.Option(
        parser=parsers.speed, metavar="M/S", rich_help_panel=PATHS, show_default=False,
        help="Where every path starts: the speed (m/s, or e.g. 100fps) (default: 1.3 × the "
        "answer's).")] = None,
    max_iter: Annotated[Optional[int], typer.Option(
        parser=parsers.integer(1), metavar="N", rich_help_panel=PATHS, show_default=False,
        help="Run every path to N iterations (at least 1), or until its solver stops. Without "
        "it a path runs as solve runs that solver, but its drawing ends once the path is still "
        "(what is left for it to move is below a fifth of a pixel of the zoomed inset), and the "
        "legend says so.")] = None,
    out: Out = None,
    width: Width = None,
    height: Height = None,
    title: Title = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", rich_help_panel=OUTPUT,
        help="No progress line on stderr; errors still show.")] = False,
    env: Optional[Environment] = None,  # the run's, from the guard
) -> None:
    """Draw the loss landscape over (angle, speed) and the path each solver takes across it.

    The loss is the squared relative miss at the target distance, ½((y(D) − y_target)/D)², computed through the model for the whole grid at once and drawn on a log colour scale; grey where the shot never gets that far. Its valley of exact hits is a curve (in vacuum the closed form is drawn over it); the minimum-speed shot is marked on it. Every solver starts from the same point, and an inset zooms in on where the paths end. Fix neither --angle nor --velocity (the minimum-speed shot) for the classic picture; with one fixed, the paths run along the other axis.
    """  # noqa: E501
    _size(out, width, height)
    check_output(out)
    from ..io import draw, pictures

    problem = _problem(distance, target_height, angle, velocity, arc, max_velocity,
                       physics)
    solvers = [s.value for s in solver] if solver else list(pictures.SOLVERS)
    solvers = list(dict.fromkeys(solvers))  # each once, in the order given
    a_rng, v_rng = angles, speeds  # (lo, hi) from parsers.span, or None
    start = (start_angle, start_velocity)
    # N iterations asked for are run; else a path is drawn until it is still, on a picture
    # larger than the default (finer pixels) proportionally longer
    still = None
    if max_iter is None:
        w, h = draw.FILE_SIZE
        still = pictures.STILL * min(1.0, w / (width or w), h / (height or h))
    opts = {"angles": a_rng, "speeds": v_rng, "grid": grid, "solvers": solvers,
            "start": start, "max_iter": max_iter, "still": still}
    if quiet or not env.terminal.is_terminal:
        ls = pictures.landscape(problem, **opts)
    else:
        with env.terminal.console.status("solving") as status:
            def on_iteration(name: str, iteration: int) -> None:
                if iteration % 10 == 0:
                    status.update(f"path of {name}: iteration {iteration}")

            ls = pictures.landscape(problem, **opts, on_iteration=on_iteration)
    draw.draw_landscape(ls, out=out, width=width, height=height, title=title)
