"""`cannon simulate`: fly one shot from launch to landing."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import parsers
from .options import (ANGLE_UNITS, EXIT_CODES_HELP, OUTPUT, TARGET, Quiet, TargetHeight, UnitsOpt,
                      UnitSystem, _display_units, with_physics)
from .environment import Environment
from .root import _guard, app


@app.command(epilog=EXIT_CODES_HELP)
@_guard
@with_physics(after="target_height")
def simulate(
    angle: Annotated[float, typer.Option("--angle", metavar="DEG", show_default=False,
                                         parser=parsers.angle,
                                         help=f"Launch angle ({ANGLE_UNITS}), in (-90°, 90°).")],
    velocity: Annotated[float, typer.Option("--velocity", metavar="M/S", show_default=False,
                                            parser=parsers.speed,
                                            help="Muzzle speed (m/s, or e.g. 2600fps), > 0.")],
    aim_azimuth: Annotated[float, typer.Option(
        "--aim-azimuth", metavar="DEG", parser=parsers.angle,
        help=f"Aim to the right (+) or left (-) of the line to the target ({ANGLE_UNITS}), in "
        "(-90°, 90°): the azimuth of a solution. Not --azimuth, the bearing of fire for the "
        "Earth's rotation.")] = 0.0,
    distance: Annotated[Optional[float], typer.Option(
        parser=parsers.length, metavar="M", rich_help_panel=TARGET,
        help="Report where the shot passes this distance (m, or e.g. 1000yd).")] = None,
    target_height: TargetHeight = 0.0,
    physics: Optional[dict] = None,  # the physics options: see with_physics
    samples: Annotated[int, typer.Option(
        parser=parsers.integer(2, 1_000_000), metavar="N", rich_help_panel=OUTPUT,
        help="Points along the flight, evenly spaced in time (2 to 1000000).")] = 101,
    json_out: Annotated[bool, typer.Option("--json", help="Write the trajectory as JSON on "
                                           "stdout.", rich_help_panel=OUTPUT)] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Write the samples as CSV on stdout "
                                          "(t_s,x_m,y_m,vx_mps,vy_mps; in 3-D also z_m and "
                                          "vz_mps).",
                                          rich_help_panel=OUTPUT)] = False,
    display: UnitsOpt = UnitSystem.auto,
    quiet: Quiet = False,
    env: Optional[Environment] = None,  # the run's, from the guard
) -> None:
    """Fly one shot from launch to landing, to check an answer.

    Reports where the shot passes --distance, its apex, landing and time of flight (stderr); --json or --csv write the sampled trajectory to stdout. With a crosswind, a latitude or an --aim-azimuth the shot is flown in 3-D: the samples gain z (m, + right) and vz, the crossing its lateral position. With a drag table, a flight that leaves the table's Mach range is a warning (stderr, and "warnings" in the JSON).
    """  # noqa: E501
    if json_out and csv_out:
        raise typer.BadParameter("give --json or --csv, not both", param_hint="'--json' / '--csv'")
    from ..problem import Shot

    shot = Shot(angle=angle, velocity=velocity, azimuth=aim_azimuth, distance=distance,
                target_height=target_height, **physics)
    from ..physics.trajectory import simulate as fly

    tr = fly(shot, samples=samples)
    if json_out:
        env.write_json(tr.to_json())
    elif csv_out:
        from ..io.writers import writer_for

        writer = writer_for("csv", env.stdout, columns=tr.column_names)
        writer.write_rows(zip(*(a.tolist() for a in tr.columns())))
        writer.close()
    if not quiet:
        shown = _display_units(display, velocity, distance, target_height, physics["wind"],
                               physics["launch_height"])
        env.terminal.trajectory_summary(tr, shown)
