"""Answer caches held by the app (app.extensions["credit_caches"]), one set per worker.

Public answers are the same for everyone: popular name searches, and counts over the whole index
that change only with an ingest, are reused for a while. Sizes and lifetimes are settings
(credit.config); a size or lifetime of 0 turns a cache off."""
from __future__ import annotations

import threading
import time
from typing import Callable, Hashable, TypeVar

from cachetools import TTLCache

from credit.config import Settings

T = TypeVar("T")


class Caches:
    def __init__(self, settings: Settings, timer: Callable[[], float] = time.monotonic):
        sizes = {"search": (settings.search_cache, settings.search_ttl),
                 "latest": (settings.latest_cache, settings.latest_ttl),
                 "list_totals": (settings.latest_cache, settings.latest_ttl),
                 "departments": (settings.departments_cache, settings.departments_ttl)}
        self.caches = {name: TTLCache(size, ttl, timer=timer) for name, (size, ttl) in sizes.items()
                       if size > 0 and ttl > 0}
        # TTLCache is not thread-safe; the answer is computed outside the lock, so a slow search
        # holds up no other request (two at once may both compute it).
        self._lock = threading.Lock()

    def get(self, name: str, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached answer for `key`, else `compute()`, kept (an error is not: it is asked again)."""
        cache = self.caches.get(name)
        if cache is None:
            return compute()
        with self._lock:
            try:
                return cache[key]
            except KeyError:
                pass
        value = compute()
        with self._lock:
            cache[key] = value
        return value

    def clear(self) -> None:
        """Forget every answer (after a change outside an ingest: a withdrawal, a repair)."""
        with self._lock:
            for cache in self.caches.values():
                cache.clear()
