"""Pagination: page numbers inside the result window, `after` cursors at any depth — the same
sequence of subjects and records on every engine."""
from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from credit.search import QueryError, RecordQuery, SubjectQuery
from tests.conftest import TODAY, walk
from tests.contract import builders, oracle
from tests.contract.builders import licence, uscc

# Names of one shape, so every one scores the same for 湖北贸易 on any engine and the order
# falls to the tie-breaker (code): a text query whose full sequence is known.
MANY = 150


@pytest.fixture(scope="module")
def many_docs(catalog) -> list[dict]:
    rows = [licence(f"湖北贸易{i:03d}有限公司", uscc("91", "420100", 5000 + (i * 7919) % 1000), 1 + i % 30)
            for i in range(MANY)]
    return builders.publish_rows(rows, catalog, TODAY)


@pytest.fixture
def many(index, many_docs):
    index.upsert(many_docs)
    index.refresh()
    return index


@pytest.fixture
def narrow(backend, make_index, many_docs):
    """`many` with a result window of 60 instead of 10,000, so 'deep' is reached with a small data set."""
    index = make_index(backend, result_window=60)
    index.upsert(many_docs)
    index.refresh()
    return index


@pytest.mark.parametrize("text", ["", "湖北贸易"])
def test_cursors_walk_every_subject_once_in_order(narrow, many_docs, text):
    q = SubjectQuery(text=text, today=TODAY, size=20)
    codes = [h.doc["code"] for h in walk(narrow.search_subjects, q)]
    assert codes == oracle.subject_codes(many_docs, q)
    assert len(codes) == MANY


def test_page_numbers_inside_the_window(narrow, many_docs):
    expected = oracle.subject_codes(many_docs, SubjectQuery(today=TODAY))
    for page_no in (1, 2, 3):
        page = narrow.search_subjects(SubjectQuery(text="湖北贸易", today=TODAY, size=20, page=page_no))
        assert [h.doc["code"] for h in page.hits] == expected[(page_no - 1) * 20:page_no * 20]
        assert page.total == MANY


def test_pages_beyond_the_window_are_refused(narrow):
    with pytest.raises(QueryError):
        narrow.search_subjects(SubjectQuery(today=TODAY, size=20, page=4))
    with pytest.raises(QueryError):
        narrow.search_records(RecordQuery(today=TODAY, size=20, page=4))
    with pytest.raises(QueryError):
        narrow.search_subjects(SubjectQuery(today=TODAY, size=0))


def test_a_page_number_page_continues_with_its_cursor(narrow, many_docs):
    expected = oracle.subject_codes(many_docs, SubjectQuery(today=TODAY))
    third = narrow.search_subjects(SubjectQuery(today=TODAY, size=20, page=3))
    rest = walk(narrow.search_subjects, SubjectQuery(today=TODAY, size=20, after=third.next_after))
    assert [h.doc["code"] for h in third.hits + rest] == expected[40:]


def test_last_short_page_has_no_cursor(many):
    page = many.search_subjects(SubjectQuery(today=TODAY, size=100, page=2))
    assert len(page.hits) == MANY - 100 and page.next_after is None


def test_record_cursors_walk_in_date_order(narrow, many_docs):
    q = RecordQuery(today=TODAY, size=20)
    ids = [h.doc["id"] for h in walk(narrow.search_records, q)]
    assert ids == oracle.record_ids(many_docs, q)
    assert len(ids) == MANY


def test_a_bad_cursor_is_a_query_error(many):
    with pytest.raises(QueryError):
        many.search_subjects(SubjectQuery(today=TODAY, after="not a cursor"))
    with pytest.raises(QueryError):
        many.search_records(RecordQuery(today=TODAY, after="not a cursor"))


# Cursors no engine ever hands out: wrong shapes, numbers no engine can compare, nesting deeper
# than the JSON parser's stack. Each was once a 500 on some engine.
MALFORMED = ['[[1],"x"]', f'[{2 ** 64},"x"]', f'[-{2 ** 63 + 1},"x"]', '[1e400,"x"]', '[NaN,"x"]',
             '[null,"x"]', '[true,"x"]', '{"a":1}', '"x"', '[' * 5000 + ']' * 5000, '\udcff']


@pytest.mark.parametrize("raw", MALFORMED, ids=lambda raw: raw[:12])
def test_malformed_cursors_are_query_errors(many, raw):
    after = base64.urlsafe_b64encode(raw.encode(errors="surrogatepass")).decode().rstrip("=")
    for search, query in ((many.search_subjects, SubjectQuery(text="湖北贸易", today=TODAY)),
                          (many.search_records, RecordQuery(today=TODAY))):
        with pytest.raises(QueryError):
            search(replace(query, after=after))


def test_every_page_of_a_query_reads_the_same_shard_copies(make_index, many_docs, monkeypatch):
    """Copies of a shard may score differently: one `preference` per query keeps its pages consistent."""
    index = make_index("elasticsearch")
    index.upsert(many_docs)
    index.refresh()
    sent, search = [], index.client.search
    monkeypatch.setattr(index.client, "search", lambda **kw: sent.append(kw.get("preference")) or search(**kw))
    walk(index.search_subjects, SubjectQuery(text="湖北贸易", today=TODAY, size=40))
    walk(index.search_subjects, SubjectQuery(text="湖北贸易", today=TODAY, size=60))   # another page size
    assert len(sent) == 4 + 3 and len(set(sent)) == 1
    assert sent[0] and not sent[0].startswith("_")          # "_…" values are Elasticsearch's own
    index.search_subjects(SubjectQuery(text="湖北贸易001", today=TODAY))
    index.search_records(RecordQuery(today=TODAY))
    assert len(set(sent)) == 3                              # other queries spread over the copies


# Social organisations registered before USCCs carry certificate numbers such as
# 湖北省民政厅社证字第0001号: longer than 24 bytes in UTF-8, and alike in their first 24.
LONG_CODES = [f"湖北省民政厅社证字第{n:04d}号" for n in (7, 3, 9, 1, 5, 2, 8, 4, 6)]


@pytest.fixture
def long_coded(index, catalog):
    rows = [licence(f"湖北贸易{i:03d}协会", "", 1 + i) for i in range(len(LONG_CODES))]
    for (_kind, raw), code in zip(rows, LONG_CODES, strict=True):
        del raw["code_uscc"]
        raw["code_social"] = code
    docs = builders.publish_rows(rows, catalog, TODAY)
    index.upsert(docs)
    index.refresh()
    return index, docs


@pytest.mark.parametrize("text", ["", "湖北贸易"])
@pytest.mark.parametrize("size", [1, 2, 4])
def test_ties_between_long_codes_alike_in_their_first_bytes_keep_code_order(long_coded, size, text):
    """Equal scores are ordered by the whole code, page numbers and cursors alike, however long."""
    index, docs = long_coded
    q = SubjectQuery(text=text, today=TODAY, size=size)
    assert [h.doc["code"] for h in walk(index.search_subjects, q)] == sorted(LONG_CODES)
    paged = [h.doc["code"] for p in range(1, len(LONG_CODES) // size + 2)
             for h in index.search_subjects(replace(q, page=p)).hits]
    assert paged == sorted(LONG_CODES)
    assert index.record_counts(LONG_CODES, TODAY) == oracle.counts(docs, LONG_CODES, TODAY)
