"""The search interface every engine implements, and the query objects it answers.

Public documents come only from credit.documents; each query carries the day it is asked on, and
every engine filters on the publicity window itself (public_until >= today), so a record leaves
the public view on the day after its window even if `indexer expire` has not run."""
from __future__ import annotations

import base64
import json
import math
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable, Iterator

from analyzers import analyze_query
from analyzers.names import QueryTerms, highlight_subject
from credit.catalog import RECORD_KINDS
from credit.documents import public_counts
from credit.models import china_today


class SearchError(Exception):
    """The engine could not answer (down, slow, misconfigured)."""


class RebuildInProgress(SearchError):
    """Another rebuild of the same index holds the lock. This one is refused at once, having
    built nothing, rather than wait: it would only build the same index again, as the running
    rebuild takes in every write made meanwhile."""


class QueryError(ValueError):
    """The query itself is unacceptable (page too deep, bad cursor)."""


@dataclass(frozen=True)
class SubjectQuery:
    text: str = ""                 # a name or part of one
    code: str | None = None        # an exact registered code (USCC, registration number …)
    kind: str | None = None        # subjects with a public record of this kind
    department: str | None = None  # subjects with a public record from this department
    region: str | None = None      # 6-digit division code (province, prefecture or county)
    date_from: date | None = None  # subjects with a public record decided in this range
    date_to: date | None = None
    page: int = 1
    size: int = 20
    after: str | None = None       # cursor from the previous page (deep pagination)
    facets: bool = False
    today: date = field(default_factory=china_today)


@dataclass(frozen=True)
class RecordQuery:
    subject_code: str | None = None
    kinds: tuple[str, ...] = ()
    list_type: str | None = None   # red | black | focus
    list_name: str | None = None
    department: str | None = None
    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    size: int = 20
    after: str | None = None
    facets: bool = False
    today: date = field(default_factory=china_today)


@dataclass
class Hit:
    doc: dict
    score: float = 0.0
    highlight: str | None = None        # the subject name, HTML-escaped, matched part in <mark>
    former: str | None = None           # the former name that matched, when the current name did not
    former_highlight: str | None = None  # that former name, HTML-escaped, matched part in <mark>


def subject_hit(doc: dict, score: float, q: QueryTerms | None) -> Hit:
    """A subject hit, its highlights made by analyzers from the same query terms on every engine."""
    if q is None:
        return Hit(doc=doc, score=score)
    shown = highlight_subject(doc["name"], doc.get("former_names", []), q)
    return Hit(doc=doc, score=score, highlight=shown.name, former=shown.former, former_highlight=shown.former_html)


@dataclass
class Page:
    total: int
    hits: list[Hit]
    next_after: str | None = None
    # {"kind": {value: n}, "department": {value: n}} when asked for
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def exact_name(doc: dict, norm: str) -> bool:
    """Is `norm` (a normalized query) a subject document's current or a former name, exactly?"""
    return bool(norm) and (doc.get("name_norm") == norm or norm in doc.get("former_norms", []))


def check_kind(kind: str) -> str:
    """A subject query's record kind, refused unless the catalogue defines it."""
    if kind not in RECORD_KINDS:
        raise QueryError(f"未知的记录类型：{kind}")
    return kind


def check_depth(page: int, size: int, window: int) -> int:
    """The offset of a page, refused past the result window (Settings.result_window)."""
    if page < 1 or size < 1:
        raise QueryError("页码和每页条数必须为正整数")
    offset = (page - 1) * size
    if offset + size > window:
        raise QueryError(f"页码过深：最多浏览前{window}条，请缩小范围或使用 after 游标翻页")
    return offset


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list:
    """The sort values a cursor carries, refused (QueryError) unless every engine can compare them."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, RecursionError) as exc:   # deep nesting exhausts the parser's stack
        raise QueryError("翻页游标无效") from exc
    if not isinstance(values, list) or not all(map(_sort_value, values)):
        raise QueryError("翻页游标无效")
    return values


def _sort_value(value) -> bool:
    """A string, a finite number or a 64-bit integer: what sort values are. SQLite cannot bind a
    list or a larger integer, and Elasticsearch refuses NaN and infinity with an error of its own."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -2**63 <= value < 2**63
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str)


