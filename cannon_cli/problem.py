"""What is asked (`Problem`) and what is answered (`Solution`): frozen data, no behaviour beyond
validation and conversion to and from the JSON field names."""

from __future__ import annotations

import enum
import functools
import math
from dataclasses import dataclass, fields
from typing import Any, Optional

from .errors import InputError

STANDARD_GRAVITY = 9.80665
#: "none", "linear" and "quadratic" have the constant coefficients of docs/physics.md §2; the others
#: take Cd(Mach) from a drag table: the bundled g1, g7 and sphere, or ``drag_table`` (a CSV file).
DRAG_MODELS = ("none", "linear", "quadratic", "g1", "g7", "sphere", "table")
TABLE_DRAGS = ("g1", "g7", "sphere", "table")
ATMOSPHERES = ("constant", "icao")
ARCS = ("low", "high")
#: The launch site's weather that the atmosphere model covers: (field, low, high, unit). The
#: altitude spans the ICAO tables below the tropopause.
SITE_LIMITS = {"altitude": (-5000.0, 11000.0, "m"), "temperature": (-100.0, 70.0, "°C"),
               "pressure": (100.0, 1200.0, "hPa"), "humidity": (0.0, 100.0, "%")}

SOLUTION_SCHEMA = "cannon.solution/1"
#: The farthest a target may lie off the line of fire (deg): x runs downrange along that line,
#: and the aim turns at most 68.75° (`aim.unknowns.AZIMUTH_LIMIT`), drift included.
MAX_OFFSET_ANGLE = 60.0
#: The largest elevation offset (deg, either way): a gun's jump or a sight's zero error is a
#: fraction of a degree (a few mrad); beyond 5° it is a slip of units (mrad given as degrees).
MAX_ELEVATION_OFFSET = 5.0

#: Problem attribute -> JSON field name (SI-suffixed), in the order they are echoed.
_JSON_NAMES = {
    "distance": "distance_m",
    "target_height": "target_height_m",
    "launch_height": "launch_height_m",
    "gravity": "gravity_mps2",
    "drag": "drag",
    "mass": "mass_kg",
    "diameter": "diameter_m",
    "drag_coefficient": "drag_coefficient",
    "air_density": "air_density_kgpm3",
    "linear_drag": "linear_drag_kgps",
    "drag_table": "drag_table",
    "ballistic_coefficient": "ballistic_coefficient_kgpm2",
    "form_factor": "form_factor",
    "atmosphere": "atmosphere",
    "altitude": "altitude_m",
    "temperature": "temperature_c",
    "pressure": "pressure_hpa",
    "humidity": "humidity_pct",
    "wind": "wind_mps",
    "crosswind": "crosswind_mps",
    "latitude": "latitude_deg",
    "bearing": "bearing_deg",
    "cd_correction": "cd_correction",
    "elevation_offset": "elevation_offset_deg",
    "target_offset": "target_offset_m",
    "angle": "angle_deg",
    "velocity": "velocity_mps",
    "arc": "arc",
    "max_velocity": "max_velocity_mps",
    "sight_height": "sight_height_m",
    "zero": "zero_m",
}
#: Echoed only when given: the unknowns that were fixed, and the optional bound.
_OPTIONAL = ("angle", "velocity", "max_velocity", "distance", "drag_table",
             "ballistic_coefficient", "temperature", "pressure", "air_density", "sight_height",
             "zero", "latitude", "bearing", "cd_correction")
