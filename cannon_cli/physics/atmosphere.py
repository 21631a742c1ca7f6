"""The ICAO standard atmosphere, adjusted to the weather at the launch site.

Air density rho and the speed of sound a as functions of the height h (m) above the launch site,
with their first and second derivatives in h for hand-derived tangents. Pure arithmetic plus
``np.power``/``np.sqrt``/``np.exp``/``np.where`` on the real part, so every function takes float
arrays and complex arrays (complex-step differentiation) alike.

Standard atmosphere. ICAO Doc 7488/3, Manual of the ICAO Standard Atmosphere (1993), identical to
ISO 2533:1975 and to the U.S. Standard Atmosphere 1976 below 32 km. Constants (ICAO's):

    T0 = 288.15 K, p0 = 101325 Pa, rho0 = 1.225 kg/m^3, L = 0.0065 K/m (troposphere lapse
    rate), g0 = 9.80665 m/s^2, gamma = 1.4, and the specific gas constant of dry air
    R = p0 / (rho0 T0) = 287.05287 J/(kg K)

(ICAO's R, which it also gives as R*/M with R* = 8.31432 J/(mol K) and M = 28.964420 kg/kmol:
the same to 1.4e-9. R is taken from rho0 so that the standard sea-level air is the 1.225 kg/m^3
everyone quotes, not 1.2249992 as from U.S. 1976's rounder M = 28.9644.)

    T(H) = T0 - L H,   p(H) = p0 (T/T0)^(g0 / (R L)),
    rho = p / (R T),  a = sqrt(gamma R T)

for the troposphere, geopotential altitude H = 0 .. 11 km; above it the lower stratosphere is
isothermal (T = 216.65 K) with p = p11 exp(-g0 (H - 11000) / (R T11)), valid to 20 km.
The pressure exponent g0 / (R L) = 5.25588. Altitudes are geopotential (the ICAO layers are
defined in it); for a ballistic flight the difference from geometric height is immaterial
(0.016 % of the height at 1 km).

Site weather. ``altitude`` (m) puts the launch site in that profile; ``temperature`` (°C) and
``pressure`` (hPa, station pressure: not reduced to sea level) replace the standard values at the
site, each defaulting to the standard value at the site's altitude. From the site the profile
follows the standard lapse rate, T(h) = T_s - L h, p = p_s (T/T_s)^5.25588 (dry air), up to the
tropopause at 11 km geopotential altitude, then stays isothermal at the temperature reached there.

Humidity. ``humidity`` (% relative humidity at the site) makes the air moist: the mole fraction
of water vapour is x_v = RH f p_sv(T) / p, with the saturation vapour pressure p_sv and the
enhancement factor f of the CIPM-2007 formula for the density of moist air (A. Picard, R. S. Davis,
M. Gläser, K. Fujii, Metrologia 45 (2008) 149-155; p_sv as in R. S. Davis, Metrologia 29 (1992)
67-70):

    p_sv = exp(A T^2 + B T + C + D / T) Pa,  A = 1.2378847e-5 K^-2, B = -1.9121316e-2 K^-1,
           C = 33.93711047, D = -6.3431645e3 K
    f    = 1.00062 + 3.14e-8 p/Pa + 5.6e-7 (t/°C)^2

Moist air is treated as an ideal mixture (the CIPM compressibility Z is left out, so dry air gives
ICAO's rho0 = 1.225 exactly): rho = p / (R T_v) with the virtual temperature
T_v = T / (1 - (1 - M_v/M) x_v), M_v = 0.01801528 kg/mol. The speed of sound of the ideal mixture
is a = sqrt(gamma_m p / rho) = sqrt(gamma_m R T_v), gamma_m = (7/2 + x_v/2) / (5/2 + x_v/2)
from the molar heat capacities (7/2 R and 5/2 R for dry air, 4 R and 3 R for water vapour): an
ideal-gas estimate, +0.37 % at 20 °C and 100 % RH (Cramer, J. Acoust. Soc. Am. 93 (1993) 2510,
has the accurate real-gas formula). Humid air is lighter, and sound is faster in it.
x_v is held constant along the flight (well-mixed vapour), so T_v/T is constant and the
hydrostatic profile of moist air is the dry one with the exponent n = g0 / (R L) divided by
T_v/T (and the isothermal scale height R T_v / g0); dry air gives back ICAO's exponent.

Derivatives. With theta = T(h)/T_s and n = g0 M / (R* L), in the troposphere

    rho = rho_s theta^(n-1),  d rho/dh = -(n-1) (L/T_s) rho / theta,
    a   = a_s theta^(1/2),    d a/dh   = -(L / (2 T_s)) a / theta,

and in the isothermal layer rho' = -rho / H_s (H_s = R T / g0), a' = 0.
"""

