"""`cannon hit`: how sure a shot is, from the uncertainty of its inputs."""

from __future__ import annotations

import math
from typing import Annotated, Optional

import typer

from ..optim import DEFAULT_SOLVER
from ..errors import ExitCode
from . import parsers
from .environment import Environment
from .options import (ANGLE_UNITS, EXIT_CODES_HELP, HOW, OUTPUT, TARGET, Angle, Arc, ArcOpt,
                      Quiet, Solver, TargetHeight, TargetOffset, Velocity, with_physics)
from .root import _guard, app

SPREAD = "Uncertainty (one standard deviation each)"
SWEEP = "Sweep over distances"


def _sd(kind: str, what: str):
    parser = {"speed": parsers.speed, "length": parsers.length, "percent": parsers.percent,
              "angle": parsers.angle}[kind]
    return Annotated[Optional[float], typer.Option(
        parser=parser, metavar={"speed": "M/S", "length": "M", "percent": "%",
                                "angle": "ANGLE"}[kind],
        rich_help_panel=SPREAD, show_default=False, help=what)]


@app.command(epilog=EXIT_CODES_HELP + " With a sweep: 3 if any distance had no solution.")
@_guard
@with_physics(after="target_offset")
def hit(
    distance: Annotated[Optional[float], typer.Option(
        parser=parsers.length, metavar="M", rich_help_panel=TARGET, show_default=False,
        help="Distance to the target (m, or e.g. 1000yd); or a sweep with --from/--to/--step."
    )] = None,
    target_height: TargetHeight = 0.0,
    target_offset: TargetOffset = 0.0,
    physics: Optional[dict] = None,  # the physics options: see with_physics
    angle: Angle = None,
    velocity: Velocity = None,
    arc: ArcOpt = Arc.low,
    target: Annotated[Optional[tuple], typer.Option(
        "--target", parser=parsers.rectangle, metavar="WxH", rich_help_panel=TARGET,
        show_default=False,
        help="The target face: a rectangle WIDTHxHEIGHT centred on the aim point (m, or e.g. "
        "20inx30in).")] = None,
    target_diameter: Annotated[Optional[float], typer.Option(
        parser=parsers.length, metavar="M", rich_help_panel=TARGET, show_default=False,
        help="The target face: a disc of this diameter, centred on the aim point.")] = None,
    sd_velocity: _sd("speed", "Muzzle speed (m/s, or e.g. 10fps).") = None,
    sd_wind: _sd("speed", "Downrange wind (m/s, or e.g. 2mph).") = None,
    sd_crosswind: _sd("speed", "Crosswind (m/s, or e.g. 2mph).") = None,
    sd_range: _sd("length", "Distance to the target: the range estimate (m, or e.g. 5yd).") = None,
    sd_bc: _sd("percent", "Ballistic coefficient (or the drag, without a table), in % (1 or "
               "1%).") = None,
    sd_density: _sd("percent", "Air density, in %.") = None,
    sd_angle: _sd("angle", "The gun's own precision, in elevation and in azimuth alike "
                  f"({ANGLE_UNITS}).") = None,
    monte_carlo: Annotated[Optional[int], typer.Option(
        "--monte-carlo", parser=parsers.integer(10, 10_000_000), metavar="N",
        rich_help_panel=HOW, show_default=False,
        help="Also sample N shots through the full model and report their P(hit) with a Wilson "
        "95 % interval.")] = None,
    seed: Annotated[Optional[int], typer.Option(
        parser=parsers.integer(0), metavar="N", rich_help_panel=HOW, show_default=False,
        help="Seed of the Monte Carlo (default: fresh each run).")] = None,
    start: Annotated[Optional[float], typer.Option(
        "--from", parser=parsers.length, metavar="M", rich_help_panel=SWEEP,
        show_default=False, help="First distance of a sweep.")] = None,
    stop: Annotated[Optional[float], typer.Option(
        "--to", parser=parsers.length, metavar="M", rich_help_panel=SWEEP, show_default=False,
        help="Last distance of a sweep.")] = None,
    step: Annotated[Optional[float], typer.Option(
        "--step", parser=parsers.length, metavar="M", rich_help_panel=SWEEP,
        show_default=False, help="Spacing of a sweep's distances.")] = None,
    solver: Annotated[Solver, typer.Option(
        case_sensitive=False, rich_help_panel=HOW,
        help="The solver of the aim (see cannon solve).")] = Solver(DEFAULT_SOLVER),
    out: Annotated[Optional[str], typer.Option(
        "--out", metavar="FILE", rich_help_panel=OUTPUT, show_default=False,
        help="Draw to FILE (.png, .svg, .pdf): P(hit) and sigma against range for a sweep, the "
        "target face with the 95 % ellipse (and the sampled impacts) for one distance.")] = None,
    json_out: Annotated[bool, typer.Option(
        "--json", rich_help_panel=OUTPUT,
        help="JSON on stdout: one object, or for a sweep an array.")] = False,
    nl: Annotated[bool, typer.Option("--nl", rich_help_panel=OUTPUT,
                                     help="One JSON object per distance on stdout.")] = False,
    csv_out: Annotated[bool, typer.Option("--csv", rich_help_panel=OUTPUT,
                                          help="A CSV table on stdout.")] = False,
    quiet: Quiet = False,
    env: Optional[Environment] = None,  # the run's, from the guard
) -> None:
    """How sure a shot is: the spread of the impact and the odds of a hit.

    Solves the aim as 'cannon solve' does, then propagates each input's standard deviation through the exact Jacobian of the impact (the delta method): the impact's sigmas, correlation and 95 % ellipse, each source's share of the variance (the error budget), and P(hit) on the target face. --monte-carlo N checks it by flying N sampled shots through the full model. A warning says where the impact is too far from linear in the inputs for the delta method to be trusted.
    """  # noqa: E501
    from ..aim import dispersion as dsp
    from ..errors import InputError
    from ..problem import Problem

    if angle is not None and velocity is not None:
        raise typer.BadParameter("give --angle or --velocity, not both: the other is solved for",
                                 param_hint="'--angle' / '--velocity'")
    fmt = _format(json_out, nl, csv_out)
    sds = dict(speed=sd_velocity, wind=sd_wind, crosswind=sd_crosswind, distance=sd_range,
               bc=sd_bc, density=sd_density,
               angle=None if sd_angle is None else math.radians(sd_angle))
    flags = dict(speed="--sd-velocity", wind="--sd-wind", crosswind="--sd-crosswind",
                 distance="--sd-range", bc="--sd-bc", density="--sd-density", angle="--sd-angle")
    for name, value in sds.items():
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise InputError(f"{flags[name]} must be a standard deviation >= 0, got {value:g}")
    if not any(sds.values()):
        raise InputError("give the uncertainty of at least one input (--sd-velocity, "
                         "--sd-wind, --sd-crosswind, --sd-range, --sd-bc, --sd-density, "
                         "--sd-angle)")
    face = _target(target, target_diameter)
    distances = _distances(distance, start, stop, step)
    if out is not None:
        from .plot import check_output

        check_output(out)
    problems = [Problem(distance=d, target_height=target_height, target_offset=target_offset,
                        angle=angle, velocity=velocity, arc=arc.value, **physics)
                for d in distances]
    from ..aim.driver import solve_many
    from ..aim.hit import assess

    solutions = solve_many(problems, solver=solver.value)
    uncertainty = dsp.Uncertainty(**{k: v or 0.0 for k, v in sds.items()})
    records = assess(problems, solutions, uncertainty, face, monte_carlo=monte_carlo, seed=seed)
    _write(env, records, fmt, sweep=len(distances) > 1 or start is not None)
    if not quiet:
        from ..io import odds

        if len(records) == 1 and start is None:
            odds.one(env.terminal, records[0])
        else:
            odds.sweep(env.terminal, records)
    if out is not None:
        from ..io import draw_odds

        if len(records) == 1 and start is None:
            if records[0]["converged"]:
                draw_odds.draw_face(records[0], out)
        else:
            draw_odds.draw_sweep(records, out)
    if not all(r["converged"] for r in records):
        raise typer.Exit(ExitCode.NO_SOLUTION)


