"""Hostile batch input: byte order marks, bytes that are not UTF-8, numbers beyond float range,
carriage returns in CSV cells, error messages that CSV must quote; then a property-based fuzz of
the whole command (random arguments, random batch bytes) through typer's CliRunner.

The fuzz runs 350 examples by default (five properties, a few seconds); CANNON_FUZZ_EXAMPLES=N
runs N per property, and -s prints what they did: e.g. 10,000 cases with
``CANNON_FUZZ_EXAMPLES=2000 python -m pytest -q -s tests/test_hostile.py -k fuzz``.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import run

from cannon_cli.io.reader import read_records
from cannon_cli.io.writers import CSV_COLUMNS

BOM = b"\xef\xbb\xbf"


def out_text(res) -> str:
    """stdout exactly as written (Result.stdout folds \\r\\n into \\n)."""
    return res.stdout_bytes.decode("utf-8")


def nl(res) -> list[dict]:
    return [json.loads(line) for line in out_text(res).split("\n") if line]


def csv_rows(res) -> list[list[str]]:
    return list(csv.reader(io.StringIO(out_text(res), newline="")))


def no_internal_error(res) -> None:
    assert "internal error" not in res.stderr, res.stderr
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)


# -- a byte order mark is skipped, in every input format ----------------------------------------

BOM_INPUTS = {
    "json object": b'{"distance_m": 10.0}',
    "json array": b'[{"distance_m": 10.0}, {"distance_m": 20.0, "velocity_mps": 30}]\n',
    "pretty json": b'{\n  "distance_m": 10.0,\n  "drag": "linear"\n}\n',
    "pretty array": b'[\n  {"distance_m": 10.0},\n  {"distance_m": 20.0}\n]\n',
    "ndjson": b'{"distance_m": 10.0}\n{"distance_m": 20.0}\n',
    "csv": b"distance_m,drag\n10,linear\n20,\n",
}


@pytest.mark.parametrize("name", list(BOM_INPUTS))
@pytest.mark.parametrize("fmt", ["--nl", "--json", "--csv"])
def test_bom_gives_the_same_output_as_without(name, fmt, tmp_path):
    plain = BOM_INPUTS[name]
    want = run("solve", "--input", "-", fmt, "-q", input=plain)
    assert want.exit_code == 0 and want.stdout.count("distance_m") >= 1, want.output
    got = run("solve", "--input", "-", fmt, "-q", input=BOM + plain)
    assert (got.exit_code, got.stdout) == (want.exit_code, want.stdout)
    path = tmp_path / "in"
    path.write_bytes(BOM + plain)
    from_file = run("solve", "--input", str(path), fmt, "-q")
    assert (from_file.exit_code, from_file.stdout) == (want.exit_code, want.stdout)


def test_bom_then_blank_lines():
    res = run("solve", "--input", "-", "-q", input=BOM + b'\n\n{"distance_m": 10}\n')
    assert res.exit_code == 0 and [o["line"] for o in nl(res)] == [3]


# -- bytes that are not UTF-8 are one record's error ------------------------------------------

def test_not_utf8_ndjson_line_is_that_records_error():
    text = b'{"distance_m": 10}\n{"distance_m": 20, "drag": "\x9d"}\n{"distance_m": 30}\n'
    res = run("solve", "--input", "-", "-q", input=text)
    no_internal_error(res)
    out = nl(res)
    assert [o["index"] for o in out] == [0, 1, 2] and [o["line"] for o in out] == [1, 2, 3]
    assert out[1]["error"].startswith("line 2: not UTF-8 text")
    assert out[0]["converged"] and out[2]["converged"]
    assert res.exit_code == 1


def test_not_utf8_csv_row_is_that_records_error():
    text = b"distance_m,drag\n10,linear\n20,\xff\xfe\n30,none\n"
    res = run("solve", "--input", "-", "-q", input=text)
    no_internal_error(res)
    out = nl(res)
    assert [o["line"] for o in out] == [2, 3, 4]
    assert out[1]["error"].startswith("line 3: not UTF-8 text")
    assert out[0]["converged"] and out[2]["converged"] and res.exit_code == 1


def test_not_utf8_in_a_json_array_is_that_elements_error():
    text = b'[{"distance_m": 10},\n {"distance_m": 20, "drag": "\xc3("},\n {"distance_m": 30}]'
    res = run("solve", "--input", "-", "-q", input=text)
    no_internal_error(res)
    out = nl(res)
    assert [o["index"] for o in out] == [0, 1, 2]
    assert out[1]["error"].startswith("line 2: not UTF-8 text")
    assert out[0]["converged"] and out[2]["converged"] and res.exit_code == 1


def test_one_byte_that_is_not_utf8():
    res = run("solve", "--input", "-", input=b"\x9d")
    no_internal_error(res)
    assert res.exit_code == 1 and res.stdout == ""
    assert res.stderr.startswith("cannon: error: ") and "not UTF-8 text" in res.stderr
    assert res.stderr.count("\n") == 1


# -- numbers beyond float range ------------------------------------------------------------------

BIG = "1" + "0" * 400


@pytest.mark.parametrize("value,field", [
    (BIG, "pressure_hpa"), (BIG, "gravity_mps2"), ("1e400", "distance_m"),
    ("-" + BIG, "wind_mps"), ("9" * 5000, "mass_kg"),
], ids=["400 digits", "400 digits gravity", "1e400", "-400 digits", "5000 digits"])
def test_a_number_out_of_float_range_is_that_records_error(value, field):
    text = f'{{"distance_m": 10}}\n{{"distance_m": 20, "{field}": {value}}}\n{{"distance_m": 30}}\n'
    res = run("solve", "--input", "-", "-q", input=text)
    no_internal_error(res)
    out = nl(res)
    assert len(out) == 3 and out[1]["error"] == f"field {field}: number out of range"
    assert out[0]["converged"] and out[2]["converged"] and res.exit_code == 1
    # the same inside a JSON array document: the other elements are still answered
    doc = f'[{{"distance_m": 10}}, {{"distance_m": 20, "{field}": {value}}}]'
    out = nl(run("solve", "--input", "-", "-q", input=doc))
    assert out[0]["converged"] and out[1]["error"] == f"field {field}: number out of range"


def test_a_csv_number_out_of_float_range():
    res = run("solve", "--input", "-", "-q", input=f"distance_m,gravity_mps2\n10,1e400\n20,{BIG}\n")
    out = nl(res)
    assert [o["error"] for o in out] == ["field gravity_mps2: number out of range"] * 2
    assert res.exit_code == 1


def test_json_nested_too_deep_is_that_records_error():
    text = '{"distance_m": 10}\n' + "[" * 100000 + "\n" + '{"distance_m": 30}\n'
    res = run("solve", "--input", "-", "-q", input=text)
    no_internal_error(res)
    out = nl(res)
    assert len(out) == 3 and "not valid JSON" in out[1]["error"] and res.exit_code == 1


def test_one_ndjson_line_nested_too_deep_is_still_ndjson():
    res = run("solve", "--input", "-", "-q",
              input=b'{"distance_m": ' + b"[" * 5000 + b"]" * 5000 + b"}\n")
    (o,) = nl(res)
    assert o["line"] == 1 and o["error"] == "not valid JSON: nested too deeply"


@pytest.mark.parametrize("doc", [
    b'[{"distance_m": 10}, {"distance_m": ' + b"[" * 5000 + b'"]"' + b"]" * 5000
    + b'}, {"distance_m": 30}]',
    b'[\n {"distance_m": 10},\n ' + b"[" * 5000 + b"]" * 5000 + b',\n {"distance_m": 30}\n]',
], ids=["in an element", "an element"])
def test_json_array_element_nested_too_deep_is_that_elements_error(doc):
    res = run("solve", "--input", "-", "-q", input=doc)
    no_internal_error(res)
    out = nl(res)
    assert [o["index"] for o in out] == [0, 1, 2] and out[1]["error"] == (
        "not valid JSON: nested too deeply")
    assert out[0]["converged"] and out[2]["converged"] and res.exit_code == 1


@pytest.mark.parametrize("value", ['[1, [2, 3]]', '{"a": 1e400}', '[' * 500 + ']' * 500],
                         ids=["array", "object", "500 deep"])
def test_a_container_where_a_value_belongs(value):
    res = run("solve", "--input", "-", "-q", input=f'{{"distance_m": {value}}}\n')
    no_internal_error(res)
    (o,) = nl(res)
    assert o["error"] and res.exit_code == 1


def test_a_drag_table_name_that_no_file_can_have():
    for name in ("a\\u0000b", "\\ud800"):
        res = run("solve", "--input", "-", "-q", "--csv",
                  input=f'{{"distance_m": 10, "drag_table": "{name}"}}\n')
        no_internal_error(res)
        rows = csv_rows(res)
        assert len(rows) == 2 and rows[1][CSV_COLUMNS.index("error")].startswith("drag_table")
        assert res.exit_code == 1


# -- a broken first NDJSON line does not lose the rest -------------------------------------------

def test_ndjson_with_a_broken_first_line():
    res = run("solve", "--input", "-", "-q",
              input='{"distance_m": 10\n{"distance_m": 20}\n{"distance_m": 30}\n')
    out = nl(res)
    assert [o["line"] for o in out] == [1, 2, 3] and "not valid JSON" in out[0]["error"]
    assert out[1]["converged"] and out[2]["converged"] and res.exit_code == 1


def test_a_record_that_is_a_number_out_of_range():
    out = nl(run("solve", "--input", "-", "-q", input=f'{{"distance_m": 10}}\n{BIG}\n1e400\n'))
    assert [o.get("error") for o in out] == [None] + [
        "a record must be a JSON object, got a number out of range"] * 2


def test_ndjson_whose_first_record_is_an_array():
    res = run("solve", "--input", "-", "-q", input='[1]\n{"distance_m": 20}\n')
    out = nl(res)
    assert len(out) == 2 and "must be a JSON object" in out[0]["error"] and out[1]["converged"]


# -- carriage returns in CSV cells: one record per row ------------------------------------------

@pytest.mark.parametrize("source", ["stdin", "file"])
def test_csv_carriage_return_in_a_quoted_cell_stays_in_the_cell(source, tmp_path):
    text = b'distance_m,drag\n"10\r",linear\n"20\r\n",none\r\n30,"no\rne"\n'
    if source == "file":
        path = tmp_path / "in.csv"
        path.write_bytes(text)
        res = run("solve", "--input", str(path), "-q")
    else:
        res = run("solve", "--input", "-", "-q", input=text)
    out = nl(res)
    assert [o["index"] for o in out] == [0, 1, 2] and [o["line"] for o in out] == [2, 3, 5]
    assert out[0]["converged"] and out[1]["converged"]
    assert "drag must be one of" in out[2]["error"]


@pytest.mark.parametrize("source", ["stdin", "file"])
def test_csv_bare_carriage_return_is_one_record(source, tmp_path):
    text = b"distance_m,drag\n10,linear\n20\r,none\n30,no\rne\n40,\n"
    if source == "file":
        path = tmp_path / "in.csv"
        path.write_bytes(text)
        res = run("solve", "--input", str(path), "-q")
    else:
        res = run("solve", "--input", "-", "-q", input=text)
    no_internal_error(res)
    out = nl(res)
    assert [o["line"] for o in out] == [2, 3, 4, 5]
    assert out[0]["converged"] and out[3]["converged"]
    assert "not valid CSV" in out[1]["error"] and "not valid CSV" in out[2]["error"]
    assert res.exit_code == 1


def test_csv_bare_carriage_return_then_a_quoted_cell_over_two_lines():
    text = b'distance_m,drag\n1\r0,"li\nnear"\n20,none\n'
    out = nl(run("solve", "--input", "-", "-q", input=text))
    assert [o["line"] for o in out] == [2, 4]
    assert "carriage return" in out[0]["error"] and out[1]["converged"]


def test_csv_blank_lines_with_carriage_returns_are_blank():
    out = nl(run("solve", "--input", "-", "-q", input=b"distance_m\n \r \n\r\n10\r"))
    assert [(o["index"], o["line"]) for o in out] == [(0, 4)] and out[0]["converged"]


def test_csv_header_only_and_bad_header_only():
    res = run("solve", "--input", "-", input="distance_m,drag\n")
    assert res.exit_code == 0 and res.stdout == ""
    res = run("solve", "--input", "-", input="colour\n")
    assert res.exit_code == 1 and "unknown field in the CSV header: colour" in res.stderr


def test_csv_quoted_newline_in_the_header():
    res = run("solve", "--input", "-", "-q", input='"distance\n_m",drag\n10,linear\n')
    out = nl(res)
    assert len(out) == 1 and "unknown field" in out[0]["error"] and out[0]["line"] == 3


# -- the exit status agrees with the records -----------------------------------------------------

def test_exit_1_only_with_a_record_that_says_why():
    res = run("solve", "--input", "-", "-q", input=f'{{"distance_m": 1.0, "gravity_mps2": {BIG}}}')
    no_internal_error(res)
    (o,) = nl(res)
    assert res.exit_code == 1 and o["error"] == "field gravity_mps2: number out of range"


# -- CSV output is valid CSV whatever the messages hold ------------------------------------------

@pytest.mark.parametrize("key", ["a\\rb", "a\\r\\nb", "a\\nb", 'a\\"b,c', "\\ud800", "a\\u0000b"])
def test_csv_output_quotes_every_message(key):
    text = f'{{"distance_m": 10, "{key}": 1}}\n{{"distance_m": 20}}\n'
    res = run("solve", "--input", "-", "-q", "--csv", input=text)
    no_internal_error(res)
    rows = csv_rows(res)
    assert rows[0] == list(CSV_COLUMNS) and len(rows) == 3
    assert all(len(r) == len(CSV_COLUMNS) for r in rows)
    assert rows[1][0] == "0" and rows[2][0] == "1"
    assert rows[1][CSV_COLUMNS.index("error")].startswith("unknown field: ")
    assert res.exit_code == 1


def test_read_records_takes_bytes_and_text():
    recs = list(read_records(io.BytesIO(BOM + b"distance_m\n\xff\n5\n")))
    assert [(r.index, r.line) for r in recs] == [(0, 2), (1, 3)]
    assert recs[0].error.startswith("line 2: not UTF-8 text") and recs[1].fields == {
        "distance_m": 5.0}
    recs = list(read_records(io.StringIO('\ufeff{"distance_m": 1}\n')))
    assert recs[0].fields == {"distance_m": 1}


# -- the fuzz: random arguments and random batch bytes through the whole command ---------------
#
# Every run must: never say "internal error" (nor raise out of the command), exit 0, 1, 2 or 3,
# write output that parses in the format asked for, and answer every input record exactly once,
# in order (index 0, 1, ...; for NDJSON and CSV the line each record starts on). The exit
# status must agree with the records: 0 all solved, 3 some unsolved and none bad, 1 some record
# bad, or the batch as a whole unreadable with one "cannon: error:" line and no records.

import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FUZZ_EXAMPLES = int(os.environ.get("CANNON_FUZZ_EXAMPLES", "0"))
#: what the fuzz did (printed at the end with -s when CANNON_FUZZ_EXAMPLES is set)
STATS: Counter = Counter()
SLOWEST: list = []


def fuzz(default: int):
    return settings(max_examples=FUZZ_EXAMPLES or default, deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


@pytest.fixture(scope="module", autouse=True)
def _fuzz_stats():
    yield
    if FUZZ_EXAMPLES:
        print("\nfuzz:", json.dumps(dict(sorted(STATS.items())), indent=1))
        print("slowest run:", SLOWEST)


def parse_output(res, fmt: str) -> list[dict]:
    """The output records, checked to parse; CSV cells as strings keyed by column."""
    text = out_text(res)  # strict UTF-8
    if fmt == "--json":
        if not text:
            return []
        out = json.loads(text)
        assert isinstance(out, list)
        return out
    if fmt == "--csv":
        if not text:
            return []
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows[0] == list(CSV_COLUMNS)
        assert all(len(r) == len(CSV_COLUMNS) for r in rows[1:]), rows
        recs = []
        for r in rows[1:]:
            d = dict(zip(CSV_COLUMNS, r))
            recs.append({"index": int(d["index"]),
                         "line": int(d["line"]) if d["line"] else None,
                         "error": d["error"] or None, "converged": d["converged"] == "true"})
        return recs
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.split("\n")[:-1]]


def check_batch(res, fmt: str, expected: int | None = None, lines: list | None = None, *,
                kind: str):
    """The invariants of a batch run; ``expected`` records (and their ``lines``) when known."""
    STATS[f"{kind}: runs"] += 1
    no_internal_error(res)
    assert "Traceback" not in res.stderr
    assert res.exit_code in (0, 1, 2, 3), (res.exit_code, res.stderr)
    STATS[f"{kind}: exit {res.exit_code}"] += 1
    out = parse_output(res, fmt)
    STATS[f"{kind}: records out"] += len(out)
    assert [o["index"] for o in out] == list(range(len(out)))
    errors = [o for o in out if o.get("error")]
    unsolved = [o for o in out if not o.get("error") and not o["converged"]]
    STATS[f"{kind}: error records"] += len(errors)
    whole = [line for line in res.stderr.splitlines() if line.startswith("cannon: error: ")]
    if whole:  # the batch as a whole could not be read: said once, nothing answered
        assert res.exit_code == 1 and len(whole) == 1 and not out, res.stderr
        STATS[f"{kind}: unreadable as a whole"] += 1
    if expected is not None:
        STATS[f"{kind}: records in"] += expected
        if whole:
            assert expected == 0, f"{expected} records lost: {whole[0]}"
        else:
            assert len(out) == expected, (len(out), expected, res.stderr)
            if lines is not None:
                assert [o.get("line") for o in out] == lines
    if res.exit_code == 0:
        assert not errors and not unsolved and not whole
    elif res.exit_code == 3:
        assert not errors and unsolved
    elif res.exit_code == 1:
        assert errors or whole
    else:
        pytest.fail(f"exit 2 from a batch: {res.stderr}")
    for o in errors:  # an error record says where it is
        assert o["converged"] is False and isinstance(o["error"], str)
    return out


# Field values, as the bytes of JSON literals. Good ones stay in ranges where a solve is fast
# (drag none, linear, quadratic, speeds up to 200 m/s, distances up to 400 m).

def _num(lo: float, hi: float):
    return st.one_of(st.floats(lo, hi, allow_nan=False).map(lambda x: repr(x).encode()),
                     st.integers(int(lo) + 1, int(hi)).map(lambda n: str(n).encode()))


def _name(*names: str):
    return st.sampled_from([json.dumps(n).encode() for n in names])


GOOD = {
    b'"distance_m"': _num(1, 400), b'"target_height_m"': _num(-20, 20),
    b'"launch_height_m"': _num(0, 20), b'"velocity_mps"': _num(20, 200),
    b'"angle_deg"': _num(5, 75), b'"wind_mps"': _num(-10, 10),
    b'"mass_kg"': _num(0.5, 10), b'"gravity_mps2"': _num(1, 20),
    b'"drag"': _name("none", "linear", "quadratic"), b'"arc"': _name("low", "high"),
    b'"max_velocity_mps"': _num(50, 300), b'"humidity_pct"': _num(0, 100),
}


def _json_string_bytes(b: bytes) -> bytes:
    """A JSON string holding the bytes ``b`` raw (not UTF-8 ones included): only the
    characters JSON forbids raw are replaced."""
    return b'"' + bytes(c if c >= 0x20 and c not in b'"\\' else 0x3F for c in b) + b'"'


HOSTILE_VALUE = st.one_of(
    st.integers(300, 6000).map(lambda n: b"1" + b"0" * n),
    st.integers(300, 6000).map(lambda n: b"-9" + b"9" * n),
    st.sampled_from([b"1e400", b"-1e999", b"1E+309", b"123456789.0e400", b"NaN", b"Infinity",
                     b"-Infinity", b"null", b"true", b"false", b"0", b"-0", b"-1", b"1e308",
                     b"-1e308", b"5e-324", b"1e-400", b'""', b'"linear"', b'"\\ud800"',
                     b'"a\\u0000b"', b'"\\r\\n"', b"[]", b"{}", b"[1, 2]", b'{"a": 1e400}',
                     b'[1e400]', b'"%s"' % (b"x" * 300)]),
    st.binary(max_size=12).map(_json_string_bytes),
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
)
HOSTILE_KEY = st.one_of(
    st.sampled_from([b'"colour"', b'"a\\rb"', b'"a\\r\\nb"', b'"\\ud800"', b'""',
                     b'"distance_m "', b'"a,b\\"c"', b'"\\u0000"']),
    st.binary(max_size=10).map(_json_string_bytes),
)


def chance(draw, percent: int) -> bool:
    """True about ``percent`` times in 100. Hypothesis leans on the simplest draw (0), so 0
    gives the likelier outcome (st.floats(0, 1) leans on both ends)."""
    n = draw(st.integers(0, 99))
    return n < percent if percent >= 50 else n >= 100 - percent


@st.composite
def json_record(draw, hostile: int = 15) -> bytes:
    """One JSON object as bytes (always well formed: its values may be anything); ``hostile``
    is the percentage of hostile keys and values."""
    def value(key: bytes) -> bytes:
        if key in GOOD and not chance(draw, hostile):
            return draw(GOOD[key])
        return draw(HOSTILE_VALUE)

    pairs = []
    if chance(draw, 95):
        pairs.append((b'"distance_m"', value(b'"distance_m"')))
    for _ in range(draw(st.integers(0, 3))):
        key = (draw(HOSTILE_KEY) if chance(draw, hostile)
               else draw(st.sampled_from(sorted(GOOD))))
        pairs.append((key, value(key)))
    return b"{" + b", ".join(k + b": " + v for k, v in pairs) + b"}"


JUNK_LINE = st.binary(min_size=1, max_size=40).filter(  # (a BOM first would be skipped)
    lambda b: b"\n" not in b and b.strip() and not b.startswith(BOM))
BLANK_LINE = st.sampled_from([b"", b" ", b"\t", b"\r", b"  \t "])
BATCH_FLAGS = st.lists(st.sampled_from([
    ("--chunk-size", "1"), ("--chunk-size", "2"), ("--chunk-size", "3"), ("--velocity", "150"),
    ("--angle", "40"), ("--drag", "linear"), ("--drag", "quadratic"), ("--solver", "newton"),
    ("--target-height", "5"), ("--wind", "-3"), ("-q",)]), max_size=3, unique=True).filter(
        lambda flags: not {("--velocity", "150"), ("--angle", "40")} <= set(flags))  # usage


@st.composite
def ndjson_input(draw):
    """NDJSON bytes and the line of each record: objects, junk lines, blank lines, CRLF or LF,
    maybe a BOM; under "auto" the first non-blank line is an object (else it is CSV)."""
    auto = draw(st.booleans())
    items = draw(st.lists(st.one_of(json_record().map(lambda b: ("rec", b)),
                                    JUNK_LINE.map(lambda b: ("junk", b)),
                                    BLANK_LINE.map(lambda b: ("blank", b))),
                          max_size=8))
    if auto:
        items.insert(draw(st.integers(0, sum(k == "blank" for k, _ in items[:1]))),
                     ("rec", draw(json_record())))
        first = next(i for i, (k, _) in enumerate(items) if k != "blank")
        if items[first][0] == "junk":
            items[first] = ("rec", draw(json_record()))
    ends = draw(st.lists(st.sampled_from([b"\n", b"\r\n"]), min_size=len(items),
                         max_size=len(items)))
    chunks, lines = [], []
    for n, ((kind, text), end) in enumerate(zip(items, ends), start=1):
        if kind != "blank" and text.strip():
            lines.append(n)
        chunks.append(text + end)
    data = b"".join(chunks)
    if chunks and draw(st.booleans()):
        data = data[:-1]  # no newline at the end (or a \r left alone there)
        if data.endswith(b"\r"):
            data = data[:-1]
    flags = () if auto else ("--input-format", "ndjson")
    return data, lines, flags


@st.composite
def json_document(draw):
    """A JSON array of records and other values (well formed), or one pretty object."""
    if draw(st.booleans()):
        pairs = draw(json_record())[1:-1]
        sep = b",\n  " if draw(st.booleans()) else b", "
        return b"{\n  " + pairs.replace(b", ", sep) + b"\n}\n", 1
    elements = draw(st.lists(st.one_of(json_record(), HOSTILE_VALUE), max_size=6))
    sep = draw(st.sampled_from([b", ", b",\n  ", b",\r\n"]))
    open_, close = (b"[", b"]") if sep == b", " else (b"[\n  ", b"\n]\n")
    return open_ + sep.join(elements) + close, len(elements)


CSV_COLUMNS_IN = [c.encode() for c in ("distance_m", "velocity_mps", "angle_deg", "drag",
                                       "target_height_m", "wind_mps", "arc", "gravity_mps2")]
SOLID_CELL = st.one_of(  # never blank: the first cell of a row, so every row is a record
    _num(1, 400), st.sampled_from([b"abc", b"1e400", b"1" + b"0" * 400, b"-5", b"nan", b"\xff",
                                   b"\x9d\x00", b"1\r0", b"inf", b"x" * 50]))
CELL = st.one_of(
    SOLID_CELL, st.sampled_from([b"", b" ", b"linear", b"none", b"high", b"quadratic"]),
    st.binary(max_size=8).map(lambda b: b'"' + b.replace(b'"', b'""') + b'"'),
    st.sampled_from([b'"1\r0"', b'"li\nnear"', b'"\r\n"', b'"a,b"', b'"x""y"', b'"\r"']),
    st.binary(max_size=6).filter(lambda b: not set(b) & set(b'",\r\n')))


@st.composite
def csv_input(draw):
    """CSV bytes and the line each record starts on: a header, rows of hostile cells (quoted
    cells with \\r, \\n and bytes that are not UTF-8, bare \\r, a wrong number of cells), blank
    lines in between."""
    header = draw(st.lists(st.sampled_from(CSV_COLUMNS_IN), min_size=1, max_size=4,
                           unique=True))
    if chance(draw, 10):
        header.append(draw(st.sampled_from([b"colour", b'"a\r\nb"', b"distance_m", b"\xfe"])))
    out, lines = [b",".join(header)], []
    lines_so_far = 1 + out[0].count(b"\n")
    for _ in range(draw(st.integers(0, 6))):
        if chance(draw, 20):
            out.append(draw(st.sampled_from([b"", b"  ", b",,", b"\r"])))
            lines_so_far += 1
            continue
        width = len(header) + draw(st.sampled_from([0, 0, 0, 0, -1, 1]))
        cells = [draw(SOLID_CELL)] + [draw(CELL) for _ in range(max(width, 1) - 1)]
        row = b",".join(cells)
        lines.append(lines_so_far + 1)
        lines_so_far += 1 + row.count(b"\n")
        out.append(row)
    end = draw(st.sampled_from([b"\n", b"\r\n"]))
    data = end.join(out) + (end if draw(st.booleans()) else b"")
    return data, lines


def timed(args, input=None, data=None):
    """`run`, keeping the slowest run's time, arguments and input (``data`` for a file)."""
    start = time.perf_counter()
    res = run(*args, input=input)
    took = time.perf_counter() - start
    if took > STATS["slowest run s"]:
        STATS["slowest run s"] = round(took, 2)
        data = input if data is None else data
        SLOWEST[:] = [args, data[:300] if data else None]
    return res


