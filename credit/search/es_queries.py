"""Elasticsearch query builders: pure functions from query objects to request bodies (dicts).

Every read goes through `public_only`, which adds the publicity window (public_until >= the day
asked about) and the document type, so no caller can forget them. The ranking is the embedded
engine's (credit/search/embedded.py; constants in ranking.py), term for term: all query
characters required in one name (a nested `names` document: current or one former name); BM25
over that name's jieba terms (weight 2) and characters (weight 1), the best name counting;
constant bonuses for the exact name, an exact former name, the exact core name and the
characters as one phrase in one name."""
from __future__ import annotations

from datetime import date

from analyzers import QueryTerms
from credit.catalog import RECORD_KINDS
from credit.config import Settings
from credit.search.base import QueryError, RecordQuery, SubjectQuery, check_depth, check_kind, decode_cursor
from credit.search.ranking import BOOST_CORE, BOOST_EXACT, BOOST_FORMER, BOOST_PHRASE, WEIGHT_CHARS, WEIGHT_TERMS

SUBJECT_SORT = [{"_score": "desc"}, {"code": "asc"}]
RECORD_SORT = [{"decided_on": "desc"}, {"id": "asc"}]


def public_only(query: dict | None, doc_types: tuple[str, ...], today: date, filters: list[dict] = ()) -> dict:
    """THE filter of every read: only these types of document, only inside their publicity window.

    A record leaves every answer on the day after its window even before `indexer expire` runs."""
    return {"bool": {
        "must": [query] if query else [],
        "filter": [{"terms": {"doc_type": list(doc_types)}},
                   {"range": {"public_until": {"gte": today.isoformat()}}},
                   *filters],
    }}


def _bonus(query: dict, boost: float) -> dict:
    """A fixed score when `query` matches, whatever BM25 says: the ranking rules of SPEC §5."""
    return {"constant_score": {"filter": query, "boost": boost}}


def _in_one_name(query: dict, score_mode: str = "max") -> dict:
    """`query` asked of each name (nested document) on its own; the best name scores the subject."""
    return {"nested": {"path": "names", "query": query, "score_mode": score_mode}}


def name_match(q: QueryTerms) -> dict:
    """Which subjects a typed name finds, and how well (see the module docstring)."""
    per_name = {"bool": {
        "must": [{"match": {"names.chars": {"query": " ".join(q.required_chars), "operator": "and",
                                            "boost": WEIGHT_CHARS}}}],
        "should": [{"match": {"names.terms": {"query": " ".join(q.terms), "boost": WEIGHT_TERMS}}}] if q.terms else [],
    }}
    return {"bool": {
        "must": [_in_one_name(per_name)],
        "should": [_bonus({"term": {"name_norm": q.norm}}, BOOST_EXACT),
                   _bonus({"term": {"former_norms": q.norm}}, BOOST_FORMER),
                   _bonus({"term": {"name_core": q.core}}, BOOST_CORE),
                   _bonus(_in_one_name({"match_phrase": {"names.chars": " ".join(q.phrase)}}, "none"), BOOST_PHRASE)],
    }}


def _date_range(field: str, date_from: date | None, date_to: date | None) -> list[dict]:
    bounds = {}
    if date_from:
        bounds["gte"] = date_from.isoformat()
    if date_to:
        bounds["lte"] = date_to.isoformat()
    return [{"range": {field: bounds}}] if bounds else []


def subject_filters(query: SubjectQuery) -> list[dict]:
    filters = []
    if query.kind:
        check_kind(query.kind)
        # A subject "has a public record of this kind" while that kind's last public day lasts.
        filters.append({"range": {f"{query.kind}_until": {"gte": query.today.isoformat()}}})
    for field, value in (("codes", query.code), ("departments", query.department), ("region", query.region)):
        if value:
            filters.append({"term": {field: value}})
    return filters + _date_range("dates", query.date_from, query.date_to)


def record_filters(query: RecordQuery) -> list[dict]:
    filters = [{"term": {field: value}} for field, value in (
        ("subject_code", query.subject_code), ("list_type", query.list_type), ("list_name", query.list_name),
        ("department", query.department), ("region", query.region)) if value]
    if query.kinds:
        filters.append({"terms": {"kind": list(query.kinds)}})
    return filters + _date_range("decided_on", query.date_from, query.date_to)


