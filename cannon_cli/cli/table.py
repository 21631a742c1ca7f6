"""`cannon table`: a firing table for one gun, one row per distance."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..optim import DEFAULT_SOLVER
from . import parsers
from .options import (ANGLE_UNITS, EXIT_CODES_HELP, HOW, OUTPUT, TARGET, UNKNOWNS, Arc,
                      Scheduler, SightedTargetHeight, SightHeight, Solver, UnitsOpt, UnitSystem,
                      Workers, Zero, _display_units, _output_format, dask_settings, with_physics)
from .environment import Environment
from .root import FLOATING_POINT_NOISE, _guard, app


@app.command(epilog=EXIT_CODES_HELP + " A table exits 3 when some distance is out of reach.")
@_guard
@with_physics(after="target_height")
def table(
    start: Annotated[float, typer.Option(
        "--from", parser=parsers.length, metavar="M",
        help="First distance (m, or e.g. 100yd), > 0.",
        rich_help_panel=TARGET, show_default=False)],
    stop: Annotated[float, typer.Option(
        "--to", parser=parsers.length, metavar="M", help="Last distance (m, or e.g. 1000yd), "
        "included.", rich_help_panel=TARGET, show_default=False)],
    step: Annotated[float, typer.Option(
        parser=parsers.length, metavar="M", help="Distance between rows (m, or e.g. 100yd), > 0.",
        rich_help_panel=TARGET, show_default=False)],
    target_height: SightedTargetHeight = None,
    physics: Optional[dict] = None,  # the physics options: see with_physics
    angle: Annotated[Optional[float], typer.Option(
        "--angle", metavar="DEG", rich_help_panel=UNKNOWNS, parser=parsers.angle,
        help=f"The gun's fixed elevation ({ANGLE_UNITS}): the table gives the speed for each "
        "distance.")] = None,
    velocity: Annotated[Optional[float], typer.Option(
        "--velocity", metavar="M/S", rich_help_panel=UNKNOWNS, parser=parsers.speed,
        help="The gun's muzzle speed (m/s, or e.g. 2600fps): the table gives the elevation.")
    ] = None,
    arc: Annotated[Arc, typer.Option(help="With --velocity: the low or the high arc.",
                                     case_sensitive=False, rich_help_panel=UNKNOWNS)] = Arc.low,
    max_velocity: Annotated[Optional[float], typer.Option(
        metavar="M/S", rich_help_panel=UNKNOWNS, parser=parsers.speed,
        help="Upper bound on the speed (m/s, or e.g. 3000fps).")] = None,
    sight_height: SightHeight = None,
    zero: Zero = None,
    solver: Annotated[Solver, typer.Option(case_sensitive=False, rich_help_panel=HOW,
                                           help="As for solve.")] = Solver(DEFAULT_SOLVER),
    chunk_size: Annotated[int, typer.Option(
        parser=parsers.integer(1, 1_000_000), metavar="N", rich_help_panel=HOW,
        help="Rows solved together as arrays, and written together (1 to 1000000).")] = 4096,
    workers: Workers = None,
    scheduler: Scheduler = None,
    json_out: Annotated[bool, typer.Option("--json", rich_help_panel=OUTPUT,
                                           help="A JSON array of solutions.")] = False,
    nl: Annotated[bool, typer.Option("--nl", rich_help_panel=OUTPUT,
                                     help="One JSON solution per line.")] = False,
    csv_out: Annotated[bool, typer.Option("--csv", rich_help_panel=OUTPUT,
                                          help="A CSV table with a header.")] = False,
    corrections: Annotated[bool, typer.Option(
        "--corrections", rich_help_panel=OUTPUT,
        help="Add the correction columns of artillery firing tables, from the exact "
        "derivatives: range and elevation change per +1 m/s muzzle speed, elevation per +1 m/s "
        "tailwind, +1 % air density, +1 °C and +10 m target height, azimuth per +1 m/s "
        "crosswind (mrad; 'corrections' in JSON, corrections.* in CSV). Not with --angle.")
    ] = False,
    display: UnitsOpt = UnitSystem.auto,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", rich_help_panel=OUTPUT,
        help="No progress bar and no summary line on stderr; errors still show.")] = False,
    env: Optional[Environment] = None,  # the run's, from the guard
) -> None:
    """A firing table for one gun: one row per distance.

    Give the gun's --velocity (rows give the elevation) or --angle (rows give the speed), or neither for minimum-speed shots. By default a table for people on stdout (the table is the data); --json, --nl or --csv for machines. Distances out of reach are rows that say so. With --sight-height (and --zero), the rows add the come-up from the zero in MOA and mrad. With a crosswind or --latitude, they add the windage: the azimuth to aim at (+ right; also in MOA and mrad for a drag table) and the drift fired straight at the target.

    Rows are solved and written in chunks, as solve --input does: the first ones show while the rest are solved, and a reader that goes away ends the table (exit 141).
    """  # noqa: E501
    if angle is not None and velocity is not None:
        raise typer.BadParameter("give --angle or --velocity, not both",
                                 param_hint="'--angle' / '--velocity'")
    fmt = _output_format(json_out, nl, csv_out)
    if corrections and angle is not None:
        raise typer.BadParameter("corrects the elevation: give --velocity, or neither for "
                                 "minimum-speed shots, not --angle", param_hint="'--corrections'")
    dask = dask_settings(workers, scheduler, "table")
    from ..io import dask as on_dask
    from ..io import render
    from ..io.table import FiringTable
    from ..io.writers import writer_for

    table = FiringTable(start, stop, step, dict(
        target_height=target_height, angle=angle, velocity=velocity, arc=arc.value,
        max_velocity=max_velocity, sight_height=sight_height, zero=zero, **physics))
    first = table.first(solver.value)
    shown = _display_units(display, start, stop, step, target_height, velocity, max_velocity,
                           zero, sight_height, physics["wind"], physics["crosswind"],
                           physics["launch_height"])
    if fmt is None:
        writer = render.FiringTableWriter(env.stdout, first, units=shown, corrections=corrections)
    else:
        from ..aim.sensitivity import CORRECTIONS
        from ..io.writers import CSV_COLUMNS

        extra = tuple(f"corrections.{key}" for key, *_ in CORRECTIONS) if corrections else ()
        writer = writer_for(fmt, env.stdout, columns=CSV_COLUMNS + extra)
    run_batch, done = on_dask.runner(dask, traceback=env.traceback, noise=FLOATING_POINT_NOISE)
    with env.terminal.batch_progress(table.count, enabled=not quiet) as progress, \
            on_dask.ending(done):
        tally = run_batch(table.records(), writer, defaults=table.defaults,
                          solve_options=dict(solver=solver.value, corrections=corrections),
                          chunk_size=chunk_size,
                          progress=progress)
    if not quiet:
        env.terminal.batch_summary(tally, "rows")
    raise typer.Exit(tally.exit_code)
