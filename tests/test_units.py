"""Unit suffixes on the command line (--velocity 2600fps, --mass 175gr, ...): SI underneath."""

from __future__ import annotations

import pytest
import typer
from conftest import run
from conftest import solved as solve_json

from cannon_cli import units
from cannon_cli.cli import parsers


@pytest.mark.parametrize("parse,text,si", [
    (units.speed, "2600fps", 792.48),
    (units.speed, "2600 ft/s", 792.48),
    (units.speed, "36km/h", 10.0),
    (units.speed, "150", 150.0),
    (units.speed, "150m/s", 150.0),
    (units.mass, "175gr", 175 * 64.79891e-6),
    (units.mass, "7000gr", 0.45359237),
    (units.mass, "20g", 0.02),
    (units.length, "0.308in", 0.0078232),
    (units.length, "1000yd", 914.4),
    (units.length, "7.62mm", 0.00762),
    (units.length, "1e3", 1000.0),
    (units.length, "-5", -5.0),
])
def test_parsers_give_si(parse, text, si):
    assert parse(text) == pytest.approx(si, rel=1e-12)


@pytest.mark.parametrize("text", ["fast", "12parsec", "in", "3 4 m", ""])
def test_unknown_units_are_rejected(text):
    with pytest.raises(typer.BadParameter, match="with a unit"):
        parsers.speed(text)
    with pytest.raises(units.UnitError, match="with a unit"):  # the library's, without typer
        units.speed(text)


def test_cli_units_equal_si():
    a = solve_json("--distance", "1000yd", "--velocity", "2600fps", "--drag", "g7",
                   "--mass", "175gr", "--diameter", "0.308in")
    b = solve_json("--distance", "914.4", "--velocity", "792.48", "--drag", "g7",
                   "--mass", str(175 * 64.79891e-6), "--diameter", "0.0078232")
    assert a["angle_deg"] == pytest.approx(b["angle_deg"], rel=1e-12)
    # JSON stays SI
    assert a["problem"]["distance_m"] == pytest.approx(914.4)
    assert a["problem"]["mass_kg"] == pytest.approx(175 * 64.79891e-6, rel=1e-12)
    assert a["velocity_mps"] == pytest.approx(792.48)


def test_cli_bad_unit_is_a_usage_error_in_one_message():
    res = run("solve", "--distance", "100", "--velocity", "3warp")
    assert res.exit_code == 2
    assert "--velocity" in res.output and "Traceback" not in res.output
