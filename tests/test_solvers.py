"""Each solver of cannon_cli.optim.solvers alone, with no projectile: residuals whose answers
are known in closed form (a 1-D root, a linear system, Rosenbrock as a residual pair, a batch of
roots), with bounds active and inactive, and the ways to fail (too few iterations, no root).

The protocol (see the module's docstring): a residual F(z, idx) -> (n, m) of the rows ``idx`` of
a batch, z (n, k); a problem is solved when max |F| <= tol; failure comes back as
``Result.converged`` False, never as an exception or a false success.
"""

from __future__ import annotations

import itertools
import math

import autograd.numpy as anp
import numpy as np
import pytest

from cannon_cli.optim import SOLVERS, solvers

FIRST_ORDER = ("gd", "adam")
SECOND_ORDER = ("lbfgs", "newton")
CBRT2 = 2.0 ** (1.0 / 3.0)


def solve(name, residual, z0, lower=None, upper=None, *, tol, max_iter=None, **kw):
    """Run solver ``name`` and check what every Result promises, whatever the problem: the
    shapes, z within the bounds, the residual reported is F(z), and converged exactly where
    max |F| <= tol."""
    z0 = np.atleast_2d(np.asarray(z0, float))
    lower = np.full_like(z0, -np.inf) if lower is None else np.broadcast_to(lower, z0.shape)
    upper = np.full_like(z0, np.inf) if upper is None else np.broadcast_to(upper, z0.shape)
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    max_iter = solvers.DEFAULT_MAX_ITER[name] if max_iter is None else max_iter
    res = solvers.SOLVER_FUNCTIONS[name](residual, z0.copy(), lower, upper, tol=tol,
                                         max_iter=max_iter, **kw)
    n, k = z0.shape
    assert res.z.shape == (n, k) and res.converged.shape == (n,) and res.iterations.shape == (n,)
    assert np.all((lower <= res.z) & (res.z <= upper)), (res.z, lower, upper)
    f = np.asarray(residual(res.z, np.arange(n)))
    np.testing.assert_allclose(res.residual, f, rtol=1e-12, atol=1e-300)
    np.testing.assert_array_equal(res.converged, np.all(np.abs(f) <= tol, axis=1))
    assert np.all((0 <= res.iterations) & (res.iterations <= max_iter)), res.iterations
    return res


# -- the residuals ------------------------------------------------------------------------------

def cube(z, idx):
    """z^3 - 2: one root, 2^(1/3); F' = 3 z^2."""
    return z ** 3 - 2.0


A = np.array([[3.0, 1.0], [1.0, 2.0]])
B = np.array([9.0, 8.0])


def linear(z, idx):
    """A z - b, root (2, 3): the loss 1/2 |F|^2 is a quadratic."""
    return anp.dot(z, A.T) - B


def rosenbrock(z, idx):
    """(10 (z2 - z1^2), 1 - z1): 1/2 |F|^2 is half Rosenbrock's function, minimum 0 at (1, 1)."""
    return anp.stack([10.0 * (z[:, 1] - z[:, 0] ** 2), 1.0 - z[:, 0]], axis=1)


def no_root(z, idx):
    """z^2 + 1 >= 1 everywhere: the least squares are at z = 0, where |F| = 1."""
    return z ** 2 + 1.0


def log_root(z, idx):
    """log z - 1, root e; not finite (nan) for z < 0, where a full Newton step from far lands."""
    return anp.log(z) - 1.0


#: The tightest tolerance each solver meets honestly on the 1-D root and the linear system, and
#: an iteration limit that a working solver stays well within (observed: lbfgs 8, newton 5,
#: adam ~620-800, gd 18-44).
TIGHT = 1e-12
MOST_ITERATIONS = {"lbfgs": 12, "newton": 6, "adam": 1000, "gd": 60}


