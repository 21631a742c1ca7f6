"""The command line's readers of numbers: those of `units`, with a value they cannot read turned
into a usage error in our words (typer's own coercion answers in pydantic's: "Input should be a
valid number, unable to parse string as a number")."""

from __future__ import annotations

import functools
from typing import Optional

import typer

from .. import units


def _option(read):
    @functools.wraps(read)
    def parse(text):
        try:
            return read(text)
        except units.UnitError as e:
            raise typer.BadParameter(str(e)) from None

    return parse


length = _option(units.length)
speed = _option(units.speed)
mass = _option(units.mass)
angle = _option(units.angle)
number = _option(units.number)
wind_from = _option(units.wind_from)
percent = _option(units.percent)
rectangle = _option(units.rectangle)


def integer(lo: Optional[int] = None, hi: Optional[int] = None):
    """A whole number within [lo, hi] (`units.integer`)."""
    return _option(units.integer(lo, hi))


def span(kind: str, *, ordered: bool = True):
    """'LO:HI' of ``kind`` (`units.span`)."""
    return _option(units.span(kind, ordered=ordered))
