"""`cannon hit`'s records for people and for CSV: the odds of one shot as tables (the answer, the
impact's spread and the error budget), or of a sweep as one row per distance."""

from __future__ import annotations

from rich.table import Table

from .render import Terminal, _kv_table

#: the CSV columns of a hit record (a flat row: the budget and the Monte Carlo as summaries)
CSV_COLUMNS = ("distance_m", "angle_deg", "azimuth_deg", "velocity_mps", "status", "p_hit",
               "sigma_vertical_m", "sigma_lateral_m", "correlation", "semi_major_m",
               "semi_minor_m", "ellipse_angle_deg", "linear", "largest_source", "largest_share",
               "mc_p_hit", "mc_low", "mc_high", "reason")


def flat(record: dict) -> dict:
    """A hit record as one CSV row (`CSV_COLUMNS`)."""
    out = {k: record.get(k) for k in CSV_COLUMNS if k in record}
    ell = record.get("ellipse_95")
    if ell:
        out.update(semi_major_m=ell["semi_major_m"], semi_minor_m=ell["semi_minor_m"],
                   ellipse_angle_deg=ell["angle_deg"])
    budget = record.get("budget")
    if budget:
        top = max(budget, key=lambda b: b["share"])
        out.update(largest_source=top["source"], largest_share=top["share"])
    mc = record.get("monte_carlo")
    if mc:
        out.update(mc_p_hit=mc["p_hit"], mc_low=mc["wilson_95"][0], mc_high=mc["wilson_95"][1])
    return out


def one(term: Terminal, record: dict) -> None:
    """The odds of one shot, on stderr."""
    t = _kv_table("odds of a hit" if record["converged"] else "no firing solution")
    t.add_row("distance", f"{record['distance_m']:.6g}", "m")
    t.add_row("angle", f"{record['angle_deg']:.6f}", "°")
    t.add_row("azimuth", f"{record['azimuth_deg']:+.6f}", "° (+ right)")
    t.add_row("speed", f"{record['velocity_mps']:.4f}", "m/s")
    if not record["converged"]:
        term.show(t)
        term.note(f"cannon: {record['reason']}")
        return
    t.add_row("σ vertical", f"{record['sigma_vertical_m']:.4g}", "m")
    t.add_row("σ lateral", f"{record['sigma_lateral_m']:.4g}", "m")
    t.add_row("correlation", f"{record['correlation']:+.3f}", "")
    ell = record["ellipse_95"]
    t.add_row("95 % ellipse", f"{ell['semi_major_m']:.4g} x {ell['semi_minor_m']:.4g}",
              f"m (semi-axes; major at {ell['angle_deg']:+.1f}° from level)")
    t.add_row("P(hit)", f"{record['p_hit']:.4f}", "delta method")
    mc = record.get("monte_carlo")
    if mc:
        lo, hi = mc["wilson_95"]
        t.add_row("", f"{mc['p_hit']:.4f}", f"Monte Carlo, {mc['samples']} shots "
                  f"(95 %: {lo:.4f} to {hi:.4f})")
    term.show(t)
    term.show(budget_table(record))
    if "warning" in record:
        term.warn(record["warning"])


def budget_table(record: dict) -> Table:
    t = Table(title="error budget (share of the variance)", title_justify="left")
    for name, justify in (("source", "left"), ("σ", "right"), ("σ vertical m", "right"),
                          ("σ lateral m", "right"), ("share", "right")):
        t.add_column(name, justify=justify)
    for b in sorted(record["budget"], key=lambda b: -b["share"]):
        t.add_row(b["source"], f"{b['sd']:g} {b['unit']}", f"{b['sigma_vertical_m']:.3g}",
                  f"{b['sigma_lateral_m']:.3g}", f"{100 * b['share']:.1f} %")
    return t


def sweep(term: Terminal, records: list) -> None:
    """One row per distance, on stderr."""
    mc = any("monte_carlo" in r for r in records)
    t = Table(title="odds of a hit against range", title_justify="left")
    heads = ["m", "angle °", "azimuth °", "σ vert m", "σ lat m", "P(hit)"]
    heads += ["MC"] if mc else []
    heads += ["largest"]
    for h in heads:
        t.add_column(h, justify="left" if h == "largest" else "right", no_wrap=True)
    for r in records:
        if not r["converged"]:
            t.add_row(f"{r['distance_m']:g}", "", "", "", "", r["status"], *([""] if mc else []),
                      "")
            continue
        top = max(r["budget"], key=lambda b: b["share"]) if r["budget"] else None
        row = [f"{r['distance_m']:g}", f"{r['angle_deg']:.4f}", f"{r['azimuth_deg']:+.4f}",
               f"{r['sigma_vertical_m']:.3g}", f"{r['sigma_lateral_m']:.3g}",
               f"{r['p_hit']:.4f}" + ("" if r["linear"] else " !")]
        if mc:
            row.append(f"{r['monte_carlo']['p_hit']:.4f}" if "monte_carlo" in r else "")
        row.append(f"{top['source']} {100 * top['share']:.0f} %" if top else "")
        t.add_row(*row)
    term.show(t)
    if any(not r.get("linear", True) for r in records):
        term.warn("! marks distances where the delta method is not to be trusted (the impact is "
                  "not linear in the inputs over +-2 sigma): check with --monte-carlo")


def sensitivity_table(sens: dict, rows: int = 6) -> Table:
    """The ``rows`` inputs that move the impact most per unit, with the aim's corrections."""
    t = Table(title="sensitivities: the largest, per unit of each input", title_justify="left")
    speed = any("velocity_mps" in e for e in sens.values())
    heads = ("input", "per", "up m", "right m", "aim m/s" if speed else "aim ↑ mrad",
             "aim → mrad")
    for name in heads:
        t.add_column(name, justify="left" if name in ("input", "per") else "right",
                     no_wrap=True)
    size = lambda e: abs(e["impact_vertical_m"] or 0.0) + abs(e["impact_lateral_m"] or 0.0)
    fmt = lambda x: "" if x is None else f"{x:+.3g}"
    # a degree of the gun's own pointing moves the impact most, and says nothing new
    physical = {k: e for k, e in sens.items() if k not in ("elevation", "azimuth")}
    for key, e in sorted(physical.items(), key=lambda kv: -size(kv[1]))[:rows]:
        t.add_row(key.replace("_", " "), e["per"], fmt(e["impact_vertical_m"]),
                  fmt(e["impact_lateral_m"]),
                  fmt(e.get("velocity_mps") if speed else e.get("elevation_mrad")),
                  fmt(e.get("azimuth_mrad")))
    return t
