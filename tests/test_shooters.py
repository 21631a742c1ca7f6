"""What shooters expect: a sight above the bore, zeroed at a distance, and the answer as the
come-up from the zero in MOA and mrad (`cannon_cli.aim.sight`), checked against closed forms in
vacuum and against the independent DOP853 oracle of tests/reference.py with drag; and the
human output in yards and ft/s when the question was asked in them."""

from __future__ import annotations

import csv
import json
import math

import pytest
from conftest import run, solved
from scipy.optimize import brentq

from cannon_cli.io.writers import CSV_COLUMNS
from cannon_cli.problem import Problem
from reference import reference_height_at, vacuum_angles

V_308, BC_308 = 792.48, 0.223


# -- the come-up against independent computations -----------------------------------------------

@pytest.mark.parametrize("distance,target,zero,sight", [
    (300.0, None, 100.0, 0.06),  # level with the sight: the default target
    (300.0, 25.0, 100.0, 0.06),  # uphill
    (250.0, -40.0, 150.0, 0.0),  # downhill, no sight height
    (120.0, None, None, 0.08),  # no zero: a line of sight parallel to the bore
])
def test_come_up_in_vacuum_matches_the_closed_forms(distance, target, zero, sight):
    v = 90.0
    args = ["--distance", str(distance), "--velocity", str(v), "--sight-height", str(sight)]
    if target is not None:
        args += ["--target-height", str(target)]
    if zero is not None:
        args += ["--zero", str(zero)]
    out = solved(*args)
    height = sight if target is None else target
    theta = vacuum_angles(distance, height, v)[0]
    delta = 0.0 if zero is None else vacuum_angles(zero, sight, v)[0]
    beta = math.atan2(height - sight, distance)
    come_up = math.degrees(theta - beta - delta)
    assert out["problem"]["target_height_m"] == pytest.approx(height)
    assert out["problem"]["sight_height_m"] == sight
    assert out["come_up_moa"] == pytest.approx(come_up * 60.0, abs=1e-7)
    assert out["come_up_mrad"] == pytest.approx(math.radians(come_up) * 1e3, abs=1e-8)
    assert out["zero_angle_deg"] == pytest.approx(math.degrees(delta), abs=1e-9)
    assert out["line_of_sight_deg"] == pytest.approx(math.degrees(beta), abs=1e-12)


def _oracle_angle(problem, distance, height):
    """The low-arc elevation (rad) that crosses (distance, height), by DOP853 and brentq."""
    f = lambda th: reference_height_at(problem, th, problem.velocity, distance) - height
    return brentq(f, 0.0, math.radians(5.0), xtol=1e-14, rtol=1e-15)


@pytest.mark.parametrize("distance,target", [(600.0, None), (600.0, 30.0)])
def test_come_up_with_g7_drag_matches_the_dop853_oracle(distance, target):
    sight, zero = 0.05, 100.0
    args = ["--distance", str(distance), "--velocity", str(V_308), "--drag", "g7", "--bc",
            str(BC_308), "--sight-height", str(sight), "--zero", str(zero)]
    if target is not None:
        args += ["--target-height", str(target)]
    out = solved(*args)
    p = Problem.from_json(out["problem"])  # the physics the CLI used, for the oracle
    height = sight if target is None else target
    delta = _oracle_angle(p, zero, sight)
    theta = _oracle_angle(p, distance, height)
    come_up = math.degrees(theta - math.atan2(height - sight, distance) - delta)
    # the solver's promise is a miss of 1e-6 x distance: about 1e-6 rad, 0.0034 MOA
    assert out["come_up_moa"] == pytest.approx(come_up * 60.0, abs=4e-3)
    assert out["come_up_moa"] > 10.0  # the drop at 600 m is real: 13-14 MOA from a 100 m zero


def test_at_the_zero_the_come_up_is_zero():
    out = solved("--distance", "100yd", "--velocity", "2600fps", "--drag", "g7", "--bc", "0.223",
                 "--sight-height", "1.5in", "--zero", "100yd")
    assert out["come_up_moa"] == pytest.approx(0.0, abs=1e-9)


# -- the flags, batches and the table -----------------------------------------------------------

def test_a_zero_needs_the_guns_speed_and_must_be_reachable():
    res = run("solve", "--distance", "300", "--zero", "100")
    assert res.exit_code == 1 and "--zero needs the gun's muzzle speed" in res.stderr
    res = run("solve", "--distance", "300", "--velocity", "20", "--zero", "100")
    assert res.exit_code == 1 and "the zero at 100 m cannot be hit at 20 m/s" in res.stderr
    assert res.stdout == ""


