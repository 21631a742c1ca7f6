"""Everything rich: one stderr console, the live progress table, the summaries.

stdout carries data only (JSON, CSV); whatever a person reads goes to stderr through `console`.
Colour is rich's call (NO_COLOR, FORCE_COLOR, not a terminal).
"""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Optional

from rich.console import Console
from rich.live import Live
from rich.table import Table

from .aim import SolveProgress
from .problem import Solution
from .trajectory import Trajectory
from .units import FOOT

console = Console(stderr=True, highlight=False)


def error(message: str) -> None:
    """The one-line error report: ``cannon: error: ...`` on stderr."""
    console.print(f"cannon: error: {message}", markup=False, highlight=False, soft_wrap=True,
                  style="bold red" if console.is_terminal else None)


def warn(message: str) -> None:
    console.print(f"cannon: warning: {message}", markup=False, soft_wrap=True,
                  style="yellow" if console.is_terminal else None)


class ProgressTable:
    """A live table of the last iterations of a single solve (iteration, loss, angle, speed,
    miss), redrawn at most ``fps`` times a second. Use as a context manager; call it with each
    `SolveProgress`."""

    def __init__(self, solver: str, *, rows: int = 8, fps: float = 12.0):
        self.solver = solver
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
        self.live = Live(self._table(), console=console, auto_refresh=False, transient=True)
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


def solution_summary(s: Solution) -> None:
    """The human summary of a solution, on stderr."""
    ok = s.converged
    title = "firing solution" if ok else "no firing solution"
    t = _kv_table(title)
    # small-arms users read elevations in MOA (1/60 °) and mrad, speeds in ft/s
    ballistic = s.problem.table_drag
    t.add_row("angle", f"{s.angle_deg:.6f}", "°")
    if ballistic:
        t.add_row("", f"{s.angle_deg * 60.0:.3f}", "MOA")
        t.add_row("", f"{math.radians(s.angle_deg) * 1000.0:.4f}", "mrad")
    t.add_row("speed", f"{s.velocity_mps:.6f}", "m/s")
    if ballistic:
        t.add_row("", f"{s.velocity_mps / FOOT:.2f}", "ft/s")
    t.add_row("time of flight", f"{s.flight_time_s:.4f}", "s")
    t.add_row("apex height", f"{s.apex_height_m:.4f}", "m")
    t.add_row("impact speed", f"{s.impact_speed_mps:.4f}", "m/s")
    if ballistic:
        t.add_row("", f"{s.impact_speed_mps / FOOT:.2f}", "ft/s")
    t.add_row("impact angle", f"{s.impact_angle_deg:.4f}", "°")
    t.add_row("miss", f"{s.miss_m:+.3e}", "m (+ above the target)")
    t.add_row("iterations", str(s.iterations), "")
    t.add_row("solver", s.solver, "")
    console.print(t)
    if not ok:
        console.print(f"cannon: {s.message}", markup=False, soft_wrap=True)


def trajectory_summary(tr: Trajectory) -> None:
    """The human summary of a simulated flight, on stderr."""
    t = _kv_table(f"shot at {tr.shot.angle:g}° and {tr.shot.velocity:g} m/s")
    c = tr.crossing
    if tr.shot.distance is not None:
        if c is None:
            t.add_row(f"at {tr.shot.distance:g} m", "never gets there", "")
        else:
            t.add_row(f"at {c.distance_m:g} m", f"{c.height_m:.4f}", "m high")
            t.add_row("", f"{c.time_s:.4f}", "s")
            t.add_row("", f"{c.miss_m:+.4f}", "m from the target")
    t.add_row("apex", f"{tr.apex_height_m:.4f}", f"m high at {tr.apex_distance_m:.4f} m")
    t.add_row("lands", f"{tr.range_m:.4f}", f"m away (ground at {tr.ground_m:g} m)")
    t.add_row("time of flight", f"{tr.flight_time_s:.4f}", "s")
    t.add_row("impact", f"{tr.impact_speed_mps:.4f}", f"m/s at {tr.impact_angle_deg:.4f}°")
    console.print(t)


