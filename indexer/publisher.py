"""Database → public index: rebuild the public documents of given subjects, or of all of them."""
from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, sessionmaker

from credit.catalog import Catalog
from credit.models import Record
from credit.search import SearchIndex
from indexer.workers import ordered_map, publish_chunk

CHUNK = 1000  # subjects per database query and per index write


@dataclass
class PublishStats:
    written: int = 0
    failed: int = 0    # documents the engine refused (each is logged by the engine with its reason)
    removed: int = 0


def chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def records_by_subject(session: Session, keys: list[str]) -> dict[str, list[Row]]:
    """The subjects' full records as plain rows (attribute access, as credit.publish expects)."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in session.execute(select(Record.__table__).where(Record.subject_key.in_(keys))):
        grouped[row.subject_key].append(row)
    return grouped


def _documents(database_url: str, catalog: Catalog, keys: Iterable[str], today: date, pool: Executor,
               progress) -> Iterator[tuple[list[dict], list[str]]]:
    tasks = ((database_url, catalog.profile_name, chunk, today) for chunk in chunks(keys, CHUNK))
    for docs, hidden, subjects in ordered_map(pool, publish_chunk, tasks):
        yield docs, hidden
        if progress:
            progress.update(subjects)


def publish(database_url: str, index: SearchIndex, catalog: Catalog, keys: Iterable[str], today: date,
            pool: Executor, progress=None) -> PublishStats:
    """Write the current public documents of these subjects and remove what may no longer be shown."""
    stats = PublishStats()
    for docs, hidden in _documents(database_url, catalog, sorted(set(keys)), today, pool, progress):
        written = index.upsert(docs)
        stats.written += written
        stats.failed += len(docs) - written
        index.delete(hidden)
        stats.removed += len(hidden)
    return stats


def all_subject_keys(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Record.subject_key).distinct().order_by(Record.subject_key)))


def all_documents(database_url: str, catalog: Catalog, keys: list[str], today: date, pool: Executor,
                  progress=None) -> Iterator[dict]:
    """Every public document of these subjects, built from the database (for a full rebuild)."""
    for docs, _hidden in _documents(database_url, catalog, keys, today, pool, progress):
        yield from docs
