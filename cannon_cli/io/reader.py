r"""Reading problems: JSON, NDJSON and CSV, streamed.

`read_records`: one JSON object, a JSON array of objects, NDJSON (one object per line),
or CSV with a header row; fields are named as in the solution's `problem` object. Every record
comes out as a `Record`, in order, malformed ones included (with ``error`` set), so that the
caller can answer each one. NDJSON and CSV are read line by line (bounded memory); a JSON
document is parsed whole.

The input is read as bytes and decoded record by record: a UTF-8 byte order mark at the start is
skipped, and bytes that are not UTF-8 make their record an error ("line N: not UTF-8 text"), not
the batch. Lines end at ``\n`` only (``\r\n`` too, as ``\r`` is JSON whitespace and CSV reads
it): a ``\r`` elsewhere is part of its line, and inside a quoted CSV cell part of the cell. A
number beyond float range is its record's error ("field X: number out of range").
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from typing import IO, Any, Iterable, Iterator, Optional, Union

from ..errors import InputError
from ..problem import PROBLEM_FIELDS, STRUCTURED

FORMATS = ("auto", "json", "ndjson", "csv")
_TEXT_FIELDS = ("drag", "arc", "atmosphere", "drag_table")
BOM = b"\xef\xbb\xbf"


@dataclass
class Record:
    """One input record: its 0-based ``index``, its 1-based ``line`` (NDJSON and CSV only),
    and either its fields or the ``error`` that makes it unreadable."""

    index: int
    line: Optional[int]
    fields: Optional[dict] = None
    error: Optional[str] = None


class _Lines:
    r"""The lines of a byte stream (a text stream is encoded back), numbered from 1 and split at
    ``\n`` only; a UTF-8 byte order mark at the start is dropped. `push` puts a line back."""

    def __init__(self, stream: IO):
        self._it = iter(stream)
        self._back: list[tuple[int, bytes]] = []
        self.lineno = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> tuple[int, bytes]:
        if self._back:
            return self._back.pop()
        raw = next(self._it)
        if isinstance(raw, str):
            raw = _encode(raw)
        self.lineno += 1
        if self.lineno == 1 and raw.startswith(BOM):
            raw = raw[len(BOM):]
        return self.lineno, raw

    def push(self, item: tuple[int, bytes]) -> None:
        self._back.append(item)

    def next_nonblank(self) -> Optional[tuple[int, bytes]]:
        for item in self:
            if item[1].strip():
                return item
        return None

    def rest(self) -> bytes:
        return b"".join(raw for _, raw in self)


def _encode(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate: bytes that are not UTF-8, as it was
        return text.encode("utf-8", "surrogatepass")


def _split(data: bytes, lineno: int) -> Iterator[tuple[int, bytes]]:
    r"""The numbered lines of ``data`` (at ``\n`` only), the first numbered ``lineno``."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end + 1
        yield lineno, data[start:end]
        lineno += 1
        start = end


def _not_utf8(lineno: int, byte: int) -> str:
    return f"line {lineno}: not UTF-8 text (byte {byte:#04x})"


