"""The generic core (physics/jet.py, field.py, core.py, shot.py): the field written once, its
derivatives with respect to every input by forward-mode jets, in 2-D and 3-D.

- the hand-specialised fast path of `model.integrate` (2-D, angle and speed) equals the generic
  path to 1e-10 relative, value and first and second derivatives, for every drag model;
- autograd's check_grads (orders 1 and 2) passes on the end state with respect to every input,
  in 2-D and 3-D, with drag tables and ICAO air, crosswind and the Earth's rotation;
- a 3-D shot with nothing lateral is the 2-D shot; a 3-D shot with crosswind and Coriolis hits
  where an independent DOP853 integration in time (tests/reference.py) says.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from autograd.test_util import check_grads
from reference import earth_rotation_in_shot_frame, reference_state_3d

from cannon_cli import Problem
from cannon_cli.physics import model
from cannon_cli.physics.columns import Columns
from cannon_cli.physics.field import earth_rotation
from cannon_cli.physics.jet import Jet
from cannon_cli.physics.correction import Curve
from cannon_cli.physics.shot import CD, INPUTS, Setup, end_state
from cannon_cli.units import LB_PER_IN2

DISTANCES = np.array([300.0, 500.0, 800.0])
CASES = {
    "linear": dict(drag="linear", linear_drag=0.05, mass=1.0, wind=-3.0),
    "quadratic": dict(drag="quadratic", mass=1.0, diameter=0.1, wind=2.0),
    "g7-icao": dict(drag="g7", atmosphere="icao", ballistic_coefficient=0.223 * LB_PER_IN2,
                    wind=2.0),
    "sphere": dict(drag="sphere", mass=5.0, diameter=0.12),
}
LAUNCH = {"linear": (0.3, 150.0), "quadratic": (0.2, 150.0), "g7-icao": (0.02, 792.48),
          "sphere": (0.15, 400.0)}


def _setup(case, steps=32, graded=False, **kw):
    p = Columns.from_physics(Problem(distance=500.0, **CASES[case]), DISTANCES).params(steps)
    if graded:
        p = Columns.from_physics(Problem(distance=500.0, **CASES[case]), DISTANCES).params(
            steps, grading=np.array([1.0, 0.6, 0.3]))
    return Setup(p, **kw)


def _launch(case):
    th, v = LAUNCH[case]
    return np.array([th, th * 1.1, th * 1.3]), np.array([v, v * 1.05, v * 1.1])


def _rel(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1.0)))


@pytest.mark.parametrize("graded", [False, True], ids=["even", "graded"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_fast_path_equals_the_generic_one(case, graded):
    """The hand-derived tangents of `model.integrate` against the jets through the one field."""
    setup = _setup(case, graded=graded)
    th, v = _launch(case)
    x, d1, d2 = model.integrate(th, v, setup.params, order=2, dirs=(0, 1))
    from cannon_cli.physics.shot import _fly

    values = [th, np.zeros(3), v, setup.params.wind, np.zeros(3), np.ones(3),
              setup.params.gravity, setup.params.launch_height, setup.params.distance, np.ones(3)]
    values += [np.zeros(3)] * len(CD)
    jet = _fly(values, setup, 2, (0, 2), False)
    a = jet.a  # (4, 1 + 2 + 3, N): value, d/dtheta, d/dv, then (tt, tv, vv)
    assert _rel(a[:, 0], x) < 1e-10
    assert _rel(a[:, 1], d1[:, 0]) < 1e-10 and _rel(a[:, 2], d1[:, 1]) < 1e-10
    assert _rel(a[:, 3], d2[:, 0, 0]) < 1e-10
    assert _rel(a[:, 4], d2[:, 0, 1]) < 1e-10 and _rel(a[:, 5], d2[:, 1, 1]) < 1e-10
    # and the first-order fast path (the solvers' hot loop, complex step for one target)
    x1, e1, _ = model.integrate(th, v, setup.params, order=1, dirs=(0, 1))
    assert _rel(e1[:, 0], a[:, 1]) < 1e-10 and _rel(x1, a[:, 0]) < 1e-10


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("three", [False, True], ids=["2d", "3d"])
@pytest.mark.parametrize("case", sorted(CASES) + ["none"])
def test_fused_first_order_equals_the_generic_jets(case, three, order, monkeypatch):
    """`fused.rates` (the first-order tangents along the launch inputs, fused; or the values
    alone) against the jets through `field.rates`, along every launch direction at once: 2-D,
    and 3-D with crosswind and the Earth's rotation; graded meshes; drag tables in ICAO air; no
    drag."""
    from cannon_cli.physics import core, fused, shot

    if case == "none":
        p = Columns.from_physics(Problem(distance=500.0), DISTANCES).params(16)
        setup, (th, v) = Setup(p), (np.array([0.3, 0.5, 0.7]), np.array([90.0, 80.0, 120.0]))
    else:
        setup, (th, v) = _setup(case, graded=True), _launch(case)
    p = setup.params
    if three:
        setup = Setup(p, earth_rotation(np.array([45.0, -30.0, 60.0]), 75.0), True)
    values = [th, np.array([0.01, -0.02, 0.0]) if three else np.zeros(3), v, p.wind,
              np.array([4.0, -2.0, 0.5]) if three else np.zeros(3), np.ones(3), p.gravity,
              p.launch_height + np.array([0.0, 1.5, -2.0]), p.distance, np.ones(3)]
    values += [np.zeros(3)] * len(CD)
    dirs = ((0, 1, 2, 7) if three else (0, 2, 7)) if order else ()
    calls = []
    monkeypatch.setattr(core, "fused_rates", lambda *a: calls.append(1) or fused.rates(*a))
    fast, top, umin = shot._fly(values, setup, order, dirs, three, track=True, apex=True)
    assert len(calls) == 4 * p.steps  # the fused path was taken
    monkeypatch.setattr(fused, "applies", lambda *a: False)
    slow, top_g, umin_g = shot._fly(values, setup, order, dirs, three, track=True, apex=True)
    if order:
        fast, slow = fast.a, slow.a
        assert fast.shape == (6 if three else 4, 1 + len(dirs), 3)
    assert slow.shape == fast.shape and np.isfinite(fast).all()
    assert _rel(fast, slow) < 1e-10
    assert _rel(top, top_g) < 1e-10 and _rel(umin, umin_g) < 1e-10


@pytest.mark.parametrize("order", [0, 1, 2])
@pytest.mark.parametrize("three", [False, True], ids=["2d", "3d"])
def test_without_the_time_the_rest_of_the_end_state_is_the_same(order, three):
    """`Setup.time` off (the solvers' residuals): the other rows and their derivatives are the
    same numbers, through the fused path (order 1) and the generic one (orders 0 and 2)."""
    from autograd import jacobian
    from autograd import numpy as anp

    setup = _setup("g7-icao", graded=True, **({"omega": earth_rotation(45.0, 75.0)}
                                              if three else {}))
    th, v = _launch("g7-icao")
    lateral = {"azimuth": np.array([0.01, -0.02, 0.0]),
               "crosswind": np.array([4.0, -2.0, 0.5])} if three else {}

    def state(elevation, time):
        inputs = {"elevation": elevation, "speed": v, **lateral}
        return anp.stack(end_state(inputs, Setup(setup.params, setup.omega, three, time=time)))

    def derivative(time):
        f = lambda e: state(e, time)
        for _ in range(order):
            f = jacobian(f)
        return np.asarray(f(th))

    timed, timeless = derivative(True), derivative(False)
    # (a jacobian's entries across shots are zeros: the shots are independent)
    assert np.isfinite(timed).all() and np.isnan(timeless[-1][timed[-1] != 0]).all()
    assert np.array_equal(timeless[:-1], timed[:-1])


def _inputs(three: bool):
    th, v = _launch("g7-icao")
    out = {"elevation": th, "speed": v, "wind": np.array([1.0, -2.0, 0.5]),
           "drag_scale": np.array([1.0, 0.97, 1.02]), "gravity": np.full(3, 9.80665),
           "launch_height": np.array([0.0, 1.5, 10.0]), "distance": DISTANCES.copy(),
           "sound_scale": np.array([1.0, 1.01, 0.99])}
    if three:
        out.update(azimuth=np.array([0.001, -0.002, 0.0]),
                   crosswind=np.array([4.4704, 2.0, -3.0]))
    return out


@pytest.mark.parametrize("name,three", [(n, False) for n in INPUTS
                                        if n not in ("azimuth", "crosswind")]  # those are 3-D
                         + [(n, True) for n in INPUTS])
def test_check_grads_with_respect_to_every_input(name, three):
    # the Cd correction's coefficients (truing) with a curve whose bumps the flights cross
    setup = _setup("g7-icao", steps=16,
                   omega=earth_rotation(45.0, 60.0) if three else None,
                   cd=Curve.spread([1.3, 1.8, 2.3, 2.6, 2.8, 3.0]))
    base = _inputs(three)
    base.update({c: np.array([0.05, -0.03, 0.02]) * (k + 1) for k, c in enumerate(CD)})
    weights = np.array([1.0, 0.3, 0.01, 0.02, 0.05, 1.0][:6 if three else 4])

    def f(x):
        out = end_state({**base, name: x}, setup)
        return sum(w * o for w, o in zip(weights, out))

    check_grads(f, modes=["rev"], order=2)(base[name])


def test_check_grads_quadratic_and_linear_in_3d():
    for case in ("quadratic", "linear"):
        setup = _setup(case, steps=16, three=True)
        th, v = _launch(case)
        base = {"elevation": th, "speed": v, "crosswind": np.array([3.0, -1.0, 0.5]),
                "azimuth": np.array([0.01, 0.0, -0.01])}
        for name in base:
            check_grads(lambda x, name=name: end_state({**base, name: x}, setup)[1], modes=["rev"],
                        order=2)(base[name])


def test_three_dimensions_with_nothing_lateral_is_the_two_dimensional_shot():
    setup = _setup("g7-icao")
    th, v = _launch("g7-icao")
    flat = end_state({"elevation": th, "speed": v}, setup)
    solid = end_state({"elevation": th, "speed": v}, Setup(setup.params, three=True))
    for a, b in zip(flat, (solid[0], solid[2], solid[3], solid[5])):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)
    assert not np.any(solid[1]) and not np.any(solid[4])


@pytest.mark.parametrize("latitude,bearing", [(None, 0.0), (45.0, 90.0), (60.0, 0.0),
                                              (-30.0, 200.0)])
def test_three_dimensions_against_an_independent_integration(latitude, bearing):
    """Crosswind, an azimuth and Coriolis: the end state at 512 RK4 steps against DOP853 in time
    (rtol 1e-12) written apart from the model, to 1e-9 of the distance."""
    problem = Problem(distance=1000.0, drag="quadratic", mass=0.5, diameter=0.05, wind=-2.0)
    d = np.array([1000.0])
    p = Columns.from_physics(problem, d).params(512)
    omega = None if latitude is None else earth_rotation(latitude, bearing)
    np.testing.assert_allclose(omega or (0.0, 0.0, 0.0),
                               earth_rotation_in_shot_frame(latitude, bearing)
                               if latitude is not None else (0.0, 0.0, 0.0), rtol=1e-14, atol=0)
    elev, az, speed, cross = 0.12, 0.01, 420.0, 6.0
    ours = end_state({"elevation": np.array([elev]), "azimuth": np.array([az]),
                      "speed": np.array([speed]), "crosswind": np.array([cross])},
                     Setup(p, omega=omega))
    ref = reference_state_3d(problem, elev, az, speed, 1000.0, crosswind=cross,
                             latitude=latitude, bearing=bearing)
    for k, (a, b) in enumerate(zip(ours, ref)):
        scale = 1000.0 if k < 2 else max(abs(b), 1.0)
        assert abs(float(a[0]) - b) <= 1e-9 * scale, (k, float(a[0]), b)


def test_coriolis_directions():
    """Northern hemisphere: a shot fired north drifts right; one fired east flies high (Eotvos),
    one fired west low."""
    problem = Problem(distance=1000.0, drag="quadratic", mass=0.01, diameter=0.0078)
    p = Columns.from_physics(problem, np.array([1000.0])).params(64)
    shot = {"elevation": np.array([0.01]), "speed": np.array([800.0])}
    still = end_state(shot, Setup(p, three=True))
    north = end_state(shot, Setup(p, omega=earth_rotation(45.0, 0.0)))
    east = end_state(shot, Setup(p, omega=earth_rotation(45.0, 90.0)))
    west = end_state(shot, Setup(p, omega=earth_rotation(45.0, 270.0)))
    assert north[1][0] > 0.0
    assert east[0][0] > still[0][0] > west[0][0]


def test_jet_arithmetic_against_autograd():
    import autograd.numpy as anp
    from autograd import grad, hessian

    x = Jet.seed(np.array([1.0, 2.0, 3.0]), 0, 2, 2, 3)
    y = Jet.seed(np.array([4.0, 5.0, 6.0]), 1, 2, 2, 3)
    f = (x * x * y + 2.0).sqrt() / (y - x) - 3.0 / x + (1.0 - y) * 2.0

    def g(v):
        return anp.sqrt(v[0] * v[0] * v[1] + 2.0) / (v[1] - v[0]) - 3.0 / v[0] + (1 - v[1]) * 2

    for k in range(3):
        v = np.array([x.value[k], y.value[k]])
        h = hessian(g)(v)
        assert math.isclose(f.value[k], g(v), rel_tol=1e-14)
        np.testing.assert_allclose(f.d1[:, k], grad(g)(v), rtol=1e-13)
        np.testing.assert_allclose(f.d2[:, k], [h[0, 0], h[0, 1], h[1, 1]], rtol=1e-12)


def test_linear_drag_crosswind_closed_form():
    """Linear drag, crosswind w_z, no lateral launch velocity (docs/physics.md §9):
    z(t) = w_z (t - (1 - exp(-k t)) / k) at the time t the shot passes the distance."""
    k, wz = 0.05, 5.0
    problem = Problem(distance=400.0, drag="linear", linear_drag=k, mass=1.0, wind=-1.5)
    p = Columns.from_physics(problem, np.array([400.0])).params(256)
    y, z, vx, vy, vz, t = end_state({"elevation": np.array([0.3]), "speed": np.array([120.0]),
                                     "crosswind": np.array([wz])}, Setup(p))
    t = float(t[0])
    assert math.isclose(float(z[0]), wz * (t - (1.0 - math.exp(-k * t)) / k), rel_tol=1e-9)
    assert math.isclose(float(vz[0]), wz * (1.0 - math.exp(-k * t)), rel_tol=1e-9)
