"""Truing's observations in: records (JSON, NDJSON or CSV, read by `reader.read_records`) made
into `truing.Observation`s.

A record is one shot or one group's centre: ``distance_m``, ``angle_deg`` (the bore's elevation
fired), optionally ``azimuth_deg``, and where it hit relative to the aim point,
``impact_vertical_m`` (+ up) and/or ``impact_lateral_m`` (+ right), with ``sd_m`` (else the
command's ``--sd`` or ``--sd-mrad``); and/or a speed sample, ``speed_mps`` at
``speed_distance_m`` (a chronograph at the muzzle, a Doppler radar downrange) with
``sd_speed_mps``. ``target_height_m`` is the aim point's height (m, default 0: the muzzle's
level) and any physics field of a problem (``temperature_c``, ``wind_mps``, ...) overrides the
flags for that record. Values take unit suffixes as a problem's do ("300yd", "2mil").

A fit needs all its data: the first bad record stops it, with one line that names the record
(its index and, for NDJSON and CSV, its line) and how many more are bad.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import IO, Optional

from .. import units
from ..aim.truing import Observation
from ..errors import InputError
from ..problem import PHYSICS_FIELDS, Physics, Problem
from .reader import read_records

#: the fields of an observation record, and the kind of quantity each takes
OBSERVED = {"distance_m": "length", "angle_deg": "angle", "azimuth_deg": "angle",
            "impact_vertical_m": "length", "impact_lateral_m": "length", "sd_m": "length",
            "speed_mps": "speed", "speed_distance_m": "length", "sd_speed_mps": "speed",
            "target_height_m": "length"}
FIELDS = tuple(OBSERVED) + PHYSICS_FIELDS


def _number(record: dict, key: str) -> Optional[float]:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"{key} must be a number, got {value!r}")
    try:
        number = float(units.parse(value, OBSERVED[key])) if isinstance(value, str) \
            else float(value)
    except units.UnitError:
        raise InputError(f"{key} must be {units.expected(OBSERVED[key])}, got {value!r}") \
            from None
    if not math.isfinite(number):
        raise InputError(f"{key} must be finite, got {value!r}")
    return number


def observation(record, base: Physics, *, sd: Optional[float], sd_mrad: Optional[float],
                sd_speed: float) -> Observation:
    """One `Observation` from a `reader.Record`'s fields (raises `InputError`); ``base`` is
    the flags' physics, ``sd`` (m) or ``sd_mrad`` the impacts' default sd, ``sd_speed`` the
    speed samples'."""
    f = record.fields
    unknown = sorted(set(f) - set(FIELDS))
    if unknown:
        raise InputError(f"unknown field{'s' if len(unknown) > 1 else ''}: "
                         f"{', '.join(unknown)}")
    num = {key: _number(f, key) for key in OBSERVED}
    vertical, lateral = num["impact_vertical_m"], num["impact_lateral_m"]
    impact = vertical is not None or lateral is not None
    if not impact and num["speed_mps"] is None:
        raise InputError("needs an impact (impact_vertical_m, impact_lateral_m) or a speed "
                         "sample (speed_mps)")
    if impact and (num["distance_m"] is None or num["angle_deg"] is None):
        raise InputError("an impact needs distance_m and angle_deg (the bore's elevation)")
    if num["distance_m"] is not None and not num["distance_m"] > 0:
        raise InputError(f"distance_m must be > 0, got {num['distance_m']:g}")
    if num["angle_deg"] is not None and not -90 < num["angle_deg"] < 90:
        raise InputError(f"angle_deg must be in (-90, 90), got {num['angle_deg']:g}")
    if num["speed_mps"] is not None:
        if num["speed_distance_m"] is None or not num["speed_distance_m"] > 0:
            raise InputError("a speed sample needs speed_distance_m > 0 (where it was measured)")
        if not num["speed_mps"] > 0:
            raise InputError(f"speed_mps must be > 0, got {num['speed_mps']:g}")
    own = {k: v for k, v in f.items() if k in PHYSICS_FIELDS}
    defaults = {fd.name: getattr(base, fd.name) for fd in fields(Physics)}
    physics = Problem.from_json({**own, "distance_m": 1.0}, **defaults)
    physics = Physics(**{fd.name: getattr(physics, fd.name) for fd in fields(Physics)})
    sd_m = num["sd_m"]
    if sd_m is None and impact:
        if sd is not None:
            sd_m = sd
        elif sd_mrad is not None:
            sd_m = sd_mrad * 1e-3 * num["distance_m"]
        else:
            raise InputError("needs sd_m, or the command's --sd or --sd-mrad")
    if impact and not sd_m > 0:
        raise InputError(f"sd_m must be > 0, got {sd_m:g}")
    spd_sd = num["sd_speed_mps"] if num["sd_speed_mps"] is not None else sd_speed
    if num["speed_mps"] is not None and not spd_sd > 0:
        raise InputError(f"sd_speed_mps must be > 0, got {spd_sd:g}")
    return Observation(
        record.index, record.line, physics, distance=num["distance_m"],
        elevation=math.radians(num["angle_deg"] or 0.0),
        azimuth=math.radians(num["azimuth_deg"] or 0.0),
        target_height=num["target_height_m"] or 0.0, vertical=vertical, lateral=lateral,
        sd=math.nan if sd_m is None else sd_m, speed=num["speed_mps"],
        speed_distance=num["speed_distance_m"], sd_speed=spd_sd)


def where(record) -> str:
    """How an error names a record: "record 3 (line 4)" (0-based index, as batches count)."""
    return f"record {record.index}" + (f" (line {record.line})" if record.line else "")


def read(stream: IO, fmt: str, base: Physics, **sds) -> list:
    """Every record of ``stream`` as an `Observation`; the first bad one raises `InputError`
    naming it (and counting the others that are bad)."""
    out, bad = [], []
    for record in read_records(stream, fmt, known=FIELDS):
        if record.error is None:
            try:
                out.append(observation(record, base, **sds))
                continue
            except InputError as e:
                message = str(e)
        else:
            message = record.error
        bad.append(f"{where(record)}: {message}")
    if bad:
        more = f" (and {len(bad) - 1} more bad record{'s' if len(bad) > 2 else ''})" \
            if len(bad) > 1 else ""
        raise InputError(f"{bad[0]}{more}; nothing was fitted")
    if not out:
        raise InputError("no observations in the input")
    return out

