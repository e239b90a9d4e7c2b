"""The public documents have one shape (credit.documents: RecordDocument, SubjectDocument), and
both engines follow it in both directions: every document field is mapped in Elasticsearch and
every mapped field is a document field; the embedded engine's columns are document fields, and
its stored bodies are the whole documents (test_documents: upsert then get returns the document)."""
from __future__ import annotations

import sqlite3

from credit.documents import BODY_ONLY, ListEntry, NameTerms, RecordDocument, SubjectDocument
from credit.search import mapping
from credit.search.embedded import SCHEMA, SUBJECT_VALUE_FIELDS

RECORD, SUBJECT = set(RecordDocument.__annotations__), set(SubjectDocument.__annotations__)
BODY = {"body", "rowid"}   # the embedded tables' own columns, not document fields


def _columns(table: str) -> set[str]:
    with sqlite3.connect(":memory:") as conn:
        conn.executescript(SCHEMA)
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def test_built_documents_have_exactly_the_declared_fields(world_docs):
    shapes = {"record": RECORD, "subject": SUBJECT}
    for doc in world_docs:
        assert set(doc) == shapes[doc["doc_type"]], doc["id"]
        if doc["doc_type"] == "subject":
            assert all(set(name) == set(NameTerms.__annotations__) for name in doc["names"])
            assert all(set(entry) == set(ListEntry.__annotations__) for entry in doc["lists"])
    assert {d["doc_type"] for d in world_docs} == set(shapes)


def test_the_mapping_maps_every_document_field_and_nothing_else():
    assert set(mapping.PROPERTIES) == RECORD | SUBJECT
    assert set(mapping.PROPERTIES["names"]["properties"]) == set(NameTerms.__annotations__)


def test_body_only_fields_are_the_unindexed_objects_of_the_mapping():
    unindexed = {f for f, spec in mapping.PROPERTIES.items() if spec.get("enabled") is False}
    assert unindexed == set(BODY_ONLY)
    assert BODY_ONLY <= RECORD | SUBJECT


def test_embedded_columns_are_document_fields():
    assert _columns("docs") - BODY <= RECORD
    assert _columns("subjects") - BODY <= SUBJECT
    assert set(SUBJECT_VALUE_FIELDS) <= SUBJECT
    assert _columns("subject_fts") == set(NameTerms.__annotations__)
    assert _columns("subject_bodies") == BODY


def test_no_engine_indexes_a_body_only_field():
    columns = _columns("docs") | _columns("subjects") | set(SUBJECT_VALUE_FIELDS)
    assert not columns & BODY_ONLY
