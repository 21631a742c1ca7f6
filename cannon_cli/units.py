"""Command-line quantities with an optional unit suffix, for the units ballistics users quote:
``--velocity 2600fps``, ``--mass 175gr``, ``--diameter 0.308in``, ``--distance 1000yd``.

A bare number is SI (m/s, kg, m). Each parser returns SI; JSON input and output stay SI. The
conversion factors are exact by definition (international yard and pound, 1959).
"""

from __future__ import annotations

import re

import typer

FOOT = 0.3048
INCH = 0.0254
POUND = 0.45359237
GRAIN = POUND / 7000.0

SPEEDS = {"m/s": 1.0, "mps": 1.0, "fps": FOOT, "ft/s": FOOT, "km/h": 1000.0 / 3600.0,
          "mph": 1609.344 / 3600.0}
MASSES = {"kg": 1.0, "g": 1e-3, "gr": GRAIN, "grain": GRAIN, "grains": GRAIN, "lb": POUND}
LENGTHS = {"m": 1.0, "mm": 1e-3, "cm": 1e-2, "km": 1e3, "in": INCH, "ft": FOOT, "yd": 3 * FOOT}

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d].*)?$")


def _parser(units: dict, kind: str):
    names = ", ".join(units)

    def parse(text) -> float:
        if isinstance(text, (int, float)):
            return float(text)
        try:  # a bare number, nan and inf included: the problem's validation judges it
            return float(text)
        except ValueError:
            pass
        m = _NUMBER.match(str(text))
        unit = (m.group(2) or "").strip().lower() if m else None
        if m is None or (unit and unit not in units):
            raise typer.BadParameter(f"expected a {kind} as a number (SI) or with a unit "
                                     f"({names}), got {text!r}")
        return float(m.group(1)) * (units[unit] if unit else 1.0)

    parse.__name__ = kind
    return parse


speed = _parser(SPEEDS, "speed")
mass = _parser(MASSES, "mass")
length = _parser(LENGTHS, "length")
