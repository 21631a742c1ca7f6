"""The one-shot loop in plain Python numbers (physics/scalar.py) against the array loop of
`model.integrate`, which it stands for: the same bits on real numbers, the complex step's
to the last bit or two (numpy's vectorised complex product fuses multiply-adds), and the array
loop again where Python arithmetic raises."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cannon_cli import Problem, solve
from cannon_cli.physics import model, scalar
from cannon_cli.physics.columns import Columns


BC = 0.223 * 0.45359237 / 0.0254 ** 2  # G7 0.223 lb/in² in kg/m²
TABLES = {"g7-icao": dict(drag="g7", atmosphere="icao", ballistic_coefficient=BC),
          "sphere": dict(drag="sphere", mass=5.0, diameter=0.12)}


def _params(drag, wind, grading, n):
    kw = TABLES.get(drag, dict(drag=drag, linear_drag=0.05))
    cols = Columns.of(np.full(n, 300.0), velocity=80.0, wind=wind, launch_height=2.0, **kw)
    return cols.params(32, None if grading is None else np.full(n, grading))


def _both(monkeypatch, theta, v, drag, wind, grading, **kw):
    """(one shot through the scalar loop, the same shot beside another through the arrays)."""
    calls = []
    run = scalar.integrate
    monkeypatch.setattr(scalar, "integrate", lambda *a: calls.append(1) or run(*a))
    one = model.integrate(np.array([theta]), np.array([v]), _params(drag, wind, grading, 1), **kw)
    assert calls, "the scalar loop was not taken"
    two = model.integrate(np.array([theta, 0.3]), np.array([v, 60.0]),
                          _params(drag, wind, grading, 2), **kw)
    assert len(calls) == 1
    return one, tuple(None if a is None else np.asarray(a)[..., :1] for a in two)


@pytest.mark.parametrize("drag,wind,grading", list(itertools.product(
    ["quadratic", "linear", "none"], [0.0, -4.0], [None, 0.3])))
def test_real_integrations_are_the_array_loops_bits(monkeypatch, drag, wind, grading):
    for order, dirs, apex in [(0, (0,), True), (0, (0,), False), (1, (0, 1), True)]:
        one, two = _both(monkeypatch, 0.7, 80.0, drag, wind, grading, order=order, dirs=dirs,
                         apex=apex)
        for a, b in zip(one, two):
            if a is not None:
                np.testing.assert_array_equal(a, b)
        if apex:  # the top of the arc was crossed and interpolated, not the launch height
            assert one[-1][0] > 10.0


@pytest.mark.parametrize("drag", ["quadratic", "linear"])
def test_complex_step_derivatives_are_the_array_loops_to_the_last_bits(monkeypatch, drag):
    # one direction: the complex step, on complex numbers; second derivatives along the angle:
    # the complex step of the first-order tangents
    for kw in [dict(order=1, dirs=(0,)), dict(order=1, dirs=(1,)),
               dict(order=2, dirs=(0, 1), along=0)]:
        one, two = _both(monkeypatch, 0.7, 80.0, drag, -4.0, None, apex=True, **kw)
        for a, b in zip(one, two):
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=2e-15, atol=0)


def test_complex_division_is_numpys():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(2, 2000)) * [[1.0], [1e-58]]
    b = rng.normal(size=(2, 2000)) * [[300.0], [1e-58]]
    b[:, :20] = b[::-1, :20]  # a few with the larger imaginary part: the other branch
    num, den = a[0] + 1j * a[1], b[0] + 1j * b[1]
    ours = [scalar._cdiv(complex(x), complex(y)) for x, y in zip(num, den)]
    np.testing.assert_array_equal(np.array(ours), num / den)


@pytest.mark.parametrize("drag", list(TABLES))
def test_drag_tables_and_air_through_the_models_own_kappa(monkeypatch, drag):
    """kappa from `model._kappa` on numbers: numpy's vectorised power and exponential may round
    a last bit otherwise than on scalars."""
    for kw in [dict(order=0), dict(order=1, dirs=(0, 1)), dict(order=1, dirs=(1,)),
               dict(order=2, dirs=(0, 1), along=0)]:
        one, two = _both(monkeypatch, 0.2, 600.0, drag, -4.0, None, apex=True, **kw)
        for a, b in zip(one, two):
            if a is not None:
                scale = np.nanmax(np.abs(b), axis=tuple(range(1, b.ndim)), keepdims=True)
                np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)
                assert np.nanmax(np.abs(a - b) / scale) < 1e-14


def test_a_shot_that_raises_in_python_is_integrated_on_arrays(monkeypatch):
    """vx = 0 exactly: 1 / 0 raises in Python; the array loop answers (NaN: not integrable)."""
    back = []
    run = scalar.integrate
    monkeypatch.setattr(scalar, "integrate", lambda *a: back.append(run(*a)) or back[-1])
    x, _, _ = model.integrate(np.array([0.5]), np.array([0.0]), _params("quadratic", 0, None, 1))
    assert back == [None] and np.isnan(x).all()


def test_single_solves_are_unchanged_by_the_scalar_loop(monkeypatch):
    p = Problem(distance=300.0, drag="quadratic", wind=-3.0, target_height=10.0)
    fast = solve(p)
    monkeypatch.setattr(scalar, "applies", lambda *a: False)
    slow = solve(p)
    assert fast.converged and slow.converged
    assert fast.angle_deg == pytest.approx(slow.angle_deg, rel=1e-12)
    assert fast.velocity_mps == pytest.approx(slow.velocity_mps, rel=1e-12)
    assert fast.iterations == slow.iterations


# ---- a drag table and the ICAO air at one number (what the loop calls at every stage) ---------

def _numbers(rng, lo, hi, count=400):
    """Reals, the complex step's (imaginary 1e-20) and complex numbers off the axis."""
    reals = [float(x) for x in rng.uniform(lo, hi, count)]
    return ([(x, "real") for x in reals] + [(complex(x, 1e-20), "step") for x in reals]
            + [(complex(x, 0.3 * abs(x) + 0.1), "complex") for x in reals])