#: Echoed only when not zero: the lateral inputs (a 2-D problem echoes what it echoed before
#: they existed).
_ZERO_QUIET = ("crosswind", "target_offset", "elevation_offset")
#: Fields that are names, not numbers.
_NAMES = ("drag", "arc", "atmosphere", "drag_table")
#: Fields that are JSON objects: a Cd correction {"mach": [..], "coefficients": [..],
#: "width": w} (truing's, docs/physics.md §12)
STRUCTURED = ("cd_correction",)
#: the most knots of a Cd correction (`physics.correction.MAX_KNOTS`)
CD_KNOTS = 6
PROBLEM_FIELDS = tuple(_JSON_NAMES.values())
_PROBLEM_FIELD_SET = frozenset(PROBLEM_FIELDS)
#: JSON field name -> attribute
_ATTRIBUTES = {v: k for k, v in _JSON_NAMES.items()}
#: A `Shot`'s own fields beyond a problem's (a problem's azimuth is solved for, not given).
_SHOT_NAMES = {"azimuth": "azimuth_deg"}
SHOT_FIELDS = tuple(_SHOT_NAMES.values())


#: Fields that take a unit suffix in a record ("1000yd" where a number is expected), by kind.
UNIT_KINDS = {"distance": "length", "target_height": "length", "launch_height": "length",
              "diameter": "length", "altitude": "length", "mass": "mass", "wind": "speed",
              "velocity": "speed", "max_velocity": "speed", "angle": "angle",
              "sight_height": "length", "zero": "length", "crosswind": "speed",
              "target_offset": "length", "latitude": "angle", "bearing": "angle",
              "elevation_offset": "angle"}


def _cd_correction(value) -> tuple:
    """A Cd correction as (mach knots, coefficients, width), checked: 1 to CD_KNOTS knots,
    finite, >= 0 and increasing, as many coefficients, a width > 0."""
    if isinstance(value, dict):
        extra = sorted(set(value) - {"mach", "coefficients", "width"})
        if extra or not {"mach", "coefficients", "width"} <= set(value):
            raise InputError('cd_correction must be an object {"mach": [..], "coefficients": '
                             '[..], "width": w}' + (f", not with {', '.join(extra)}" if extra
                                                     else ""))
        mach, coefficients, width = value["mach"], value["coefficients"], value.get("width")
    elif isinstance(value, tuple) and len(value) == 3:
        mach, coefficients, width = value
    else:
        raise InputError(f'cd_correction must be an object {{"mach": [..], "coefficients": '
                         f'[..], "width": w}}, got {value!r}')
    if not isinstance(mach, (list, tuple)) or not isinstance(coefficients, (list, tuple)):
        raise InputError("cd_correction: mach and coefficients must be lists of numbers")
    numbers = list(mach) + list(coefficients) + ([] if width is None else [width])
    if not all(_is_number(x) for x in numbers):
        raise InputError("cd_correction: mach, coefficients and width must be finite numbers")
    if not 1 <= len(mach) <= CD_KNOTS or len(coefficients) != len(mach):
        raise InputError(f"cd_correction: 1 to {CD_KNOTS} Mach knots and one coefficient each, "
                         f"got {len(mach)} and {len(coefficients)}")
    if any(m < 0 for m in mach) or any(b <= a for a, b in zip(mach, mach[1:])):
        raise InputError("cd_correction: the Mach knots must be >= 0 and increase strictly")
    if width is None or width <= 0:
        raise InputError(f"cd_correction: needs a width > 0, got {width}")
    # (that the factor on Cd stays positive is the physics' to check: `medium.medium_of`)
    return (tuple(float(m) for m in mach), tuple(float(c) for c in coefficients), float(width))


def _departs(angle: float, offset: float) -> None:
    """An elevation set whose shot, with the elevation offset, would leave past the vertical
    is bad input (the physics flies angle + offset)."""
    if not -90.0 < angle + offset < 90.0:
        raise InputError(f"{angle:g} with an elevation offset of {offset:g}° leaves at "
                         f"{angle + offset:g}°, outside (-90, 90)", field="angle_deg")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def _quantity(key: str, value: Any, kind: str) -> float:
    """A record's string value for a field of ``kind``, in SI: '1000yd' -> 914.4."""
    from . import units

    try:
        return float(units.parse(value, kind))
    except units.UnitError as e:
        if "out of range" in str(e):
            raise InputError(f"field {key}: number out of range") from None
        raise InputError(f"must be {units.expected(kind)}, got {value!r}", field=key) from None


