"""The projectile model: a 2-D point mass under gravity and drag, as pure functions.

The trajectory is integrated with the horizontal distance x as the independent variable, so the
end point x = distance is fixed: no event detection, and the end state is a smooth function of
the launch angle and speed (docs/physics.md §2, §7). With state s = (y, vx, vy, t)::

    dy/dx = vy / vx      dvx/dx = ax / vx      dvy/dx = ay / vx      dt/dx = 1 / vx

and a = (0, -g) - kappa * v_rel, v_rel = (vx - wind, vy), where kappa = b/m for linear drag and

    kappa = c sigma(y) |v_rel| Cd(|v_rel| / a(y))

for drag through air (`medium`): c = rho_site Cd A / 2m for quadratic drag (Cd constant), or
rho_site times the projectile's scale for a drag table Cd(Mach); sigma = rho(y) / rho_site and the
speed of sound a(y) follow the atmosphere (constant: sigma = 1). Constant air with constant Cd,
kappa = c |v_rel|, keeps its own short path.

Everything here is vectorised over targets: every parameter is an array of shape (N,).

Derivatives. Letting autograd trace each operation of a Runge-Kutta loop costs ~30 us per
operation, far too much for thousands of steps. So the integrator is one autograd *primitive*:
it integrates the state together with its forward sensitivities with respect to (angle, speed),
first and (when asked) second order, by differentiating each RK4 stage by hand. Because explicit
Runge-Kutta commutes with differentiation, these are the exact derivatives of the discrete map,
which is what Newton's method and finite-difference checks need. The primitive's VJP reads the
sensitivities from its own output, written in autograd.numpy, so autograd can differentiate the
VJP once more (second derivatives for the minimum-speed shot).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from autograd.extend import defvjp, primitive

from . import packed, scalar, shot
from .core import hermite_max
from . import vacuum as _vacuum
from .atmosphere import ConstantAir
from .field import Forces

#: Slots of the packed end-point array along its last axis: the state, then its first derivatives
#: with respect to (angle, speed), then the second derivatives in row-major (a, b) order.
_S0, _S1, _S2 = 0, 1, 3
_NSLOTS = 7
Y, VX, VY, T = range(4)
#: ... and the lateral rows of a 3-D state (`shot.integrate`)
Z, VZ = 4, 5


@dataclass(frozen=True, eq=False)
class Lateral:
    """What makes N shots three-dimensional, each an array (N,): the ``azimuth`` they are fired
    at (rad, to the right of the line to the target), the ``crosswind`` (m/s, + toward the
    right) and the Earth's rotation ``omega`` in the shot's frame (a tuple of three arrays, or
    None: off; `field.earth_rotation`). Shots with a `Lateral` fly the generic 3-D path
    (`shot.integrate`)."""

    azimuth: np.ndarray
    crosswind: np.ndarray
    omega: object = None

    def take(self, index) -> "Lateral":
        omega = None if self.omega is None else tuple(o[index] for o in self.omega)
        return Lateral(self.azimuth[index], self.crosswind[index], omega)


@dataclass(frozen=True, eq=False)
class Params:
    """Physical parameters of N shots, each an array of shape (N,). SI units.

    ``drag_k`` is b/m (1/s) for linear drag; ``drag_c`` is rho Cd A / 2m (1/m) for quadratic drag.
    ``steps`` is the number of RK4 steps over the distance (one for the whole group). For drag
    through air ``drag_c`` is c in kappa = c sigma(y) |v| Cd(M), ``table`` the Cd(Mach) table
    (None: Cd constant, folded into c) and ``air`` the atmosphere (None: constant air, folded
    into c): both shared by the group.
    """

    drag: str
    distance: np.ndarray
    launch_height: np.ndarray
    gravity: np.ndarray
    wind: np.ndarray
    drag_k: np.ndarray
    drag_c: np.ndarray
    steps: int = 24
    table: object = None  # dragtable.DragTable
    air: object = None  # atmosphere.Atmosphere or atmosphere.ConstantAir
    #: None for evenly spaced steps, or per shot q in (0, 1]: the steps shrink geometrically so
    #: that the last is q times the first (see `mesh`).
    grading: object = None
    #: None for 2-D shots, else what makes them 3-D (`Lateral`)
    lateral: object = None

    @property
    def size(self) -> int:
        return self.distance.shape[0]

    @property
    def closed_form(self) -> bool:
        """Whether the end state is the vacuum's closed form (no drag, and 2-D: the Earth's
        rotation and the azimuth take the 3-D integration)."""
        return self.drag == "none" and self.lateral is None

    @property
    def general(self) -> bool:
        """Whether kappa needs the general path (a Cd table, or air that varies with height)."""
        return self.table is not None or self.air is not None

    @property
    def varying_air(self) -> bool:
        """Whether the air changes with height (then kappa depends on y too)."""
        return self.air is not None and not isinstance(self.air, ConstantAir)

    @property
    def wind_any(self) -> bool:
        """Whether any shot has wind (the no-wind field skips a few operations)."""
        return bool(np.any(self.wind != 0))

    def take(self, index) -> "Params":
        """The parameters of a subset of the shots (boolean mask, or sorted unique indices:
        a full-length index array is then the identity, and costs nothing)."""
        if _is_everything(index, self.size):
            return self
        pick = lambda a: a[index]
        return Params(self.drag, pick(self.distance), pick(self.launch_height),
                      pick(self.gravity), pick(self.wind), pick(self.drag_k), pick(self.drag_c),
                      self.steps, self.table, self.air,
                      None if self.grading is None else pick(self.grading),
                      None if self.lateral is None else self.lateral.take(index))

    def forces(self, *, lateral: bool = True) -> Forces:
        """What acts on these shots, for the one field (`field.acceleration`, `field.rates`):
        with their crosswind and the Earth's rotation unless not ``lateral``."""
        side = self.lateral if lateral else None
        return Forces(drag=self.drag, gravity=self.gravity, wind=self.wind,
                      crosswind=0.0 if side is None else side.crosswind, drag_k=self.drag_k,
                      drag_c=self.drag_c, table=self.table, air=self.air,
                      omega=None if side is None else side.omega)

    def with_steps(self, steps: int, *, even: bool = False) -> "Params":
        """The same shots with ``steps`` steps (``even``: on an evenly spaced mesh)."""
        return Params(self.drag, self.distance, self.launch_height, self.gravity, self.wind,
                      self.drag_k, self.drag_c, int(steps), self.table, self.air,
                      None if even else self.grading, self.lateral)

    def mesh(self):
        """The step lengths (steps, N) from x = 0 to the distance.

        Evenly spaced, or graded: x_i = D (1 - q^(i/n)) / (1 - q), so that the steps shrink by
        q^(1/n) each. A shot whose horizontal speed drops from vx0 to q vx0 on the way turns
        ever faster in x towards the end (it stalls: d ln vx / dx = -kappa / vx), and with q
        the measured ratio the steps follow that, like equal steps in time."""
        n = self.steps
        # a group passes gradings of 1 until a shot stalls: the even mesh, without expm1
        if self.grading is None or not (self.grading != 1.0).any():
            return np.broadcast_to(self.distance / n, (n, self.size))
        # q > 1: the steps grow, for a shot whose horizontal speed grows on the way (a light
        # shot carried by a tailwind from a slow launch)
        lq = np.log(np.clip(self.grading, 1e-12, 1e12))
        i = np.arange(n + 1)[:, None]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            frac = np.where(lq != 0, np.expm1(i * lq / n) / np.expm1(lq), i / n)
        return np.diff(frac, axis=0) * self.distance


