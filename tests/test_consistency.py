"""The command behaves the same way everywhere: no floating-point noise on stderr, files checked
before the work, units on every option, output paths, the table streamed like a batch,
meaningful numbers in every message. Each test goes through the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import run, solved


def one_error(res) -> str:
    lines = [line for line in res.stderr.splitlines() if line.startswith("cannon: ")]
    assert len(lines) == 1 and lines[0].startswith("cannon: error: "), res.stderr
    return lines[0]


# -- numpy's warnings and the policy file --------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("solve", "--distance", "100", "--gravity", "1e300", "-q", "--json"),
    ("solve", "--distance", "100", "--gravity", "1e300", "--json"),
])
def test_floating_point_warnings_do_not_leak_to_stderr(args):
    res = run(*args)
    assert "RuntimeWarning" not in res.stderr and "encountered in" not in res.stderr, res.stderr


@pytest.mark.parametrize("content,says", [
    (b"distance,angle\n100,45\n", "it is text (CSV?), not an .npz archive"),
    (b"", "it is empty"),
    (b"\x93NUMPY\x01\x00v\x00", "a single NumPy array (.npy)"),
])
def test_a_policy_file_that_is_not_one_says_what_it_is(tmp_path, content, says):
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    res = run("solve", "--distance", "100", "--policy", str(path))
    assert res.exit_code == 1
    line = one_error(res)
    assert says in line and "pickle" not in line, line


def test_a_policy_holding_pickles_is_refused_without_advice_to_unpickle(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, meta=np.array([{"schema": "x"}], dtype=object))
    line = one_error(run("solve", "--distance", "100", "--policy", str(path)))
    assert "pickled Python objects, which are never loaded" in line
    assert "allow_pickle" not in line


# -- the default air ---------------------------------------------------------------------------

def test_the_default_air_density_is_echoed_as_icao_quotes_it():
    res = run("solve", "--distance", "300", "--velocity", "150", "--drag", "quadratic", "--json",
              "-q")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["problem"]["air_density_kgpm3"] == 1.225


# -- miss_m is signed: above the target > 0 ------------------------------------------------------

def test_the_miss_is_signed_in_solve_as_in_simulate_and_in_the_summary():
    # at 50 m/s no angle reaches 300 m: the closest approach passes below the target
    res = run("solve", "--distance", "300", "--velocity", "50", "--json")
    assert res.exit_code == 3
    sol = json.loads(res.stdout)
    assert sol["miss_m"] < 0
    row = next(line for line in res.stderr.splitlines() if line.startswith("miss"))
    assert f"{sol['miss_m']:+.3e}" in row and "+ above" in row
    # a hit from above and below: the sign follows the height, as simulate's crossing does
    sim = run("simulate", "--angle", str(sol["angle_deg"]), "--velocity", "50", "--distance",
              "300", "--json", "-q")
    crossing = json.loads(sim.stdout)["crossing"]
    assert crossing is None or crossing["miss_m"] < 0


# -- output paths are checked before the work ----------------------------------------------------

def _never(*args, **kwargs):
    raise AssertionError("the work ran before the output path was checked")


@pytest.mark.parametrize("args,flag", [
    (("plot", "landscape", "--distance", "120", "--out", "{bad}"), "--out"),
    (("plot", "trajectory", "--distance", "120", "--out", "{bad}"), "--out"),
    (("train", "--out", "{bad}", "--distance-range", "100:200", "--steps", "1"), "--out"),
    (("solve", "--distance", "120", "--plot", "{bad}", "--json"), "--plot"),
])
@pytest.mark.parametrize("bad", ["missing/dir/x.png", "/proc/x.png", "a-directory.png"])
def test_output_paths_are_checked_before_the_work(monkeypatch, tmp_path, args, flag, bad):
    pytest.importorskip("matplotlib")
    from cannon_cli.aim import driver as aim
    from cannon_cli.io import pictures
    from cannon_cli.learn import policy

    for module, name in ((pictures, "landscape"), (pictures, "shot_picture"), (policy, "train"),
                         (aim, "solve_many")):
        monkeypatch.setattr(module, name, _never)
    if args[0] == "train":
        bad = bad[:-4] + ".npz"
    path = bad if bad.startswith("/") else str(tmp_path / bad)
    if "directory" in bad:
        (tmp_path / bad).mkdir()
    res = run(*[a.format(bad=path) for a in args])
    assert res.exit_code == 1, res.output
    assert res.stdout == ""
    line = one_error(res)
    assert f"cannot write {flag} {path}" in line, line


# -- no "nan" in a reason ------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("--distance", "1e308"),
    ("--distance", "100", "--velocity", "1e160"),
    ("--distance", "100", "--drag", "quadratic", "--mass", "1e-4"),
])
def test_no_reason_shows_nan(args):
    res = run("solve", *args, "--json", "-q")
    assert res.exit_code in (0, 1, 3), res.output
    if res.exit_code == 3:
        reason = json.loads(res.stdout)["reason"]
        assert "nan" not in reason.lower() and "inf" not in reason.lower(), reason


# -- unit suffixes on every length, speed and angle; errors in our words -------------------------

@pytest.mark.parametrize("flag,text,field,si", [
    ("--target-height", "10ft", "target_height_m", 3.048),
    ("--launch-height", "5ft", "launch_height_m", 1.524),
    ("--wind", "10mph", "wind_mps", 4.4704),
    ("--wind", "-36km/h", "wind_mps", -10.0),
    ("--altitude", "5000ft", "altitude_m", 1524.0),
    ("--angle", "5mil", "angle_deg", 5 * 360 / 6400),
    ("--angle", "60moa", "angle_deg", 1.0),
    ("--angle", "17.453292519943mrad", "angle_deg", 1.0),
])
def test_every_length_speed_and_angle_option_takes_a_unit(flag, text, field, si):
    out = solved("--distance", "100", flag, text)
    assert out["problem"][field] == pytest.approx(si, rel=1e-12)


def test_table_and_simulate_take_units():
    res = run("table", "--from", "100yd", "--to", "300yd", "--step", "100yd", "--velocity",
              "2600fps", "--nl")
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["problem"]["distance_m"] for r in rows] == pytest.approx([91.44, 182.88, 274.32])
    sim = run("simulate", "--angle", "800mil", "--velocity", "100fps", "--json", "-q")
    assert sim.exit_code == 0, sim.output
    assert json.loads(sim.stdout)["shot"]["angle_deg"] == pytest.approx(45.0)


def test_train_ranges_take_units(tmp_path):
    out = tmp_path / "p.npz"
    res = run("train", "--out", str(out), "--distance-range", "100:200yd", "--wind-range",
              "-10:10mph", "--steps", "1", "-q")
    assert res.exit_code == 0, res.output
    from cannon_cli.learn.policy import Policy

    domain = Policy.load(out).domain
    assert domain["distance"] == pytest.approx((91.44, 182.88))
    assert domain["wind"] == pytest.approx((-4.4704, 4.4704))


def test_batch_records_take_units_where_a_number_is_expected():
    csv_in = "distance_m,velocity_mps,target_height_m\n1000yd,2600fps,10ft\n914.4,792.48,3.048\n"
    res = run("solve", "--input", "-", "--nl", "-q", input=csv_in)
    assert res.exit_code == 0, res.output
    a, b = (json.loads(line) for line in res.stdout.splitlines())
    assert a["angle_deg"] == pytest.approx(b["angle_deg"], rel=1e-12)
    assert a["problem"]["distance_m"] == pytest.approx(914.4)
    nd = '{"distance_m": "1000 yd", "wind_mps": "-5mph", "angle_deg": "20mil"}\n'
    res = run("solve", "--input", "-", "--nl", "-q", input=nd)
    assert res.exit_code == 0, res.output
    p = json.loads(res.stdout)["problem"]
    assert (p["distance_m"], p["wind_mps"], p["angle_deg"]) == pytest.approx(
        (914.4, -2.2352, 1.125))


@pytest.mark.parametrize("args,says", [
    (("--target-height", "abc"), "expected a length: a number (m) or a number with a unit"),
    (("--wind", "10 knots"), "expected a speed: a number (m/s) or a number with a unit"),
    (("--angle", "5 grads"), "expected an angle: a number (°) or a number with a unit"),
    (("--gravity", "abc"), "expected a number, got 'abc'"),
    (("--max-iter", "x"), "expected a whole number, got 'x'"),
    (("--max-iter", "0"), "expected a whole number at least 1, got 0"),
    (("--tol", "1e400"), "'1e400' is out of range"),
])
def test_bad_numbers_are_refused_in_our_words(args, says):
    res = run("solve", "--distance", "100", *args)
    assert res.exit_code == 2
    text = " ".join(res.output.replace("│", " ").split())  # rich's error box, unwrapped
    assert "Input should be" not in text, text
    assert says in text, text


def test_a_bad_record_value_is_refused_in_our_words():
    res = run("solve", "--input", "-", "--nl", "-q",
              input="distance_m,wind_mps\n12parsec,0\n100,3 knots\n")
    assert res.exit_code == 1
    errors = [json.loads(line)["error"] for line in res.stdout.splitlines()]
    assert errors == [
        "distance_m must be a length: a number (m) or a number with a unit (m, mm, cm, km, in, "
        "ft, yd), got '12parsec'",
        "wind_mps must be a speed: a number (m/s) or a number with a unit (m/s, mps, fps, ft/s, "
        "km/h, mph), got '3 knots'"]


# -- cannon table streams like solve --input -----------------------------------------------------

@pytest.mark.parametrize("fmt", ["--nl", None])
def test_table_writes_each_chunk_as_it_is_solved_and_stops_when_the_reader_goes(monkeypatch, fmt):
    from cannon_cli.io import batch
    from cannon_cli.io import writers as io
    from cannon_cli.io import render

    solved = []
    real = batch.solve_columns

    def counting(cols, **kw):
        solved.append(cols.size)
        return real(cols, **kw)

    writer = io.NDJSONWriter if fmt else render.FiringTableWriter
    write = writer.write

    def gone(self, records):  # the reader of stdout goes away after the first chunk
        if len(solved) > 1:
            raise BrokenPipeError
        write(self, records)

    monkeypatch.setattr(batch, "solve_columns", counting)
    monkeypatch.setattr(writer, "write", gone)
    res = run("table", "--from", "1", "--to", "100000", "--step", "1", "--chunk-size", "50",
              *([fmt] if fmt else []))
    assert res.exit_code == 141, res.output
    assert solved == [50, 50]  # two chunks solved, not 100000 rows
    first = res.stdout.splitlines()[0 if fmt else 3]
    assert (json.loads(first)["index"] == 0 if fmt else first.split()[0] == "1")


def test_table_quiet_and_its_summary():
    args = ("table", "--from", "100", "--to", "700", "--step", "300", "--velocity", "150",
            "--drag", "quadratic")
    loud, quiet = run(*args), run(*args, "-q")
    assert loud.exit_code == quiet.exit_code == 3
    assert loud.stdout == quiet.stdout and "out of reach" in quiet.stdout
    assert "cannon: 3 rows: 2 solved, 1 without a solution" in loud.stderr
    assert quiet.stderr == ""


CANNON = __import__("shutil").which("cannon")


@pytest.mark.skipif(CANNON is None, reason="the cannon console script is not installed")
@pytest.mark.parametrize("fmt", ["--nl", ""])
def test_table_exits_141_when_the_reader_goes_away(fmt):
    import subprocess

    p = subprocess.run(f"'{CANNON}' table --from 10 --to 100000 --step 1 {fmt} | head -1; "
                       "echo \"status=${PIPESTATUS[0]}\"", shell=True, executable="/bin/bash",
                       capture_output=True, text=True, timeout=300)
    first, status = p.stdout.splitlines()
    assert status == "status=141", p.stdout
    assert "Traceback" not in p.stderr and p.stderr == ""


# -- a flight outside the drag table's Mach range is a warning -----------------------------------

def test_a_flight_beyond_the_drag_table_is_a_warning_in_json_and_on_stderr():
    # (the case, the minimum-speed shot at 2 km with --bc 0.05, flies at Mach 13 and
    # more, and takes seconds to solve: a fixed speed shows the same check quicker)
    args = ("solve", "--distance", "1000", "--velocity", "5000", "--drag", "g7", "--bc", "0.05")
    res = run(*args, "--json")
    sol = json.loads(res.stdout)
    [note] = sol["warnings"]
    assert "beyond its drag table" in note and "lists Mach 0 to 5" in note
    assert f"cannon: warning: {note}" in " ".join(res.stderr.split())
    quiet = run(*args, "--json", "-q")
    assert json.loads(quiet.stdout)["warnings"] == [note] and "warning" not in quiet.stderr
    # an ordinary shot has none
    ok = run("solve", "--distance", "1000", "--velocity", "792.48", "--drag", "g7", "--bc",
             "0.223", "--json")
    assert ok.exit_code == 0 and "warnings" not in json.loads(ok.stdout)
    assert "warning" not in ok.stderr


def test_a_flight_below_a_custom_table_and_in_batches_and_simulate(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("mach,cd\n0.8,0.3\n1.0,0.5\n2.0,0.4\n3.0,0.3\n")
    # a lofted shot slows below Mach 0.8 near its apex
    res = run("solve", "--input", "-", "--nl", "--drag-table", str(table), "--mass", "0.01",
              "--diameter", "0.008", "--velocity", "400", "-q",
              input='{"distance_m": 100}\n{"distance_m": 3000, "arc": "high"}\n')
    a, b = (json.loads(line) for line in res.stdout.splitlines())
    assert "warnings" in b and "slows to Mach" in b["warnings"][0] and "below" in b["warnings"][0]
    assert all("slows" in w or "reaches" in w for w in a.get("warnings", []))
    csv = run("solve", "--input", "-", "--csv", "--drag-table", str(table), "--mass", "0.01",
              "--diameter", "0.008", "--velocity", "400", "-q",
              input='{"distance_m": 3000, "arc": "high"}\n')
    import csv as csv_module

    from cannon_cli.io.writers import CSV_COLUMNS

    row = list(csv_module.reader(csv.stdout.splitlines()))[1]
    assert "slows to Mach" in row[CSV_COLUMNS.index("warnings")]
    sim = run("simulate", "--angle", "5", "--velocity", "5000", "--drag", "g7", "--bc", "0.1",
              "--json")
    assert "reaches Mach" in json.loads(sim.stdout)["warnings"][0]
    assert "cannon: warning: the flight reaches Mach" in sim.stderr


# -- compare: a surrogate domain that covers the problem, misses measured alike ------------------

QUICK = ("--samples", "200", "--epochs", "20", "--policy-steps", "150")


def test_compare_widens_the_surrogate_to_the_problem_and_measures_misses_alike():
    res = run("compare", "--distance", "120", "--json", "-q", *QUICK)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    vmin = math.sqrt(9.80665 * 120)
    assert out["speed_max_mps"] == pytest.approx(1.25 * vmin, rel=1e-6)
    # (a quickly fit surrogate may still believe no hit; but not for want of a domain)
    assert not any("cannot reach it" in w for w in out.get("warnings", []))
    rows = {r["approach"]: r for r in out["rows"]}
    assert rows["surrogate"]["velocity_mps"] > 0.9 * vmin  # not pinned at 9.99 m/s
    # one measure for both columns: the height at the target distance, signed
    for name in ("physics (newton)", "policy + refine", "physics (gd, same start)"):
        r = rows[name]
        assert r["true_height_miss_m"] == pytest.approx(r["believed_height_miss_m"], abs=1e-6 * 120)
    th = math.radians(rows["surrogate"]["angle_deg"])
    v = rows["surrogate"]["velocity_mps"]
    exact = 120 * math.tan(th) - 9.80665 * 120 ** 2 / (2 * (v * math.cos(th)) ** 2)
    assert rows["surrogate"]["true_height_miss_m"] == pytest.approx(exact, rel=1e-9, abs=1e-9)
    assert rows["policy (network)"]["believed_height_miss_m"] is None


def test_compare_says_why_a_narrow_surrogate_cannot_reach_the_target():
    res = run("compare", "--distance", "120", "--speed-max", "10", *QUICK)
    assert res.exit_code == 0, res.output
    text = " ".join(res.stderr.split())
    assert "cannon: warning: the surrogate is fit on speeds up to 10 m/s (--speed-max), and the " \
           "target needs at least 34.3 m/s: it cannot reach it" in text
    assert "believes no hit" in text
    assert "believed miss" in res.stdout and "at D (m)" in res.stdout
