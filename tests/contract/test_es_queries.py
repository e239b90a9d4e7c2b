"""The Elasticsearch request bodies checked against the mapping, without an engine.

The noida-db stand-in accepts some requests real Elasticsearch refuses (searching a field mapped
`index: false`, sorting without doc values, a phrase query on a field indexed without positions),
so these rules are checked here, on the bodies es_queries.py builds. And every read must carry the
publicity filter."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from analyzers import analyze_query
from credit.config import Settings
from credit.search import RecordQuery, SubjectQuery, es_queries, mapping
from credit.search.base import encode_cursor

TODAY = date(2025, 6, 1)
SETTINGS = Settings()
LEAF_QUERIES = ("term", "terms", "range", "match", "match_phrase")


def reads() -> list[dict]:
    q = analyze_query("武汉市光谷科技有限公司")
    return [
        es_queries.subject_search(SubjectQuery(text="x", today=TODAY, facets=True), q, SETTINGS),
        es_queries.subject_search(SubjectQuery(code="91420111000000101X", kind="penalty", department="税务局",
                                            region="420100", date_from=TODAY - timedelta(days=9), date_to=TODAY,
                                            today=TODAY, after=encode_cursor([12.5, "9142"])), None, SETTINGS),
        es_queries.record_search(RecordQuery(subject_code="9142", kinds=("licence", "list"), list_type="red",
                                          list_name="A级纳税人", department="税务局", region="420000",
                                          date_from=TODAY - timedelta(days=9), date_to=TODAY, today=TODAY,
                                          facets=True), SETTINGS),
        es_queries.record_search(RecordQuery(today=TODAY, after=encode_cursor([1717200000000, "abc"])), SETTINGS),
        es_queries.record_counts(["9142", "9144"], TODAY),
        es_queries.document("s-9142", TODAY),
    ]


def leaves(node, path: str | None = None):
    """(query type, field, nested path it is asked under) of every leaf query in a query tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in LEAF_QUERIES and isinstance(value, dict):
                yield key, next(iter(value)), path
            elif key == "nested":
                yield from leaves(value["query"], value["path"])
            else:
                yield from leaves(value, path)
    elif isinstance(node, list):
        for item in node:
            yield from leaves(item, path)


def field_spec(field: str) -> dict:
    """The mapping of a field, dotted names reaching into objects (names.chars)."""
    *parents, leaf = field.split(".")
    props = mapping.PROPERTIES
    for parent in parents:
        props = props[parent]["properties"]
    return props[leaf]


def sort_and_agg_fields(body: dict):
    for clause in body.get("sort", []):
        field = next(iter(clause))
        if field != "_score":
            yield field
    for agg in body.get("aggs", {}).values():
        if "terms" in agg:
            yield agg["terms"]["field"]
        for sub in agg.get("aggs", {}).values():
            yield sub["terms"]["field"]


@pytest.mark.parametrize("body", reads())
def test_every_read_passes_the_publicity_filter(body):
    filters = body["query"]["bool"]["filter"]
    assert {"range": {"public_until": {"gte": TODAY.isoformat()}}} in filters
    assert any("doc_type" in f.get("terms", {}) for f in filters)


@pytest.mark.parametrize("body", reads())
def test_queried_fields_are_indexed_the_way_they_are_queried(body):
    props = mapping.PROPERTIES
    agg_queries = [agg["filters"]["filters"] for agg in body.get("aggs", {}).values() if "filters" in agg]
    for kind, field, path in [*leaves(body["query"]), *leaves(agg_queries)]:
        spec = field_spec(field)
        # A field inside a nested object is only found by a `nested` query on its path.
        parent = field.rpartition(".")[0]
        assert path == (parent if parent and props[parent]["type"] == "nested" else None), field
        assert spec.get("index", True), f"{field} is not indexed"
        if kind in ("match", "match_phrase"):
            assert spec["type"] == "text", field
        if kind == "match_phrase":
            assert spec.get("index_options", "positions") in ("positions", "offsets"), field
        if kind in ("term", "terms", "range"):
            assert spec["type"] in ("keyword", "date", "boolean"), field


@pytest.mark.parametrize("body", reads())
def test_sorted_and_aggregated_fields_have_doc_values(body):
    for field in sort_and_agg_fields(body):
        spec = mapping.PROPERTIES[field]
        assert spec["type"] in ("keyword", "date") and spec.get("doc_values", True), field


def test_pages_use_from_inside_the_window_and_search_after_beyond():
    page_3 = es_queries.subject_search(SubjectQuery(today=TODAY, page=3, size=20), None, SETTINGS)
    assert page_3["from"] == 40 and "search_after" not in page_3
    deep = es_queries.subject_search(SubjectQuery(today=TODAY, size=20, after=encode_cursor([0.0, "9142"])), None, SETTINGS)
    assert "from" not in deep and deep["search_after"] == [0.0, "9142"]


def test_the_expire_query_selects_exactly_what_the_filter_hides():
    assert es_queries.expired(TODAY) == {"range": {"public_until": {"lt": TODAY.isoformat()}}}


def test_documents_of_publish_fit_the_strict_mapping(world_docs):
    """Every key a published document carries is mapped (strict mapping would refuse it)."""
    for doc in world_docs:
        assert set(doc) <= set(mapping.PROPERTIES), set(doc) - set(mapping.PROPERTIES)
