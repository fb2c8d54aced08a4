"""A small per-process cache with a time limit, for lookups every request repeats (gate keys, a site's gates)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from flask import current_app

V = TypeVar("V")


class TTLCache(Generic[V]):
    """Values kept `seconds` (0 = never kept); bounded, oldest entries dropped first."""

    def __init__(self, seconds: float, max_entries: int = 10_000) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        # OrderedDict: dropping the oldest is O(1); a plain dict's next(iter()) walks the holes left by earlier
        # drops, which made a full cache slow
        self._items: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        if self.seconds <= 0:
            return load()
        now = time.monotonic()
        with self._lock:
            found = self._items.get(key)
        if found is not None and now - found[0] < self.seconds:
            return found[1]
        value = load()
        with self._lock:
            self._items.pop(key, None)
            if len(self._items) >= self.max_entries:
                self._items.popitem(last=False)
            self._items[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def app_cache(name: str) -> TTLCache:  # type: ignore[type-arg]
    """The app's cache `name`, living as long as a revoked token may (LANTIAN_REVOCATION_CACHE_SECONDS)."""
    caches = current_app.extensions.setdefault("gatecontrol.caches", {})
    if name not in caches:
        caches[name] = TTLCache(current_app.extensions["lantian.settings"].revocation_cache_seconds)
    return caches[name]


class LastSeen(Generic[V]):
    """Values kept until pushed out by newer ones (bounded, oldest first); for guesses checked before use."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[Hashable, V] = OrderedDict()  # oldest first, dropped in O(1)
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._items.pop(key, None)
            if len(self._items) >= self.max_entries:
                self._items.popitem(last=False)
            self._items[key] = value


def registry_seen() -> LastSeen:  # type: ignore[type-arg]
    """What this process last read from the registry replica per (plate, colour): a guess the single POST
    stores with, checked against the replica in the same statement (gatecontrol.daos)."""
    return current_app.extensions.setdefault("gatecontrol.registry_seen", LastSeen())