def _is_everything(index, n: int) -> bool:
    return (isinstance(index, np.ndarray) and index.dtype.kind in "iu" and index.ndim == 1
            and index.size == n)


# --------------------------------------------------------------------------------------------
# The vector field and its first and second directional derivatives.
#
# The packed state z has shape (4, K, N): for each of (y, vx, vy, t), K = 1 + D (+ D*D) slots
# for the value, its D first derivatives and its D x D second derivatives. One array means one
# numpy call per Runge-Kutta update instead of three.
#
# (An earlier version integrated (y, p = vy/vx, q = 1/vx, t), which takes fewer operations per
# step, but RK4 is 10-20x less accurate in those variables at the same step: measured 7.9e-7 vs
# ~4e-8 relative error at 16 steps for 500 m at 150 m/s. Fewer steps win.)
# --------------------------------------------------------------------------------------------

def _views(z, ndir: int, order: int):
    """(value (4, N), first (4, D, N), second (4, D, D, N)) views into a packed state."""
    n = z.shape[2]
    d1 = z[:, 1:1 + ndir] if order >= 1 else None
    d2 = z[:, 1 + ndir:].reshape(4, ndir, ndir, n) if order >= 2 else None
    return z[:, 0], d1, d2


def _kappa(p: Params, s, y, order: int):
    """kappa = c sigma(y) s C(s / a(y)) and its partial derivatives in (s, y), for drag through
    air: (k,), (k, k_s, k_y) or (k, k_s, k_y, k_ss, k_sy, k_yy) up to ``order``; the y partials
    are None in constant air. Works on complex arrays (the complex step). With M = s/a,
    M_y = -M a'/a and M_yy = -M (a''/a - 2 (a'/a)^2)::

        k_s  = c sigma (C + M C')                k_y  = c s (sigma' C + sigma C' M_y)
        k_ss = c sigma (2 C' + M C'') / a
        k_sy = c sigma' (C + M C') + c sigma M_y (2 C' + M C'')
        k_yy = c s (sigma'' C + 2 sigma' C' M_y + sigma C'' M_y^2 + sigma C' M_yy)
    """
    c, air, table = p.drag_c, p.air, p.table
    varying = p.varying_air
    if varying:
        rho, snd = air.evaluate(y, order)
        if order == 0:
            sig, a = rho / air.rho_site, snd
        else:
            r = 1.0 / air.rho_site
            sig, sig1, sig2 = rho.value * r, rho.d1 * r, None if rho.d2 is None else rho.d2 * r
            a, a1, a2 = snd
    else:
        sig, a = 1.0, (air.a_site if air is not None else 1.0)
    if table is None:
        cds = (1.0, 0.0, 0.0)
    else:
        m = s / a
        cds = table.evaluate(m, order)
    C = cds[0]
    k = c * sig * s * C
    if order == 0:
        return (k,)
    cs = c * sig
    if table is None:
        k_s = cs
        k_y = c * s * sig1 if varying else None
        if order == 1:
            return k, k_s, k_y
        return (k, k_s, k_y, 0.0, c * sig1 if varying else None,
                c * s * sig2 if varying else None)
    C1 = cds[1]
    k_s = cs * (C + m * C1)
    k_y = None
    if varying:
        ia = 1.0 / a
        my = -m * a1 * ia
        k_y = c * s * (sig1 * C + sig * C1 * my)
    if order == 1:
        return k, k_s, k_y
    C2 = cds[2]
    g = 2.0 * C1 + m * C2
    k_ss = cs * g / a
    if not varying:
        return k, k_s, None, k_ss, None, None
    myy = -m * (a2 * ia - 2.0 * (a1 * ia) ** 2)
    k_sy = c * sig1 * (C + m * C1) + cs * my * g
    k_yy = c * s * (sig2 * C + 2.0 * sig1 * C1 * my + sig * C2 * my * my + sig * C1 * myy)
    return k, k_s, k_y, k_ss, k_sy, k_yy


