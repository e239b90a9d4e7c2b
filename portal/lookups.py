"""The portal's lookups, shared by the pages and the JSON API so the two can never disagree.

Each function takes the search index, plain arguments and the day it answers for, and returns
plain data (dicts and the small classes below) that a template renders or the API serializes.
Only the SearchIndex interface is used, so every engine gives the same pages."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date

from markupsafe import escape

from analyzers import analyze_query
from credit.catalog import RECORD_KINDS, Catalog
from credit.codes import USCC_SHAPE, looks_like_code, normalize_code, uscc_problem
from credit.ids import subject_doc_id
from credit.publicity import FOREVER
from credit.search import Hit, RecordQuery, SearchIndex, SubjectQuery
from portal.caches import Caches
from portal.errors import invalid, not_found

# Record kind → the name of its section in a profile (and of its count in a search result).
SECTIONS = {"licence": "licences", "penalty": "penalties", "list": "list_entries"}
_CODE_CHARS = re.compile(r"^[0-9A-Z-]{5,30}$")
_DOC_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
# Record ids before they became random (migration 0002): those links cannot be mapped to a record.
_RETIRED_ID = re.compile(r"^[0-9a-f]{20}$")
# List memberships are shown worst first: a bank clerk looks for 黑名单 before anything else.
LIST_ORDER = ("black", "focus", "red")
# What a public record looks like to the outside (the index document minus its internals).
RECORD_KEYS = ("id", "kind", "title", "subject_code", "subject_name", "subject_type", "list_type", "list_name",
               "department", "decided_on", "public_until", "objection", "fields")


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    department: str | None = None
    region: str | None = None
    list_name: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


@dataclass(frozen=True)
class Paging:
    size: int
    window: int                # the deepest result page numbers reach (Settings.result_window)
    page: int = 1
    after: str | None = None   # cursor from the previous page: any depth, no page numbers


@dataclass
class Results:
    total: int
    items: list[dict]
    paging: Paging
    next: str | None = None
    facets: dict = field(default_factory=dict)

    @property
    def page(self) -> int:
        return self.paging.page

    @property
    def last_page(self) -> int:
        """The last page a page number can reach (deeper pages need the `after` cursor)."""
        size = self.paging.size
        return max(1, min(math.ceil(self.total / size), self.paging.window // size))

    @property
    def past_end(self) -> bool:
        return self.total > 0 and not self.items


@dataclass
class SearchResults(Results):
    q: str = ""
    by_code: bool = False
    suggestions: list[str] = field(default_factory=list)


@dataclass
class Profile:
    subject: dict
    sections: dict[str, Results]   # kind → its most recent public records

    @property
    def counts(self) -> dict[str, int]:
        return {SECTIONS[kind]: results.total for kind, results in self.sections.items()}


def shown_record(doc: dict) -> dict:
    """A public record as pages and the API show it; an open-ended window has no end date."""
    record = {key: doc.get(key) for key in RECORD_KEYS}
    if record["public_until"] == FOREVER.isoformat():
        record["public_until"] = None
    return record


def _records(index: SearchIndex, query: RecordQuery, paging: Paging) -> Results:
    page = index.search_records(replace(query, page=paging.page, size=paging.size, after=paging.after))
    return Results(total=page.total, items=[shown_record(h.doc) for h in page.hits], paging=paging,
                   next=page.next_after, facets=page.facets)


# -- search ----------------------------------------------------------------------------------------

def search(index: SearchIndex, caches: Caches, q: str, filters: Filters, paging: Paging, today: date
           ) -> SearchResults:
    """Subjects by name, or by exact code when the input looks like one (SPEC §5).

    Public search answers the same for everyone and popular names are asked again and again, so
    each worker reuses an answer for a while (the day is part of the key, so a record still leaves
    on the day after its window)."""
    return caches.get("search", (q, filters, paging, today), lambda: _search(index, q, filters, paging, today))


def _search(index: SearchIndex, q: str, filters: Filters, paging: Paging, today: date) -> SearchResults:
    if not q and not filters:
        raise invalid("请输入企业名称、简称或统一社会信用代码", "missing_query")
    code = normalize_code(q)
    by_code = looks_like_code(code)
    query = SubjectQuery(text="" if by_code else q, code=code if by_code else None, kind=filters.kind,
                         department=filters.department, region=filters.region, date_from=filters.date_from,
                         date_to=filters.date_to, page=paging.page, size=paging.size, after=paging.after,
                         today=today)
    page = index.search_subjects(query)
    if not page.total and USCC_SHAPE.match(code) and (problem := uscc_problem(code)):
        raise invalid(f"该{problem}", "invalid_code")
    counts = index.subject_counts([hit.doc for hit in page.hits], today)
    items = [_subject_item(hit, counts.get(hit.doc["code"], {}), today) for hit in page.hits]
    results = SearchResults(total=page.total, items=items, paging=paging, next=page.next_after, q=q,
                            by_code=by_code)
    if not page.total and not by_code and not paging.after and paging.page == 1:
        results.suggestions = _shorter_names(index, q, today)
    return results


def _subject_item(hit: Hit, counts: dict[str, int], today: date) -> dict:
    doc = hit.doc
    return {
        "code": doc["code"],
        "name": doc["name"],
        # Already HTML-escaped by the analyzer, with the matched characters in <mark>.
        "highlight": hit.highlight or str(escape(doc["name"])),
        "former_names": doc.get("former_names", []),
        # The former name the query matched when the current name does not hold it (and its highlight).
        "matched_former_name": hit.former,
        "former_highlight": hit.former_highlight,
        "subject_type": doc.get("subject_type"),
        "region_name": doc.get("region_name") or None,
        "counts": {SECTIONS[kind]: counts.get(kind, 0) for kind in RECORD_KINDS},
        "lists": memberships(doc, today),
    }


def memberships(doc: dict, today: date) -> list[dict]:
    """The lists a subject is on today ({type, type_label, name}), worst first. A subject entry
    written before an entry's window ended may still carry it: the day decides, not the entry."""
    current = [m for m in doc.get("lists", []) if m["until"] >= today.isoformat()]
    current.sort(key=lambda m: (LIST_ORDER.index(m["type"]) if m["type"] in LIST_ORDER else len(LIST_ORDER),
                                m["name"]))
    return [{"type": m["type"], "type_label": m["type_label"], "name": m["name"]} for m in current]


