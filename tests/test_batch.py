"""Batch solving (--input), the writers, and the firing table."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import subprocess

import pytest
from conftest import nl, run

from cannon_cli import Problem, solve
from cannon_cli.io.batch import CHUNK_SIZE
from cannon_cli.io.reader import read_records
from cannon_cli.io.writers import CSV_COLUMNS

G = 9.80665


def ndjson(records) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


# -- reading ------------------------------------------------------------------------------------

def test_read_formats():
    recs = list(read_records(io.StringIO('{"distance_m": 1}\n\n{"distance_m": 2}\n')))
    assert [(r.index, r.line, r.fields) for r in recs] == [
        (0, 1, {"distance_m": 1}), (1, 3, {"distance_m": 2})]
    recs = list(read_records(io.StringIO('[{"distance_m": 1},\n {"distance_m": 2}]')))
    assert [(r.index, r.line) for r in recs] == [(0, None), (1, None)]
    recs = list(read_records(io.StringIO('{\n  "distance_m": 7\n}\n')))
    assert len(recs) == 1 and recs[0].fields == {"distance_m": 7}
    recs = list(read_records(io.StringIO("distance_m,drag\n10,linear\n\n20,\n")))
    assert [(r.line, r.fields) for r in recs] == [
        (2, {"distance_m": 10.0, "drag": "linear"}), (4, {"distance_m": 20.0})]
    assert list(read_records(io.StringIO(""))) == []


# -- the batch through the CLI ------------------------------------------------------------------

def test_order_kept_one_output_per_input_with_errors_in_place():
    records = [{"distance_m": 100}, {"distance_m": -1}, "not an object", {"distance_m": 200},
               {"distance_m": 100, "colour": "red"}, {"distance_m": 5000, "velocity_mps": 50}]
    text = ndjson(records[:2]) + "{not json\n" + ndjson(records[3:])
    res = run("solve", "--input", "-", "--nl", "-q", input=text)
    out = nl(res.stdout)
    assert [o["index"] for o in out] == list(range(6))
    assert [o["line"] for o in out] == list(range(1, 7))
    assert out[0]["converged"] and out[3]["converged"]
    assert "distance_m must be > 0" in out[1]["error"]
    assert "not valid JSON" in out[2]["error"]
    assert "unknown field: colour" in out[4]["error"]
    assert not out[5]["converged"] and "out of reach" in out[5]["reason"]
    for o in (out[1], out[2], out[4]):
        assert o["converged"] is False and set(o) >= {"index", "line", "error"}
    assert res.exit_code == 1  # bad input wins over no solution


def test_exit_status_3_when_only_unsolved():
    res = run("solve", "-i", "-", "-q", input=ndjson([{"distance_m": 100},
                                                      {"distance_m": 5000,
                                                       "velocity_mps": 50}]))
    assert res.exit_code == 3


def test_exit_status_0_and_field_fallback_to_flags():
    res = run("solve", "-i", "-", "-q", "--velocity", "150", "--drag", "quadratic",
              input=ndjson([{"distance_m": 300}, {"distance_m": 300, "angle_deg": 10},
                            {"distance_m": 300, "drag": "none"}]))
    assert res.exit_code == 0, res.output
    a, b, c = nl(res.stdout)
    assert a["problem"]["velocity_mps"] == 150 and a["problem"]["drag"] == "quadratic"
    assert b["problem"]["angle_deg"] == 10 and "velocity_mps" not in b["problem"]
    assert c["problem"]["drag"] == "none"
    assert math.isclose(c["angle_deg"], math.degrees(
        0.5 * math.asin(G * 300 / 150**2)), rel_tol=1e-9)


def test_empty_input():
    for fmt, expect in (("--nl", ""), ("--json", "[\n]\n")):
        res = run("solve", "-i", "-", fmt, "-q", input="")
        assert res.exit_code == 0 and res.stdout == expect


def test_json_array_input_and_output():
    res = run("solve", "-i", "-", "--json", "-q",
              input=json.dumps([{"distance_m": d} for d in (50, 100, 150)]))
    out = json.loads(res.stdout)
    assert [o["index"] for o in out] == [0, 1, 2] and "line" not in out[0]
    for o, d in zip(out, (50, 100, 150)):
        assert math.isclose(o["velocity_mps"], math.sqrt(G * d), rel_tol=1e-9)


def test_csv_in_and_out():
    text = "distance_m,velocity_mps,drag\n100,50,linear\n200,,\n"
    res = run("solve", "-i", "-", "--csv", "-q", input=text)
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [r["line"] for r in rows] == ["2", "3"]
    assert rows[0]["unknowns"] == "angle" and rows[0]["drag"] == "linear"
    assert rows[1]["unknowns"] == "both" and rows[1]["converged"] == "true"


def test_csv_with_a_bad_header_answers_every_row():
    res = run("solve", "-i", "-", "--nl", "-q", input="distance_m,speed\n100,3\n200,4\n")
    out = nl(res.stdout)
    assert len(out) == 2 and all("unknown field" in o["error"] for o in out)
    assert res.exit_code == 1


def test_chunk_boundaries():
    n = 7
    records = [{"distance_m": 100 + 10 * i, "velocity_mps": 60} for i in range(n)]
    records[3] = {"distance_m": -5}
    res = run("solve", "-i", "-", "--nl", "-q", "--chunk-size", "3", input=ndjson(records))
    out = nl(res.stdout)
    assert [o["index"] for o in out] == list(range(n))
    big = run("solve", "-i", "-", "--nl", "-q", "--chunk-size", "7", input=ndjson(records))
    for a, b in zip(out, nl(big.stdout)):
        assert a == b


def test_default_chunk_plus_one():
    records = [{"distance_m": 50 + (i % 50)} for i in range(CHUNK_SIZE + 1)]
    res = run("solve", "-i", "-", "--nl", "-q", input=ndjson(records))
    out = nl(res.stdout)
    assert len(out) == CHUNK_SIZE + 1 and out[-1]["index"] == CHUNK_SIZE
    assert out[-1]["line"] == CHUNK_SIZE + 1 and res.exit_code == 0


def test_batch_answers_equal_single_answers():
    problems = [dict(distance_m=250.0, velocity_mps=120.0, drag="quadratic"),
                dict(distance_m=150.0, angle_deg=35.0, drag="linear", wind_mps=3.0),
                dict(distance_m=400.0, drag="quadratic", target_height_m=20.0),
                dict(distance_m=80.0, velocity_mps=40.0, arc="high")]
    res = run("solve", "-i", "-", "--nl", "-q", "--solver", "newton", input=ndjson(problems))
    for rec, out in zip(problems, nl(res.stdout)):
        single = solve(Problem.from_json(rec), solver="newton")
        assert out["converged"] and single.converged
        assert math.isclose(out["angle_deg"], single.angle_deg, rel_tol=1e-9)
        assert math.isclose(out["velocity_mps"], single.velocity_mps, rel_tol=1e-9)


def test_a_batch_mixes_two_and_three_dimensional_records_in_order():
    """NDJSON in, NDJSON and CSV out: the 3-D answers carry their lateral numbers; in CSV a 2-D
    answer's are 0 (its drift is truly 0), an error record's are empty."""
    quad = dict(drag="quadratic", mass_kg=0.5, diameter_m=0.05)
    records = [dict(distance_m=300, velocity_mps=90, **quad),
               dict(distance_m=300, velocity_mps=90, crosswind_mps=5, **quad),
               dict(distance_m=-1),
               dict(distance_m=200, target_offset_m="3ft", **quad),
               dict(distance_m=2000, velocity_mps=260, latitude_deg=50, bearing_deg=30)]
    res = run("solve", "-i", "-", "--nl", "-q", "--chunk-size", "2", input=ndjson(records))
    out = nl(res.stdout)
    assert [o["index"] for o in out] == list(range(5)) and res.exit_code == 1
    assert "drift_m" not in out[0] and out[0]["azimuth_deg"] == 0.0
    assert out[1]["drift_m"] > 0 > out[1]["azimuth_deg"]
    assert out[3]["azimuth_deg"] > 0 and out[3]["problem"]["target_offset_m"] == pytest.approx(0.9144)
    assert out[4]["drift_m"] > 0 and out[4]["problem"]["bearing_deg"] == 30.0
    for o in (out[1], out[3], out[4]):
        assert set(o) >= {"lateral_miss_m", "drift_m", "impact_lateral_velocity_mps"}
    res = run("solve", "-i", "-", "--csv", "-q", "--chunk-size", "2", input=ndjson(records))
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["index"] for r in rows] == ["0", "1", "2", "3", "4"]
    lateral = ("azimuth_deg", "lateral_miss_m", "drift_m", "impact_lateral_velocity_mps",
               "crosswind_mps", "target_offset_m")
    assert [rows[0][k] for k in lateral] == ["0.0"] * 6
    assert [rows[2][k] for k in lateral] == [""] * 6 and rows[2]["error"]
    for r, o in zip(rows, out):
        if "error" in o:
            continue
        for k in lateral[:4]:
            assert float(r[k]) == o.get(k, 0.0)
        for k in ("crosswind_mps", "target_offset_m"):
            assert r[k] == repr(o["problem"].get(k, 0.0))
        for k in ("latitude_deg", "bearing_deg"):
            assert r[k] == (repr(o["problem"][k]) if k in o["problem"] else "")
    assert rows[0]["latitude_deg"] == rows[0]["bearing_deg"] == ""
    assert (rows[4]["latitude_deg"], rows[4]["bearing_deg"]) == ("50.0", "30.0")


def test_input_file_missing_is_bad_input():
    res = run("solve", "--input", "/no/such/file.ndjson")
    assert res.exit_code == 1 and res.stderr.startswith("cannon: error: cannot read --input")


def test_input_that_is_not_json_at_all():
    res = run("solve", "-i", "-", "--input-format", "json", input="[1, 2")
    assert res.exit_code == 1 and "not valid JSON" in res.stderr


def test_output_flags_exclusive():
    assert run("solve", "--distance", "10", "--json", "--nl").exit_code == 2


# -- firing table -------------------------------------------------------------------------------

def test_table_rows_and_unreachable():
    res = run("table", "--from", "100", "--to", "700", "--step", "100", "--velocity", "150",
              "--drag", "quadratic", "--nl")
    out = nl(res.stdout)
    assert [o["problem"]["distance_m"] for o in out] == [100, 200, 300, 400, 500, 600, 700]
    assert [o["converged"] for o in out] == [True] * 5 + [False] * 2
    assert all("out of reach" in o["reason"] for o in out[5:])
    assert res.exit_code == 3


def test_table_human_is_on_stdout():
    res = run("table", "--from", "50", "--to", "150", "--step", "50", "--angle", "30")
    assert res.exit_code == 0
    assert "firing table" in res.stdout and "150" in res.stdout


def test_table_bad_range():
    assert run("table", "--from", "100", "--to", "50", "--step", "10").exit_code == 1
    assert run("table", "--from", "10", "--to", "50", "--step", "0").exit_code == 1


# -- through the installed command --------------------------------------------------------------

CANNON = shutil.which("cannon")


@pytest.mark.skipif(CANNON is None, reason="the cannon console script is not installed")
def test_head_1_sees_first_line_and_no_traceback(tmp_path):
    path = tmp_path / "t.ndjson"
    path.write_text(ndjson({"distance_m": 50 + i % 400} for i in range(20000)))
    p = subprocess.run(f"'{CANNON}' solve --input '{path}' --nl | head -1", shell=True,
                       capture_output=True, text=True, timeout=120)
    assert json.loads(p.stdout)["index"] == 0
    assert "Traceback" not in p.stderr and p.stderr == ""


@pytest.mark.skipif(CANNON is None, reason="the cannon console script is not installed")
def test_ctrl_c_leaves_whole_lines_and_exits_130(tmp_path):
    import signal
    import time

    path = tmp_path / "t.ndjson"
    path.write_text(ndjson({"distance_m": 50 + i % 400, "velocity_mps": 150,
                            "drag": "quadratic"} for i in range(200000)))
    p = subprocess.Popen([CANNON, "solve", "--input", str(path), "--nl", "--chunk-size", "256"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline()  # it is under way
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    rest = p.stdout.read()  # not communicate(): it would skip what readline has buffered
    err = p.stderr.read()
    assert p.wait(timeout=60) == 130
    lines = (first + rest).splitlines()
    assert len(lines) < 200000
    assert [json.loads(line)["index"] for line in lines] == list(range(len(lines)))
    assert "Traceback" not in err and "interrupted" in err