def _field(p: Params, x, d1, d2, k0, k1, k2):
    """Write d/dx of the state (4, N) into k0, and of its first (4, D, N) and second
    (4, D, D, N) derivatives into k1 and k2 (when given).

    Every component has the form n / vx, so each is differentiated with the quotient rule,
    q' = (n' - q vx') / vx. The arrays are preallocated and filled in place because for a single
    target the cost is the number of numpy calls, not the arithmetic.
    """
    u, w = x[VX], x[VY]
    ur = u - p.wind
    s = np.sqrt(ur * ur + w * w)
    iu = 1.0 / u
    quadratic = p.drag != "linear"
    general = p.general
    if general:
        kk = _kappa(p, s, x[Y], 0 if k1 is None else 1 if k2 is None else 2)
        kap = kk[0]
    else:
        kap = p.drag_c * s if quadratic else p.drag_k
    ki = kap * iu
    fy = w * iu
    fu = -ki * ur
    fw = -(p.gravity * iu + ki * w)
    k0[Y], k0[VX], k0[VY], k0[T] = fy, fu, fw, iu
    if k1 is None:
        return

    du, dw = d1[VX], d1[VY]
    if quadratic:
        ds = (ur * du + w * dw) / s
        if general:
            dkap = kk[1] * ds
            if kk[2] is not None:
                dkap = dkap + kk[2] * d1[Y]
        else:
            dkap = p.drag_c * ds
        k1[VX] = -(dkap * ur + (kap + fu) * du) * iu
        k1[VY] = -(dkap * w + kap * dw + fw * du) * iu
    else:
        k1[VX] = -((kap + fu) * du) * iu
        k1[VY] = -(kap * dw + fw * du) * iu
    k1[Y] = (dw - fy * du) * iu
    k1[T] = -(iu * iu) * du
    if k2 is None:
        return

    # q'' = (n'' - q'_a u'_b - q'_b u'_a - q u'') / u, for all (a, b) pairs at once
    outer = lambda a, b: a[:, None] * b[None, :]
    sym = lambda m: m + np.swapaxes(m, 0, 1)
    d2u, d2w = d2[VX], d2[VY]
    if quadratic:
        d2s = (outer(du, du) + outer(dw, dw) + ur * d2u + w * d2w - outer(ds, ds)) / s
        if general:
            _, k_s, k_y, k_ss, k_sy, k_yy = kk
            d2kap = k_s * d2s + k_ss * outer(ds, ds)
            if k_y is not None:
                dy = d1[Y]
                d2kap = (d2kap + k_y * d2[Y] + k_sy * sym(outer(ds, dy))
                         + k_yy * outer(dy, dy))
        else:
            d2kap = p.drag_c * d2s
        n_u = -(d2kap * ur + sym(outer(dkap, du)) + kap * d2u)
        n_w = -(d2kap * w + sym(outer(dkap, dw)) + kap * d2w)
    else:
        n_u, n_w = -kap * d2u, -kap * d2w
    for i, n2 in ((Y, d2w), (VX, n_u), (VY, n_w), (T, 0.0)):
        k2[i] = (n2 - sym(outer(k1[i], du)) - k0[i] * d2u) * iu