def read_records(stream: IO, fmt: str = "auto", known=PROBLEM_FIELDS) -> Iterator[Record]:
    """The records of ``stream`` (bytes, or text) in order, see the module docstring. In "auto",
    the first non-blank line tells: CSV unless it starts with ``{`` or ``[``; NDJSON if that
    line is a JSON value by itself and is an object or has more lines after it; else one JSON
    document, read as NDJSON if it does not parse and starts with ``{`` (a broken first record
    loses nothing). A JSON document that cannot be read at all (a JSON array that does not
    parse), or a CSV header that is bad with no rows under it, raises `InputError`. A CSV
    header may name the fields ``known`` (a problem's, unless the caller reads other records:
    truing's observations)."""
    lines = _Lines(stream)
    first = lines.next_nonblank()
    if first is None:
        return
    lineno, raw = first
    head = raw.lstrip()
    if fmt == "csv" or (fmt == "auto" and not head.startswith((b"{", b"["))):
        yield from _csv(lines, lineno, raw, known)
    elif fmt == "ndjson":
        lines.push(first)
        yield from _ndjson(lines)
    elif fmt == "json":
        yield from _document(raw + lines.rest(), lineno)
    elif _parses(raw):
        if head.startswith(b"{"):
            lines.push(first)
            yield from _ndjson(lines)
            return
        after = lines.next_nonblank()
        if after is None:
            yield from _document(raw, lineno)
            return
        lines.push(after)
        lines.push(first)
        yield from _ndjson(lines)
    else:
        data = raw + lines.rest()
        try:
            records = _document(data, lineno)
        except InputError:
            if not head.startswith(b"{"):
                raise
            records = _ndjson(_split(data, lineno))
        yield from records


class _OutOfRange(str):
    """A JSON number beyond float range, kept as its text: its record's error."""


def _parse_int(text: str) -> Union[int, _OutOfRange]:
    if len(text.lstrip("-")) > 309:  # >= 1e309, beyond float; also int()'s digit limit
        return _OutOfRange(text)
    value = int(text)
    try:
        float(value)
    except OverflowError:
        return _OutOfRange(text)
    return value


def _parse_float(text: str) -> Union[float, _OutOfRange]:
    value = float(text)
    return _OutOfRange(text) if math.isinf(value) else value


_DECODER = json.JSONDecoder(parse_int=_parse_int, parse_float=_parse_float)
_WS = re.compile(r"[ \t\n\r]*")
#: what surrogateescape makes of a byte that is not UTF-8 (valid UTF-8 never decodes to it)
_BAD_BYTE = re.compile("[\udc80-\udcff]")


def _loads(text: str) -> Any:
    """One JSON value; `ValueError` if it is not one (nested too deep included)."""
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _parses(raw: bytes) -> bool:
    """Whether a line is one JSON value by itself (too deep for the decoder counts)."""
    text = raw.decode("utf-8", "surrogateescape").strip(" \t\n\r")
    try:
        _DECODER.decode(text)
        return True
    except RecursionError:
        return _skip_nested(text, 0) == len(text)
    except ValueError:
        return False


_TOO_DEEP = object()
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def _skip_nested(text: str, pos: int) -> Optional[int]:
    """The end of the array or object at ``pos``, found by its brackets (strings skipped), or
    None if it does not end."""
    depth = 0
    for m in _TOKEN.finditer(text, pos):
        token = m.group()
        if token in "[{":
            depth += 1
        elif token in "]}":
            depth -= 1
            if depth == 0:
                return m.end()
    return None


def _from_json(index: int, line: Optional[int], value: Any) -> Record:
    if not isinstance(value, dict):
        got = ("a number out of range" if isinstance(value, _OutOfRange) else
               type(value).__name__)
        return Record(index, line, error=f"a record must be a JSON object, got {got}")
    fields = {}
    for key, v in value.items():
        if v is None:
            continue
        if type(v) not in _PLAIN:
            problem = _value_problem(key, v)
            if problem is not None:
                return Record(index, line, error=problem)
        fields[key] = v
    return Record(index, line, fields=fields)


_PLAIN = {int, float, str, bool}  # not _OutOfRange, a str subclass


def _value_problem(key: str, value: Any) -> Optional[str]:
    """What is wrong with a JSON value that validation cannot say: a number beyond float range
    (anywhere in it), or an array or object where a field takes a number or a name."""
    if isinstance(value, _OutOfRange):
        return f"field {key}: number out of range"
    if not isinstance(value, (list, dict)):
        return None
    todo = [value]
    while todo:  # not recursive: the decoder allows deeper nesting than a Python walk
        item = todo.pop()
        if isinstance(item, _OutOfRange):
            return f"field {key}: number out of range"
        if isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    if key not in PROBLEM_FIELDS or key in STRUCTURED:
        return None  # an unknown field, or one that is an object: validation says
    kind = "a string" if key in _TEXT_FIELDS else "a number"
    return f"{key} must be {kind}, got a JSON {'array' if isinstance(value, list) else 'object'}"


