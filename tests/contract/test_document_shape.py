"""The public documents have one shape (credit.documents: RecordDocument, SubjectDocument), and
both engines follow it in both directions: every document field is mapped in Elasticsearch and
every mapped field is a document field; the embedded engine's indexed fields are document fields
(or its own: sort keys, name slots), and its stored bodies are the whole documents (test_documents:
upsert then get returns the document)."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import tantivy

from credit.documents import BODY_ONLY, ListEntry, NameTerms, RecordDocument, SubjectDocument
from credit.search import mapping
from credit.search import tantivy_queries as fields

RECORD, SUBJECT = set(RecordDocument.__annotations__), set(SubjectDocument.__annotations__)
# The embedded engine's own fields, not document fields: the stored body, sort keys, name slots.
OWN = {fields.BODY, fields.RECORD_SORT, fields.SLOTS, fields.KIND_KEY, *fields.CODE_KEYS}
SLOT_FIELDS = {f"{field}_{slot}" for field in fields.SLOT_FIELDS for slot in range(fields.NAME_SLOTS)}


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


def test_embedded_fields_are_document_fields():
    document_fields = set(fields.KEYWORDS) | set(fields.DAYS)
    assert document_fields <= RECORD | SUBJECT
    assert set(NameTerms.__annotations__) <= set(fields.SLOT_FIELDS)   # one field per name part, per slot
    assert document_fields | OWN | SLOT_FIELDS == _embedded_fields()


def _embedded_fields() -> set[str]:
    """The field names of the schema, as tantivy writes it into a new index's meta.json."""
    with tempfile.TemporaryDirectory() as folder:
        tantivy.Index(fields.SCHEMA, path=folder)
        meta = json.loads((Path(folder) / "meta.json").read_text(encoding="utf-8"))
    return {field["name"] for field in meta["schema"]}


def test_no_engine_indexes_a_body_only_field():
    assert not _embedded_fields() & BODY_ONLY
