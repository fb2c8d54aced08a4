"""Process-level helpers for hot request paths."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_pauses = 0  # blocks inside gc_paused now, in any thread
_resume = False  # whether the collector ran when the first of them began
_pauses_lock = threading.Lock()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run a block with the cyclic garbage collector paused (it resumes after, if it ran before).

    A bulk request holds tens of thousands of small objects without cycles (items, rows, answers) for its
    duration: the collector's passes over them, and the full collections of the heap they set off, cost a
    1,000-item call a third of its CPU (bench/gatecontrol_ingest.py, bench/vehicles_check.py). Reference
    counting still frees them all; the loaded app itself is frozen out of collections (shared.serving).

    The collector is one per process: with threaded workers the pause lasts until the last of the blocks
    running at once ends, and only then does the collector resume.
    """
    global _pauses, _resume
    with _pauses_lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