def run_batch(data: bytes, flags, fmt: str, via_file: bool):
    args = ["solve", "--input", "-", fmt, *flags]
    if not via_file:
        return timed(args, input=data)
    with tempfile.NamedTemporaryFile(suffix=".in", delete=False) as f:
        f.write(data)
    try:
        args[2] = f.name
        return timed(args, data=data)
    finally:
        os.unlink(f.name)


OUT_FMT = st.sampled_from(["--nl", "--json", "--csv"])


@fuzz(70)
@given(case=ndjson_input(), fmt=OUT_FMT, bom=st.booleans(), via_file=st.booleans(),
       flags=BATCH_FLAGS)
def test_fuzz_ndjson_every_line_answered(case, fmt, bom, via_file, flags):
    data, lines, fmt_flags = case
    res = run_batch((BOM if bom else b"") + data, [*fmt_flags, *sum(flags, ())], fmt, via_file)
    check_batch(res, fmt, len(lines), lines, kind="ndjson")


@fuzz(50)
@given(case=json_document(), fmt=OUT_FMT, bom=st.booleans(), explicit=st.booleans(),
       flags=BATCH_FLAGS)
def test_fuzz_json_document_every_element_answered(case, fmt, bom, explicit, flags):
    data, count = case
    fmt_flags = ["--input-format", "json"] if explicit else []
    res = run_batch((BOM if bom else b"") + data, [*fmt_flags, *sum(flags, ())], fmt, False)
    out = check_batch(res, fmt, count, kind="json")
    assert all(o.get("line") is None for o in out)


