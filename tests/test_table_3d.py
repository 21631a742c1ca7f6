"""`cannon table` in three dimensions (issue 11): with a crosswind or the Earth's rotation the
rows carry the windage (azimuth_deg, drift_m, lateral_miss_m) and the table for people shows it;
each row is `cannon solve`'s answer at its distance; a 2-D table is as it was."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import nl, run

from cannon_cli.io.writers import CSV_COLUMNS

#: the .308 of tests/test_real_air.py and benchmarks/reference_308_3d.py
G7_308 = ("--drag", "g7", "--bc", "0.223", "--velocity", "2600fps", "--atmosphere", "icao")
#: 10 mph from the left, blowing toward the right
CROSSWIND = ("--crosswind", "4.4704")
DISTANCES = (100.0, 400.0, 700.0, 1000.0)
RANGE = ("--from", "100", "--to", "1000", "--step", "300")
LATERAL = ("azimuth_deg", "lateral_miss_m", "drift_m", "impact_lateral_velocity_mps")


def table(*args: str) -> list[dict]:
    res = run("table", *RANGE, *args, "--nl", "-q")
    assert res.exit_code == 0, res.output
    return nl(res.stdout)


@pytest.fixture(scope="module")
def windy() -> list[dict]:
    return table(*G7_308, *CROSSWIND)


def test_rows_are_the_answers_of_solve(windy):
    assert [r["problem"]["distance_m"] for r in windy] == list(DISTANCES)
    for row, d in zip(windy, DISTANCES):
        res = run("solve", "--distance", repr(d), *G7_308, *CROSSWIND, "--json", "-q")
        assert res.exit_code == 0, res.output
        one = json.loads(res.stdout)
        assert row["problem"] == one["problem"]
        for key in ("angle_deg", "azimuth_deg", "drift_m"):
            assert row[key] == pytest.approx(one[key], rel=1e-9), key


def test_drift_grows_with_distance_and_is_corrected_into_the_wind(windy):
    drift = [r["drift_m"] for r in windy]
    assert 0 < drift[0] and all(a < b for a, b in zip(drift, drift[1:]))
    assert all(r["azimuth_deg"] < 0 for r in windy)  # the wind pushes right: aim left
    assert all(abs(r["lateral_miss_m"]) < 1e-6 * r["problem"]["distance_m"] for r in windy)


def test_the_table_for_people_shows_the_windage(windy):
    res = run("table", *RANGE, *G7_308, *CROSSWIND, "--units", "metric", "-q")
    assert res.exit_code == 0, res.output
    title, names, units, *rows = res.stdout.splitlines()
    assert "crosswind +4.4704 m/s" in title
    assert names.split()[2:5] == ["azimuth"] * 3 and "drift" in names and "side miss" in names
    assert units.split()[2:6] == ["(°)", "(MOA)", "(mrad)", "(m)"]
    assert len(rows) == len(DISTANCES)
    for line, r in zip(rows, windy):
        cells = line.split()
        assert float(cells[2]) == pytest.approx(r["azimuth_deg"], abs=5e-5)
        assert float(cells[3]) == pytest.approx(r["azimuth_deg"] * 60, abs=5e-3)
        assert float(cells[5]) == pytest.approx(r["drift_m"], abs=5e-4)


def test_a_two_dimensional_table_has_no_windage():
    rows = table(*G7_308)
    for r in rows:
        assert not set(LATERAL[1:]) & set(r)
        assert r["azimuth_deg"] == 0.0  # the one lateral key every solution has
        assert "crosswind_mps" not in r["problem"] and "latitude_deg" not in r["problem"]
    res = run("table", *RANGE, *G7_308, "-q")
    assert "azimuth" not in res.stdout and "drift" not in res.stdout
    assert "crosswind" not in res.stdout


def test_the_earth_turning_gives_a_windage():
    rows = table(*G7_308, "--latitude", "45", "--azimuth", "90")
    assert all(r["drift_m"] > 0 and r["azimuth_deg"] < 0 for r in rows)  # north: to the right
    assert rows[-1]["problem"]["latitude_deg"] == 45.0
    human = run("table", *RANGE, *G7_308, "--latitude", "45", "--azimuth", "90", "-q")
    assert "latitude 45°, bearing 90°" in human.stdout and "drift" in human.stdout


def test_csv_carries_the_new_columns():
    res = run("table", *RANGE, *G7_308, *CROSSWIND, "--csv", "-q")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert list(CSV_COLUMNS[-9:]) == ["azimuth_deg", *LATERAL[1:], "crosswind_mps",
                                      "target_offset_m", "latitude_deg", "bearing_deg",
                                      "elevation_offset_deg"]
    assert float(rows[-1]["drift_m"]) > float(rows[0]["drift_m"]) > 0
    assert float(rows[0]["crosswind_mps"]) == 4.4704 and rows[0]["latitude_deg"] == ""
    flat = list(csv.DictReader(io.StringIO(run("table", *RANGE, *G7_308, "--csv", "-q").stdout)))
    assert [flat[0][k] for k in (*LATERAL, "crosswind_mps", "target_offset_m")] == ["0.0"] * 6


def test_a_bad_wind_direction_is_a_usage_error():
    res = run("table", *RANGE, *G7_308, "--wind-speed", "10mph", "--wind-from", "banana")
    assert res.exit_code == 2 and res.stdout == ""
    assert "Traceback" not in res.output
    assert "Invalid value for '--wind-from'" in res.stderr and "'banana'" in res.stderr
