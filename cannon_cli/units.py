"""Quantities with an optional unit suffix, for the units ballistics users quote: on the command
line (``--velocity 2600fps``, ``--mass 175gr``, ``--target-height 10ft``, ``--wind 10mph``,
``--angle 5mil``, ``--distance 1000yd``) and in batch records (``"distance_m": "1000yd"``).

A bare number is SI (m/s, kg, m) or, for angles, degrees. Every parser returns SI (degrees for
angles); JSON output stays SI. The conversion factors are exact by definition (international
yard and pound, 1959). Angles: ``mil`` is the NATO mil, 1/6400 of a turn (as artillery and
py-ballisticcalc count it); ``mrad`` is the milliradian (what scopes marked "mil" click in);
``moa`` is the minute of angle, 1/60 degree.

`parse` reads one quantity; `length`, `speed`, `mass`, `angle`, `number`, `integer` and `span`
are ready-made readers of one kind. All raise `UnitError` (a ValueError) whose message says what
was expected, in our words; the command line turns it into a usage error (`cli.parsers`). What
they return is a `Quantity`: a float that remembers the unit it was given in, so that the human
output can answer in the units the question was asked in (`system`).
"""

from __future__ import annotations

import math
import re
from typing import Optional

FOOT = 0.3048
INCH = 0.0254
YARD = 0.9144
POUND = 0.45359237
#: 1 lb/in² in kg/m²: the G-model ballistic coefficient's unit (703.0695796...)
LB_PER_IN2 = POUND / INCH ** 2
GRAIN = POUND / 7000.0
MILE = 1609.344

SPEEDS = {"m/s": 1.0, "mps": 1.0, "fps": FOOT, "ft/s": FOOT, "km/h": 1000.0 / 3600.0,
          "mph": MILE / 3600.0}
MASSES = {"kg": 1.0, "g": 1e-3, "gr": GRAIN, "grain": GRAIN, "grains": GRAIN, "lb": POUND}
LENGTHS = {"m": 1.0, "mm": 1e-3, "cm": 1e-2, "km": 1e3, "in": INCH, "ft": FOOT, "yd": YARD}
#: in degrees
ANGLES = {"deg": 1.0, "°": 1.0, "rad": 180.0 / math.pi, "mrad": 0.18 / math.pi,
          "mil": 360.0 / 6400.0, "moa": 1.0 / 60.0}
KINDS = {"length": (LENGTHS, "m"), "speed": (SPEEDS, "m/s"), "mass": (MASSES, "kg"),
         "angle": (ANGLES, "°")}
#: the units of the imperial system among those of lengths and speeds
IMPERIAL = frozenset({"in", "ft", "yd", "fps", "ft/s", "mph"})

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d].*)?$")


class UnitError(ValueError):
    """A quantity that cannot be read; the message says what was expected."""


class Quantity(float):
    """A number read with a unit: its value is SI (degrees for angles); ``unit`` is the unit it
    was given in, lower case ('' for a bare number)."""

    unit: str = ""

    def __new__(cls, value: float, unit: str = "") -> "Quantity":
        q = super().__new__(cls, value)
        q.unit = unit
        return q


def expected(kind: str) -> str:
    """'a length: a number (m) or a number with a unit (m, mm, ...)'."""
    units, si = KINDS[kind]
    article = "an" if kind[0] in "aeiou" else "a"
    return f"{article} {kind}: a number ({si}) or a number with a unit ({', '.join(units)})"


def parse(text, kind: str) -> Quantity:
    """``text`` (a string such as '1000yd', '10 mph', '5mil', '300', or a number) in SI as a
    `Quantity`; `UnitError` if it is not a ``kind`` ('length', 'speed', 'mass', 'angle'). NaN
    and infinities pass (the problem's validation judges them), except a number too large for
    a float written out ('1e400yd'), which is out of range."""
    units = KINDS[kind][0]
    if isinstance(text, bool):
        raise UnitError(f"expected {expected(kind)}, got {text!r}")
    if isinstance(text, (int, float)):
        return Quantity(float(text))
    text = str(text)
    try:  # a bare number, nan and inf included
        return Quantity(_finite_or_named(text))
    except UnitError:
        raise
    except ValueError:
        pass
    m = _NUMBER.match(text)
    unit = (m.group(2) or "").strip().lower() if m else None
    if m is None or unit not in units:
        raise UnitError(f"expected {expected(kind)}, got {text!r}")
    value = float(m.group(1))
    if math.isinf(value):
        raise UnitError(f"{text!r} is out of range")
    return Quantity(value * units[unit], unit)


def _finite_or_named(text: str) -> float:
    """float(text), but a number that overflows ('1e400') is out of range, not infinity."""
    value = float(text)
    if math.isinf(value) and text.strip().lstrip("+-").lower() not in ("inf", "infinity"):
        raise UnitError(f"{text!r} is out of range")
    return value


def system(*values) -> Optional[str]:
    """'imperial' if some of ``values`` were given in imperial units (yd, ft, in, ft/s, mph) and
    none in metric ones, 'metric' if some were given in metric units, else None (bare numbers
    only, or nothing)."""
    given = {getattr(v, "unit", "") for v in values if v is not None} - {""}
    if not given:
        return None
    return "imperial" if given <= IMPERIAL else "metric"


