"""Batches on Dask (issue 15): one process against a local Dask cluster, whole processes.

    python benchmarks/bench_dask.py [--repeat N] [--lines N] [--workers N] [--chunk-size N]

Writes a quadratic-drag NDJSON batch (distance uniform in 50-550 m, 150 m/s, as bench_batch.py;
100,000 lines by default), then times the whole command, alternating the two so that a change
in the machine's load falls on both:

- ``cannon solve --input targets.ndjson --nl -q`` (one process), and
- the same with ``--workers N`` (a LocalCluster of N processes, one thread each; default 2),

checks that both write the same bytes, and prints the medians, the throughput ratio, and the
peak RSS of each run: the driver's, and the sum over the driver and its workers (sampled every
20 ms with psutil, which Dask installs). Run it on an idle machine: the ratio is the figure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def run(cmd: list[str]) -> tuple[float, str, float, float, float]:
    """Wall time, sha256 of stdout, peak RSS of the process and of its whole tree (MiB), and
    the CPU time (user + system) of the process and the workers it reaped."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    digest = hashlib.sha256()
    peak = {"own": 0, "tree": 0}

    def sample() -> None:
        try:
            proc = psutil.Process(p.pid)
            while p.poll() is None:
                try:
                    own = proc.memory_info().rss
                    tree = own + sum(c.memory_info().rss for c in proc.children(recursive=True))
                except psutil.Error:
                    continue
                peak["own"], peak["tree"] = max(peak["own"], own), max(peak["tree"], tree)
                time.sleep(0.02)
        except psutil.Error:
            pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for block in iter(lambda: p.stdout.read(1 << 20), b""):
        digest.update(block)
    code = p.wait()
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    sampler.join()
    if code not in (0, 3):
        sys.exit(f"{' '.join(cmd)} exited {code}")
    return elapsed, digest.hexdigest(), peak["own"] / 2**20, peak["tree"] / 2**20, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=4096)
    args = ap.parse_args()
    cannon = shutil.which("cannon")
    if cannon is None:
        sys.exit("install the project first: pip install '.[dask]'")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "targets.ndjson"
        with path.open("w") as f:
            for d in rng.uniform(50.0, 550.0, args.lines):
                f.write(json.dumps({"distance_m": float(d), "velocity_mps": 150.0,
                                    "drag": "quadratic"}) + "\n")
        base = [cannon, "solve", "--input", str(path), "--nl", "-q", "--chunk-size",
                str(args.chunk_size)]
        dask = base + ["--workers", str(args.workers)]
        print(f"{args.lines:,} quadratic-drag NDJSON lines, chunk size {args.chunk_size}, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start")
        runs: dict = {"one": [], "dask": []}
        for i in range(args.repeat):
            for name, cmd in (("one", base), ("dask", dask)):
                runs[name].append(run(cmd))
                t, _, own, tree, cpu = runs[name][-1]
                print(f"  run {i + 1} {name:4s}: {t:6.2f} s, CPU {cpu:6.2f} s, peak RSS "
                      f"{own:4.0f} MiB (with workers {tree:4.0f} MiB)", flush=True)
        digests = {r[1] for rs in runs.values() for r in rs}
        one = statistics.median(r[0] for r in runs["one"])
        many = statistics.median(r[0] for r in runs["dask"])
        print(f"one process          : median {one:6.2f} s = {args.lines / one:8,.0f} "
              f"records/s, peak RSS {max(r[2] for r in runs['one']):.0f} MiB")
        print(f"--workers {args.workers} (Dask)   : median {many:6.2f} s = "
              f"{args.lines / many:8,.0f} records/s, peak RSS driver "
              f"{max(r[2] for r in runs['dask']):.0f} MiB, driver and workers "
              f"{max(r[3] for r in runs['dask']):.0f} MiB")
        cpu_one = statistics.median(r[4] for r in runs["one"])
        cpu_many = statistics.median(r[4] for r in runs["dask"])
        print(f"throughput ratio     : {one / many:.2f} x (bar: 1.7 x on 2 cores); the same "
              f"output bytes: {'yes' if len(digests) == 1 else 'NO'}")
        print(f"CPU time, medians    : one process {cpu_one:.2f} s, with Dask {cpu_many:.2f} s "
              f"(driver and workers): on {os.cpu_count()} idle cores the ratio cannot exceed "
              f"{os.cpu_count() * cpu_one / cpu_many:.2f} x")
        print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
