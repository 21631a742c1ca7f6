"""Drag tables (cannon_cli.physics.dragtable): the bundled tables, the monotone cubic through them, its
derivatives (analytic, complex step, finite differences, autograd), the tails beyond the ends,
the ballistic-coefficient convention, and rejection of bad CSV files."""

from __future__ import annotations

import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from autograd.test_util import check_grads
from scipy.interpolate import PchipInterpolator

from cannon_cli.errors import InputError
from cannon_cli import units
from cannon_cli.physics import dragtable as dt

TABLES = [dt.load(name) for name in dt.BUNDLED]
IDS = list(dt.BUNDLED)


def interior_points(table, per_segment=7, seed=0):
    """Random Mach numbers strictly inside the segments (no knots)."""
    rng = np.random.default_rng(seed)
    lo, hi = table.mach[:-1], table.mach[1:]
    u = rng.uniform(0.05, 0.95, size=(per_segment, lo.size))
    return (lo + u * (hi - lo)).ravel()


# -- the bundled tables ------------------------------------------------------------------------

@pytest.mark.parametrize("name,rows,top", [("g1", 79, 5.0), ("g7", 84, 5.0), ("sphere", 81, 4.0)])
def test_bundled_tables_load_with_a_cited_source(name, rows, top):
    t = dt.load(name)
    assert t.name == name and len(t.mach) == rows
    assert t.mach[0] == 0.0 and t.mach[-1] == top
    assert "JBM" in t.source
    assert dt.load(name.upper()) is t  # cached, case-insensitive


def test_published_spot_values():
    # a few values straight from the published tables (JBM / py-ballisticcalc / gehtsoft copies)
    g1, g7, gs = (dt.load(n) for n in ("g1", "g7", "sphere"))
    assert g1.cd(0.0) == 0.2629 and g1.cd(1.0) == 0.4805 and g1.cd(5.0) == 0.4988
    assert g7.cd(0.0) == 0.1198 and g7.cd(1.0) == 0.3803 and g7.cd(5.0) == 0.1618
    assert gs.cd(0.0) == 0.4662 and gs.cd(1.0) == 0.8140 and gs.cd(4.0) == 0.9280


@pytest.mark.parametrize("t", TABLES, ids=IDS)
def test_reproduces_the_knots_exactly(t):
    assert np.array_equal(t.cd(t.mach), t.cd_knots)


