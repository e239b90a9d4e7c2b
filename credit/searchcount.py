"""Public searches per day, for the statistics (credit/stats.py), counted without a database write
per search: each portal worker adds up its searches in memory and writes the sums at most every
`every` seconds or `batch` searches, after the response that made them due has been sent; the rest
is written when the worker exits. A worker killed outright loses at most those few seconds' counts."""
from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter
from datetime import date

from sqlalchemy import Date, Integer, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from credit.models import Base

log = logging.getLogger(__name__)


class SearchCount(Base):
    __tablename__ = "search_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)   # China Standard Time
    searches: Mapped[int] = mapped_column(Integer)


class SearchCounter:
    """One per portal worker (thread-safe)."""

    def __init__(self, sessions: sessionmaker[Session], *, every: float = 5.0, batch: int = 500):
        self.sessions, self.every, self.batch = sessions, every, batch
        self._lock = threading.Lock()
        self._pending: Counter[date] = Counter()
        self._last = time.monotonic()
        atexit.register(self.flush, at_exit=True)

    def add(self, day: date) -> bool:
        """Count one search; True when the sums are due to be written (call `flush`, off the request's path)."""
        with self._lock:
            self._pending[day] += 1
            return sum(self._pending.values()) >= self.batch or time.monotonic() - self._last >= self.every

    def flush(self, at_exit: bool = False) -> None:
        with self._lock:
            pending, self._pending, self._last = self._pending, Counter(), time.monotonic()
        if not pending:
            return
        try:
            with self.sessions.begin() as db:
                for day, n in sorted(pending.items()):
                    _add(db, day, n)
        except SQLAlchemyError as exc:
            # Kept for the next write: a locked or unreachable database never fails a search.
            (log.info if at_exit else log.warning)("search counts not written yet: %s", exc)
            with self._lock:
                self._pending.update(pending)


def _add(db: Session, day: date, n: int) -> None:
    table = SearchCount.__table__
    if db.execute(update(table).where(table.c.day == day).values(searches=table.c.searches + n)).rowcount:
        return
    try:
        with db.begin_nested():
            db.execute(table.insert().values(day=day, searches=n))
    except IntegrityError:   # another worker wrote the day's first row meanwhile
        db.execute(update(table).where(table.c.day == day).values(searches=table.c.searches + n))


def per_day(db: Session, first: date, last: date) -> dict[date, int]:
    table = SearchCount.__table__
    return dict(db.execute(select(table.c.day, table.c.searches).where(table.c.day.between(first, last))
                           .order_by(table.c.day)).all())
