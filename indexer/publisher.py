"""Database → public index: rebuild the public documents of given subjects, or of all of them;
and, for ingest, publish subjects whose records' documents were built as their rows were validated.

Building (credit/documents.py) and writing run in pool workers, a chunk of subjects each: workers
read the database (SQLite allows concurrent readers) or the run's spool (indexer/spool.py) and
write the index, whose engine serializes concurrent writers itself."""
from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Executor
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Iterable, Iterator, NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, sessionmaker

from credit.batches import chunks
from credit.catalog import Catalog, load_catalog
from credit.config import Settings
from credit.db import engine_for, session_factory
from credit.documents import RecordPart, assemble_subject, subject_documents
from credit.models import Record
from credit.search import SearchIndex, open_index
from indexer import spool
from indexer.pool import ordered_map


@dataclass
class PublishStats:
    written: int = 0
    failed: int = 0    # documents the engine refused (each is logged by the engine with its reason)
    removed: int = 0


_PUBLISHED_COLUMNS = tuple(c for c in Record.__table__.c if c.name != "original")


def records_by_subject(session: Session, keys: list[str]) -> dict[str, list[Row]]:
    """The subjects' full records as plain rows (attribute access, as credit.documents expects): what
    publishing reads, not the row as sent, which would double what is read and decoded."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in session.execute(select(*_PUBLISHED_COLUMNS).where(Record.subject_key.in_(keys))):
        grouped[row.subject_key].append(row)
    return grouped


def build_chunk(database_url: str, profile: str, keys: list[str], today: date):
    """(documents, hidden ids, number of subjects) of these subjects, read from the database."""
    catalog = load_catalog(profile)
    with session_factory(database_url)() as session:
        grouped = records_by_subject(session, keys)
    docs, hidden = [], []
    for key in keys:
        out = subject_documents(key, grouped.get(key, []), catalog, today)
        docs += out.docs
        hidden += out.hidden
    return docs, hidden, len(keys)


def _call(fn, args):
    return fn(*args)


@lru_cache(maxsize=4)
def _index(settings: Settings) -> SearchIndex:
    return open_index(settings)


class Prepared(NamedTuple):
    """A chunk's documents made ready for the one process that writes them (SearchIndex.one_writer)."""
    prepared: list
    hidden: list[str]


def _write_or_prepare(settings: Settings, docs: list[dict], hidden: list[str]) -> tuple[int, int, int] | Prepared:
    """Write a chunk's documents from this worker, so building and writing run on every core; or,
    for an engine with one writer, prepare them here for the parent to write."""
    index = _index(settings)
    if index.one_writer:
        return Prepared(index.prepare(docs), hidden)
    written = index.upsert(docs)
    index.delete(hidden)
    return written, len(docs) - written, len(hidden)


def publish_chunk(settings: Settings, profile: str, keys: list[str], today: date):
    """Build these subjects' documents and write (or prepare) them. Returns (what
    _write_or_prepare returns, number of subjects)."""
    docs, hidden, subjects = build_chunk(settings.database_url, profile, keys, today)
    return _write_or_prepare(settings, docs, hidden), subjects


class FreshPart(NamedTuple):
    """A record first stored by this ingest, as its subject's documents need it: RecordPart, with
    the document where the worker that built it left it."""
    public_id: str
    doc: spool.DocRef | None
    registered_code: str
    public_code: str | None


def publish_fresh_chunk(settings: Settings, profile: str, subjects: list[tuple[str, list[FreshPart]]]):
    """publish_chunk for subjects whose records' documents are in the spool: nothing is read
    from the database."""
    catalog = load_catalog(profile)
    docs, hidden = [], []
    for key, parts in subjects:
        out = assemble_subject(key, [RecordPart(p.public_id, p.doc and spool.read(p.doc), p.registered_code,
                                                p.public_code) for p in parts], catalog)
        docs += out.docs
        hidden += out.hidden
    return _write_or_prepare(settings, docs, hidden), len(subjects)


def forget_parent_connections() -> None:
    """What a forked worker runs first: connections and files opened before the fork belong to the parent."""
    engine_for.cache_clear()
    _index.cache_clear()
    spool.forget()


def publish(settings: Settings, catalog: Catalog, keys: Iterable[str], today: date, pool: Executor,
            progress=None, fresh: dict[str, list[FreshPart]] | None = None) -> PublishStats:
    """Write the current public documents of these subjects and remove what may no longer be shown;
    and those of the `fresh` subjects, from their parts."""
    stats = PublishStats()
    tasks = [(publish_chunk, (settings, catalog.profile_name, chunk, today))
             for chunk in chunks(sorted(set(keys)), settings.publish_chunk)]
    tasks += [(publish_fresh_chunk, (settings, catalog.profile_name, chunk))
              for chunk in chunks(sorted((fresh or {}).items()), settings.publish_chunk)]
    with closing(open_index(settings)) as index:
        with index.bulk() as write:
            for result, subjects in ordered_map(pool, _call, tasks):
                written, refused, removed = write(*result) if isinstance(result, Prepared) else result
                stats.written += written
                stats.failed += refused
                stats.removed += removed
                if progress:
                    progress.update(subjects)
        # Once, after every chunk is written: searches then find all of this publish at once.
        index.refresh()
    return stats


def all_subject_keys(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Record.subject_key).distinct().order_by(Record.subject_key)))


def rebuild_documents(settings: Settings, catalog: Catalog, today: date, pool: Executor,
                      progress=None) -> Iterator[dict]:
    """Every public document, for SearchIndex.rebuild: the subjects are listed only when the first
    document is asked for, i.e. once the new version receives concurrent writes, so a subject
    ingested just before is either listed here or written there. `progress` learns the total then."""
    keys = all_subject_keys(session_factory(settings.database_url))
    if progress is not None:
        progress.reset(total=len(keys))
    yield from all_documents(settings, catalog, keys, today, pool, progress)


def all_documents(settings: Settings, catalog: Catalog, keys: list[str], today: date, pool: Executor,
                  progress=None) -> Iterator[dict]:
    """Every public document of these subjects, built from the database (for a full rebuild)."""
    tasks = ((settings.database_url, catalog.profile_name, chunk, today)
             for chunk in chunks(keys, settings.publish_chunk))
    for docs, _hidden, subjects in ordered_map(pool, build_chunk, tasks):
        yield from docs
        if progress:
            progress.update(subjects)
