"""Mach-dependent drag: standard drag tables Cd(Mach), a smooth interpolant, ballistic coefficients.

Tables. The bundled tables live in ``cannon_cli/physics/data/*.csv`` (``mach,cd`` with ``#``
comment lines that cite their source): ``g1`` and ``g7`` are the BRL/Aberdeen standard-projectile
drag functions and ``sphere`` is the GS function of a 9/16-inch smooth sphere, all as published by
JBM Ballistics and reproduced, with identical numbers, in py-ballisticcalc 3.1.1,
gehtsoft-usa/BallisticCalculator1 and ajokela/ballistics-engine (see each file's header).
``--drag-table FILE`` reads the same format.

Interpolation. Cd(M) is the monotone piecewise cubic of Fritsch & Carlson (SIAM J. Numer. Anal.
17(2), 1980) in the form of scipy's ``PchipInterpolator`` (weighted-harmonic-mean slopes inside,
the shape-preserving three-point formula at the ends): C1, no overshoot, monotone wherever the data
are, and it reproduces the table exactly at the knots. It is the interpolant py-ballisticcalc uses
too, so the two agree to rounding, not just to the tables' 4 decimals. The per-segment cubic
coefficients are computed once; evaluation is plain numpy arithmetic (``searchsorted`` on the real
part to pick the segment, then Horner), so it works on float arrays and on complex arrays:
``cd(m + 1j*h).imag / h == dcd(m)`` to rounding (complex-step differentiation).

Beyond the table. A constant extension would put a kink in Cd (slope jumps to 0), so each end is
continued with a saturating C1 tail, ``Cd(M) = Cd_end + s L tanh((M - M_end) / L)``: it leaves the
end knot with the end value and slope ``s`` (and zero curvature, as a linear extension would), and
then levels off, never moving more than ``|s| L`` from ``Cd_end``. ``L`` is 1 Mach, shortened if
needed so that the tail stays above ``Cd_end / 2`` (Cd stays positive however far out one goes).
The bundled tables span Mach 0-5 (sphere 0-4), so for bullets and shot the tail is a safety net.

Note on smoothness: PCHIP is C1, not C2 — the second derivative ``d2cd`` jumps at the knots. That
is enough for gradients and Newton steps, but a fixed-step RK4 whose steps straddle knots loses
some of its fourth-order convergence (measured for the .308 case of ``benchmarks/reference_308.py``,
RK4 in x over 1000 m against DOP853: 24 steps 8.8e-6 deg, 48 steps 1.2e-6 deg, 96 steps 3.2e-7 deg,
so roughly second to third order; still far inside the issue's 1e-3 deg).

Autograd. ``DragTable.__call__`` (and :func:`cd`) is an autograd primitive whose VJP/JVP use the
analytic derivative, itself a primitive (down to the third derivative, the cubic's constant), so
``autograd.grad`` works through it to any order.

Ballistic coefficient. For a projectile whose Cd is i * Cd_G(M) (form factor i against the standard
function G), drag deceleration = rho v^2 Cd A / (2 m) with A = pi d^2/4, i.e.

    a = rho v^2 Cd_G(M) * pi / (8 BC),   BC = m / (i d^2)   (sectional density over form factor)

The G-model BC is quoted in lb/in^2: BC_SI = BC * 0.45359237 kg / (0.0254 m)^2
= BC * 703.0696 kg/m^2.
(The same formula in py-ballisticcalc's imperial units is its constant 2.08551e-4 = rho_std pi /
(8 * 144) with rho_std = 0.076474 lb/ft^3 = 1.2250 kg/m^3.) Since ``a_drag = -kappa v_rel``,
kappa = a / |v_rel| (1/s) = K rho |v_rel| Cd(M): see :func:`bc_scale` and :func:`form_scale`
for K, and ``model._kappa`` for kappa along a flight.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
from bisect import bisect_right
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
from autograd.extend import defjvp, defvjp, primitive

from ..errors import InputError

#: names of the bundled tables (``--drag g1 | g7 | sphere``)
BUNDLED = ("g1", "g7", "sphere")

#: 1 lb/in^2 in kg/m^2: 0.45359237 kg / (0.0254 m)^2 (both exact by definition)

#: the least number of rows a table must have (a cubic needs a few points to be a cubic)
MIN_ROWS = 4

#: the tail length scale (Mach) beyond the ends of a table, before the positivity cap
TAIL_LENGTH = 1.0


def _table_error(detail: str) -> InputError:
    """An error about the drag table file (the field drag_table, the flag --drag-table)."""
    return InputError(detail, field="drag_table")


def _cubic(c3, c2, c1, c0, dx, order: int) -> list:
    """A segment's cubic and its derivatives up to ``order`` at offset ``dx`` from its left
    knot (Horner), on arrays or numbers."""
    out = [((c3 * dx + c2) * dx + c1) * dx + c0]
    if order >= 1:
        out.append((3.0 * c3 * dx + 2.0 * c2) * dx + c1)
    if order >= 2:
        out.append(6.0 * c3 * dx + 2.0 * c2)
    if order >= 3:
        out.append(6.0 * c3 + 0.0 * dx)
    return out


def _tail_values(c0, s, scale, t) -> list:
    """The tail c0 + s L tanh((M - M_end) / L) and its three derivatives, from
    t = tanh((M - M_end) / L), on arrays or numbers."""
    sech2 = 1.0 - t * t
    return [c0 + s * scale * t, s * sech2, -2.0 * s * t * sech2 / scale,
            -2.0 * s * sech2 * (1.0 - 3.0 * t * t) / (scale * scale)]


@dataclass(frozen=True, eq=False)
class DragTable:
    """A drag function Cd(Mach): knots, the monotone cubic through them, and its derivatives.

    Build one with :func:`load`, :func:`from_csv` or :func:`from_points`. Evaluation is
    vectorised, works on float and complex arrays, and is differentiable by autograd through
    ``table(mach)``.
    """

    name: str
    mach: np.ndarray  #: knots, strictly increasing (n,)
    cd_knots: np.ndarray  #: Cd at the knots (n,)
    coef: np.ndarray  #: (4, n-1) cubic coefficients per segment, powers 3, 2, 1, 0 of (M - M_i)
    tail_lo: tuple  #: (Cd, slope, L) of the tail below the first knot
    tail_hi: tuple  #: (Cd, slope, L) of the tail above the last knot
    source: str = ""  #: the table's ``# source:`` comment, if any
    _inner: np.ndarray = field(init=False, repr=False)  #: knots 1..n-2, for searchsorted
    _left: np.ndarray = field(init=False, repr=False)  #: left knot of each segment (n-1,)
    _powers: tuple = field(init=False, repr=False)  #: contiguous copies of coef's 4 rows
    #: the same as Python numbers, for one number at a time (`_evaluate_number`)
    _numbers: tuple = field(init=False, repr=False)

    def __post_init__(self):
        put = lambda name, value: object.__setattr__(self, name, value)
        put("_inner", np.ascontiguousarray(self.mach[1:-1]))
        put("_left", np.ascontiguousarray(self.mach[:-1]))
        put("_powers", tuple(np.ascontiguousarray(row) for row in self.coef))
        put("_numbers", (self._inner.tolist(), self._left.tolist(), self.coef.T.tolist(),
                         float(self.mach[0]), float(self.mach[-1])))

    # -- evaluation ---------------------------------------------------------------------------
    # The hot path of a trajectory: one searchsorted on the inner knots (no clip needed), a
    # gather from each contiguous coefficient array (faster than one gather of (N, 4) rows, at
    # every size measured: 1, 64, 4096 points), then Horner; the tails only if some point is
    # outside the table (checked with min/max, two reductions). A few numpy calls in all, since
    # for the small arrays of one shot the cost is the number of calls, not the arithmetic.

    def evaluate(self, mach, order: int = 0):
        """(Cd, dCd/dM, d²Cd/dM², d³Cd/dM³)[:order + 1] at ``mach`` (float or complex, any
        shape), sharing one segment lookup. ``d2`` is piecewise linear (PCHIP is C1: it jumps at the
        knots), ``d3`` piecewise constant."""
        if isinstance(mach, complex):  # (numpy's complex128 too)
            return self._evaluate_number(complex(mach), order)
        if isinstance(mach, float):
            return self._evaluate_number(float(mach), order)
        m = np.asarray(mach)
        mr = m.real if np.iscomplexobj(m) else m
        i = np.searchsorted(self._inner, mr, side="right")
        p3, p2, p1, p0 = self._powers
        c3, c2, c1, c0 = p3[i], p2[i], p1[i], p0[i]
        out = _cubic(c3, c2, c1, c0, m - self._left[i], order)
        # the last knot itself goes to the upper tail, which starts there with exactly the table's
        # value and end slope (the cubic would give the value to within rounding only)
        # (written so that a NaN, from a shot that stalled, sends the batch through the tails:
        # min/max propagate it, and skipping them would leave the others on the cubic)
        if m.size and not (mr.min() >= self.mach[0] and mr.max() < self.mach[-1]):
            out = self._tails(m, mr, out)
        return tuple(out)

    def _evaluate_number(self, m, order: int) -> tuple:
        """`evaluate` at one float or complex number, in plain Python arithmetic: the same
        segment (bisect is searchsorted), the same operations in the same order, so the same
        numbers (`physics.scalar`'s loop calls it at every stage, where numpy's calls on 0-d
        arrays cost ~20 us an evaluation)."""
        inner, left, coef, lo, hi = self._numbers
        mr = m.real
        i = bisect_right(inner, mr)
        c3, c2, c1, c0 = coef[i]
        out = _cubic(c3, c2, c1, c0, m - left[i], order)
        if mr < lo or mr >= hi:  # (NaN: neither, and the cubic's NaN, as on arrays)
            (c0, s, scale), x0 = (self.tail_lo, lo) if mr < lo else (self.tail_hi, hi)
            # (numpy's tanh, as on arrays: math's differs by an ulp, which 1 - t² magnifies)
            out = _tail_values(c0, s, scale, type(m)(np.tanh((m - x0) / scale)))[:order + 1]
        return tuple(out)

    def _tails(self, m, mr, values: list) -> list:
        """Replace the values outside the table by the tanh tail, for each derivative order."""
        for mask, (c0, s, scale), x0 in ((mr < self.mach[0], self.tail_lo, self.mach[0]),
                                         (mr >= self.mach[-1], self.tail_hi, self.mach[-1])):
            if not np.any(mask):
                continue
            tails = _tail_values(c0, s, scale, np.tanh(np.where(mask, (m - x0) / scale, 0.0)))
            values = [np.where(mask, tail, v) for tail, v in zip(tails, values)]
        return values

    def cd(self, mach):
        """Cd at ``mach`` (float or complex array, any shape)."""
        return self.evaluate(mach, 0)[0]

    def dcd(self, mach):
        """dCd/dM at ``mach``."""
        return self.evaluate(mach, 1)[1]

    def d2cd(self, mach):
        """d²Cd/dM² at ``mach`` (piecewise linear: PCHIP is C1, so this jumps at the knots)."""
        return self.evaluate(mach, 2)[2]

    def d3cd(self, mach):
        """d³Cd/dM³ at ``mach`` (piecewise constant); only for autograd's third derivative."""
        return self.evaluate(mach, 3)[3]

    def __call__(self, mach):
        """Cd(mach), differentiable by autograd (a primitive with analytic derivatives)."""
        return _cd(mach, self)

    def __repr__(self) -> str:
        return (f"DragTable({self.name!r}, {len(self.mach)} points, "
                f"Mach {self.mach[0]:g}..{self.mach[-1]:g})")


