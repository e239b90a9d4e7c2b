"""The Elasticsearch engine (production): the same answers as the embedded engine, built to scale out.

Readers and writers use one alias (`{prefix}-public`) that points at one versioned index
(`{prefix}-public-v7`). A rebuild fills the next version in the background, switches the alias in
one atomic `update_aliases` call and then drops the old version; a failed rebuild drops only its
own half-built index, and a lock refuses a second rebuild while one runs. Request bodies come from
es_queries.py, the mapping from mapping.py; this module does the I/O and turns every engine failure
into SearchError, fast, so the portal can answer 503 instead of hanging.

Writes during a rebuild (ingest, `indexer expire`) reach the new version too:
* From its creation until the switch the new version also carries a second alias,
  `{prefix}-public-building`. The rebuild creates it so, and only then reads the database (`docs`
  is lazy): a writer that did not yet see the alias had built its documents from the database
  before that, so the rebuild reads the same or newer data.
* A writer that sees the alias writes there first, then to the live alias; a delete is written
  there as a tombstone, a document of type "deleted" without a publicity window, which no read
  ever matches (es_queries.public_only).
* The rebuild writes with op_type=create, which Elasticsearch refuses (409) for an id that exists:
  a document or tombstone a writer put there was written after the rebuild began to read, so it
  is newer than the rebuild's own, which is dropped.
* The switch moves the live alias and removes the building alias in the same atomic call. A
  write to the building alias after that fails with 404 (require_alias: no index is created by
  accident) and is ignored: the writer's live write, which follows, now reaches the new version.
  The tombstones are deleted after the switch.
Writes of one document are assumed not to overlap (one ingest at a time holds the ingest lock):
two that do had no defined order before either."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import ApiError, ConflictError, ConnectionTimeout, Elasticsearch, NotFoundError, TransportError
from elasticsearch.helpers import streaming_bulk

from analyzers import analyze_query
from credit.config import Settings
from credit.models import china_today
from credit.search import es_queries, mapping
from credit.search.base import (
    Hit,
    Page,
    RebuildInProgress,
    RecordQuery,
    SearchError,
    SearchIndex,
    SubjectQuery,
    encode_cursor,
    subject_hit,
)

log = logging.getLogger(__name__)

# How many failed documents are logged one by one in a call (all of them are counted).
FAILURES_LOGGED = 50
# The keys of a search body that say where in the results a page starts, not what is searched.
_POSITION = ("from", "size", "search_after")
# The doc_type of a delete written into a version being built (see the module docstring).
TOMBSTONE = "deleted"


@dataclass(frozen=True)
class BulkFailure:
    id: str
    status: int
    reason: str


class RebuildLock:
    """At most one rebuild per prefix, across processes and machines.

    The lock is a document created with op_type=create, which Elasticsearch refuses (409) when it
    already exists. Its holder renews it while it works; a holder that died stops renewing, and
    its lock may be taken over once expired (with a compare-and-set on seq_no, so only one of
    several waiting rebuilds wins)."""

    TTL = timedelta(minutes=10)   # a bulk chunk never takes this long; a dead holder blocks no longer
    RENEW_EVERY = 60.0            # seconds between renewals

    def __init__(self, client: Elasticsearch, index: str):
        self.client, self.index, self.id = client, index, "rebuild"
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._version: tuple[int, int] | None = None
        self._renewed = 0.0

    def _document(self) -> dict:
        now = datetime.now(timezone.utc)
        return {"owner": self.owner, "acquired_at": now.isoformat(), "expires_at": (now + self.TTL).isoformat()}

    def _held(self, resp) -> None:
        self._version = (resp["_seq_no"], resp["_primary_term"])
        self._renewed = time.monotonic()

    def acquire(self) -> None:
        try:
            self.client.indices.create(index=self.index, mappings=mapping.LOCK_MAPPINGS,
                                       settings=mapping.LOCK_SETTINGS)
        except ApiError as exc:
            if exc.error != "resource_already_exists_exception":
                raise
        try:
            self._held(self.client.create(index=self.index, id=self.id, document=self._document()))
            return
        except ConflictError:
            pass
        current = self.client.get(index=self.index, id=self.id)
        held = current["_source"]
        if datetime.fromisoformat(held["expires_at"]) > datetime.now(timezone.utc):
            raise RebuildInProgress(f"另一个检索索引重建正在进行（{held['owner']}，开始于 {held['acquired_at']}），"
                                    "请等它完成后再试")
        log.warning("接管已过期的重建锁（原持有者 %s）", held["owner"])
        try:
            self._held(self.client.index(index=self.index, id=self.id, document=self._document(),
                                         if_seq_no=current["_seq_no"], if_primary_term=current["_primary_term"]))
        except ConflictError as exc:
            raise RebuildInProgress("另一个检索索引重建刚刚开始，请等它完成后再试") from exc

    def renew(self, force: bool = False) -> None:
        """Extend the lock; fails if someone took it over (then this rebuild must not switch)."""
        if not force and time.monotonic() - self._renewed < self.RENEW_EVERY:
            return
        seq_no, term = self._version
        try:
            self._held(self.client.index(index=self.index, id=self.id, document=self._document(),
                                         if_seq_no=seq_no, if_primary_term=term))
        except (ConflictError, NotFoundError) as exc:
            raise RebuildInProgress("重建锁已被其他进程接管，本次重建放弃切换") from exc

    def release(self) -> None:
        if self._version is None:
            return
        seq_no, term = self._version
        self._version = None
        try:
            self.client.delete(index=self.index, id=self.id, if_seq_no=seq_no, if_primary_term=term)
        except (ConflictError, NotFoundError):
            pass   # taken over after expiry: it is someone else's now


def _safe_url(url: str) -> str:
    """The URL without user:password@, for health output and messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class ElasticIndex(SearchIndex):
    def __init__(self, client: Elasticsearch, settings: Settings, url: str = ""):
        self.client = client
        self.settings = settings
        self.prefix = settings.search_prefix
        self.alias = mapping.alias_name(self.prefix)
        self.building = f"{self.alias}-building"   # the version a rebuild is filling, while it does
        self.timeout, self.write_timeout = settings.search_timeout, settings.search_write_timeout
        self.retries = settings.search_retries
        self.url = url
        self.bulk_chunk = settings.es_bulk_chunk
        # Writers may wait longer than readers, and a timed-out bulk request is safe to resend
        # (every action names its document id, so a repeat overwrites rather than duplicates).
        self.writer = client.options(request_timeout=self.write_timeout, retry_on_timeout=True)
        self._ready = False

    @classmethod
    def from_settings(cls, settings: Settings) -> "ElasticIndex":
        hosts = [u.strip() for u in settings.search_url.split(",") if u.strip()]
        options: dict = {
            "request_timeout": settings.search_timeout,
            "max_retries": settings.search_retries,
            # A timed-out read already used the caller's whole budget: fail, don't try again.
            "retry_on_timeout": False,
        }
        if settings.es_api_key:
            options["api_key"] = settings.es_api_key
        elif settings.es_username:
            options["basic_auth"] = (settings.es_username, settings.es_password)
        if settings.es_ca_certs:
            options["ca_certs"] = settings.es_ca_certs
        try:
            client = Elasticsearch(hosts, **options)
        except ValueError as exc:
            raise ValueError(f"CREDIT_SEARCH_URL 无效：{exc}") from exc
        return cls(client, settings, url=", ".join(_safe_url(h) for h in hosts))

    def close(self) -> None:
        self.client.close()

    # -- errors ---------------------------------------------------------------------------------

    @contextmanager
    def _errors(self, action: str, timeout: float | None = None) -> Iterator[None]:
        """Engine failures of any kind become SearchError with a message an operator can act on."""
        try:
            yield
        except ConnectionTimeout as exc:
            raise SearchError(f"检索服务{action}超时（{self.url}，超过{timeout or self.timeout:g}秒）") from exc
        except TransportError as exc:   # could not connect, TLS, unreadable answer
            raise SearchError(f"检索服务{action}失败：无法连接 {self.url}（{exc.message}）") from exc
        except ApiError as exc:
            raise SearchError(f"检索服务{action}失败：HTTP {exc.meta.status} {exc.error}：{_reason(exc)}") from exc

    # -- index versions -------------------------------------------------------------------------

    def _versions(self) -> list[str]:
        """Every version index of this prefix, whether the alias points at it or not."""
        found = self.writer.indices.get_alias(index=mapping.version_pattern(self.prefix), allow_no_indices=True)
        return [name for name in found.body if mapping.version_number(self.prefix, name) is not None]

    def _live(self) -> list[str]:
        """The index (normally one) the alias points at."""
        return list(self.writer.indices.get_alias(name=self.alias).body)

    def _create_version(self, name: str, *, building: bool) -> None:
        """A new version: the first one live at once, a rebuild's behind the building alias."""
        settings = mapping.index_settings(self.settings)
        if building:
            settings.update(mapping.BUILD_SETTINGS)
        client = self.writer if building else self.client
        client.indices.create(index=name, settings=settings, mappings=mapping.MAPPINGS,
                              aliases={self.building if building else self.alias: {}})

    def _ensure_alias(self) -> None:
        """The first use of a fresh cluster creates version 1 behind the alias, so readers get
        empty answers instead of 'index not found' (checked once per process)."""
        if self._ready:
            return
        # With the readers' timeout: a portal request may be the first use.
        with self._errors("准备索引"):
            if not self.client.indices.exists_alias(name=self.alias):
                try:
                    self._create_version(mapping.version_name(self.prefix, 1), building=False)
                except ApiError as exc:
                    # Another process created it first; anything else is a real problem.
                    if exc.error != "resource_already_exists_exception" or \
                            not self.client.indices.exists_alias(name=self.alias):
                        raise
        self._ready = True

    # -- writes ---------------------------------------------------------------------------------

    def _bulk(self, index: str | None, actions: Iterable[dict], lock: RebuildLock | None = None,
              **options) -> tuple[int, list[BulkFailure]]:
        """Send actions in chunks; (actions the index carried out, documents it refused).

        Items rejected with 429 (the cluster is busy) are resent with backoff; a request that
        fails as a whole (connection, timeout, 502-504) is resent by the client. Whatever still
        fails is returned, never dropped."""
        done, failures = 0, []
        for ok, item in streaming_bulk(self.writer, actions, index=index, chunk_size=self.bulk_chunk,
                                       max_chunk_bytes=self.settings.es_bulk_max_bytes, raise_on_error=False,
                                       max_retries=self.retries, initial_backoff=1, max_backoff=30, **options):
            op, result = next(iter(item.items()))
            status = result.get("status")
            # Deleting what is absent is fine; a rebuild's create of an id a writer wrote meanwhile
            # gives way to that newer document (see the module docstring).
            if ok or (op == "delete" and status == 404) or (op == "create" and status == 409):
                done += 1
            else:
                failures.append(BulkFailure(str(result.get("_id")), int(result.get("status", 0)), _item_reason(result)))
            if lock is not None:
                lock.renew()
        return done, failures

    def _report(self, failures: list[BulkFailure], action: str) -> None:
        for f in failures[:FAILURES_LOGGED]:
            log.error("文档 %s 未能%s检索索引（HTTP %s）：%s", f.id, action, f.status, f.reason)
        if failures:
            log.error("共 %d 条文档未能%s检索索引%s", len(failures), action,
                      f"（仅列出前{FAILURES_LOGGED}条）" if len(failures) > FAILURES_LOGGED else "")

    def _to_building(self, actions: list[dict]) -> list[BulkFailure]:
        """While a rebuild runs, the same writes into the version it builds, before the live
        alias (see the module docstring); returns what that version refused."""
        if not actions or not self.writer.indices.exists_alias(name=self.building):
            return []
        # require_alias: a write that arrives after the alias went fails (404) rather than creating an index.
        _done, failures = self._bulk(None, ({**a, "_index": self.building} for a in actions), require_alias=True)
        # 404: the alias went since we asked (switched, or the rebuild gave up); the live write suffices.
        return [f for f in failures if f.status != 404]

    def upsert(self, docs: Iterable[dict]) -> int:
        self._ensure_alias()
        actions = [{"_id": d["id"], "_source": d} for d in docs]
        with self._errors("写入", self.write_timeout):
            missed = self._to_building(actions)
            written, failures = self._bulk(self.alias, actions)
        self._report(failures, "写入")
        self._report(missed, "写入正在重建的")
        # A document the new version refused would be lost at the switch: not written.
        return written - len({f.id for f in missed} - {f.id for f in failures})

    def delete(self, ids: Iterable[str]) -> None:
        self._ensure_alias()
        ids = list(ids)
        with self._errors("删除", self.write_timeout):
            missed = self._to_building([{"_id": i, "_source": {"id": i, "doc_type": TOMBSTONE}} for i in ids])
            _deleted, failures = self._bulk(self.alias, ({"_op_type": "delete", "_id": i} for i in ids))
        failures += missed
        self._report(failures, "从中删除")
        if failures:
            # A document that should have left publicity but did not is not a log line to miss.
            raise SearchError(f"{len(failures)} 条文档未能从检索索引删除（如 {failures[0].id}：{failures[0].reason}）")

    def refresh(self) -> None:
        # Ingest promises read-after-write: what it reports as indexed can be found at once. One
        # refresh per publish, not per bulk chunk: each makes every shard write a new segment.
        self._ensure_alias()
        with self._errors("刷新", self.write_timeout):
            self.writer.indices.refresh(index=self.alias)

    def rebuild(self, docs: Iterable[dict]) -> int:
        self._ensure_alias()
        lock = RebuildLock(self.writer, mapping.lock_name(self.prefix))
        with self._errors("重建", self.write_timeout):
            lock.acquire()
            try:
                return self._rebuild_locked(docs, lock)
            finally:
                lock.release()

    def _rebuild_locked(self, docs: Iterable[dict], lock: RebuildLock) -> int:
        versions, live = self._versions(), self._live()
        for name in set(versions) - set(live):
            # Left by a rebuild that crashed (with its building alias); we hold the lock, so it is
            # nobody's. Writers may still be writing it: harmless, it goes whole.
            self.writer.indices.delete(index=name)
        newest = max((mapping.version_number(self.prefix, name) for name in versions), default=0)
        fresh = mapping.version_name(self.prefix, newest + 1)
        self._create_version(fresh, building=True)   # writers write it too from here; only now is `docs` read
        try:
            written, failures = self._bulk(
                fresh, ({"_op_type": "create", "_id": d["id"], "_source": d} for d in docs), lock)
            if failures:
                self._report(failures, "写入")
                raise SearchError(f"重建中止：{len(failures)} 条文档未能写入新索引（如 {failures[0].id}：{failures[0].reason}），"
                                  "原索引继续提供服务")
            self.writer.indices.put_settings(index=fresh, settings=mapping.live_settings(self.settings.es_replicas))
            self.writer.indices.refresh(index=fresh)
            lock.renew(force=True)   # still ours: nobody took over while we were building
            # The switch: one atomic call, so every search sees either the old or the new version.
            self.writer.indices.update_aliases(actions=[
                *({"remove": {"index": name, "alias": self.alias}} for name in live),
                {"add": {"index": fresh, "alias": self.alias}},
                {"remove": {"index": fresh, "alias": self.building}}])
        except BaseException:
            self._drop(fresh)
            raise
        for name in live:
            self._drop(name)
        self._sweep_tombstones(fresh)
        log.info("检索索引已切换到 %s（%d 条文档）", fresh, written)
        return written

    def _sweep_tombstones(self, name: str) -> None:
        """Tombstones only kept the rebuild from undoing writers' deletes. No read matches them,
        so one that fails to go (logged) does no harm beyond being counted by health()."""
        try:
            self.writer.indices.refresh(index=name)
            self.writer.delete_by_query(index=name, query={"term": {"doc_type": TOMBSTONE}}, conflicts="proceed")
        except (ApiError, TransportError) as exc:
            log.error("未能清理索引 %s 中重建期间的删除标记：%s", name, exc)

    def _drop(self, name: str) -> None:
        """Delete an index that no alias needs; a failure is logged (the next rebuild retries)."""
        try:
            self.writer.indices.delete(index=name)
        except (ApiError, TransportError) as exc:
            log.error("未能删除索引 %s：%s（下次重建时会再次清理）", name, exc)

    def expire(self, today: date | None = None) -> int:
        self._ensure_alias()
        query = es_queries.expired(today or china_today())
        with self._errors("移出过期文档", self.write_timeout):
            self._expire_building(query)
            resp = self.writer.delete_by_query(index=self.alias, query=query, conflicts="proceed", refresh=True)
        return int(resp["deleted"])

    def _expire_building(self, query: dict) -> None:
        """The version a rebuild is filling, if any, is expired too; refreshed first, as it does not
        refresh itself while being built. (A document the rebuild writes after this is still
        hidden by every read's publicity window, and goes with the next expire.)"""
        try:
            self.writer.indices.refresh(index=self.building)
            self.writer.delete_by_query(index=self.building, query=query, conflicts="proceed")
        except NotFoundError:
            pass   # no rebuild is running

    # -- reads ----------------------------------------------------------------------------------

    def _search(self, body: dict) -> dict:
        self._ensure_alias()
        params = {("from_" if key == "from" else key): value for key, value in body.items()}
        with self._errors("查询"):
            return self.client.search(index=self.alias, preference=_preference(body), **params).body

    def get(self, doc_id: str, today: date | None = None) -> dict | None:
        hits = self._search(es_queries.document(doc_id, today or china_today()))["hits"]["hits"]
        return hits[0]["_source"] if hits else None

    def get_many(self, doc_ids: list[str], today: date | None = None) -> dict[str, dict]:
        doc_ids = list(dict.fromkeys(doc_ids))
        if not doc_ids:
            return {}
        hits = self._search(es_queries.documents(doc_ids, today or china_today()))["hits"]["hits"]
        return {h["_id"]: h["_source"] for h in hits}

    def subjects_named(self, names: list[str], today: date | None = None, limit: int = 5) -> dict[str, list[dict]]:
        norms = {name: analyze_query(name).norm for name in dict.fromkeys(names)}
        wanted = sorted({n for n in norms.values() if n})
        found: dict[str, list[dict]] = {name: [] for name in norms}
        if not wanted:
            return found
        # One search of `limit` subjects per name, all in one request. (One search for every name,
        # sorted by code, let a name that many subjects bear take the places of the other names'
        # subjects, which then came back as not found.)
        today = today or china_today()
        self._ensure_alias()
        searches: list[dict] = []
        for norm in wanted:
            body = es_queries.subjects_named([norm], today, limit)
            searches += [{"index": self.alias, "preference": _preference(body)}, body]
        with self._errors("查询"):
            answers = self.client.msearch(searches=searches).body["responses"]
        by_norm: dict[str, list[dict]] = {}
        for norm, answer in zip(wanted, answers, strict=True):
            if "error" in answer:   # msearch answers 200 and reports each search's failure in its place
                raise SearchError(f"检索服务查询失败：{answer['error']}")
            by_norm[norm] = [hit["_source"] for hit in answer["hits"]["hits"]]
        for name, norm in norms.items():
            found[name] = by_norm.get(norm, []) if norm else []
        return found

    def search_subjects(self, query: SubjectQuery) -> Page:
        q = analyze_query(query.text) if query.text else None
        if q is not None and q.empty:
            return Page(total=0, hits=[])
        resp = self._search(es_queries.subject_search(query, q, self.settings))
        hits = [subject_hit(h["_source"], round(float(h["sort"][0]), 6), q) for h in resp["hits"]["hits"]]
        page = Page(total=resp["hits"]["total"]["value"], hits=hits, next_after=_next_cursor(resp, query.size))
        if query.facets:
            aggs = resp["aggregations"]
            page.facets = {"kind": {k: b["doc_count"] for k, b in aggs["kind"]["buckets"].items() if b["doc_count"]},
                           "department": _buckets(aggs["department"])}
        return page

    def search_records(self, query: RecordQuery) -> Page:
        resp = self._search(es_queries.record_search(query, self.settings))
        page = Page(total=resp["hits"]["total"]["value"], hits=[Hit(doc=h["_source"]) for h in resp["hits"]["hits"]],
                    next_after=_next_cursor(resp, query.size))
        if query.facets:
            page.facets = {name: _buckets(resp["aggregations"][name]) for name in ("kind", "department")}
        return page

    def record_counts(self, subject_codes: list[str], today: date | None = None) -> dict[str, dict[str, int]]:
        if not subject_codes:
            return {}
        resp = self._search(es_queries.record_counts(subject_codes, today or china_today()))
        counts: dict[str, dict[str, int]] = {c: {} for c in subject_codes}
        for bucket in resp["aggregations"]["subject"]["buckets"]:
            counts[bucket["key"]] = _buckets(bucket["kind"])
        return counts

    def health(self) -> dict:
        info = {"engine": "elasticsearch", "url": self.url, "index": self.alias}
        try:
            # One quick request, not retried: health must answer within the timeout, not thrice it.
            resp = self.client.options(max_retries=0).count(index=self.alias)
            return {"ok": True, **info, "documents": resp["count"]}
        except NotFoundError as exc:
            if _error_type(exc) == "index_not_found_exception":
                return {"ok": True, **info, "documents": 0}   # nothing indexed yet
            # Any other 404 is not Elasticsearch (a wrong URL or proxy path): every read would fail.
            return {"ok": False, **info, "error": f"HTTP 404 from {self.url}: not an Elasticsearch node"}
        except (ApiError, TransportError) as exc:
            return {"ok": False, **info, "error": str(exc)}


