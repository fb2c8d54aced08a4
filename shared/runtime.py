"""Process-level helpers for hot request paths."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run a block with the cyclic garbage collector paused (it resumes after, if it ran before).

    A bulk request holds tens of thousands of small objects without cycles (items, rows, answers) for its
    duration: the collector's passes over them, and the full collections of the heap they set off, cost a
    1,000-item call a third of its CPU (bench/gatecontrol_ingest.py, bench/vehicles_check.py). Reference
    counting still frees them all; the loaded app itself is frozen out of collections (shared.serving).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
