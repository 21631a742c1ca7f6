"""Batches on Dask (issue 15): `cannon solve --input FILE --workers N / --scheduler ADDRESS`.

One LocalCluster(n_workers=2, threads_per_worker=1) serves the module: the command is pointed
at it through `dask_run.Runner`'s ``client``, and every answer is compared with the single
process's, byte for byte, exit status included."""

from __future__ import annotations

import functools
import io
import json
import logging
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cannon_cli.io import dask as dask_run
from cannon_cli.io import dask_local
from cannon_cli.cli import app
from cannon_cli.errors import InputError
from cannon_cli.io.reader import read_records

distributed = pytest.importorskip("distributed")

runner = CliRunner()

#: good and bad records mixed: solved, out of reach, not JSON, a bad value, an unknown field,
#: bytes that are not UTF-8, a record that is not an object, blank lines
MIXED = b"".join([
    b'{"distance_m": 120, "velocity_mps": 60, "drag": "quadratic"}\n',
    b'{"distance_m": -1}\n',
    b"\n",
    b"{not json\n",
    b'{"distance_m": 300, "drag": "linear"}\n',
    b'{"distance_m": 5000, "velocity_mps": 50}\n',
    b'{"distance_m": 100, "colour": "red"}\n',
    b'{"distance_m": 80, "velocity_mps": 40, "arc": "high"}\n',
    b'{"distance_m": "\xff\xfe"}\n',
    b"[1, 2]\n",
    b"   \n",
    b'{"distance_m": 250, "angle_deg": 30, "drag": "quadratic", "wind_mps": -3}\n',
    b'{"distance_m": 1e400}\n',
    b'{"distance_m": 150, "sight_height_m": 0.05, "zero_m": 100, "velocity_mps": 90}\n',
    b'{"distance_m": 300, "velocity_mps": 90, "drag": "quadratic", "crosswind_mps": 5}\n',
])


@pytest.fixture(scope="module")
def client():
    import dask

    with dask.config.set({"distributed.scheduler.worker-saturation":
                          dask_run.WORKER_SATURATION}):  # as the command's own cluster
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=logging.CRITICAL,
            scheduler_kwargs={**dask_run.LOCAL_SCHEDULER,
                              "allowed_failures": 0})  # a worker's death fails its chunk
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture
def on_cluster(client, monkeypatch):
    """The command's --workers and --scheduler run on the shared cluster; ``task`` (optional)
    replaces what runs on a worker."""
    def use(task=dask_run.solve_task):
        monkeypatch.setattr(dask_run, "Runner", functools.partial(
            _Runner, client=client, task=task))
    use()
    return use


_Runner = dask_run.Runner


def run(*args, input=None):
    return runner.invoke(app, list(args), prog_name="cannon", input=input)


def both(data: bytes, *args):
    """The single process's result and the Dask run's, of ``solve --input - ARGS``."""
    single = run("solve", "--input", "-", "-q", *args, input=data)
    dask = run("solve", "--input", "-", "-q", "--workers", "2", *args, input=data)
    return single, dask


@pytest.mark.parametrize("fmt", ["--nl", "--json", "--csv"])
def test_mixed_batch_is_byte_identical_to_the_single_process(on_cluster, fmt):
    single, dask = both(MIXED, fmt, "--chunk-size", "3")
    assert single.exit_code == 1 and "not valid JSON" in single.stdout
    assert dask.stdout_bytes == single.stdout_bytes
    assert dask.exit_code == single.exit_code
    assert dask.stderr == single.stderr


@pytest.mark.parametrize("name, data", [
    ("csv", b"distance_m,velocity_mps,drag\n100,50,linear\n\n-3,,\n200,,quadratic\nx,y\n"),
    ("json array", json.dumps([{"distance_m": d} for d in (50, -1, 150, 90)]).encode()),
    ("bom and blank lines", b"\xef\xbb\xbf\n\n" + MIXED),
    ("broken first line", b"{\n" + MIXED),
])
def test_other_inputs_are_identical_too(on_cluster, name, data):
    single, dask = both(data, "--nl", "--chunk-size", "2", "--velocity", "70")
    assert (dask.stdout_bytes, dask.exit_code) == (single.stdout_bytes, single.exit_code)


def test_summary_and_exit_3_as_without_dask(on_cluster):
    data = b'{"distance_m": 100}\n{"distance_m": 5000, "velocity_mps": 50}\n'
    single = run("solve", "-i", "-", input=data)
    dask = run("solve", "-i", "-", "--workers", "2", input=data)
    assert single.exit_code == dask.exit_code == 3
    assert dask.stdout == single.stdout and dask.stderr == single.stderr


def _kill_once(marker, target, chunk, *args):
    """Solve the chunk, but the first worker that gets chunk ``target`` dies (the marker file
    says that one has)."""
    if chunk.base == target:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            pass
        else:
            os._exit(1)
    return dask_run.solve_task(chunk, *args)


