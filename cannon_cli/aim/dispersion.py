"""How sure a shot is: the impact's covariance from the inputs' uncertainties by the delta method
on the exact Jacobian (`sensitivity.jacobian`), each source's share of it (the error budget), the
95 % ellipse and the probability of hitting a rectangle or a disc; a Monte Carlo of the full
nonlinear model to check it, and a test of the linearisation by sigma points
(docs/physics.md §11).

Everything is vectorised over N shots (a sweep of distances is N shots) and over samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .sensitivity import Fired, jacobian

#: chi-square with 2 degrees of freedom at 95 %: the 95 % ellipse is x' S^-1 x = this
CHI2_95 = -2.0 * math.log(0.05)
#: a linearisation is called poor when a source's +-2 sigma impacts depart from the straight
#: line by more than this fraction of the impact's own sigma
NONLINEAR = 0.1


@dataclass(frozen=True)
class Uncertainty:
    """The standard deviations of a shot's inputs (None or 0: known exactly). ``speed``, ``wind``
    and ``crosswind`` in m/s, ``distance`` in m, ``bc`` and ``density`` as fractions (0.01 is
    1 %; ``bc`` is the drag's own scale where there is no ballistic coefficient), ``angle`` in
    rad: the gun's own precision, in elevation and in azimuth alike."""

    speed: float = 0.0
    wind: float = 0.0
    crosswind: float = 0.0
    distance: float = 0.0
    bc: float = 0.0
    density: float = 0.0
    angle: float = 0.0

    def sources(self) -> list:
        """[(name, end-state input, sigma in that input's units)] of the sources that are
        uncertain, in a fixed order; the gun's precision is two sources (elevation,
        azimuth)."""
        rows = [("velocity", "speed", self.speed), ("wind", "wind", self.wind),
                ("crosswind", "crosswind", self.crosswind), ("range", "distance", self.distance),
                ("bc", "drag_scale", self.bc), ("density", "drag_scale", self.density),
                ("elevation", "elevation", self.angle), ("azimuth", "azimuth", self.angle)]
        return [r for r in rows if r[2]]


@dataclass(frozen=True)
class Target:
    """A target face centred on the aim point: a ``width`` x ``height`` rectangle (m), or a disc
    of ``diameter`` (m)."""

    width: Optional[float] = None
    height: Optional[float] = None
    diameter: Optional[float] = None

    def contains(self, up, side) -> np.ndarray:
        if self.diameter is not None:
            return up * up + side * side <= 0.25 * self.diameter ** 2
        return (np.abs(side) <= 0.5 * self.width) & (np.abs(up) <= 0.5 * self.height)

    def describe(self) -> str:
        if self.diameter is not None:
            return f"a disc {self.diameter:g} m across"
        return f"a {self.width:g} m wide, {self.height:g} m high rectangle"


def covariance(jac: np.ndarray, sigma: np.ndarray) -> tuple:
    """(Sigma (N, 2, 2), parts (N, 2, m)): the impact's covariance J diag(s^2) J' and each
    source's variance in the vertical and the lateral."""
    scaled = jac * sigma[:, None, :]
    return np.einsum("nim,njm->nij", scaled, scaled), scaled ** 2


def ellipse(cov: np.ndarray) -> tuple:
    """(semi-major, semi-minor (m), angle of the major axis from the horizontal, deg) of the
    95 % ellipses of covariances (N, 2, 2) [vertical, lateral]."""
    vals, vecs = np.linalg.eigh(cov)
    vals = np.maximum(vals, 0.0)
    major = vecs[:, :, 1]  # (vertical, lateral) of the larger eigenvalue's vector
    angle = np.degrees(np.arctan2(major[:, 0], major[:, 1]))
    angle = np.where(angle > 90, angle - 180, np.where(angle <= -90, angle + 180, angle))
    return np.sqrt(CHI2_95 * vals[:, 1]), np.sqrt(CHI2_95 * vals[:, 0]), angle


def probability(cov: np.ndarray, target: Target, nodes: int = 24) -> np.ndarray:
    """P(the impact lands on ``target``) for impacts ~ N(0, cov) (N, 2, 2).

    In polar coordinates around the centre the radial integral is closed: with
    a(phi) = e' Sigma^-1 e, the mass within r(phi) along the direction e(phi) is
    (1 - exp(-a r^2 / 2)) / a / (2 pi sqrt(det Sigma)); what is left is a smooth integral over
    phi between the rectangle's corners (or all round a disc), by Gauss-Legendre on each piece.
    """
    n = cov.shape[0]
    det = np.linalg.det(cov)
    out = np.full(n, np.nan)
    good = np.isfinite(det) & (det > 0)
    x, w = np.polynomial.legendre.leggauss(nodes)
    for i in np.flatnonzero(good):
        inv = np.linalg.inv(cov[i])
        if target.diameter is not None:
            edges = np.linspace(0.0, 2 * math.pi, 9)
        else:
            c = math.atan2(target.height, target.width)
            edges = np.array([0.0, c, math.pi - c, math.pi, math.pi + c, 2 * math.pi - c,
                              2 * math.pi])
        total = 0.0
        for lo, hi in zip(edges[:-1], edges[1:]):
            phi = 0.5 * (hi - lo) * x + 0.5 * (hi + lo)
            # e = (vertical, lateral) = (sin, cos): phi from the lateral axis
            ev, el = np.sin(phi), np.cos(phi)
            a = inv[0, 0] * ev * ev + 2 * inv[0, 1] * ev * el + inv[1, 1] * el * el
            if target.diameter is not None:
                r = np.full_like(phi, 0.5 * target.diameter)
            else:
                with np.errstate(divide="ignore"):
                    r = np.minimum(0.5 * target.width / np.abs(el),
                                   0.5 * target.height / np.abs(ev))
            total += 0.5 * (hi - lo) * np.sum(w * -np.expm1(-0.5 * a * r * r) / a)
        out[i] = total / (2 * math.pi * math.sqrt(det[i]))
    # a covariance of rank one (only vertical sources, say): the impacts lie on a line through
    # the centre, and the odds are those of a normal within the target's chord along it
    for i in np.flatnonzero(~good & np.isfinite(cov.reshape(n, 4)).all(axis=1)):
        vals, vecs = np.linalg.eigh(cov[i])
        sd, (ev, el) = math.sqrt(max(vals[1], 0.0)), vecs[:, 1]
        if target.diameter is not None:
            half = 0.5 * target.diameter
        else:
            with np.errstate(divide="ignore"):
                half = min(0.5 * target.width / abs(el), 0.5 * target.height / abs(ev))
        out[i] = 1.0 if sd == 0 else math.erf(half / (sd * math.sqrt(2.0)))
    return np.clip(out, 0.0, 1.0)


def changes(uncertainty: Uncertainty, draws: dict) -> dict:
    """The end-state inputs' changes for standard-normal ``draws`` keyed by source name: the
    drag scale as the nonlinear model has it ((1 + density) / (1 + bc))."""
    out = {}
    scale = 1.0
    for name, target_input, sigma in uncertainty.sources():
        d = sigma * draws[name]
        if name == "bc":
            scale = scale / (1.0 + d)
        elif name == "density":
            scale = scale * (1.0 + d)
        else:
            out[target_input] = out.get(target_input, 0.0) + d
    if not isinstance(scale, float):
        out["drag_scale"] = scale - 1.0
    return out


@dataclass(frozen=True)
class Spread:
    """The delta method's answer for N shots (arrays over N)."""

    cov: np.ndarray
    parts: np.ndarray
    names: tuple
    sigma: np.ndarray

    @property
    def sd(self) -> tuple:
        return np.sqrt(self.cov[:, 0, 0]), np.sqrt(self.cov[:, 1, 1])

    @property
    def correlation(self) -> np.ndarray:
        sv, sl = self.sd
        with np.errstate(all="ignore"):
            return np.where((sv > 0) & (sl > 0), self.cov[:, 0, 1] / (sv * sl), 0.0)


def spread(fired: Fired, uncertainty: Uncertainty) -> Spread:
    """The impact's covariance of N fired shots under ``uncertainty`` (delta method)."""
    sources = uncertainty.sources()
    names = tuple(s[0] for s in sources)
    inputs = list(dict.fromkeys(s[1] for s in sources))
    jac = jacobian(fired, inputs) if inputs else np.zeros((fired.size, 2, 0))
    cols = np.stack([jac[:, :, inputs.index(s[1])] for s in sources], axis=2) if sources \
        else np.zeros((fired.size, 2, 0))
    sigma = np.broadcast_to(np.array([s[2] for s in sources], dtype=float),
                            (fired.size, len(sources)))
    cov, parts = covariance(cols, sigma)
    return Spread(cov, parts, names, sigma)


def linearity(fired: Fired, uncertainty: Uncertainty, result: Spread) -> tuple:
    """(worst departure, its source) per shot: for each source the impacts at +-2 sigma by the
    full model, against the straight line through them, over the impact's own sigma in that
    direction (`NONLINEAR` or more: the delta method is not to be trusted)."""
    sources = uncertainty.sources()
    n, m = fired.size, len(sources)
    if not m:
        return np.zeros(n), [None] * n
    rows = np.repeat(np.arange(n), 2 * m)
    many = fired.take(rows)
    draws = {s[0]: np.zeros(rows.size) for s in sources}
    sign = np.tile(np.array([2.0, -2.0]), n * m)
    which = np.tile(np.repeat(np.arange(m), 2), n)
    for j, s in enumerate(sources):
        draws[s[0]] = np.where(which == j, sign, 0.0)
    up, side = many.impact(changes(uncertainty, draws))
    up, side = up.reshape(n, m, 2), side.reshape(n, m, 2)
    sv, sl = result.sd
    with np.errstate(all="ignore"):
        # the midpoint of the +-2 sigma impacts is where a curved response leaves the line
        bend = np.maximum(np.abs(up.sum(axis=2)) / 2 / sv[:, None],
                          np.abs(side.sum(axis=2)) / 2 / sl[:, None])
    bend = np.nan_to_num(bend, nan=np.inf)
    worst = bend.max(axis=1)
    return worst, [sources[int(k)][0] for k in bend.argmax(axis=1)]


def monte_carlo(fired: Fired, uncertainty: Uncertainty, target: Target, samples: int,
                seed: Optional[int] = None) -> dict:
    """Sample the inputs ``samples`` times for one shot (row 0 of ``fired``) and fly every
    sample through the full model (one vectorised integration): P(hit) with its Wilson 95 %
    interval, the sampled sigmas and correlation, and the impacts themselves."""
    rng = np.random.default_rng(seed)
    many = fired.take(np.zeros(samples, dtype=int))
    draws = {s[0]: rng.standard_normal(samples) for s in uncertainty.sources()}
    up, side = many.impact(changes(uncertainty, draws))
    flown = np.isfinite(up) & np.isfinite(side)
    hits = int(np.count_nonzero(target.contains(up[flown], side[flown])))
    k = int(flown.sum())
    lo, hi = wilson(hits, samples)
    cov = np.cov(np.stack([up[flown], side[flown]])) if k > 1 else np.full((2, 2), np.nan)
    sv, sl = math.sqrt(cov[0, 0]), math.sqrt(cov[1, 1])
    return {"samples": samples, "flown": k, "hits": hits, "p_hit": hits / samples,
            "wilson_95": [lo, hi], "sigma_vertical_m": sv, "sigma_lateral_m": sl,
            "correlation": cov[0, 1] / (sv * sl) if sv > 0 and sl > 0 else 0.0,
            "mean_vertical_m": float(np.mean(up[flown])) if k else math.nan,
            "mean_lateral_m": float(np.mean(side[flown])) if k else math.nan,
            "impacts": (up, side)}


def wilson(hits: int, n: int, z: float = 1.959963984540054) -> tuple:
    """The Wilson score interval of a binomial proportion (95 % by default)."""
    if n == 0:
        return (0.0, 1.0)
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))
