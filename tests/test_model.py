"""The projectile model (cannon_cli.physics.model) against independent references (tests/reference.py):
closed forms in vacuum, a time-domain DOP853 integration with drag, RK4's order of accuracy,
and autograd's derivatives against finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from autograd import elementwise_grad
from autograd.test_util import check_grads

from cannon_cli import Shot
from cannon_cli.physics.model import Params, endpoint, flight, integrate

from reference import (STANDARD_GRAVITY, drag_constants, reference_apex, reference_height_at,
                       reference_state_at, vacuum_height)

G = STANDARD_GRAVITY


def params_for(physics, distance, steps=64):
    """Model Params for a Shot's physics, with the drag constants computed independently."""
    k, c = drag_constants(physics)
    one = lambda value: np.full(1, float(value))
    return Params(physics.drag, one(distance), one(physics.launch_height), one(physics.gravity),
                  one(physics.wind), one(k), one(c), steps)


def physics(drag="quadratic", **kw):
    """A Shot used only as a bag of physics fields (angle/velocity are placeholders)."""
    return Shot(drag=drag, angle=kw.pop("angle", 30.0), velocity=kw.pop("velocity", 100.0),
                **kw)


def y_at(theta, v, p):
    x, _, _ = integrate(np.array([theta]), np.array([v]), p)
    return float(x[0][0])