def _kill_always(target, chunk, *args):
    if chunk.base == target:
        os._exit(1)
    return dask_run.solve_task(chunk, *args)


def _raise(target, chunk, *args):
    if chunk.base == target:
        raise RuntimeError("solver exploded\nsecond line")
    return dask_run.solve_task(chunk, *args)


def test_a_worker_killed_mid_run_loses_nothing(on_cluster, tmp_path):
    data = MIXED * 3
    single = run("solve", "-i", "-", "-q", "--nl", "--chunk-size", "4", input=data)
    on_cluster(functools.partial(_kill_once, str(tmp_path / "died"), 8))
    dask = run("solve", "-i", "-", "-q", "--nl", "--chunk-size", "4", "--workers", "2",
               input=data)
    assert (tmp_path / "died").exists()  # a worker did die, holding chunk 2
    assert (dask.stdout_bytes, dask.exit_code) == (single.stdout_bytes, single.exit_code)


def _preloaded() -> bool:
    return all(m in sys.modules for m in dask_local.WORKER_MODULES)


def test_the_commands_own_cluster_forks_its_workers_ready_and_loses_nothing(monkeypatch,
                                                                             tmp_path):
    # the workers of --workers N come from the fork server with the solver imported; the one
    # started again after a death is spawned by Dask, and the chunk it lost is solved again
    data = MIXED * 3
    single = run("solve", "-i", "-", "-q", "--nl", "--chunk-size", "4", input=data)
    own = dask_run.Runner(workers=2, task=functools.partial(
        _kill_once, str(tmp_path / "died"), 8))
    try:
        assert list(own.client.run(_preloaded).values()) == [True, True]
    except BaseException:
        own.close()
        raise
    monkeypatch.setattr(dask_run, "Runner", lambda **_: own)  # the command's, and it closes it
    dask = run("solve", "-i", "-", "-q", "--nl", "--chunk-size", "4", "--workers", "2",
               input=data)
    assert (tmp_path / "died").exists()
    assert (dask.stdout_bytes, dask.exit_code) == (single.stdout_bytes, single.exit_code)
    assert own.client.status == "closed"


def _records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_a_chunk_whose_workers_keep_dying_is_answered_with_errors(on_cluster, client):
    data = b"".join(b'{"distance_m": %d}\n' % d for d in range(50, 60))
    on_cluster(functools.partial(_kill_always, 4))
    res = run("solve", "-i", "-", "-q", "--nl", "--chunk-size", "4", "--workers", "2",
              input=data)
    out = _records(res.stdout)
    assert [o["index"] for o in out] == list(range(10))
    assert [o["line"] for o in out] == list(range(1, 11))
    assert all(o["converged"] for o in out[:4] + out[8:])
    for o in out[4:8]:
        assert o["converged"] is False
        assert o["error"].startswith("not solved: the Dask workers running its chunk died 2 "
                                     "times")  # once per submission
    assert res.exit_code == 1
    client.wait_for_workers(2, timeout=60)  # the nannies bring them back for the next test


def test_a_chunk_that_raises_is_answered_with_errors(on_cluster):
    data = b"".join(b'{"distance_m": %d}\n' % d for d in range(50, 56))
    on_cluster(functools.partial(_raise, 2))
    res = run("solve", "-i", "-", "-q", "--csv", "--chunk-size", "2", "--workers", "2",
              input=data)
    rows = res.stdout.splitlines()
    assert len(rows) == 7 and res.exit_code == 1
    assert [r.split(",")[0] for r in rows[1:]] == ["0", "1", "2", "3", "4", "5"]
    assert all("not solved: its chunk failed on Dask: RuntimeError: solver exploded" in r
               for r in rows[3:5])
    assert "second line" not in res.stdout


def test_scheduler_address_runs_on_that_cluster_and_leaves_it_running(client):
    import dask

    address = client.scheduler.address
    single = run("solve", "-i", "-", "-q", "--nl", "--chunk-size", "3", input=MIXED)
    dask_run_ = run("solve", "-i", "-", "-q", "--nl", "--chunk-size", "3", "--scheduler", address,
                    input=MIXED)
    assert (dask_run_.stdout_bytes, dask_run_.exit_code) == (single.stdout_bytes,
                                                             single.exit_code)
    assert len(client.nthreads()) == 2  # the cluster is not the command's to close
    # the driver does not keep the last 1000 chunks it sent (Dask's debugging log)
    assert dask.config.get("distributed.admin.low-level-log-length") == (
        dask_run.LOW_LEVEL_LOG_LENGTH)


# -- flags ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("--distance", "100", "--workers", "2"),
    ("--distance", "100", "--scheduler", "tcp://127.0.0.1:8786"),
    ("--input", "-", "--workers", "0"),
    ("--input", "-", "--workers", "two"),
    ("--input", "-", "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"),
    ("--input", "-", "--scheduler", " "),
])
def test_flags_that_do_not_go_together_are_usage_errors(args):
    res = run("solve", *args, input="")
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and res.stdout == ""


