"""Solve a stream of records in chunks: read, validate, solve as arrays, write, in input order.

Every input record yields exactly one output record: a solution (converged or not), or an error
record ``{"index", "line", "error", "converged": false}`` for a record that could not be read or
is not a valid problem. Chunks bound the memory: only ``chunk_size`` records are held at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Optional

from ..optim import DEFAULT_SOLVER
from ..aim import sight
from ..aim.driver import solve_columns
from ..aim.sensitivity import corrections
from ..errors import ExitCode, InputError
from ..physics import checks
from ..physics.columns import Columns
from ..physics.medium import medium_of
from ..problem import SOLUTION_SCHEMA, Problem, Solution, Status
from .reader import Record
from .writers import Writer

CHUNK_SIZE = 4096


@dataclass
class Tally:
    """How a batch went: records read, bad ones, ones without a solution, ones with warnings."""

    records: int = 0
    bad: int = 0
    unsolved: int = 0
    warned: int = 0
    notes: set = field(default_factory=set)

    @property
    def exit_code(self) -> ExitCode:
        """1 if any record was bad input, else 3 if any had no solution, else 0."""
        if self.bad:
            return ExitCode.BAD_INPUT
        if self.unsolved:
            return ExitCode.NO_SOLUTION
        return ExitCode.OK


def chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    it = iter(records)
    while True:
        chunk = list(islice(it, size))
        if not chunk:
            return
        yield chunk


def problem_for(fields: dict, defaults: dict) -> Problem:
    """A record's problem: its fields, then the command line's values, then the defaults. A
    record that fixes the angle or the speed itself does not also take the other from the
    command line."""
    base = dict(defaults)
    if "angle_deg" in fields or "velocity_mps" in fields:
        base.pop("angle", None)
        base.pop("velocity", None)
    return Problem.from_json(fields, **base)


def _head(rec: Record) -> dict[str, Any]:
    head: dict[str, Any] = {"index": rec.index}
    if rec.line is not None:
        head["line"] = rec.line
    return head


def error_record(rec: Record, message: str) -> dict[str, Any]:
    return {**_head(rec), "schema": SOLUTION_SCHEMA, "error": message,
            "status": Status.BAD_INPUT.value, "converged": False}


def finish(solutions: list[Solution], zeros: Optional[list] = None) -> list[Solution]:
    """What every answer gets after the solve, one or a batch: with a sight, the adjustment
    from the zero (`sight`; ``zeros`` from `sight.zero_angles`), and the warnings
    (`checks`)."""
    if zeros is not None and any(z is not None for z in zeros):
        solutions = sight.with_adjustments(solutions, zeros)
    return checks.with_warnings(solutions)


def solve_chunk(chunk: list[Record], defaults: dict, solve_options: dict,
                tally: Tally) -> list[dict]:
    """The output records for one chunk, in order."""
    out: list[Optional[dict]] = [None] * len(chunk)
    good: list[tuple[int, Problem]] = []
    for j, rec in enumerate(chunk):
        if rec.error is not None:
            out[j] = error_record(rec, rec.error)
            continue
        try:
            problem = problem_for(rec.fields or {}, defaults)
            medium_of(problem)  # the air and the drag table: a bad one is this record's error
            good.append((j, problem))
        except InputError as e:
            out[j] = error_record(rec, str(e))
    # a sight's zero that cannot be hit is its record's error, found before the solve
    zeros = sight.zero_angles([p for _, p in good], solver=solve_options.get("solver", DEFAULT_SOLVER))
    for (j, _), z in zip(good, zeros):
        if isinstance(z, InputError):
            out[j] = error_record(chunk[j], str(z))
    kept = [k for k, z in enumerate(zeros) if not isinstance(z, InputError)]
    good, zeros = [good[k] for k in kept], [zeros[k] for k in kept]
    if good:
        problems = [p for _, p in good]
        solve_options = dict(solve_options)
        wanted = solve_options.pop("corrections", False)
        options, notes = policy_start(solve_options, problems)
        tally.notes.update(notes)
        results = solve_columns(Columns.from_problems(problems), **options)
        solutions = finish(results.solutions([p for _, p in good]), zeros)
        extra = corrections(problems, solutions) if wanted else [None] * len(good)
        for (j, _), s, c in zip(good, solutions, extra):
            out[j] = {**_head(chunk[j]), **s.to_json()}
            if c is not None and s.converged:
                out[j]["corrections"] = c
    tally.records += len(chunk)
    for r in out:
        if "error" in r:  # type: ignore[operator]
            tally.bad += 1
        elif not r["converged"]:  # type: ignore[index]
            tally.unsolved += 1
        if "warnings" in r:  # type: ignore[operator]
            tally.warned += 1
    return out  # type: ignore[return-value]


def policy_start(options: dict, problems: list) -> tuple:
    """`policy.with_start`, importing the network's module only when there is a policy."""
    if options.get("policy") is None:
        return {k: v for k, v in options.items() if k != "policy"}, []
    from ..learn.policy import with_start

    return with_start(options, problems)


def run(records: Iterable[Record], writer: Writer, *, defaults: dict, solve_options: dict,
        chunk_size: int = CHUNK_SIZE,
        progress: Optional[Callable[[int], None]] = None) -> Tally:
    """Solve every record and write every answer; returns the `Tally`. The writer is closed
    (the JSON array terminated) even when interrupted, so what was written stays whole."""
    tally = Tally()
    try:
        for chunk in chunks(records, chunk_size):
            writer.write(solve_chunk(chunk, defaults, solve_options, tally))
            if progress is not None:
                progress(len(chunk))
    finally:
        try:
            writer.close()
        except BrokenPipeError:
            pass
    return tally