# -- a 1-D root ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SOLVERS)
def test_cube_root(name):
    res = solve(name, cube, [[1.0]], tol=TIGHT)
    assert res.converged.all()
    # |z - 2^(1/3)| <= |F| / F' at the root: the tolerance, carried to the unknown
    assert abs(res.z[0, 0] - CBRT2) <= 1.01 * TIGHT / (3 * CBRT2 ** 2)
    assert 1 <= res.iterations[0] <= MOST_ITERATIONS[name]


def test_newton_converges_quadratically():
    """Near the root each error is about the square of the last (times F''/2F' = 1/z* ~ 0.8)."""
    errors = []
    res = solve("newton", cube, [[1.0]], tol=1e-15,
                callback=lambda p: errors.append(abs(float(p.z[0, 0]) - CBRT2)))
    assert res.converged.all() and res.iterations[0] == len(errors) <= 5
    near = [(a, b) for a, b in itertools.pairwise(errors) if a < 0.1 and b > 1e-15]
    assert len(near) >= 2
    for a, b in near:
        assert b <= 1.0 * a * a, errors


@pytest.mark.parametrize("name", SOLVERS)
def test_a_start_at_the_root_takes_no_iteration(name):
    res = solve(name, linear, [[2.0, 3.0]], tol=TIGHT)
    assert res.converged.all() and res.iterations[0] == 0
    assert res.z.tolist() == [[2.0, 3.0]]


@pytest.mark.parametrize("name", SOLVERS)
@pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")
def test_a_step_into_the_region_where_the_residual_is_nan_is_refused(name):
    # from z = 20 Newton's full step is 20 - 20 (log 20 - 1) = -20: nan, and refused
    res = solve(name, log_root, [[20.0]], tol=TIGHT)
    assert res.converged.all()
    assert abs(res.z[0, 0] - math.e) <= 1.01 * TIGHT * math.e


# -- a linear residual: the quadratic loss --------------------------------------------------------

@pytest.mark.parametrize("name", SOLVERS)
def test_linear_system(name):
    res = solve(name, linear, [[0.0, 0.0]], tol=TIGHT)
    assert res.converged.all()
    # |z - z*| <= |A^-1| |F|: ||A^-1||_inf = 0.8
    np.testing.assert_allclose(res.z[0], [2.0, 3.0], rtol=0, atol=0.81 * TIGHT)
    assert res.iterations[0] <= MOST_ITERATIONS[name]


def test_newton_solves_a_linear_system_in_one_step():
    res = solve("newton", linear, [[-50.0, 70.0]], tol=TIGHT)
    assert res.converged.all() and res.iterations[0] == 1


def test_gradient_descent_halves_a_linear_residual_each_iteration():
    """In the preconditioned variables w (M = J0^-1) the residual is F0 + w and the gradient F,
    so gd at lr 0.5 halves F every iteration: max |F0| = 9 meets 1e-12 after
    ceil(log2(9e12)) = 44 iterations. A wrong preconditioner or learning rate breaks the count."""
    res = solve("gd", linear, [[0.0, 0.0]], tol=TIGHT)
    assert res.converged.all()
    assert res.iterations[0] == math.ceil(math.log2(9.0 / TIGHT))


# -- Rosenbrock -------------------------------------------------------------------------------

@pytest.mark.parametrize("name,most", [("lbfgs", 50), ("newton", 12)])
def test_rosenbrock_from_the_classic_start(name, most):
    tol = 1e-10
    res = solve(name, rosenbrock, [[-1.2, 1.0]], tol=tol)
    assert res.converged.all()
    # |z1 - 1| = |F2| <= tol and |z2 - z1^2| <= tol / 10
    np.testing.assert_allclose(res.z[0], [1.0, 1.0], rtol=0, atol=2.2 * tol)
    assert res.iterations[0] <= most


@pytest.mark.parametrize("name", SOLVERS)
def test_rosenbrock_from_either_side_of_the_minimum(name):
    """Near the valley's end, where the first-order solvers get there too (from (-1.2, 1) or
    (0, 0) they crawl along the valley past 2000 iterations); two problems in one batch."""
    tol = 1e-8
    res = solve(name, rosenbrock, [[0.9, 0.8], [1.1, 1.2]], tol=tol)
    assert res.converged.all()
    np.testing.assert_allclose(res.z, 1.0, rtol=0, atol=2.2 * tol)
    most = {"lbfgs": 20, "newton": 3, "adam": 500, "gd": 500}[name]
    assert res.iterations.max() <= most