def test_a_scheduler_that_cannot_be_reached_is_one_line(monkeypatch):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        res = run("solve", "-i", "-", "-q", "--scheduler", "tcp://127.0.0.1:9", input=b"{}\n")
    assert res.exit_code == 1 and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("cannon: error: cannot reach the Dask scheduler --scheduler "
                               "tcp://127.0.0.1:9")


def test_without_dask_installed_the_flags_say_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    res = run("solve", "-i", "-", "--workers", "2", input=b"{}\n")
    assert res.exit_code == 1 and res.stdout == ""
    assert res.stderr == ("cannon: error: --workers and --scheduler need Dask: pip install "
                          "'cannon-cli[dask]'\n")


def test_without_the_flags_dask_is_not_imported(tmp_path):
    path = tmp_path / "t.ndjson"
    path.write_bytes(MIXED)
    code = ("import sys\nfrom cannon_cli.cli import app\n"
            f"try:\n    app(['solve', '--input', {str(path)!r}, '-q'], prog_name='cannon')\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('dask', 'distributed', 'tornado')))\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(pathlib.Path(dask_run.__file__).parents[2])] + sys.path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr


# -- the driver's NDJSON lines are the reader's records -------------------------------------

def _read_by_chunks(data: bytes, fmt: str, size: int):
    try:
        return [(r.index, r.line, r.fields, r.error)
                for chunk in dask_run._chunks(dask_run.source(io.BytesIO(data), fmt), size)
                for r in chunk.read()]
    except InputError as e:
        return str(e)


def _read_whole(data: bytes, fmt: str):
    try:
        return [(r.index, r.line, r.fields, r.error)
                for r in read_records(io.BytesIO(data), fmt)]
    except InputError as e:
        return str(e)


_PIECES = [b"\n", b"  \n", b"\r\n", b"\xef\xbb\xbf", b"{", b"}", b"[", b"]", b'"distance_m"',
           b": 12", b",", b"\xff", b"1e999", b'{"distance_m": 5}\n', b"distance_m\n", b"7\n",
           b"{\"a\": [1, {\"b\": 2}]}\n", b"\r", b"[{}]\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=30),
       st.sampled_from(["auto", "ndjson", "json", "csv"]), st.integers(1, 4))
def test_chunks_read_the_records_the_reader_reads(pieces, fmt, size):
    data = b"".join(pieces)
    assert _read_by_chunks(data, fmt, size) == _read_whole(data, fmt)


# -- through the installed command ------------------------------------------------------------

CANNON = shutil.which("cannon")


@pytest.mark.skipif(CANNON is None, reason="the cannon console script is not installed")
def test_ctrl_c_stops_the_cluster_and_exits_130_with_whole_lines(tmp_path):
    path = tmp_path / "t.ndjson"
    path.write_text("".join(json.dumps({"distance_m": 50 + i % 400, "velocity_mps": 150,
                                        "drag": "quadratic"}) + "\n" for i in range(40000)))
    p = subprocess.Popen([CANNON, "solve", "--input", str(path), "--nl", "--chunk-size", "256",
                          "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    first = p.stdout.readline()  # it is under way
    time.sleep(0.3)
    os.killpg(p.pid, signal.SIGINT)  # as a terminal does: to the workers too
    rest = p.stdout.read()
    err = p.stderr.read()
    assert p.wait(timeout=60) == 130
    lines = (first + rest).splitlines()
    assert 0 < len(lines) < 40000
    assert [json.loads(line)["index"] for line in lines] == list(range(len(lines)))
    assert err.strip().splitlines() == ["cannon: error: interrupted"], err


@pytest.mark.parametrize("fmt", [(), ("--json",)])  # for people (the driver renders); JSON
def test_a_firing_table_on_dask_is_the_same(on_cluster, fmt):
    args = ("table", "--from", "100", "--to", "700", "--step", "100", "--velocity", "150",
            "--drag", "quadratic", "--sight-height", "0.05", "--zero", "100", "--chunk-size", "3",
            *fmt)
    single = run(*args)
    dask = run(*args, "--workers", "2")
    assert single.exit_code == 3  # the far rows are out of reach
    assert (dask.stdout_bytes, dask.exit_code, dask.stderr) == (
        single.stdout_bytes, single.exit_code, single.stderr)


@pytest.mark.parametrize("fmt", [(), ("--csv",)])
def test_a_three_dimensional_firing_table_on_dask_is_the_same(on_cluster, fmt):
    args = ("table", "--from", "100", "--to", "700", "--step", "150", "--velocity", "150",
            "--drag", "quadratic", "--crosswind", "5", "--latitude", "45", "--azimuth", "90",
            "--chunk-size", "2", *fmt)
    single = run(*args)
    dask = run(*args, "--workers", "2")
    assert "drift" in single.stdout
    assert (dask.stdout_bytes, dask.exit_code, dask.stderr) == (
        single.stdout_bytes, single.exit_code, single.stderr)
