"""Reading problems and writing solutions: JSON, NDJSON and CSV, streamed.

Input (`read_records`): one JSON object, a JSON array of objects, NDJSON (one object per line),
or CSV with a header row; fields are named as in the solution's `problem` object. Every record
comes out as a `Record`, in order, malformed ones included (with ``error`` set), so that the
caller can answer each one. NDJSON and CSV are read line by line (bounded memory); a JSON
document is parsed whole.

Output (`writer_for`): NDJSON (``--nl``), a JSON array (``--json``) or a flat CSV table
(``--csv``); each record is written as whole lines and flushed, so a reader downstream sees
them as they come and an interrupted run leaves only whole lines behind.
"""

from __future__ import annotations

import contextlib
import csv
import io as _io
import json
import math
import signal
from dataclasses import dataclass
from typing import IO, Any, Iterator, Optional

from .errors import InputError
from .problem import PROBLEM_FIELDS

FORMATS = ("auto", "json", "ndjson", "csv")
_TEXT_FIELDS = ("drag", "arc", "atmosphere", "drag_table")


@dataclass
class Record:
    """One input record: its 0-based ``index``, its 1-based ``line`` (NDJSON and CSV only),
    and either its fields or the ``error`` that makes it unreadable."""

    index: int
    line: Optional[int]
    fields: Optional[dict] = None
    error: Optional[str] = None


def read_records(stream: IO[str], fmt: str = "auto") -> Iterator[Record]:
    """The records of ``stream`` in order (see the module docstring). A document that cannot be
    read at all (a JSON array that does not parse) raises `InputError`."""
    lineno = 0
    first = ""
    for first in stream:
        lineno += 1
        if first.strip():
            break
    else:
        return
    head = first.lstrip()
    if fmt == "csv" or (fmt == "auto" and not head.startswith(("{", "["))):
        yield from _csv(stream, first, lineno)
    elif fmt == "ndjson":
        yield from _ndjson(stream, first, lineno)
    elif head.startswith("{") and fmt == "auto" and _parses(first):
        yield from _ndjson(stream, first, lineno)
    else:
        yield from _document(first + stream.read())


def _parses(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


def _from_json(index: int, line: Optional[int], value: Any) -> Record:
    if not isinstance(value, dict):
        return Record(index, line, error=f"a record must be a JSON object, got "
                                         f"{type(value).__name__}")
    return Record(index, line, fields={k: v for k, v in value.items() if v is not None})


def _ndjson(stream: IO[str], first: str, lineno: int) -> Iterator[Record]:
    index = 0
    for line in _chain(first, stream):
        if line.strip():
            try:
                value = json.loads(line)
            except ValueError as e:
                yield Record(index, lineno, error=f"not valid JSON: {e}")
            else:
                yield _from_json(index, lineno, value)
            index += 1
        lineno += 1


def _chain(first: str, stream: IO[str]) -> Iterator[str]:
    yield first
    yield from stream


def _document(text: str) -> Iterator[Record]:
    try:
        value = json.loads(text)
    except ValueError as e:
        raise InputError(f"the input is not valid JSON, NDJSON or CSV: {e}") from None
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        yield _from_json(i, None, item)


def _csv(stream: IO[str], first: str, lineno: int) -> Iterator[Record]:
    header = next(csv.reader([first]))
    header = [h.strip() for h in header]
    problems = []
    unknown = sorted(set(header) - set(PROBLEM_FIELDS))
    if unknown:
        problems.append(f"unknown field{'s' if len(unknown) > 1 else ''} in the CSV header: "
                        f"{', '.join(unknown)}")
    if len(set(header)) != len(header):
        problems.append("repeated column in the CSV header")
    reader = csv.reader(stream)
    index = 0
    for row in reader:
        line = lineno + reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if problems:
            yield Record(index, line, error="; ".join(problems))
        elif len(row) != len(header):
            yield Record(index, line, error=f"{len(row)} values for {len(header)} columns")
        else:
            try:
                yield Record(index, line, fields=_csv_fields(header, row))
            except InputError as e:
                yield Record(index, line, error=str(e))
        index += 1


def _csv_fields(header: list, row: list) -> dict:
    out: dict[str, Any] = {}
    for key, cell in zip(header, row):
        cell = cell.strip()
        if not cell:
            continue
        if key in _TEXT_FIELDS:
            out[key] = cell
            continue
        try:
            out[key] = float(cell)
        except ValueError:
            raise InputError(f"{key} must be a number, got {cell!r}") from None
    return out


# -- output ------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "index", "line", "converged", "angle_deg", "velocity_mps", "flight_time_s", "apex_height_m",
    "impact_speed_mps", "impact_angle_deg", "miss_m", "iterations", "solver", "unknowns",
    "distance_m", "target_height_m", "launch_height_m", "gravity_mps2", "drag", "mass_kg",
    "diameter_m", "drag_coefficient", "air_density_kgpm3", "linear_drag_kgps", "drag_table",
    "ballistic_coefficient_kgpm2", "form_factor", "atmosphere", "altitude_m", "temperature_c",
    "pressure_hpa", "humidity_pct", "wind_mps", "arc", "max_velocity_mps", "reason", "error",
)


