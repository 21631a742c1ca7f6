"""A smooth correction of a drag table, Cd(M) -> Cd(M) (1 + sum_k c_k B_k(M)): what truing fits
when the published drag function is not quite the bullet's (the "drop scale factor" idea,
docs/physics.md §12).

The bumps are Gaussians at fixed Mach knots m_k with one width w,
B_k(M) = exp(-((M - m_k) / w)² / 2): smooth to every order (a fixed-step RK4 keeps its order,
unlike across PCHIP's knots), so the coefficients c_k enter the field as plain differentiable
inputs (`shot.INPUTS` "cd_0".., `field._kappa`). A profile carries a fitted curve as a
`CorrectedTable`, a drag table like any other, so that every path that reads a table (the
solvers' fast path included) flies the corrected drag without knowing of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np

from .dragtable import DragTable

#: the most knots a curve has (the slots of `shot.INPUTS`)
MAX_KNOTS = 6


@dataclass(frozen=True)
class Curve:
    """The shape of a correction: the Mach knots (increasing) and the bumps' width."""

    mach: tuple
    width: float

    @classmethod
    def spread(cls, knots) -> "Curve":
        """Bumps at ``knots`` as wide as the smallest spacing (0.5 Mach for one knot): next
        bumps overlap enough that the curve between knots is smooth, not a row of spikes."""
        knots = tuple(float(k) for k in knots)
        width = min(np.diff(knots)) if len(knots) > 1 else 0.5
        return cls(knots, float(width))

    def bumps(self, mach, order: int = 0) -> list:
        """Per knot, (B, dB/dM, .., d^order B/dM^order) at ``mach``: d^n/dM^n of exp(-u²/2)
        is (-1)^n He_n(u) exp(-u²/2) / w^n with the Hermite polynomials He_n."""
        out = []
        for knot in self.mach:
            u = (mach - knot) / self.width
            g = np.exp(-0.5 * u * u)
            he = (1.0, u, u * u - 1.0, u * u * u - 3.0 * u)
            out.append(tuple((-1.0) ** n * he[n] * g / self.width ** n
                             for n in range(order + 1)))
        return out

    def factor(self, mach, coefficients, order: int = 0) -> tuple:
        """(1 + sum c_k B_k, and its derivatives in M up to ``order``) for plain numbers."""
        bumps = self.bumps(mach, order)
        out = []
        for n in range(order + 1):
            total = sum(c * b[n] for c, b in zip(coefficients, bumps))
            out.append((1.0 if n == 0 else 0.0) + total + 0.0 * mach)
        return tuple(out)


@dataclass(frozen=True, eq=False)
class CorrectedTable(DragTable):
    """A drag table times a `Curve` with fixed ``coefficients``: Cd and its derivatives by
    Leibniz's rule, so it serves wherever a `DragTable` does."""

    curve: Curve = None
    coefficients: tuple = ()
    base: DragTable = None

    @classmethod
    def of(cls, table: DragTable, curve: Curve, coefficients) -> "CorrectedTable":
        base = getattr(table, "base", None) or table
        return cls(base.name, base.mach, base.cd_knots, base.coef, base.tail_lo, base.tail_hi,
                   base.source, curve=curve, coefficients=tuple(float(c) for c in coefficients),
                   base=base)

    def evaluate(self, mach, order: int = 0):
        cd = super().evaluate(mach, order)
        fac = self.curve.factor(np.asarray(mach), self.coefficients, order)
        return tuple(sum(comb(n, k) * cd[k] * fac[n - k] for k in range(n + 1))
                     for n in range(order + 1))
