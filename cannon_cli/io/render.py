"""Everything rich: the live progress table, the progress bars, the summaries.

stdout carries data only (JSON, CSV); whatever a person reads goes to stderr, through the
console of a `Terminal` (one per run: the command line's `Environment` holds it). Colour is
rich's call (NO_COLOR, FORCE_COLOR, not a terminal).
"""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Optional

from rich.console import Console
from rich.live import Live
from rich.table import Table

from ..aim.driver import SolveProgress
from ..physics.trajectory import Trajectory
from ..problem import Solution
from ..units import FOOT, INCH, YARD
from .writers import Writer

class Terminal:
    """Where a person reads: a rich console on stderr, and what is shown on it."""

    def __init__(self, console: Optional[Console] = None):
        self.console = console or Console(stderr=True, highlight=False)

    @property
    def is_terminal(self) -> bool:
        return self.console.is_terminal

    def error(self, message: str) -> None:
        """The one-line error report: ``cannon: error: ...``."""
        self.console.print(f"cannon: error: {message}", markup=False, highlight=False,
                           soft_wrap=True, style="bold red" if self.is_terminal else None)

    def warn(self, message: str) -> None:
        self.console.print(f"cannon: warning: {message}", markup=False, soft_wrap=True,
                           style="yellow" if self.is_terminal else None)

    def note(self, message: str) -> None:
        """A line as it is (``cannon: ...``)."""
        self.console.print(message, markup=False, highlight=False, soft_wrap=True)

    def show(self, renderable) -> None:
        self.console.print(renderable)

    def progress_table(self, solver: str) -> "ProgressTable":
        return ProgressTable(solver, self.console)

    def batch_progress(self, total: Optional[int], *, enabled: bool = True) -> "BatchProgress":
        return BatchProgress(total, self.console, enabled=enabled)

    def training_progress(self, steps: int, *, enabled: bool = True) -> "TrainingProgress":
        return TrainingProgress(steps, self.console, enabled=enabled)

    def solution_summary(self, s: Solution, units: Optional[str] = None) -> None:
        solution_summary(self, s, units)

    def trajectory_summary(self, tr: Trajectory, units: Optional[str] = None) -> None:
        trajectory_summary(self, tr, units)

    def batch_summary(self, tally, noun: str = "records") -> None:
        batch_summary(self, tally, noun)


class ProgressTable:
    """A live table of the last iterations of a single solve (iteration, loss, angle, speed,
    miss), redrawn at most ``fps`` times a second. Use as a context manager; call it with each
    `SolveProgress`."""

    def __init__(self, solver: str, console: Console, *, rows: int = 8, fps: float = 12.0):
        self.solver, self.console = solver, console
        self.rows: deque = deque(maxlen=rows)
        self.period = 1.0 / fps
        self.last = 0.0
        self.live: Optional[Live] = None

    def _table(self) -> Table:
        t = Table(title=f"solving ({self.solver})", title_justify="left", expand=False)
        for name in ("iteration", "loss", "angle (°)", "speed (m/s)", "miss (m)"):
            t.add_column(name, justify="right")
        for r in self.rows:
            t.add_row(*r)
        return t

    def __enter__(self) -> "ProgressTable":
        self.live = Live(self._table(), console=self.console, auto_refresh=False,
                         transient=True)
        self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)

    def __call__(self, p: SolveProgress) -> None:
        self.rows.append((str(p.iteration), f"{p.loss[0]:.3e}", f"{p.angle_deg[0]:.6f}",
                          f"{p.velocity_mps[0]:.6f}", f"{p.miss_m[0]:+.3e}"))
        now = time.monotonic()
        if self.live is not None and now - self.last >= self.period:
            self.last = now
            self.live.update(self._table(), refresh=True)


def _kv_table(title: str) -> Table:
    t = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column(justify="right")
    t.add_column()
    return t