#: Flags named otherwise than their attribute (``--bc`` takes lb/in², the field is SI).
#: --azimuth is the bearing of fire (the Earth's rotation), so a shot's aim is --aim-azimuth.
_FLAGS = {"ballistic_coefficient": "--bc", "bearing": "--azimuth", "azimuth": "--aim-azimuth"}


def json_to_flag(key: str) -> str:
    """The command-line flag for a JSON field name: distance_m -> --distance."""
    by_key = {v: k for k, v in {**_JSON_NAMES, **_SHOT_NAMES}.items()}
    name = by_key[key]
    return _FLAGS.get(name, "--" + name.replace("_", "-"))


def _json_name(name: str) -> str:
    return _JSON_NAMES.get(name) or _SHOT_NAMES[name]


@functools.cache
def _numbers(cls) -> tuple[str, ...]:
    """The fields of ``cls`` that hold numbers (`dataclasses.fields` once per class, not once
    per record: it cost a batch ~15 us a record)."""
    return tuple(f.name for f in fields(cls) if f.name not in _NAMES + STRUCTURED)


@functools.cache
def _echoed(cls) -> tuple[tuple[str, str], ...]:
    """(attribute, JSON name) of the fields of ``cls`` that `Physics.to_json` echoes, in
    order."""
    own = {f.name for f in fields(cls)}
    return tuple((name, key) for name, key in _JSON_NAMES.items() if name in own)


