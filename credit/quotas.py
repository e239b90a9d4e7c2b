"""Institution quotas (SPEC §7): requests per calendar minute and batch items per calendar day, per
client, exact across every portal worker.

Both counters are checked and charged together in one step that either charges both or neither:
a batch of 200 items costs one request and 200 items; a refused batch costs nothing. On Redis the
step is one Lua script, which Redis runs atomically: no other worker's charge can come between the
check and the increment, so exactly the quota is served however many workers race for its end.

Why not flask-limiter's own per-route limits (it keeps the anonymous per-address limit, see
portal/extensions.py): it checks and charges each limit on its own, one after the other, so a
batch refused by the item quota has already been charged a request (and the reverse); and its
fixed-window `hit` increments before comparing, so a refused batch of 1,000 would eat 1,000 items
of what is left. Its moving window refuses without adding, but it is a sliding 24 hours holding one
entry per item (100,000 list entries for a 100,000-item contract), where contracts count items per
calendar day. The storage is the same setting (CREDIT_RATELIMIT_STORAGE_URL): memory:// keeps the
counters in the process (exact for one worker: the embedded demo), redis://… in Redis.

If Redis cannot be reached, `charge` raises QuotaUnavailable: the caller refuses the request
(fail closed), it never serves without counting."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

MINUTE = 60
REQUESTS, ITEMS = "requests", "items"

# KEYS: the client's counter for this minute, and for this day.
# ARGV: per_minute, per_day, items, seconds the minute key is kept, seconds the day key is kept.
# Returns {charged (1/0), requests this minute, items today, 0 | 1 (requests refused) | 2 (items refused)}.
CHARGE = """
local used_minute = tonumber(redis.call('GET', KEYS[1]) or '0')
local used_day = tonumber(redis.call('GET', KEYS[2]) or '0')
local items = tonumber(ARGV[3])
if used_minute + 1 > tonumber(ARGV[1]) then return {0, used_minute, used_day, 1} end
if used_day + items > tonumber(ARGV[2]) then return {0, used_minute, used_day, 2} end
used_minute = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
used_day = redis.call('INCRBY', KEYS[2], items)
redis.call('EXPIRE', KEYS[2], ARGV[5])
return {1, used_minute, used_day, 0}
"""
# Gives back a charge whose work failed (search engine down, query log not written).
REFUND = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('DECRBY', KEYS[1], 1) end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECRBY', KEYS[2], ARGV[1]) end
return 1
"""


class QuotaUnavailable(Exception):
    """The counters cannot be reached: refuse, never serve uncounted."""


@dataclass(frozen=True)
class Window:
    limit: int
    used: int
    reset: int           # Unix time when this window ends

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


@dataclass(frozen=True)
class Standing:
    """Where a client stands after a charge (or a look): this minute's requests, today's items."""
    minute: Window
    day: Window
    day_name: str                   # the calendar day of the item quota, ISO
    refused: str | None = None      # REQUESTS or ITEMS when the charge was refused

    def retry_after(self, now: datetime) -> int:
        """Seconds until the refusing window ends (at least 1)."""
        window = self.minute if self.refused == REQUESTS else self.day
        return max(1, window.reset - int(now.timestamp()))


@dataclass(frozen=True)
class _Keys:
    minute: str
    day: str
    minute_reset: int
    day_reset: int
    day_name: str