def _field_first(p: Params, z, out, nb, dn, ndir: int, windy: bool):
    """d/dx of the packed state z (4, 1 + D, N) into out, value and first derivatives only.

    The hot loop of every solve: each component is n / vx with numerators n = (vy, -kappa ur,
    -g - kappa vy, 1), so the four are computed as one (4, N) array and differentiated at once,
    q' = (n' - q vx') / vx. About 30 numpy calls a stage instead of 60 (`_field` does the same
    maths component by component, up to second order).
    """
    x = z[:, 0]
    u, w = x[VX], x[VY]
    vrel = x[VX:VY + 1]
    if windy:
        vrel = vrel.copy()
        vrel[0] -= p.wind
    quadratic = p.drag != "linear"
    general = p.general
    if quadratic:
        # not hypot: it guards against overflow, measured 4x slower at 10,000 shots (and not
        # analytic, which the complex step needs)
        s = np.sqrt(vrel[0] * vrel[0] + w * w)
        if general:
            kk = _kappa(p, s, x[Y], 1 if ndir else 0)
            kap = kk[0]
        else:
            kap = p.drag_c * s
    else:
        kap = p.drag_k
    iu = 1.0 / u
    np.multiply(vrel, kap, out=nb[VX:VY + 1])
    np.negative(nb[VX:VY + 1], out=nb[VX:VY + 1])
    nb[VY] -= p.gravity
    nb[Y] = w
    f = out[:, 0]
    np.multiply(nb, iu, out=f)
    if not ndir:
        return
    d = z[:, 1:]
    du = d[VX]
    dnv = dn[VX:VY + 1]
    np.multiply(d[VX:VY + 1], kap, out=dnv)
    if quadratic:
        dkap = (vrel[0] * du + w * d[VY]) * ((kk[1] if general else p.drag_c) / s)
        if general and kk[2] is not None:
            dkap += kk[2] * d[Y]
        dnv += dkap * vrel[:, None]
    np.negative(dnv, out=dnv)
    dn[Y] = d[VY]
    o = out[:, 1:]
    np.multiply(f[:, None], du, out=o)
    np.subtract(dn, o, out=o)
    o *= iu