# -- helpers ----------------------------------------------------------------------------------

def _error_type(exc: ApiError) -> str | None:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    return error.get("type") if isinstance(error, dict) else None


def _reason(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    return error.get("reason", str(error)) if isinstance(error, dict) else str(exc.message)


def _item_reason(result: dict) -> str:
    error = result.get("error")
    if isinstance(error, dict):
        cause = error.get("caused_by", {}).get("reason")
        return f"{error.get('type')}: {error.get('reason')}" + (f"（{cause}）" if cause else "")
    return str(error or result.get("exception") or "unknown")


def _buckets(agg: dict) -> dict[str, int]:
    return {b["key"]: b["doc_count"] for b in agg["buckets"]}


def _preference(body: dict) -> str:
    """The same shard copies for every page of one query. Copies of a shard can score a document
    differently (deleted documents still count in a copy's statistics until merged away), so
    pages read from different copies could repeat or skip hits at a page boundary. Derived from
    the query without its position, so the first page and every `search_after` page agree, and
    different queries still spread over the copies."""
    query = {key: value for key, value in body.items() if key not in _POSITION}
    digest = hashlib.blake2b(json.dumps(query, sort_keys=True, default=str).encode(), digest_size=8)
    return digest.hexdigest()


def _next_cursor(resp: dict, size: int) -> str | None:
    """A cursor after the last hit of a full page (as the embedded engine: none after a short one)."""
    hits = resp["hits"]["hits"]
    return encode_cursor(hits[-1]["sort"]) if len(hits) == size else None
