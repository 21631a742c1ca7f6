"""Batches on Dask (issue 15): `cannon solve --input FILE --workers N | --scheduler ADDRESS`.

The chunks of `batch.run` are independent, so they are solved on Dask workers (`distributed`,
the optional extra ``cannon-cli[dask]``) while this process, the driver, reads the input as a
stream, cuts it into the same chunks, and writes every answer strictly in input order through
the same writer: the output is byte for byte the single process's, exit status included.

- **Work on the workers.** An NDJSON input is cut into chunks of raw lines: the workers parse
  them (`reader._ndjson`, the reader's own code), solve them (`batch.solve_chunk`) and render the
  output text (the writer's own code); the driver only splits lines and writes text. CSV and
  JSON documents are parsed by the driver (`reader.read_records`) and sent as records. A firing
  table for people (`render.FiringTableWriter`) is rendered by the driver.
- **In flight.** At most `IN_FLIGHT_PER_THREAD` chunks per worker thread (at least
  `MIN_IN_FLIGHT`) are submitted and not yet written; the driver reads the next chunk only when
  one is written, so it holds those chunks and their answers and nothing more, whatever the
  size of the input.
- **Order.** The driver waits for the oldest chunk in flight and writes it; a chunk that
  finishes early waits its turn.
- **Failures.** A worker that dies holding a chunk is Dask's to handle first: the scheduler
  runs the chunk again on another worker, up to ``distributed.scheduler.allowed-failures``
  deaths (3 by default), then gives up (`KilledWorker`); the driver then submits it once more
  (`SUBMISSIONS`), since a chunk can die with a worker that another chunk killed. A chunk that
  raised is run once more (``retries=1``). A chunk that still fails is not lost: each of its
  records gets an error record that says so (exit 1).
- **Ctrl-C.** The chunks in flight are cancelled, what was written stays whole lines (the
  writer holds Ctrl-C back while it writes), the cluster is closed, exit 130 (`cli._guard`).

Nothing here imports Dask, numpy or the solvers until a `Runner` is made: without --workers and
--scheduler a batch does not pay for them, and `cli` imports this module at no cost.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional, Union

from ..errors import CannonError, ExitCode
from . import dask_local as local

if TYPE_CHECKING:
    from .batch import Tally
    from .reader import Record
    from .writers import Writer

#: chunks submitted and not yet written, per worker thread (at least `MIN_IN_FLIGHT` in all)
IN_FLIGHT_PER_THREAD = 2
MIN_IN_FLIGHT = 2
#: times a chunk is submitted when its workers die: a worker that dies takes with it the
#: chunks queued on it, not only the one that killed it
SUBMISSIONS = 2
#: chunks queued on a local worker: one per thread (Dask's default, 1.1, queues a second one,
#: which a worker that dies takes with it)
WORKER_SATURATION = 1.0
#: messages that Dask keeps on each connection for debugging (its default 1000 held, in the
#: driver, the last 1000 chunks sent: measured, 0.3 MiB more RSS per chunk of 1024 lines)
LOW_LEVEL_LOG_LENGTH = 16
#: Dask settings for a local cluster: `WORKER_SATURATION`; glibc's own heap trimming (Dask
#: sets MALLOC_TRIM_THRESHOLD_=65536 for its workers, which hands memory back to the system
#: after every chunk and takes it again: measured, more system CPU); no statistical profiler
#: sampling the solving thread every 10 ms (the dashboard's, and there is no dashboard); and
#: Dask's periodic checks less often: the event loop's health every 500 ms (not 20), the
#: processes' CPU and memory for the dashboard every 5 s (not 0.5), the workers' memory against
#: their limits every second (not 0.1): measured on an idle cluster of 2 workers, the driver
#: and workers burnt 75-82 ms of CPU a second, 14 ms with these
LOCAL_CONFIG = {"distributed.scheduler.worker-saturation": WORKER_SATURATION,
                "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                "distributed.worker.profile.enabled": False,
                "distributed.admin.tick.interval": "500ms",
                "distributed.admin.system-monitor.interval": "5s",
                "distributed.worker.memory.monitor-interval": "1s"}
#: no dashboard; the scheduler's HTTP server (health checks) on a free local port, not on
#: 8787 (where it warns when another cluster has it)
LOCAL_SCHEDULER = {"dashboard_address": "127.0.0.1:0"}
INSTALL_HINT = "pip install 'cannon-cli[dask]'"


class DaskError(CannonError):
    """Dask is not installed, or the scheduler cannot be reached: one line, exit 1."""

    exit_code = ExitCode.BAD_INPUT


# -- what travels to a worker ---------------------------------------------------------------

@dataclass
class Chunk:
    """One chunk of the input: ``lines``, the (line number, bytes) of NDJSON lines that are
    not blank, the first of them record number ``base``; or ``records``, already read. (One
    object, so that Dask does not walk thousands of items looking for its own.)"""

    base: int = 0
    lines: Optional[list] = None
    records: Optional[list] = None

    def __len__(self) -> int:
        return len(self.lines if self.lines is not None else self.records)

    def read(self) -> list:
        """The chunk's records, as `reader.read_records` reads them."""
        if self.records is not None:
            return self.records
        from .reader import _ndjson

        # numbered from ``base`` as they are read (renumbering them after, with
        # dataclasses.replace, cost 5 % of a chunk's solve)
        return list(_ndjson(self.lines, self.base))

    def heads(self) -> list:
        """(index, line) of each record, without reading them."""
        if self.records is not None:
            return [(r.index, r.line) for r in self.records]
        return [(self.base + j, n) for j, (n, _) in enumerate(self.lines)]


