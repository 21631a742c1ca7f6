"""The C allocator's heap padding, set once for a process that integrates large batches.

The generic core (`core`, `jet`) allocates its temporaries afresh at every operation: arrays of
K x N floats, a few hundred kB for a 10,000-target batch. glibc's malloc hands such memory back to
the system whenever the top of the heap frees up and takes it again at the next operation, and
each page taken back faults on first touch: measured on the development machine, a 3-D
first-order field evaluation of 10,000 shots took 990 µs that way and 330 µs with 16 MiB of heap
kept as padding (M_TOP_PAD), against 70 µs for its plain values. The padding costs at most that
much memory held; it changes no number.
"""

from __future__ import annotations

import sys

#: mallopt's M_TOP_PAD, and what it is set to
_M_TOP_PAD = -2
PAD = 16 << 20
_state = {"set": False}


def keep_heap() -> None:
    """Keep `PAD` bytes of heap on top (glibc only; elsewhere, or if it fails, nothing)."""
    if _state["set"]:
        return
    _state["set"] = True
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallopt(_M_TOP_PAD, PAD)
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        pass