def _initial_parts(theta, v, launch_height, order: int, dirs):
    """Initial state and its derivatives with respect to (angle, speed)[dirs]."""
    with np.errstate(invalid="ignore"):  # a NaN start (a failed step) stays NaN, quietly
        c, s = np.cos(theta), np.sin(theta)
    n = theta.shape[0]
    x0 = np.empty((4, n), dtype=np.result_type(theta, v, float))
    x0[Y], x0[VX], x0[VY], x0[T] = launch_height, v * c, v * s, 0.0
    if order < 1:
        return x0, None, None
    # columns: d/dtheta, d/dv (complex on the complex step: the tangents carry its part too)
    d1 = np.zeros((4, 2, n), dtype=x0.dtype)
    d1[VX, 0], d1[VY, 0] = -v * s, v * c
    d1[VX, 1], d1[VY, 1] = c, s
    d1 = np.ascontiguousarray(d1[:, dirs])
    if order < 2:
        return x0, d1, None
    d2 = np.zeros((4, 2, 2, n), dtype=x0.dtype)
    d2[VX, 0, 0], d2[VY, 0, 0] = -v * c, -v * s
    d2[VX, 0, 1] = d2[VX, 1, 0] = -s
    d2[VY, 0, 1] = d2[VY, 1, 0] = c
    return x0, d1, np.ascontiguousarray(d2[:, dirs][:, :, dirs])


def _initial(theta, v, launch_height, order: int, dirs):
    """The packed initial state (4, K, N) and the number of directions D."""
    x0, d1, d2 = _initial_parts(theta, v, launch_height, order, list(dirs))
    ndir = len(dirs) if order >= 1 else 0
    n = theta.shape[0]
    z = np.zeros((4, 1 + ndir + (ndir * ndir if order >= 2 else 0), n), dtype=x0.dtype)
    x, z1, z2 = _views(z, ndir, order)
    x[...] = x0
    if order >= 1:
        z1[...] = d1
    if order >= 2:
        z2[...] = d2
    return z, ndir


#: What an RK4 step with second derivatives costs, in steps of first order (measured 70 us
#: against 10.7 us a field evaluation).
SECOND_ORDER_COST = 6


#: ... and a step through a drag table or varying air (the Cd lookup, the atmosphere).
GENERAL_COST = 3


#: ... and a step of the generic 3-D path (`shot.integrate`), measured against the 2-D one.
THREE_D_COST = 2

#: ... and a 2-D step on arrays (`_rk4_arrays`: several shots, or second derivatives) against
#: one shot's in plain Python (`physics.scalar`), which the costs above count: the array loop's
#: numpy calls cost ~45-60 us a step for up to a few hundred shots, against 5-11 us (quadratic
#: drag; 110-250 against 47-58 us through a drag table and ICAO air). Uncounted, a search of
#: many speeds at once ran a solve's budget to 2-3 s, where the budget means about one.
ARRAY_COST = 3