def _page(query: SubjectQuery | RecordQuery, cursor_types: tuple[type, type], window: int) -> dict:
    """`from` within the result window, or `search_after` a cursor (any depth)."""
    if not query.after:
        return {"from": check_depth(query.page, query.size, window), "size": query.size}
    values = decode_cursor(query.after)
    if len(values) != 2 or not all(isinstance(value, kind) and not isinstance(value, bool)
                                   for value, kind in zip(values, cursor_types, strict=True)):
        raise QueryError("翻页游标无效")
    return {"size": query.size, "search_after": values}


def _terms_facet(field: str, settings: Settings) -> dict:
    # Most frequent first, ties by value: the order the embedded engine gives.
    return {"terms": {"field": field, "size": settings.facet_size, "shard_size": settings.es_facet_shard_size,
                      "order": [{"_count": "desc"}, {"_key": "asc"}]}}


def subject_search(query: SubjectQuery, q: QueryTerms | None, settings: Settings) -> dict:
    """The body of a subject search: best match first, then by code (a stable order for cursors)."""
    body = {
        "query": public_only(name_match(q) if q else None, ("subject",), query.today, subject_filters(query)),
        "sort": SUBJECT_SORT,
        "track_total_hits": True,   # the portal shows an exact total
        **_page(query, (float | int, str), settings.result_window),
    }
    if query.facets:
        today = query.today.isoformat()
        body["aggs"] = {
            "kind": {"filters": {"filters": {k: {"range": {f"{k}_until": {"gte": today}}} for k in RECORD_KINDS}}},
            "department": _terms_facet("departments", settings),
        }
    return body


def record_search(query: RecordQuery, settings: Settings) -> dict:
    """The body of a record search (lists, profiles): most recent first, then by id."""
    body = {
        "query": public_only(None, ("record",), query.today, record_filters(query)),
        "sort": RECORD_SORT,
        "track_total_hits": True,
        **_page(query, (int, str), settings.result_window),   # decided_on sorts as epoch milliseconds
    }
    if query.facets:
        body["aggs"] = {"kind": _terms_facet("kind", settings), "department": _terms_facet("department", settings)}
    return body


def record_counts(subject_codes: list[str], today: date) -> dict:
    """Public records per subject and kind, counted by the engine (no documents fetched)."""
    return {
        "query": public_only(None, ("record",), today, [{"terms": {"subject_code": subject_codes}}]),
        "size": 0,
        "aggs": {"subject": {
            # As many buckets as codes asked for: every shard returns them all, so counts are exact.
            "terms": {"field": "subject_code", "size": len(subject_codes)},
            "aggs": {"kind": {"terms": {"field": "kind", "size": len(RECORD_KINDS)}}},
        }},
    }


def document(doc_id: str, today: date) -> dict:
    """One document by id, of either type, only while it is public."""
    return {"query": public_only(None, ("record", "subject"), today, [{"ids": {"values": [doc_id]}}]), "size": 1}


def documents(doc_ids: list[str], today: date) -> dict:
    """Many documents by id in one request (a batch of codes), only while public."""
    return {"query": public_only(None, ("record", "subject"), today, [{"ids": {"values": doc_ids}}]),
            "size": len(doc_ids)}


def subjects_named(norms: list[str], today: date, size: int) -> dict:
    """Subjects whose current or a former name is one of `norms` exactly (a batch of names): two
    keyword terms queries, no scoring."""
    named = {"bool": {"should": [{"terms": {"name_norm": norms}}, {"terms": {"former_norms": norms}}],
                      "minimum_should_match": 1}}
    return {"query": public_only(None, ("subject",), today, [named]), "size": size, "sort": [{"code": "asc"}]}


def expired(today: date) -> dict:
    """What `expire` deletes: documents whose last public day is before `today` (the one query
    that must not pass through public_only: it selects exactly what that filter hides)."""
    return {"range": {"public_until": {"lt": today.isoformat()}}}