class Quotas:
    """Counters in this process or in Redis, chosen by the storage URL."""

    def __init__(self, storage_url: str, timezone: str, prefix: str = "credit"):
        self.zone, self.prefix = ZoneInfo(timezone), prefix
        if storage_url.startswith("memory://"):
            self._backend: _Memory | _Redis = _Memory()
        elif storage_url.startswith(("redis://", "rediss://", "redis+unix://", "unix://")):
            self._backend = _Redis(storage_url.replace("redis+unix://", "unix://", 1))
        else:
            raise ValueError(f"CREDIT_RATELIMIT_STORAGE_URL: institution quotas need memory:// or redis://…, "
                             f"not {storage_url.split('://', 1)[0]}://")

    def _keys(self, client_id: str, now: datetime) -> _Keys:
        minute = int(now.timestamp()) // MINUTE
        local = now.astimezone(self.zone)
        tomorrow = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=self.zone)
        base = f"{self.prefix}:quota:{client_id}"
        return _Keys(minute=f"{base}:m:{minute}", day=f"{base}:d:{local.date().isoformat()}",
                     minute_reset=(minute + 1) * MINUTE, day_reset=int(tomorrow.timestamp()),
                     day_name=local.date().isoformat())

    def charge(self, client_id: str, per_minute: int, per_day: int, items: int, now: datetime) -> Standing:
        """Charge one request and `items` items if both fit, else nothing (Standing.refused says which)."""
        keys = self._keys(client_id, now)
        charged, minute, day, refused = self._backend.charge(keys, per_minute, per_day, items, int(now.timestamp()))
        return Standing(minute=Window(per_minute, minute, keys.minute_reset), day=Window(per_day, day, keys.day_reset),
                        day_name=keys.day_name, refused=None if charged else (REQUESTS if refused == 1 else ITEMS))

    def refund(self, client_id: str, items: int, now: datetime) -> None:
        self._backend.refund(self._keys(client_id, now), items)

    def standing(self, client_id: str, per_minute: int, per_day: int, now: datetime) -> Standing:
        """This minute's requests and today's items, without charging anything."""
        keys = self._keys(client_id, now)
        minute, day = self._backend.read(keys)
        return Standing(minute=Window(per_minute, minute, keys.minute_reset), day=Window(per_day, day, keys.day_reset),
                        day_name=keys.day_name)


class _Redis:
    def __init__(self, url: str):
        import redis  # here, not above: a portal keeping quotas in memory never loads the client (~6 MB a worker)
        # Short timeouts: a batch waits at most a second for its quota before failing closed.
        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.failure = redis.RedisError
        self._charge = self.client.register_script(CHARGE)
        self._refund = self.client.register_script(REFUND)

    def charge(self, keys: _Keys, per_minute: int, per_day: int, items: int, now: int) -> tuple[int, int, int, int]:
        args = [per_minute, per_day, items, keys.minute_reset - now + MINUTE, keys.day_reset - now + MINUTE]
        try:
            return tuple(int(v) for v in self._charge(keys=[keys.minute, keys.day], args=args))
        except self.failure as exc:
            raise QuotaUnavailable(str(exc)) from exc

    def refund(self, keys: _Keys, items: int) -> None:
        try:
            self._refund(keys=[keys.minute, keys.day], args=[items])
        except self.failure as exc:
            raise QuotaUnavailable(str(exc)) from exc

    def read(self, keys: _Keys) -> tuple[int, int]:
        try:
            minute, day = self.client.mget([keys.minute, keys.day])
        except self.failure as exc:
            raise QuotaUnavailable(str(exc)) from exc
        return int(minute or 0), int(day or 0)


class _Memory:
    """The same step under a lock, for one process; windows that have ended are dropped."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.ends: dict[str, int] = {}

    def _sweep(self, now: int) -> None:
        for key in [k for k, end in self.ends.items() if end <= now]:
            self.counts.pop(key, None)
            self.ends.pop(key, None)

    def charge(self, keys: _Keys, per_minute: int, per_day: int, items: int, now: int) -> tuple[int, int, int, int]:
        with self.lock:
            self._sweep(now)
            minute, day = self.counts.get(keys.minute, 0), self.counts.get(keys.day, 0)
            if minute + 1 > per_minute:
                return 0, minute, day, 1
            if day + items > per_day:
                return 0, minute, day, 2
            self.counts[keys.minute], self.ends[keys.minute] = minute + 1, keys.minute_reset
            self.counts[keys.day], self.ends[keys.day] = day + items, keys.day_reset
            return 1, minute + 1, day + items, 0

    def refund(self, keys: _Keys, items: int) -> None:
        with self.lock:
            for key, amount in ((keys.minute, 1), (keys.day, items)):
                if key in self.counts:
                    self.counts[key] = max(0, self.counts[key] - amount)

    def read(self, keys: _Keys) -> tuple[int, int]:
        with self.lock:
            return self.counts.get(keys.minute, 0), self.counts.get(keys.day, 0)
