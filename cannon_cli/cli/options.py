"""The command line's shared vocabulary: option types, choices, help panels and the physics
options every command takes (`with_physics`). Commands import from here; nothing here imports a
command.

Every number goes through a parser of `units`: lengths, speeds, masses and angles take a unit
suffix, and a value that is not a number is refused in our words.
"""

from __future__ import annotations

import enum
import functools
import inspect
from typing import Annotated, Optional

import typer

from .. import units
from ..optim import SOLVERS
from ..problem import ARCS, ATMOSPHERES, DRAG_MODELS, STANDARD_GRAVITY
from . import parsers

EXIT_CODES_HELP = (
    "Exit status: 0 solved · 1 bad input · 2 usage error · 3 no solution (out of reach, or not "
    "converged) · 130 interrupted · 141 output pipe closed."
)


def _choices(name: str, values) -> type:
    """A typer choice type (a str Enum) of ``values``, from the one list the library checks."""
    return enum.Enum(name, {v: v for v in values}, type=str)


Drag = _choices("Drag", DRAG_MODELS)
AtmosphereModel = _choices("AtmosphereModel", ATMOSPHERES)
Arc = _choices("Arc", ARCS)
Solver = _choices("Solver", SOLVERS)


PHYSICS = "Physics"
AIR = "Air and drag tables"
TARGET = "Target"
UNKNOWNS = "What to solve"
HOW = "Solver"
OUTPUT = "Output"


# -- shared parameter types -----------------------------------------------------------------
# Every number goes through a parser of units.py: lengths, speeds, masses and angles take a unit
# suffix, and a value that is not a number is refused in our words (typer's own coercion would
# answer in pydantic's).
TargetHeight = Annotated[float, typer.Option(
    parser=parsers.length, metavar="M", help="Height of the target (m, or e.g. 10ft).",
    rich_help_panel=TARGET)]
#: solve's and table's: with a sight, a target is level with it unless it says otherwise
SightedTargetHeight = Annotated[Optional[float], typer.Option(
    "--target-height", parser=parsers.length, metavar="M", help="Height of the target (m, or "
    "e.g. 10ft). (default: 0, or level with the sight when --sight-height or --zero is given)",
    rich_help_panel=TARGET, show_default=False)]
LaunchHeight = Annotated[float, typer.Option(
    parser=parsers.length, metavar="M", help="Height of the muzzle (m, or e.g. 5ft).",
    rich_help_panel=PHYSICS)]
ElevationOffset = Annotated[float, typer.Option(
    parser=parsers.angle, metavar="DEG", rich_help_panel=PHYSICS,
    help="How far above the elevation set the shot leaves (°, or e.g. 0.25mrad, 1moa): the "
    "gun's vertical jump, or a quadrant's zero error, as cannon true --fit offset measures it. "
    "Elevations given and answered are the ones to set on the gun: the model's less this.")]
Gravity = Annotated[float, typer.Option(
    parser=parsers.number, metavar="M/S²", help="Gravitational acceleration (m/s²).",
    rich_help_panel=PHYSICS)]
DragOpt = Annotated[Drag, typer.Option(
    help="Drag model: none; linear; quadratic (constant Cd); g1, g7 or sphere (Cd(Mach) from "
    "the standard tables); table (Cd(Mach) from --drag-table).", case_sensitive=False,
    rich_help_panel=PHYSICS)]
Mass = Annotated[float, typer.Option(
    parser=parsers.mass, metavar="KG", help="Projectile mass (kg, or e.g. 175gr, 20g, 12lb).",
    rich_help_panel=PHYSICS)]
Diameter = Annotated[float, typer.Option(
    parser=parsers.length, metavar="M", help="Projectile diameter (m, or e.g. 0.308in, 7.62mm), "
    "for quadratic and table drag.", rich_help_panel=PHYSICS)]
DragCoefficient = Annotated[float, typer.Option(
    parser=parsers.number, metavar="CD", help="Drag coefficient Cd, for quadratic drag.",
    rich_help_panel=PHYSICS)]
AirDensity = Annotated[Optional[float], typer.Option(
    parser=parsers.number, metavar="KG/M³",
    help="Air density at the muzzle (kg/m³). (default: from the site's weather, 1.225 at sea "
    "level)", rich_help_panel=AIR, show_default=False)]
DragTable = Annotated[Optional[str], typer.Option(
    metavar="FILE", help="Cd(Mach) from a CSV file with a 'mach,cd' header (implies --drag "
    "table).", rich_help_panel=AIR, show_default=False)]