FAR_STARTS = [[-1.2, 1.0], [0.0, 0.0], [2.0, 2.0], [0.5, -1.0]]


@pytest.mark.parametrize("name", SECOND_ORDER)
@pytest.mark.parametrize("start", FAR_STARTS)
def test_rosenbrock_from_far_starts_alone(name, start):
    res = solve(name, rosenbrock, [start], tol=1e-10)
    assert res.converged.all()
    np.testing.assert_allclose(res.z, 1.0, rtol=0, atol=2.2e-10)



@pytest.mark.parametrize("name", ["lbfgs", "newton"])
def test_rosenbrock_batch_from_far_starts(name):
    res = solve(name, rosenbrock, FAR_STARTS, tol=1e-10)
    assert res.converged.all()
    np.testing.assert_allclose(res.z, 1.0, rtol=0, atol=2.2e-10)


# -- a batch of independent problems ------------------------------------------------------------

C = np.array([0.5, 2.0, 10.0, 100.0])
STARTS = np.array([[1.0], [1.5], [2.0], [5.0]])


def cubes(z, idx):
    """z^3 - c_i for the rows idx of the batch: roots c_i^(1/3)."""
    return z ** 3 - C[idx][:, None]


@pytest.mark.parametrize("name", SOLVERS)
def test_a_batch_of_roots_with_different_starts(name):
    res = solve(name, cubes, STARTS, tol=TIGHT)
    assert res.converged.all()
    root = np.cbrt(C)
    assert np.all(np.abs(res.z[:, 0] - root) <= 1.01 * TIGHT / (3 * root ** 2))
    if name == "lbfgs":
        return  # one joint run: its problems are not independent (see `lbfgs`)
    # the other solvers treat each problem on its own: alone, the same answer in as many steps
    for i in range(C.size):
        alone = solve(name, lambda z, idx, c=C[i]: z ** 3 - c, STARTS[i:i + 1], tol=TIGHT)
        assert alone.z[0, 0] == res.z[i, 0]
        assert alone.iterations[0] == res.iterations[i]


# -- bounds ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SOLVERS)
def test_inactive_bounds_change_nothing_of_the_answer(name):
    res = solve(name, cube, [[1.0]], [[0.0]], [[5.0]], tol=1e-9)
    assert res.converged.all()
    assert abs(res.z[0, 0] - CBRT2) <= 1.01 * 1e-9 / (3 * CBRT2 ** 2)


@pytest.mark.parametrize("name", SOLVERS)
@pytest.mark.parametrize("start,lower,upper", [(1.0, 0.0, 1.1), (2.0, 1.5, 3.0)])
def test_a_root_outside_the_bounds_is_not_converged_and_stops_at_the_bound(name, start, lower,
                                                                           upper):
    res = solve(name, cube, [[start]], [[lower]], [[upper]], tol=1e-9, max_iter=30)
    assert not res.converged.any()
    bound = upper if CBRT2 > upper else lower
    assert res.z[0, 0] == bound
    assert res.residual[0, 0] == bound ** 3 - 2.0


@pytest.mark.parametrize("name", SOLVERS)
def test_bounds_in_two_unknowns(name):
    # inactive: the same minimum
    if name in SECOND_ORDER:
        res = solve(name, rosenbrock, [[-1.2, 1.0]], [[-2.0, -2.0]], [[2.0, 2.0]], tol=1e-10)
        assert res.converged.all()
        np.testing.assert_allclose(res.z[0], 1.0, rtol=0, atol=2.2e-10)
    # z1 <= 0.5 keeps 1 - z1 >= 0.5: no solution, and no claim of one (z within the bounds is
    # checked by `solve`)
    res = solve(name, rosenbrock, [[-1.2, 1.0]], [[-2.0, -2.0]], [[0.5, 2.0]], tol=1e-10,
                max_iter=60)
    assert not res.converged.any()
    assert np.abs(res.residual).max() >= 0.5
    if name in SECOND_ORDER:
        assert res.z[0, 0] == 0.5


