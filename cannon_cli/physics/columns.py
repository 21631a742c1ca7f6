"""Many problems as columns: arrays of shape (N,), one entry per problem, and the one route from
the physics of problems to the model's numbers (`Columns.params`).

This is the batch form the solver works in. `solve_many` turns `Problem` objects into `Columns`;
a caller with arrays of targets (a sweep, a firing table, a million targets) skips the objects
and calls `aim.driver.solve_columns` directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Sequence

import numpy as np

from ..problem import STANDARD_GRAVITY, Physics, Problem
from .medium import drag_factor, factor, medium_of
from .field import earth_rotation
from .model import Lateral, Params

KINDS = ("angle", "speed", "both")


@dataclass(frozen=True, eq=False)
class Columns:
    """N problems. SI units, angles in degrees; NaN where a problem leaves a value unset
    (``angle_deg``, ``velocity_mps``, ``max_velocity_mps``). ``medium`` holds indices into
    ``media``, the distinct `medium.Medium` (drag model, Cd table, air) of the problems;
    ``drag_k`` and ``drag_c`` are each problem's drag factors (see `model.Params`)."""

    distance: np.ndarray
    target_height: np.ndarray
    launch_height: np.ndarray
    gravity: np.ndarray
    wind: np.ndarray
    medium: np.ndarray
    drag_k: np.ndarray
    drag_c: np.ndarray
    angle_deg: np.ndarray
    velocity_mps: np.ndarray
    high: np.ndarray
    max_velocity_mps: np.ndarray
    media: tuple = ()
    #: the lateral inputs (`Problem`): crosswind (m/s), target offset (m), latitude and bearing
    #: (deg; NaN latitude: the Earth's rotation is off); None: all 2-D
    crosswind: object = None
    target_offset: object = None
    latitude: object = None
    bearing: object = None
    #: the elevation offset of each problem (deg, `Physics.elevation_offset`: the shot leaves
    #: at the elevation set plus it); None: 0 for all
    elevation_offset: object = None

    @property
    def three(self) -> np.ndarray:
        """Per problem, whether it is three-dimensional (`Problem.three_d`)."""
        if self.crosswind is None:
            return np.zeros(self.size, dtype=bool)
        return (self.crosswind != 0) | (self.target_offset != 0) | np.isfinite(self.latitude)

    @property
    def offset_rad(self) -> np.ndarray:
        """Per problem, the elevation offset (rad; 0 where none): the shot leaves at the
        elevation set plus it."""
        if self.elevation_offset is None:
            return np.zeros(self.size)
        return np.radians(self.elevation_offset)

    @property
    def size(self) -> int:
        return self.distance.shape[0]

    @property
    def kind(self) -> np.ndarray:
        """Per problem, what is unknown: 0 the angle (speed fixed), 1 the speed (angle fixed),
        2 both; `KINDS` names them."""
        # 0 where the speed is fixed, else 2 less 1 where the angle is (arithmetic on bytes:
        # faster than masked assignments on a million problems)
        angle = np.isfinite(self.angle_deg).view(np.int8)
        speed = np.isfinite(self.velocity_mps).view(np.int8)
        return (2 - angle) * (1 - speed)

    @property
    def drag(self) -> list:
        """The drag model's name of each problem."""
        return [self.media[i].drag for i in self.medium]

    def groups(self) -> list:
        """[(medium, kind name, indices, three)] of the problems that can be solved together:
        one drag model and air, one kind of unknowns, all 2-D or all 3-D (``three``)."""
        kinds = self.kind
        # (each pass over a column of a million problems reads 8 MB: ~1 ms here)
        codes = [0] if len(self.media) == 1 else \
            [int(self.medium[0])] if (self.medium == self.medium[0]).all() else \
            np.unique(self.medium).tolist()
        three = self.three
        flats = ((~three, False), (three, True)) if three.any() else ((None, False),)
        out = []
        for code_m in codes:
            same = None if len(codes) == 1 else (self.medium == code_m)
            medium = self.media[code_m]
            for code, name in enumerate(KINDS):
                mask = kinds == code if same is None else same & (kinds == code)
                for flat, is_three in flats:
                    sel = mask if flat is None else mask & flat
                    if sel.any():
                        out.append((medium, name, np.flatnonzero(sel), is_three))
        return out

    def take(self, index) -> "Columns":
        if isinstance(index, np.ndarray) and index.dtype.kind in "iu" and index.size == self.size:
            return self  # sorted unique indices of full length: all of it
        pick = lambda f: getattr(self, f.name)
        return Columns(**{f.name: pick(f) if f.name == "media" or pick(f) is None
                          else pick(f)[index] for f in fields(self)})

    def params(self, steps: int, grading=None, azimuth=None) -> Params:
        """The model's parameters for these shots, which share one medium (`groups` makes such
        columns); ``grading`` as `model.Params` takes it. Three-dimensional shots are fired at
        ``azimuth`` (rad, array (N,), kept by reference: the aim sets it in place; None: 0)."""
        if len(self.media) != 1 and not (self.medium == self.medium[0]).all():
            raise ValueError("Columns.params wants columns of one medium (see Columns.groups)")
        medium = self.media[int(self.medium[0])]
        return Params(medium.drag, self.distance, self.launch_height, self.gravity, self.wind,
                      self.drag_k, self.drag_c, steps, medium.table, medium.air, grading,
                      self.lateral(azimuth))

    def lateral(self, azimuth=None):
        """The `model.Lateral` of these shots if any is three-dimensional, else None."""
        if not self.three.any():
            return None
        n = self.size
        return Lateral(np.zeros(n) if azimuth is None else azimuth, self.crosswind.copy(),
                       self.omega())

    def omega(self):
        """The Earth's rotation in each shot's frame (`field.earth_rotation`; zero where a
        problem gives no latitude), or None where none does."""
        if self.latitude is None or not np.isfinite(self.latitude).any():
            return None
        spun = np.isfinite(self.latitude)
        lat = np.where(spun, self.latitude, 0.0)
        bearing = np.where(spun, self.bearing, 0.0)
        return tuple(np.where(spun, o, 0.0) for o in earth_rotation(lat, bearing))

    @classmethod
    def from_physics(cls, physics: Physics, distance, *, wind=None) -> "Columns":
        """Shots with one physics to the distances ``distance`` (array (N,)); ``wind`` (N,)
        replaces the physics' wind if given. What is unknown is left unset."""
        d = np.atleast_1d(np.asarray(distance, dtype=float))
        one = np.ones_like(d)
        opt = lambda v: math.nan if v is None else v
        m = medium_of(physics)
        nan = np.full(d.shape, math.nan)
        return cls(distance=d, target_height=0.0 * one, launch_height=physics.launch_height * one,
                   gravity=physics.gravity * one,
                   wind=physics.wind * one if wind is None else np.asarray(wind, dtype=float),
                   medium=np.zeros(d.shape, dtype=np.intp), media=(m,),
                   drag_k=physics.drag_k * one, drag_c=drag_factor(physics, m) * one,
                   angle_deg=nan, velocity_mps=nan, high=np.zeros(d.shape, dtype=bool),
                   max_velocity_mps=nan.copy(), crosswind=physics.crosswind * one,
                   target_offset=0.0 * one, latitude=opt(physics.latitude) * one,
                   bearing=opt(physics.bearing) * one)

    @classmethod
    def from_problems(cls, problems: Sequence[Problem]) -> "Columns":
        col = lambda f: np.array([f(p) for p in problems], dtype=float)
        opt = lambda v: math.nan if v is None else v
        media, codes, factors = {}, [], []
        for p in problems:
            m = medium_of(p)
            codes.append(media.setdefault(m, len(media)))
            factors.append(drag_factor(p, m))
        three = any(p.three_d for p in problems)
        lateral = dict(
            crosswind=col(lambda p: p.crosswind), target_offset=col(lambda p: p.target_offset),
            latitude=col(lambda p: opt(p.latitude)), bearing=col(lambda p: opt(p.bearing)),
        ) if three else {}
        return cls(
            **lateral,
            distance=col(lambda p: p.distance), target_height=col(lambda p: p.target_height),
            launch_height=col(lambda p: p.launch_height), gravity=col(lambda p: p.gravity),
            wind=col(lambda p: p.wind), medium=np.array(codes, dtype=np.intp),
            media=tuple(media), drag_k=col(lambda p: p.drag_k),
            drag_c=np.array(factors, dtype=float),
            angle_deg=col(lambda p: opt(p.angle)), velocity_mps=col(lambda p: opt(p.velocity)),
            high=np.array([p.arc == "high" for p in problems], dtype=bool),
            max_velocity_mps=col(lambda p: opt(p.max_velocity)),
            elevation_offset=(col(lambda p: p.elevation_offset)
                              if any(p.elevation_offset for p in problems) else None))

    @classmethod
    def of(cls, distance, *, target_height=0.0, launch_height=0.0, gravity=STANDARD_GRAVITY,
           wind=0.0, drag="none", mass=1.0, diameter=0.1, drag_coefficient=0.47,
           air_density=None, linear_drag=0.1, ballistic_coefficient=None, form_factor=1.0,
           angle=None, velocity=None, arc="low", max_velocity=None, crosswind=0.0,
           target_offset=0.0, latitude=None, bearing=None, **air) -> "Columns":
        """Columns from arrays or scalars (broadcast), named like `Problem`'s fields. Values are
        not validated here: they are the caller's arrays (`Problem` validates one record).
        ``drag`` may be an array of names; the air (``air_density``, ``drag_table``,
        ``atmosphere``, ``altitude``, ``temperature``, ``pressure``, ``humidity``) is one for
        all. ``ballistic_coefficient`` is in kg/m² (NaN: use mass and diameter). ``latitude``
        None or NaN: the Earth's rotation is off."""
        d = np.atleast_1d(np.asarray(distance, dtype=float))
        n = d.shape[0]
        full = lambda v: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
        fixed = lambda v: np.full(n, math.nan) if v is None else full(v)
        drag_arr = np.broadcast_to(np.asarray(drag, dtype="<U9"), (n,))
        names, codes = np.unique(drag_arr, return_inverse=True)
        media = tuple(medium_of(Physics(drag=str(name), air_density=air_density, **air))
                      for name in names)
        mass_arr = full(mass)
        k = np.where(drag_arr == "linear", full(linear_drag) / mass_arr, 0.0)
        c = np.zeros(n)
        bc = None if ballistic_coefficient is None else full(ballistic_coefficient)
        for code, m in enumerate(media):
            here = codes == code
            c[here] = factor(m, mass=mass_arr, diameter=full(diameter),
                             drag_coefficient=full(drag_coefficient), ballistic_coefficient=bc,
                             form_factor=full(form_factor))[here]
        # problems all 2-D by their scalars carry no lateral columns (None: `three` is then
        # all False without reading three columns of N, which a million problems take ~4 ms)
        flat = (np.ndim(crosswind) == 0 and crosswind == 0 and np.ndim(target_offset) == 0
                and target_offset == 0 and np.ndim(latitude) == 0
                and (latitude is None or math.isnan(latitude)))
        lateral = {} if flat else dict(crosswind=full(crosswind),
                                       target_offset=full(target_offset),
                                       latitude=fixed(latitude), bearing=fixed(bearing))
        return cls(distance=d.copy(), target_height=full(target_height),
                   launch_height=full(launch_height), gravity=full(gravity), wind=full(wind),
                   medium=codes.reshape(n).astype(np.intp), media=media, drag_k=k, drag_c=c,
                   angle_deg=fixed(angle),
                   velocity_mps=fixed(velocity),
                   high=np.broadcast_to(np.asarray(arc) == "high", (n,)).copy(),
                   max_velocity_mps=fixed(max_velocity), **lateral)
