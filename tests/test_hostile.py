"""Hostile batch input: byte order marks, bytes that are not UTF-8, numbers beyond float range,
carriage returns in CSV cells, error messages that CSV must quote; then a property-based fuzz of
the whole command (random arguments, random batch bytes) through typer's CliRunner.

The fuzz runs a few hundred examples by default; CANNON_FUZZ_EXAMPLES=N runs N per property,
e.g. ``CANNON_FUZZ_EXAMPLES=4000 python -m pytest -q tests/test_hostile.py -k fuzz``.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from cannon_cli.cli import app
from cannon_cli.io import CSV_COLUMNS, read_records

runner = CliRunner()
BOM = b"\xef\xbb\xbf"


def run(*args, input=None):
    return runner.invoke(app, list(args), prog_name="cannon", input=input)


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