# --------------------------------------------------------------------------------------------
# Vacuum
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("h0", [0.0, 12.5, -3.0])
def test_vacuum_endpoint_is_the_closed_form(h0):
    theta = np.radians([5.0, 30.0, 45.0, 60.0, 80.0, -10.0])
    v = np.array([300.0, 120.0, 80.0, 95.0, 200.0, 150.0])
    n = theta.size
    d = np.array([900.0, 500.0, 300.0, 250.0, 400.0, 100.0])
    p = Params("none", d, np.full(n, h0), np.full(n, G), np.zeros(n), np.zeros(n), np.zeros(n))
    y, vx, vy, t = (np.asarray(a) for a in endpoint(theta, v, p))
    np.testing.assert_allclose(y, vacuum_height(d, theta, v, h0), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(vx, v * np.cos(theta), rtol=1e-14)
    np.testing.assert_allclose(t, d / (v * np.cos(theta)), rtol=1e-14)
    np.testing.assert_allclose(vy, v * np.sin(theta) - G * t, rtol=1e-12, atol=1e-9)


def test_vacuum_endpoint_with_other_gravity():
    p = Params("none", np.array([200.0]), np.zeros(1), np.full(1, 1.62), np.zeros(1),
               np.zeros(1), np.zeros(1))
    y = float(endpoint(np.radians([20.0]), np.array([40.0]), p)[0][0])
    assert y == pytest.approx(vacuum_height(200.0, math.radians(20.0), 40.0, 0.0, 1.62),
                              rel=1e-12)


# --------------------------------------------------------------------------------------------
# With drag: the x-integration against a time-domain DOP853 reference
# --------------------------------------------------------------------------------------------

SHOTS = [  # distance (m), angle (deg), speed (m/s), launch height (m)
    (500.0, 17.0, 150.0, 0.0),
    (300.0, 40.0, 73.4, 3.0),
    (200.0, 60.0, 80.0, 0.0),
    (100.0, 5.0, 300.0, -2.0),
]


@pytest.mark.parametrize("wind", [0.0, 5.0, -5.0])
@pytest.mark.parametrize("drag", ["linear", "quadratic"])
@pytest.mark.parametrize("shot", SHOTS, ids=lambda s: f"{s[0]:g}m-{s[1]:g}deg")
def test_drag_height_matches_dop853(drag, wind, shot):
    d, angle, v, h0 = shot
    phys = physics(drag, wind=wind, launch_height=h0)
    theta = math.radians(angle)
    ref = reference_state_at(phys, theta, v, d)
    x, _, _ = integrate(np.array([theta]), np.array([v]), params_for(phys, d, steps=64))
    assert x[0][0] == pytest.approx(ref[0], abs=1e-7 * d)
    # the rest of the end state too: velocity and time of flight
    assert x[1][0] == pytest.approx(ref[1], rel=1e-7)
    assert x[2][0] == pytest.approx(ref[2], abs=1e-7 * v)
    assert x[3][0] == pytest.approx(ref[3], rel=1e-7)


def test_drag_parameters_other_than_defaults():
    phys = physics("quadratic", mass=4.0, diameter=0.2, drag_coefficient=0.3, air_density=1.0,
                   gravity=9.0, wind=2.0, launch_height=10.0)
    theta, v, d = math.radians(30.0), 120.0, 600.0
    assert y_at(theta, v, params_for(phys, d, 64)) == pytest.approx(
        reference_height_at(phys, theta, v, d), abs=1e-7 * d)
    phys = physics("linear", mass=2.0, linear_drag=0.5, gravity=9.7, wind=-3.0)
    d = 300.0  # v cos(theta) / k = 416 m is as far as it can ever go
    assert y_at(theta, v, params_for(phys, d, 64)) == pytest.approx(
        reference_height_at(phys, theta, v, d), abs=1e-7 * d)


def test_vectorised_integration_equals_one_at_a_time():
    phys = physics("quadratic", wind=3.0)
    k, c = drag_constants(phys)
    d = np.array([500.0, 300.0, 200.0])
    theta = np.radians([17.0, 40.0, 60.0])
    v = np.array([150.0, 73.4, 80.0])
    n = 3
    p = Params("quadratic", d, np.zeros(n), np.full(n, G), np.full(n, 3.0), np.zeros(n),
               np.full(n, c), 64)
    together = integrate(theta, v, p)[0]
    for i in range(n):
        alone = integrate(theta[i:i + 1], v[i:i + 1], p.take(np.array([i])))[0]
        np.testing.assert_allclose(together[:, i], alone[:, 0], rtol=1e-13)


@pytest.mark.parametrize("drag", ["linear", "quadratic"])
def test_rk4_is_fourth_order(drag):
    phys = physics(drag)
    d, theta, v = 300.0, math.radians(40.0), 73.4
    ref = reference_height_at(phys, theta, v, d)
    e16 = abs(y_at(theta, v, params_for(phys, d, 16)) - ref)
    e32 = abs(y_at(theta, v, params_for(phys, d, 32)) - ref)
    e64 = abs(y_at(theta, v, params_for(phys, d, 64)) - ref)
    assert 10.0 < e16 / e32 < 22.0
    assert 10.0 < e32 / e64 < 22.0


# --------------------------------------------------------------------------------------------
# Derivatives
# --------------------------------------------------------------------------------------------

GRAD_CASES = [  # drag, distance, angle (deg), speed, wind, launch height
    ("none", 300.0, 35.0, 80.0, 0.0, 2.0),
    ("linear", 300.0, 35.0, 80.0, 3.0, 2.0),
    ("quadratic", 300.0, 35.0, 80.0, -4.0, 2.0),
    ("quadratic", 500.0, 60.0, 150.0, 0.0, 0.0),
]


def grad_params(case, steps=32):
    drag, d, _, _, wind, h0 = case
    return params_for(physics(drag, wind=wind, launch_height=h0), d, steps)


@pytest.mark.parametrize("component", range(4), ids=["y", "vx", "vy", "t"])
@pytest.mark.parametrize("case", GRAD_CASES, ids=lambda c: f"{c[0]}-{c[2]:g}deg-w{c[4]:g}")
def test_gradients_match_finite_differences(case, component):
    np.random.seed(1)
    p = grad_params(case)
    theta, v = np.radians([case[2]]), np.array([case[3]])
    of_theta = lambda th: endpoint(th, v, p)[component]
    of_v = lambda vv: endpoint(theta, vv, p)[component]
    for order in (1, 2):
        check_grads(of_theta, modes=["rev"], order=order)(theta)
        check_grads(of_v, modes=["rev"], order=order)(v)


def test_gradients_vectorised_over_shots():
    np.random.seed(2)
    phys = physics("quadratic", wind=2.0)
    k, c = drag_constants(phys)
    n = 3
    p = Params("quadratic", np.array([500.0, 300.0, 200.0]), np.zeros(n), np.full(n, G),
               np.full(n, 2.0), np.zeros(n), np.full(n, c), 32)
    theta, v = np.radians([17.0, 40.0, 55.0]), np.array([150.0, 73.4, 80.0])
    check_grads(lambda th: endpoint(th, v, p)[0], modes=["rev"], order=2)(theta)
    check_grads(lambda vv: endpoint(theta, vv, p)[0], modes=["rev"], order=2)(v)


@pytest.mark.parametrize("component", range(4), ids=["y", "vx", "vy", "t"])
@pytest.mark.parametrize("case", GRAD_CASES, ids=lambda c: f"{c[0]}-{c[2]:g}deg-w{c[4]:g}")
def test_gradients_with_respect_to_angle_and_speed_together(case, component):
    """Angle and speed taken from one array (one autograd trace, both directions at once)."""
    np.random.seed(3)
    p = grad_params(case)
    z = np.array([math.radians(case[2]), case[3]])
    f = lambda zz: endpoint(zz[0:1], zz[1:2], p)[component]
    check_grads(f, modes=["rev"], order=2)(z)


@pytest.mark.parametrize("component", range(4), ids=["y", "vx", "vy", "t"])
@pytest.mark.parametrize("case", GRAD_CASES, ids=lambda c: f"{c[0]}-{c[2]:g}deg-w{c[4]:g}")
def test_mixed_second_derivative(case, component):
    """d2/(dtheta dv) by autograd (both orders of differentiation) against central differences
    of autograd's first derivatives."""
    p = grad_params(case)
    theta, v = np.radians([case[2]]), np.array([case[3]])
    d_theta = lambda th, vv: elementwise_grad(lambda a: endpoint(a, vv, p)[component])(th)
    d_v = lambda th, vv: elementwise_grad(lambda b: endpoint(th, b, p)[component])(vv)
    mixed_tv = elementwise_grad(lambda b: d_theta(theta, b))(v)[0]
    mixed_vt = elementwise_grad(lambda a: d_v(a, v))(theta)[0]
    hv, ht = 1e-4 * v[0], 1e-5
    fd_v = (d_theta(theta, v + hv)[0] - d_theta(theta, v - hv)[0]) / (2 * hv)
    fd_t = (d_v(theta + ht, v)[0] - d_v(theta - ht, v)[0]) / (2 * ht)
    scale = max(abs(mixed_tv), 1e-3)
    assert mixed_tv == pytest.approx(mixed_vt, abs=1e-9 * scale)
    assert mixed_tv == pytest.approx(fd_v, abs=1e-5 * scale)
    assert mixed_vt == pytest.approx(fd_t, abs=1e-5 * scale)


@pytest.mark.parametrize("drag", ["linear", "quadratic"])
def test_tangent_and_complex_step_derivatives_agree(drag):
    """integrate(order=1) along one direction (complex step) and along both (tangent
    equations) give the same first derivatives; both equal the derivative of the discrete
    map (central differences of integrate itself)."""
    p = params_for(physics(drag, wind=-2.0), 400.0, 32)
    theta, v = np.radians([30.0]), np.array([110.0])
    x, both, _ = integrate(theta, v, p, order=1, dirs=(0, 1))
    for a in (0, 1):
        x1, one, _ = integrate(theta, v, p, order=1, dirs=(a,))
        np.testing.assert_allclose(x1.real, x, rtol=1e-14)
        np.testing.assert_allclose(one[:, 0], both[:, a], rtol=1e-10, atol=1e-12)
    h = 1e-6
    fd_theta = (integrate(theta + h, v, p)[0] - integrate(theta - h, v, p)[0]) / (2 * h)
    np.testing.assert_allclose(both[:, 0, 0], fd_theta[:, 0], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shot", [
    {"drag": "linear", "wind": 3.0},
    {"drag": "quadratic", "wind": -4.0, "launch_height": 2.0},
    {"drag": "g7", "ballistic_coefficient": 150.0, "atmosphere": "icao"},
    {"drag": "sphere", "atmosphere": "icao", "altitude": 1500.0},
], ids=["linear", "quadratic", "g7-icao", "sphere-icao"])
def test_second_derivatives_along_one_direction_are_the_tangent_equations(shot):
    """integrate(order=2, along=a) (the complex step of the first-order tangents) gives the
    second derivatives d²/da db of the second-order tangent equations, and leaves NaN where
    it computed nothing; the value and the first derivatives are unchanged."""
    from cannon_cli.physics.trajectory import params_for as model_params

    p = model_params(Shot(angle=0.0, velocity=1.0, **shot), 400.0).with_steps(48)
    theta, v = np.radians([25.0, 50.0]), np.array([300.0, 120.0])
    x, d1, d2 = integrate(theta, v, p, order=2)
    for along in (0, 1):
        xa, d1a, d2a = integrate(theta, v, p, order=2, along=along)
        np.testing.assert_allclose(xa, x, rtol=1e-14)
        np.testing.assert_allclose(d1a, d1, rtol=1e-12, atol=1e-12 * np.abs(d1).max())
        for i, j in ((along, 0), (along, 1), (0, along), (1, along)):
            np.testing.assert_allclose(d2a[:, i, j], d2[:, i, j], rtol=1e-10,
                                       atol=1e-12 * np.abs(d2).max())
        other = 1 - along
        assert np.isnan(d2a[:, other, other]).all()  # never computed: never a zero
        _, _, d2s = integrate(theta, v, p, order=2, dirs=(along,), along=along)
        np.testing.assert_allclose(d2s[:, 0, 0], d2[:, along, along], rtol=1e-10,
                                   atol=1e-12 * np.abs(d2).max())


