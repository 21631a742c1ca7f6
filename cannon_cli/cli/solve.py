"""`cannon solve`: one problem from the flags, or every record of a file (--input)."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from ..optim import DEFAULT_SOLVER
from ..errors import ExitCode
from . import parsers
from .options import (BATCH, EXIT_CODES_HELP, HOW, OUTPUT, TARGET, Angle, Arc, ArcOpt,
                      InputFormat, MaxVelocity, Quiet, Scheduler, SightedTargetHeight,
                      SightHeight, Solver, TargetOffset, UnitsOpt, UnitSystem, Velocity, Workers,
                      Zero, _display_units, _output_format, dask_settings, with_physics)
from .environment import Environment
from .root import FLOATING_POINT_NOISE, _guard, app


@app.command(epilog=EXIT_CODES_HELP + " With --input: 1 if any record was bad input, else 3 if "
             "any had no solution.")
@_guard
@with_physics(after="target_offset")
def solve(
    distance: Annotated[Optional[float], typer.Option(
        parser=parsers.length, metavar="M",
        help="Horizontal distance to the target (m, or e.g. 1000yd), > 0. Required without "
        "--input.",
        rich_help_panel=TARGET, show_default=False)] = None,
    target_height: SightedTargetHeight = None,
    target_offset: TargetOffset = 0.0,
    physics: Optional[dict] = None,  # the physics options: see with_physics
    angle: Angle = None,
    velocity: Velocity = None,
    arc: ArcOpt = Arc.low,
    max_velocity: MaxVelocity = None,
    sight_height: SightHeight = None,
    zero: Zero = None,
    solver: Annotated[Solver, typer.Option(
        help="newton: Newton with exact derivatives; lbfgs: scipy L-BFGS-B; adam; gd: plain "
        "gradient descent.", case_sensitive=False, rich_help_panel=HOW)] = Solver(DEFAULT_SOLVER),
    tol: Annotated[Optional[float], typer.Option(
        parser=parsers.number, metavar="TOL",
        help="Stop when |miss| / distance is below this. (default: 1e-12)",
        rich_help_panel=HOW, show_default=False)] = None,
    max_iter: Annotated[Optional[int], typer.Option(
        parser=parsers.integer(1), metavar="N", help="Iteration limit, at least 1. (default per "
        "solver: newton 50, lbfgs 200, adam and gd 2000)",
        rich_help_panel=HOW, show_default=False)] = None,
    learning_rate: Annotated[Optional[float], typer.Option(
        parser=parsers.number, metavar="RATE",
        help="Step size for gd and adam, in preconditioned units. (default: gd 0.5, adam 0.2)",
        rich_help_panel=HOW, show_default=False)] = None,
    input_path: Annotated[Optional[str], typer.Option(
        "--input", "-i", metavar="PATH|-", rich_help_panel=BATCH,
        help="Solve every problem in a file (- for stdin): a JSON object, a JSON array, NDJSON "
        "or CSV with a header; fields named as in the solution's 'problem' object. A field a "
        "record leaves out comes from the flags, then the defaults.")] = None,
    input_format: Annotated[InputFormat, typer.Option(
        case_sensitive=False, rich_help_panel=BATCH,
        help="Format of --input; auto tells them apart by the first line.")] = InputFormat.auto,
    chunk_size: Annotated[int, typer.Option(
        parser=parsers.integer(1, 1_000_000), metavar="N", rich_help_panel=BATCH,
        help="Records solved together as arrays (1 to 1000000).")] = 4096,
    workers: Workers = None,
    scheduler: Scheduler = None,
    json_out: Annotated[bool, typer.Option(
        "--json", rich_help_panel=OUTPUT,
        help="JSON on stdout: one object, or with --input an array.")] = False,
    nl: Annotated[bool, typer.Option(
        "--nl", rich_help_panel=OUTPUT,
        help="One JSON object per line on stdout (the default with --input).")] = False,
    csv_out: Annotated[bool, typer.Option(
        "--csv", rich_help_panel=OUTPUT, help="A CSV table with a header on stdout.")] = False,
    policy: Annotated[Optional[str], typer.Option(
        "--policy", metavar="FILE.npz", rich_help_panel=HOW,
        help="Start minimum-speed solves from a trained aiming network ('cannon train'); "
        "targets outside its domain, or other physics, get the normal start and a warning.")
    ] = None,
    plot: Annotated[Optional[str], typer.Option(
        "--plot", metavar="FILE", rich_help_panel=OUTPUT,
        help="Also draw the shot to FILE (.png, .svg or .pdf): the trajectory of the answer, "
        "or of the closest approach when there is none (the exit status is still 3).")] = None,
    sensitivities: Annotated[bool, typer.Option(
        "--sensitivities", rich_help_panel=OUTPUT,
        help="Also give the exact sensitivities: per unit of each input (muzzle speed, BC or "
        "drag, air density, winds, distance, target height, elevation, azimuth), the change of "
        "the impact and of the aim that keeps the hit ('sensitivities' in the JSON).")] = False,
    display: UnitsOpt = UnitSystem.auto,
    quiet: Quiet = False,
    env: Optional[Environment] = None,  # the run's, from the guard
) -> None:
    """Find the launch angle and muzzle speed that hit a target.

    Fix --velocity to solve for the angle, fix --angle to solve for the speed, or fix neither for the minimum-speed shot. Progress and the summary go to stderr; --json, --nl or --csv write the solution to stdout.

    With --input, every record of the file is solved (in chunks, as arrays) and answered by one output record, in order: the solution, or an error record (index, line, error, converged: false). Output records carry "index" (0-based) and, for NDJSON and CSV input, the input "line".
    """  # noqa: E501 - typer keeps line breaks inside a paragraph, so one paragraph is one line
    if angle is not None and velocity is not None:
        raise typer.BadParameter("give --angle or --velocity, not both: the other is solved for",
                                 param_hint="'--angle' / '--velocity'")
    for name, value in (("--tol", tol), ("--learning-rate", learning_rate)):
        if value is not None and not value > 0:
            raise typer.BadParameter(f"must be > 0, got {value}", param_hint=f"'{name}'")
    fmt = _output_format(json_out, nl, csv_out)
    options = dict(solver=solver.value, max_iter=max_iter, learning_rate=learning_rate)
    if tol is not None:
        options["tol"] = tol
    values = dict(distance=distance, target_height=target_height, target_offset=target_offset,
                  angle=angle,
                  velocity=velocity, arc=arc.value, max_velocity=max_velocity,
                  sight_height=sight_height, zero=zero, **physics)
    shown = _display_units(display, distance, target_height, velocity, max_velocity, zero,
                           sight_height, physics["wind"], physics["crosswind"],
                           target_offset, physics["launch_height"])
    if plot is not None:
        if input_path is not None:
            raise typer.BadParameter("draws a single shot: not with --input",
                                     param_hint="'--plot'")
        from .plot import check_output

        check_output(plot, "--plot")
    if policy is not None:
        from ..learn.policy import Policy

        options["policy"] = Policy.load(policy)
    dask = dask_settings(workers, scheduler, input_path)
    if sensitivities and input_path is not None:
        raise typer.BadParameter("is for one problem: not with --input",
                                 param_hint="'--sensitivities'")
    options["sensitivities"] = sensitivities
    if input_path is not None:
        options.pop("sensitivities")
        _solve_batch(env, input_path, input_format.value, fmt or "nl", values, options, chunk_size,
                     quiet, dask)
        return
    if distance is None:
        raise typer.BadParameter("required without --input", param_hint="'--distance'")
    _solve_one(env, values, options, fmt, quiet, plot, shown)


def _solve_one(env: Environment, values: dict, options: dict, fmt: Optional[str], quiet: bool,
               plot: Optional[str] = None, shown: str = "metric") -> None:
    from ..problem import Problem

    problem = Problem(**values)
    wanted = options.pop("sensitivities", False)
    from ..aim import driver as aim
    from ..aim.sight import checked_zero_angles
    from ..io import batch

    # a zero out of reach is bad input, at once
    zeros = checked_zero_angles([problem], solver=options["solver"])
    options, notes = batch.policy_start(options, [problem])
    if not quiet:
        for note in notes:
            env.terminal.warn(note)
    if quiet:
        solution = aim.solve(problem, **options)
    else:
        with env.terminal.progress_table(options["solver"]) as table:
            solution = aim.solve(problem, callback=table, **options)
    solution = batch.finish([solution], zeros)[0]
    record = solution.to_json()
    if wanted and solution.converged:
        from ..aim.sensitivity import sensitivities

        record["sensitivities"] = sensitivities(problem, solution)
    if fmt == "json":
        env.write_json(record)
    elif fmt is not None:
        from ..io.writers import writer_for

        writer = writer_for(fmt, env.stdout)
        writer.write([{"index": 0, **record}])
        writer.close()
    if not quiet:
        env.terminal.solution_summary(solution, shown)
        if "sensitivities" in record:
            from ..io.odds import sensitivity_table

            env.terminal.show(sensitivity_table(record["sensitivities"]))
    elif not solution.converged and fmt is None:
        env.terminal.error(solution.message)
    if plot is not None:
        from .plot import draw_solution

        draw_solution(env, solution, plot)
    if not solution.converged:
        raise typer.Exit(ExitCode.NO_SOLUTION)


def _solve_batch(env: Environment, path: str, input_format: str, fmt: str, values: dict,
                 options: dict, chunk_size: int, quiet: bool, dask: Optional[dict]) -> None:
    from ..io import dask as on_dask
    from ..io.reader import read_records
    from ..io.writers import writer_for

    defaults = {k: v for k, v in values.items() if v is not None}
    # bytes: the reader decodes record by record (a BOM, or bytes that are not UTF-8, are
    # one record's business, not the batch's)
    stdin = getattr(sys.stdin, "buffer", sys.stdin)
    stream = stdin if path == "-" else _open_input(path)
    done = None  # ends the Dask cluster
    try:
        # without Dask, batch.run; on Dask its chunks go to the workers, which read NDJSON
        # lines themselves
        run_batch, done = on_dask.runner(dask, traceback=env.traceback, noise=FLOATING_POINT_NOISE)
        writer = writer_for(fmt, env.stdout)
        records = (read_records(stream, input_format) if dask is None
                   else on_dask.source(stream, input_format))
        total = None if path == "-" else _count_lines(path)
        with env.terminal.batch_progress(total, enabled=not quiet) as progress:
            tally = run_batch(records, writer, defaults=defaults, solve_options=options,
                              chunk_size=chunk_size, progress=progress)
    finally:
        if stream is not stdin:
            stream.close()
        if done is not None:
            done()
    if not quiet:
        env.terminal.batch_summary(tally)
    raise typer.Exit(tally.exit_code)


def _open_input(path: str):
    from ..errors import InputError

    try:
        return open(path, "rb")
    except OSError as e:
        raise InputError(f"cannot read --input {path}: {e.strerror}") from None


def _count_lines(path: str) -> Optional[int]:
    """Non-blank lines of a regular file (an estimate of its records, for the progress bar)."""
    try:
        if not os.path.isfile(path):
            return None
        n = 0
        with open(path, "rb") as f:
            for line in f:
                n += bool(line.strip())
        return n
    except OSError:
        return None