from __future__ import annotations

import cmath
import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..errors import InputError
from ..problem import SITE_LIMITS

# ICAO standard atmosphere constants (ICAO Doc 7488/3)
T0 = 288.15  #: sea-level temperature (K)
P0 = 101325.0  #: sea-level pressure (Pa)
RHO0 = 1.225  #: sea-level density (kg/m^3)
LAPSE = 0.0065  #: troposphere temperature lapse rate (K/m)
R_STAR = 8.31432  #: universal gas constant as ICAO defines it (J/(mol K))
G0 = 9.80665  #: standard gravity (m/s^2)
GAMMA = 1.4  #: ratio of specific heats of air
TROPOPAUSE = SITE_LIMITS["altitude"][1]  #: geopotential altitude of the tropopause (m)
CEILING = 20000.0  #: top of the lower stratosphere, the model's upper limit (m)
FLOOR = SITE_LIMITS["altitude"][0]  #: lowest altitude the ICAO tables cover (m)
KELVIN = 273.15  #: 0 °C in K

#: specific gas constant of dry air p0 / (rho0 T0) (J/(kg K)) = 287.05287, ICAO's R
R_AIR = P0 / (RHO0 * T0)
#: molar mass of dry air R*/R (kg/mol) = 0.028964420, ICAO's M
M_AIR = R_STAR / R_AIR
#: pressure exponent g0 / (R L) = 5.25588
EXPONENT = G0 / (R_AIR * LAPSE)
#: sea-level speed of sound (m/s) = 340.294
A0 = math.sqrt(GAMMA * R_AIR * T0)

# Water vapour (CIPM-2007)
M_WATER = 0.01801528  #: molar mass of water (kg/mol)
_SVP = (1.2378847e-5, -1.9121316e-2, 33.93711047, -6.3431645e3)
_ENH = (1.00062, 3.14e-8, 5.6e-7)


def standard_temperature(altitude):
    """ICAO temperature (K) at geopotential altitude (m), troposphere and lower stratosphere."""
    h = np.asarray(altitude)
    return T0 - LAPSE * np.where(np.real(h) < TROPOPAUSE, h, TROPOPAUSE)


def standard_pressure(altitude):
    """ICAO pressure (Pa) at geopotential altitude (m), troposphere and lower stratosphere."""
    h = np.asarray(altitude)
    below = np.real(h) < TROPOPAUSE
    t = T0 - LAPSE * np.where(below, h, TROPOPAUSE)
    p = P0 * np.power(t / T0, EXPONENT)
    t11 = T0 - LAPSE * TROPOPAUSE
    p11 = P0 * (t11 / T0) ** EXPONENT
    above = p11 * np.exp(-(G0 / (R_AIR * t11)) * (np.where(below, TROPOPAUSE, h) - TROPOPAUSE))
    return np.where(below, p, above)


def standard_density(altitude):
    """ICAO density (kg/m^3) at geopotential altitude (m)."""
    return standard_pressure(altitude) / (R_AIR * standard_temperature(altitude))