@fuzz(70)
@given(case=csv_input(), fmt=OUT_FMT, bom=st.booleans(), via_file=st.booleans(),
       flags=BATCH_FLAGS)
def test_fuzz_csv_every_row_answered(case, fmt, bom, via_file, flags):
    data, lines = case
    res = run_batch((BOM if bom else b"") + data, sum(flags, ()), fmt, via_file)
    check_batch(res, fmt, len(lines), lines, kind="csv")


@st.composite
def mangled(draw):
    """Any of the inputs above with bytes flipped, cut, inserted or deleted: only the
    invariants hold (no record count is known)."""
    data = draw(st.one_of(ndjson_input().map(lambda c: c[0]), json_document().map(lambda c: c[0]),
                          csv_input().map(lambda c: c[0]), st.binary(max_size=200)))
    data = bytearray(data)
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.sampled_from([b"\r", b"\n", b'"', b",", b"{", b"[", b"]",
                                                b"\xef\xbb\xbf", b"\x00", b"\xff", b"\\"]))
        elif at < len(data):
            del data[at]
    return bytes(data)


@fuzz(80)
@given(data=mangled(), fmt=OUT_FMT,
       input_format=st.sampled_from(["auto", "auto", "json", "ndjson", "csv"]),
       flags=BATCH_FLAGS)
