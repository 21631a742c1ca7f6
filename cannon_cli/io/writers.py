r"""Writing answers: NDJSON (``--nl``), a JSON array (``--json``) or a flat CSV table (``--csv``).

Each write is whole lines, flushed, with Ctrl-C held back meanwhile: a reader downstream sees the
records as they come, and an interrupted run leaves only whole lines behind. Also: whether an
output file can be written at all, checked before the work (`check_writable`).
"""

from __future__ import annotations

import contextlib
import csv
import io as _io
import json
import math
import os
import signal
import stat
from typing import IO

from ..errors import InputError


def check_writable(path: str, flag: str) -> None:
    """Fail before the work, not after it, when ``path`` cannot be written (`InputError`, one
    line naming ``flag``): a missing directory, a directory, no permission, a file system that
    takes no new files (``/proc``). The one sure test is to make the file: it is made and
    removed again, and a file that exists is opened for writing without truncating it, so
    nothing is changed. Devices and pipes (``/dev/null``) are only checked for permission."""
    def fail(why: str) -> InputError:
        return InputError(f"cannot write {flag} {path}: {why}")

    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except (OSError, ValueError) as e:  # ValueError: a NUL in the name
        raise fail(getattr(e, "strerror", None) or "not a file name") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise fail("it is a directory")
    if st is not None and not stat.S_ISREG(st.st_mode):
        if not os.access(path, os.W_OK):
            raise fail("permission denied")
        return
    try:
        fd = os.open(path, os.O_WRONLY | (os.O_CREAT | os.O_EXCL if st is None else 0), 0o666)
    except OSError as e:
        why = e.strerror or str(e)
        if isinstance(e, FileNotFoundError):
            parent = os.path.dirname(os.path.abspath(path))
            why = (f"no directory {parent}" if not os.path.isdir(parent) else
                   f"no file can be made in {parent}")
        raise fail(why) from None
    os.close(fd)
    if st is None:
        os.unlink(path)



CSV_COLUMNS = (
    "index", "line", "converged", "angle_deg", "velocity_mps", "flight_time_s", "apex_height_m",
    "impact_speed_mps", "impact_angle_deg", "miss_m", "iterations", "solver", "unknowns",
    "distance_m", "target_height_m", "launch_height_m", "gravity_mps2", "drag", "mass_kg",
    "diameter_m", "drag_coefficient", "air_density_kgpm3", "linear_drag_kgps", "drag_table",
    "ballistic_coefficient_kgpm2", "form_factor", "atmosphere", "altitude_m", "temperature_c",
    "pressure_hpa", "humidity_pct", "wind_mps", "arc", "max_velocity_mps", "reason", "error",
    # added after cannon.solution/1's first columns, at the end so that none moves
    "warnings", "sight_height_m", "zero_m", "come_up_moa", "come_up_mrad", "zero_angle_deg",
    "line_of_sight_deg", "status",
    # three dimensions (issue 11)
    "azimuth_deg", "lateral_miss_m", "drift_m", "impact_lateral_velocity_mps", "crosswind_mps",
    "target_offset_m", "latitude_deg", "bearing_deg",
    # the elevation offset (issue 14: what truing fits, and the angles are set by)
    "elevation_offset_deg",
)
#: Columns that a solution's JSON leaves out in 2-D (a lateral answer, an input echoed only when
#: not zero, as the elevation offset is) but whose value there is 0, not unknown: a 2-D shot's
#: drift is truly 0. A CSV table has a cell for them on every row, so a solution's row says 0.
ZERO_IN_2D = ("lateral_miss_m", "drift_m", "impact_lateral_velocity_mps", "crosswind_mps",
              "target_offset_m", "elevation_offset_deg")


#: one encoder for every line (`json.dumps` with an argument builds one per call)
_ENCODE = json.JSONEncoder(allow_nan=False).encode


def dumps(obj: dict) -> str:
    """One JSON line; NaN and infinities (never expected) become null rather than invalid JSON."""
    try:
        return _ENCODE(obj)
    except ValueError:
        return _ENCODE(_nulls(obj))


def _nulls(obj):
    if isinstance(obj, dict):
        return {k: _nulls(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nulls(v) for v in obj]
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
    r"""A CSV table, rows ending in ``\n``. A cell holding a ``\r`` or a ``\n`` (an error message
    can quote any field name) is quoted: the csv module quotes the characters of its line
    terminator, so rows are made with ``\r\n`` and end in ``\n`` once made."""

    def __init__(self, out: IO[str], columns: tuple = CSV_COLUMNS):
        super().__init__(out)
        self.columns = columns
        self.buffer = _io.StringIO()
        self.csv = csv.writer(self.buffer, lineterminator="\r\n")
        self.emit(self._row(columns))

    def _row(self, cells) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.csv.writerow(cells)
        return self.buffer.getvalue()[:-2] + "\n"

    def write(self, records: list[dict]) -> None:
        self.emit("".join(self._row([_cell(flat_value(r, c)) for c in self.columns])
                          for r in records))

    def write_rows(self, rows) -> None:
        """Rows given as sequences of values in column order (no record to look into)."""
        self.emit("".join(self._row([_cell(v) for v in row]) for row in rows))


def flat_value(record: dict, column: str):
    """A CSV cell's value from an output record: problem fields are read from ``problem``."""
    problem = record.get("problem", {})
    if column == "unknowns":
        if not problem:
            return None
        return ("angle" if "velocity_mps" in problem else
                "speed" if "angle_deg" in problem else "both")
    if column.startswith("corrections."):
        return (record.get("corrections") or {}).get(column.split(".", 1)[1])
    if column in record:
        value = record[column]
        return "; ".join(value) if isinstance(value, list) else value
    if column in ZERO_IN_2D and problem:  # a solution (an error record has no problem)
        return problem.get(column, 0.0)
    return problem.get(column)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    # a lone surrogate (a JSON escape such as "\ud800" in a field name) cannot be encoded
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")


def writer_for(fmt: str, out: IO[str], *, columns: tuple = CSV_COLUMNS) -> Writer:
    """The writer of ``fmt`` ("nl", "json" or "csv": a table of ``columns``) on ``out``."""
    if fmt == "csv":
        return CSVWriter(out, columns)
    return {"nl": NDJSONWriter, "json": JSONArrayWriter}[fmt](out)
