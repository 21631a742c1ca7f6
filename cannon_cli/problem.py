"""What is asked (`Problem`) and what is answered (`Solution`): frozen data, no behaviour beyond
validation and conversion to and from the JSON field names."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Optional

from .errors import InputError

STANDARD_GRAVITY = 9.80665
DRAG_MODELS = ("none", "linear", "quadratic")
ARCS = ("low", "high")

SOLUTION_SCHEMA = "cannon.solution/1"

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
    "wind": "wind_mps",
    "angle": "angle_deg",
    "velocity": "velocity_mps",
    "arc": "arc",
    "max_velocity": "max_velocity_mps",
}
#: Echoed only when given: the unknowns that were fixed, and the optional bound.
_OPTIONAL = ("angle", "velocity", "max_velocity", "distance")
PROBLEM_FIELDS = tuple(_JSON_NAMES.values())


def json_to_flag(key: str) -> str:
    """The command-line flag for a JSON field name: distance_m -> --distance."""
    by_key = {v: k for k, v in _JSON_NAMES.items()}
    return "--" + by_key[key].replace("_", "-")


@dataclass(frozen=True, kw_only=True)
class Physics:
    """The gun, the projectile and the air. SI units. Shared by `Problem` and `Shot`."""

    launch_height: float = 0.0
    gravity: float = STANDARD_GRAVITY
    drag: str = "none"
    mass: float = 1.0
    diameter: float = 0.1
    drag_coefficient: float = 0.47
    air_density: float = 1.225
    linear_drag: float = 0.1
    wind: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("drag", "arc") or (value is None and f.name in _OPTIONAL):
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"{_JSON_NAMES[f.name]} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise InputError(f"{_JSON_NAMES[f.name]} must be finite, got {value}")
            object.__setattr__(self, f.name, float(value))
        for name in ("gravity", "mass", "diameter"):
            if getattr(self, name) <= 0:
                raise InputError(f"{_JSON_NAMES[name]} must be > 0, got {getattr(self, name):g}")
        for name in ("drag_coefficient", "air_density", "linear_drag"):
            if getattr(self, name) < 0:
                raise InputError(f"{_JSON_NAMES[name]} must be >= 0, got {getattr(self, name):g}")
        if self.drag not in DRAG_MODELS:
            raise InputError(f"drag must be one of {', '.join(DRAG_MODELS)}, got {self.drag!r}")

    @property
    def drag_k(self) -> float:
        """Linear drag per unit mass b/m (1/s); zero unless drag is linear."""
        return self.linear_drag / self.mass if self.drag == "linear" else 0.0

    @property
    def drag_c(self) -> float:
        """Quadratic drag factor rho Cd A / 2m (1/m), A = pi d^2 / 4; zero unless quadratic."""
        if self.drag != "quadratic":
            return 0.0
        area = math.pi * self.diameter ** 2 / 4.0
        return self.air_density * self.drag_coefficient * area / (2.0 * self.mass)

    def to_json(self) -> dict[str, Any]:
        """Every field under its JSON name, in a fixed order; unset optional fields left out."""
        out = {}
        for name, key in _JSON_NAMES.items():
            if not hasattr(self, name):
                continue
            value = getattr(self, name)
            if name in _OPTIONAL and value is None:
                continue
            out[key] = value
        return out


@dataclass(frozen=True, kw_only=True)
class Problem(Physics):
    """A target to hit and the physics to hit it under. SI units; angles in degrees.

    Fix ``angle`` to solve for the speed, fix ``velocity`` to solve for the angle (on the ``arc``
    asked for), or fix neither for the minimum-speed shot. ``max_velocity`` bounds the speed.
    """

    distance: float
    target_height: float = 0.0
    angle: Optional[float] = None
    velocity: Optional[float] = None
    arc: str = "low"
    max_velocity: Optional[float] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.distance <= 0:
            raise InputError(f"distance_m must be > 0, got {self.distance:g}")
        if self.arc not in ARCS:
            raise InputError(f"arc must be one of {', '.join(ARCS)}, got {self.arc!r}")
        if self.angle is not None and self.velocity is not None:
            raise InputError("give angle_deg or velocity_mps, not both: the other is solved for")
        if self.angle is not None and not -90.0 < self.angle < 90.0:
            raise InputError(f"angle_deg must be in (-90, 90), got {self.angle:g}")
        if self.velocity is not None and self.velocity <= 0:
            raise InputError(f"velocity_mps must be > 0, got {self.velocity:g}")
        if self.max_velocity is not None and self.max_velocity <= 0:
            raise InputError(f"max_velocity_mps must be > 0, got {self.max_velocity:g}")
        if (self.velocity is not None and self.max_velocity is not None
                and self.velocity > self.max_velocity):
            raise InputError(f"velocity_mps {self.velocity:g} exceeds max_velocity_mps "
                             f"{self.max_velocity:g}")

    @property
    def unknowns(self) -> str:
        """What is solved for: 'angle' (speed fixed), 'speed' (angle fixed) or 'both'."""
        if self.velocity is not None:
            return "angle"
        if self.angle is not None:
            return "speed"
        return "both"

    def to_json(self) -> dict[str, Any]:
        """The problem as echoed in the solution JSON: every input with the defaults used."""
        out = super().to_json()
        if self.unknowns != "angle":
            out.pop("arc")
        return out

    @classmethod
    def from_json(cls, record: dict[str, Any], **defaults: Any) -> "Problem":
        """A problem from a record keyed by the JSON field names; fields it leaves out come from
        ``defaults`` (keyed by attribute name), then from the class defaults."""
        unknown = sorted(set(record) - set(PROBLEM_FIELDS))
        if unknown:
            raise InputError(f"unknown field{'s' if len(unknown) > 1 else ''}: "
                             f"{', '.join(unknown)}")
        by_key = {v: k for k, v in _JSON_NAMES.items()}
        kwargs = {k: v for k, v in defaults.items() if v is not None}
        kwargs.update({by_key[k]: v for k, v in record.items()})
        if "distance" not in kwargs:
            raise InputError("distance_m is required")
        return cls(**kwargs)


@dataclass(frozen=True, kw_only=True)
class Shot(Physics):
    """A shot to fly: launch angle (degrees) and speed (m/s), and optionally the distance at
    which to report where it passes (and the target height there)."""

    angle: float
    velocity: float
    distance: Optional[float] = None
    target_height: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not -90.0 < self.angle < 90.0:
            raise InputError(f"angle_deg must be in (-90, 90), got {self.angle:g}")
        if self.velocity <= 0:
            raise InputError(f"velocity_mps must be > 0, got {self.velocity:g}")
        if self.distance is not None and self.distance <= 0:
            raise InputError(f"distance_m must be > 0, got {self.distance:g}")


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

    def to_json(self) -> dict[str, Any]:
        """The solution JSON object (schema cannon.solution/1). Non-finite numbers become null."""
        out: dict[str, Any] = {"schema": SOLUTION_SCHEMA}
        d = asdict(self)
        for key in ("angle_deg", "velocity_mps", "flight_time_s", "apex_height_m",
                    "impact_speed_mps", "impact_angle_deg", "miss_m"):
            value = d[key]
            out[key] = value if value is not None and math.isfinite(value) else None
        out["converged"] = self.converged
        out["iterations"] = self.iterations
        out["solver"] = self.solver
        if not self.converged:
            out["reason"] = self.message
        out["problem"] = self.problem.to_json()
        return out
