"""Pictures of `cannon hit`: P(hit) and the impact's sigmas against range (a sweep), or the target
face with the 95 % ellipse and the sampled impacts (one distance)."""

from __future__ import annotations

import math

import numpy as np

from .draw import _figure, _save


def draw_sweep(records: list, out: str) -> None:
    fig = _figure(1000, 600)
    ax, ax2 = fig.subplots(2, 1, sharex=True)
    ok = [r for r in records if r["converged"]]
    d = np.array([r["distance_m"] for r in ok])
    ax.plot(d, [r["p_hit"] for r in ok], "o-", label="delta method")
    if any("monte_carlo" in r for r in ok):
        mc = [r for r in ok if "monte_carlo" in r]
        p = np.array([r["monte_carlo"]["p_hit"] for r in mc])
        lo = p - np.array([r["monte_carlo"]["wilson_95"][0] for r in mc])
        hi = np.array([r["monte_carlo"]["wilson_95"][1] for r in mc]) - p
        ax.errorbar([r["distance_m"] for r in mc], p, yerr=[lo, hi], fmt="s", capsize=3,
                    label="Monte Carlo (Wilson 95 %)")
    bad = [r for r in ok if not r["linear"]]
    if bad:
        ax.plot([r["distance_m"] for r in bad], [r["p_hit"] for r in bad], "rx", ms=10,
                label="linearisation poor")
    ax.set_ylabel("P(hit)")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(f"odds of a hit on {_target(ok[0]) if ok else 'the target'}")
    ax2.plot(d, [r["sigma_vertical_m"] for r in ok], "o-", label="σ vertical")
    ax2.plot(d, [r["sigma_lateral_m"] for r in ok], "o-", label="σ lateral")
    ax2.set_xlabel("distance (m)")
    ax2.set_ylabel("σ of the impact (m)")
    ax2.grid(alpha=0.3)
    ax2.legend()
    _save(fig, out)


def draw_face(record: dict, out: str) -> None:
    from matplotlib import patches

    fig = _figure(700, 700)
    ax = fig.subplots()
    tg = record["target"]
    if "diameter_m" in tg:
        ax.add_patch(patches.Circle((0, 0), tg["diameter_m"] / 2, fill=False, lw=2))
    else:
        w, h = tg["width_m"], tg["height_m"]
        ax.add_patch(patches.Rectangle((-w / 2, -h / 2), w, h, fill=False, lw=2))
    impacts = record.get("_impacts")
    if impacts is not None:
        up, side = impacts
        ax.plot(side, up, ".", ms=2, alpha=0.3, label=f"{up.size} sampled impacts")
    ell = record["ellipse_95"]
    t = np.linspace(0, 2 * math.pi, 200)
    a, b, phi = ell["semi_major_m"], ell["semi_minor_m"], math.radians(ell["angle_deg"])
    x = a * np.cos(t) * math.cos(phi) - b * np.sin(t) * math.sin(phi)
    y = a * np.cos(t) * math.sin(phi) + b * np.sin(t) * math.cos(phi)
    ax.plot(x, y, "r-", label="95 % ellipse (delta method)")
    ax.plot([0], [0], "k+", ms=12)
    ax.set_aspect("equal")
    lim = 1.15 * max(a, 0.5 * max(tg.values()))
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel("lateral (m, + right)")
    ax.set_ylabel("vertical (m, + up)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    ax.set_title(f"target face at {record['distance_m']:g} m: P(hit) {record['p_hit']:.3f}")
    _save(fig, out)


def _target(record: dict) -> str:
    tg = record["target"]
    if "diameter_m" in tg:
        return f"a {tg['diameter_m']:g} m disc"
    return f"a {tg['width_m']:g} x {tg['height_m']:g} m rectangle"