def dumps(obj: dict) -> str:
    """One JSON line; NaN and infinities (never expected) become null rather than invalid JSON."""
    try:
        return json.dumps(obj, allow_nan=False)
    except ValueError:
        return json.dumps(_nulls(obj), allow_nan=False)


def _nulls(obj):
    if isinstance(obj, dict):
        return {k: _nulls(v) for k, v in obj.items()}
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


@contextlib.contextmanager
def _whole():
    """Hold Ctrl-C back while a block of lines is written and flushed, so that an interrupt
    never cuts a line in two: it is delivered as soon as the block is out."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class Writer:
    """Writes output records to a text stream; `close` finishes the document."""

    def __init__(self, out: IO[str]):
        self.out = out

    def emit(self, text: str) -> None:
        with _whole():
            self.out.write(text)
            self.out.flush()

    def write(self, records: list[dict]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.out.flush()


class NDJSONWriter(Writer):
    def write(self, records: list[dict]) -> None:
        self.emit("".join(dumps(r) + "\n" for r in records))


class JSONArrayWriter(Writer):
    """A JSON array, one element per line: ``[`` and ``]`` on their own lines."""

    def __init__(self, out: IO[str]):
        super().__init__(out)
        self.count = 0
        self.emit("[\n")

    def write(self, records: list[dict]) -> None:
        parts = []
        for r in records:
            parts.append(("" if self.count == 0 else ",\n") + dumps(r))
            self.count += 1
        self.emit("".join(parts))

    def close(self) -> None:
        self.emit(("\n" if self.count else "") + "]\n")


class CSVWriter(Writer):
    def __init__(self, out: IO[str]):
        super().__init__(out)
        self.buffer = _io.StringIO()
        self.csv = csv.writer(self.buffer, lineterminator="\n")
        self.csv.writerow(CSV_COLUMNS)
        self._flush()

    def _flush(self) -> None:
        self.emit(self.buffer.getvalue())
        self.buffer.seek(0)
        self.buffer.truncate()

    def write(self, records: list[dict]) -> None:
        for r in records:
            self.csv.writerow([_cell(flat_value(r, c)) for c in CSV_COLUMNS])
        self._flush()


def flat_value(record: dict, column: str):
    """A CSV cell's value from an output record: problem fields are read from ``problem``."""
    problem = record.get("problem", {})
    if column == "unknowns":
        if not problem:
            return None
        return ("angle" if "velocity_mps" in problem else
                "speed" if "angle_deg" in problem else "both")
    if column in record:
        return record[column]
    return problem.get(column)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def writer_for(fmt: str, out: IO[str]) -> Writer:
    return {"nl": NDJSONWriter, "json": JSONArrayWriter, "csv": CSVWriter}[fmt](out)