class Display:
    """The units a person reads: "metric" (m, m/s) or "imperial" (yards for distances, feet for
    heights, inches for misses and sights, ft/s for speeds). JSON stays SI whatever this is."""

    def __init__(self, system: Optional[str] = None):
        self.imperial = system == "imperial"

    def distance(self, m: float) -> tuple:
        return (m / YARD, "yd") if self.imperial else (m, "m")

    def height(self, m: float) -> tuple:
        return (m / FOOT, "ft") if self.imperial else (m, "m")

    def small(self, m: float) -> tuple:
        return (m / INCH, "in") if self.imperial else (m, "m")

    def speed(self, mps: float) -> tuple:
        return (mps / FOOT, "ft/s") if self.imperial else (mps, "m/s")


def _sight_text(p, d: Display) -> str:
    height = d.small(p.sight[0])
    where = f"sight {height[0]:.3g} {height[1]} above the bore"
    if p.zero is None:
        return f"from a {where}, parallel to it"
    zero = d.distance(p.zero)
    return f"from the {zero[0]:g} {zero[1]} zero, {where}"


def solution_summary(term: Terminal, s: Solution, units: Optional[str] = None) -> None:
    """The human summary of a solution, on stderr, in ``units`` (see `Display`)."""
    ok = s.converged
    d = Display(units)
    title = "firing solution" if ok else "no firing solution"
    t = _kv_table(title)
    # small-arms users read elevations in MOA (1/60 °) and mrad, speeds in ft/s
    ballistic = s.problem.table_drag
    t.add_row("angle", f"{s.angle_deg:.6f}", "°")
    if ballistic:
        t.add_row("", f"{s.angle_deg * 60.0:.3f}", "MOA")
        t.add_row("", f"{math.radians(s.angle_deg) * 1000.0:.4f}", "mrad")
    if s.problem.elevation_offset:
        # the angle above is the one to set: say by how much the shot leaves above it
        t.add_row("elevation offset", f"{math.radians(s.problem.elevation_offset) * 1e3:+.4f}",
                  "mrad (the shot leaves this above the angle set)")
    a = s.adjustment
    if a is not None:
        t.add_row("come-up", f"{a.come_up_moa:+.3f}", "MOA")
        t.add_row("", f"{a.come_up_mrad:+.4f}", "mrad")
        t.add_row("", "", _sight_text(s.problem, d))
    three = s.problem.three_d
    if three:
        t.add_row("azimuth", f"{s.azimuth_deg:+.6f}", "° (+ right)")
        if ballistic:
            t.add_row("", f"{s.azimuth_deg * 60.0:+.3f}", "MOA")
            t.add_row("", f"{math.radians(s.azimuth_deg) * 1000.0:+.4f}", "mrad")
        drift = d.small(s.drift_m)
        t.add_row("drift", f"{drift[0]:+.4f}", f"{drift[1]} (+ right, at azimuth 0)")
    t.add_row("speed", *_fmt(d.speed(s.velocity_mps), ".6f" if not d.imperial else ".2f"))
    if ballistic and not d.imperial:
        t.add_row("", f"{s.velocity_mps / FOOT:.2f}", "ft/s")
    t.add_row("time of flight", f"{s.flight_time_s:.4f}", "s")
    t.add_row("apex height", *_fmt(d.height(s.apex_height_m), ".4f"))
    t.add_row("impact speed", *_fmt(d.speed(s.impact_speed_mps), ".4f" if not d.imperial
                                    else ".2f"))
    if ballistic and not d.imperial:
        t.add_row("", f"{s.impact_speed_mps / FOOT:.2f}", "ft/s")
    t.add_row("impact angle", f"{s.impact_angle_deg:.4f}", "°")
    miss = d.small(s.miss_m)
    t.add_row("miss", f"{miss[0]:+.3e}", f"{miss[1]} (+ above the target)")
    if three:
        side = d.small(s.lateral_miss_m)
        t.add_row("", f"{side[0]:+.3e}", f"{side[1]} (+ right of the target)")
    t.add_row("iterations", str(s.iterations), "")
    t.add_row("solver", s.solver, "")
    term.show(t)
    if not ok:
        term.note(f"cannon: {s.message}")
    for note in s.warnings:
        term.warn(note)


def _fmt(pair: tuple, spec: str) -> tuple:
    value, unit = pair
    return format(value, spec), unit