class BatchProgress:
    """A progress bar on stderr for a batch: records done, rate, and (when the total is known)
    the time remaining. Transient: it leaves nothing behind. Call it with records done."""

    def __init__(self, total: Optional[int], *, enabled: bool = True):
        self.total, self.enabled = total, enabled
        self.progress = None

    def __enter__(self) -> "BatchProgress":
        # a bar is for a person: not drawn into logs and pipes
        if self.enabled and console.is_terminal:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                                       TaskProgressColumn, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            columns = [SpinnerColumn(), TextColumn("solving"), BarColumn(),
                       MofNCompleteColumn() if self.total else TextColumn("{task.completed}"),
                       TextColumn("records"), TaskProgressColumn(show_speed=True),
                       TimeElapsedColumn(), TimeRemainingColumn()]
            self.progress = Progress(*columns, console=console, transient=True)
            self.progress.__enter__()
            self.task = self.progress.add_task("solve", total=self.total)
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def __call__(self, done: int) -> None:
        if self.progress is not None:
            self.progress.advance(self.task, done)


def batch_summary(tally) -> None:
    """One line on stderr: how many records were solved, bad, or without a solution."""
    for note in sorted(tally.notes):
        warn(note)
    solved = tally.records - tally.bad - tally.unsolved
    console.print(f"cannon: {tally.records} records: {solved} solved, {tally.unsolved} without "
                  f"a solution, {tally.bad} bad input", markup=False, highlight=False)


def firing_table(solutions) -> None:
    """The firing table as a rich table on stdout: here the table is the data."""
    out = Console(highlight=False)
    if not out.is_terminal:  # into a file or a pipe: wide enough never to cut a number
        out = Console(highlight=False, width=max(out.width, 120))
    p = solutions[0].problem
    fixed = (f"at {p.velocity:g} m/s ({p.arc} arc)" if p.velocity is not None
             else f"at {p.angle:g}°" if p.angle is not None else "minimum-speed shots")
    t = Table(title=f"firing table, {fixed}, drag {p.drag}", title_justify="left")
    for name in ("distance\n(m)", "angle\n(°)", "speed\n(m/s)", "flight\n(s)", "apex\n(m)",
                 "impact\n(°)", "impact\n(m/s)", "miss\n(m)"):
        t.add_column(name, justify="right", no_wrap=True)
    for s in solutions:
        if s.converged:
            t.add_row(f"{s.problem.distance:g}", f"{s.angle_deg:.4f}", f"{s.velocity_mps:.3f}",
                      f"{s.flight_time_s:.3f}", f"{s.apex_height_m:.2f}",
                      f"{s.impact_angle_deg:.3f}", f"{s.impact_speed_mps:.3f}",
                      f"{s.miss_m:+.1e}")
        else:
            reason = "out of reach" if "out of reach" in s.message else "no solution"
            t.add_row(f"{s.problem.distance:g}", reason, "", "", "", "", "", "")
    out.print(t)


class TrainingProgress:
    """A progress bar with the loss for `cannon train`, on stderr (when it is a terminal)."""

    def __init__(self, steps: int, *, enabled: bool = True):
        self.steps, self.enabled, self.progress = steps, enabled, None

    def __enter__(self) -> "TrainingProgress":
        if self.enabled and console.is_terminal:
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("training"), BarColumn(),
                                     TextColumn("step {task.completed}/{task.total}"),
                                     TextColumn("loss {task.fields[loss]}"),
                                     TimeRemainingColumn(), console=console, transient=True)
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
                 "speed\n(m/s)", "believed miss\n(m)", "TRUE miss\n(m)"):
        t.add_column(name, justify="left" if name == "approach" else "right", no_wrap=True)
    fmt = lambda x, f: "—" if x is None or (isinstance(x, float) and x != x) else format(x, f)
    for r in rows:
        t.add_row(r.approach, fmt(r.train_s, ".2f"), str(r.iterations), fmt(r.solve_ms, ".2f"),
                  fmt(r.angle_deg, ".4f"), fmt(r.velocity_mps, ".4f"),
                  fmt(r.believed_miss_m, ".2e"), fmt(r.true_miss_m, ".2e"))
    out.print(t)