def _ndjson(lines: Iterable[tuple[int, bytes]], index: int = 0) -> Iterator[Record]:
    """The records of numbered NDJSON lines, the first of them record number ``index``."""
    for lineno, raw in lines:
        if not raw.strip():
            continue
        try:
            value = _loads(raw.decode("utf-8"))
        except UnicodeDecodeError as e:
            yield Record(index, lineno, error=_not_utf8(lineno, raw[e.start]))
        except ValueError as e:
            yield Record(index, lineno, error=f"not valid JSON: {e}")
        else:
            yield _from_json(index, lineno, value)
        index += 1


def _document(data: bytes, lineno: int) -> list[Record]:
    """The records of one JSON document (an array, or a single value) that starts on line
    ``lineno``. An element holding bytes that are not UTF-8 is that element's error."""
    text = data.decode("utf-8", "surrogateescape")

    if _BAD_BYTE.search(text) is None:  # the usual case, parsed at the decoder's speed
        try:
            value = _DECODER.decode(text)
        except (ValueError, RecursionError):
            pass  # below, element by element: the error says where, or is one element's
        else:
            items = value if isinstance(value, list) else [value]
            return [_from_json(i, None, item) for i, item in enumerate(items)]

    def line_of(pos: int) -> int:
        return lineno + text.count("\n", 0, pos)

    def value_at(pos: int) -> tuple[Any, int]:
        try:
            return _DECODER.raw_decode(text, pos)
        except RecursionError:  # too deep for the decoder: skip it, it is one record's error
            end = _skip_nested(text, pos)
            if end is None:
                raise json.JSONDecodeError("nested too deeply", text, pos) from None
            return _TOO_DEEP, end

    spans = []
    try:
        pos = _WS.match(text).end()
        if text.startswith("[", pos):
            pos = _WS.match(text, pos + 1).end()
            if text.startswith("]", pos):
                pos += 1
            else:
                while True:
                    value, end = value_at(pos)
                    spans.append((value, pos, end))
                    pos = _WS.match(text, end).end()
                    if text.startswith(",", pos):
                        pos = _WS.match(text, pos + 1).end()
                    elif text.startswith("]", pos):
                        pos += 1
                        break
                    else:
                        raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
        else:
            value, pos = value_at(pos)
            spans.append((value, 0, len(text)))
        pos = _WS.match(text, pos).end()
        if pos != len(text):
            raise json.JSONDecodeError("Extra data", text, pos)
    except json.JSONDecodeError as e:
        bad = _BAD_BYTE.match(text, e.pos)
        why = (_not_utf8(line_of(e.pos), ord(bad.group()) - 0xDC00) if bad else
               f"{e.msg}: line {line_of(e.pos)} column {e.colno}")
        raise InputError(f"the input is not valid JSON, NDJSON or CSV: {why}") from None
    records = []
    for i, (value, start, end) in enumerate(spans):
        bad = _BAD_BYTE.search(text, start, end)
        if bad:
            records.append(Record(i, None, error=_not_utf8(line_of(bad.start()),
                                                           ord(bad.group()) - 0xDC00)))
        elif value is _TOO_DEEP:
            records.append(Record(i, None, error="not valid JSON: nested too deeply"))
        else:
            records.append(_from_json(i, None, value))
    return records