def test_fuzz_any_bytes_keep_the_invariants(data, fmt, input_format, flags):
    res = run_batch(data, ["--input-format", input_format, *sum(flags, ())], fmt, False)
    check_batch(res, fmt, kind="mangled")


# Random arguments for a single solve, in ranges where one solve is fast. adam and gd run
# with --max-iter at most 50: at their defaults (2000 iterations) one solve takes 1 to 6 s
# (e.g. `cannon solve --distance 300 --drag quadratic --solver adam`, 5.7 s), which is the
# slow-solve work going on elsewhere, not this test's business.

def _arg(good, *hostile: str):
    """Mostly a good value, sometimes a hostile one."""
    return st.one_of(*[good] * 6, st.sampled_from(hostile)) if hostile else good


def _text(lo: float, hi: float):
    return st.floats(lo, hi, allow_nan=False).map(lambda x: f"{x:.6g}")


BAD_NUMBERS = ("-1", "0", "nan", "inf", "-inf", "1e400", "abc", "", "1e308", "-1e308", "5e-324")
SOLVE_OPTIONS = {
    "--target-height": _arg(_text(-30, 30), *BAD_NUMBERS),
    "--launch-height": _arg(_text(0, 30), *BAD_NUMBERS),
    "--gravity": _arg(_text(1, 25), *BAD_NUMBERS),
    "--drag": st.sampled_from(["none", "linear", "quadratic", "none", "linear", "quadratic",
                               "QUADRATIC", "cubic", "table"]),
    "--mass": _arg(_text(0.1, 20), "175gr", "20g", "12lb", "-1", "0", "1e400", "1xx"),
    "--diameter": _arg(_text(0.01, 0.5), "0.308in", "7.62mm", "0", "nan"),
    "--drag-coefficient": _arg(_text(0, 1), "-1", "nan"),
    "--linear-drag": _arg(_text(0, 1), "-1", "inf"),
    "--wind": _arg(_text(-15, 15), *BAD_NUMBERS),
    "--arc": st.sampled_from(["low", "high", "low", "high", "middle"]),
    "--max-velocity": _arg(_text(30, 400), "0", "-5", "3000fps", "nan"),
    "--tol": st.sampled_from(["1e-6", "1e-12", "1e-9", "1e-3", "0", "-1", "nan", "1e-300"]),
    "--altitude": _arg(_text(-100, 3000), "20000", "-9999"),
    "--temperature": _arg(_text(-30, 40), "500"),
    "--humidity": _arg(_text(0, 100), "101"),
    "--atmosphere": st.sampled_from(["constant", "icao", "constant", "icao", "mars"]),
}


