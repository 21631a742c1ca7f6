"""`simulate`: fly one shot from launch to landing and sample it, to check an answer by eye.

The flight is integrated in time (scipy DOP853, rtol 1e-11) with the model's own acceleration,
so it also covers what the x-integration of the solver cannot: the descent past vertical, and a
headwind that blows the shot back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ..problem import Shot
from . import medium
from .columns import Columns
from .model import Params, acceleration

TRAJECTORY_SCHEMA = "cannon.trajectory/1"
_T_MAX = 1.0e5
#: points of the dense output at which the Mach range of a flight is taken
MACH_SAMPLES = 2001


@dataclass(frozen=True)
class Crossing:
    """Where the shot passes the target distance."""

    distance_m: float
    height_m: float
    time_s: float
    speed_mps: float
    angle_deg: float
    miss_m: float


@dataclass(frozen=True)
class Trajectory:
    """A sampled flight. Arrays of shape (samples,): t (s), x, y (m), vx, vy (m/s)."""

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

    def to_json(self, *, samples: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": TRAJECTORY_SCHEMA,
            "flight_time_s": self.flight_time_s,
            "range_m": self.range_m,
            "ground_m": self.ground_m,
            "apex_height_m": self.apex_height_m,
            "apex_distance_m": self.apex_distance_m,
            "impact_speed_mps": self.impact_speed_mps,
            "impact_angle_deg": self.impact_angle_deg,
            "crossing": None if self.crossing is None else dict(vars(self.crossing)),
            "shot": self.shot.to_json(air_density=medium.site_density(self.shot)),
        }
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if samples:
            out["samples"] = [
                {"t_s": t, "x_m": x, "y_m": y, "vx_mps": vx, "vy_mps": vy}
                for t, x, y, vx, vy in zip(*(a.tolist() for a in self.columns()))
            ]
        return out

    def columns(self):
        return self.t, self.x, self.y, self.vx, self.vy


def _crossing(shot: Shot, t: float, s) -> Crossing:
    return Crossing(distance_m=float(shot.distance), height_m=float(s[1]), time_s=float(t),
                    speed_mps=float(math.hypot(s[2], s[3])),
                    angle_deg=float(math.degrees(math.atan2(s[3], s[2]))),
                    miss_m=float(s[1] - shot.target_height))


def params_for(shot, distance: float = 1.0) -> Params:
    """Model parameters (one shot) for the physics of a `Shot` or `Problem`."""
    return Columns.from_physics(shot, [float(distance)]).params(steps=24)


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
    if ground is None:
        ground = min(0.0, shot.launch_height, shot.target_height if shot.distance else 0.0)
    th = math.radians(shot.angle)

    def rhs(t, s):
        ax, ay = acceleration(s[2:3], s[3:4], p, s[1:2])
        return [s[2], s[3], float(ax[0]), float(ay[0])]

    def landed(t, s):
        return s[1] - ground if t > 0 else 1.0

    landed.terminal, landed.direction = True, -1

    def apex(t, s):
        return s[3]

    apex.direction = -1
    events = [landed, apex]
    if shot.distance:
        def cross(t, s):
            return s[0] - shot.distance
        cross.direction = 1
        events.append(cross)
    s0 = [0.0, shot.launch_height, shot.velocity * math.cos(th), shot.velocity * math.sin(th)]
    sol = solve_ivp(rhs, (0.0, _T_MAX), s0, method="DOP853", rtol=1e-11, atol=1e-9,
                    events=events, dense_output=True)
    t_end = float(sol.t[-1])
    ts = np.linspace(0.0, t_end, samples)
    x, y, vx, vy = sol.sol(ts)
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
        _, yy, ux, uy = sol.sol(np.linspace(0.0, t_end, MACH_SAMPLES))
        m = np.hypot(ux - p.wind[0], uy) / p.air.speed_of_sound(yy)
        mach = (float(np.min(m)), float(np.max(m)))
        from .checks import flight_warnings

        warnings = tuple(flight_warnings(shot, *mach))
    return Trajectory(
        shot=shot, t=ts, x=x, y=y, vx=vx, vy=vy, ground_m=ground, flight_time_s=t_end,
        range_m=float(end[0]), apex_height_m=apex_h, apex_distance_m=apex_x,
        impact_speed_mps=float(math.hypot(end[2], end[3])),
        impact_angle_deg=float(math.degrees(math.atan2(end[3], end[2]))), crossing=crossing,
        mach_range=mach, warnings=warnings)