def test_batch_records_carry_their_own_sight_and_a_bad_zero_is_their_error():
    records = ('{"distance_m": 300, "sight_height_m": "2in", "zero_m": "100yd"}\n'
               '{"distance_m": 300, "zero_m": 20000}\n'
               '{"distance_m": 300}\n')
    res = run("solve", "--input", "-", "--nl", "-q", "--velocity", "300", input=records)
    a, b, c = (json.loads(line) for line in res.stdout.splitlines())
    assert res.exit_code == 1
    assert a["problem"]["zero_m"] == pytest.approx(91.44) and a["come_up_moa"] > 0
    assert a["problem"]["target_height_m"] == pytest.approx(0.0508)  # level with the sight
    assert "the zero at 20000 m cannot be hit" in b["error"]
    assert "come_up_moa" not in c and "sight_height_m" not in c["problem"]
    csv_res = run("solve", "--input", "-", "--csv", "-q", "--velocity", "300", input=records)
    row = list(csv.reader(csv_res.stdout.splitlines()))[1]
    assert float(row[CSV_COLUMNS.index("come_up_moa")]) == pytest.approx(a["come_up_moa"])


def test_table_with_a_sight_has_come_up_columns():
    args = ("table", "--from", "100", "--to", "500", "--step", "200", "--velocity", "792.48",
            "--drag", "g7", "--bc", "0.223", "--sight-height", "0.05", "--zero", "100")
    human = run(*args, "-q")
    assert human.exit_code == 0, human.output
    lines = human.stdout.splitlines()
    assert "come-up from the 100 m zero, sight 0.05 m above the bore" in lines[0]
    assert lines[1].split()[:4] == ["distance", "angle", "come-up", "come-up"]
    assert lines[2].split()[:4] == ["(m)", "(°)", "(MOA)", "(mrad)"]
    rows = [json.loads(line) for line in run(*args, "--nl", "-q").stdout.splitlines()]
    for line, r in zip(lines[3:], rows):
        assert line.split()[2] == f"{round(r['come_up_moa'], 2) + 0.0:+.2f}"
    assert rows[0]["come_up_moa"] == pytest.approx(0.0, abs=1e-9)
    assert 0 < rows[1]["come_up_mrad"] < rows[2]["come_up_mrad"]


# -- the human output in the units of the question ----------------------------------------------

def summary(*args):
    res = run("solve", *args)
    assert res.exit_code == 0, res.output
    return {line.split()[0]: line for line in res.stderr.splitlines() if line.strip()}


def test_the_summary_answers_in_yards_and_fps_when_asked_in_them():
    args = ("--distance", "600yd", "--velocity", "2600fps", "--drag", "g7", "--bc", "0.223")
    imperial = summary(*args)
    assert imperial["speed"].split()[1:] == ["2600.00", "ft/s"]
    assert imperial["apex"].split()[-1] == "ft" and imperial["miss"].split()[2] == "in"
    metric = summary(*args, "--units", "metric")
    assert metric["speed"].split()[1:] == ["792.480000", "m/s"]
    assert metric["apex"].split()[-1] == "m"
    # mixed units, or bare numbers: metric
    assert summary("--distance", "600yd", "--velocity", "792.48m/s")["speed"].split()[-1] == "m/s"
    assert summary("--distance", "500")["speed"].split()[-1] == "m/s"
    # and --units imperial on SI input
    assert summary("--distance", "500", "--units", "imperial")["speed"].split()[-1] == "ft/s"
    # JSON stays SI
    out = solved(*args)
    assert out["velocity_mps"] == pytest.approx(792.48)
    assert out["problem"]["distance_m"] == pytest.approx(548.64)


def test_table_and_simulate_answer_in_yards_when_asked_in_them():
    res = run("table", "--from", "100yd", "--to", "300yd", "--step", "100yd", "--velocity",
              "2600fps", "-q")
    lines = res.stdout.splitlines()
    assert "at 2600 ft/s" in lines[0]
    assert lines[2].split() == ["(yd)", "(°)", "(ft/s)", "(s)", "(ft)", "(°)", "(ft/s)", "(in)"]
    assert [line.split()[0] for line in lines[3:]] == ["100", "200", "300"]
    sim = run("simulate", "--angle", "1", "--velocity", "2600fps", "--distance", "500yd")
    assert "shot at 1° and 2600 ft/s" in sim.stderr and "at 500 yd" in sim.stderr
