"""Truing's answers out: the fit (``cannon.truing/1``) and the plan (``cannon.truing-plan/1``)
as JSON documents, and as tables for people on stderr."""

from __future__ import annotations

import math

from rich.table import Table

from .render import Terminal, _kv_table

SCHEMA = "cannon.truing/1"
PLAN_SCHEMA = "cannon.truing-plan/1"


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def _parameter(p, x, se, ci) -> dict:
    out = {"name": p.key, "label": p.label, "unit": p.unit, "start": _num(p.start * p.scale),
           "estimate": _num(x * p.scale), "standard_error": _num(se * abs(p.scale)),
           "interval_95": [_num(v * p.scale) for v in sorted(ci)]}
    if p.key == "bc":
        out["relative_change_pct"] = _num((x / p.start - 1.0) * 100.0)
    return out


def identifiability(ident) -> dict:
    return {"verdict": ident.verdict, "condition": _num(ident.condition),
            "loosest_combination": ident.words,
            "loosest_moves_sd": _num(ident.moves)}


def document(fit, status: str, reason: str = "", warnings=()) -> dict:
    """The fit as a ``cannon.truing/1`` object; ``status`` is "fitted", "undetermined" (no
    estimates: the data cannot separate what was asked) or "not_converged"."""
    fitted = status != "undetermined"
    out = {"schema": SCHEMA, "status": status}
    if reason:
        out["reason"] = reason
    out["parameters"] = [
        _parameter(p, x, se, ci) if fitted else
        {"name": p.key, "label": p.label, "unit": p.unit, "start": _num(p.start * p.scale),
         "estimate": None, "standard_error": None, "interval_95": None}
        for p, x, se, ci in zip(fit.params, fit.x, fit.se, fit.interval)]
    corr = fit.correlation
    out["correlation"] = [[_num(v) for v in row] for row in corr] if fitted else None
    out["chi2"] = _num(fit.chi2) if fitted else None
    out["degrees_of_freedom"] = fit.dof
    out["chi2_per_dof"] = _num(fit.chi2_dof) if fitted else None
    out["identifiability"] = identifiability(fit.ident)
    out["residuals"] = [
        {"index": index, "kind": kind, "observed": _num(observed), "sd": _num(sd),
         "residual": _num(r * sd), "normalized": _num(r),
         "unit": "m/s" if kind == "speed" else "m"}
        for (index, kind, observed, sd), r in zip(fit.labels,
                                                  fit.residuals if fitted
                                                  else fit.start_residuals)]
    out["evaluations"] = fit.evaluations
    if warnings:
        out["warnings"] = list(warnings)
    return out


def show(term: Terminal, doc: dict) -> None:
    """The fit for people: estimates, correlations, residuals."""
    t = Table(title="truing" if doc["status"] == "fitted" else f"truing: {doc['status']}",
              title_justify="left")
    for col in ("parameter", "start", "estimate", "± se", "95 % interval", "unit"):
        t.add_column(col, justify="left" if col in ("parameter", "unit") else "right")
    for p in doc["parameters"]:
        ci = p["interval_95"]
        t.add_row(p["label"], _g(p["start"]), _g(p["estimate"]), _g(p["standard_error"]),
                  "" if ci is None else f"{_g(ci[0])} .. {_g(ci[1])}", p["unit"])
    term.show(t)
    if doc["correlation"] and len(doc["parameters"]) > 1:
        c = Table(title="correlation", title_justify="left")
        c.add_column("")
        for p in doc["parameters"]:
            c.add_column(p["name"], justify="right")
        for p, row in zip(doc["parameters"], doc["correlation"]):
            c.add_row(p["name"], *[_g(v, ".3f") for v in row])
        term.show(c)
    r = Table(title="residuals (model - observed)", title_justify="left")
    for col in ("record", "what", "observed", "residual", "/ sd"):
        r.add_column(col, justify="right")
    for row in doc["residuals"]:
        r.add_row(str(row["index"]), row["kind"], f"{_g(row['observed'])} {row['unit']}",
                  f"{_g(row['residual'])} {row['unit']}", _g(row["normalized"], "+.2f"))
    term.show(r)
    if doc["chi2_per_dof"] is not None:
        term.note(f"chi² = {doc['chi2']:.4g} on {doc['degrees_of_freedom']} degrees of freedom "
                  f"({doc['chi2_per_dof']:.3g} per degree)")


def plan_document(plan, sd_words: str, reason: str = "") -> dict:
    """The plan as a ``cannon.truing-plan/1`` object; with a ``reason`` its status is
    "undetermined" (the shots cannot separate the parameters: no standard errors), else
    "planned"."""
    counts = {}
    for d in plan.distances:
        counts[d] = counts.get(d, 0) + 1
    out = {"schema": PLAN_SCHEMA, "status": "undetermined" if reason else "planned"}
    if reason:
        out["reason"] = reason
    return {**out,
            "shots": [{"distance_m": d, "count": n} for d, n in sorted(counts.items())],
            "order": plan.distances, "sd": sd_words,
            "parameters": [{"name": p.key, "label": p.label, "unit": p.unit,
                            "start": _num(p.start * p.scale),
                            "predicted_standard_error": None if reason
                            else _num(se * abs(p.scale))}
                           for p, se in zip(plan.params, plan.se)],
            "identifiability": identifiability(plan.ident),
            "candidates_m": plan.candidates}


def show_plan(term: Terminal, doc: dict) -> None:
    t = _kv_table(f"where to shoot ({doc['sd']} a shot)")
    for s in doc["shots"]:
        t.add_row(f"{_g(s['distance_m'])} m", f"{s['count']}", "shots")
    for p in doc["parameters"]:
        se = p["predicted_standard_error"]
        t.add_row(p["label"], "—" if se is None else f"± {_g(se)}",
                  f"{p['unit']} (one sd)" if se is not None else "(not determined)")
    term.show(t)


def _g(v, spec: str = ".6g") -> str:
    if v is None:
        return "—"
    return format(v, spec)