class SearchIndex(ABC):
    """The public index: holds only what may be shown (masked, windowed documents)."""

    # Whether many writes are best made by one process: an engine that allows one writer at a time
    # has pool workers `prepare` documents and one process write them through `bulk`; an engine
    # that takes concurrent writes (Elasticsearch) has every worker write its own.
    one_writer = False

    def prepare(self, docs: list[dict]) -> list:
        """Documents made ready for `bulk` (in the process that built them, to be written by another)."""
        return docs

    @contextmanager
    def bulk(self) -> Iterator[Callable[[list, list[str]], tuple[int, int, int]]]:
        """write(prepared, hidden ids) for many writes in a row, each returning (written, refused,
        removed); made visible by `refresh()` afterwards."""
        def write(prepared: list, hidden: list[str]) -> tuple[int, int, int]:
            written = self.upsert(prepared)
            self.delete(hidden)
            return written, len(prepared) - written, len(hidden)
        yield write

    @abstractmethod
    def upsert(self, docs: Iterable[dict]) -> int:
        """Write documents (replacing by id); returns how many reached the index (during a
        rebuild: the live and the new version). Searches see them after `refresh()`."""

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents; unknown ids are ignored. Searches stop seeing them after `refresh()`."""

    @abstractmethod
    def refresh(self) -> None:
        """Make every write so far visible to searches: once after a batch of writes, not after
        each (a refresh costs the engine a new segment)."""

    @abstractmethod
    def get(self, doc_id: str, today: date | None = None) -> dict | None:
        """One document, or None when absent or outside its publicity window."""

    @abstractmethod
    def search_subjects(self, query: SubjectQuery) -> Page:
        """Subjects by name or code, best first (SPEC §5 ranking), with highlights."""

    @abstractmethod
    def search_records(self, query: RecordQuery) -> Page:
        """Public records, most recent first."""

    @abstractmethod
    def record_counts(self, subject_codes: list[str], today: date | None = None) -> dict[str, dict[str, int]]:
        """{code: {kind: number of public records}} for the given subjects."""

    def subject_counts(self, subjects: list[dict], today: date) -> dict[str, dict[str, int]]:
        """{code: {kind: number of public records}} for these subject documents, as record_counts
        answers, read from what each document carries (credit.documents.public_counts); those
        written before subject documents carried it are counted by record_counts."""
        counts, older = {}, []
        for doc in subjects:
            found = public_counts(doc, today)
            if found is None:
                older.append(doc["code"])
            else:
                counts[doc["code"]] = found
        if older:
            counts.update(self.record_counts(older, today))
        return counts

    def get_many(self, doc_ids: list[str], today: date | None = None) -> dict[str, dict]:
        """{id: document} for the ids that are public today (the others left out): one `get` each
        here; an engine that can read them in one request does."""
        found = {}
        for doc_id in dict.fromkeys(doc_ids):
            doc = self.get(doc_id, today)
            if doc is not None:
                found[doc_id] = doc
        return found

    def subjects_named(self, names: list[str], today: date | None = None, limit: int = 5) -> dict[str, list[dict]]:
        """{name: up to `limit` subjects whose current or a former name is that name exactly} — the
        same after analyzers' normalization (analyze_query(name).norm against name_norm and
        former_norms); names matching none map to []. Here one search each: the ranking puts
        exact names (BOOST_EXACT, BOOST_FORMER) above every other match, so the first `limit`
        hits hold them; an engine that can answer every name in one request does."""
        found: dict[str, list[dict]] = {}
        for name in dict.fromkeys(names):
            norm = analyze_query(name).norm
            page = self.search_subjects(SubjectQuery(text=name, size=limit, today=today or china_today())) if norm \
                else Page(total=0, hits=[])
            found[name] = [hit.doc for hit in page.hits if exact_name(hit.doc, norm)]
        return found

    @abstractmethod
    def rebuild(self, docs: Iterable[dict]) -> int:
        """Build a fresh index from `docs` and switch to it at once; the old one keeps answering
        until then and is kept if the build fails. Raises RebuildInProgress while another runs.

        Writes made meanwhile (upsert, delete, expire; from any process) reach the new version
        too and win over `docs`. `docs` is first iterated only once the new version takes those
        writes, so a generator that reads the database when first asked misses nothing: whatever
        was written to the index before then had been committed to the database already."""

    @abstractmethod
    def expire(self, today: date | None = None) -> int:
        """Delete documents whose publicity window has ended; returns how many."""

    @abstractmethod
    def health(self) -> dict:
        """{"ok": bool, "engine": name, ...}; never raises."""

    def close(self) -> None:
        """Release connections."""
