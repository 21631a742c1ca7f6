"""Forward-mode derivatives by operator overloading: a `Jet` is a quantity together with its
first (and second) derivatives along D directions, for N shots at once.

The vector field is written once, in plain arithmetic (`field.py`); run on jets, every
operation also carries the derivatives by the product, quotient and chain rules, so derivatives
with respect to any input (the launch, the wind, the drag, the air) come mechanically from that
one description instead of being derived by hand per physical effect. Because an explicit
Runge-Kutta step is made of the same operations, integrating jets gives the exact derivatives of
the discrete map (what Newton's method and finite-difference checks see).

A jet is one array ``a`` of shape (..., K, N): row 0 the value, rows 1..D the first derivatives
and, at order 2, rows 1+D.. the D(D+1)/2 second derivatives d²/dp_i dp_j for i <= j (`pairs`);
leading axes pack several quantities (the state of a shot) into one jet. One array means one
numpy call per operation and row block, whatever D: on small batches numpy's per-call cost, not
the arithmetic, is what counts. Values may be complex (the complex step).
"""

from __future__ import annotations

import functools

import numpy as np


@functools.lru_cache(maxsize=None)
def pairs(ndir: int) -> tuple:
    """(I, J): the directions of each second-derivative row, i <= j, in row order."""
    i, j = np.triu_indices(ndir)
    return i, j


def rows(ndir: int, order: int) -> int:
    """K: the rows of a jet of D = ``ndir`` directions to ``order``."""
    return 1 + (ndir if order >= 1 else 0) + (ndir * (ndir + 1) // 2 if order >= 2 else 0)


class Jet:
    """A quantity and its derivatives (see the module docstring). Arithmetic with numbers and
    numpy arrays of shape (N,) treats those as constants."""

    __slots__ = ("a", "ndir", "order")
    __array_priority__ = 100  # ndarray op Jet -> Jet's reflected operator

    def __init__(self, a: np.ndarray, ndir: int, order: int):
        self.a, self.ndir, self.order = a, ndir, order

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def constant(cls, value, ndir: int, order: int, n: int, dtype=float) -> "Jet":
        a = np.zeros((rows(ndir, order), n), dtype=dtype)
        a[0] = value
        return cls(a, ndir, order)

    @classmethod
    def seed(cls, value, direction: int, ndir: int, order: int, n: int, dtype=float) -> "Jet":
        """An input: its value, and derivative 1 along ``direction`` (0 on the others)."""
        j = cls.constant(value, ndir, order, n, dtype)
        if order >= 1:
            j.a[1 + direction] = 1.0
        return j

    @property
    def value(self) -> np.ndarray:
        return self.a[..., 0, :]

    @property
    def d1(self) -> np.ndarray:
        """(..., D, N) first derivatives."""
        return self.a[..., 1:1 + self.ndir, :]

    @property
    def d2(self) -> np.ndarray:
        """(..., D(D+1)/2, N) second derivatives, rows as `pairs`."""
        return self.a[..., 1 + self.ndir:, :]

    def __getitem__(self, k) -> "Jet":
        """The k-th quantity of a packed jet (a view)."""
        return Jet(self.a[k], self.ndir, self.order)

    def _like(self, a) -> "Jet":
        return Jet(a, self.ndir, self.order)

    # -- arithmetic ----------------------------------------------------------------------------
    def __add__(self, o):
        if isinstance(o, Jet):
            return self._like(self.a + o.a)
        a = self.a.copy()
        a[..., 0, :] += o
        return self._like(a)

    __radd__ = __add__

    def __sub__(self, o):
        if isinstance(o, Jet):
            return self._like(self.a - o.a)
        a = self.a.copy()
        a[..., 0, :] -= o
        return self._like(a)

    def __rsub__(self, o):
        a = -self.a
        a[..., 0, :] += o
        return self._like(a)

    def __neg__(self):
        return self._like(-self.a)

    def __mul__(self, o):
        if not isinstance(o, Jet):
            return self._like(self.a * o)
        a, b = self.a, o.a
        c = a * b[..., :1, :]
        if self.order >= 1:
            d = self.ndir
            c[..., 1:, :] += a[..., :1, :] * b[..., 1:, :]
            if self.order >= 2:
                i, j = pairs(d)
                a1, b1 = a[..., 1:1 + d, :], b[..., 1:1 + d, :]
                c[..., 1 + d:, :] += a1[..., i, :] * b1[..., j, :] + a1[..., j, :] * b1[..., i, :]
        return self._like(c)

    __rmul__ = __mul__

    def __truediv__(self, o):
        if not isinstance(o, Jet):
            return self._like(self.a / o)
        return self * o.reciprocal()

    def __rtruediv__(self, o):
        return self.reciprocal() * o

    # -- functions: the chain rule -----------------------------------------------------------
    def apply(self, f0, f1=None, f2=None) -> "Jet":
        """f(self) from f, f' and f'' at the value: c' = f' a', c'' = f' a'' + f'' a'_i a'_j."""
        if self.order == 0:
            return self._like(np.asarray(f0)[..., None, :])
        c = self.a * np.asarray(f1)[..., None, :]
        c[..., 0, :] = f0
        if self.order >= 2:
            d = self.ndir
            i, j = pairs(d)
            a1 = self.a[..., 1:1 + d, :]
            c[..., 1 + d:, :] += np.asarray(f2)[..., None, :] * (a1[..., i, :] * a1[..., j, :])
        return self._like(c)

    def reciprocal(self) -> "Jet":
        r = 1.0 / self.a[..., 0, :]
        return self.apply(r, -r * r, 2.0 * r * r * r if self.order >= 2 else None)

    def sqrt(self) -> "Jet":
        x = self.a[..., 0, :]
        s = np.sqrt(x)
        if self.order == 0:
            return self.apply(s)
        h = 0.5 / s
        return self.apply(s, h, -0.5 * h / x if self.order >= 2 else None)


def value(x):
    """The value of a jet, or a constant as it is."""
    return x.a[..., 0, :] if isinstance(x, Jet) else x


def sqrt(x):
    return x.sqrt() if isinstance(x, Jet) else np.sqrt(x)


def apply(x, derivs):
    """f(x) for a jet or a constant, from ``derivs`` = (f, f', f'') at x's value."""
    return x.apply(*derivs) if isinstance(x, Jet) else derivs[0]
