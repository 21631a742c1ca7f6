"""`simulate`: fly one shot from launch to landing and sample it, to check an answer by eye.

The flight is integrated in time (scipy DOP853, rtol 1e-11) with the model's own acceleration
(`field.acceleration`, the field the solver integrates in x, in its time form), so it also
covers what the x-integration of the solver cannot: the descent past vertical, and a headwind
that blows the shot back. A shot that leaves the vertical plane (`Shot.three_d`) is flown in
3-D, state (x, y, z, vx, vy, vz); the others in 2-D, state (x, y, vx, vy), as before 3-D
existed, so that their output does not change.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ..problem import Shot
from . import medium
from .columns import Columns
from .field import Forces, acceleration
from .model import Params

TRAJECTORY_SCHEMA = "cannon.trajectory/1"
_T_MAX = 1.0e5
#: points of the dense output at which the Mach range of a flight is taken
MACH_SAMPLES = 2001
#: the sample columns, 2-D and 3-D
COLUMNS = ("t_s", "x_m", "y_m", "vx_mps", "vy_mps")
COLUMNS_3D = ("t_s", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")


@dataclass(frozen=True)
class Crossing:
    """Where the shot passes the target distance; ``lateral_m`` (m, + right of the line to the
    target) for a 3-D shot only."""

    distance_m: float
    height_m: float
    time_s: float
    speed_mps: float
    angle_deg: float
    miss_m: float
    lateral_m: Optional[float] = None

    def to_json(self) -> dict[str, Any]:
        out = dict(vars(self))
        if self.lateral_m is None:
            del out["lateral_m"]
        return out


@dataclass(frozen=True)
class Trajectory:
    """A sampled flight. Arrays of shape (samples,): t (s), x, y (m), vx, vy (m/s), and for a
    3-D shot z (m) and vz (m/s) (else None); ``lateral_m`` is where a 3-D shot lands sideways
    (m, + right)."""

    shot: Shot
    t: np.ndarray
    x: np.ndarray
    y: np.ndarray
    vx: np.ndarray
    vy: np.ndarray
    ground_m: float
    flight_time_s: float
    range_m: float
    apex_height_m: float
    apex_distance_m: float
    impact_speed_mps: float
    impact_angle_deg: float
    crossing: Optional[Crossing]
    #: (lowest, highest) Mach number of the flight, with a drag table (else None)
    mach_range: Optional[tuple] = None
    #: what a person should know (the flight leaves the drag table's Mach range): `checks`
    warnings: tuple = ()
    z: Optional[np.ndarray] = None
    vz: Optional[np.ndarray] = None
    lateral_m: Optional[float] = None

    @property
    def three_d(self) -> bool:
        return self.z is not None

    def to_json(self, *, samples: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": TRAJECTORY_SCHEMA,
            "flight_time_s": self.flight_time_s,
            "range_m": self.range_m,
        }
        if self.three_d:
            out["lateral_m"] = self.lateral_m
        out.update({
            "ground_m": self.ground_m,
            "apex_height_m": self.apex_height_m,
            "apex_distance_m": self.apex_distance_m,
            "impact_speed_mps": self.impact_speed_mps,
            "impact_angle_deg": self.impact_angle_deg,
            "crossing": None if self.crossing is None else self.crossing.to_json(),
            "shot": self.shot.to_json(air_density=medium.site_density(self.shot)),
        })
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if samples:
            names = self.column_names
            out["samples"] = [dict(zip(names, row))
                              for row in zip(*(a.tolist() for a in self.columns()))]
        return out

    @property
    def column_names(self) -> tuple:
        """The samples' column names (SI-suffixed), in the order of `columns`."""
        return COLUMNS_3D if self.three_d else COLUMNS

    def columns(self):
        if self.three_d:
            return self.t, self.x, self.y, self.z, self.vx, self.vy, self.vz
        return self.t, self.x, self.y, self.vx, self.vy


def _speed_angle(v) -> tuple:
    """The speed and the angle below (-) or above the horizontal (deg) of velocity ``v``
    (2 or 3 components); in 2-D a shot blown back keeps its angle past the vertical."""
    if len(v) == 2:
        return float(math.hypot(v[0], v[1])), float(math.degrees(math.atan2(v[1], v[0])))
    across = math.hypot(v[0], v[2])
    return float(math.hypot(across, v[1])), float(math.degrees(math.atan2(v[1], across)))


def _crossing(shot: Shot, t: float, s) -> Crossing:
    n = len(s) // 2  # 2 or 3 position components, then as many velocity ones
    speed, angle = _speed_angle(s[n:])
    return Crossing(distance_m=float(shot.distance), height_m=float(s[1]), time_s=float(t),
                    speed_mps=speed, angle_deg=angle, miss_m=float(s[1] - shot.target_height),
                    lateral_m=float(s[2]) if n == 3 else None)