# -- autograd ----------------------------------------------------------------------------------

@primitive
def _cd(mach, table):
    return table.cd(mach)


@primitive
def _dcd(mach, table):
    return table.dcd(mach)


@primitive
def _d2cd(mach, table):
    return table.d2cd(mach)


@primitive
def _d3cd(mach, table):
    return table.d3cd(mach)


# Cd is elementwise in mach, so the VJP and the JVP are both a product with the derivative. The
# derivative is again a primitive, so autograd can differentiate the VJP (Hessians, Newton).
defvjp(_cd, lambda ans, mach, table: lambda g: g * _dcd(mach, table))
defvjp(_dcd, lambda ans, mach, table: lambda g: g * _d2cd(mach, table))
defvjp(_d2cd, lambda ans, mach, table: lambda g: g * _d3cd(mach, table))
defvjp(_d3cd, lambda ans, mach, table: lambda g: 0.0 * g)
defjvp(_cd, lambda g, ans, mach, table: g * _dcd(mach, table))
defjvp(_dcd, lambda g, ans, mach, table: g * _d2cd(mach, table))
defjvp(_d2cd, lambda g, ans, mach, table: g * _d3cd(mach, table))
defjvp(_d3cd, lambda g, ans, mach, table: 0.0 * g)


def cd(mach, table: DragTable):
    """Cd(mach) of ``table``, differentiable by autograd (same as ``table(mach)``)."""
    return _cd(mach, table)


