"""`cannon train` and `cannon compare`: the aiming network and the three ways to aim.

Registered on the application by importing this module (cli/__init__.py); heavy imports stay
inside the commands.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..optim import DEFAULT_SOLVER
from . import parsers
from .options import EXIT_CODES_HELP, HOW, OUTPUT, TARGET, Quiet, Solver, TargetHeight, with_physics
from .environment import Environment
from .root import _guard, app

DOMAIN = "Training domain"


def _span(value) -> tuple:
    """A LO:HI option's (lo, hi): parsed by `parsers.span`, or its default text."""
    return parsers.span("length")(value) if isinstance(value, str) else value


@app.command(epilog=EXIT_CODES_HELP)
@_guard
@with_physics(after="wind_range", wind=False, offset=False)
def train(
    out: Annotated[str, typer.Option("--out", "-o", metavar="FILE.npz", show_default=False,
                                     help="Where to save the policy (.npz + JSON metadata).")],
    distance_range: Annotated[tuple, typer.Option(
        parser=parsers.span("length"), metavar="LO:HI", rich_help_panel=DOMAIN, show_default=False,
        help="Target distances to train for (m, or e.g. 100yd:500yd).")],
    height_range: Annotated[tuple, typer.Option(
        parser=parsers.span("length"), metavar="LO:HI", rich_help_panel=DOMAIN,
        help="Target heights (m, or e.g. 0:20ft).")] = "0:0",
    wind_range: Annotated[tuple, typer.Option(
        parser=parsers.span("speed"), metavar="LO:HI", rich_help_panel=DOMAIN,
        help="Winds (m/s, or e.g. -5:5mph; + toward the target).")] = "0:0",
    physics: Optional[dict] = None,  # the physics options: see with_physics
    steps: Annotated[int, typer.Option(parser=parsers.integer(1, 1_000_000), metavar="N",
                                       rich_help_panel=HOW,
                                       help="Adam steps (1 to 1000000).")] = 1500,
    batch: Annotated[int, typer.Option(parser=parsers.integer(1, 100_000), metavar="N",
                                       rich_help_panel=HOW,
                                       help="Targets drawn per step (1 to 100000).")] = 128,
    seed: Annotated[int, typer.Option(parser=parsers.integer(), metavar="N", rich_help_panel=HOW,
                                      help="Random seed.")] = 0,
    quiet: Quiet = False,
    env: Optional[Environment] = None,  # the run's, from the guard
) -> None:
    """Train an aiming network through the physics, with no labels.

    The network maps a target (distance, height, wind) to the minimum-speed shot; its loss is the solver's own residual, back-propagated through the differentiable model. Use the result with 'cannon solve --policy FILE'.
    """  # noqa: E501
    from ..io.writers import check_writable
    from ..learn.policy import train as fit
    from ..problem import Physics

    domain = {"distance": _span(distance_range), "height": _span(height_range),
              "wind": _span(wind_range)}
    physics = Physics(**physics)
    check_writable(out, "--out")  # before the training, not after it
    with env.terminal.training_progress(steps, enabled=not quiet) as progress:
        policy = fit(physics, domain, steps=steps, batch=batch, seed=seed, callback=progress)
    try:
        policy.save(out)
    except OSError as e:
        from ..errors import InputError

        raise InputError(f"cannot write {out}: {e.strerror}") from None
    if not quiet:
        env.terminal.note(f"cannon: saved the policy to {out}")


@app.command(epilog=EXIT_CODES_HELP)
@_guard
@with_physics(after="target_height", lateral=False, offset=False)
def compare(
    distance: Annotated[float, typer.Option(
        parser=parsers.length, metavar="M", rich_help_panel=TARGET,
        help="Horizontal distance to the target (m, or e.g. 20ft).")] = 6.0,
    target_height: TargetHeight = 0.0,
    physics: Optional[dict] = None,  # the physics options: see with_physics
    speed_max: Annotated[Optional[float], typer.Option(
        parser=parsers.speed, metavar="M/S", rich_help_panel=HOW, show_default=False,
        help="The surrogate is fit on speeds in (0, this] (m/s, or e.g. 30fps). (default: 10, "
        "the article's, or 1.25 x the minimum speed the target needs if that is more)")
    ] = None,
    samples: Annotated[int, typer.Option(parser=parsers.integer(10), metavar="N",
                                         rich_help_panel=HOW, help="Simulator samples for the "
                                         "surrogate (at least 10).")] = 1000,
    epochs: Annotated[int, typer.Option(parser=parsers.integer(1), metavar="N",
                                        rich_help_panel=HOW,
                                        help="Surrogate training epochs (at least 1).")] = 100,
    policy_steps: Annotated[int, typer.Option(parser=parsers.integer(1), metavar="N",
                                              rich_help_panel=HOW,
                                              help="Policy training steps (at least 1).")] = 1000,
    solver: Annotated[Solver, typer.Option(case_sensitive=False, rich_help_panel=HOW,
                                           help="Solver for the physics and the refinement.")
                      ] = Solver(DEFAULT_SOLVER),
    seed: Annotated[int, typer.Option(parser=parsers.integer(), metavar="N", rich_help_panel=HOW,
                                      help="Random seed.")] = 0,
    json_out: Annotated[bool, typer.Option("--json", rich_help_panel=OUTPUT,
                                           help="The table as JSON on stdout.")] = False,
    quiet: Quiet = False,
    env: Optional[Environment] = None,  # the run's, from the guard
) -> None:
    """Aim three ways on one problem and compare: surrogate, physics, policy.

    1) surrogate: fit a network to the simulator's (speed, angle) -> range, then descend on its inputs; 2) physics: descend on the true differentiable model (plain gradient descent from the surrogate's start and tolerance, and the chosen solver); 3) policy: a network trained through the physics proposes the shot, which the solver refines. For each, the miss it believes and the TRUE miss, re-simulated (DOP853) where the shot comes down. Defaults reproduce the article's setting (vacuum, speeds up to 10 m/s); drag and wind work too.
    """  # noqa: E501
    from ..io import render
    from ..learn.compare import compare as run
    from ..learn.compare import to_json
    from ..problem import Problem

    problem = Problem(distance=distance, target_height=target_height,
                      **physics)
    note = None if quiet else (lambda msg: env.terminal.note(f"cannon: {msg}"))
    result = run(problem, seed=seed, speed_max=speed_max, samples=samples, epochs=epochs,
                 policy_steps=policy_steps, solver=solver.value, note=note)
    if json_out:
        env.write_json(to_json(problem, result, seed))
    else:
        render.comparison(problem, result.rows)
    if not quiet:
        for warning in result.warnings:
            env.terminal.warn(warning)