@pytest.mark.parametrize("name", ["g1", "g7", "sphere"])
def test_a_drag_table_at_one_number_is_the_array_evaluation(name):
    """`DragTable.evaluate` at a Python number takes plain arithmetic (bisect for
    searchsorted): on real numbers the same bits, in the table and in its tails; complex ones
    to a few ulps (numpy's complex product and division round otherwise)."""
    from cannon_cli.physics import dragtable

    table = dragtable.bundled(name)
    rng = np.random.default_rng(7)
    cases = _numbers(rng, -1.0, 8.0) + [(float(m), "real") for m in table.mach]
    cases += [(float("nan"), "real"), (np.float64(1.2), "real")]
    for m, kind in cases:
        ours = table.evaluate(m, 3)
        arrays = [complex(v) if kind != "real" else float(v)
                  for v in table.evaluate(np.asarray(m), 3)]
        assert all(type(v) is (float if kind == "real" else complex) for v in ours)
        for k, (a, b) in enumerate(zip(ours, arrays)):
            if kind == "real":
                assert a == b or (np.isnan(a) and np.isnan(b)), (m, k, a, b)
            else:  # (the third derivative of a tail cancels: relative to the scale of its terms)
                assert abs(a - b) <= 1e-14 * max(abs(b), 1e-2), (m, k, a, b)
            if kind == "step":  # the derivative the complex step carries, on its own scale
                assert abs(a.imag - b.imag) <= 1e-13 * max(abs(b.imag), 1e-22), (m, k, a, b)


def test_the_icao_air_at_one_height_is_the_array_evaluation():
    """`Atmosphere.evaluate` at a Python number below the tropopause: plain arithmetic, the
    same operations (an ulp from numpy's power); above the tropopause the arrays'."""
    from cannon_cli.physics.atmosphere import Atmosphere

    rng = np.random.default_rng(8)
    for air in (Atmosphere(), Atmosphere(altitude=1500.0, humidity=60.0)):
        for h, kind in _numbers(rng, -3000.0, 8000.0) + [(12_000.0, "real")]:
            for order in (0, 1, 2):
                ours, arrays = air.evaluate(h, order), air.evaluate(np.asarray(h), order)
                flat = lambda out: [v for part in out for v in (
                    (part,) if order == 0 else part) if v is not None]
                for a, b in zip(flat(ours), flat(arrays)):
                    b = complex(b) if kind != "real" else float(b)
                    assert abs(a - b) <= 2e-15 * abs(b), (h, order, a, b)
                    if kind == "step":
                        assert abs(a.imag - b.imag) <= 1e-14 * abs(b.imag), (h, order, a, b)