# -- building tables ---------------------------------------------------------------------------

def _pchip_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Knot slopes of the Fritsch-Carlson monotone cubic, as scipy's PchipInterpolator sets them.

    Interior: the weighted harmonic mean of the neighbouring secants (Fritsch & Butland), zero
    where they differ in sign or one is zero. Ends: the three-point formula, set to zero if its
    sign differs from the end secant's and capped at three times the secant if the secants change
    sign (Moler, Numerical Computing with MATLAB, pchip).
    """
    h = np.diff(x)
    delta = np.diff(y) / h
    m = np.zeros_like(y)
    d0, d1 = delta[:-1], delta[1:]
    w1 = 2.0 * h[1:] + h[:-1]
    w2 = h[1:] + 2.0 * h[:-1]
    same = (np.sign(d0) * np.sign(d1)) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = (w1 + w2) / (w1 / d0 + w2 / d1)
    m[1:-1] = np.where(same, harmonic, 0.0)

    def edge(h0, h1, m0, m1):
        d = ((2.0 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
        if np.sign(d) != np.sign(m0):
            return 0.0
        if np.sign(m0) != np.sign(m1) and abs(d) > abs(3.0 * m0):
            return 3.0 * m0
        return d

    m[0] = edge(h[0], h[1], delta[0], delta[1])
    m[-1] = edge(h[-1], h[-2], delta[-1], delta[-2])
    return m


def _tail(c0: float, s: float) -> tuple:
    scale = TAIL_LENGTH
    if s != 0.0:
        scale = min(scale, 0.5 * c0 / abs(s))  # |s| L <= Cd_end / 2: the tail stays positive
    return (float(c0), float(s), float(scale))


def from_points(mach, cd_values, *, name: str = "custom", source: str = "") -> DragTable:
    """A DragTable through the points (mach, cd); validated like a CSV (see :func:`from_csv`)."""
    x = np.asarray(mach, dtype=float).ravel()
    y = np.asarray(cd_values, dtype=float).ravel()
    where = name
    if x.shape != y.shape:
        raise _table_error(f"{where}: {x.size} Mach values but {y.size} Cd values")
    if x.size < MIN_ROWS:
        raise _table_error(f"{where}: needs at least {MIN_ROWS} rows, got {x.size}")
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise _table_error(f"{where}: Mach numbers must be finite and >= 0")
    if not np.all(np.isfinite(y)) or np.any(y <= 0):
        raise _table_error(f"{where}: Cd values must be finite and > 0")
    bad = np.flatnonzero(np.diff(x) <= 0)
    if bad.size:
        k = int(bad[0])
        raise _table_error(f"{where}: Mach must increase strictly, but row {k + 2} has "
                         f"{x[k + 1]:g} after {x[k]:g}")
    slopes = _pchip_slopes(x, y)
    h = np.diff(x)
    delta = np.diff(y) / h
    m0, m1 = slopes[:-1], slopes[1:]
    # Hermite cubic on each segment in powers of t = M - M_i
    coef = np.empty((4, x.size - 1))
    coef[3] = y[:-1]
    coef[2] = m0
    coef[1] = (3.0 * delta - 2.0 * m0 - m1) / h
    coef[0] = (m0 + m1 - 2.0 * delta) / (h * h)
    x.setflags(write=False)
    y.setflags(write=False)
    coef.setflags(write=False)
    return DragTable(name, x, y, coef, _tail(y[0], slopes[0]), _tail(y[-1], slopes[-1]), source)


def _parse(text: str, name: str) -> DragTable:
    """Parse ``mach,cd`` CSV text: ``#`` comment lines and blank lines anywhere, then a header
    line ``mach,cd``, then at least MIN_ROWS rows of two numbers."""
    where = name
    source = ""
    header_seen = False
    mach, cds = [], []
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not cells or all(c == "" for c in cells):
            continue
        if cells[0].startswith("#"):
            # the source is the '# source:' comment and the comment lines after it, up to the header
            line = ",".join(row).lstrip("#").strip()
            if not source and not header_seen and line.lower().startswith("source:"):
                source = line[len("source:"):].strip()
            elif source and not header_seen:
                source = f"{source} {line}"
            continue
        if not header_seen:
            if [c.lower() for c in cells] != ["mach", "cd"]:
                raise _table_error(f"{where}: line {lineno}: expected the header 'mach,cd', "
                                 f"got {','.join(row)!r}")
            header_seen = True
            continue
        if len(cells) != 2:
            raise _table_error(f"{where}: line {lineno}: expected 2 columns (mach,cd), "
                             f"got {len(cells)}")
        try:
            m, c = float(cells[0]), float(cells[1])
        except ValueError:
            raise _table_error(f"{where}: line {lineno}: not a number in {','.join(row)!r}") \
                from None
        if not (math.isfinite(m) and m >= 0):
            raise _table_error(f"{where}: line {lineno}: Mach must be finite and >= 0, got {m:g}")
        if not (math.isfinite(c) and c > 0):
            raise _table_error(f"{where}: line {lineno}: Cd must be finite and > 0, got {c:g}")
        if mach and m <= mach[-1]:
            raise _table_error(f"{where}: line {lineno}: Mach must increase strictly, got {m:g} "
                             f"after {mach[-1]:g}")
        mach.append(m)
        cds.append(c)
    if not header_seen:
        raise _table_error(f"{where}: no header line 'mach,cd'")
    if len(mach) < MIN_ROWS:
        raise _table_error(f"{where}: needs at least {MIN_ROWS} rows, got {len(mach)}")
    return from_points(mach, cds, name=name, source=source)


def from_csv(path) -> DragTable:
    """Read a user drag table (``--drag-table FILE``): CSV with a ``mach,cd`` header line, optional
    ``#`` comment lines, then at least 4 rows with strictly increasing Mach >= 0 and finite
    Cd > 0. Any problem raises :class:`InputError` with a one-line message."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except OSError as e:
        raise _table_error(f"{path}: cannot read it: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise _table_error(f"{path}: not a UTF-8 text file") from None
    except ValueError:  # a NUL or a lone surrogate in the name: no file has it
        raise _table_error(f"{path!r}: not a file name") from None
    try:
        return _parse(text, path)
    except csv.Error as e:
        raise _table_error(f"{path}: {e}") from None


def bundled(name: str) -> DragTable:
    """One of the bundled tables, by name (``g1``, ``g7``, ``sphere``, any case); cached."""
    key = name.lower()
    if key not in BUNDLED:
        raise InputError(f"unknown drag table {name!r}: expected one of {', '.join(BUNDLED)}")
    return _bundled(key)


@functools.lru_cache(maxsize=None)
def _bundled(key: str) -> DragTable:
    text = resources.files(__package__).joinpath("data", f"{key}.csv").read_text("utf-8")
    return _parse(text, key)


def load(spec) -> DragTable:
    """A bundled table by name (``g1``, ``g7``, ``sphere``), else a CSV file by path."""
    if isinstance(spec, str) and spec.lower() in BUNDLED:
        return bundled(spec)
    return from_csv(spec)


# -- ballistic coefficient ---------------------------------------------------------------------

def bc_scale(bc_si):
    """K (m^2/kg) in kappa = K rho |v| Cd_G(M) for a G-model ballistic coefficient BC in kg/m^2
    (lb/in^2 x LB_PER_IN2): K = pi / (8 BC)."""
    return np.pi / (8.0 * bc_si)


def form_scale(mass, diameter, form_factor=1.0):
    """K (m^2/kg) in kappa = K rho |v| Cd(M) for mass (kg), diameter (m) and form factor i:
    K = i A / (2 m), A = pi d^2 / 4. (With i = 1 and a measured table, Cd is the projectile's
    own.)"""
    return form_factor * (np.pi * diameter * diameter / 4.0) / (2.0 * mass)
