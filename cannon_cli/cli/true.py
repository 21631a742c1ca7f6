"""`cannon true`: learn the gun (muzzle speed, BC, a Cd correction, crosswind, the sight's
elevation offset) from where its shots landed; or, with --plan, where to shoot to learn it."""

from __future__ import annotations

import math
from typing import Annotated, Optional

import typer

from ..errors import ExitCode
from . import parsers
from .environment import Environment
from .options import BATCH, EXIT_CODES_HELP, OUTPUT, InputFormat, Quiet, with_physics
from .root import _guard, app

FIT = "What to fit"
PLAN = "Plan (no observations)"


def _names(text: str) -> list:
    from ..aim.truing import FITTABLE

    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    bad = [n for n in names if n not in FITTABLE]
    if bad or not names:
        raise typer.BadParameter(f"expected a comma-separated list of {', '.join(FITTABLE)}, "
                                 f"got {text!r}", param_hint="'--fit'")
    if len(set(names)) != len(names):
        raise typer.BadParameter(f"a parameter named twice in {text!r}", param_hint="'--fit'")
    return names


def _machs(text: Optional[str]) -> Optional[tuple]:
    if text is None:
        return None
    from ..problem import CD_KNOTS

    try:
        knots = tuple(float(t) for t in text.split(","))
    except ValueError:
        raise typer.BadParameter(f"expected Mach numbers separated by commas, got {text!r}",
                                 param_hint="'--cd-knots'") from None
    if not (1 <= len(knots) <= CD_KNOTS and all(math.isfinite(k) and k >= 0 for k in knots)
            and all(b > a for a, b in zip(knots, knots[1:]))):
        raise typer.BadParameter(f"expected 1 to {CD_KNOTS} increasing Mach numbers >= 0, got "
                                 f"{text!r}", param_hint="'--cd-knots'")
    return knots


@app.command(name="true", epilog=EXIT_CODES_HELP + " A fit the data cannot determine (the "
             "loosest combination known to worse than ±20 of its steps) is refused with exit 3, "
             "and so is a --plan whose shots could not determine it.")