@dataclass(frozen=True, kw_only=True)
class Physics:
    """The gun, the projectile and the air. SI units. Shared by `Problem` and `Shot`.

    The projectile of a table drag (g1, g7, sphere, table) is its ``ballistic_coefficient``
    (kg/m², the G-model BC m / (i d²); ``--bc`` takes lb/in²), or else its ``mass``, ``diameter``
    and ``form_factor`` i. The air at the launch site comes from the weather there (ICAO standard
    values at ``altitude`` unless ``temperature``, ``pressure`` or ``humidity`` say otherwise);
    ``air_density``, if given, replaces the site's density. ``atmosphere`` "constant" keeps the
    site's air all along the flight, "icao" lets density and the speed of sound change with
    height as the standard atmosphere does. A ``drag_table`` file implies drag "table".
    """

    launch_height: float = 0.0
    gravity: float = STANDARD_GRAVITY
    drag: str = "none"
    mass: float = 1.0
    diameter: float = 0.1
    drag_coefficient: float = 0.47
    air_density: Optional[float] = None
    linear_drag: float = 0.1
    drag_table: Optional[str] = None
    ballistic_coefficient: Optional[float] = None
    form_factor: float = 1.0
    atmosphere: str = "constant"
    altitude: float = 0.0
    temperature: Optional[float] = None
    pressure: Optional[float] = None
    humidity: float = 0.0
    wind: float = 0.0
    #: the wind across the line of fire (m/s, + blowing toward the right)
    crosswind: float = 0.0
    #: the launch site's latitude (deg, + north) and the bearing of fire (deg from true north,
    #: clockwise): with a latitude the Earth's rotation acts (Coriolis and Eötvös), without
    #: one it does not
    latitude: Optional[float] = None
    bearing: Optional[float] = None
    #: a correction of the drag table's Cd: (mach knots, coefficients, width), Cd times
    #: 1 + sum c_k exp(-((M - m_k) / w)² / 2) (`physics.correction`); given as the JSON object
    #: {"mach": [..], "coefficients": [..], "width": w}
    cd_correction: Optional[tuple] = None
    #: the elevation offset (deg): the angle at which the shot leaves above the bore's elevation
    #: as set (the gun's vertical jump, a quadrant's or a sight's zero error). Every elevation
    #: given or answered (``angle``, a solution's ``angle_deg``) is the one set on the gun; the
    #: physics flies it plus this offset (docs/physics.md §12: what `cannon true` fits)
    elevation_offset: float = 0.0

    def __post_init__(self) -> None:
        if self.cd_correction is not None:
            object.__setattr__(self, "cd_correction", _cd_correction(self.cd_correction))
        values = self.__dict__  # (a frozen dataclass's fields: read without getattr's cost)
        for name in _numbers(type(self)):
            value = values[name]
            if type(value) is float and math.isfinite(value):
                continue  # the common case, with no more to check (a batch's every record)
            if value is None and name in _OPTIONAL:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"must be a number, got {value!r}", field=_json_name(name))
            if not math.isfinite(value):
                raise InputError(f"must be finite, got {value}", field=_json_name(name))
            object.__setattr__(self, name, float(value))
        for name in ("gravity", "mass", "diameter", "form_factor", "ballistic_coefficient"):
            value = values[name]
            if value is not None and value <= 0:
                raise InputError(f"must be > 0, got {value:g}", field=_JSON_NAMES[name])
        for name in ("drag_coefficient", "air_density", "linear_drag"):
            value = values[name]
            if value is not None and value < 0:
                raise InputError(f"must be >= 0, got {value:g}", field=_JSON_NAMES[name])
        for name, (lo, hi, unit) in SITE_LIMITS.items():
            value = values[name]
            if value is not None and not lo <= value <= hi:
                raise InputError(f"must be within {lo:g}..{hi:g} {unit}, got {value:g}",
                                 field=_JSON_NAMES[name])
        if abs(self.elevation_offset) > MAX_ELEVATION_OFFSET:
            raise InputError(f"must be within ±{MAX_ELEVATION_OFFSET:g}° (a jump or a zero "
                             f"error of a few mrad: give e.g. 0.3mrad), got "
                             f"{self.elevation_offset:g}", field="elevation_offset_deg")
        if self.latitude is not None:
            if not -90.0 <= self.latitude <= 90.0:
                raise InputError(f"must be within -90..90, got {self.latitude:g}",
                                 field="latitude_deg")
            if self.bearing is None:
                raise InputError("needs the bearing of fire (bearing_deg, --azimuth: degrees "
                                 "from true north): the Earth's rotation acts on a shot by its "
                                 "direction", field="latitude_deg")
        if self.bearing is not None and not -360.0 <= self.bearing <= 360.0:
            raise InputError(f"must be within -360..360, got {self.bearing:g}",
                             field="bearing_deg")
        for name, allowed in (("drag", DRAG_MODELS), ("atmosphere", ATMOSPHERES)):
            if getattr(self, name) not in allowed:
                raise InputError(f"must be one of {', '.join(allowed)}, "
                                 f"got {getattr(self, name)!r}", field=name)
        if self.drag_table is not None:
            if not isinstance(self.drag_table, str) or not self.drag_table:
                raise InputError(f"must be a file name, got {self.drag_table!r}",
                                 field="drag_table")
            if self.drag == "none":
                object.__setattr__(self, "drag", "table")
            elif self.drag != "table":
                raise InputError(f"goes with drag table, not drag {self.drag}", field="drag_table")
        elif self.drag == "table":
            raise InputError("table needs a drag_table file (--drag-table FILE)", field="drag")
        if self.ballistic_coefficient is not None and self.drag not in TABLE_DRAGS:
            raise InputError(f"a ballistic coefficient needs a drag table (g1, g7, sphere or "
                             f"table), not drag {self.drag}")
        if self.cd_correction is not None and self.drag not in TABLE_DRAGS:
            raise InputError(f"a cd_correction corrects a drag table (g1, g7, sphere or table), "
                             f"not drag {self.drag}")

    @property
    def drag_k(self) -> float:
        """Linear drag per unit mass b/m (1/s); zero unless drag is linear."""
        return self.linear_drag / self.mass if self.drag == "linear" else 0.0

    @property
    def earth_rotation(self) -> bool:
        """Whether the Earth's rotation acts (a latitude is given)."""
        return self.latitude is not None

    @property
    def table_drag(self) -> bool:
        """Whether Cd depends on the Mach number (a drag table)."""
        return self.drag in TABLE_DRAGS

    def to_json(self, *, air_density: Optional[float] = None) -> dict[str, Any]:
        """Every field under its JSON name, in a fixed order; unset optional fields left out.
        The air density is echoed as the one used: the field, or else ``air_density``, the
        site's from the weather (`physics.medium.site_density`: the physics works it out, not
        this data layer)."""
        out = {}
        values = self.__dict__
        for name, key in _echoed(type(self)):
            value = values[name]
            if value is None:
                if name == "air_density":
                    value = air_density
                if value is None and name in _OPTIONAL:
                    continue
            elif value == 0 and name in _ZERO_QUIET:
                continue
            elif name == "cd_correction":
                mach, coefficients, width = value
                value = {"mach": list(mach), "coefficients": list(coefficients), "width": width}
            out[key] = value
        return out


