"""The command behaves the same way everywhere: no floating-point noise on stderr, files checked
before the work, units on every option, output paths, the table streamed like a batch,
meaningful numbers in every message. Each test goes through the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from cannon_cli.cli import app

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), prog_name="cannon", input=input)


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
    from cannon_cli import aim, plot, policy

    for module, name in ((plot, "landscape"), (plot, "shot_picture"), (policy, "train"),
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

@pytest.mark.xfail(strict=True, reason="aim.py (the aiming core, not this change): a start that "
                   "overflows is reported as a fixed angle's line of sight, at nan°")
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