def test_endpoint_asks_second_derivatives_along_the_angle_for_the_slope():
    """The minimum-speed residual's slope (dy/dangle, differentiated once more along angle
    and speed) takes the complex step along the angle, a second derivative in the speed alone
    the one along the speed; a Hessian in both, the full second-order tangents."""
    from autograd import grad, make_vjp

    from cannon_cli.physics import model

    p = grad_params(GRAD_CASES[2])
    seen = []
    real = model._endpoint

    def spy(theta, v, p, order, dirs, along=None):
        seen.append((order, dirs, along))
        return real(theta, v, p, order, dirs, along)

    model._endpoint = spy
    try:
        def slope(z):
            vjp, _ = make_vjp(lambda th: endpoint(th, z[1:2], p)[0])(z[0:1])
            return vjp(np.ones(1))[0]

        elementwise_grad(slope)(np.array([0.6, 80.0]))
        elementwise_grad(elementwise_grad(lambda vv: endpoint(np.array([0.6]), vv, p)[0]))(
            np.array([80.0]))
        y = lambda z: endpoint(z[0:1], z[1:2], p)[0][0]
        grad(lambda z: grad(y)(z)[1])(np.array([0.6, 80.0]))
    finally:
        model._endpoint = real
    assert seen == [(2, (0, 1), 0), (2, (1,), 1), (2, (0, 1), None)]