def trajectory_summary(term: Terminal, tr: Trajectory, units: Optional[str] = None) -> None:
    """The human summary of a simulated flight, on stderr, in ``units`` (see `Display`)."""
    d = Display(units)
    speed = d.speed(tr.shot.velocity)
    aim = f", {tr.shot.azimuth:+g}° azimuth" if tr.shot.azimuth else ""
    t = _kv_table(f"shot at {tr.shot.angle:g}°{aim} and {speed[0]:g} {speed[1]}")
    c = tr.crossing
    if tr.shot.distance is not None:
        at = d.distance(tr.shot.distance)
        if c is None:
            t.add_row(f"at {at[0]:g} {at[1]}", "never gets there", "")
        else:
            high = d.height(c.height_m)
            t.add_row(f"at {at[0]:g} {at[1]}", f"{high[0]:.4f}", f"{high[1]} high")
            if c.lateral_m is not None:
                side = d.small(c.lateral_m)
                t.add_row("", f"{side[0]:+.4f}", f"{side[1]} sideways (+ right)")
            t.add_row("", f"{c.time_s:.4f}", "s")
            miss = d.small(c.miss_m)
            t.add_row("", f"{miss[0]:+.4f}", f"{miss[1]} from the target")
    apex, apex_at = d.height(tr.apex_height_m), d.distance(tr.apex_distance_m)
    t.add_row("apex", f"{apex[0]:.4f}", f"{apex[1]} high at {apex_at[0]:.4f} {apex_at[1]}")
    rng, ground = d.distance(tr.range_m), d.height(tr.ground_m)
    t.add_row("lands", f"{rng[0]:.4f}", f"{rng[1]} away (ground at {ground[0]:g} {ground[1]})")
    if tr.lateral_m is not None:
        side = d.small(tr.lateral_m)
        t.add_row("", f"{side[0]:+.4f}", f"{side[1]} sideways (+ right)")
    t.add_row("time of flight", f"{tr.flight_time_s:.4f}", "s")
    impact = d.speed(tr.impact_speed_mps)
    t.add_row("impact", f"{impact[0]:.4f}", f"{impact[1]} at {tr.impact_angle_deg:.4f}°")
    term.show(t)
    for note in tr.warnings:
        term.warn(note)


class BatchProgress:
    """A progress bar on stderr for a batch: records done, rate, and (when the total is known)
    the time remaining. Transient: it leaves nothing behind. Call it with records done."""

    def __init__(self, total: Optional[int], console: Console, *, enabled: bool = True):
        self.total, self.console, self.enabled = total, console, enabled
        self.progress = None

    def __enter__(self) -> "BatchProgress":
        # a bar is for a person: not drawn into logs and pipes
        if self.enabled and self.console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            columns = [SpinnerColumn(), TextColumn("solving"), BarColumn(),
                       MofNCompleteColumn() if self.total else TextColumn("{task.completed}"),
                       TextColumn("records"), TaskProgressColumn(show_speed=True),
                       TimeElapsedColumn(), TimeRemainingColumn()]
            self.progress = Progress(*columns, console=self.console, transient=True)
            self.progress.__enter__()
            self.task = self.progress.add_task("solve", total=self.total)
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def __call__(self, done: int) -> None:
        if self.progress is not None:
            self.progress.advance(self.task, done)


def batch_summary(term: Terminal, tally, noun: str = "records") -> None:
    """One line on stderr: how many records were solved, bad, or without a solution (and with
    warnings, if any)."""
    for note in sorted(tally.notes):
        term.warn(note)
    solved = tally.records - tally.bad - tally.unsolved
    warned = (f", {tally.warned} with warnings (see their 'warnings')" if tally.warned else "")
    term.note(f"cannon: {tally.records} {noun}: {solved} solved, {tally.unsolved} without "
              f"a solution, {tally.bad} bad input{warned}")


