"""What one run of `cannon` works in (httpie's `Environment`): where data goes, where a person
reads, and whether an error shows its traceback. The root command makes one for each run and
`root.guard` hands it to the command, so nothing of one run is left in a module for the next
(a test process invokes the application many times)."""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Environment:
    #: where data goes: JSON, CSV, the firing table
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    #: on an error, raise it (the Python traceback, for bug reports) instead of one line
    traceback: bool = field(default_factory=lambda: bool(os.environ.get("CANNON_TRACEBACK")))

    @functools.cached_property
    def terminal(self):
        """Where a person reads (`io.render.Terminal`: rich, imported on first use)."""
        from ..io.render import Terminal

        return Terminal()

    def write_json(self, obj) -> None:
        """One JSON document on stdout, flushed."""
        from ..io.writers import dumps

        self.stdout.write(dumps(obj) + "\n")
        self.stdout.flush()