# --------------------------------------------------------------------------------------------
# Shots that never get there
# --------------------------------------------------------------------------------------------

def test_shot_that_cannot_reach_is_nan():
    phys = physics("quadratic")
    theta, v, d = math.radians(89.0), 150.0, 500.0
    assert math.isnan(reference_height_at(phys, theta, v, d))  # the reference agrees
    p = params_for(phys, d, 64)
    for order in (0, 1, 2):
        x, d1, d2 = integrate(np.array([theta]), np.array([v]), p, order=order)
        assert np.isnan(x).all()
        for a in (d1, d2):
            assert a is None or np.isnan(a).all()
    assert all(np.isnan(np.asarray(c)).all() for c in endpoint(np.array([theta]),
                                                               np.array([v]), p))
    assert np.isnan(flight(np.array([theta]), np.array([v]), p)[4]).all()


def test_unreachable_shot_does_not_spoil_its_batch():
    phys = physics("quadratic")
    k, c = drag_constants(phys)
    n = 3
    p = Params("quadratic", np.full(n, 500.0), np.zeros(n), np.full(n, G), np.zeros(n),
               np.zeros(n), np.full(n, c), 64)
    theta, v = np.radians([17.0, 89.0, 30.0]), np.array([150.0, 150.0, 150.0])
    x, d1, _ = integrate(theta, v, p, order=1)
    assert np.isnan(x[:, 1]).all() and np.isnan(d1[..., 1]).all()
    assert np.isfinite(x[:, [0, 2]]).all() and np.isfinite(d1[..., [0, 2]]).all()
    for i in (0, 2):
        assert x[0, i] == pytest.approx(reference_height_at(phys, theta[i], v[i], 500.0),
                                        abs=1e-7 * 500.0)


