"""Profiles: a gun, its load and its air as versioned JSON (``cannon.profile/1``), what
``cannon true --save`` writes and every command's ``--profile FILE`` reads.

A profile is one JSON object: ``"schema": "cannon.profile/1"``, physics fields under a
problem's JSON names (``drag``, ``ballistic_coefficient_kgpm2``, ``temperature_c``,
``cd_correction``, ``elevation_offset_deg``, ...), optionally the muzzle speed
``velocity_mps``, and optionally ``truing``, what the fit that made it found (estimates,
standard errors, chi²), kept for people and not read back. Anything else is refused: a typo
must not pass for a setting.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import fields
from typing import Optional

from ..errors import InputError
from ..problem import PHYSICS_FIELDS, Physics, Problem

SCHEMA = "cannon.profile/1"
#: the keys a profile may hold besides the physics
EXTRA = ("schema", "velocity_mps", "truing")


def load(path: str) -> tuple:
    """(physics fields keyed by attribute, muzzle speed or None) of the profile at ``path``:
    only what the file gives; raises `InputError` with one line naming the file."""
    where = f"profile {path}"
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise InputError(f"{where}: cannot read it: {e.strerror or e}") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{where}: not a JSON document ({str(e).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise InputError(f"{where}: must be a JSON object")
    if data.get("schema") != SCHEMA:
        raise InputError(f"{where}: schema must be {SCHEMA!r}, got {data.get('schema')!r}")
    unknown = sorted(set(data) - set(PHYSICS_FIELDS) - set(EXTRA))
    if unknown:
        raise InputError(f"{where}: unknown field{'s' if len(unknown) > 1 else ''}: "
                         f"{', '.join(unknown)}")
    given = {k: v for k, v in data.items() if k in PHYSICS_FIELDS and v is not None}
    velocity = data.get("velocity_mps")
    try:
        # validated as a problem's fields are (units, ranges, the cd_correction's shape)
        problem = Problem.from_json({**given, "distance_m": 1.0,
                                     **({} if velocity is None else {"velocity_mps": velocity})})
    except InputError as e:
        raise InputError(f"{where}: {e}") from None
    by_key = {key: f.name for f, key in zip(fields(Physics), PHYSICS_FIELDS)}
    physics = {by_key[k]: getattr(problem, by_key[k]) for k in given}
    return physics, (None if velocity is None else problem.velocity)


def dump(physics: Physics, velocity: Optional[float], truing: Optional[dict] = None) -> dict:
    """The profile of ``physics`` and the muzzle speed ``velocity`` (a drag table file by its
    absolute path: a profile is read from anywhere)."""
    out = {"schema": SCHEMA, **{k: v for k, v in physics.to_json().items()
                                if k not in _unused(physics)}}
    if out.get("drag_table"):
        out["drag_table"] = os.path.abspath(out["drag_table"])
    if velocity is not None and math.isfinite(velocity):
        out["velocity_mps"] = float(velocity)
    if truing:
        out["truing"] = truing
    return out


def _unused(physics: Physics) -> set:
    """The fields that this drag model does not read (the dataclass's defaults would only
    mislead a reader of the profile: a G7 bullet of "mass 1 kg")."""
    if physics.drag == "none":
        return {"mass_kg", "diameter_m", "drag_coefficient", "linear_drag_kgps", "form_factor"}
    if physics.drag == "linear":
        return {"diameter_m", "drag_coefficient", "form_factor"}
    if physics.drag == "quadratic":
        return {"linear_drag_kgps", "form_factor"}
    unused = {"linear_drag_kgps", "drag_coefficient"}
    if physics.ballistic_coefficient is not None:
        unused |= {"mass_kg", "diameter_m", "form_factor"}
    return unused


def save(path: str, profile: dict) -> None:
    """Write ``profile`` to ``path`` (JSON, finite numbers only)."""
    text = json.dumps(profile, indent=2, allow_nan=False) + "\n"
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise InputError(f"--save {path}: cannot write it: {e.strerror or e}") from None
