"""What the model's autograd primitives share: their output packs the end state with its first
and second derivatives along D directions into slots (value at 0, d/dp_a at 1 + a,
d²/dp_a dp_b at 1 + D + D a + b), and their vector-Jacobian product reads the derivatives back
from those slots in autograd.numpy, so that autograd can differentiate it once more. The array is
(N, S, slots), shots first, or (S, slots, N), shots last (``shots_last``): then each row and
slot is contiguous, and packing and reading it back cost copies, not strided passes."""

from __future__ import annotations

import numpy as np
from autograd import numpy as anp
from autograd.tracer import Box


def unbox(x):
    """The plain value under autograd's boxes."""
    while isinstance(x, Box):
        x = x._value
    return x


def traces(x) -> set:
    """The autograd traces that box x."""
    found = set()
    while isinstance(x, Box):
        found.add(x._trace)
        x = x._value
    return found


def vjp_maker(argnum: int, ndir: int, locate=None, *, shots_last: bool = False):
    """The VJP maker of a packed primitive's argument ``argnum`` (one of ``ndir``), or, with
    ``locate(args) -> (index, ndir)``, of an argument whose slot the primitive's own arguments
    say (a primitive that packs only the directions it integrated)."""

    def make(ans, *args):
        k, nd = (argnum, ndir) if locate is None else locate(args)
        s1, s2 = 1, 1 + nd

        def vjp(g):
            raw = unbox(g)
            if shots_last:  # (S, slots, N): seen as (N, S, slots), a view
                raw, g, packed = raw.transpose(2, 0, 1), anp.transpose(g, (2, 0, 1)), \
                    anp.transpose(ans, (2, 0, 1))
            else:
                packed = ans
            # which state rows carry a cotangent, slot by slot, in one pass over g: the packed
            # rows are strided, and only those (a residual's y[, z] of 4 or 6) are read below
            # (measured, the four products of a 3-D Jacobian of 10,000 shots: ~2 ms each)
            rows = np.any(raw, axis=0)  # (NaN counts: it is not 0)
            if rows[:, s2:].any():
                raise NotImplementedError("third derivatives of the trajectory are not available")

            # a shot that never reaches the distance has NaN derivatives: they stay NaN where
            # they are asked for, and count as zero where the cotangent is zero (a batch that
            # leaves such shots out of its loss must not get a NaN gradient from them); the
            # rows left out add exact zeros
            def term(gs, slot):
                live = np.flatnonzero(rows[:, gs])
                if live.size == raw.shape[1]:
                    live = slice(None)
                return anp.sum(anp.where(raw[:, live, gs] != 0,
                                         g[:, live, gs] * packed[:, live, slot], 0.0), axis=1)

            out = term(0, s1 + k)
            for a in range(nd):
                if rows[:, s1 + a].any():
                    out = out + term(s1 + a, s2 + nd * a + k)
            return out
        return vjp
    return make