def standard_speed_of_sound(altitude):
    """ICAO speed of sound (m/s) at geopotential altitude (m)."""
    return np.sqrt(GAMMA * R_AIR * standard_temperature(altitude))


def saturation_vapour_pressure(temperature_k):
    """Saturation vapour pressure over water (Pa) at T (K): Davis (1992) as in CIPM-2007."""
    a, b, c, d = _SVP
    t = temperature_k
    return np.exp(a * t * t + b * t + c + d / t)


def vapour_mole_fraction(temperature_k, pressure_pa, humidity_pct):
    """Mole fraction of water vapour x_v = RH f(p, t) p_sv(T) / p (CIPM-2007)."""
    t_c = temperature_k - KELVIN
    f = _ENH[0] + _ENH[1] * pressure_pa + _ENH[2] * t_c * t_c
    return (humidity_pct / 100.0) * f * saturation_vapour_pressure(temperature_k) / pressure_pa


class Derivs(NamedTuple):
    """A quantity and its first and second derivatives with respect to height (per m, per m^2)."""

    value: np.ndarray
    d1: np.ndarray
    d2: np.ndarray


@dataclass(frozen=True)
class Atmosphere:
    """The ICAO standard atmosphere seen from a launch site, with the site's weather.

    ``altitude`` (m, geopotential) of the site; ``temperature`` (°C) and ``pressure`` (hPa,
    station) at the site, None for the standard value at that altitude; ``humidity`` (%).
    Methods take the height ``h`` (m) above the site: float or complex arrays of any shape.
    """

    altitude: float = 0.0
    temperature: float | None = None
    pressure: float | None = None
    humidity: float = 0.0

    t_site: float = field(init=False, repr=False)  #: K
    p_site: float = field(init=False, repr=False)  #: Pa
    x_vapour: float = field(init=False, repr=False)  #: water-vapour mole fraction
    rho_site: float = field(init=False, repr=False)  #: kg/m^3
    a_site: float = field(init=False, repr=False)  #: m/s
    h_trop: float = field(init=False, repr=False)  #: height of the tropopause above the site (m)
    exponent: float = field(init=False, repr=False)  #: pressure exponent of moist air, n T/T_v
    scale_height: float = field(init=False, repr=False)  #: R T_v / g0 at the tropopause (m)

    def __post_init__(self):
        alt, temp, pres, hum = self.altitude, self.temperature, self.pressure, self.humidity
        limit = lambda name, value: (math.isfinite(value)
                                     and SITE_LIMITS[name][0] <= value <= SITE_LIMITS[name][1])
        if not limit("altitude", alt):
            raise InputError(f"must be within {FLOOR:g}..{TROPOPAUSE:g} m, got {alt:g}",
                             field="altitude_m")
        t_std = float(standard_temperature(alt))
        if temp is None:
            t_site = t_std
        else:
            if not limit("temperature", temp):
                raise InputError(f"must be within -100..70 °C, got {temp:g}",
                                 field="temperature_c")
            t_site = temp + KELVIN
        if pres is None:
            p_site = float(standard_pressure(alt))
        else:
            if not limit("pressure", pres):
                raise InputError(f"must be within 100..1200 hPa, got {pres:g}",
                                 field="pressure_hpa")
            p_site = pres * 100.0
        if not limit("humidity", hum):
            raise InputError(f"must be within 0..100 %, got {hum:g}", field="humidity_pct")
        x_v = float(vapour_mole_fraction(t_site, p_site, hum))
        if x_v >= 0.5:
            raise InputError(f"{hum:g} % at {t_site - KELVIN:g} °C and {p_site / 100:g} hPa is "
                             "mostly steam: not air", field="humidity_pct")
        tv = t_site / (1.0 - (1.0 - M_WATER / M_AIR) * x_v)
        put = lambda name, value: object.__setattr__(self, name, float(value))
        put("t_site", t_site)
        put("p_site", p_site)
        put("x_vapour", x_v)
        put("rho_site", p_site / (R_AIR * tv))
        gamma_m = (3.5 + 0.5 * x_v) / (2.5 + 0.5 * x_v)  # 1.4 for dry air
        put("a_site", math.sqrt(gamma_m * R_AIR * tv))
        put("h_trop", TROPOPAUSE - alt)
        put("exponent", EXPONENT * t_site / tv)
        t_trop = t_site - LAPSE * (TROPOPAUSE - alt)
        put("scale_height", R_AIR * t_trop * (tv / t_site) / G0)

    # -- the profile ---------------------------------------------------------------------------

    # For a bullet or a shell the whole flight stays below the tropopause: then (checked with one
    # reduction) the stratosphere branch and its np.where/np.exp are skipped.

    def _theta(self, h):
        """(h as an array, theta = T/T_s clamped at the tropopause, mask below it or None if the
        whole array is below it)."""
        h = np.asarray(h)
        hr = h.real if np.iscomplexobj(h) else h
        if not h.size or hr.max() < self.h_trop:
            return h, 1.0 - (LAPSE / self.t_site) * h, None
        below = hr < self.h_trop
        return h, 1.0 - (LAPSE / self.t_site) * np.where(below, h, self.h_trop), below

    def _strat(self, h, below):
        """exp(-(h - h_trop)/H_s) above the tropopause (1 below it)."""
        if below is None:
            return 1.0
        return np.exp(-(np.where(below, self.h_trop, h) - self.h_trop) / self.scale_height)

    def temperature_at(self, h):
        """Air temperature (K) at height h (m) above the site."""
        _, theta, _ = self._theta(h)
        return self.t_site * theta

    def pressure_at(self, h):
        """Air pressure (Pa) at height h (m) above the site."""
        h, theta, below = self._theta(h)
        return self.p_site * np.power(theta, self.exponent) * self._strat(h, below)

    def density(self, h):
        """Air density (kg/m^3) at height h (m) above the site."""
        h, theta, below = self._theta(h)
        return self.rho_site * np.power(theta, self.exponent - 1.0) * self._strat(h, below)

    def speed_of_sound(self, h):
        """Speed of sound (m/s) at height h (m) above the site."""
        _, theta, _ = self._theta(h)
        return self.a_site * np.sqrt(theta)

    def evaluate(self, h, order: int = 0) -> tuple:
        """(rho, a) at height h, each a :class:`Derivs` (value, d/dh, d²/dh²) if order >= 1
        (d2 = None if order == 1), from one shared computation of T(h)/T_s."""
        if isinstance(h, (float, complex)) and h.real < self.h_trop:
            return self._evaluate_number(h, order)
        h, theta, below = self._theta(h)
        rho, a, r1, a1, r2, a2 = self._troposphere(theta, order, np.sqrt)
        rho = rho * self._strat(h, below)
        if order == 0:
            return rho, a
        if below is not None:
            ih = 1.0 / self.scale_height
            r1, a1 = np.where(below, r1, -ih), np.where(below, a1, 0.0)
            if order >= 2:
                r2, a2 = np.where(below, r2, ih * ih), np.where(below, a2, 0.0)
        return (Derivs(rho, r1 * rho, None if r2 is None else r2 * rho),
                Derivs(a, a1 * a, None if a2 is None else a2 * a))

    def _evaluate_number(self, h, order: int) -> tuple:
        """`evaluate` at one float or complex height below the tropopause, in plain Python
        arithmetic (`physics.scalar`'s loop calls it at every stage, where numpy's calls on
        0-d arrays cost ~10 us an evaluation): an ulp from the arrays' (Python's power)."""
        cplx = isinstance(h, complex)
        theta = 1.0 - (LAPSE / self.t_site) * (complex(h) if cplx else float(h))
        rho, a, r1, a1, r2, a2 = self._troposphere(theta, order, cmath.sqrt if cplx
                                                   else math.sqrt)
        if order == 0:
            return rho, a
        return (Derivs(rho, r1 * rho, None if r2 is None else r2 * rho),
                Derivs(a, a1 * a, None if a2 is None else a2 * a))

    def _troposphere(self, theta, order: int, sqrt) -> tuple:
        """(rho, a, d ln(rho)/dh, d ln(a)/dh, their second derivatives) below the tropopause at
        theta = T/T_s, on arrays or numbers (``sqrt`` numpy's or math's); the logarithmic
        derivatives None beyond ``order``."""
        rho = self.rho_site * theta ** (self.exponent - 1.0)
        a = self.a_site * sqrt(theta)
        if order == 0:
            return rho, a, None, None, None, None
        k = -LAPSE / self.t_site  # d theta / dh
        n1 = self.exponent - 1.0
        inv = 1.0 / theta
        r1, a1 = n1 * k * inv, 0.5 * k * inv
        r2 = a2 = None
        if order >= 2:
            r2, a2 = n1 * (n1 - 1.0) * k * k * inv * inv, -0.25 * k * k * inv * inv
        return rho, a, r1, a1, r2, a2

    def density_derivs(self, h) -> Derivs:
        """(rho, d rho/dh, d² rho/dh²) at height h above the site."""
        return self.evaluate(h, 2)[0]

    def sound_derivs(self, h) -> Derivs:
        """(a, d a/dh, d² a/dh²) at height h above the site."""
        return self.evaluate(h, 2)[1]