@dataclass
class Source:
    """An input stream and its --input-format, for `Runner` to cut into `Chunk` s."""

    stream: Any
    fmt: str = "auto"


def source(stream, fmt: str = "auto") -> Source:
    return Source(stream, fmt)


def _chunks(records: Union[Source, Iterable["Record"]], size: int) -> Iterator[Chunk]:
    """The chunks of a `Source` (NDJSON as raw lines, anything else through
    `reader.read_records`), or of records already read."""
    from .batch import chunks

    if not isinstance(records, Source):
        for chunk in chunks(records, size):
            yield Chunk(records=chunk)
        return
    kind, items = _split_input(records.stream, records.fmt)
    if kind == "records":  # not NDJSON: the driver reads the records
        for chunk in chunks(items, size):
            yield Chunk(records=chunk)
        return
    base = 0
    for lines in chunks(items, size):
        yield Chunk(base=base, lines=lines)
        base += len(lines)


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def _split_input(stream, fmt: str) -> tuple[str, Iterator]:
    """What `reader.read_records` does with ``stream``, told apart at its first line that is not
    blank: ("lines", the numbered lines that are not blank) when it reads NDJSON line by line
    (numbered as `reader._Lines` numbers them), else ("records", `reader.read_records` itself, given
    back the lines already looked at)."""
    from .reader import BOM, _encode, _parses, read_records

    it = iter(stream)
    seen: list = []  # the stream's items as they came, to give back
    lineno, first = 0, None
    for item in it:
        seen.append(item)
        raw = _encode(item) if isinstance(item, str) else item
        lineno += 1
        if lineno == 1 and raw.startswith(BOM):
            raw = raw[len(BOM):]
        if raw.strip():
            first = raw
            break
    ndjson = first is not None and (
        fmt == "ndjson" or (fmt == "auto" and first.lstrip().startswith(b"{")
                            and _parses(first)))
    if not ndjson:
        return "records", read_records(_chain(seen, it), fmt)
    return "lines", _chain([(lineno, first)], _rest(it, lineno))


def _rest(it: Iterator, lineno: int) -> Iterator[tuple[int, bytes]]:
    """The numbered lines after line ``lineno`` that are not blank (`reader._Lines`' numbering)."""
    from .reader import _encode

    for item in it:
        lineno += 1
        raw = _encode(item) if isinstance(item, str) else item
        if raw.strip():
            yield lineno, raw


# -- on a worker ----------------------------------------------------------------------------