def step_cost(p: "Params", order: int = 1, complex_step: bool = False) -> int:
    """What an RK4 step of ``p`` costs, in plain first-order steps (for the work budget):
    second derivatives `SECOND_ORDER_COST`, complex arithmetic (the complex step) 2, drag
    tables and varying air `GENERAL_COST` times more."""
    base = SECOND_ORDER_COST if order == 2 else 2 if complex_step else 1
    return base * (GENERAL_COST if p.general else 1)


class _Work:
    """RK4 steps integrated so far in this process (second-order steps count
    `SECOND_ORDER_COST`): what a solve's work budget (`aim.budget`) is measured in.
    Deterministic, unlike a clock."""

    steps = 0


WORK = _Work()

_STEP = 1e-60
#: Whether N shots take the complex step for one direction, else the tangent equations: the
#: complex step makes fewer numpy calls, the tangents less arithmetic (measured crossover on the
#: development machine: about 2000 shots; 0.53 vs 0.97 ms for one, 16.7 vs 12.9 ms for 10,000).
COMPLEX_STEP = lambda n: n < 2048


def _integrate_complex_step(theta, v, p: Params, direction: int, apex: bool):
    """`integrate` with the first derivative along one direction by the complex step:
    integrating f(x + i h) gives f(x) + i h f'(x) + O(h^2), so Im / h is the derivative of the
    discrete map to machine precision, with no subtraction and so no truncation error (Squire &
    Trapp, SIAM Review 40, 1998). It costs one complex order-0 integration, the same number of
    numpy calls as the value alone: half the cost of the tangent equations for one target."""
    if direction == 0:
        theta = theta + 1j * _STEP
    else:
        v = v + 1j * _STEP
    out = integrate(theta, v, p, order=0, apex=apex)
    x = out[0]
    d1 = (x.imag / _STEP)[:, None, :]
    d1[..., np.isnan(x.real).any(axis=0)] = np.nan  # NaN assigned to a complex has imag 0
    rest = (np.real(out[3]),) if apex else ()
    return (np.ascontiguousarray(x.real), d1, None) + rest


def _integrate_second_along(theta, v, p: Params, dirs, along: int, apex: bool):
    """`integrate` to second order where only the second derivatives along one direction can be
    asked for, d²/d(along) d(b) for b in ``dirs`` (`endpoint`: the minimum-speed residual's
    slope is a derivative along the angle, differentiated once more along both): the complex
    step along ``along`` of the first-order integration. Its tangents' imaginary parts over h
    are those second derivatives of the discrete map, to machine precision like the first ones
    (`_integrate_complex_step`), for the numpy calls of first order instead of the
    second-order tangent equations' (~130 a stage), and less arithmetic: measured at 64 steps
    (CPU time, medians of 5) 5.5 against 17.5 ms for one shot, 0.82 against 1.01 s for 32768.
    The other second derivatives are NaN: never computed."""
    if along == 0:
        theta = theta + 1j * _STEP
    else:
        v = v + 1j * _STEP
    # counted as the second-order integration it replaces, so that every work budget
    # (`aim.budget`) decides as before
    WORK.steps += p.steps * (step_cost(p, 2) - step_cost(p, 1, True))
    out = integrate(theta, v, p, order=1, dirs=dirs, apex=apex)
    x, t1 = out[0], out[1]
    i = list(dirs).index(along)
    d2 = np.full((4, len(dirs), len(dirs), x.shape[1]), np.nan)
    d2[:, i] = d2[:, :, i] = t1.imag / _STEP
    d2[..., np.isnan(x.real).any(axis=0)] = np.nan  # NaN assigned to a complex has imag 0
    rest = (np.real(out[3]),) if apex else ()
    return (np.ascontiguousarray(x.real), np.ascontiguousarray(t1.real), d2) + rest


