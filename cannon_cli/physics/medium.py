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
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..problem import TABLE_DRAGS, Physics
from ..errors import InputError
from . import atmosphere, correction, dragtable


@dataclass(frozen=True)
class Medium:
    """What a group of shots shares: the drag model's name, its Cd(Mach) table (None for
    constant Cd), and the air (None when it plays no part: vacuum, linear drag, or quadratic
    drag in a constant atmosphere, whose density is folded into c). Tables compare by
    identity: one file, one table (`_table_file` caches them)."""

    drag: str
    table: Optional[dragtable.DragTable] = None
    air: Optional[object] = None  # atmosphere.Atmosphere or atmosphere.ConstantAir
    #: air density at the launch site (kg/m^3); folded into each shot's c, so not the group's
    rho_site: float = field(default=float("nan"), compare=False)


VACUUM = Medium("none")
LINEAR = Medium("linear")


@functools.lru_cache(maxsize=64)
def _site(altitude, temperature, pressure, humidity) -> atmosphere.Atmosphere:
    return atmosphere.icao(altitude, temperature, pressure, humidity)


def site_air(physics: Physics) -> atmosphere.Atmosphere:
    """The ICAO atmosphere from the launch site's weather (its ``t_site``, ``p_site``, ...)."""
    return _site(physics.altitude, physics.temperature, physics.pressure, physics.humidity)


def site_density(physics: Physics) -> float:
    """The air density at the launch site (kg/m^3): ``air_density`` if given, else the
    weather's."""
    if physics.air_density is not None:
        return physics.air_density
    return _site(physics.altitude, physics.temperature, physics.pressure,
                 physics.humidity).rho_site


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
                   physics.air_density, physics.cd_correction)


@functools.lru_cache(maxsize=64)
def _medium(drag, table_file, kind, altitude, temperature, pressure, humidity, rho,
            cd_correction=None) -> Medium:
    site = _site(altitude, temperature, pressure, humidity)
    rho_site = site.rho_site if rho is None else rho
    table = None
    if drag == "table":
        table = _table_file(*table_file)
    elif drag in TABLE_DRAGS:
        table = dragtable.bundled(drag)
    if cd_correction is not None:
        table = _corrected(table, *cd_correction)
    if kind == "icao":
        air = site
    elif table is not None:
        air = atmosphere.ConstantAir(rho_site, site.a_site)
    else:
        air = None  # quadratic drag in constant air: the historical closed path
    return Medium(drag, table, air, float(rho_site))


def _corrected(table, mach, coefficients, width) -> dragtable.DragTable:
    """``table`` times a Cd correction (`correction.CorrectedTable`), refused if the factor on
    Cd falls below 0.05 anywhere (a grid over the bumps and 4 widths beyond)."""
    curve = correction.Curve(mach, width)
    grid = np.linspace(mach[0] - 4 * width, mach[-1] + 4 * width, 801)
    low = float(np.min(curve.factor(grid, coefficients)[0]))
    if not low > 0.05:
        raise InputError(f"cd_correction: the factor on Cd falls to {low:.3g}; it must stay "
                         "above 0.05")
    return correction.CorrectedTable.of(table, curve, coefficients)


def _mtime(path) -> float:
    try:
        return os.stat(path).st_mtime
    except (OSError, ValueError):  # ValueError: a NUL or a lone surrogate in the name
        return math.nan  # from_csv reports the error


@functools.lru_cache(maxsize=16)
def _table_file(path: str, mtime: float) -> dragtable.DragTable:
    return dragtable.from_csv(path)


def drag_factor(physics: Physics, medium: Optional[Medium] = None) -> float:
    """c in kappa = c sigma |v| Cd(M) (1/m), zero for vacuum and linear drag."""
    medium = medium_of(physics) if medium is None else medium
    return float(factor(medium, mass=physics.mass, diameter=physics.diameter,
                        drag_coefficient=physics.drag_coefficient,
                        ballistic_coefficient=physics.ballistic_coefficient,
                        form_factor=physics.form_factor))


def factor(medium: Medium, *, mass, diameter, drag_coefficient, ballistic_coefficient,
           form_factor):
    """c (1/m) for projectiles in ``medium``, scalars or arrays: rho_site Cd A / 2m for
    quadratic drag (a constant Cd is a form factor on Cd = 1), rho_site K for a table."""
    if medium.drag == "quadratic":
        return medium.rho_site * dragtable.form_scale(mass, diameter, drag_coefficient)
    if medium.table is not None:
        return medium.rho_site * scale(ballistic_coefficient, mass, diameter, form_factor)
    return 0.0 * np.asarray(mass, dtype=float)


def scale(bc_si, mass, diameter, form_factor):
    """K (m²/kg) of a table drag: `dragtable.bc_scale` for a ballistic coefficient in kg/m²,
    else `dragtable.form_scale` (array-friendly: a NaN BC means "use mass and diameter")."""
    form = dragtable.form_scale(mass, diameter, form_factor)
    if bc_si is None:
        return form
    bc = np.asarray(bc_si, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isfinite(bc), dragtable.bc_scale(bc), form)
