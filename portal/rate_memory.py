"""The rate limiter's per-process store (`memory://`): moving windows without a timer thread.

limits' own MemoryStorage drops expired entries from a timer thread that it starts again, 10 ms
ahead, on almost every hit: under load each request of a sync worker paid a thread start (and a
wait for the scheduler to run it) and the thread's pass over every key. Here each key keeps its
entries oldest first and drops the expired ones when it is used; keys nobody uses any more are
dropped by a sweep at most once a minute, run by the request that comes along. The answers are
those of MemoryStorage: a hit is refused without being counted, a window's start is its oldest
entry's time.

Defining the class registers it for the `memory://` scheme (limits keeps one class per scheme),
so CREDIT_RATELIMIT_STORAGE_URL keeps its meaning; redis:// and the others are limits' own."""
from __future__ import annotations

import threading
import time
from collections import deque

from limits.storage import MovingWindowSupport, Storage

SWEEP_EVERY = 60.0   # seconds between passes over all keys


class _Window:
    __slots__ = ("expiry", "times")

    def __init__(self, expiry: float):
        self.expiry = expiry
        self.times: deque[float] = deque()   # when each entry was acquired, oldest first

    def prune(self, now: float) -> deque[float]:
        times, start = self.times, now - self.expiry
        while times and times[0] < start:
            times.popleft()
        return times


class MovingWindowMemory(Storage, MovingWindowSupport):
    STORAGE_SCHEME = ["memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.windows: dict[str, _Window] = {}
        self.counters: dict[str, list[float]] = {}   # fixed windows: key → [count, expires at]
        self.lock = threading.Lock()
        self.swept = time.time()

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def _sweep(self, now: float) -> None:
        if now - self.swept < SWEEP_EVERY:
            return
        self.swept = now
        self.windows = {key: window for key, window in self.windows.items() if window.prune(now)}
        self.counters = {key: counter for key, counter in self.counters.items() if counter[1] > now}

    # -- moving window (the strategy portal/extensions.py uses) ------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self.lock:
            self._sweep(now)
            window = self.windows.get(key)
            if window is None:
                window = self.windows[key] = _Window(expiry)
            times = window.prune(now)
            if len(times) + amount > limit:
                return False
            times.extend([now] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self.lock:
            window = self.windows.get(key)
            times = window.prune(now) if window else None
            return (times[0], len(times)) if times else (now, 0)

    # -- fixed window counters (the Storage interface asks for them) -------------------------------

    def _counter(self, key: str, now: float) -> list[float] | None:
        counter = self.counters.get(key)
        if counter is not None and counter[1] <= now:
            del self.counters[key]
            return None
        return counter

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self.lock:
            self._sweep(now)
            counter = self._counter(key, now)
            if counter is None:
                counter = self.counters[key] = [0, now + expiry]
            counter[0] += amount
            return int(counter[0])

    def decr(self, key: str, amount: int = 1) -> int:
        with self.lock:
            counter = self._counter(key, time.time())
            if counter is None:
                return 0
            counter[0] = max(counter[0] - amount, 0)
            return int(counter[0])

    def get(self, key: str) -> int:
        with self.lock:
            counter = self._counter(key, time.time())
            return int(counter[0]) if counter else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self.lock:
            counter = self._counter(key, now)
            return counter[1] if counter else now

    # -- the rest of the interface -----------------------------------------------------------------

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self.lock:
            count = max(len(self.windows), len(self.counters))
            self.windows, self.counters = {}, {}
            return count

    def clear(self, key: str) -> None:
        with self.lock:
            self.windows.pop(key, None)
            self.counters.pop(key, None)