@pytest.mark.parametrize("t", TABLES, ids=IDS)
def test_is_scipys_pchip(t):
    ref = PchipInterpolator(t.mach, t.cd_knots)
    m = np.linspace(t.mach[0], t.mach[-1], 20001)
    np.testing.assert_allclose(t.coef, ref.c, rtol=0, atol=1e-11)
    np.testing.assert_allclose(t.cd(m), ref(m), rtol=0, atol=1e-14)
    np.testing.assert_allclose(t.dcd(m[:-1]), ref(m[:-1], 1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(t.d2cd(m[:-1]), ref(m[:-1], 2), rtol=0, atol=1e-9)


@pytest.mark.parametrize("t", TABLES, ids=IDS)
def test_value_and_slope_are_continuous_at_every_knot(t):
    eps = 1e-9
    k = t.mach
    for f, tol in ((t.cd, 1e-8), (t.dcd, 1e-6)):
        left, right = f(k - eps), f(k + eps)
        assert np.max(np.abs(right - left)) < tol, f.__name__
    # and the one-sided slopes of neighbouring cubics agree at the interior knots
    c, h = t.coef, np.diff(k)
    end_slope = 3 * c[0, :-1] * h[:-1] ** 2 + 2 * c[1, :-1] * h[:-1] + c[2, :-1]
    np.testing.assert_allclose(end_slope, c[2, 1:], rtol=0, atol=1e-12)


@pytest.mark.parametrize("t", TABLES, ids=IDS)
def test_monotone_where_the_data_are_and_no_overshoot(t):
    u = np.linspace(0.0, 1.0, 201)
    for i in range(len(t.mach) - 1):
        x0, x1 = t.mach[i], t.mach[i + 1]
        y0, y1 = t.cd_knots[i], t.cd_knots[i + 1]
        y = t.cd(x0 + u * (x1 - x0))
        step = np.diff(y)
        if y1 > y0:
            assert np.all(step >= -1e-15), (i, x0)
        elif y1 < y0:
            assert np.all(step <= 1e-15), (i, x0)
        else:
            np.testing.assert_allclose(y, y0, rtol=0, atol=1e-15)
        assert np.all(y >= min(y0, y1) - 1e-15) and np.all(y <= max(y0, y1) + 1e-15)


# -- derivatives -------------------------------------------------------------------------------

@pytest.mark.parametrize("t", TABLES, ids=IDS)
def test_complex_step_equals_the_analytic_derivatives(t):
    m = np.concatenate([interior_points(t), [-0.3, t.mach[-1] + 0.01, t.mach[-1] + 2.5]])
    h = 1e-30
    np.testing.assert_allclose(t.cd(m + 1j * h).imag / h, t.dcd(m), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(t.dcd(m + 1j * h).imag / h, t.d2cd(m), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(t.d2cd(m + 1j * h).imag / h, t.d3cd(m), rtol=1e-12, atol=1e-11)
    # complex input, real part is the plain evaluation
    np.testing.assert_array_equal(t.cd(m + 1j * h).real, t.cd(m))


@pytest.mark.parametrize("t", TABLES, ids=IDS)
def test_finite_differences_agree_with_the_analytic_derivative(t):
    m = interior_points(t, per_segment=3, seed=1)
    h = 1e-6
    fd = (t.cd(m + h) - t.cd(m - h)) / (2 * h)
    # the points are at least 5 % of a segment (>= 1.25e-3) from a knot: no kink within +-h
    np.testing.assert_allclose(fd, t.dcd(m), rtol=1e-6, atol=1e-8)
    fd2 = (t.dcd(m + h) - t.dcd(m - h)) / (2 * h)
    np.testing.assert_allclose(fd2, t.d2cd(m), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("t", TABLES, ids=IDS)
def test_autograd_check_grads(t):
    m = interior_points(t, per_segment=1, seed=2)[::3]
    f = lambda x: anp.sum(t(x) ** 2 * anp.sin(x))
    check_grads(f, modes=["rev", "fwd"], order=2)(m)
    check_grads(lambda x: dt.cd(x, t) * x, modes=["rev"], order=3)(1.2345)


def test_autograd_grad_is_the_analytic_derivative():
    t = dt.load("g7")
    m = np.array([0.5, 0.93, 1.01, 1.7, 2.9, 6.0])
    g = autograd.elementwise_grad(lambda x: t(x))(m)
    np.testing.assert_allclose(g, t.dcd(m), rtol=1e-15)
    gg = autograd.elementwise_grad(autograd.elementwise_grad(lambda x: t(x)))(m)
    np.testing.assert_allclose(gg, t.d2cd(m), rtol=1e-15)
    assert autograd.grad(lambda x: t(x))(1.3) == pytest.approx(float(t.dcd(1.3)))


def test_evaluate_returns_all_orders_from_one_lookup():
    t = dt.load("g7")
    m = np.array([-0.2, 0.0, 0.97, 1.0, 2.345, 5.0, 7.0])
    vals = t.evaluate(m, 3)
    assert len(vals) == 4 and len(t.evaluate(m)) == 1 and len(t.evaluate(m, 2)) == 3
    for got, f in zip(vals, (t.cd, t.dcd, t.d2cd, t.d3cd)):
        np.testing.assert_array_equal(got, f(m))
    assert t.cd(np.array([])).shape == (0,)


def test_shapes_and_scalars():
    t = dt.load("g1")
    m = np.linspace(0.2, 3.0, 12).reshape(3, 4)
    assert t.cd(m).shape == (3, 4) and t.dcd(m).shape == (3, 4) and t.d2cd(m).shape == (3, 4)
    assert np.ndim(t.cd(1.5)) == 0
    assert t.cd(1.5) == t.cd(np.array([1.5]))[0]


# -- beyond the table --------------------------------------------------------------------------

@pytest.mark.parametrize("t", TABLES, ids=IDS)
def test_tails_are_smooth_bounded_and_positive(t):
    eps = 1e-7
    for end, (c0, s, scale) in ((t.mach[0], t.tail_lo), (t.mach[-1], t.tail_hi)):
        assert t.cd(end - eps) == pytest.approx(t.cd(end + eps), abs=1e-6)
        assert t.dcd(end - eps) == pytest.approx(t.dcd(end + eps), abs=1e-5)
        assert t.dcd(end) == pytest.approx(s, abs=1e-14)
    far = np.array([-50.0, -3.0, t.mach[-1] + 3.0, 1e3, 1e6])
    cd = t.cd(far)
    assert np.all(np.isfinite(cd)) and np.all(cd > 0)
    assert abs(cd[-1] - t.tail_hi[0]) <= abs(t.tail_hi[1]) * t.tail_hi[2] + 1e-15
    assert np.all(np.isfinite(t.cd(far + 1e-20j)))


def test_steep_user_table_tail_stays_positive():
    t = dt.from_points([0.5, 1.0, 1.5, 2.0], [0.2, 0.5, 0.9, 0.3])  # falls fast at the top
    assert t.tail_hi[2] < 1.0  # the length scale is shortened
    assert np.all(t.cd(np.linspace(2.0, 100.0, 50)) >= 0.15 - 1e-15)
    assert np.all(t.cd(np.linspace(0.0, 0.5, 50)) >= 0.1 - 1e-15)


# -- ballistic coefficient ---------------------------------------------------------------------

def test_bc_conversion():
    assert units.LB_PER_IN2 == pytest.approx(703.0695796, rel=1e-10)


def test_bc_scale_matches_the_form_factor_formula():
    mass, d = 175 * 64.79891e-6, 0.308 * 0.0254  # 175 gr, .308 in
    bc = 0.223 * units.LB_PER_IN2
    i = (mass / d**2) / bc  # the form factor that BC implies: BC = m / (i d^2)
    assert dt.bc_scale(bc) == pytest.approx(dt.form_scale(mass, d, i), rel=1e-14)
    # and the deceleration K rho v^2 Cd is rho v^2 Cd pi / (8 BC_SI)
    assert dt.bc_scale(bc) == pytest.approx(math.pi / (8 * 0.223 * 703.0695796), rel=1e-9)


def test_bc_scale_agrees_with_py_ballisticcalc_constant():
    # py-ballisticcalc (shot.py, drag_by_mach): k_m = density_ratio * Cd * 2.08551e-4 / BC in 1/ft,
    # deceleration = k_m * v_fps * v; its rho_std = 0.076474 lb/ft^3 = 1.2250 kg/m^3
    t = dt.load("g7")
    v_mps, bc = 780.0, 0.223
    cd = t.cd(v_mps / 340.294)
    theirs = cd * 2.08551e-4 / bc * (v_mps / 0.3048)  # 1/s
    ours = dt.bc_scale(bc * units.LB_PER_IN2) * 1.2250 * v_mps * cd
    assert ours == pytest.approx(theirs, rel=5e-5)


# -- user CSV files ----------------------------------------------------------------------------

GOOD = "# source: test\nmach,cd\n0.0,0.2\n0.5,0.21\n1.0,0.45\n2.0,0.35\n"


def write(tmp_path, text, name="t.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_user_table_loads(tmp_path):
    t = dt.load(str(write(tmp_path, GOOD)))
    assert t.source == "test" and len(t.mach) == 4
    assert np.array_equal(t.cd(t.mach), [0.2, 0.21, 0.45, 0.35])
    # blank lines, spaces, comments after the header and a CRLF file are fine
    t2 = dt.from_csv(write(tmp_path, "\r\n# c\r\n Mach , Cd \r\n0,0.2\r\n\r\n0.5, 0.21\r\n"
                                     "# mid\r\n1,0.45\r\n2,0.35\r\n", "b.csv"))
    assert np.array_equal(t2.cd_knots, t.cd_knots)


@pytest.mark.parametrize("text,needle", [
    ("0.0,0.2\n0.5,0.21\n1.0,0.45\n2.0,0.35\n", "header"),
    ("mach,drag\n0.0,0.2\n0.5,0.21\n1.0,0.45\n2.0,0.35\n", "header"),
    ("# only comments\n", "header"),
    ("", "header"),
    ("mach,cd\n0.0,0.2\n0.5,0.21\n1.0,0.45\n", "at least 4"),
    ("mach,cd\n0.0,0.2\n0.5,0.21\n0.5,0.45\n2.0,0.35\n", "increase strictly"),
    ("mach,cd\n0.0,0.2\n1.5,0.21\n1.0,0.45\n2.0,0.35\n", "increase strictly"),
    ("mach,cd\n0.0,0.2\n0.5,-0.21\n1.0,0.45\n2.0,0.35\n", "Cd must be"),
    ("mach,cd\n0.0,0.2\n0.5,0\n1.0,0.45\n2.0,0.35\n", "Cd must be"),
    ("mach,cd\n0.0,0.2\n0.5,nan\n1.0,0.45\n2.0,0.35\n", "Cd must be"),
    ("mach,cd\n0.0,0.2\n0.5,inf\n1.0,0.45\n2.0,0.35\n", "Cd must be"),
    ("mach,cd\n-0.5,0.2\n0.5,0.21\n1.0,0.45\n2.0,0.35\n", "Mach must be"),
    ("mach,cd\n0.0,0.2\ninf,0.21\n1.0,0.45\n2.0,0.35\n", "Mach must be"),
    ("mach,cd\n0.0,0.2\n0.5,abc\n1.0,0.45\n2.0,0.35\n", "not a number"),
    ("mach,cd\n0.0,0.2,9\n0.5,0.21\n1.0,0.45\n2.0,0.35\n", "2 columns"),
    ("mach,cd\n0.0\n0.5,0.21\n1.0,0.45\n2.0,0.35\n", "2 columns"),
])
def test_bad_csv_is_rejected_with_one_line(tmp_path, text, needle):
    with pytest.raises(InputError) as e:
        dt.from_csv(write(tmp_path, text))
    msg = str(e.value)
    assert needle in msg and "\n" not in msg


def test_unreadable_files_are_input_errors(tmp_path):
    for path in (tmp_path / "missing.csv", tmp_path):
        with pytest.raises(InputError) as e:
            dt.load(str(path))
        assert "\n" not in str(e.value)
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00mach")
    with pytest.raises(InputError):
        dt.from_csv(binary)


def test_from_points_validates():
    with pytest.raises(InputError):
        dt.from_points([0, 1, 2], [1, 1, 1])
    with pytest.raises(InputError):
        dt.from_points([0, 1, 2, 3], [1, 1, 1])
    with pytest.raises(InputError):
        dt.from_points([0, 1, 1, 3], [1, 1, 1, 1])
    with pytest.raises(InputError):
        dt.bundled("g99")


@pytest.mark.parametrize("name", dt.BUNDLED)
def test_a_nan_in_the_batch_leaves_the_others_alone(name):
    """A stalled shot's NaN Mach number once made min()/max() skip the tails for the whole
    batch, so a shot beyond the table got the last cubic extrapolated (garbage drag)."""
    table = dt.bundled(name)
    mach = np.array([0.5, 2.0, 40.0, 300.0])
    alone = [table.evaluate(np.array([m]), 2) for m in mach]
    together = table.evaluate(np.append(mach, np.nan), 2)
    for k in range(3):
        assert np.isnan(together[k][-1])
        np.testing.assert_array_equal(together[k][:-1], [a[k][0] for a in alone])
