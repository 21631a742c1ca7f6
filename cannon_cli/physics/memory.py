"""The C allocator's settings for a process that integrates large batches, set once.

The cores (`core`, `jet`, `model`) allocate their temporaries afresh at every operation: arrays
of hundreds of kB to a few MB for a 10,000-target batch (a packed 3-D jet of two directions is
1.4 MB). glibc serves blocks above its mmap threshold with fresh pages from the system, each of
which faults on first touch, and hands the top of its heap back whenever it frees up. Serving
blocks up to 64 MiB from the heap (M_MMAP_THRESHOLD) and keeping 16 MiB of it on top
(M_TOP_PAD) makes them reused instead. Measured (medians of 3, alternating processes, three
rounds): 10,000 3-D crosswind targets 196-216 -> 178-183 ms (newton) and 365-378 -> 315-325 ms
(lbfgs), the 2-D quadratic batch 71-73 -> 69-70 ms, 1,000,000 vacuum targets 290-303 ->
268-315 ms, the .308 batch unchanged. The padding alone (without the threshold) was slower
than glibc's defaults: setting any of these turns off glibc's own adaptation of the threshold.
The cost is at most that much memory held; no number changes.

Setting the threshold also fixes glibc's trim threshold at its default 128 kB: a batch of
1,000,000 targets (~500 MB at its peak) handed all but the 16 MiB pad back at its end and
faulted it in again at the next. Keeping up to `TRIM` free on top (M_TRIM_THRESHOLD) makes a
process's second large batch reuse the first's pages: 1,000,000 vacuum targets in steady state
0.28-0.33 -> 0.19-0.24 s of CPU (alternating processes, medians of 4).
"""

from __future__ import annotations

import sys

#: mallopt's parameters, and what they are set to
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
PAD = 16 << 20
MMAP_THRESHOLD = 64 << 20
TRIM = 512 << 20
_state = {"set": False}


def keep_heap() -> None:
    """Set the allocator as above (glibc only; elsewhere, or if it fails, nothing)."""
    if _state["set"]:
        return
    _state["set"] = True
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        libc.mallopt(_M_TOP_PAD, PAD)
        libc.mallopt(_M_TRIM_THRESHOLD, TRIM)
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        pass
