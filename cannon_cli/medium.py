"""From the physics of a problem to the numbers the model integrates: the drag model, the air
and the projectile's drag factor.

The model's drag is a_drag = -kappa v_rel with, for every drag that involves air,

    kappa = c * sigma(y) * |v_rel| * Cd(|v_rel| / a(y))

where c = rho_site Cd A / 2m for quadratic drag (Cd constant, so the table is None) and
c = rho_site K for a drag table, K = pi / (8 BC) for a G-model ballistic coefficient BC (kg/m²)
or K = i A / 2m for mass, diameter and form factor i (`dragtable.bc_scale`, `form_scale`).
sigma(y) = rho(y) / rho_site and a(y) come from the atmosphere: 1 and the site's speed of sound
for a constant atmosphere, the ICAO profile from the site for "icao".

The `Medium` (drag name, table, air) is shared by a whole group of shots; c is per shot, so a
batch of different bullets in the same air is one group.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import atmosphere, dragtable
from .problem import TABLE_DRAGS, Physics


@dataclass(frozen=True)
class Medium:
    """What a group of shots shares: the drag model's name, its Cd(Mach) table (None for
    constant Cd), and the air (None when it plays no part: vacuum, linear drag, or quadratic
    drag in a constant atmosphere, whose density is folded into c)."""

    drag: str
    table: Optional[dragtable.DragTable] = None
    air: Optional[object] = None  # atmosphere.Atmosphere or atmosphere.ConstantAir
    rho_site: float = float("nan")  #: air density at the launch site (kg/m^3)
    sound_site: float = float("nan")  #: speed of sound at the launch site (m/s)

    def __hash__(self):
        return hash((self.drag, id(self.table), self.air))

    def __eq__(self, other):
        return (isinstance(other, Medium) and self.drag == other.drag
                and self.table is other.table and self.air == other.air)


VACUUM = Medium("none")
LINEAR = Medium("linear")


def site_air(physics: Physics) -> atmosphere.Atmosphere:
    """The ICAO atmosphere seen from the launch site, with the site's weather."""
    return _site(physics.altitude, physics.temperature, physics.pressure, physics.humidity)


@functools.lru_cache(maxsize=64)
def _site(altitude, temperature, pressure, humidity) -> atmosphere.Atmosphere:
    return atmosphere.icao(altitude, temperature, pressure, humidity)


def site_density(physics: Physics) -> float:
    """The air density at the launch site (kg/m^3): ``air_density`` if given, else the
    weather's."""
    if physics.air_density is not None:
        return physics.air_density
    return site_air(physics).rho_site


def medium_of(physics: Physics) -> Medium:
    """The `Medium` of a problem's physics (cached: problems with the same air share one)."""
    if physics.drag == "none":
        return VACUUM
    if physics.drag == "linear":
        return LINEAR
    # a table file is known by its absolute path and modification time: a relative name means
    # another file in another directory, and a rewritten file is read again
    table = None
    if physics.drag_table is not None:
        path = os.path.abspath(physics.drag_table)
        table = (path, _mtime(path))
    return _medium(physics.drag, table, physics.atmosphere, physics.altitude,
                   physics.temperature, physics.pressure, physics.humidity,
                   physics.air_density)


@functools.lru_cache(maxsize=64)
def _medium(drag, table_file, kind, altitude, temperature, pressure, humidity, rho) -> Medium:
    site = _site(altitude, temperature, pressure, humidity)
    rho_site = site.rho_site if rho is None else rho
    table = None
    if drag == "table":
        table = _table_file(*table_file)
    elif drag in TABLE_DRAGS:
        table = dragtable.bundled(drag)
    if kind == "icao":
        air = site
    elif table is not None:
        air = atmosphere.ConstantAir(rho_site, site.a_site)
    else:
        air = None  # quadratic drag in constant air: the historical closed path
    return Medium(drag, table, air, float(rho_site), float(site.a_site))


def _mtime(path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return math.nan  # from_csv reports the error


@functools.lru_cache(maxsize=16)
def _table_file(path: str, mtime: float) -> dragtable.DragTable:
    return dragtable.from_csv(path)


def drag_factor(physics: Physics, medium: Optional[Medium] = None) -> float:
    """c in kappa = c sigma |v| Cd(M) (1/m), zero for vacuum and linear drag."""
    medium = medium_of(physics) if medium is None else medium
    if physics.drag == "quadratic":
        area = math.pi * physics.diameter ** 2 / 4.0
        return medium.rho_site * physics.drag_coefficient * area / (2.0 * physics.mass)
    if physics.drag in TABLE_DRAGS:
        return float(medium.rho_site * scale(physics.ballistic_coefficient, physics.mass,
                                             physics.diameter, physics.form_factor))
    return 0.0


def scale(bc_si, mass, diameter, form_factor):
    """K (m²/kg) of a table drag: pi / (8 BC) for a ballistic coefficient in kg/m², else
    i A / 2m (array-friendly: NaN BC means "use mass and diameter")."""
    form = form_factor * (np.pi * diameter * diameter / 4.0) / (2.0 * mass)
    if bc_si is None:
        return form
    bc = np.asarray(bc_si, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isfinite(bc), np.pi / (8.0 * bc), form)


#: 1 lb/in² in kg/m² (the G-model ballistic coefficient's unit)
LB_PER_IN2 = dragtable.LB_PER_IN2


def params(physics: Physics, distance, *, wind=None, steps: int = 24):
    """Model parameters for shots with one physics to the distances ``distance`` (array (N,));
    ``wind`` (N,) replaces the physics' wind if given."""
    from .model import Params  # numpy-heavy; this module is imported by the CLI lazily anyway

    d = np.atleast_1d(np.asarray(distance, dtype=float))
    one = np.ones_like(d)
    m = medium_of(physics)
    return Params(physics.drag, d, physics.launch_height * one, physics.gravity * one,
                  physics.wind * one if wind is None else wind, physics.drag_k * one,
                  drag_factor(physics, m) * one, steps, m.table, m.air)
