"""The command line, in-process through typer's CliRunner and through the installed `cannon`."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys

import pytest
from conftest import run

from cannon_cli import __version__

G = 9.80665


def solve_json(*args: str):
    res = run("solve", *args, "--json", "-q")
    return res, (json.loads(res.stdout) if res.stdout.strip() else None)


# -- top level ----------------------------------------------------------------------------------

def test_version():
    res = run("--version")
    assert res.exit_code == 0
    assert res.stdout.strip() == f"cannon {__version__}"


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_commands(flag):
    res = run(flag)
    assert res.exit_code == 0
    for word in ("solve", "simulate", "Exit status"):
        assert word in res.stdout


def test_no_arguments_shows_help():
    res = run()
    assert "Usage" in res.output and "solve" in res.output
    assert res.exit_code in (0, 2)


# -- solve: answers ----------------------------------------------------------------------------

def test_solve_minimum_speed_json_matches_closed_form():
    res, out = solve_json("--distance", "120")
    assert res.exit_code == 0, res.output
    assert out["schema"] == "cannon.solution/1"
    assert out["converged"] is True
    assert math.isclose(out["velocity_mps"], math.sqrt(G * 120), rel_tol=1e-9)
    assert math.isclose(out["angle_deg"], 45.0, rel_tol=1e-7)
    assert out["solver"] == "newton"  # the default
    assert isinstance(out["iterations"], int)


def test_solve_fixed_speed_low_and_high_arc():
    x, v = 120.0, 50.0
    root = math.sqrt(v**4 - G * G * x * x)
    low = math.degrees(math.atan((v * v - root) / (G * x)))
    high = math.degrees(math.atan((v * v + root) / (G * x)))
    _, out = solve_json("--distance", "120", "--velocity", "50")
    assert math.isclose(out["angle_deg"], low, rel_tol=1e-9)
    _, out = solve_json("--distance", "120", "--velocity", "50", "--arc", "high")
    assert math.isclose(out["angle_deg"], high, rel_tol=1e-9)
    assert out["problem"]["arc"] == "high"


def test_solve_fixed_angle():
    th = math.radians(30)
    v = math.sqrt(G * 120**2 / (2 * math.cos(th) ** 2 * 120 * math.tan(th)))
    _, out = solve_json("--distance", "120", "--angle", "30")
    assert math.isclose(out["velocity_mps"], v, rel_tol=1e-9)
    assert out["angle_deg"] == 30.0


def test_json_echoes_problem_with_defaults():
    _, out = solve_json("--distance", "500", "--velocity", "150", "--drag", "quadratic",
                        "--wind", "-2.5", "--max-velocity", "200")
    p = out["problem"]
    assert p == {
        "distance_m": 500.0, "target_height_m": 0.0, "launch_height_m": 0.0,
        "gravity_mps2": G, "drag": "quadratic", "mass_kg": 1.0, "diameter_m": 0.1,
        "drag_coefficient": 0.47,
        "air_density_kgpm3": pytest.approx(1.225, rel=1e-6), "linear_drag_kgps": 0.1,
        "form_factor": 1.0, "atmosphere": "constant", "altitude_m": 0.0, "humidity_pct": 0.0,
        "wind_mps": -2.5, "velocity_mps": 150.0, "arc": "low", "max_velocity_mps": 200.0,
    }
    for key in ("angle_deg", "velocity_mps", "flight_time_s", "apex_height_m",
                "impact_speed_mps", "impact_angle_deg", "miss_m", "converged", "iterations",
                "solver"):
        assert key in out
    assert abs(out["miss_m"]) <= 1e-6 * 500


@pytest.mark.parametrize("solver", ["lbfgs", "newton", "adam", "gd"])
def test_every_solver_from_the_cli(solver):
    res, out = solve_json("--distance", "300", "--velocity", "100", "--drag", "quadratic",
                          "--solver", solver)
    assert res.exit_code == 0, res.output
    assert out["converged"] and out["solver"] == solver and out["iterations"] >= 1
    assert abs(out["miss_m"]) <= 1e-6 * 300


def test_solver_options_are_used():
    # a starved iteration budget is really passed through: one iteration a run (the first
    # run stops there, and the bracketed search of `reach` hands a second run the answer)
    _, full = solve_json("--distance", "300", "--velocity", "100", "--drag", "quadratic",
                         "--solver", "gd")
    res, out = solve_json("--distance", "300", "--velocity", "100", "--drag", "quadratic",
                          "--solver", "gd", "--max-iter", "1")
    assert full["iterations"] > 2 and out["iterations"] <= 2
    assert out["converged"] and out["angle_deg"] == pytest.approx(full["angle_deg"], rel=1e-9)
    res, out = solve_json("--distance", "300", "--velocity", "100", "--drag", "quadratic",
                          "--solver", "gd", "--learning-rate", "0.05", "--tol", "1e-6")
    assert res.exit_code == 0
    slow = out["iterations"]
    _, fast = solve_json("--distance", "300", "--velocity", "100", "--drag", "quadratic",
                         "--solver", "gd", "--tol", "1e-6")
    assert slow > fast["iterations"]


def test_human_summary_on_stderr_and_nothing_on_stdout():
    res = run("solve", "--distance", "120")
    assert res.exit_code == 0
    assert res.stdout == ""
    for word in ("angle", "speed", "time of flight", "apex height", "impact speed",
                 "impact angle", "miss", "iterations", "solver"):
        assert word in res.stderr


def test_quiet_silences_progress_and_summary():
    res = run("solve", "--distance", "120", "-q")
    assert res.exit_code == 0
    assert res.stdout == "" and res.stderr == ""


# -- solve: no solution -------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("--distance", "1000", "--velocity", "50"),
    ("--distance", "600", "--velocity", "150", "--drag", "quadratic"),
    ("--distance", "100", "--angle", "10", "--target-height", "50"),
    ("--distance", "100", "--max-velocity", "20"),
    ("--distance", "100", "--angle", "20", "--max-velocity", "20"),
])
def test_unreachable_exits_3_with_closest_approach(args):
    res, out = solve_json(*args)
    assert res.exit_code == 3, res.output
    assert out["converged"] is False
    assert "out of reach" in out["reason"]
    assert out["angle_deg"] is not None
    # a line of sight below the target has no closest approach: the faster, the closer
    assert (out["velocity_mps"] is not None) != ("line of sight" in out["reason"])
    assert "Traceback" not in res.output


def test_unreachable_human_message():
    res = run("solve", "--distance", "1000", "--velocity", "50")
    assert res.exit_code == 3
    assert "out of reach" in res.stderr
    res = run("solve", "--distance", "1000", "--velocity", "50", "-q")
    assert res.exit_code == 3 and "out of reach" in res.stderr  # quiet never hides the reason


# -- bad input and usage ------------------------------------------------------------------------

@pytest.mark.parametrize("args,flag", [
    (("--distance", "0"), "--distance"),
    (("--distance", "-5"), "--distance"),
    (("--distance", "nan"), "--distance"),
    (("--distance", "inf"), "--distance"),
    (("--distance", "100", "--mass", "0"), "--mass"),
    (("--distance", "100", "--diameter", "-1"), "--diameter"),
    (("--distance", "100", "--gravity", "0"), "--gravity"),
    (("--distance", "100", "--wind", "nan"), "--wind"),
    (("--distance", "100", "--angle", "90"), "--angle"),
    (("--distance", "100", "--angle", "-95"), "--angle"),
    (("--distance", "100", "--velocity", "-3"), "--velocity"),
    (("--distance", "100", "--velocity", "50", "--max-velocity", "10"), "--velocity"),
])
def test_bad_input_exits_1_with_one_line(args, flag):
    res = run("solve", *args)
    assert res.exit_code == 1, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cannon: error: ")
    assert flag in lines[0]
    assert res.stdout == ""


@pytest.mark.parametrize("args", [
    ("--distance", "100", "--angle", "10", "--velocity", "10"),
    ("--distance", "100", "--bogus", "1"),
    ("--distance", "abc",),
    ("--distance", "100", "--drag", "cubic"),
    ("--distance", "100", "--solver", "sgd"),
    ("--velocity", "10",),
    ("--distance", "100", "--tol", "-1"),
    ("--distance", "100", "--max-iter", "0"),
])
def test_usage_errors_exit_2(args):
    res = run("solve", *args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output


# -- simulate -----------------------------------------------------------------------------------

def test_simulate_vacuum_against_closed_form():
    res = run("simulate", "--angle", "45", "--velocity", "30", "--json", "-q")
    assert res.exit_code == 0
    out = json.loads(res.stdout)
    assert out["schema"] == "cannon.trajectory/1"
    assert math.isclose(out["range_m"], 30**2 / G, rel_tol=1e-8)
    assert math.isclose(out["flight_time_s"], 2 * 30 * math.sin(math.pi / 4) / G, rel_tol=1e-8)
    assert math.isclose(out["apex_height_m"], (30 * math.sin(math.pi / 4)) ** 2 / (2 * G),
                        rel_tol=1e-8)
    assert len(out["samples"]) == 101
    assert set(out["samples"][0]) == {"t_s", "x_m", "y_m", "vx_mps", "vy_mps"}


@pytest.mark.parametrize("extra", [(), ("--drag", "quadratic")])
def test_miss_is_signed_alike_in_solve_and_simulate(extra):
    # out of reach at 40 m/s: the closest approach passes below the target, so miss < 0
    res, sol = solve_json("--distance", "100", "--velocity", "40", "--target-height", "100",
                          *extra)
    assert res.exit_code == 3 and sol["miss_m"] < -10
    out = json.loads(run("simulate", "--angle", repr(sol["angle_deg"]), "--velocity", "40",
                         "--distance", "100", "--target-height", "100", *extra,
                         "--json", "-q").stdout)
    assert out["crossing"]["miss_m"] == pytest.approx(sol["miss_m"], rel=1e-6)


def test_simulate_checks_a_solution():
    _, sol = solve_json("--distance", "500", "--velocity", "150", "--drag", "quadratic")
    res = run("simulate", "--angle", repr(sol["angle_deg"]), "--velocity", "150", "--drag",
              "quadratic", "--distance", "500", "--json", "-q")
    out = json.loads(res.stdout)
    assert abs(out["crossing"]["miss_m"]) <= 1e-6 * 500
    assert math.isclose(out["crossing"]["time_s"], sol["flight_time_s"], rel_tol=1e-6)
    assert math.isclose(out["apex_height_m"], sol["apex_height_m"], rel_tol=1e-5)
    assert math.isclose(out["crossing"]["speed_mps"], sol["impact_speed_mps"], rel_tol=1e-6)


def test_simulate_csv():
    res = run("simulate", "--angle", "30", "--velocity", "20", "--csv", "--samples", "5", "-q")
    assert res.exit_code == 0
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "t_s,x_m,y_m,vx_mps,vy_mps"
    assert len(lines) == 6
    assert [float(v) for v in lines[1].split(",")][:3] == [0.0, 0.0, 0.0]


def test_simulate_human_summary():
    res = run("simulate", "--angle", "30", "--velocity", "20", "--distance", "1000")
    assert res.exit_code == 0 and res.stdout == ""
    assert "never gets there" in res.stderr and "apex" in res.stderr


def test_simulate_bad_input():
    res = run("simulate", "--angle", "100", "--velocity", "20")
    assert res.exit_code == 1 and res.stderr.startswith("cannon: error: --angle")
    res = run("simulate", "--angle", "10", "--velocity", "20", "--json", "--csv")
    assert res.exit_code == 2


# -- the installed command ----------------------------------------------------------------------

CANNON = shutil.which("cannon")
installed = pytest.mark.skipif(CANNON is None, reason="the cannon console script is not installed")


def sh(*args, **kw):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([CANNON, *args], capture_output=True, text=True, env=env, timeout=60,
                          **kw)


@installed
def test_subprocess_solve_json():
    p = sh("solve", "--distance", "500", "--velocity", "150", "--drag", "quadratic", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["converged"] and abs(out["miss_m"]) <= 5e-4
    assert "firing solution" in p.stderr


@installed
def test_subprocess_exit_codes_and_no_traceback():
    assert sh("--version").stdout.startswith("cannon ")
    p = sh("solve", "--distance", "-1")
    assert p.returncode == 1 and p.stderr.startswith("cannon: error:")
    p = sh("solve", "--distance", "1000", "--velocity", "50", "--json")
    assert p.returncode == 3 and json.loads(p.stdout)["converged"] is False
    p = sh("solve", "--distance", "10", "--angle", "1", "--velocity", "1")
    assert p.returncode == 2
    for p in (sh("solve", "--distance", "-1"), sh("solve", "--nope")):
        assert "Traceback" not in p.stderr


@installed
def test_subprocess_python_dash_m():
    p = subprocess.run([sys.executable, "-m", "cannon_cli", "--version"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.startswith("cannon ")



def test_console_script_loads_only_the_command_it_runs():
    """`cannon solve ...` imports and registers the solve command alone (start-up, issue 12);
    help, a typo and completion still see every command."""
    code = ("import sys\nfrom cannon_cli import cli\nsys.argv = ['cannon'] + sys.argv[1:]\n"
            "try:\n    cli.run()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('cannon_cli.cli.')), "
            "file=sys.stderr)\n")

    def loaded(*args):
        p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                           timeout=60)
        return p.stdout, eval(p.stderr.strip().splitlines()[-1])

    out, mods = loaded("--traceback", "solve", "--distance", "120", "--json")
    assert json.loads(out)["converged"] is True
    assert "cannon_cli.cli.solve" in mods
    assert not {"cannon_cli.cli.table", "cannon_cli.cli.plot", "cannon_cli.cli.learn"} & set(mods)
    _, mods = loaded("compare", "--help")
    assert "cannon_cli.cli.learn" in mods and "cannon_cli.cli.solve" not in mods
    for args in (("--help",), ("sovle",)):
        out, mods = loaded(*args)
        assert {"cannon_cli.cli.solve", "cannon_cli.cli.plot", "cannon_cli.cli.true"} <= set(mods)


@installed
def test_subprocess_closed_pipe_is_quiet():
    p = subprocess.run(f"'{CANNON}' simulate --angle 45 --velocity 30 --csv --samples 200000 "
                       "| head -1", shell=True, capture_output=True, text=True, timeout=120)
    assert p.stdout.strip() == "t_s,x_m,y_m,vx_mps,vy_mps"
    assert "Traceback" not in p.stderr and "Error" not in p.stderr


def test_traceback_is_one_runs_choice():
    """--traceback raises the error for that run only: the environment is made per run, so the
    next run in the same process reports one line again."""
    from cannon_cli.errors import InputError

    shown = run("--traceback", "solve", "--distance", "-1")
    assert isinstance(shown.exception, InputError)
    quiet = run("solve", "--distance", "-1")
    assert quiet.exit_code == 1 and not isinstance(quiet.exception, InputError)
    assert "cannon: error: --distance must be > 0, got -1" in quiet.output
    assert "Traceback" not in quiet.output


# -- the closed status ---------------------------------------------------------------------------

@pytest.mark.parametrize("args,status", [
    (("--distance", "120"), "solved"),
    (("--distance", "1000", "--velocity", "50"), "out_of_reach"),
    (("--distance", "100", "--angle", "-10"), "out_of_reach"),  # the line of sight passes below
    (("--distance", "500", "--drag", "quadratic", "--solver", "gd", "--max-iter", "1"),
     "not_converged"),
])
def test_json_carries_a_closed_status(args, status):
    res, out = solve_json(*args)
    assert res.exit_code == (0 if status == "solved" else 3), res.output
    assert out["status"] == status
    assert out["converged"] is (status == "solved")
    assert ("reason" in out) is (status != "solved")


def test_batch_records_carry_the_status_bad_input_included():
    res = run("solve", "--input", "-", "--nl", "-q",
              input='{"distance_m": 100}\n{"distance_m": -1}\nnot json\n'
                    '{"distance_m": 1000, "velocity_mps": 50}\n')
    statuses = [json.loads(line)["status"] for line in res.stdout.splitlines()]
    assert statuses == ["solved", "bad_input", "bad_input", "out_of_reach"]
    assert res.exit_code == 1