class FiringTableWriter(Writer):
    """The firing table for people, on stdout (here the table is the data), written as the rows
    come: a title and a header, then each chunk's rows as soon as they are solved, in columns
    of fixed width (a table that streams cannot be measured first). With a sight, the come-up
    from the zero in MOA and mrad follows the angle. In three dimensions (a crosswind, the
    Earth's rotation), the windage follows: the azimuth (also in MOA and mrad for a drag table,
    as small arms read it), the drift fired at azimuth 0, and the miss sideways."""

    def __init__(self, out, problem, *, units: Optional[str] = None,
                 corrections: bool = False):
        super().__init__(out)
        d = self.display = Display(units)
        self.corrections = corrections
        self.sighted = problem.sight is not None
        self.three = problem.three_d
        self.ballistic = problem.table_drag
        dist, speed, height, small = (d.distance(1)[1], d.speed(1)[1], d.height(1)[1],
                                      d.small(1)[1])
        self.columns = [("distance", dist), ("angle", "°")]
        if self.sighted:
            self.columns += [("come-up", "MOA"), ("come-up", "mrad")]
        if self.three:
            self.columns += [("azimuth", "°")]
            if self.ballistic:
                self.columns += [("azimuth", "MOA"), ("azimuth", "mrad")]
            self.columns += [("drift", small)]
        self.columns += [("speed", speed), ("flight", "s"), ("apex", height), ("impact", "°"),
                         ("impact", speed), ("miss", small)]
        if self.three:
            self.columns += [("side miss", small)]
        if corrections:
            self.columns += [(head, unit) for _, head, unit in CORRECTION_HEADS]
        self.width = [max(10, len(a) + 2, len(b) + 3) for a, b in self.columns]
        if problem.velocity is not None:
            v = d.speed(problem.velocity)
            fixed = f"at {v[0]:g} {v[1]} ({problem.arc} arc)"
        elif problem.angle is not None:
            fixed = f"at {problem.angle:g}°"
        else:
            fixed = "minimum-speed shots"
        title = f"firing table, {fixed}, drag {problem.drag}"
        if problem.elevation_offset:
            title += (f", elevation offset {math.radians(problem.elevation_offset) * 1e3:+.4g} "
                      "mrad (the angles are the ones to set)")
        if self.sighted:
            title += f"; come-up {_sight_text(problem, d)}"
        if self.three:
            title += f"; {_lateral_text(problem, d)}"
        head = ["".join(f"{a:>{w}}" for (a, _), w in zip(self.columns, self.width)),
                "".join(f"{'(' + b + ')':>{w}}" for (_, b), w in zip(self.columns, self.width))]
        self.emit("\n".join([title, *head]) + "\n")

    def _row(self, r: dict) -> str:
        d = self.display
        distance = d.distance(r.get("problem", {}).get("distance_m", math.nan))[0]
        first = f"{distance:>{self.width[0]}g}"
        if not r.get("converged"):
            reason = r.get("reason") or r.get("error") or ""
            why = ("out of reach" if "out of reach" in reason else
                   "bad input" if "error" in r else "no solution")
            return f"{first}  {why}"
        cells = [f"{r['angle_deg']:.4f}"]
        if self.sighted:
            moa, mrad = r.get("come_up_moa"), r.get("come_up_mrad")
            cells += [_signed(moa, 2), _signed(mrad, 3)]
        if self.three:
            azimuth = r.get("azimuth_deg")
            cells += [_signed(azimuth, 4)]
            if self.ballistic:
                cells += [_signed(None if azimuth is None else azimuth * 60.0, 2),
                          _signed(None if azimuth is None else math.radians(azimuth) * 1e3, 3)]
            drift = r.get("drift_m")
            cells += [_signed(None if drift is None else d.small(drift)[0],
                              2 if d.imperial else 3)]
        cells += [f"{d.speed(r['velocity_mps'])[0]:.3f}", f"{r['flight_time_s']:.3f}",
                  f"{d.height(r['apex_height_m'])[0]:.2f}", f"{r['impact_angle_deg']:.3f}",
                  f"{d.speed(r['impact_speed_mps'])[0]:.3f}",
                  f"{d.small(r['miss_m'])[0]:+.1e}"]
        if self.three:
            side = r.get("lateral_miss_m")
            cells += ["—" if side is None else f"{d.small(side)[0]:+.1e}"]
        if self.corrections:
            fixes = r.get("corrections") or {}
            cells += ["—" if fixes.get(key) is None else f"{fixes[key]:+.4g}"
                      for key, _, _ in CORRECTION_HEADS]
        return first + "".join(f"{c:>{w}}" for c, w in zip(cells, self.width[1:]))

    def write(self, records: list) -> None:
        self.emit("".join(self._row(r) + "\n" for r in records))


