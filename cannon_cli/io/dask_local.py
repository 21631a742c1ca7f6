"""The local cluster of `cannon solve --input FILE --workers N` (issue 15).

Dask starts each worker of a `LocalCluster` as a fresh Python process ('spawn'), which imports
Dask, and at its first chunk numpy, autograd, cannon_cli and scipy.optimize: measured, a first
chunk took 0.71-0.84 s of CPU against 0.33 s for the next ones, while the driver imports Dask
and starts the scheduler on the same cores. Here the workers are forked ('forkserver') from one
server process that has imported all of it once (about 1 s of CPU), started before the driver
imports Dask so that the two overlap; a first chunk takes 0.31-0.34 s. Their interpreters also
end without finalizing: closing the cluster took 0.03-0.1 s, against 0.3-1.7 s.

Forking the driver itself ('fork') would cost less CPU still, but the driver runs Dask's event
loop and its threads when it forks, and a lock that one of them holds at that moment stays held
in the child: Dask's maintainers advise against fork-without-exec for this reason
(dask/dask#3759). The fork server is a fresh interpreter, and forks with one thread. A worker
that dies is started again by Dask's default, spawn.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

#: what a worker runs, imported by the fork server so that the workers inherit it: Dask's
#: worker and the chunk's code (not scipy.optimize: only ``--solver lbfgs`` needs it, and then
#: each worker imports it once, side by side)
WORKER_MODULES = ["distributed", "cannon_cli.io.dask", "cannon_cli.io.batch"]


#: ``distributed.nanny.pre-spawn-environ`` in Dask's defaults (distributed.yaml), which Dask
#: loads when `distributed` is imported: one thread for numpy's BLAS in each worker, and the
#: heap trimming that `dask.LOCAL_CONFIG` turns off
PRE_SPAWN_ENVIRON = {"MALLOC_TRIM_THRESHOLD_": 65536, "OMP_NUM_THREADS": 1,
                     "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1}


def available() -> bool:
    """Dask's `distributed` can be imported (without importing it)."""
    from importlib.util import find_spec

    try:
        return find_spec("distributed") is not None
    except (ImportError, ValueError):
        return False


def start(workers: int, config: dict, scheduler_kwargs: dict) -> tuple[Any, Any]:
    """A `LocalCluster` of ``workers`` processes of one thread each under the Dask ``config``,
    and a client of it.

    Ctrl-C is the driver's: a terminal sends it to every process of its group, and a worker
    would die of it with a traceback of its own. The workers ignore SIGINT from their start: it
    is ignored while the fork server starts (an ignored signal stays ignored across exec, and
    Python keeps it so; the fork server's children get it back from the server), so Ctrl-C is
    ignored while the cluster starts (about a second). A worker started again after one died is
    told to ignore it once it is up (`cannon_cli.io.dask._ignore_sigint`)."""
    import logging
    import multiprocessing

    import dask

    # not on Windows, which has spawn only: Dask's own start there
    forked = "forkserver" in multiprocessing.get_all_start_methods()
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        if forked:
            with dask.config.set(config):
                _fork_server(_environ())
        # imported here, not under dask.config.set: leaving it would take away the defaults
        # that the import adds
        import distributed
        import distributed.utils

        if forked:  # the server runs: Dask's own preload list would only be imported here, by
            # the driver, for nothing (pandas among them when it is installed)
            distributed.utils._forkserver_preload_set = True
        # the first workers only: one that dies is started again by Dask's default, spawn
        method = {"distributed.worker.multiprocessing-method": "forkserver"} if forked else {}
        with dask.config.set({**config, **method}):
            cluster = distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.CRITICAL,
                scheduler_kwargs=scheduler_kwargs)
        try:
            client = distributed.Client(cluster, set_as_default=False)
        except BaseException:
            cluster.close()
            raise
    finally:
        if previous is not None:  # None: not a Python handler, not ours to restore
            signal.signal(signal.SIGINT, previous)
    return cluster, client


def _environ() -> dict[str, str]:
    """The environment that a Nanny gives the worker it spawns (its
    ``distributed.nanny.pre-spawn-environ``, the variables already set winning, and the hash
    seed that Dask fixes for its workers): a forked worker has the fork server's. Dask's
    defaults are `PRE_SPAWN_ENVIRON` until `distributed` is imported."""
    import dask

    asked = dask.config.get("distributed.nanny.pre-spawn-environ", default={})
    env = {k: os.environ.get(k, str(v)) for k, v in {**PRE_SPAWN_ENVIRON, **asked}.items()
           if v is not None}
    if env.get("PYTHONHASHSEED") in (None, "0"):
        env["PYTHONHASHSEED"] = "6640"
    return env


def _fork_server(env: dict[str, str]) -> None:
    """Start multiprocessing's fork server, importing `WORKER_MODULES`, with ``env`` (if it is
    not running already: it is one per process, and it stays for the process's life)."""
    import multiprocessing
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(WORKER_MODULES)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        forkserver.ensure_running()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