#: the JSON names of the physics (`Physics`' fields): what a record's or a profile's physics is
PHYSICS_FIELDS = tuple(_JSON_NAMES[f.name] for f in fields(Physics))


@dataclass(frozen=True, kw_only=True)
class Problem(Physics):
    """A target to hit and the physics to hit it under. SI units; angles in degrees.

    Fix ``angle`` to solve for the speed, fix ``velocity`` to solve for the angle (on the ``arc``
    asked for), or fix neither for the minimum-speed shot. ``max_velocity`` bounds the speed.

    A sight (`sight`): ``sight_height`` is the line of sight's height above the bore, and
    ``zero`` the distance at which the sight is zeroed (it needs ``velocity``, the gun's). They
    change nothing in the solve; the answer is then also given as the adjustment from the zero
    (the come-up). ``target_height`` defaults to 0, or with a sight to the sight's height
    (launch_height + sight_height): a level shot.
    """

    distance: float
    target_height: Optional[float] = None
    angle: Optional[float] = None
    velocity: Optional[float] = None
    arc: str = "low"
    max_velocity: Optional[float] = None
    sight_height: Optional[float] = None
    zero: Optional[float] = None
    #: the target's lateral position (m, + right of the line of fire)
    target_offset: float = 0.0

    def __post_init__(self) -> None:
        if self.target_height is None:
            level = self.sight is not None and _is_number(self.sight_height)
            height = (self.launch_height + self.sight_height if level and
                      _is_number(self.launch_height) else 0.0)
            object.__setattr__(self, "target_height", height)
        super().__post_init__()
        if self.distance <= 0:
            raise InputError(f"must be > 0, got {self.distance:g}", field="distance_m")
        if abs(self.target_offset) > self.distance * math.tan(math.radians(MAX_OFFSET_ANGLE)):
            off = math.degrees(math.atan2(abs(self.target_offset), self.distance))
            raise InputError(f"puts the target {off:.4g}° off the line of fire, more than "
                             f"{MAX_OFFSET_ANGLE:g}°: the distance runs along the line of fire, "
                             "so measure it toward the target", field="target_offset_m")
        if self.arc not in ARCS:
            raise InputError(f"must be one of {', '.join(ARCS)}, got {self.arc!r}", field="arc")
        if self.angle is not None and self.velocity is not None:
            raise InputError("give angle_deg or velocity_mps, not both: the other is solved for")
        if self.angle is not None and not -90.0 < self.angle < 90.0:
            raise InputError(f"must be in (-90, 90), got {self.angle:g}", field="angle_deg")
        if self.angle is not None:
            _departs(self.angle, self.elevation_offset)
        if self.velocity is not None and self.velocity <= 0:
            raise InputError(f"must be > 0, got {self.velocity:g}", field="velocity_mps")
        if self.max_velocity is not None and self.max_velocity <= 0:
            raise InputError(f"must be > 0, got {self.max_velocity:g}", field="max_velocity_mps")
        if (self.velocity is not None and self.max_velocity is not None
                and self.velocity > self.max_velocity):
            raise InputError(f"{self.velocity:g} exceeds max_velocity_mps {self.max_velocity:g}",
                             field="velocity_mps")
        if self.zero is not None:
            if self.zero <= 0:
                raise InputError(f"must be > 0, got {self.zero:g}", field="zero_m")
            if self.velocity is None:
                raise InputError("needs the gun's muzzle speed (velocity_mps, "
                                 "--velocity): a sight is zeroed for one speed", field="zero_m")

    @property
    def sight(self) -> Optional[tuple]:
        """(sight height, zero distance or None) when a sight is given, else None."""
        if self.sight_height is None and self.zero is None:
            return None
        return (0.0 if self.sight_height is None else self.sight_height, self.zero)

    @property
    def three_d(self) -> bool:
        """Whether the problem is three-dimensional: a crosswind, a target off the line of fire
        or the Earth's rotation (else it is solved in the vertical plane, as in 2-D)."""
        return self.crosswind != 0 or self.target_offset != 0 or self.earth_rotation

    @property
    def unknowns(self) -> str:
        """What is solved for: 'angle' (speed fixed), 'speed' (angle fixed) or 'both'."""
        if self.velocity is not None:
            return "angle"
        if self.angle is not None:
            return "speed"
        return "both"

    def to_json(self, *, air_density: Optional[float] = None) -> dict[str, Any]:
        """The problem as echoed in the solution JSON: every input with the defaults used."""
        out = super().to_json(air_density=air_density)
        if self.unknowns != "angle":
            out.pop("arc")
        return out

    @classmethod
    def from_json(cls, record: dict[str, Any], **defaults: Any) -> "Problem":
        """A problem from a record keyed by the JSON field names; fields it leaves out come from
        ``defaults`` (keyed by attribute name), then from the class defaults."""
        unknown = sorted(record.keys() - _PROBLEM_FIELD_SET)
        if unknown:
            raise InputError(f"unknown field{'s' if len(unknown) > 1 else ''}: "
                             f"{', '.join(unknown)}")
        kwargs = {k: v for k, v in defaults.items() if v is not None}
        for key, value in record.items():
            name = _ATTRIBUTES[key]
            if isinstance(value, str) and name in UNIT_KINDS:  # "1000yd", "10 mph", "5mil"
                value = _quantity(key, value, UNIT_KINDS[name])
            kwargs[name] = value
        if "distance" not in kwargs:
            raise InputError("is required", field="distance_m")
        return cls(**kwargs)