#: the correction columns of a firing table for people: key (`aim.sensitivity.CORRECTIONS`),
#: heading and unit
CORRECTION_HEADS = (
    ("range_m_per_velocity_mps", "dR/+1m/s", "m"),
    ("elevation_mrad_per_velocity_mps", "dE/+1m/s", "mrad"),
    ("elevation_mrad_per_wind_mps", "dE/+1tail", "mrad"),
    ("azimuth_mrad_per_crosswind_mps", "dAz/+1cross", "mrad"),
    ("elevation_mrad_per_density_pct", "dE/+1%rho", "mrad"),
    ("elevation_mrad_per_temperature_c", "dE/+1°C", "mrad"),
    ("elevation_mrad_per_target_height_10m", "dE/+10m", "mrad"),
)


def _signed(value: Optional[float], places: int) -> str:
    """A signed cell to ``places`` decimals; rounded first, so that a come-up of -1e-15 at the
    zero reads +0.00, not -0.00; a dash for a value the answer does not have."""
    if value is None:
        return "—"
    return f"{round(value, places) + 0.0:+.{places}f}"


def _lateral_text(p, d: Display) -> str:
    """What makes a table three-dimensional, and which way its signs point."""
    parts = []
    if p.crosswind != 0:
        wind = d.speed(p.crosswind)
        parts.append(f"crosswind {wind[0]:+g} {wind[1]}")
    if p.earth_rotation:
        parts.append(f"latitude {p.latitude:g}°, bearing {p.bearing:g}°")
    return ", ".join(parts) + "; + is right (drift: fired at azimuth 0)"


class TrainingProgress:
    """A progress bar with the loss for `cannon train`, on stderr (when it is a terminal)."""

    def __init__(self, steps: int, console: Console, *, enabled: bool = True):
        self.steps, self.console, self.enabled, self.progress = steps, console, enabled, None

    def __enter__(self) -> "TrainingProgress":
        if self.enabled and self.console.is_terminal:
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("training"), BarColumn(),
                                     TextColumn("step {task.completed}/{task.total}"),
                                     TextColumn("loss {task.fields[loss]}"),
                                     TimeRemainingColumn(), console=self.console,
                                     transient=True)
            self.progress.__enter__()
            self.task = self.progress.add_task("train", total=self.steps, loss="…")
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def __call__(self, step: int, loss: float) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=step + 1, loss=f"{loss:.3e}")


def comparison(problem, rows) -> None:
    """The three ways to aim, as a table on stdout (the table is the data)."""
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=max(out.width, 140))
    t = Table(title=f"three ways to aim at {problem.distance:g} m (drag {problem.drag})",
              title_justify="left")
    for name in ("approach", "training\n(s)", "iterations", "solve\n(ms)", "angle\n(°)",
                 "speed\n(m/s)", "believed miss\nat D (m)", "TRUE miss\nat D (m)"):
        t.add_column(name, justify="left" if name == "approach" else "right", no_wrap=True)
    fmt = lambda x, f: "—" if x is None or (isinstance(x, float) and x != x) else format(x, f)
    for r in rows:
        t.add_row(r.approach, fmt(r.train_s, ".2f"), str(r.iterations), fmt(r.solve_ms, ".2f"),
                  fmt(r.angle_deg, ".4f"), fmt(r.velocity_mps, ".4f"),
                  fmt(r.believed_height_miss_m, "+.2e"), fmt(r.true_height_miss_m, "+.2e"))
    t.caption = ("miss at D: the shot's height where it passes the target distance minus the "
                 "target's (+ above); TRUE re-simulated by DOP853, believed as the approach "
                 "sees it (the surrogate's from its predicted range)")
    t.caption_justify = "left"
    out.print(t)