# -- readers of one kind ------------------------------------------------------------------------

def _parser(kind: str):
    def read(text) -> Quantity:
        return parse(text, kind)

    read.__name__ = kind
    return read


length = _parser("length")
speed = _parser("speed")
mass = _parser("mass")
angle = _parser("angle")


def number(text) -> float:
    """A plain number (no unit), in our words when it is not one."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    try:
        return _finite_or_named(str(text))
    except UnitError:
        raise
    except ValueError:
        raise UnitError(f"expected a number, got {text!r}") from None


def integer(lo: Optional[int] = None, hi: Optional[int] = None):
    """A parser for a whole number within [lo, hi]."""
    def read(text) -> int:
        if isinstance(text, int) and not isinstance(text, bool):
            value = text
        else:
            try:
                value = int(str(text).strip())
            except ValueError:
                raise UnitError(f"expected a whole number, got {text!r}") from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = (f"from {lo} to {hi}" if lo is not None and hi is not None else
                      f"at least {lo}" if lo is not None else f"at most {hi}")
            raise UnitError(f"expected a whole number {bounds}, got {value}")
        return value

    read.__name__ = "integer"
    return read


def span(kind: str, *, ordered: bool = True):
    """A parser for 'LO:HI' (or one value for both) of ``kind``, both finite and, if
    ``ordered``, LO <= HI (else the command judges the order); a unit on HI alone applies to LO
    too ('100:500yd')."""
    def read(text) -> tuple:
        text = str(text)
        parts = text.split(":")
        if len(parts) > 2:
            raise UnitError(f"expected LO:HI, got {text!r}")
        lo_text, hi_text = parts[0], parts[-1]
        try:
            hi = parse(hi_text, kind)
            lo = parse(lo_text, kind)
            if not lo.unit and hi.unit and len(parts) == 2:
                lo = parse(f"{lo_text.strip()}{hi.unit}", kind)
        except UnitError as e:
            raise UnitError(f"expected LO:HI, each {expected(kind)}; {e}") from None
        if not (math.isfinite(lo) and math.isfinite(hi)) or (ordered and lo > hi):
            raise UnitError(f"expected LO:HI with LO <= HI, both finite, got {text!r}")
        return (lo, hi)

    read.__name__ = f"{kind} range"
    return read


# -- the direction a wind blows from ------------------------------------------------------------

_CLOCK = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*(?:o'?\s*clock|h)?\s*$", re.IGNORECASE)


def wind_from(text) -> float:
    """Where a wind blows from, relative to the line of fire, as degrees in py-ballisticcalc's
    convention: 0 from behind the shooter (a tailwind), 90 from the left, 180 from the target,
    270 from the right. Written either as those degrees (a number, or an angle with a unit:
    '90', '1600mil'), or as the shooter's clock ('3oclock', "9 o'clock", '10:30', '3h'; 12 o'clock
    is the target, 3 o'clock the right): clock h is 180 + 30 h degrees."""
    text = str(text)
    clock = _CLOCK.match(text)
    if clock and (clock.group(2) is not None or not re.fullmatch(r"\s*\d+\s*", text)):
        hours, minutes = int(clock.group(1)), int(clock.group(2) or 0)
        if not (1 <= hours <= 12 and minutes < 60):
            raise UnitError(f"expected a clock from 1 to 12 o'clock, got {text!r}")
        return Quantity((180.0 + 30.0 * (hours + minutes / 60.0)) % 360.0, "clock")
    try:
        return parse(text, "angle")
    except UnitError:
        raise UnitError(f"expected a direction: degrees from the line of fire (0 from behind, "
                        f"90 from the left) or a clock (3oclock: from the right, 10:30), got "
                        f"{text!r}") from None


def wind_components(speed: float, from_deg: float) -> tuple:
    """(downrange wind, crosswind) in m/s of a wind of ``speed`` from ``from_deg`` (`wind_from`):
    + toward the target and + toward the right."""
    a = math.radians(from_deg)
    # exactly 0 across a quarter turn (cos 90° is 6e-17 in floating point)
    snap = lambda c: 0.0 if abs(c) < 1e-15 else c
    return speed * snap(math.cos(a)), speed * snap(math.sin(a))


def percent(text) -> float:
    """A share written as a percentage, '1%' or '1' (both 1 %), as a fraction (0.01)."""
    body = str(text).strip()
    body = body[:-1] if body.endswith("%") else body
    try:
        return _finite_or_named(body) / 100.0
    except ValueError:
        raise UnitError(f"expected a percentage such as 1% or 0.5, got {text!r}") from None


def rectangle(text) -> tuple:
    """'WIDTHxHEIGHT' of lengths ('0.5x0.5', '20inx30in', '1x2ft'), in m."""
    parts = re.split(r"\s*[x×]\s*", str(text).strip(), flags=re.IGNORECASE)
    if len(parts) != 2:
        raise UnitError(f"expected WIDTHxHEIGHT, e.g. 0.5x0.5 or 20inx30in, got {text!r}")
    first, second = parts
    height = parse(second, "length")
    # '1x2ft': the first takes the second's unit when it has none
    width = (parse(f"{first}{height.unit}", "length") if height.unit and
             re.fullmatch(r"[-+.\d eE]+", first) else parse(first, "length"))
    return float(width), float(height)
