"""The `cannon` command: typer parameters and validation only; the work is in the library.

Exit codes (errors.ExitCode): 0 solved · 1 bad input · 2 usage · 3 no solution · 130 interrupted
· 141 output pipe closed. Exceptions become exit codes in one place, `_guard`.

Heavy modules (numpy, autograd, scipy, rich rendering) are imported inside the commands, so that
`cannon --version` and `--help` start fast.
"""

from __future__ import annotations

import enum
import functools
import inspect
import math
import os
import sys
import warnings
from typing import Annotated, Optional

import typer

from . import __version__, dask_run, units  # dask_run: issue 15, imports no Dask itself
from .errors import CannonError, ExitCode
from .problem import STANDARD_GRAVITY


EXIT_CODES_HELP = (
    "Exit status: 0 solved · 1 bad input · 2 usage error · 3 no solution (out of reach, or not "
    "converged) · 130 interrupted · 141 output pipe closed."
)

app = typer.Typer(
    name="cannon",
    help="Aim a cannon by differentiable programming: find the launch angle and speed that hit "
    "a target, by descending on a differentiable projectile model.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

_state = {"traceback": bool(os.environ.get("CANNON_TRACEBACK"))}


class Drag(str, enum.Enum):
    none = "none"
    linear = "linear"
    quadratic = "quadratic"
    g1 = "g1"
    g7 = "g7"
    sphere = "sphere"
    table = "table"


class AtmosphereModel(str, enum.Enum):
    constant = "constant"
    icao = "icao"


class Arc(str, enum.Enum):
    low = "low"
    high = "high"


class Solver(str, enum.Enum):
    lbfgs = "lbfgs"
    newton = "newton"
    adam = "adam"
    gd = "gd"


PHYSICS = "Physics"
AIR = "Air and drag tables"
TARGET = "Target"
UNKNOWNS = "What to solve"
HOW = "Solver"
OUTPUT = "Output"

#: 1 lb/in² in kg/m² (dragtable.LB_PER_IN2, which would import numpy before --help)
LB_PER_IN2 = units.POUND / units.INCH ** 2

# -- shared parameter types -----------------------------------------------------------------
# Every number goes through a parser of units.py: lengths, speeds, masses and angles take a unit
# suffix, and a value that is not a number is refused in our words (typer's own coercion would
# answer in pydantic's).
TargetHeight = Annotated[float, typer.Option(
    parser=units.length, metavar="M", help="Height of the target (m, or e.g. 10ft).",
    rich_help_panel=TARGET)]
#: solve's and table's: with a sight, a target is level with it unless it says otherwise
SightedTargetHeight = Annotated[Optional[float], typer.Option(
    "--target-height", parser=units.length, metavar="M", help="Height of the target (m, or "
    "e.g. 10ft). (default: 0, or level with the sight when --sight-height or --zero is given)",
    rich_help_panel=TARGET, show_default=False)]
LaunchHeight = Annotated[float, typer.Option(
    parser=units.length, metavar="M", help="Height of the muzzle (m, or e.g. 5ft).",
    rich_help_panel=PHYSICS)]
Gravity = Annotated[float, typer.Option(
    parser=units.number, metavar="M/S²", help="Gravitational acceleration (m/s²).",
    rich_help_panel=PHYSICS)]
DragOpt = Annotated[Drag, typer.Option(
    help="Drag model: none; linear; quadratic (constant Cd); g1, g7 or sphere (Cd(Mach) from "
    "the standard tables); table (Cd(Mach) from --drag-table).", case_sensitive=False,
    rich_help_panel=PHYSICS)]
Mass = Annotated[float, typer.Option(
    parser=units.mass, metavar="KG", help="Projectile mass (kg, or e.g. 175gr, 20g, 12lb).",
    rich_help_panel=PHYSICS)]
Diameter = Annotated[float, typer.Option(
    parser=units.length, metavar="M", help="Projectile diameter (m, or e.g. 0.308in, 7.62mm), "
    "for quadratic and table drag.", rich_help_panel=PHYSICS)]
DragCoefficient = Annotated[float, typer.Option(
    parser=units.number, metavar="CD", help="Drag coefficient Cd, for quadratic drag.",
    rich_help_panel=PHYSICS)]
AirDensity = Annotated[Optional[float], typer.Option(
    parser=units.number, metavar="KG/M³",
    help="Air density at the muzzle (kg/m³). (default: from the site's weather, 1.225 at sea "
    "level)", rich_help_panel=AIR, show_default=False)]
DragTable = Annotated[Optional[str], typer.Option(
    metavar="FILE", help="Cd(Mach) from a CSV file with a 'mach,cd' header (implies --drag "
    "table).", rich_help_panel=AIR, show_default=False)]
BallisticCoefficient = Annotated[Optional[float], typer.Option(
    "--bc", parser=units.number, metavar="LB/IN²", help="Ballistic coefficient (lb/in², the "
    "G-model convention) for a drag table. (default: from --mass, --diameter and "
    "--form-factor)", rich_help_panel=AIR, show_default=False)]
FormFactor = Annotated[float, typer.Option(
    parser=units.number, metavar="I",
    help="Form factor i: the projectile's Cd is i × the table's (without --bc).",
    rich_help_panel=AIR)]
AtmosphereOpt = Annotated[AtmosphereModel, typer.Option(
    help="constant: the site's air all along the flight; icao: density and the speed of sound "
    "change with height as in the ICAO standard atmosphere.", case_sensitive=False,
    rich_help_panel=AIR)]
Altitude = Annotated[float, typer.Option(
    parser=units.length, metavar="M",
    help="Altitude of the launch site above sea level (m, or e.g. 5000ft).", rich_help_panel=AIR)]
Temperature = Annotated[Optional[float], typer.Option(
    parser=units.number, metavar="°C", help="Air temperature at the site (°C). (default: ICAO "
    "standard at the altitude, 15 at sea level)", rich_help_panel=AIR, show_default=False)]
Pressure = Annotated[Optional[float], typer.Option(
    parser=units.number, metavar="HPA", help="Station air pressure at the site (hPa). (default: "
    "ICAO standard at the altitude, 1013.25 at sea level)", rich_help_panel=AIR,
    show_default=False)]
Humidity = Annotated[float, typer.Option(
    parser=units.number, metavar="%", help="Relative humidity at the site (%).",
    rich_help_panel=AIR)]
LinearDrag = Annotated[float, typer.Option(
    parser=units.number, metavar="KG/S", help="Linear drag constant b (kg/s), for linear drag.",
    rich_help_panel=PHYSICS)]
Wind = Annotated[float, typer.Option(
    parser=units.speed, metavar="M/S",
    help="Horizontal wind (m/s, or e.g. 10mph), positive toward the target.",
    rich_help_panel=PHYSICS)]
#: the help's words for an angle's units
ANGLE_UNITS = "°, or e.g. 5mil (NATO, 1/6400 turn), 2mrad, 30moa"
SIGHT = "Sight"
SightHeight = Annotated[Optional[float], typer.Option(
    parser=units.length, metavar="M", rich_help_panel=SIGHT, show_default=False,
    help="Height of the line of sight above the bore (m, or e.g. 1.5in). The answer then also "
    "comes as the come-up from the zero (MOA and mrad), and a target is level with the sight "
    "unless --target-height says otherwise.")]
Zero = Annotated[Optional[float], typer.Option(
    "--zero", parser=units.length, metavar="M", rich_help_panel=SIGHT, show_default=False,
    help="Distance at which the sight is zeroed (m, or e.g. 100yd), at the gun's --velocity. "
    "(default: a line of sight parallel to the bore)")]


class UnitSystem(str, enum.Enum):
    auto = "auto"
    metric = "metric"
    imperial = "imperial"


UnitsOpt = Annotated[UnitSystem, typer.Option(
    "--units", case_sensitive=False, rich_help_panel="Output",
    help="Units of what a person reads: metric; imperial (yd, ft, in, ft/s); auto: imperial "
    "when the distances and speeds were given in yards, feet, inches, ft/s or mph and none in "
    "metric units. JSON and CSV stay SI.")]


def _display_units(choice: UnitSystem, *given) -> str:
    """The human output's unit system: ``choice``, or for auto the one the quantities ``given``
    on the command line were written in (`units.system`)."""
    if choice is not UnitSystem.auto:
        return choice.value
    return units.system(*given) or "metric"
Quiet = Annotated[bool, typer.Option("--quiet", "-q",
                                     help="No progress and no summary; errors still show.",
                                     rich_help_panel=OUTPUT)]


#: The physics options every command takes, in the order they are shown (panel "Physics").
PHYSICS_OPTIONS = (
    ("launch_height", LaunchHeight, 0.0),
    ("gravity", Gravity, STANDARD_GRAVITY),
    ("drag", DragOpt, Drag.none),
    ("mass", Mass, 1.0),
    ("diameter", Diameter, 0.1),
    ("drag_coefficient", DragCoefficient, 0.47),
    ("linear_drag", LinearDrag, 0.1),
    ("wind", Wind, 0.0),
    ("drag_table", DragTable, None),
    ("bc", BallisticCoefficient, None),
    ("form_factor", FormFactor, 1.0),
    ("atmosphere", AtmosphereOpt, AtmosphereModel.constant),
    ("air_density", AirDensity, None),
    ("altitude", Altitude, 0.0),
    ("temperature", Temperature, None),
    ("pressure", Pressure, None),
    ("humidity", Humidity, 0.0),
)


def with_physics(*, after: str, wind: bool = True):
    """Give a command the physics options, declared once here: they are spliced into its
    signature after the parameter ``after`` (typer reads the signature), and the command gets
    them as one dict ``physics`` keyed like `problem.Physics` (``wind`` left out if not taken).
    """
    options = [o for o in PHYSICS_OPTIONS if wind or o[0] != "wind"]
    names = [name for name, _, _ in options]

    def decorate(command):
        sig = inspect.signature(command, eval_str=True)
        own = [p for p in sig.parameters.values() if p.name != "physics"]
        at = [p.name for p in own].index(after) + 1
        spliced = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                     annotation=annotation)
                   for name, annotation, default in options]
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]
        params[at:at] = spliced

        @functools.wraps(command)
        def wrapper(**kwargs):
            physics = {name: kwargs.pop(name) for name in names}
            physics["drag"] = physics["drag"].value
            physics["atmosphere"] = physics["atmosphere"].value
            bc = physics.pop("bc")
            # --bc is in lb/in² as ballistics tables quote it; the library is SI
            physics["ballistic_coefficient"] = None if bc is None else bc * LB_PER_IN2
            return command(physics=physics, **kwargs)

        wrapper.__signature__ = sig.replace(parameters=params)
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper

    return decorate