@dataclass(frozen=True, kw_only=True)
class Shot(Physics):
    """A shot to fly: launch angle (degrees) and speed (m/s), and optionally the distance at
    which to report where it passes (and the target height there). ``azimuth`` is the aim's
    (degrees, + right of the line to the target; not the bearing of fire, which only orients
    the Earth's rotation)."""

    angle: float
    velocity: float
    distance: Optional[float] = None
    target_height: float = 0.0
    azimuth: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not -90.0 < self.angle < 90.0:
            raise InputError(f"must be in (-90, 90), got {self.angle:g}", field="angle_deg")
        _departs(self.angle, self.elevation_offset)
        if not -90.0 < self.azimuth < 90.0:  # x, downrange, must keep growing
            raise InputError(f"must be in (-90, 90), got {self.azimuth:g}", field="azimuth_deg")
        if self.velocity <= 0:
            raise InputError(f"must be > 0, got {self.velocity:g}", field="velocity_mps")
        if self.distance is not None and self.distance <= 0:
            raise InputError(f"must be > 0, got {self.distance:g}", field="distance_m")

    @property
    def three_d(self) -> bool:
        """Whether the shot leaves the vertical plane: a crosswind, the Earth's rotation or an
        aim off the line to the target (else it is flown in 2-D, as before these existed)."""
        return self.crosswind != 0 or self.earth_rotation or self.azimuth != 0

    def to_json(self, *, air_density: Optional[float] = None) -> dict[str, Any]:
        """As `Physics.to_json`, with the aim's azimuth after the angle when it is not 0."""
        out = super().to_json(air_density=air_density)
        if self.azimuth == 0:
            return out
        items = list(out.items())
        at = next(i for i, (k, _) in enumerate(items) if k == "angle_deg") + 1
        return dict(items[:at] + [("azimuth_deg", self.azimuth)] + items[at:])


