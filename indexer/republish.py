"""Rebuild a few subjects' public documents at once, from the database, after a change made outside
an ingest — an objection's marker, a suspension, a withdrawal, a statement or correction
(credit/objections.py), an approved credit repair (credit/repairs.py): the same documents
publish_chunk writes, upserted, and those that may no longer be shown deleted, then made visible
to searches."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from credit.catalog import Catalog
from credit.config import Settings
from credit.search import SearchIndex
from indexer.publisher import build_chunk


def republish(settings: Settings, catalog: Catalog, index: SearchIndex, keys: Iterable[str], today: date) -> int:
    """Write these subjects' current documents; returns how many were written."""
    keys = sorted(set(keys))
    if not keys:
        return 0
    docs, hidden, _subjects = build_chunk(settings.database_url, catalog.profile_name, keys, today)
    written = index.upsert(docs)
    index.delete(hidden)
    index.refresh()
    return written