def _format(json_out: bool, nl: bool, csv_out: bool) -> Optional[str]:
    if json_out + nl + csv_out > 1:
        raise typer.BadParameter("give one of --json, --nl and --csv",
                                 param_hint="'--json' / '--nl' / '--csv'")
    return "json" if json_out else "nl" if nl else "csv" if csv_out else None


def _target(rect: Optional[tuple], diameter: Optional[float]):
    from ..aim.dispersion import Target
    from ..errors import InputError

    if (rect is None) == (diameter is None):
        raise InputError("give the target face: --target WIDTHxHEIGHT or --target-diameter D"
                         if rect is None else "give --target or --target-diameter, not both")
    if diameter is not None:
        if not (math.isfinite(diameter) and diameter > 0):
            raise InputError(f"--target-diameter must be > 0, got {diameter:g}")
        return Target(diameter=diameter)
    width, height = rect
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        raise InputError(f"--target must be wider and higher than 0, got {width:g}x{height:g}")
    return Target(width=width, height=height)


#: the most distances of a sweep
MAX_SWEEP = 10_000


def _distances(distance, start, stop, step) -> list:
    from ..errors import InputError

    sweep = (start, stop, step)
    if all(v is None for v in sweep):
        if distance is None:
            raise InputError("give --distance, or a sweep with --from, --to and --step")
        return [distance]
    if any(v is None for v in sweep):
        raise InputError("a sweep needs --from, --to and --step")
    if distance is not None:
        raise InputError("give --distance or a sweep (--from, --to, --step), not both")
    if not (step > 0 and start > 0 and stop >= start):
        raise InputError(f"a sweep needs 0 < --from <= --to and --step > 0, got {start:g}, "
                         f"{stop:g}, {step:g}")
    count = int(math.floor((stop - start) / step * (1 + 1e-12))) + 1
    if count > MAX_SWEEP:
        raise InputError(f"a sweep of {count} distances is more than {MAX_SWEEP}")
    return [start + i * step for i in range(count)]


def _write(env: Environment, records: list, fmt: Optional[str], *, sweep: bool) -> None:
    if fmt is None:
        return
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in records]
    from ..io.writers import writer_for

    if fmt == "json" and not sweep:
        env.write_json(clean[0])
        return
    if fmt == "csv":
        from ..io.odds import CSV_COLUMNS, flat

        writer = writer_for("csv", env.stdout, columns=CSV_COLUMNS)
        writer.write([flat(r) for r in clean])
    else:
        writer = writer_for(fmt, env.stdout)
        writer.write(clean)
    writer.close()