@st.composite
def solve_args(draw) -> list[str]:
    args = ["solve"]
    if chance(draw, 95):
        args += ["--distance", draw(_arg(_text(1, 400), "-1", "0", "nan", "1e400", "abc",
                                         "100yd", "300m", "1e308"))]
    unknown = draw(st.sampled_from(["both", "angle", "speed"] * 5 + ["conflict"]))
    if unknown in ("angle", "conflict"):
        args += ["--velocity", draw(_arg(_text(10, 250), "0", "-10", "2600fps", "inf"))]
    if unknown in ("speed", "conflict"):
        args += ["--angle", draw(_arg(_text(-80, 85), "90", "-90", "nan"))]
    for name in draw(st.lists(st.sampled_from(sorted(SOLVE_OPTIONS)), max_size=4, unique=True)):
        args += [name, draw(SOLVE_OPTIONS[name])]
    solver = draw(st.sampled_from(["lbfgs", "newton", "adam", "gd"]))
    args += ["--solver", solver]
    if solver in ("adam", "gd"):
        args += ["--max-iter", str(draw(st.integers(1, 50)))]
    elif draw(st.booleans()):
        args += ["--max-iter", draw(st.sampled_from(["1", "5", "20", "100", "0", "-3", "x"]))]
    fmt = draw(st.sampled_from([None, "--json", "--nl", "--csv"]))
    if fmt:
        args.append(fmt)
    if draw(st.booleans()):
        args.append("-q")
    if chance(draw, 5):
        args += draw(st.sampled_from([["--bogus"], ["--json", "--nl"], ["--plot", "x.txt"]]))
    return args