class Status(str, enum.Enum):
    """What became of a problem: the closed set of outcomes that JSON carries as ``status``
    (the message, ``reason`` or ``error``, says why)."""

    SOLVED = "solved"
    #: no launch within the limits reaches the target: the physics decided it
    OUT_OF_REACH = "out_of_reach"
    #: no verdict: the solver, the integration or the work budget stopped short
    NOT_CONVERGED = "not_converged"
    #: the record could not be read or is not a valid problem (batch error records)
    BAD_INPUT = "bad_input"


@dataclass(frozen=True)
class Solution:
    """The answer to a `Problem`, as data. ``converged`` is False when there is no solution; then
    ``message`` says why and the angle and speed are the closest approach found."""

    problem: Problem
    angle_deg: float
    velocity_mps: float
    flight_time_s: float
    apex_height_m: float
    impact_speed_mps: float
    impact_angle_deg: float
    miss_m: float
    converged: bool
    iterations: int
    solver: str
    message: str = ""
    steps: int = 0
    #: what a person should know about an answer that is not wrong (the flight leaves the
    #: drag table's Mach range, ...): `checks`
    warnings: tuple = ()
    #: with a sight: the answer as an adjustment from the zero (`sight.Adjustment`)
    adjustment: Optional[Any] = None
    #: the air density at the site (kg/m³) the answer was worked out in, echoed in the problem
    air_density: Optional[float] = None
    #: what became of it (`Status`); from ``converged`` if not given
    status: Optional[Status] = None
    #: the aim's azimuth (deg, + right of the line to the target); 0 in 2-D
    azimuth_deg: float = 0.0
    #: 3-D only: the lateral miss (m, + right), where the shot would land sideways fired at
    #: azimuth 0 (m, + right: the windage to correct) and its lateral velocity at the target
    lateral_miss_m: float = 0.0
    drift_m: float = 0.0
    impact_lateral_velocity_mps: float = 0.0

    def __post_init__(self):
        if self.status is None:
            object.__setattr__(self, "status",
                               Status.SOLVED if self.converged else Status.NOT_CONVERGED)

    def to_json(self) -> dict[str, Any]:
        """The solution JSON object (schema cannon.solution/1). Non-finite numbers become null.
        ``warnings`` and the sight's fields (`sight.Adjustment.to_json`) only when there are
        some."""
        out: dict[str, Any] = {"schema": SOLUTION_SCHEMA}
        for key in SOLUTION_NUMBERS:
            out[key] = _finite(getattr(self, key))
        if self.problem.three_d:
            for key in SOLUTION_LATERAL:
                out[key] = _finite(getattr(self, key))
        if self.adjustment is not None:
            out.update({k: _finite(v) for k, v in self.adjustment.to_json().items()})
        out["status"] = self.status.value
        out["converged"] = self.converged
        out["iterations"] = self.iterations
        out["solver"] = self.solver
        if not self.converged:
            out["reason"] = self.message
        if self.warnings:
            out["warnings"] = list(self.warnings)
        out["problem"] = self.problem.to_json(air_density=self.air_density)
        return out


#: The numbers of every solution, in their JSON order ...
SOLUTION_NUMBERS = ("angle_deg", "azimuth_deg", "velocity_mps", "flight_time_s", "apex_height_m",
                    "impact_speed_mps", "impact_angle_deg", "miss_m")
#: ... and those of a 3-D problem's, after them.
SOLUTION_LATERAL = ("lateral_miss_m", "drift_m", "impact_lateral_velocity_mps")


def _finite(value):
    return value if value is not None and math.isfinite(value) else None
