"""Batches on Dask (issue 15): one process against a local Dask cluster, whole processes.

    python benchmarks/bench_dask.py [--repeat N] [--lines N] [--workers N] [--chunk-size N]
                                    [--split]

Writes a quadratic-drag NDJSON batch (distance uniform in 50-550 m, 150 m/s, as bench_batch.py;
100,000 lines by default), then times the whole command, alternating the two so that a change
in the machine's load falls on both:

- ``cannon solve --input targets.ndjson --nl -q`` (one process), and
- the same with ``--workers N`` (a LocalCluster of N processes, one thread each; default 2),

checks that both write the same bytes, and prints the medians, the throughput ratio, the time
to the first output (the start: imports, and the cluster's), the CPU time of the whole process
tree, and the peak memory of each run: the driver's RSS, and the RSS and PSS summed over the
driver and its workers (sampled with psutil, which Dask installs, at a cost of 2-3 % of
a core; see `run`), and the CPU time that other processes took meanwhile (this script's own
included). With ``--split`` it also times N separate processes run at once, each on 1/N of the
lines, without Dask: the most that N processes give on the machine at that size, against which
to read the ratio. Run it on an idle machine: the ratio is the figure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def run(cmd: list[str]) -> dict:
    """One run of ``cmd``: its wall time, the time to its first output, the sha256 of its
    stdout, the peak RSS of the process and of its whole tree and the peak PSS of the tree
    (MiB), and the CPU time (user + system) of the tree.

    The tree is sampled with psutil: every 50 ms for RSS and CPU (each process's last CPU time
    seen, which misses at most its last 50 ms; the tree itself every 500 ms), every 2 s for
    PSS, which counts the pages that the fork server shares with the workers it forked once,
    not once per process as RSS. (Sampling every 20 ms, the tree every 200 ms and PSS every
    second cost this script 5-6 % of a core, taken from the runs it measures.)
    (``getrusage`` would not do: the workers forked by the fork server are reaped by it, and it
    outlives the command.)"""
    import psutil

    busy0 = _busy()
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    digest = hashlib.sha256()
    peak = {"own": 0, "tree": 0, "pss": 0}
    cpu: dict = {}

    def sample() -> None:
        try:
            proc = psutil.Process(p.pid)
        except psutil.Error:
            return
        tree, ticks = [proc], 0
        while p.poll() is None:
            if ticks % 10 == 0:  # walking /proc costs ms of CPU: every 500 ms
                try:
                    tree = [proc, *proc.children(recursive=True)]
                except psutil.Error:
                    pass
            rss = 0
            for q in tree:
                try:
                    t = q.cpu_times()
                    rss += q.memory_info().rss
                except psutil.Error:
                    continue
                cpu[q.pid] = max(cpu.get(q.pid, 0.0), t.user + t.system)
                if q is proc:
                    peak["own"] = max(peak["own"], rss)
            peak["tree"] = max(peak["tree"], rss)
            if ticks % 40 == 0:  # 3 ms of CPU per process: every 2 s
                pss = 0
                for q in tree:
                    try:
                        pss += q.memory_full_info().pss
                    except psutil.Error:
                        pass
                peak["pss"] = max(peak["pss"], pss)
            ticks += 1
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    first = None
    for block in iter(lambda: p.stdout.read1(1 << 20), b""):
        if first is None:
            first = time.perf_counter() - t0
        digest.update(block)
    code = p.wait()
    elapsed = time.perf_counter() - t0
    sampler.join()
    busy = _busy() - busy0
    if code not in (0, 3):
        sys.exit(f"{' '.join(cmd)} exited {code}")
    return {"wall": elapsed, "first": first, "digest": digest.hexdigest(),
            "own": peak["own"] / 2**20, "tree": peak["tree"] / 2**20,
            "pss": peak["pss"] / 2**20, "cpu": sum(cpu.values()),
            "others": max(0.0, busy - sum(cpu.values()))}


def run_split(cmds: list[list[str]]) -> dict:
    """The wall time of ``cmds`` run at once, and their CPU time (they are reaped here)."""
    import resource

    busy0, before = _busy(), resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for c in cmds]
    codes = [p.wait() for p in procs]
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if any(code not in (0, 3) for code in codes):
        sys.exit(f"{' '.join(cmds[0])} exited {codes}")
    return {"wall": elapsed, "cpu": cpu, "others": max(0.0, _busy() - busy0 - cpu)}


def _busy() -> float:
    """CPU seconds that the machine has spent busy since boot, all processes (nan but on
    Linux): less the run's own, what else ran during the run."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return float("nan")
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=4096)
    ap.add_argument("--split", action="store_true",
                    help="also run N separate processes at once, each on 1/N of the lines, "
                    "without Dask: the most that N processes give on this machine")
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
        parts = []
        if args.split:
            lines = path.read_text().splitlines(keepends=True)
            size = -(-len(lines) // args.workers)
            for k in range(args.workers):
                part = Path(tmp) / f"part{k}.ndjson"
                part.write_text("".join(lines[k * size:(k + 1) * size]))
                parts.append([*base[:3], str(part), *base[4:]])
        print(f"{args.lines:,} quadratic-drag NDJSON lines, chunk size {args.chunk_size}, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start")
        runs: dict = {"one": [], "dask": [], "split": []}
        for i in range(args.repeat):
            if parts:
                r = run_split(parts)
                runs["split"].append(r)
                print(f"  run {i + 1} split: {r['wall']:6.2f} s, CPU {r['cpu']:6.2f} s; other "
                      f"processes' CPU meanwhile {r['others']:5.2f} s", flush=True)
            for name, cmd in (("one", base), ("dask", dask)):
                r = run(cmd)
                runs[name].append(r)
                print(f"  run {i + 1} {name:4s}: {r['wall']:6.2f} s (first output at "
                      f"{r['first']:5.2f} s), CPU {r['cpu']:6.2f} s, peak RSS {r['own']:4.0f} "
                      f"MiB (with workers {r['tree']:4.0f} MiB, PSS {r['pss']:4.0f} MiB); "
                      f"other processes' CPU meanwhile {r['others']:5.2f} s", flush=True)
        digests = {r["digest"] for name in ("one", "dask") for r in runs[name]}

        def median(name: str, key: str) -> float:
            return statistics.median(r[key] for r in runs[name])

        def peak(name: str, key: str) -> float:
            return max(r[key] for r in runs[name])

        one, many = median("one", "wall"), median("dask", "wall")
        print(f"one process          : median {one:6.2f} s = {args.lines / one:8,.0f} "
              f"records/s, first output at {median('one', 'first'):.2f} s, peak RSS "
              f"{peak('one', 'own'):.0f} MiB")
        print(f"--workers {args.workers} (Dask)   : median {many:6.2f} s = "
              f"{args.lines / many:8,.0f} records/s, first output at "
              f"{median('dask', 'first'):.2f} s, peak RSS driver {peak('dask', 'own'):.0f} "
              f"MiB, driver and workers {peak('dask', 'tree'):.0f} MiB (PSS "
              f"{peak('dask', 'pss'):.0f} MiB)")
        cpu_one, cpu_many = median("one", "cpu"), median("dask", "cpu")
        print(f"throughput ratio     : {one / many:.2f} x (bar: 1.7 x on 2 cores); the same "
              f"output bytes: {'yes' if len(digests) == 1 else 'NO'}")
        print(f"CPU time, medians    : one process {cpu_one:.2f} s, with Dask {cpu_many:.2f} s "
              f"(driver and workers): on {os.cpu_count()} idle cores the ratio cannot exceed "
              f"{os.cpu_count() * cpu_one / cpu_many:.2f} x")
        if parts:
            split, n = median("split", "wall"), args.workers
            print(f"{n} processes on 1/{n} each, no Dask: median {split:.2f} s, "
                  f"{one / split:.2f} x the one process: the most that {n} processes give here")
        print(f"other processes' CPU : median {median('one', 'others'):.2f} s during the single "
              f"process, {median('dask', 'others'):.2f} s during the Dask runs (0 on an idle "
              f"machine, but this script's sampling)")
        print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