# -- failure ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SOLVERS)
def test_too_few_iterations_is_not_converged(name):
    res = solve(name, cube, [[10.0]], tol=TIGHT, max_iter=2)
    assert not res.converged.any()
    assert 1 <= res.iterations[0] <= 2
    assert abs(res.residual[0, 0]) > 1.0  # nowhere near: 10^3 - 2 at the start
    assert not solvers.settle(cube, res, tol=TIGHT).converged.any()


@pytest.mark.parametrize("name", SOLVERS)
def test_a_residual_with_no_root_is_not_a_success(name):
    res = solve(name, no_root, [[1.0], [-3.0]], tol=1e-9, max_iter=100)
    assert not res.converged.any()
    assert np.all(res.residual >= 1.0)
    assert not solvers.settle(no_root, res, tol=1e-9).converged.any()
    if name in SECOND_ORDER:  # they descend to the least squares (z = 0, |F| = 1), where
        # newton's stall rule may stop them (the loss no longer halving) a little short
        np.testing.assert_allclose(res.residual, 1.0, rtol=0, atol=1e-6)


def over_determined(z, idx):
    """(z - 1, z + 1): two residuals, one unknown, no common root; least squares at z = 0."""
    return anp.concatenate([z - 1.0, z + 1.0], axis=1)


NEWTON_SQUARE = pytest.mark.xfail(
    strict=True, raises=np.linalg.LinAlgError,
    reason="newton solves J step = -F and needs as many residuals as unknowns")


@pytest.mark.parametrize("name", ["lbfgs", pytest.param("newton", marks=NEWTON_SQUARE),
                                  "adam", "gd"])
def test_more_residuals_than_unknowns_with_no_common_root(name):
    res = solve(name, over_determined, [[3.0]], tol=1e-9, max_iter=100)
    assert not res.converged.any()
    assert np.abs(res.residual).max() >= 1.0 - 1e-12


# -- settle: the floating-point floor ------------------------------------------------------------

def steep(scale):
    """scale (z^2 - 2): at the doubles nearest sqrt(2), z^2 - 2 = +-4.4e-16, so |F| cannot go
    below 4.4e-16 x scale."""
    return lambda z, idx: scale * (z ** 2 - 2.0)


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_settle_accepts_the_floating_point_floor(name):
    tol = 1e-13
    res = solve(name, steep(1e6), [[1.4]], tol=tol, max_iter=30)
    assert not res.converged.any()  # 4.4e-10 > tol: no solver meets it
    assert abs(res.z[0, 0] - math.sqrt(2.0)) <= 2.3e-16  # but z is the root, to the last bit
    settled = solvers.settle(steep(1e6), res, tol=tol)
    assert settled.converged.all()
    assert settled.z is res.z and settled.iterations is res.iterations


def test_lbfgs_with_a_large_residual_at_the_start():
    res = solve("lbfgs", steep(1e6), [[1.0]], tol=1e-8, max_iter=30)
    assert res.converged.all()


def test_settle_refuses_a_floor_above_its_cap():
    """At scale 1e12 the floor (4.4e-4) is above FLOOR_CAP: not a solution, however exact z."""
    z = np.array([[math.sqrt(2.0)]])
    f = steep(1e12)(z, np.arange(1))
    assert abs(f[0, 0]) > solvers.FLOOR_CAP
    res = solvers.Result(z, f, np.zeros(1, bool), np.ones(1, int))
    assert not solvers.settle(steep(1e12), res, tol=1e-13).converged.any()


def test_settle_leaves_a_converged_result_as_it_is():
    res = solve("newton", cube, [[1.0]], tol=TIGHT)
    assert solvers.settle(cube, res, tol=TIGHT) is res
