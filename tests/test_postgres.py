"""The store on PostgreSQL (production): migrations, ingest with corrections, publishing."""
from __future__ import annotations

from sqlalchemy import select

from credit.db import session_factory
from credit.models import Record
from credit.search import RecordQuery, SubjectQuery, open_index
from tests.conftest import TODAY, ingest_into, make_settings


def stored_records(url: str) -> dict:
    with session_factory(url)() as session:
        return {r.identity: (r.values, r.revoked) for r in session.scalars(select(Record))}


def test_sample_ingests_into_postgres_like_sqlite(postgres_url, sample_dir, sample_instance, tmp_path):
    settings = make_settings(tmp_path, database_url=postgres_url)
    report = ingest_into(settings, [str(sample_dir)]).as_json()
    reference = sample_instance[1].as_json()
    for key in ("accepted", "rejected", "replaced", "indexed"):
        assert report[key] == reference[key], key
    before = stored_records(postgres_url)
    assert len(before) == reference["accepted"] - reference["replaced"]
    ingest_into(settings, [str(sample_dir)])   # idempotent on PostgreSQL too: the same records after a rerun
    assert stored_records(postgres_url) == before
    ours, theirs = open_index(settings), open_index(sample_instance[0])
    for query in (RecordQuery(today=TODAY), RecordQuery(list_type="black", today=TODAY)):
        assert ours.search_records(query).total == theirs.search_records(query).total
    assert ours.search_subjects(SubjectQuery(today=TODAY)).total == theirs.search_subjects(SubjectQuery(today=TODAY)).total
