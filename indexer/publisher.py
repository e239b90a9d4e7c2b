"""Database → public index: rebuild the public documents of given subjects, or of all of them."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from credit.catalog import Catalog
from credit.models import Record
from credit.publish import publish_subject
from credit.search import SearchIndex

CHUNK = 500  # subjects per database query and per index write


@dataclass
class PublishStats:
    written: int = 0
    removed: int = 0


def chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _records_by_subject(session: Session, keys: list[str]) -> dict[str, list[Record]]:
    grouped: dict[str, list[Record]] = defaultdict(list)
    for record in session.scalars(select(Record).where(Record.subject_key.in_(keys))):
        grouped[record.subject_key].append(record)
    return grouped


def publish(sessions: sessionmaker[Session], index: SearchIndex, catalog: Catalog, keys: Iterable[str],
            today: date, progress=None) -> PublishStats:
    """Write the current public documents of these subjects and remove what may no longer be shown."""
    stats = PublishStats()
    for chunk in chunks(sorted(set(keys)), CHUNK):
        with sessions() as session:
            grouped = _records_by_subject(session, chunk)
        docs, hidden = [], []
        for key in chunk:
            out = publish_subject(key, grouped.get(key, []), catalog, today)
            docs += out.docs
            hidden += out.hidden
        stats.written += index.upsert(docs)
        index.delete(hidden)
        stats.removed += len(hidden)
        if progress:
            progress.update(len(chunk))
    return stats


def all_subject_keys(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Record.subject_key).distinct().order_by(Record.subject_key)))


def all_documents(sessions: sessionmaker[Session], catalog: Catalog, today: date, progress=None) -> Iterator[dict]:
    """Every public document, built from the database (for a full rebuild)."""
    for chunk in chunks(all_subject_keys(sessions), CHUNK):
        with sessions() as session:
            grouped = _records_by_subject(session, chunk)
        for key in chunk:
            yield from publish_subject(key, grouped.get(key, []), catalog, today).docs
        if progress:
            progress.update(len(chunk))
