"""The generated sample (indexer/sample/) on every engine: the same hit sets, totals, facets and
cursor sequences as the documents themselves dictate, and the SPEC §5 rules among hundreds of
similar names. Also the real ingest writing into Elasticsearch."""
from __future__ import annotations

from contextlib import closing
from dataclasses import replace
from datetime import timedelta

import pytest

from analyzers import analyze_query
from credit.search import RecordQuery, SubjectQuery
from credit.search.embedded import EmbeddedIndex
from tests.conftest import TODAY, ingest_into, make_settings, walk
from tests.contract import oracle
from tests.contract.conftest import BACKENDS, delete_indices


@pytest.fixture(scope="module")
def sample_docs(request, catalog) -> list[dict]:
    pytest.importorskip("indexer.sample", reason="the sample generator is not there yet")
    from credit.db import session_factory
    from indexer.pool import executor
    from indexer.publisher import all_documents, all_subject_keys

    settings, _report = request.getfixturevalue("sample_instance")
    keys = all_subject_keys(session_factory(settings.database_url))
    return list(all_documents(settings, catalog, keys, TODAY, executor(1)))


@pytest.fixture(scope="module", params=BACKENDS)
def sample(request, sample_docs, elastic, run_prefix, tmp_path_factory):
    """The whole sample in one engine, built with rebuild() (read-only for the tests)."""
    if request.param == "embedded":
        index = EmbeddedIndex(tmp_path_factory.mktemp("sample-index") / "search.tantivy")
    elif elastic is None:
        pytest.skip("Elasticsearch: ELASTICSEARCH_URL is not set and the noida-db stand-in is not available")
    else:
        from credit.search.elastic import ElasticIndex

        index = ElasticIndex.from_settings(make_settings(tmp_path_factory.mktemp("es"), search_url=elastic.url,
                                                         search_prefix=f"{run_prefix}-sample", es_replicas=0))
    assert index.rebuild(iter(sample_docs)) == len(sample_docs)
    yield index
    index.close()
    if request.param == "elasticsearch":
        delete_indices(elastic.url, f"{run_prefix}-sample")


def every_nth(docs, n=9):
    return oracle.subjects(docs)[::n]


def test_every_subject_once_in_code_order(sample, sample_docs):
    q = SubjectQuery(today=TODAY, size=37)
    assert [h.doc["code"] for h in walk(sample.search_subjects, q)] == oracle.subject_codes(sample_docs, q)