@_guard
@with_physics(after="velocity")
def true_(
    input_path: Annotated[Optional[str], typer.Option(
        "--input", "-i", metavar="PATH|-", rich_help_panel=BATCH, show_default=False,
        help="The observations (- for stdin): JSON, NDJSON or CSV, one shot or group a record: "
        "distance_m, angle_deg (the bore's elevation fired), optional azimuth_deg, "
        "impact_vertical_m (+ up) and/or impact_lateral_m (+ right) from the aim point, "
        "optional sd_m; or a speed sample speed_mps at speed_distance_m (optional "
        "sd_speed_mps); any physics field of a problem overrides the flags for its record.")
    ] = None,
    input_format: Annotated[InputFormat, typer.Option(
        case_sensitive=False, rich_help_panel=BATCH,
        help="Format of --input; auto tells them apart by the first line.")] = InputFormat.auto,
    velocity: Annotated[Optional[float], typer.Option(
        "--velocity", metavar="M/S", rich_help_panel=FIT, parser=parsers.speed,
        show_default=False,
        help="The muzzle speed the fit starts from, and that the plan aims with (m/s, or e.g. "
        "2600fps); from --profile if it has one.")] = None,
    physics: Optional[dict] = None,  # the physics options: see with_physics
    fit: Annotated[str, typer.Option(
        "--fit", metavar="LIST", rich_help_panel=FIT,
        help="What to fit, comma-separated: velocity (muzzle speed), bc (the ballistic "
        "coefficient, or a drag factor without one), cd (a smooth Cd(Mach) correction at "
        "--cd-knots), crosswind, offset (how far above the elevation set the shots leave: "
        "--elevation-offset).")] = "velocity,bc",
    cd_knots: Annotated[Optional[str], typer.Option(
        "--cd-knots", metavar="M1,M2,..", rich_help_panel=FIT, show_default=False,
        help="Mach numbers of the Cd correction's bumps (1 to 6). (default: 3 spread over the "
        "flights' Mach range, or the profile's)")] = None,
    sd: Annotated[Optional[float], typer.Option(
        "--sd", parser=parsers.length, metavar="M", rich_help_panel=FIT, show_default=False,
        help="Standard deviation of an impact without its own sd_m (m, or e.g. 1in).")] = None,
    sd_mrad: Annotated[Optional[float], typer.Option(
        "--sd-mrad", parser=parsers.number, metavar="MRAD", rich_help_panel=FIT,
        show_default=False,
        help="The same as an angle (mrad): sd = MRAD/1000 x the distance.")] = None,
    sd_speed: Annotated[float, typer.Option(
        "--sd-speed", parser=parsers.speed, metavar="M/S", rich_help_panel=FIT,
        help="Standard deviation of a speed sample without its own sd_speed_mps.")] = 1.0,
    plan: Annotated[bool, typer.Option(
        "--plan", rich_help_panel=PLAN,
        help="Suggest where to shoot instead of fitting: the distances that pin the --fit "
        "parameters down best (greedy D-optimal from the exact Jacobian), with the standard "
        "errors they would give at --sd or --sd-mrad.")] = False,
    shots: Annotated[Optional[int], typer.Option(
        "--shots", parser=parsers.integer(1, 1000), metavar="N", rich_help_panel=PLAN,
        show_default=False, help="Shots to plan. (default: 3 per parameter)")] = None,
    start: Annotated[float, typer.Option(
        "--from", parser=parsers.length, metavar="M", rich_help_panel=PLAN,
        help="Nearest candidate distance.")] = 100.0,
    stop: Annotated[float, typer.Option(
        "--to", parser=parsers.length, metavar="M", rich_help_panel=PLAN,
        help="Farthest candidate distance.")] = 1000.0,
    step: Annotated[float, typer.Option(
        "--step", parser=parsers.length, metavar="M", rich_help_panel=PLAN,
        help="Spacing of the candidate distances.")] = 100.0,
    save: Annotated[Optional[str], typer.Option(
        "--save", metavar="FILE", rich_help_panel=OUTPUT, show_default=False,
        help="Write the fitted physics as a profile (cannon.profile/1) for --profile.")] = None,
    json_out: Annotated[bool, typer.Option(
        "--json", rich_help_panel=OUTPUT,
        help="JSON on stdout (cannon.truing/1, or cannon.truing-plan/1 with --plan).")] = False,
    quiet: Quiet = False,
    env: Optional[Environment] = None,  # the run's, from the guard
) -> None:
    """True the gun: fit its muzzle speed, BC, Cd(Mach) or the wind to where its shots landed.

    Weighted least squares on the exact Jacobian of the model (autograd through the same physics that aims), from the flags' physics and --velocity. Reports the estimates with standard errors, 95 % intervals and correlations, chi² per degree of freedom and every observation's residual; warns when the data pin a combination of the parameters down poorly and refuses (exit 3) when they cannot separate it, naming the combination. A bad observation record stops the fit (exit 1) with one line naming it. --save writes the result as a profile for --profile; --plan suggests the distances to shoot at instead.
    """  # noqa: E501
    from ..errors import InputError

    names = _names(fit)
    knots = _machs(cd_knots)
    if velocity is None:
        raise InputError("give the muzzle speed to start from (--velocity, or a --profile "
                         "with velocity_mps)")
    if not velocity > 0:
        raise InputError(f"--velocity must be > 0, got {velocity:g}")
    if sd is not None and sd_mrad is not None:
        raise typer.BadParameter("give --sd or --sd-mrad, not both", param_hint="'--sd'")
    for flag, value in (("--sd", sd), ("--sd-mrad", sd_mrad), ("--sd-speed", sd_speed)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise InputError(f"{flag} must be > 0, got {value:g}")
    from ..problem import Physics

    base = Physics(**physics)
    if "cd" in names and not base.table_drag:
        raise InputError("--fit cd corrects a drag table: give --drag g1, g7, sphere or table")
    if plan:
        if input_path is not None or save is not None:
            raise typer.BadParameter("plans without observations: not with --input or --save",
                                     param_hint="'--plan'")
        _plan(env, base, velocity, names, knots, sd, sd_mrad, shots, (start, stop, step),
              json_out, quiet)
        return
    if input_path is None:
        raise typer.BadParameter("give the observations (or --plan)", param_hint="'--input'")
    _fit(env, base, velocity, names, knots, input_path, input_format.value,
         dict(sd=sd, sd_mrad=sd_mrad, sd_speed=sd_speed), save, json_out, quiet)


def _curve(names, knots, base, observations, velocity):
    """The Cd correction's curve and the coefficients it starts from: the profile's when its
    knots are the ones asked (or none were asked), else zeros on the asked or default knots."""
    if "cd" not in names:
        return None, None
    from ..aim.truing import default_knots
    from ..physics.correction import Curve

    own = base.cd_correction
    if own is not None and (knots is None or tuple(knots) == own[0]):
        return Curve(own[0], own[2]), list(own[1])
    if knots is None:
        knots = default_knots(observations, base, velocity)
    return Curve.spread(knots), None


def _fit(env, base, velocity, names, knots, path, fmt, sds, save, json_out, quiet):
    from ..aim import estimate, truing
    from ..io import observations as obs_io
    from ..io import trued
    import sys

    from .solve import _open_input

    stream = getattr(sys.stdin, "buffer", sys.stdin) if path == "-" else _open_input(path)
    try:
        observations = obs_io.read(stream, fmt, base, **sds)
    finally:
        if path != "-":
            stream.close()
    curve, cd_start = _curve(names, knots, base, observations, velocity)
    params = truing.parameters(names, base, velocity, curve, cd_start)
    model = truing.Model(observations, params, velocity, base, curve)
    result = estimate.fit(model)
    warnings = []
    if result.ident.verdict == "undetermined":
        status = "undetermined"
        reason = f"the data cannot separate the parameters: {result.ident.words}"
    elif not result.converged:
        status, reason = "not_converged", f"the fit did not converge: {result.message}"
    else:
        status, reason = "fitted", ""
        if result.ident.verdict == "weak":
            warnings.append(f"the data pin this down poorly: {result.ident.words}")
        chi = estimate.chi2_warning(result)
        if chi:
            warnings.append(chi)
    doc = trued.document(result, status, reason, warnings)
    if json_out:
        env.write_json(doc)
    if not quiet:
        trued.show(env.terminal, doc)
    for w in warnings:
        env.terminal.warn(w)
    if status != "fitted":
        env.terminal.error(reason)
        raise typer.Exit(ExitCode.NO_SOLUTION)
    if save is not None:
        from ..io import profile

        profile.save(save, profile.dump(*fitted_physics(base, velocity, result, curve),
                                        _notes(doc, result)))


def fitted_physics(base, velocity, result, curve) -> tuple:
    """(the physics with the estimates put in, the fitted muzzle speed)."""
    import dataclasses

    values = dict(zip([p.key for p in result.params], result.x))
    changes = {}
    if "crosswind" in values:
        changes["crosswind"] = float(values["crosswind"])
    if "offset" in values:
        changes["elevation_offset"] = math.degrees(float(values["offset"]))
    if "bc" in values:
        r = float(values["bc"])
        if base.ballistic_coefficient is not None:
            changes["ballistic_coefficient"] = base.ballistic_coefficient * r
        elif base.drag == "quadratic":
            changes["drag_coefficient"] = base.drag_coefficient * r
        elif base.drag == "linear":
            changes["linear_drag"] = base.linear_drag * r
        else:  # a table with mass, diameter and form factor
            changes["form_factor"] = base.form_factor * r
    if curve is not None:
        coefficients = [float(values[f"cd_{k}"]) for k in range(len(curve.mach))]
        changes["cd_correction"] = (curve.mach, tuple(coefficients), curve.width)
    speed = float(values.get("velocity", velocity))
    return dataclasses.replace(base, **changes), speed


def _notes(doc: dict, result) -> dict:
    """What a profile keeps of the fit, for people (not read back): the estimates with their
    standard errors and chi² (the fitted values themselves are the profile's physics)."""
    return {"schema": doc["schema"], "parameters": doc["parameters"],
            "chi2_per_dof": doc["chi2_per_dof"]}


def _plan(env, base, velocity, names, knots, sd, sd_mrad, shots, span, json_out, quiet):
    from ..aim import plan as planner
    from ..aim import truing
    from ..errors import InputError
    from ..io import trued

    lo, hi, step = span
    if not (lo > 0 and hi >= lo and step > 0):
        raise InputError(f"the candidates need 0 < --from <= --to and --step > 0, got {lo:g}, "
                         f"{hi:g}, {step:g}")
    count = int(math.floor((hi - lo) / step * (1 + 1e-12))) + 1
    if count > 200:
        raise InputError(f"{count} candidate distances is more than 200")
    if sd is None and sd_mrad is None:
        raise InputError("give the sd a shot would have (--sd or --sd-mrad)")
    candidates = [lo + i * step for i in range(count)]
    if "cd" in names:
        from ..physics.correction import Curve

        far = [truing.Observation(0, None, base, distance=hi, vertical=0.0, sd=1.0)]
        curve = Curve.spread(knots or truing.default_knots(far, base, velocity))
    else:
        curve = None
    params = truing.parameters(names, base, velocity, curve)
    result = planner.plan(base, velocity, params, curve, candidates,
                          shots=shots or 3 * len(params), sd=sd, sd_mrad=sd_mrad,
                          lateral="crosswind" in names)
    if not result.distances:
        raise InputError("no candidate distance is within reach at this --velocity")
    words = f"{sd:g} m" if sd is not None else f"{sd_mrad:g} mrad"
    reason = ""
    if result.ident.verdict == "undetermined":
        # the fit of these very shots would be refused (exit 3): so is the plan, as the fit
        # is, rather than standard errors of hundreds of per cent
        reason = (f"{len(result.distances)} shots at these distances cannot separate the "
                  f"parameters: {result.ident.words}; fit fewer (fewer --cd-knots), or plan "
                  "more --shots or farther (--to)")
    doc = trued.plan_document(result, words, reason)
    if json_out:
        env.write_json(doc)
    if not quiet:
        trued.show_plan(env.terminal, doc)
    if reason:
        env.terminal.error(reason)
        raise typer.Exit(ExitCode.NO_SOLUTION)
    if result.ident.verdict != "determined":
        env.terminal.warn(f"even these shots pin it down poorly: {result.ident.words}")

