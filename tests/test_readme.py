"""The figures the README quotes are what the command answers: each one is run here, so a
change that moves an answer fails until the README says the new figure. (A figure no test can
afford to check, such as the iterations saved by a policy that takes 15 s to train, is not
quoted in the README: benchmarks/ measure it, and docs/performance.md dates it.)"""

from __future__ import annotations

import json
import math
import re
import shlex
from pathlib import Path

import pytest
from conftest import run

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def solved(command: str) -> dict:
    args = shlex.split(command)[1:]
    res = run(*args, "--json", "-q")
    assert res.exit_code == 0, (command, res.output)
    return json.loads(res.stdout)


def close_to_printed(value: float, printed: str) -> bool:
    """Within one unit of the last digit printed."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return abs(value - float(printed)) <= 10.0 ** -decimals * (1 + 1e-9)


#: "cannon solve ...   # ... (45°, 34.3 m/s in vacuum)": the figures in the parentheses
EXAMPLE = re.compile(r"^(cannon solve [^#\n]*?)\s+#[^(\n]*\(([^)\n]*)\)", re.M)
FIGURE = re.compile(r"([\d.]+)\s*(°|m/s)")


@pytest.mark.parametrize("command,figures", EXAMPLE.findall(README))
def test_the_examples_figures(command, figures):
    out = solved(command)
    found = FIGURE.findall(figures)
    assert found, figures
    for number, unit in found:
        value = out["angle_deg"] if unit == "°" else out["velocity_mps"]
        assert close_to_printed(value, number), (command, unit, value, number)


def test_the_308_figures():
    m = re.search(r"^(cannon solve --distance 1000 [^\n]*--atmosphere icao)\n"
                  r"# \.\.\. ([\d.]+)° = ([\d.]+) MOA = ([\d.]+) mrad", README, re.M)
    assert m, "the .308 example moved"
    angle = solved(m.group(1))["angle_deg"]
    assert close_to_printed(angle, m.group(2))
    assert close_to_printed(angle * 60.0, m.group(3))
    assert close_to_printed(math.radians(angle) * 1e3, m.group(4))


def test_no_iteration_counts_in_the_examples():
    comments = re.findall(r"^cannon [^\n]*#([^\n]*)", README, re.M)
    assert comments
    assert not [c for c in comments if re.search(r"\d+ iterations", c)]


def test_the_python_example():
    m = re.search(r"^s = (solve\(Problem\([^\n]*\)\))\n"
                  r"s\.angle_deg, s\.velocity_mps, s\.miss_m, s\.converged\s+# ([\d.]+)\.\.\., "
                  r"([\d.]+), (-?[\d.e-]+), True", README, re.M)
    assert m, "the Python example moved"
    from cannon_cli import Problem, solve  # noqa: F401 - the example's names

    s = eval(m.group(1))
    assert s.converged and close_to_printed(s.angle_deg, m.group(2))
    assert s.velocity_mps == float(m.group(3))
    assert f"{s.miss_m:.0e}" == m.group(4)  # its sign, and its order of magnitude