BallisticCoefficient = Annotated[Optional[float], typer.Option(
    "--bc", parser=parsers.number, metavar="LB/IN²", help="Ballistic coefficient (lb/in², the "
    "G-model convention) for a drag table. (default: from --mass, --diameter and "
    "--form-factor)", rich_help_panel=AIR, show_default=False)]
FormFactor = Annotated[float, typer.Option(
    parser=parsers.number, metavar="I",
    help="Form factor i: the projectile's Cd is i × the table's (without --bc).",
    rich_help_panel=AIR)]
AtmosphereOpt = Annotated[AtmosphereModel, typer.Option(
    help="constant: the site's air all along the flight; icao: density and the speed of sound "
    "change with height as in the ICAO standard atmosphere.", case_sensitive=False,
    rich_help_panel=AIR)]
Altitude = Annotated[float, typer.Option(
    parser=parsers.length, metavar="M",
    help="Altitude of the launch site above sea level (m, or e.g. 5000ft).", rich_help_panel=AIR)]
Temperature = Annotated[Optional[float], typer.Option(
    parser=parsers.number, metavar="°C", help="Air temperature at the site (°C). (default: ICAO "
    "standard at the altitude, 15 at sea level)", rich_help_panel=AIR, show_default=False)]
Pressure = Annotated[Optional[float], typer.Option(
    parser=parsers.number, metavar="HPA", help="Station air pressure at the site (hPa). (default: "
    "ICAO standard at the altitude, 1013.25 at sea level)", rich_help_panel=AIR,
    show_default=False)]
Humidity = Annotated[float, typer.Option(
    parser=parsers.number, metavar="%", help="Relative humidity at the site (%).",
    rich_help_panel=AIR)]
LinearDrag = Annotated[float, typer.Option(
    parser=parsers.number, metavar="KG/S", help="Linear drag constant b (kg/s), for linear drag.",
    rich_help_panel=PHYSICS)]
Wind = Annotated[float, typer.Option(
    parser=parsers.speed, metavar="M/S",
    help="Horizontal wind (m/s, or e.g. 10mph), positive toward the target.",
    rich_help_panel=PHYSICS)]
Crosswind = Annotated[float, typer.Option(
    parser=parsers.speed, metavar="M/S",
    help="Wind across the line of fire (m/s, or e.g. 10mph), positive blowing toward the right.",
    rich_help_panel=PHYSICS)]
WindSpeed = Annotated[Optional[float], typer.Option(
    parser=parsers.speed, metavar="M/S", show_default=False, rich_help_panel=PHYSICS,
    help="A wind's speed (m/s, or e.g. 10mph), with --wind-from: instead of --wind and "
    "--crosswind.")]
WindFrom = Annotated[Optional[float], typer.Option(
    parser=parsers.wind_from, metavar="DIR", show_default=False, rich_help_panel=PHYSICS,
    help="Where the --wind-speed wind blows from: a clock (3oclock: from the right, 12oclock: "
    "from the target, 10:30) or degrees from the line of fire as py-ballisticcalc counts them "
    "(0 from behind, 90 from the left).")]
Latitude = Annotated[Optional[float], typer.Option(
    parser=parsers.angle, metavar="DEG", show_default=False, rich_help_panel=PHYSICS,
    help="Latitude of the site (°, + north): the Earth's rotation then acts on the shot "
    "(Coriolis and Eötvös); needs --azimuth. (default: off)")]
Bearing = Annotated[Optional[float], typer.Option(
    "--azimuth", "--bearing", parser=parsers.angle, metavar="DEG", show_default=False,
    rich_help_panel=PHYSICS,
    help="Bearing of fire (°, from true north, clockwise), for --latitude.")]
TargetOffset = Annotated[float, typer.Option(
    parser=parsers.length, metavar="M", rich_help_panel=TARGET,
    help="The target's lateral position (m, or e.g. 2ft), positive to the right of the line of "
    "fire: the answer then turns the gun (azimuth).")]
#: the physics options of a shot in three dimensions (commands without ``wind`` skip them)
LATERAL = ("crosswind", "wind_speed", "wind_from", "latitude", "bearing")
#: the help's words for an angle's units
ANGLE_UNITS = "°, or e.g. 5mil (NATO, 1/6400 turn), 2mrad, 30moa"
#: what is fixed, and what is solved for (solve, hit, plot trajectory)
Angle = Annotated[Optional[float], typer.Option(
    "--angle", metavar="DEG", rich_help_panel=UNKNOWNS, parser=parsers.angle,
    help=f"Fix the launch angle ({ANGLE_UNITS}) and solve for the speed.")]