@dataclass(frozen=True)
class ConstantAir:
    """Air of constant density and speed of sound (``--atmosphere constant``), with the same
    methods as :class:`Atmosphere` (zero height derivatives)."""

    rho: float = RHO0
    a: float = A0

    def __post_init__(self):
        if not (math.isfinite(self.rho) and self.rho >= 0):
            raise InputError(f"air density must be finite and >= 0, got {self.rho:g}")
        if not (math.isfinite(self.a) and self.a > 0):
            raise InputError(f"speed of sound must be finite and > 0, got {self.a:g}")

    @property
    def rho_site(self) -> float:
        """Density at the site, as `Atmosphere` names it (everywhere the same)."""
        return self.rho

    @property
    def a_site(self) -> float:
        """Speed of sound at the site, as `Atmosphere` names it."""
        return self.a

    @classmethod
    def at_site(cls, site: Atmosphere) -> "ConstantAir":
        """The site's air, held constant with height."""
        return cls(site.rho_site, site.a_site)

    def _const(self, h, value):
        h = np.asarray(h)
        return value + 0.0 * h

    def density(self, h):
        return self._const(h, self.rho)

    def speed_of_sound(self, h):
        return self._const(h, self.a)

    def evaluate(self, h, order: int = 0) -> tuple:
        """(rho, a), as :class:`Derivs` with zero derivatives if order >= 1 (like Atmosphere)."""
        if order == 0:
            return self.density(h), self.speed_of_sound(h)
        zero = self._const(h, 0.0)
        d2 = zero if order >= 2 else None
        return (Derivs(self._const(h, self.rho), zero, d2),
                Derivs(self._const(h, self.a), zero, d2))

    def density_derivs(self, h) -> Derivs:
        return Derivs(self._const(h, self.rho), self._const(h, 0.0), self._const(h, 0.0))

    def sound_derivs(self, h) -> Derivs:
        return Derivs(self._const(h, self.a), self._const(h, 0.0), self._const(h, 0.0))


def icao(altitude: float = 0.0, temperature: float | None = None, pressure: float | None = None,
         humidity: float = 0.0) -> Atmosphere:
    """The ICAO atmosphere seen from a site at ``altitude`` (m) with optional weather overrides."""
    return Atmosphere(float(altitude), None if temperature is None else float(temperature),
                      None if pressure is None else float(pressure), float(humidity))