def _write_json(obj) -> None:
    from .io import dumps

    sys.stdout.write(dumps(obj) + "\n")
    sys.stdout.flush()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cannon {__version__}")
        raise typer.Exit()


@app.callback(epilog=EXIT_CODES_HELP)
def _root(
    version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = None,
    traceback: Annotated[bool, typer.Option(
        "--traceback", help="On an error, show the Python traceback (for bug reports).")] = False,
) -> None:
    """Aim a cannon by differentiable programming."""
    if traceback:
        _state["traceback"] = True


#: numpy's floating-point warnings (np.seterr "warn"): "overflow encountered in multiply", ...
FLOATING_POINT_NOISE = r".*(overflow|underflow|invalid value|divide by zero) encountered"


def _guard(command):
    """Turn every outcome of a command into an exit code and, for errors, one line on stderr:
    the one place where exceptions meet exit codes (`--traceback` shows the traceback)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            with warnings.catch_warnings():
                if not _state["traceback"]:
                    # floating-point noise (numpy's "overflow encountered in multiply" and the
                    # like, from shots that fly off): the answer's status says what matters
                    warnings.filterwarnings("ignore", category=RuntimeWarning,
                                            message=FLOATING_POINT_NOISE)
                return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except CannonError as e:
            if _state["traceback"]:
                raise
            _report(_in_flag_terms(str(e)))
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            _report("interrupted")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(ExitCode.PIPE_CLOSED) from None
        except Exception as e:  # a traceback is a bug: report it in one line
            if _state["traceback"]:
                raise
            _report(f"internal error: {type(e).__name__}: {e} (rerun with --traceback and "
                    "report it)")
            raise typer.Exit(ExitCode.BAD_INPUT) from None

    return wrapper


BATCH = "Batch (many problems)"

# -- issue 15: batches on Dask; the work is in dask_run.py (Dask is imported only with these) --
Workers = Annotated[Optional[int], typer.Option(
    "--workers", parser=units.integer(1, 1024), metavar="N", rich_help_panel=BATCH,
    show_default=False, help="Solve the chunks on a local Dask cluster of N worker processes, "
    "one thread each (pip install 'cannon-cli[dask]'). Output as without it.")]
Scheduler = Annotated[Optional[str], typer.Option(
    "--scheduler", metavar="ADDRESS", rich_help_panel=BATCH, show_default=False,
    help="Solve the chunks on the workers of an existing Dask scheduler (tcp://host:8786); "
    "each worker needs the same cannon-cli installed.")]
# -- end issue 15 ---------------------------------------------------------------------------


class InputFormat(str, enum.Enum):
    auto = "auto"
    json = "json"
    ndjson = "ndjson"
    csv = "csv"


def _output_format(json_out: bool, nl: bool, csv_out: bool) -> Optional[str]:
    chosen = [name for name, on in (("json", json_out), ("nl", nl), ("csv", csv_out)) if on]
    if len(chosen) > 1:
        raise typer.BadParameter("choose one of --json, --nl, --csv",
                                 param_hint="'--json' / '--nl' / '--csv'")
    return chosen[0] if chosen else None


@app.command(epilog=EXIT_CODES_HELP + " With --input: 1 if any record was bad input, else 3 if "
             "any had no solution.")
@_guard
@with_physics(after="target_height")
def solve(
    distance: Annotated[Optional[float], typer.Option(
        parser=units.length, metavar="M",
        help="Horizontal distance to the target (m, or e.g. 1000yd), > 0. Required without "
        "--input.",
        rich_help_panel=TARGET, show_default=False)] = None,
    target_height: SightedTargetHeight = None,
    physics: Optional[dict] = None,  # the physics options: see with_physics
    angle: Annotated[Optional[float], typer.Option(
        "--angle", metavar="DEG", rich_help_panel=UNKNOWNS, parser=units.angle,
        help=f"Fix the launch angle ({ANGLE_UNITS}) and solve for the speed.")] = None,
    velocity: Annotated[Optional[float], typer.Option(
        "--velocity", metavar="M/S", rich_help_panel=UNKNOWNS, parser=units.speed,
        help="Fix the muzzle speed (m/s, or e.g. 2600fps) and solve for the angle.")] = None,
    arc: Annotated[Arc, typer.Option(help="With --velocity: the low or the high arc.",
                                     case_sensitive=False, rich_help_panel=UNKNOWNS)] = Arc.low,
    max_velocity: Annotated[Optional[float], typer.Option(
        metavar="M/S", rich_help_panel=UNKNOWNS, parser=units.speed,
        help="Upper bound on the speed (m/s, or e.g. 3000fps); beyond it the target is out of "
        "reach.")] = None,
    sight_height: SightHeight = None,
    zero: Zero = None,
    solver: Annotated[Solver, typer.Option(
        help="lbfgs: scipy L-BFGS-B; newton: Newton with exact derivatives; adam; gd: plain "
        "gradient descent.", case_sensitive=False, rich_help_panel=HOW)] = Solver.lbfgs,
    tol: Annotated[Optional[float], typer.Option(
        parser=units.number, metavar="TOL",
        help="Stop when |miss| / distance is below this. (default: 1e-12)",
        rich_help_panel=HOW, show_default=False)] = None,
    max_iter: Annotated[Optional[int], typer.Option(
        parser=units.integer(1), metavar="N", help="Iteration limit, at least 1. (default per "
        "solver: lbfgs 200, newton 50, adam and gd 2000)",
        rich_help_panel=HOW, show_default=False)] = None,
    learning_rate: Annotated[Optional[float], typer.Option(
        parser=units.number, metavar="RATE",
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
        parser=units.integer(1, 1_000_000), metavar="N", rich_help_panel=BATCH,
        help="Records solved together as arrays (1 to 1000000).")] = 4096,
    workers: Workers = None,  # issue 15 (Dask)
    scheduler: Scheduler = None,  # issue 15 (Dask)
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
    display: UnitsOpt = UnitSystem.auto,
    quiet: Quiet = False,
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
    values = dict(distance=distance, target_height=target_height, angle=angle,
                  velocity=velocity, arc=arc.value, max_velocity=max_velocity,
                  sight_height=sight_height, zero=zero, **physics)
    shown = _display_units(display, distance, target_height, velocity, max_velocity, zero,
                           sight_height, physics["wind"], physics["launch_height"])
    if plot is not None:
        if input_path is not None:
            raise typer.BadParameter("draws a single shot: not with --input",
                                     param_hint="'--plot'")
        from .plot_cli import check_output

        check_output(plot, "--plot")
    if policy is not None:
        from .policy import Policy

        options["policy"] = Policy.load(policy)
    dask = dask_run.check_flags(workers, scheduler, input_path)  # issue 15 (Dask)
    if input_path is not None:
        _solve_batch(input_path, input_format.value, fmt or "nl", values, options, chunk_size,
                     quiet, dask)
        return
    if distance is None:
        raise typer.BadParameter("required without --input", param_hint="'--distance'")
    _solve_one(values, options, fmt, quiet, plot, shown)


def _zeros(problems: list, solver: str) -> list:
    """`sight.zero_angles`, with a zero that cannot be hit raised (one line, exit 1)."""
    from .sight import zero_angles

    zeros = zero_angles(problems, solver=solver)
    for z in zeros:
        if isinstance(z, Exception):
            raise z
    return zeros


def _solve_one(values: dict, options: dict, fmt: Optional[str], quiet: bool,
               plot: Optional[str] = None, shown: str = "metric") -> None:
    from .problem import Problem

    problem = Problem(**values)
    from . import aim, batch, render

    zeros = _zeros([problem], options["solver"])  # a zero out of reach: bad input, at once
    options = _with_policy_start(options, [problem], quiet)
    if quiet:
        solution = aim.solve(problem, **options)
    else:
        with render.ProgressTable(options["solver"]) as table:
            solution = aim.solve(problem, callback=table, **options)
    solution = batch.finish([solution], zeros)[0]
    if fmt == "json":
        _write_json(solution.to_json())
    elif fmt is not None:
        from .io import writer_for

        writer = writer_for(fmt, sys.stdout)
        writer.write([{"index": 0, **solution.to_json()}])
        writer.close()
    if not quiet:
        render.solution_summary(solution, shown)
    elif not solution.converged and fmt is None:
        render.error(solution.message)
    if plot is not None:
        from .plot_cli import draw_solution

        draw_solution(solution, plot)
    if not solution.converged:
        raise typer.Exit(ExitCode.NO_SOLUTION)


def _with_policy_start(options: dict, problems: list, quiet: bool) -> dict:
    """The solve options with the policy's answers as starting points (and a warning for the
    problems it cannot serve); without a policy, the options as they are."""
    options = dict(options)
    policy = options.pop("policy", None)
    if policy is None:
        return options
    from . import render
    from .policy import starts_for

    angle, speed, notes = starts_for(policy, problems)
    if not quiet:
        for note in notes:
            render.warn(note)
    options["start"] = (angle, speed)
    return options


def _solve_batch(path: str, input_format: str, fmt: str, values: dict, options: dict,
                 chunk_size: int, quiet: bool, dask: Optional[dict] = None) -> None:
    from . import render
    from .io import read_records, writer_for

    defaults = {k: v for k, v in values.items() if v is not None}
    # bytes: the reader decodes record by record (a BOM, or bytes that are not UTF-8, are
    # one record's business, not the batch's)
    stdin = getattr(sys.stdin, "buffer", sys.stdin)
    stream = stdin if path == "-" else _open_input(path)
    done = None  # issue 15 (Dask): ends the cluster
    try:
        run_batch, done = dask_run.runner(dask, traceback=_state["traceback"],
                                          noise=FLOATING_POINT_NOISE)  # batch.run without Dask
        writer = writer_for(fmt, sys.stdout)
        records = (read_records(stream, input_format) if dask is None else  # issue 15: NDJSON
                   dask_run.source(stream, input_format))  # lines are read by the workers
        total = None if path == "-" else _count_lines(path)
        with render.BatchProgress(total, enabled=not quiet) as progress:
            tally = run_batch(records, writer, defaults=defaults, solve_options=options,
                              chunk_size=chunk_size, progress=progress)
    finally:
        if stream is not stdin:
            stream.close()
        if done is not None:  # issue 15 (Dask)
            done()
    if not quiet:
        render.batch_summary(tally)
    raise typer.Exit(tally.exit_code)


def _open_input(path: str):
    from .errors import InputError

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


@app.command(epilog=EXIT_CODES_HELP + " A table exits 3 when some distance is out of reach.")
@_guard
@with_physics(after="target_height")
def table(
    start: Annotated[float, typer.Option(
        "--from", parser=units.length, metavar="M", help="First distance (m, or e.g. 100yd), > 0.",
        rich_help_panel=TARGET, show_default=False)],
    stop: Annotated[float, typer.Option(
        "--to", parser=units.length, metavar="M", help="Last distance (m, or e.g. 1000yd), "
        "included.", rich_help_panel=TARGET, show_default=False)],
    step: Annotated[float, typer.Option(
        parser=units.length, metavar="M", help="Distance between rows (m, or e.g. 100yd), > 0.",
        rich_help_panel=TARGET, show_default=False)],
    target_height: SightedTargetHeight = None,
    physics: Optional[dict] = None,  # the physics options: see with_physics
    angle: Annotated[Optional[float], typer.Option(
        "--angle", metavar="DEG", rich_help_panel=UNKNOWNS, parser=units.angle,
        help=f"The gun's fixed elevation ({ANGLE_UNITS}): the table gives the speed for each "
        "distance.")] = None,
    velocity: Annotated[Optional[float], typer.Option(
        "--velocity", metavar="M/S", rich_help_panel=UNKNOWNS, parser=units.speed,
        help="The gun's muzzle speed (m/s, or e.g. 2600fps): the table gives the elevation.")
    ] = None,
    arc: Annotated[Arc, typer.Option(help="With --velocity: the low or the high arc.",
                                     case_sensitive=False, rich_help_panel=UNKNOWNS)] = Arc.low,
    max_velocity: Annotated[Optional[float], typer.Option(
        metavar="M/S", rich_help_panel=UNKNOWNS, parser=units.speed,
        help="Upper bound on the speed (m/s, or e.g. 3000fps).")] = None,
    sight_height: SightHeight = None,
    zero: Zero = None,
    solver: Annotated[Solver, typer.Option(case_sensitive=False, rich_help_panel=HOW,
                                           help="As for solve.")] = Solver.lbfgs,
    chunk_size: Annotated[int, typer.Option(
        parser=units.integer(1, 1_000_000), metavar="N", rich_help_panel=HOW,
        help="Rows solved together as arrays, and written together (1 to 1000000).")] = 4096,
    workers: Workers = None,  # issue 15 (Dask)
    scheduler: Scheduler = None,  # issue 15 (Dask)
    json_out: Annotated[bool, typer.Option("--json", rich_help_panel=OUTPUT,
                                           help="A JSON array of solutions.")] = False,
    nl: Annotated[bool, typer.Option("--nl", rich_help_panel=OUTPUT,
                                     help="One JSON solution per line.")] = False,
    csv_out: Annotated[bool, typer.Option("--csv", rich_help_panel=OUTPUT,
                                          help="A CSV table with a header.")] = False,
    display: UnitsOpt = UnitSystem.auto,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", rich_help_panel=OUTPUT,
        help="No progress bar and no summary line on stderr; errors still show.")] = False,
) -> None:
    """A firing table for one gun: one row per distance.

    Give the gun's --velocity (rows give the elevation) or --angle (rows give the speed), or neither for minimum-speed shots. By default a table for people on stdout (the table is the data); --json, --nl or --csv for machines. Distances out of reach are rows that say so. With --sight-height (and --zero), the rows add the come-up from the zero in MOA and mrad.

    Rows are solved and written in chunks, as solve --input does: the first ones show while the rest are solved, and a reader that goes away ends the table (exit 141).
    """  # noqa: E501
    if angle is not None and velocity is not None:
        raise typer.BadParameter("give --angle or --velocity, not both",
                                 param_hint="'--angle' / '--velocity'")
    fmt = _output_format(json_out, nl, csv_out)
    from .errors import InputError

    if not (step > 0 and math.isfinite(step)):
        raise InputError(f"--step must be > 0 and finite, got {step:g}")
    if not (0 < start <= stop and math.isfinite(stop)):
        raise InputError(f"need 0 < --from <= --to, got --from {start:g} --to {stop:g}")
    count = int((stop - start) / step + 1e-9) + 1
    dask = dask_run.check_flags(workers, scheduler, "table")  # issue 15 (Dask)
    from . import render
    from .io import Record, writer_for
    from .medium import medium_of
    from .problem import Problem

    base = dict(target_height=target_height, angle=angle, velocity=velocity, arc=arc.value,
                max_velocity=max_velocity, sight_height=sight_height, zero=zero, **physics)
    # the gun, the air and the sight are the same on every row: a bad one is one error line
    first = Problem(distance=start, **base)
    medium_of(first)
    _zeros([first], solver.value)
    shown = _display_units(display, start, stop, step, target_height, velocity, max_velocity,
                           zero, sight_height, physics["wind"], physics["launch_height"])
    rows = (Record(i, None, fields={"distance_m": start + i * step}) for i in range(count))
    run_batch, done = dask_run.runner(dask, traceback=_state["traceback"],  # issue 15 (Dask):
                                      noise=FLOATING_POINT_NOISE)  # batch.run without it
    writer = (render.FiringTableWriter(sys.stdout, first, units=shown) if fmt is None
              else writer_for(fmt, sys.stdout))
    with render.BatchProgress(count, enabled=not quiet) as progress, dask_run.ending(done):
        tally = run_batch(rows, writer, defaults={k: v for k, v in base.items() if v is not None},
                          solve_options=dict(solver=solver.value), chunk_size=chunk_size,
                          progress=progress)
    if not quiet:
        render.batch_summary(tally, "rows")
    raise typer.Exit(tally.exit_code)


class _Format(str, enum.Enum):
    human = "human"
    json = "json"
    csv = "csv"


@app.command(epilog=EXIT_CODES_HELP)
@_guard
@with_physics(after="target_height")
def simulate(
    angle: Annotated[float, typer.Option("--angle", metavar="DEG", show_default=False,
                                         parser=units.angle,
                                         help=f"Launch angle ({ANGLE_UNITS}), in (-90°, 90°).")],
    velocity: Annotated[float, typer.Option("--velocity", metavar="M/S", show_default=False,
                                            parser=units.speed,
                                            help="Muzzle speed (m/s, or e.g. 2600fps), > 0.")],
    distance: Annotated[Optional[float], typer.Option(
        parser=units.length, metavar="M", rich_help_panel=TARGET,
        help="Report where the shot passes this distance (m, or e.g. 1000yd).")] = None,
    target_height: TargetHeight = 0.0,
    physics: Optional[dict] = None,  # the physics options: see with_physics
    samples: Annotated[int, typer.Option(
        parser=units.integer(2, 1_000_000), metavar="N", rich_help_panel=OUTPUT,
        help="Points along the flight, evenly spaced in time (2 to 1000000).")] = 101,
    json_out: Annotated[bool, typer.Option("--json", help="Write the trajectory as JSON on "
                                           "stdout.", rich_help_panel=OUTPUT)] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Write the samples as CSV on stdout "
                                          "(t_s,x_m,y_m,vx_mps,vy_mps).",
                                          rich_help_panel=OUTPUT)] = False,
    display: UnitsOpt = UnitSystem.auto,
    quiet: Quiet = False,
) -> None:
    """Fly one shot from launch to landing, to check an answer.

    Reports where the shot passes --distance, its apex, landing and time of flight (stderr); --json or --csv write the sampled trajectory to stdout. With a drag table, a flight that leaves the table's Mach range is a warning (stderr, and "warnings" in the JSON).
    """  # noqa: E501
    if json_out and csv_out:
        raise typer.BadParameter("give --json or --csv, not both", param_hint="'--json' / '--csv'")
    from .problem import Shot

    shot = Shot(angle=angle, velocity=velocity, distance=distance, target_height=target_height,
                **physics)
    from . import render
    from .trajectory import simulate as fly

    tr = fly(shot, samples=samples)
    if json_out:
        _write_json(tr.to_json())
    elif csv_out:
        import csv

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["t_s", "x_m", "y_m", "vx_mps", "vy_mps"])
        for row in zip(*(a.tolist() for a in tr.columns())):
            w.writerow([repr(v) for v in row])
        sys.stdout.flush()
    if not quiet:
        render.trajectory_summary(tr, _display_units(display, velocity, distance, target_height,
                                                     physics["wind"], physics["launch_height"]))


def _in_flag_terms(message: str) -> str:
    """Name the command-line flag, not the JSON field, in a message about a value."""
    from .problem import PROBLEM_FIELDS, json_to_flag

    head, _, rest = message.partition(" ")
    return f"{json_to_flag(head)} {rest}" if head in PROBLEM_FIELDS else message


def _report(message: str) -> None:
    from . import render

    render.error(message)


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the interpreter's final flush of the
    buffered data does not raise again at exit (Python docs, 'Note on SIGPIPE')."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run() -> None:  # pragma: no cover - the console script; tests call `app` directly
    app(prog_name="cannon")


from . import aim_cli  # noqa: E402,F401 - registers train and compare on the app
from .plot_cli import plot_app  # noqa: E402 - the sub-app takes its parameter types from here

app.add_typer(plot_app, name="plot")