def solve_task(chunk: Chunk, defaults: dict, solve_options: dict, noise: Optional[str],
               fmt: Optional[str]) -> tuple[Union[str, list], int, "Tally"]:
    """On a worker: read the chunk and `batch.solve_chunk` it with a tally of its own. Returns
    the output records, or with ``fmt`` (nl, json, csv) their text as that writer writes it
    (`render_text`), their number, and the tally. ``noise`` is the pattern of the floating-point
    warnings that the command silences (`cli.FLOATING_POINT_NOISE`), or None."""
    from .batch import Tally, solve_chunk

    tally = Tally()
    with warnings.catch_warnings():
        if noise is not None:
            warnings.filterwarnings("ignore", category=RuntimeWarning, message=noise)
        out = solve_chunk(chunk.read(), defaults, solve_options, tally)
    return (out if fmt is None else render_text(fmt, out)), len(out), tally


def render_text(fmt: str, records: list[dict]) -> str:
    """The text that the ``fmt`` writer writes for ``records``, written by that writer, for a
    chunk that is not the first (a JSON array's elements then start with ``,\\n``)."""
    import io as _io

    from .writers import writer_for

    buffer = _io.StringIO()
    writer = writer_for(fmt, buffer)
    if fmt == "json":
        writer.count = 1
    buffer.seek(0)
    buffer.truncate()  # a CSV header, a JSON array's "["
    writer.write(records)
    return buffer.getvalue()


def text_format(writer: "Writer") -> Optional[str]:
    """The format whose text a worker can write for ``writer`` (exactly one of the writers of
    `io.writer_for`), or None: the driver writes the records (a firing table for people)."""
    from .writers import CSVWriter, JSONArrayWriter, NDJSONWriter

    return {NDJSONWriter: "nl", JSONArrayWriter: "json", CSVWriter: "csv"}.get(type(writer))


def _write_text(writer: "Writer", fmt: str, text: str, n: int) -> None:
    """Write a chunk's text from `render_text` as ``writer.write`` would have written it."""
    if fmt == "json":
        if writer.count == 0:
            text = text[2:]  # the first element: no ",\n" before it
        writer.count += n
    writer.emit(text)


# -- the driver -----------------------------------------------------------------------------

def merge(tally: "Tally", part: "Tally") -> None:
    tally.records += part.records
    tally.bad += part.bad
    tally.unsolved += part.unsolved
    tally.warned += part.warned
    tally.notes |= part.notes


def failed_chunk(chunk: Chunk, why: str, tally: "Tally") -> list[dict]:
    """Error records for a chunk that Dask could not solve, counted as bad input."""
    from .batch import error_record
    from .reader import Record

    out = [error_record(Record(index, line), f"not solved: {why}")
           for index, line in chunk.heads()]
    tally.records += len(out)
    tally.bad += len(out)
    return out


def _why(exc: BaseException) -> str:
    """What an error record says about a chunk that failed on Dask."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        deaths = SUBMISSIONS * (exc.allowed_failures + 1)
        return (f"the Dask workers running its chunk died {deaths} times "
                "(distributed.scheduler.allowed-failures); run this record again")
    return f"its chunk failed on Dask: {type(exc).__name__}: {_first_line(exc)}"


def _ignore_sigint():
    """A worker plugin: the worker process ignores SIGINT (a local cluster's workers share the
    driver's terminal; the driver closes them on Ctrl-C)."""
    from distributed import WorkerPlugin

    class IgnoreSigint(WorkerPlugin):
        def setup(self, worker):
            import signal
            import threading

            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, signal.SIG_IGN)

    return IgnoreSigint()


def _keep_little_log() -> None:
    """For the rest of this process (connections to workers that are started again included):
    Dask keeps its last 1000 messages under 1 MB on every connection, for debugging, and here
    they carry the chunks."""
    import dask

    dask.config.set({"distributed.admin.low-level-log-length": LOW_LEVEL_LOG_LENGTH})


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