def _filters(docs):
    subjects = oracle.subjects(docs)
    departments = sorted({dep for d in subjects for dep in d["departments"]})
    regions = sorted({r for d in subjects for r in d["region"]})
    return ([{"kind": k} for k in ("licence", "penalty", "list")]
            + [{"department": dep} for dep in departments[:: max(1, len(departments) // 6)]]
            + [{"region": r} for r in regions[:: max(1, len(regions) // 6)]]
            + [{"date_from": TODAY - timedelta(days=90)}, {"date_to": TODAY - timedelta(days=700)},
               {"kind": "penalty", "date_from": TODAY - timedelta(days=200), "date_to": TODAY - timedelta(days=100)}])


def test_filters_totals_and_facets(sample, sample_docs):
    for filters in _filters(sample_docs):
        q = SubjectQuery(today=TODAY, size=50, facets=True, **filters)
        first = sample.search_subjects(q)
        expected = oracle.subject_codes(sample_docs, q)
        assert first.total == len(expected), filters
        assert [h.doc["code"] for h in walk(sample.search_subjects, q)] == expected, filters
        assert first.facets == {"kind": oracle.subject_kind_facet(sample_docs, q),
                                "department": oracle.subject_department_facet(sample_docs, q)}, filters


def test_full_names_come_first(sample, sample_docs):
    for doc in every_nth(sample_docs):
        q = SubjectQuery(text=doc["name"], today=TODAY, size=50)
        hits = walk(sample.search_subjects, q)
        assert hits[0].doc["name_norm"] == doc["name_norm"], doc["name"]
        assert sorted(h.doc["code"] for h in hits) == oracle.subject_codes(sample_docs, q), doc["name"]


def _rank(hit, q) -> int:
    """The SPEC §5 rule a hit satisfies: 3 exact name, 2 exact former name, 1 core name, 0 partial."""
    doc = hit.doc
    return 3 if doc["name_norm"] == q.norm else 2 if q.norm in doc["former_norms"] else 1 if doc["name_core"] == q.core else 0


def test_short_names_rank_their_companies_above_partial_matches(sample, sample_docs):
    tried = 0
    for doc in every_nth(sample_docs, 5):
        core = doc["name_core"]
        if core == doc["name_norm"] or len(core) < 2:
            continue
        tried += 1
        q = analyze_query(core)
        hits = walk(sample.search_subjects, SubjectQuery(text=core, today=TODAY, size=50))
        assert doc["code"] in [h.doc["code"] for h in hits], core
        ranks = [_rank(h, q) for h in hits]
        assert ranks == sorted(ranks, reverse=True), core
    assert tried >= 10


def test_former_names_find_their_subjects(sample, sample_docs):
    renamed = [d for d in oracle.subjects(sample_docs) if d["former_names"]]
    if not renamed:
        pytest.skip("this sample has no renamed subject")
    for doc in renamed:
        q = analyze_query(doc["former_names"][0])
        hits = sample.search_subjects(SubjectQuery(text=doc["former_names"][0], today=TODAY, size=10)).hits
        assert doc["code"] in [h.doc["code"] for h in hits if _rank(h, q) >= 2]
        assert _rank(hits[0], q) >= 2


@pytest.mark.parametrize("filters", [{"list_type": "red"}, {"list_type": "black"}, {"list_type": "focus"},
                                     {"kinds": ("penalty",)}, {"kinds": ("licence",), "region": "420100"}])
def test_record_lists(sample, sample_docs, filters):
    q = RecordQuery(today=TODAY, size=40, **filters)
    ids = [h.doc["id"] for h in walk(sample.search_records, q)]
    assert ids == oracle.record_ids(sample_docs, q)
    facets = sample.search_records(replace(q, facets=True)).facets
    assert facets == oracle.record_facets(sample_docs, q)


def test_counts_read_from_subject_documents_are_the_records_counted(sample, sample_docs):
    subjects = every_nth(sample_docs, 5)
    codes = [d["code"] for d in subjects]
    # On later days records leave publicity one by one: the days carried must say so as the records do.
    for day in (TODAY, TODAY + timedelta(days=200), TODAY + timedelta(days=400), TODAY + timedelta(days=1200)):
        expected = oracle.counts(sample_docs, codes, day)
        assert sample.subject_counts(subjects, day) == expected
        assert sample.record_counts(codes, day) == expected
    # A subject document written before they carried the days is counted from its records.
    older = [{k: v for k, v in d.items() if k != "untils"} for d in subjects[:5]]
    assert sample.subject_counts(older, TODAY) == oracle.counts(sample_docs, codes[:5], TODAY)


def test_record_counts_and_profiles(sample, sample_docs):
    codes = [d["code"] for d in every_nth(sample_docs, 7)]
    assert sample.record_counts(codes, TODAY) == oracle.counts(sample_docs, codes, TODAY)
    for code in codes[:10]:
        q = RecordQuery(subject_code=code, today=TODAY, size=100)
        assert [h.doc["id"] for h in sample.search_records(q).hits] == oracle.record_ids(sample_docs, q)


def test_ingest_into_elasticsearch_counts_what_reached_the_index(sample_dir, sample_instance, elastic, run_prefix,
                                                                 tmp_path):
    if elastic is None:
        pytest.skip("Elasticsearch: ELASTICSEARCH_URL is not set and the noida-db stand-in is not available")
    from credit.search import open_index

    settings = make_settings(tmp_path, search_url=elastic.url, search_prefix=f"{run_prefix}-ingest", es_replicas=0)
    try:
        report = ingest_into(settings, [str(sample_dir)])
        _embedded_settings, embedded_report = sample_instance
        assert report.indexed == embedded_report.indexed
        assert report.as_json()["rejected"] == embedded_report.as_json()["rejected"]
        index = open_index(settings)
        try:
            assert index.health()["documents"] == report.indexed
        finally:
            index.close()
    finally:
        delete_indices(elastic.url, f"{run_prefix}-ingest")


def test_a_publish_refreshes_the_index_once(sample_dir, elastic, run_prefix, tmp_path, monkeypatch):
    """A refresh makes every shard write a new segment: once per publish, not once per bulk chunk."""
    if elastic is None:
        pytest.skip("Elasticsearch: ELASTICSEARCH_URL is not set and the noida-db stand-in is not available")
    from elasticsearch import Elasticsearch

    from credit.search import open_index

    with Elasticsearch(elastic.url) as client:
        indices = type(client.indices)                     # every client's `indices` is one of these
    refreshed, refresh = [], indices.refresh
    monkeypatch.setattr(indices, "refresh", lambda self, **kw: refreshed.append(kw["index"]) or refresh(self, **kw))
    prefix = f"{run_prefix}-refresh"
    # One worker: chunks are written in this process, where they are counted; several chunks.
    settings = make_settings(tmp_path, search_url=elastic.url, search_prefix=prefix, es_replicas=0,
                             ingest_workers=1, publish_chunk=50)
    try:
        report = ingest_into(settings, [str(sample_dir)])
        assert refreshed == [f"{prefix}-public"]
        with closing(open_index(settings)) as index:   # and what ingest reports is found at once
            assert index.health()["documents"] == report.indexed
    finally:
        delete_indices(elastic.url, prefix)
