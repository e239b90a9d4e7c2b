"""Database → public index: rebuild the public documents of given subjects, or of all of them."""
from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Executor
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, sessionmaker

from credit.batches import chunks
from credit.catalog import Catalog
from credit.config import Settings
from credit.db import session_factory
from credit.models import Record
from credit.search import open_index
from indexer.workers import build_chunk, ordered_map, publish_chunk

CHUNK = 1000  # subjects per database query and per index write


@dataclass
class PublishStats:
    written: int = 0
    failed: int = 0    # documents the engine refused (each is logged by the engine with its reason)
    removed: int = 0


_PUBLISHED_COLUMNS = tuple(c for c in Record.__table__.c if c.name != "original")


def records_by_subject(session: Session, keys: list[str]) -> dict[str, list[Row]]:
    """The subjects' full records as plain rows (attribute access, as credit.publish expects): what
    publishing reads, not the row as sent, which would double what is read and decoded."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in session.execute(select(*_PUBLISHED_COLUMNS).where(Record.subject_key.in_(keys))):
        grouped[row.subject_key].append(row)
    return grouped


def publish(settings: Settings, catalog: Catalog, keys: Iterable[str], today: date, pool: Executor,
            progress=None) -> PublishStats:
    """Write the current public documents of these subjects and remove what may no longer be shown."""
    stats = PublishStats()
    tasks = ((settings, catalog.profile_name, chunk, today) for chunk in chunks(sorted(set(keys)), CHUNK))
    for written, refused, removed, subjects in ordered_map(pool, publish_chunk, tasks):
        stats.written += written
        stats.failed += refused
        stats.removed += removed
        if progress:
            progress.update(subjects)
    # Once, after every chunk is written: searches then find all of this publish at once.
    with closing(open_index(settings)) as index:
        index.refresh()
    return stats


def all_subject_keys(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Record.subject_key).distinct().order_by(Record.subject_key)))


def rebuild_documents(database_url: str, catalog: Catalog, today: date, pool: Executor,
                      progress=None) -> Iterator[dict]:
    """Every public document, for SearchIndex.rebuild: the subjects are listed only when the first
    document is asked for, i.e. once the new version receives concurrent writes, so a subject
    ingested just before is either listed here or written there. `progress` learns the total then."""
    keys = all_subject_keys(session_factory(database_url))
    if progress is not None:
        progress.reset(total=len(keys))
    yield from all_documents(database_url, catalog, keys, today, pool, progress)


def all_documents(database_url: str, catalog: Catalog, keys: list[str], today: date, pool: Executor,
                  progress=None) -> Iterator[dict]:
    """Every public document of these subjects, built from the database (for a full rebuild)."""
    tasks = ((database_url, catalog.profile_name, chunk, today) for chunk in chunks(keys, CHUNK))
    for docs, _hidden, subjects in ordered_map(pool, build_chunk, tasks):
        yield from docs
        if progress:
            progress.update(subjects)