@pytest.mark.parametrize("wrt", ["angle", "speed"])
def test_derivative_of_a_shot_that_cannot_reach_is_nan(wrt):
    p = params_for(physics("quadratic"), 500.0, 64)
    theta, v = np.radians([89.0]), np.array([150.0])
    if wrt == "angle":
        d = elementwise_grad(lambda a: endpoint(a, v, p)[0])(theta)
    else:
        d = elementwise_grad(lambda b: endpoint(theta, b, p)[0])(v)
    assert np.isnan(d).all(), f"got {d}, a derivative for a shot that never gets there"


def test_unreachable_shot_does_not_poison_the_derivatives_of_its_batch():
    """Derivatives are per shot: a NaN shot in the batch leaves the others' derivatives alone,
    also when only the reachable shots are differentiated."""
    phys = physics("quadratic")
    k, c = drag_constants(phys)
    n = 3
    p = Params("quadratic", np.full(n, 500.0), np.zeros(n), np.full(n, G), np.zeros(n),
               np.zeros(n), np.full(n, c), 64)
    theta, v = np.radians([17.0, 89.0, 30.0]), np.array([150.0, 150.0, 150.0])
    keep = np.array([1.0, 0.0, 1.0])
    d = elementwise_grad(lambda a: endpoint(a, v, p)[0] * keep)(theta)
    assert np.isfinite(d[[0, 2]]).all()
    for i in (0, 2):
        one = p.take(np.array([i]))
        alone = elementwise_grad(lambda a: endpoint(a, v[i:i + 1], one)[0])(theta[i:i + 1])
        assert d[i] == pytest.approx(alone[0], rel=1e-12)


def test_headwind_that_blows_the_shot_back_is_nan():
    phys = physics("linear", linear_drag=2.0, wind=-30.0)
    theta, v, d = math.radians(60.0), 20.0, 200.0
    assert math.isnan(reference_height_at(phys, theta, v, d))
    assert math.isnan(y_at(theta, v, params_for(phys, d, 64)))


# --------------------------------------------------------------------------------------------
# The apex reported by `flight`
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("h0", [0.0, 7.0])
def test_vacuum_apex_is_the_closed_form(h0):
    theta, v, d = np.radians([30.0, 60.0]), np.array([100.0, 80.0]), np.array([800.0, 600.0])
    p = Params("none", d, np.full(2, h0), np.full(2, G), np.zeros(2), np.zeros(2), np.zeros(2))
    top = flight(theta, v, p)[4]
    np.testing.assert_allclose(top, h0 + (v * np.sin(theta)) ** 2 / (2 * G), rtol=1e-13)


def test_vacuum_apex_beyond_the_target_is_the_end_height():
    """Still climbing at the target: the highest point on the way is the end point."""
    theta, v, d = np.radians([45.0]), np.array([100.0]), np.array([200.0])
    p = Params("none", d, np.zeros(1), np.full(1, G), np.zeros(1), np.zeros(1), np.zeros(1))
    y, *_, top = flight(theta, v, p)
    assert top[0] == pytest.approx(y[0], rel=1e-14)
    assert top[0] < (v[0] * np.sin(theta[0])) ** 2 / (2 * G)


@pytest.mark.parametrize("drag,wind,angle,v,d", [
    ("quadratic", 0.0, 45.0, 120.0, 400.0),
    ("quadratic", 5.0, 30.0, 150.0, 500.0),
    ("quadratic", -5.0, 60.0, 80.0, 150.0),
    ("linear", 0.0, 40.0, 90.0, 500.0),
    ("linear", -3.0, 70.0, 100.0, 200.0),
])
def test_drag_apex_matches_dop853(drag, wind, angle, v, d):
    phys = physics(drag, wind=wind, launch_height=1.5)
    theta = math.radians(angle)
    assert math.isfinite(reference_height_at(phys, theta, v, d))  # it gets past the apex
    top = flight(np.array([theta]), np.array([v]), params_for(phys, d, 256))[4][0]
    assert top == pytest.approx(reference_apex(phys, theta, v), rel=1e-5)