class _CSVRows:
    r"""The rows of a CSV text given as numbered byte lines, each with the lines it spans and
    what makes it unreadable, if anything: bytes that are not UTF-8 (each line is decoded by
    itself), or a ``\r`` in a cell that is not quoted.

    Rows end at ``\n`` only. The csv module would end a row at a bare ``\r`` (or fail on it and
    drop the rest of the line, so a quoted cell after it would start rows of its own): here the
    rows are cut with every bare ``\r`` read as a space, and a row that had one is read again
    as it is, where the csv module says whether the ``\r`` was inside quotes."""

    def __init__(self, lines: Iterable[tuple[int, bytes]]):
        self._lines = iter(lines)
        self._texts: list[str] = []  # the lines of the row being read, as they are
        self._linenos: list[int] = []
        self._bad: Optional[str] = None
        self._cr = False
        self._reader = csv.reader(self._feed())

    def _feed(self) -> Iterator[str]:
        for n, raw in self._lines:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                self._bad = self._bad or _not_utf8(n, raw[e.start])
                text = raw.decode("utf-8", "replace")  # the row is an error: keep its shape
            self._texts.append(text)
            self._linenos.append(n)
            end = len(text) - (2 if text.endswith("\r\n") else text.endswith("\n"))
            if "\r" in text[:end]:
                self._cr = True
                text = text[:end].replace("\r", " ") + text[end:]
            yield text

    def __iter__(self) -> "_CSVRows":
        return self

    def __next__(self) -> tuple[int, Optional[list], Optional[str]]:
        """(first line, cells, error): the cells are None when there is an error."""
        error = None
        try:
            row = next(self._reader)
        except csv.Error as e:
            row, error = None, f"not valid CSV: {_csv_message(e)}"
        line, texts, bad, cr = self._linenos[0], self._texts, self._bad, self._cr
        self._texts, self._linenos, self._bad, self._cr = [], [], None, False
        if bad is not None:
            return line, None, bad
        if error is None and cr and not _blank(row):
            try:
                row = next(csv.reader(["".join(texts)]))
            except csv.Error as e:
                row, error = None, f"not valid CSV: {_csv_message(e)}"
        return line, row, error


def _blank(row: list) -> bool:
    return not any(cell.strip() for cell in row)


def _csv_message(e: csv.Error) -> str:
    message = str(e)
    if message.startswith("new-line character"):
        return "a carriage return (\\r) in a cell that is not quoted"
    return message


def _csv(lines: _Lines, lineno: int, first: bytes, known=PROBLEM_FIELDS) -> Iterator[Record]:
    """CSV records under the header that starts on line ``lineno`` (see `_CSVRows`)."""
    rows = _CSVRows(_chain((lineno, first), lines))
    _, header, error = next(rows)
    problems = []
    if error is not None:
        problems.append(f"the CSV header: {error}")
    else:
        header = [h.strip() for h in header]
        unknown = sorted(set(header) - set(known))
        if unknown:
            problems.append(f"unknown field{'s' if len(unknown) > 1 else ''} in the CSV "
                            f"header: {', '.join(unknown)}")
        if len(set(header)) != len(header):
            problems.append("repeated column in the CSV header")
    index = 0
    for line, row, error in rows:
        if error is None and _blank(row):
            continue
        if error is not None:
            yield Record(index, line, error=error)
        elif problems:
            yield Record(index, line, error="; ".join(problems))
        elif len(row) != len(header):
            yield Record(index, line, error=f"{len(row)} values for {len(header)} columns")
        else:
            try:
                yield Record(index, line, fields=_csv_fields(header, row))
            except InputError as e:
                yield Record(index, line, error=str(e))
        index += 1
    if index == 0 and problems:
        raise InputError("; ".join(problems))  # no record to carry it


def _chain(first, rest: Iterable) -> Iterator:
    yield first
    yield from rest


_INFINITIES = ("inf", "infinity")


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
            value = float(cell)
        except ValueError:  # "1000yd": the problem reads units, and says what it expected
            out[key] = cell
            continue
        if math.isinf(value) and cell.lstrip("+-").lower() not in _INFINITIES:
            raise InputError(f"field {key}: number out of range")
        out[key] = value
    return out