def _shorter_names(index: SearchIndex, q: str, today: date) -> list[str]:
    """A shorter form of a name that found nothing — without region and company form, or just its
    first four characters — offered if it finds something (the first that does: each try is a search)."""
    core = analyze_query(q).core
    for candidate in dict.fromkeys((core, core[:4])):
        if len(candidate) >= 2 and candidate != q and index.search_subjects(
                SubjectQuery(text=candidate, size=1, today=today)).total:
            return [candidate]
    return []


def departments(index: SearchIndex, caches: Caches, today: date, list_type: str | None = None) -> list[str]:
    """The departments with the most public records (of one list, if given), for a department filter."""
    return caches.get("departments", (today, list_type), lambda: _departments(index, today, list_type))


def _departments(index: SearchIndex, today: date, list_type: str | None) -> list[str]:
    page = index.search_records(RecordQuery(list_type=list_type, size=1, facets=True, today=today))
    return sorted(page.facets.get("department", {}))


# -- subjects ---------------------------------------------------------------------------------------

def checked_code(raw: str) -> str:
    """The normalized code of a profile URL; a malformed one is refused before any lookup."""
    code = normalize_code(raw)
    if USCC_SHAPE.match(code) and (problem := uscc_problem(code)):
        raise invalid(f"该{problem}", "invalid_code")
    if not _CODE_CHARS.match(code):
        raise invalid("这不是有效的统一社会信用代码或注册号，请核对后重试", "invalid_code")
    return code


def find_subject(index: SearchIndex, raw_code: str, today: date) -> dict:
    code = checked_code(raw_code)
    # A subject's entry is stored under its code: one read by id, not a search.
    doc = index.get(subject_doc_id(code), today)
    if not doc:
        raise not_found(f"未找到代码为 {code} 的公示主体。该主体可能没有公示期内的行政许可、行政处罚或名单信息，"
                        "也可能代码有误。", "subject_not_found")
    subject = {key: doc.get(key) for key in ("code", "name", "former_names", "codes", "subject_type", "region",
                                             "region_name")}
    return {**subject, "lists": memberships(doc, today)}


def subject_profile(index: SearchIndex, raw_code: str, today: date, section_size: int) -> Profile:
    """A subject and the latest `section_size` public records of each kind."""
    subject = find_subject(index, raw_code, today)
    paging = Paging(size=section_size, window=section_size)   # the first page only
    sections = {kind: _records(index, RecordQuery(subject_code=subject["code"], kinds=(kind,), today=today), paging)
                for kind in RECORD_KINDS}
    return Profile(subject=subject, sections=sections)


def subject_records(index: SearchIndex, raw_code: str, kind: str, paging: Paging, today: date
                    ) -> tuple[dict, Results]:
    """One kind of a subject's public records, page by page (a profile shows only the latest)."""
    if kind not in SECTIONS:
        raise invalid("记录类型应为 licence、penalty 或 list", "invalid_kind")
    subject = find_subject(index, raw_code, today)
    return subject, _records(index, RecordQuery(subject_code=subject["code"], kinds=(kind,), today=today), paging)


# -- lists, records, home -------------------------------------------------------------------------

def list_entries(index: SearchIndex, catalog: Catalog, list_type: str, filters: Filters, paging: Paging,
                 today: date, facets: bool = False) -> Results:
    """A red/black/focus list: entries still on it (removed ones never reach the index)."""
    if list_type not in catalog.list_types:
        raise not_found("没有这个名单。公开的名单有：守信红名单、失信黑名单、重点关注名单。", "list_not_found")
    query = RecordQuery(list_type=list_type, list_name=filters.list_name, department=filters.department,
                        region=filters.region, date_from=filters.date_from, date_to=filters.date_to,
                        facets=facets, today=today)
    return _records(index, query, paging)


def record(index: SearchIndex, doc_id: str, today: date) -> dict:
    doc = index.get(doc_id, today) if _DOC_ID.match(doc_id) else None
    if not doc or doc.get("doc_type") != "record":
        if _RETIRED_ID.match(doc_id):
            raise not_found("该记录链接已失效（记录编号已更新）。请通过搜索或主体页面重新查看该记录。",
                            "record_not_found")
        raise not_found("该记录不存在，或已不在公示期内。", "record_not_found")
    return shown_record(doc)


def list_totals(index: SearchIndex, caches: Caches, slugs: tuple[str, ...], today: date) -> dict[str, int]:
    """How many entries each list holds today, for the home page's list cards."""
    return caches.get("list_totals", (slugs, today), lambda: {
        slug: index.search_records(RecordQuery(list_type=slug, size=1, today=today)).total for slug in slugs})


def latest(index: SearchIndex, caches: Caches, today: date, size: int) -> dict[str, list[dict]]:
    """The newest `size` public licences and penalties (each labelled with its department), by kind."""
    return caches.get("latest", (today, size), lambda: {
        kind: [shown_record(hit.doc) for hit in
               index.search_records(RecordQuery(kinds=(kind,), size=size, today=today)).hits]
        for kind in ("licence", "penalty")})