@fuzz(80)
@given(args=solve_args())
def test_fuzz_single_solve_arguments(args):
    STATS["solve: runs"] += 1
    res = timed(args)
    no_internal_error(res)
    assert "Traceback" not in res.output
    assert res.exit_code in (0, 1, 2, 3), (args, res.exit_code, res.output)
    STATS[f"solve: exit {res.exit_code}"] += 1
    if res.exit_code in (1, 2):
        assert res.stdout == "", (args, res.stdout)
        if res.exit_code == 1:
            errors = [line for line in res.stderr.splitlines() if line.startswith("cannon: ")]
            assert len(errors) == 1 and errors[0].startswith("cannon: error: "), res.stderr
        return
    fmt = next((a for a in args if a in ("--json", "--nl", "--csv")), None)
    if fmt == "--json":
        out = [json.loads(out_text(res))]
    elif fmt is not None:
        out = parse_output(res, fmt)
        assert [o["index"] for o in out] == [0]
    else:
        assert res.stdout == ""
        return
    assert out[0]["converged"] is (res.exit_code == 0)


# ---- one record's numbers, as `Problem` checks them ----------------------------------------

@pytest.mark.parametrize("value, says", [
    (True, "must be a number"), ("12", "must be a number"), (None, "must be a number"),
    ([1.0], "must be a number"), (float("nan"), "must be finite"),
    (float("inf"), "must be finite"),
])
def test_a_field_that_is_no_finite_number_is_that_records_error(value, says):
    from cannon_cli.errors import InputError
    from cannon_cli.problem import Problem

    with pytest.raises(InputError, match=says) as e:
        Problem(distance=100.0, mass=value)
    assert e.value.field == "mass_kg"


def test_numbers_of_any_kind_are_kept_as_floats_and_echoed():
    import numpy as np

    from cannon_cli.problem import Problem

    p = Problem(distance=np.float64(100.0), mass=2, wind=-3, velocity=150)
    assert all(type(v) is float for v in (p.distance, p.mass, p.wind, p.velocity))
    echo = p.to_json()
    assert echo["distance_m"] == 100.0 and echo["mass_kg"] == 2.0 and echo["wind_mps"] == -3.0
    assert "angle_deg" not in echo and "crosswind_mps" not in echo  # unset, and zero: quiet
    assert Problem.from_json(echo) == p


def test_a_number_that_is_not_finite_is_written_as_null_at_any_depth():
    """A JSON line never carries NaN or Infinity (not JSON): nested in lists too, where a
    flight's points or a correction's knots would put one."""
    from cannon_cli.io.writers import dumps

    line = dumps({"a": float("nan"), "b": [1.5, float("inf"), {"c": float("-inf")}],
                  "d": (2.0, float("nan")), "e": "é"})
    assert json.loads(line) == {"a": None, "b": [1.5, None, {"c": None}], "d": [2.0, None],
                                "e": "é"}
    assert "NaN" not in line and "Infinity" not in line