Velocity = Annotated[Optional[float], typer.Option(
    "--velocity", metavar="M/S", rich_help_panel=UNKNOWNS, parser=parsers.speed,
    help="Fix the muzzle speed (m/s, or e.g. 2600fps) and solve for the angle.")]
ArcOpt = Annotated[Arc, typer.Option(help="With --velocity: the low or the high arc.",
                                     case_sensitive=False, rich_help_panel=UNKNOWNS)]
MaxVelocity = Annotated[Optional[float], typer.Option(
    metavar="M/S", rich_help_panel=UNKNOWNS, parser=parsers.speed,
    help="Upper bound on the speed (m/s, or e.g. 3000fps); beyond it the target is out of "
    "reach.")]
SIGHT = "Sight"
SightHeight = Annotated[Optional[float], typer.Option(
    parser=parsers.length, metavar="M", rich_help_panel=SIGHT, show_default=False,
    help="Height of the line of sight above the bore (m, or e.g. 1.5in). The answer then also "
    "comes as the come-up from the zero (MOA and mrad), and a target is level with the sight "
    "unless --target-height says otherwise.")]
Zero = Annotated[Optional[float], typer.Option(
    "--zero", parser=parsers.length, metavar="M", rich_help_panel=SIGHT, show_default=False,
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


Profile = Annotated[Optional[str], typer.Option(
    "--profile", metavar="FILE", rich_help_panel=PHYSICS, show_default=False,
    help="Physics from a profile (cannon.profile/1, as 'cannon true --save' writes it): the "
    "gun, load and air, and the muzzle speed as if given --velocity (unless --angle is); a "
    "flag given on the command line overrides it.")]

#: The physics options every command takes, in the order they are shown (panel "Physics").
PHYSICS_OPTIONS = (
    ("profile", Profile, None),
    ("launch_height", LaunchHeight, 0.0),
    ("elevation_offset", ElevationOffset, 0.0),
    ("gravity", Gravity, STANDARD_GRAVITY),
    ("drag", DragOpt, Drag.none),
    ("mass", Mass, 1.0),
    ("diameter", Diameter, 0.1),
    ("drag_coefficient", DragCoefficient, 0.47),
    ("linear_drag", LinearDrag, 0.1),
    ("wind", Wind, 0.0),
    ("crosswind", Crosswind, 0.0),
    ("wind_speed", WindSpeed, None),
    ("wind_from", WindFrom, None),
    ("latitude", Latitude, None),
    ("bearing", Bearing, None),
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


def with_physics(*, after: str, wind: bool = True, lateral: bool = True,
                 offset: bool = True):
    """Give a command the physics options, declared once here: they are spliced into its
    signature after the parameter ``after`` (typer reads the signature), and the command gets
    them as one dict ``physics`` keyed like `problem.Physics` (``wind`` and the 3-D options
    left out if not taken: ``lateral`` False for a command that stays in the vertical plane;
    ``offset`` False for one that learns the model's own angles; --wind-speed and --wind-from
    become ``wind`` and ``crosswind``).
    """
    skip = ((() if wind else ("wind",)) + (() if wind and lateral else LATERAL)
            + (() if offset else ("elevation_offset",)))
    options = [o for o in PHYSICS_OPTIONS if o[0] not in skip]
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
        # click's context, which knows the flags given from their defaults: typer hands it to
        # a parameter annotated typer.Context (the guard passes it on), no option of its own
        params.append(inspect.Parameter("_ctx", inspect.Parameter.KEYWORD_ONLY, default=None,
                                        annotation=typer.Context))

        @functools.wraps(command)
        def wrapper(**kwargs):
            ctx = kwargs.pop("_ctx", None)
            physics = {name: kwargs.pop(name) for name in names}
            profile = physics.pop("profile")
            given = _given(ctx, names) if profile is not None else set()
            physics["drag"] = physics["drag"].value
            physics["atmosphere"] = physics["atmosphere"].value
            bc = physics.pop("bc")
            # --bc is in lb/in² as ballistics tables quote it; the library is SI
            physics["ballistic_coefficient"] = None if bc is None else bc * units.LB_PER_IN2
            if wind and lateral:
                _wind_vector(physics)
            if profile is not None:
                _apply_profile(profile, physics, kwargs, given)
            return command(physics=physics, **kwargs)

        wrapper.__signature__ = sig.replace(parameters=params)
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper

    return decorate


#: the flags that set a physics attribute of another name
_FLAG_OF = {"ballistic_coefficient": ("bc",), "wind": ("wind", "wind_speed", "wind_from"),
            "crosswind": ("crosswind", "wind_speed", "wind_from")}


def _given(ctx: Optional[typer.Context], names) -> set:
    """The options among ``names`` that the command line gave (not their defaults): the
    parameter sources of click's context ``ctx``, by name (typer exports the context, not the
    enum of the sources)."""
    if ctx is None:
        return set()
    return {n for n in names
            if getattr(ctx.get_parameter_source(n), "name", "DEFAULT") != "DEFAULT"}


def _apply_profile(path: str, physics: dict, kwargs: dict, given: set) -> None:
    """Fill ``physics`` (and the command's --velocity) from the profile at ``path`` where the
    command line left the flag at its default. A profile's input that the command does not
    take (the wind, for one that varies it; the lateral ones, for a command that stays in the
    vertical plane) is an error unless it is the default: it would be silently left out."""
    from dataclasses import fields

    from ..errors import InputError
    from ..io import profile
    from ..problem import PHYSICS_FIELDS, Physics, json_to_flag

    values, velocity = profile.load(path)
    defaults = {f.name: f.default for f in fields(Physics)}
    for name, value in values.items():
        flags = _FLAG_OF.get(name, (name,))
        if name in physics or name == "cd_correction":
            if not any(f in given for f in flags):
                physics[name] = value
        elif value != defaults.get(name):
            key = dict(zip((f.name for f in fields(Physics)), PHYSICS_FIELDS))[name]
            raise InputError(f"profile {path}: {key} = {value} is not an input of this "
                             f"command ({json_to_flag(key)} is not among its options)")
    if ("velocity" in kwargs and velocity is not None and kwargs["velocity"] is None
            and kwargs.get("angle") is None):
        kwargs["velocity"] = velocity


def _wind_vector(physics: dict) -> None:
    """--wind-speed and --wind-from, if given, as ``wind`` and ``crosswind``."""
    speed, source = physics.pop("wind_speed"), physics.pop("wind_from")
    if speed is None and source is None:
        return
    if speed is None or source is None:
        raise typer.BadParameter("give --wind-speed and --wind-from together",
                                 param_hint="'--wind-speed' / '--wind-from'")
    if physics["wind"] != 0 or physics["crosswind"] != 0:
        raise typer.BadParameter("give --wind-speed with --wind-from, or --wind and "
                                 "--crosswind, not both", param_hint="'--wind-speed'")
    physics["wind"], physics["crosswind"] = units.wind_components(speed, source)


BATCH = "Batch (many problems)"


class InputFormat(str, enum.Enum):
    auto = "auto"
    json = "json"
    ndjson = "ndjson"
    csv = "csv"


Workers = Annotated[Optional[int], typer.Option(
    "--workers", parser=parsers.integer(1, 1024), metavar="N", rich_help_panel=BATCH,
    show_default=False, help="Solve the chunks on a local Dask cluster of N worker processes, "
    "one thread each (pip install 'cannon-cli[dask]'). Output as without it.")]
Scheduler = Annotated[Optional[str], typer.Option(
    "--scheduler", metavar="ADDRESS", rich_help_panel=BATCH, show_default=False,
    help="Solve the chunks on the workers of an existing Dask scheduler (tcp://host:8786); "
    "each worker needs the same cannon-cli installed.")]


def dask_settings(workers: Optional[int], scheduler: Optional[str], input_path: Optional[str]
                ) -> Optional[dict]:
    """The Dask settings of a command line (None without --workers and --scheduler), or a usage
    error (exit 2, as for the other flags that do not go together)."""
    if workers is None and scheduler is None:
        return None
    if workers is not None and scheduler is not None:
        raise typer.BadParameter("give --workers (a local cluster) or --scheduler (an existing "
                                 "one), not both", param_hint="'--workers' / '--scheduler'")
    flag = "--workers" if workers is not None else "--scheduler"
    if input_path is None:
        raise typer.BadParameter("runs the chunks of a batch: only with --input",
                                 param_hint=f"'{flag}'")
    if scheduler is not None and not scheduler.strip():
        raise typer.BadParameter("expected a scheduler address such as tcp://host:8786",
                                 param_hint="'--scheduler'")
    return {"workers": workers, "scheduler": scheduler}



def _output_format(json_out: bool, nl: bool, csv_out: bool) -> Optional[str]:
    chosen = [name for name, on in (("json", json_out), ("nl", nl), ("csv", csv_out)) if on]
    if len(chosen) > 1:
        raise typer.BadParameter("choose one of --json, --nl, --csv",
                                 param_hint="'--json' / '--nl' / '--csv'")
    return chosen[0] if chosen else None