class Runner:
    """A connection to Dask for one batch: a `LocalCluster` of ``workers`` processes of one
    thread each, or the scheduler at ``scheduler``, or a ``client`` of the caller's (the
    tests'). Call it as `batch.run`; `close` ends it (the local cluster with it). ``task`` is
    what runs on a worker (`solve_task`, or a test's wrapper of it)."""

    def __init__(self, workers: Optional[int] = None, scheduler: Optional[str] = None, *,
                 client: Any = None, task: Callable = solve_task):
        if not local.available():
            raise DaskError(f"--workers and --scheduler need Dask: {INSTALL_HINT}")
        self.task = task
        self.cluster = None
        self._asked, self._limit = float("-inf"), MIN_IN_FLIGHT
        self.own_client = client is None
        if client is not None:
            self.client = client
        elif scheduler is not None:
            import distributed

            _keep_little_log()
            try:
                self.client = distributed.Client(scheduler, set_as_default=False)
            except (OSError, ValueError, TypeError) as e:
                raise DaskError(f"cannot reach the Dask scheduler --scheduler {scheduler}: "
                                f"{_first_line(e)}") from None
        else:
            _keep_little_log()
            self.cluster, self.client = local.start(workers, LOCAL_CONFIG, LOCAL_SCHEDULER)
            self.client.register_plugin(_ignore_sigint(), name="cannon-ignore-sigint")

    def in_flight(self) -> int:
        """How many chunks may be submitted and not yet written: `IN_FLIGHT_PER_THREAD` per
        worker thread the scheduler has (asked again at most once a second: a cluster that
        grows gets more)."""
        import time

        now = time.monotonic()
        if now - self._asked >= 1.0:
            self._asked = now
            threads = sum(self.client.nthreads().values())
            self._limit = max(MIN_IN_FLIGHT, IN_FLIGHT_PER_THREAD * threads)
        return self._limit

    def __call__(self, records: Union[Source, Iterable["Record"]], writer: "Writer", *,
                 defaults: dict, solve_options: dict, chunk_size: int,
                 progress: Optional[Callable[[int], None]] = None,
                 noise: Optional[str] = None) -> "Tally":
        """`batch.run` on Dask: the same answers, written in the same order. ``records``: the
        records, or a `Source` (an NDJSON one is read by the workers)."""
        import uuid
        from collections import deque

        from distributed import KilledWorker

        from .batch import Tally

        tally = Tally()
        fmt = text_format(writer)
        batch_id = uuid.uuid4().hex[:8]
        pending: deque = deque()  # [number, chunk, future, submissions], oldest first
        todo = enumerate(_chunks(records, chunk_size))

        def submit(k: int, chunk: Chunk, again: int = 0):
            return self.client.submit(self.task, chunk, defaults, solve_options, noise, fmt,
                                      key=f"cannon-chunk-{batch_id}-{k}"
                                      + (f"-again-{again}" if again else ""), retries=1)
        try:
            more = True
            while True:
                if more:
                    limit = self.in_flight()
                    while len(pending) < limit:
                        item = next(todo, None)
                        if item is None:
                            more = False
                            break
                        k, chunk = item
                        pending.append([k, chunk, submit(k, chunk), 1])
                if not pending:
                    break
                k, chunk, future, tries = pending[0]
                try:
                    out, n, part = future.result()
                except Exception as e:  # the chunk's: it raised, its workers died, or it was
                    if isinstance(e, KilledWorker) and tries < SUBMISSIONS:  # cancelled
                        future.release()
                        pending[0] = [k, chunk, submit(k, chunk, tries), tries + 1]
                        continue
                    out, n = failed_chunk(chunk, _why(e), tally), len(chunk)
                    writer.write(out)
                else:
                    merge(tally, part)
                    if fmt is None:
                        writer.write(out)
                    else:
                        _write_text(writer, fmt, out, n)
                pending.popleft()
                future.release()
                if progress is not None:
                    progress(n)
        finally:
            if pending:
                self.client.cancel([p[2] for p in pending], force=True)
            pending.clear()
            try:
                writer.close()
            except BrokenPipeError:
                pass
        return tally

    def close(self) -> None:
        if not self.own_client:
            return
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def runner(dask: Optional[dict], *, traceback: bool = False, noise: Optional[str] = None
           ) -> tuple[Callable, Callable[[], None]]:
    """What `cli` runs a batch with, and what ends it: `batch.run` for ``dask`` None (no Dask
    imported), else a `Runner` for the settings of `cli.options.dask_settings`. ``noise``: the
    floating-point warnings the workers silence, unless ``traceback`` (--traceback shows them,
    as without Dask)."""
    if dask is None:
        from .batch import run

        return run, lambda: None
    import functools

    r = Runner(**dask)
    return functools.partial(r, noise=None if traceback else noise), r.close


@contextlib.contextmanager
def ending(done: Callable[[], None]):
    """Call ``done`` (`runner`'s second value) on the way out, however the batch ends."""
    try:
        yield
    finally:
        done()