def integrate(theta, v, p: Params, *, order: int = 0, dirs=(0, 1), apex: bool = False,
              along: int | None = None, time: bool = True):
    """Integrate N shots from x = 0 to x = distance with p.steps classical RK4 steps.

    Returns (state, d1, d2): state (4, N) = (y, vx, vy, t) at x = distance; d1 (4, D, N) and
    d2 (4, D, D, N) its derivatives with respect to (angle [rad], speed [m/s])[dirs], or None
    beyond ``order``. With ``along`` (one of ``dirs``) at order 2, only the second derivatives
    along that direction are integrated (`_integrate_second_along`), the others are NaN. With
    ``apex``, a fourth item: the highest point (m) on the way to the target, from the cubic
    Hermite interpolant of y over the step where vy changes sign (exact data: y and dy/dx at
    both ends of the step). Shots whose horizontal velocity does not stay positive come back
    NaN: they turn back, or fall vertically, before the distance. Without ``time`` the flight
    time may come back NaN (3-D shots do not integrate it then).
    """
    if p.lateral is not None:
        WORK.steps += p.steps * step_cost(p, order) * THREE_D_COST
        return shot.integrate(theta, v, p, p.lateral, order, dirs, apex, time)
    theta, v = np.asarray(theta), np.asarray(v)
    dtype = np.result_type(theta, v, float)  # complex on the complex-step path
    theta, v = theta.astype(dtype), v.astype(dtype)
    dirs = tuple(dirs)
    if dtype != complex:  # (not twice: the second-order one integrates first order complex)
        if order == 1 and len(dirs) == 1 and COMPLEX_STEP(theta.shape[0]):
            return _integrate_complex_step(theta, v, p, dirs[0], apex)
        if order == 2 and along is not None:
            return _integrate_second_along(theta, v, p, dirs, along, apex)
    z, ndir = _initial(theta, v, p.launch_height, order, dirs)
    mesh = p.mesh()
    WORK.steps += p.steps * step_cost(p, order, dtype == complex)
    umin = z[VX, 0].real.copy()
    top = z[Y, 0].real.copy()
    one = (scalar.integrate(z, p, mesh, apex, _kappa) if scalar.applies(p, order, z.shape[2])
           else None)
    if one is not None:
        umin[:] = one[0]
        if apex:
            top[:] = one[1]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if one is None:
            WORK.steps += p.steps * step_cost(p, order, dtype == complex) * (ARRAY_COST - 1)
            _rk4_arrays(z, p, mesh, order, ndir, apex, umin, top)
        x, d1, d2 = (None if a is None else a.copy() for a in _views(z, ndir, order))
        if apex:
            top = np.maximum(top, x[Y].real)
    bad = ~(umin > 0) | ~np.isfinite(x).all(axis=0)
    if bad.any():
        for a in (x, d1, d2):
            if a is not None:
                a[..., bad] = np.nan
    if apex:
        top[bad] = np.nan
        return x, d1, d2, top
    return x, d1, d2


def _rk4_arrays(z, p: Params, mesh, order: int, ndir: int, apex: bool, umin, top) -> None:
    """`integrate`'s loop on arrays: ``z`` (4, K, N) stepped in place over ``mesh``; ``umin``
    (the lowest vx) and, with ``apex``, ``top`` (the highest y) updated in place."""
    ks = [np.empty_like(z) for _ in range(4)]
    tmp = np.empty_like(z)
    if order < 2:
        nb = np.zeros((4, z.shape[2]), dtype=z.dtype)
        nb[T] = 1.0
        dn = np.zeros((4, ndir, z.shape[2]), dtype=z.dtype) if order == 1 else None
        windy = p.wind_any
        field = lambda src, dst: _field_first(p, src, dst, nb, dn, ndir if order else 0, windy)
    else:
        field = lambda src, dst: _field(p, *_views(src, ndir, order), *_views(dst, ndir, order))
    for h, half, sixth in zip(mesh, 0.5 * mesh, mesh / 6.0):
        if apex:
            y0, s0 = z[Y, 0].real.copy(), (z[VY, 0] / z[VX, 0]).real
        field(z, ks[0])
        for j, w in enumerate((half, half, h)):
            np.multiply(ks[j], w, out=tmp)
            tmp += z
            field(tmp, ks[j + 1])
        k1, k2, k3, k4 = ks
        k2 += k3
        k2 *= 2.0
        k2 += k1
        k2 += k4
        k2 *= sixth
        z += k2
        np.minimum(umin, z[VX, 0].real, out=umin)
        if apex:
            s1 = (z[VY, 0] / z[VX, 0]).real
            cross = (s0 > 0) & ~(s1 > 0)
            if cross.any():
                top[cross] = np.maximum(top[cross], hermite_max(
                    y0[cross], s0[cross], z[Y, 0].real[cross], s1[cross], h[cross]))