def params_for(shot, distance: float = 1.0) -> Params:
    """Model parameters (one shot) for the physics of a `Shot` or `Problem`."""
    return Columns.from_physics(shot, [float(distance)]).params(steps=24)


def _scalar(f: Forces) -> Forces:
    """The forces on one shot as numbers: on arrays of one shot, numpy's cost per call would
    take most of the time of a flight (thousands of evaluations of the field)."""
    one = lambda a: float(np.asarray(a).reshape(-1)[0])
    return dataclasses.replace(
        f, gravity=one(f.gravity), wind=one(f.wind), crosswind=one(f.crosswind),
        drag_k=one(f.drag_k), drag_c=one(f.drag_c),
        omega=None if f.omega is None else tuple(one(o) for o in f.omega))


def simulate(shot: Shot, *, samples: int = 101, ground: Optional[float] = None) -> Trajectory:
    """Fly ``shot`` until it comes down to the ground: ``ground`` if given, else
    y = min(0, launch height, target height).

    Returns ``samples`` points evenly spaced in time, the apex, the landing and, when the shot
    has a distance, where it passes it (None if it never gets that far).
    """
    from scipy.integrate import solve_ivp  # slow import: only when simulating

    if samples < 2:
        raise ValueError("samples must be at least 2")
    p = params_for(shot)
    f = _scalar(p.forces())
    if ground is None:
        ground = min(0.0, shot.launch_height, shot.target_height if shot.distance else 0.0)
    three = shot.three_d
    n = 3 if three else 2  # position components, then as many velocity ones
    # the shot leaves at the elevation set plus the gun's elevation offset
    th = math.radians(shot.angle + shot.elevation_offset)
    az = math.radians(shot.azimuth)

    def rhs(t, s):
        return [*s[n:], *acceleration(s[1], s[n:], f)]

    def landed(t, s):
        return s[1] - ground if t > 0 else 1.0

    landed.terminal, landed.direction = True, -1

    def apex(t, s):
        return s[n + 1]

    apex.direction = -1
    events = [landed, apex]
    if shot.distance:
        def cross(t, s):
            return s[0] - shot.distance
        cross.direction = 1
        events.append(cross)
    v, h = shot.velocity, shot.velocity * math.cos(th)
    if three:
        s0 = [0.0, shot.launch_height, 0.0, h * math.cos(az), v * math.sin(th), h * math.sin(az)]
    else:
        s0 = [0.0, shot.launch_height, h, v * math.sin(th)]
    sol = solve_ivp(rhs, (0.0, _T_MAX), s0, method="DOP853", rtol=1e-11, atol=1e-9,
                    events=events, dense_output=True)
    t_end = float(sol.t[-1])
    ts = np.linspace(0.0, t_end, samples)
    dense = sol.sol(ts)
    end = sol.y[:, -1]
    if len(sol.t_events[1]):
        top = sol.y_events[1][0]
        apex_h, apex_x = float(top[1]), float(top[0])
    else:
        apex_h, apex_x = float(shot.launch_height), 0.0
    crossing = None
    if shot.distance and len(sol.t_events[2]):
        crossing = _crossing(shot, sol.t_events[2][0], sol.y_events[2][0])
    elif shot.distance and end[0] >= shot.distance * (1 - 1e-4):
        # it lands just short of the distance (a target on the ground, hit to within the
        # integration's accuracy): fly on past the ground to where it crosses
        cross.terminal = True
        more = solve_ivp(rhs, (t_end, 2.0 * t_end + 1.0), end, method="DOP853", rtol=1e-11,
                         atol=1e-9, events=[cross])
        if len(more.t_events[0]):
            crossing = _crossing(shot, more.t_events[0][0], more.y_events[0][0])
    mach, warnings = None, ()
    if p.table is not None:
        # the Mach range of the whole flight, from the dense output (the samples may be few)
        fine = sol.sol(np.linspace(0.0, t_end, MACH_SAMPLES))
        u = fine[n:]
        rel = np.hypot(u[0] - p.wind[0], u[1])
        if three:
            rel = np.hypot(rel, u[2] - shot.crosswind)
        m = rel / p.air.speed_of_sound(fine[1])
        mach = (float(np.min(m)), float(np.max(m)))
        from .checks import flight_warnings

        warnings = tuple(flight_warnings(shot, *mach))
    speed, angle = _speed_angle(end[n:])
    x, y, vx, vy = dense[0], dense[1], dense[n], dense[n + 1]
    lateral = dict(z=dense[2], vz=dense[5], lateral_m=float(end[2])) if three else {}
    return Trajectory(
        shot=shot, t=ts, x=x, y=y, vx=vx, vy=vy, ground_m=ground, flight_time_s=t_end,
        range_m=float(end[0]), apex_height_m=apex_h, apex_distance_m=apex_x,
        impact_speed_mps=speed, impact_angle_deg=angle, crossing=crossing,
        mach_range=mach, warnings=warnings, **lateral)
