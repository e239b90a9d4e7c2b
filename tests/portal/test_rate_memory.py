"""The rate limiter's memory:// store: moving windows as limits' own store counts them, no thread."""
import threading

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from portal import rate_memory
from portal.rate_memory import MovingWindowMemory


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def time(self):
        return self.now


def test_memory_scheme_is_this_store():
    assert isinstance(storage_from_string("memory://"), MovingWindowMemory)


def test_moving_window_refuses_without_counting_and_slides(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(rate_memory.time, "time", clock.time)
    threads = threading.active_count()
    limiter = MovingWindowRateLimiter(storage_from_string("memory://"))
    limit = parse("3/minute")
    assert [limiter.hit(limit, "a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(limit, "b")                                 # one budget per key
    assert limiter.get_window_stats(limit, "a") == (clock.now + 60, 0)
    clock.now += 30
    assert not limiter.hit(limit, "a")                             # refused hits are not counted
    clock.now += 30.5
    assert limiter.get_window_stats(limit, "a").remaining == 3
    assert limiter.hit(limit, "a") and limiter.get_window_stats(limit, "a") == (clock.now + 60, 2)
    assert threading.active_count() == threads                     # no timer thread


def test_unused_keys_are_swept(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(rate_memory.time, "time", clock.time)
    store = storage_from_string("memory://")
    limiter = MovingWindowRateLimiter(store)
    for n in range(100):
        limiter.hit(parse("5/minute"), f"client-{n}")
    clock.now += rate_memory.SWEEP_EVERY + 61
    limiter.hit(parse("5/minute"), "late")
    assert list(store.windows) == [parse("5/minute").key_for("late")]
    store.clear(parse("5/minute").key_for("late"))
    assert store.get_moving_window(parse("5/minute").key_for("late"), 5, 60) == (clock.now, 0)