def vacuum(theta, v, p: Params):
    """Closed-form end state (y, vx, vy, t) at x = distance in vacuum (`vacuum.end_state`)."""
    return _vacuum.end_state(theta, v, p.distance, p.launch_height, p.gravity)


# --------------------------------------------------------------------------------------------
# The autograd primitive.
# --------------------------------------------------------------------------------------------

@primitive
def _endpoint(theta, v, p: Params, order: int, dirs: tuple, along=None):
    """Packed (N, 4, 7) array: state, d/d(theta, v), d2/d(theta, v)^2 at x = distance.

    Only the derivatives along ``dirs`` up to ``order`` are integrated (the second ones along
    ``along`` only, if given); the slots of the others are NaN, so that a derivative nobody
    computed can never pass for a zero.
    """
    x, d1, d2 = (None if a is None else a[:4]
                 for a in integrate(theta, v, p, order=order, dirs=dirs, along=along))
    n = x.shape[1]
    out = np.full((n, 4, _NSLOTS), np.nan)
    out[:, :, _S0] = x.T
    for i, a in enumerate(dirs):
        if d1 is not None:
            out[:, :, _S1 + a] = d1[:, i].T
        if d2 is not None:
            for j, b in enumerate(dirs):
                out[:, :, _S2 + 2 * a + b] = d2[:, i, j].T
    return out


defvjp(_endpoint, packed.vjp_maker(0, 2), packed.vjp_maker(1, 2))


def endpoint(theta, v, p: Params):
    """End state (y, vx, vy, t) at x = distance for N shots, differentiable by autograd.

    theta (rad) and v (m/s) are arrays of shape (N,) (possibly boxed by autograd). Returns a tuple
    of four (N,) arrays. With drag it integrates (RK4, p.steps steps); in vacuum it is closed form.
    """
    if p.closed_form:
        return vacuum(theta, v, p)
    # integrate the sensitivities only as deep as the surrounding differentiation will reach
    t_theta, t_v = packed.traces(theta), packed.traces(v)
    order = min(2, len(t_theta | t_v))
    dirs = tuple(a for a, t in enumerate((t_theta, t_v)) if t)
    along = _second_along((t_theta, t_v), dirs) if order == 2 else None
    out = _endpoint(theta, v, p, order, dirs, along)
    return tuple(out[:, i, _S0] for i in range(4))


def _second_along(traces: tuple, dirs: tuple):
    """The one direction that every second derivative autograd can ask of `_endpoint` lies
    along, or None. d²/da db is read only when one differentiation (one trace) runs through
    the VJP of another along a, and that one's runs along b: two different traces, one boxing
    each of a and b. The minimum-speed residual's slope differentiates along the angle alone
    (the speed is boxed by the outer trace only), so d²/dv² is never asked for."""
    asked = [(a, b) for a in dirs for b in dirs if a <= b
             and any(s is not t for s in traces[a] for t in traces[b])]
    common = set(dirs)
    for pair in asked:
        common &= set(pair)
    return min(common) if common else None


def flight(theta, v, p: Params):
    """What a shot does on its way to x = distance, for reporting (not differentiated).

    Returns (y, vx, vy, t, apex), arrays of shape (N,): the end state and the highest point
    reached on the way (closed form in vacuum, `integrate` with ``apex`` otherwise).
    """
    theta = np.asarray(theta, dtype=float)
    v = np.asarray(v, dtype=float)
    if p.closed_form:
        return _vacuum.flight(theta, v, p.distance, p.launch_height, p.gravity)
    x, _, _, top = integrate(theta, v, p, apex=True)
    return x[Y], x[VX], x[VY], x[T], top
