"""The embedded engine: one SQLite file with FTS5, no server to run.

Why FTS5: it ships inside Python's sqlite3, gives BM25 with per-column weights, phrase queries
and boolean AND over posting lists, which is all the ranking of analyzers.names needs; names
arrive pre-tokenized by analyzers/, so FTS5's own tokenizer only splits on spaces.

Versions: a small pointer file (`path`, the embedded "alias") names the current version file
beside it (search.sqlite3.v3). A rebuild fills the next version and renames a new pointer over the
old one (atomic), so readers move over on their next query and never see a half-built file.

Writes during a rebuild (ingest, `indexer expire`) reach the new version through a journal,
ordered by the one lock SQLite already gives every write: the live file's write lock.
1. Start: under that lock the rebuild creates a journal table in the live file. From then on every
   write also records the ids it wrote or deleted there, in the same transaction. Only then does
   the rebuild read the database (`docs` is lazy), so a write that missed the journal had been
   committed to the database before the rebuild read it.
2. Switch: under that lock the rebuild copies the live state of every journaled id into the new
   version — the live document, or its absence — and moves the pointer. A writer that waited for
   the lock finds the pointer moved and writes the new version instead.
Copying the live state, not each write, turns deletes into deletes and gives every journaled id
what the live version holds after its last write, which came after the rebuild began to read: never
older than the rebuild's own document. Most of the journal is copied before the switch without the
lock, so writers wait only for what was journaled in the last moments. Nothing but the rebuild
opens the new file before the switch."""
from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterable

import orjson

from analyzers import analyze_query
from credit.batches import chunks
from credit.catalog import RECORD_KINDS
from credit.config import Settings
from credit.search.base import (
    Hit,
    Page,
    QueryError,
    RebuildInProgress,
    RecordQuery,
    SearchIndex,
    SubjectQuery,
    check_depth,
    check_kind,
    decode_cursor,
    encode_cursor,
    subject_hit,
)
from credit.search.ranking import BOOST_CORE, BOOST_EXACT, BOOST_FORMER, BOOST_PHRASE, WEIGHT_CHARS, WEIGHT_TERMS

SCHEMA_VERSION = 5
SCHEMA = f"""
PRAGMA user_version = {SCHEMA_VERSION};
-- Rows are appended in rowid order; only the narrow id index takes the random ids.
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, subject_code TEXT, list_type TEXT, list_name TEXT,
    department TEXT, decided_on TEXT NOT NULL, public_until TEXT NOT NULL, body TEXT NOT NULL);
-- Indexes carry public_until so the window filter never has to read a row with its body.
CREATE INDEX IF NOT EXISTS docs_subject ON docs(subject_code, kind, public_until);
CREATE INDEX IF NOT EXISTS docs_recent ON docs(kind, decided_on DESC, id, public_until);
CREATE INDEX IF NOT EXISTS docs_list ON docs(list_type, decided_on DESC, id, public_until, list_name, department)
    WHERE list_type IS NOT NULL;
CREATE TABLE IF NOT EXISTS subjects (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, code TEXT NOT NULL, name_norm TEXT NOT NULL,
    name_core TEXT NOT NULL, licence_until TEXT, penalty_until TEXT, list_until TEXT,
    public_until TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS subjects_norm ON subjects(name_norm);
-- Bodies apart, so ranking thousands of matches reads narrow rows only.
CREATE TABLE IF NOT EXISTS subject_bodies (rowid INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subject_values (subject INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS subject_values_lookup ON subject_values(field, value, subject);
CREATE INDEX IF NOT EXISTS subject_values_subject ON subject_values(subject);
-- One row per name (current and former), rowid = subject rowid × NAME_SLOTS + the name's place.
CREATE VIRTUAL TABLE IF NOT EXISTS subject_fts USING fts5(terms, chars, tokenize="unicode61 remove_diacritics 0");
"""

log = logging.getLogger(__name__)

# Names are full-text rows of their own, so "every query character" is asked of each name alone
# (安信 must not find a subject whose current name holds 信 and former name 安). A name's rowid
# encodes its subject (rowid // NAME_SLOTS), so a match finds its subject by arithmetic rather than a
# join per match (a bare 武汉 matches tens of thousands of names). Names beyond the slots are not
# indexed; a subject with thousands of former names does not exist.
NAME_SLOTS = 1 << 16

# Filterable multi-valued subject fields, stored one row per value.
SUBJECT_VALUE_FIELDS = ("codes", "former_norms", "departments", "region", "dates")

# The ids written to the live version while a rebuild runs (see the module docstring). It exists
# only then, in the live file; `seq` orders the entries so the switch copies only what is new.
JOURNAL = "rebuild_journal"
# Before the switch the journal is copied without the lock, in passes until one copies at most
# FEW_LEFT ids (or CATCH_UP_PASSES were made); the switch copies the rest holding it.
CATCH_UP_PASSES, FEW_LEFT = 3, 1000


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _match_expression(q) -> str:
    """All query characters required (in one name: a row is a name); jieba terms only add to the score."""
    required = " AND ".join(_quote(c) for c in q.required_chars)
    scoring = " OR ".join([_quote(t) for t in q.terms])
    first = _quote(q.required_chars[0])
    return f"chars : ({required}) AND (" + (f"terms : ({scoring}) OR " if scoring else "") + f"chars : {first})"


class EmbeddedIndex(SearchIndex):
    def __init__(self, path: str | Path, settings: Settings | None = None):
        settings = settings or Settings()
        self.path = Path(path)
        self.result_window, self.facet_size = settings.result_window, settings.facet_size
        self.broad_query, self.cache_kib = settings.embedded_broad_query, settings.embedded_cache_kib
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with _flock(self._beside(".pointer.lock")):
            if not self.path.exists():
                _create(self._version_file(1)).close()
                self._point_to(self._version_file(1))
            elif _schema_version(self.current_file()) != SCHEMA_VERSION:
                # The index is derived data: start an empty current-format version and say how to refill it.
                log.warning("embedded search index %s has an older format; run `python -m indexer reindex`", self.path)
                fresh = self._version_file(max(self._versions(), default=0) + 1)
                _create(fresh).close()
                self._point_to(fresh)

    # -- versions and connections --------------------------------------------------------------

    def _beside(self, suffix: str) -> Path:
        return self.path.with_name(self.path.name + suffix)

    def _version_file(self, number: int) -> Path:
        return self._beside(f".v{number}")

    def _versions(self) -> dict[int, Path]:
        """Every version file beside the pointer, current or not, by number."""
        pattern = re.compile(re.escape(self.path.name) + r"\.v(\d+)")
        return {int(m[1]): p for p in self.path.parent.iterdir() if (m := pattern.fullmatch(p.name))}

    def _pointer(self) -> str:
        return self.path.read_text(encoding="utf-8").strip()

    def current_file(self) -> Path:
        return self.path.with_name(self._pointer())

    def _point_to(self, version: Path) -> None:
        pending = self._beside(".pointer")
        pending.write_text(version.name + "\n", encoding="utf-8")
        os.replace(pending, self.path)  # atomic

    def _conn(self) -> sqlite3.Connection:
        """A per-thread connection to the current version, reopened once the pointer has moved
        (compared by name: two switches can share a modification time)."""
        name = self._pointer()
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.name == name:
            return conn
        self.close()
        try:
            conn = _connect(self.path.with_name(name), self.cache_kib, create=False)
        except sqlite3.OperationalError:
            if self._pointer() == name:
                raise
            return self._conn()   # a rebuild switched and removed that version just now
        self._local.conn, self._local.name = conn, name
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- writes ---------------------------------------------------------------------------------

    @contextmanager
    def _writing(self):
        """(connection, journal) of one write transaction on the current version, holding its write
        lock; `journal(ids)` records ids while a rebuild runs (see the module docstring)."""
        while True:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            if self._local.name == self._pointer():
                break
            conn.rollback()   # a rebuild switched while we waited for the lock: write the new version
        try:
            yield conn, _journal_of(conn)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    def upsert(self, docs: Iterable[dict]) -> int:
        docs = list(docs)
        prepared = _prepare(docs)
        with self._writing() as (conn, journal):
            written = _write_docs(conn, prepared)
            journal([d["id"] for d in docs])
        return written

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        with self._writing() as (conn, journal):
            _delete_ids(conn, ids)
            journal(ids)

    def refresh(self) -> None:
        """Nothing to do: a committed write is visible to the next query."""

    def expire(self, today: date | None = None) -> int:
        today_s = (today or date.today()).isoformat()
        with self._writing() as (conn, journal):
            records = [r[0] for r in conn.execute("DELETE FROM docs WHERE public_until < ? RETURNING id", (today_s,))]
            subjects = [r[0] for r in conn.execute("SELECT id FROM subjects WHERE public_until < ?", (today_s,))]
            _delete_subjects(conn, subjects)
            journal(records + subjects)
        return len(records) + len(subjects)

    # -- rebuilds -------------------------------------------------------------------------------

    def rebuild(self, docs: Iterable[dict]) -> int:
        with _rebuild_lock(self._beside(".lock")):
            return self._rebuild_locked(docs)

    def _rebuild_locked(self, docs: Iterable[dict]) -> int:
        fresh, old = self._new_version()
        live, new = _connect(old, self.cache_kib, create=False), _connect(fresh, self.cache_kib, create=False)
        try:
            _start_journal(live)   # from here on writes are journaled; only now is `docs` read
            written = _fill(new, docs)
            self._switch(live, new, fresh)
        except BaseException:
            if self._pointer() != fresh.name:   # not switched: the live version stays, as it was
                _stop_journal(live)
                new.close()
                _remove(fresh)
            raise
        finally:
            live.close()
            new.close()
        # Readers still holding the old version keep their open file until their next query.
        _remove(old)
        return written

    def _new_version(self) -> tuple[Path, Path]:
        """(a new, empty version file, the current one). Files an interrupted rebuild left behind
        go first (this process holds the rebuild lock: nobody is filling them)."""
        with _flock(self._beside(".pointer.lock")):
            current, versions = self.current_file(), self._versions()
            for path in versions.values():
                if path != current:
                    log.warning("删除中断的重建留下的检索索引文件 %s", path.name)
                    _remove(path)
            fresh = self._version_file(max(versions, default=0) + 1)   # numbers are never reused
            _create(fresh).close()
        return fresh, current

    def _switch(self, live: sqlite3.Connection, new: sqlite3.Connection, fresh: Path) -> None:
        """Copy the journal into the new version (mostly without the lock), then, holding the live
        version's write lock, the rest of it, and move the pointer."""
        seen = 0
        for _ in range(CATCH_UP_PASSES):
            seen, copied = _copy_journal(live, new, seen)
            if copied <= FEW_LEFT:
                break
        live.execute("BEGIN IMMEDIATE")   # writers wait from here …
        try:
            _copy_journal(live, new, seen)
            with _flock(self._beside(".pointer.lock")):
                self._point_to(fresh)
        finally:
            live.rollback()               # … to here, and then write the new version

    # -- reads ----------------------------------------------------------------------------------

    def get(self, doc_id: str, today: date | None = None) -> dict | None:
        today_s = (today or date.today()).isoformat()
        row = self._conn().execute(
            "SELECT body FROM docs WHERE id = ? AND public_until >= ? "
            "UNION ALL SELECT b.body FROM subjects s JOIN subject_bodies b ON b.rowid = s.rowid"
            " WHERE s.id = ? AND s.public_until >= ?",
            (doc_id, today_s, doc_id, today_s)).fetchone()
        return json.loads(row[0]) if row else None

    def search_subjects(self, query: SubjectQuery) -> Page:
        where, params = _subject_filters(query)
        q = analyze_query(query.text) if query.text else None
        if query.text and q.empty:
            return Page(total=0, hits=[])
        columns = "s.rowid AS rowid, s.code, s.public_until, s.licence_until, s.penalty_until, s.list_until"
        conn = self._conn()
        if not q:
            source, source_params = f"(SELECT {columns}, 0.0 AS score FROM subjects s)", []
            total = conn.execute(f"SELECT count(*) FROM {source} AS m WHERE {where}", params).fetchone()[0]
        else:
            found, found_params = _matched_names(q, ranked=False)
            total = conn.execute(f"SELECT count(*) FROM (SELECT {columns}{found}) AS m WHERE {where}",
                                 found_params + params).fetchone()[0]
            # Past broad_query matches, rank on the bonuses and then the shorter name, which is what
            # BM25 amounts to when each name holds the few query characters once. 武汉 on 100k
            # subjects: 72 → 38 ms.
            ranked = total <= self.broad_query
            found, found_params = _matched_names(q, ranked)
            relevance = "n.relevance" if ranked else "-length(s.name_norm) / 1000.0"
            source = (f"(SELECT {columns}, {relevance} + ? * (s.name_norm = ?) + ? * (s.name_core = ?)"
                      " + ? * (s.rowid IN (SELECT subject FROM subject_values WHERE field = 'former_norms' AND value = ?))"
                      f" + ? * (s.rowid IN (SELECT rowid / {NAME_SLOTS} FROM subject_fts WHERE subject_fts MATCH ?))"
                      f" AS score{found})")
            source_params = [BOOST_EXACT, q.norm, BOOST_CORE, q.core, BOOST_FORMER, q.norm,
                             BOOST_PHRASE, "chars : " + _quote(" ".join(q.phrase)), *found_params]
        base = f"FROM {source} AS m WHERE {where}"
        page_where, page_params, offset = _keyset(query, "m.score < ?", "m.code > ?", self.result_window)
        # Rank on narrow rows, then fetch the bodies of the one page: sorting thousands of
        # matches with their JSON bodies attached was the slow part of broad queries.
        rows = conn.execute(
            f"SELECT b.body, top.score, top.code FROM (SELECT m.rowid AS rid, m.score, m.code {base}{page_where}"
            " ORDER BY m.score DESC, m.code LIMIT ? OFFSET ?) AS top JOIN subject_bodies b ON b.rowid = top.rid"
            " ORDER BY top.score DESC, top.code",
            source_params + params + page_params + [query.size, offset]).fetchall()
        hits = [subject_hit(json.loads(body), round(score, 6), q) for body, score, _code in rows]
        page = Page(total=total, hits=hits, next_after=_next_cursor(rows, query.size, lambda r: [r[1], r[2]]))
        if query.facets:
            page.facets = self._subject_facets(base, source_params + params, query.today)
        return page

    def _subject_facets(self, base: str, params: list, today: date) -> dict:
        conn = self._conn()
        kinds = {}
        for kind in RECORD_KINDS:
            n = conn.execute(f"SELECT count(*) {base} AND m.{kind}_until >= ?", params + [today.isoformat()]).fetchone()[0]
            if n:
                kinds[kind] = n
        departments = dict(conn.execute(
            f"SELECT value, count(*) FROM subject_values WHERE field = 'departments' AND subject IN (SELECT m.rowid {base})"
            " GROUP BY value ORDER BY count(*) DESC, value LIMIT ?", params + [self.facet_size]))
        return {"kind": kinds, "department": departments}

    def search_records(self, query: RecordQuery) -> Page:
        where, params = _record_filters(query)
        conn = self._conn()
        total = conn.execute(f"SELECT count(*) FROM docs WHERE {where}", params).fetchone()[0]
        page_where, page_params, offset = _keyset(query, "decided_on < ?", "id > ?", self.result_window)
        rows = conn.execute(
            f"SELECT body, decided_on, id FROM docs WHERE id IN (SELECT id FROM docs WHERE {where}{page_where}"
            " ORDER BY decided_on DESC, id LIMIT ? OFFSET ?) ORDER BY decided_on DESC, id",
            params + page_params + [query.size, offset]).fetchall()
        page = Page(total=total, hits=[Hit(doc=json.loads(r[0])) for r in rows],
                    next_after=_next_cursor(rows, query.size, lambda r: [r[1], r[2]]))
        if query.facets:
            page.facets = {
                field: dict(conn.execute(f"SELECT {field}, count(*) FROM docs WHERE {where} GROUP BY {field} "
                                         "ORDER BY count(*) DESC, " + field + " LIMIT ?", params + [self.facet_size]))
                for field in ("kind", "department")}
        return page

    def record_counts(self, subject_codes: list[str], today: date | None = None) -> dict[str, dict[str, int]]:
        if not subject_codes:
            return {}
        today_s = (today or date.today()).isoformat()
        marks = ",".join("?" * len(subject_codes))
        counts: dict[str, dict[str, int]] = {c: {} for c in subject_codes}
        for code, kind, n in self._conn().execute(
                f"SELECT subject_code, kind, count(*) FROM docs WHERE subject_code IN ({marks}) "
                "AND public_until >= ? GROUP BY subject_code, kind", [*subject_codes, today_s]):
            counts[code][kind] = n
        return counts

    def health(self) -> dict:
        try:
            self._conn().execute("SELECT 1 FROM subjects LIMIT 1").fetchall()
            return {"ok": True, "engine": "embedded", "path": str(self.current_file())}
        except sqlite3.Error as exc:
            return {"ok": False, "engine": "embedded", "error": str(exc)}


# -- helpers ----------------------------------------------------------------------------------

def _connect(path: Path, cache_kib: int | None = None, create: bool = True) -> sqlite3.Connection:
    """A connection to a version file; with create=False the file must exist (SQLite would
    otherwise make an empty one where a rebuild has just removed the old version). Connections
    that read or write many documents get a page cache of cache_kib (Settings.embedded_cache_kib)."""
    target = str(path) if create else f"{path.absolute().as_uri()}?mode=rw"
    conn = sqlite3.connect(target, timeout=30, check_same_thread=False, uri=not create)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    if cache_kib:
        conn.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
    # Checkpoint the write-ahead log every ~64 MB instead of SQLite's 4 MB: each checkpoint syncs
    # the file, and bulk ingest would otherwise pay for one on nearly every commit.
    conn.execute("PRAGMA wal_autocheckpoint=16384")
    return conn


def _create(path: Path) -> sqlite3.Connection:
    conn = _connect(path)
    conn.executescript(SCHEMA)
    return conn


def _schema_version(path: Path) -> int:
    """The file's format; 0 when it is missing (the index is derived data: start a new one)."""
    if not path.exists():
        return 0
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def _remove(version: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(version) + suffix).unlink(missing_ok=True)


@contextmanager
def _flock(path: Path):
    """An advisory lock on a file beside the pointer (the kernel drops it when its process ends,
    however it ends): held briefly while version files are created and the pointer is moved."""
    with open(path, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def _rebuild_lock(path: Path):
    """One rebuild at a time per index: a second one is refused at once, told who holds the lock."""
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "另一进程"
            raise RebuildInProgress(f"另一个检索索引重建正在进行（{holder}），请等它完成后再试") from None
        fh.truncate(0)
        fh.write(f"进程 {os.getpid()}，开始于 {datetime.now():%Y-%m-%d %H:%M:%S}")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# -- the journal of writes during a rebuild (see the module docstring) -----------------------

def _journal_of(conn: sqlite3.Connection):
    """What a write transaction calls with the ids it wrote or deleted: records them while a
    rebuild runs, does nothing otherwise. Asked inside the transaction, under the write lock."""
    running = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (JOURNAL,)).fetchone()
    if not running:
        return lambda ids: None
    return lambda ids: conn.executemany(f"INSERT INTO {JOURNAL} (id) VALUES (?)", [(i,) for i in ids])


def _start_journal(live: sqlite3.Connection) -> None:
    live.execute("BEGIN IMMEDIATE")
    live.execute(f"DROP TABLE IF EXISTS {JOURNAL}")   # left by an interrupted rebuild
    live.execute(f"CREATE TABLE {JOURNAL} (seq INTEGER PRIMARY KEY, id TEXT NOT NULL)")
    live.commit()


def _stop_journal(live: sqlite3.Connection) -> None:
    """After a failed rebuild; should this fail too, the next rebuild starts a new journal."""
    try:
        live.rollback()
        live.execute(f"DROP TABLE IF EXISTS {JOURNAL}")
    except sqlite3.Error as exc:
        log.error("未能删除检索索引的重建日志表：%s（下次重建时会重新建立）", exc)


def _fill(conn: sqlite3.Connection, docs: Iterable[dict]) -> int:
    written = 0
    for batch in chunks(docs, 5000):
        written += _write_docs(conn, _prepare(batch))
        conn.commit()
    conn.execute("INSERT INTO subject_fts(subject_fts) VALUES ('optimize')")
    conn.commit()
    return written


def _copy_journal(live: sqlite3.Connection, fresh: sqlite3.Connection, after: int) -> tuple[int, int]:
    """Copy the live state of the ids journaled after entry `after` into the new version;
    (the last entry copied, how many ids). An entry is committed with its write, so the state
    read after it includes that write."""
    last = live.execute(f"SELECT coalesce(max(seq), ?) FROM {JOURNAL}", (after,)).fetchone()[0]
    ids = [r[0] for r in live.execute(f"SELECT DISTINCT id FROM {JOURNAL} WHERE seq > ? AND seq <= ?", (after, last))]
    for part in chunks(ids, 500):   # stay under SQLite's bound-parameter limit
        marks = ",".join("?" * len(part))
        bodies = live.execute(
            f"SELECT body FROM docs WHERE id IN ({marks}) UNION ALL SELECT b.body FROM subjects s"
            f" JOIN subject_bodies b ON b.rowid = s.rowid WHERE s.id IN ({marks})", part + part).fetchall()
        _delete_ids(fresh, part)   # absent from the live version: deleted there, so here too
        _write_docs(fresh, _prepare(json.loads(body) for (body,) in bodies))
    fresh.commit()
    return last, len(ids)


@dataclass
class _Prepared:
    """Documents as rows, encoded before the write lock is taken: two workers publishing at once
    then hold it only for the inserts."""
    records: list[tuple]
    subjects: list[tuple[dict, bytes]]


def _prepare(docs: Iterable[dict]) -> _Prepared:
    records, subjects = [], []
    for d in docs:
        if d["doc_type"] == "subject":
            subjects.append((d, _dumps(d)))
        else:
            records.append((d["id"], d["kind"], d["subject_code"], d["list_type"], d["list_name"], d["department"],
                            d["decided_on"], d["public_until"], _dumps(d)))
    return _Prepared(records, subjects)


def _write_docs(conn: sqlite3.Connection, batch: _Prepared) -> int:
    conn.executemany(
        "INSERT OR REPLACE INTO docs (id, kind, subject_code, list_type, list_name, department, decided_on,"
        " public_until, body) VALUES (?,?,?,?,?,?,?,?,?)", batch.records)
    if batch.subjects:
        _delete_subjects(conn, [d["id"] for d, _body in batch.subjects])
        # Rowids are assigned here (this connection holds the write lock) so the three tables can
        # be filled with one executemany each.
        first = conn.execute("SELECT coalesce(max(rowid), 0) + 1 FROM subjects").fetchone()[0]
        rows = list(enumerate(batch.subjects, start=first))
        conn.executemany(
            "INSERT INTO subjects (rowid, id, code, name_norm, name_core, licence_until, penalty_until, list_until,"
            " public_until) VALUES (?,?,?,?,?,?,?,?,?)",
            [(r, d["id"], d["code"], d["name_norm"], d["name_core"], d["licence_until"], d["penalty_until"],
              d["list_until"], d["public_until"]) for r, (d, _body) in rows])
        conn.executemany("INSERT INTO subject_bodies (rowid, body) VALUES (?,?)", [(r, body) for r, (_d, body) in rows])
        conn.executemany("INSERT INTO subject_fts (rowid, terms, chars) VALUES (?,?,?)",
                         [(r * NAME_SLOTS + place, name["terms"], name["chars"])
                          for r, (d, _body) in rows for place, name in enumerate(d["names"][:NAME_SLOTS])])
        conn.executemany("INSERT INTO subject_values (subject, field, value) VALUES (?,?,?)",
                         [(r, f, v) for r, (d, _body) in rows for f in SUBJECT_VALUE_FIELDS for v in d[f]])
    return len(batch.records) + len(batch.subjects)


def _matched_names(q, ranked: bool) -> tuple[str, list]:
    """` FROM subjects s` narrowed to those with a name that holds the query; when ranked, joined
    to `n.relevance`, the best BM25 among its matching names."""
    if not ranked:
        # An IN list: the subjects whose several names match count once. (Cheaper than DISTINCT
        # or GROUP BY: "有限公司" on 80k names, 47 against 60 ms.)
        return (f" FROM subjects s WHERE s.rowid IN (SELECT rowid / {NAME_SLOTS} FROM subject_fts"
                " WHERE subject_fts MATCH ?)", [_match_expression(q)])
    # bm25() cannot be computed inside an aggregate: LIMIT -1 (no limit) keeps SQLite from merging
    # the per-name query into the GROUP BY.
    names = (f"SELECT subject, max(relevance) AS relevance FROM (SELECT rowid / {NAME_SLOTS} AS subject,"
             " -bm25(subject_fts, ?, ?) AS relevance FROM subject_fts WHERE subject_fts MATCH ? LIMIT -1)"
             " GROUP BY subject")
    return f" FROM ({names}) AS n JOIN subjects s ON s.rowid = n.subject", [WEIGHT_TERMS, WEIGHT_CHARS,
                                                                             _match_expression(q)]


def _dumps(doc: dict) -> str:
    return orjson.dumps(doc).decode()


def _delete_ids(conn: sqlite3.Connection, ids: list[str]) -> None:
    conn.executemany("DELETE FROM docs WHERE id = ?", [(i,) for i in ids])
    _delete_subjects(conn, ids)


def _delete_subjects(conn: sqlite3.Connection, ids: list[str]) -> None:
    rowids = []
    for part in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = ids[part:part + 500]
        rowids += conn.execute(f"SELECT rowid FROM subjects WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
    conn.executemany("DELETE FROM subject_fts WHERE rowid BETWEEN ? AND ?",
                     [(r * NAME_SLOTS, (r + 1) * NAME_SLOTS - 1) for (r,) in rowids])
    conn.executemany("DELETE FROM subject_values WHERE subject = ?", rowids)
    conn.executemany("DELETE FROM subject_bodies WHERE rowid = ?", rowids)
    conn.executemany("DELETE FROM subjects WHERE rowid = ?", rowids)


def _has_value(field: str) -> str:
    # An uncorrelated IN is answered once from the (field, value, subject) index, not per subject.
    return f"m.rowid IN (SELECT subject FROM subject_values WHERE field = '{field}' AND value = ?)"


def _subject_filters(query: SubjectQuery) -> tuple[str, list]:
    """The public-window filter first, always; then what the caller asked for."""
    today = query.today.isoformat()
    where, params = ["m.public_until >= ?"], [today]
    if query.kind:
        check_kind(query.kind)
        where.append(f"m.{query.kind}_until >= ?")
        params.append(today)
    for field, value in (("codes", query.code), ("departments", query.department), ("region", query.region)):
        if value:
            where.append(_has_value(field))
            params.append(value)
    if query.date_from or query.date_to:
        where.append("m.rowid IN (SELECT subject FROM subject_values WHERE field = 'dates' AND value BETWEEN ? AND ?)")
        params += [(query.date_from or date.min).isoformat(), (query.date_to or date.max).isoformat()]
    return " AND ".join(where), params


def _record_filters(query: RecordQuery) -> tuple[str, list]:
    where, params = ["public_until >= ?"], [query.today.isoformat()]
    for column, value in (("subject_code", query.subject_code), ("list_type", query.list_type),
                          ("list_name", query.list_name), ("department", query.department)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if query.kinds:
        where.append(f"kind IN ({','.join('?' * len(query.kinds))})")
        params += list(query.kinds)
    if query.region:
        where.append("EXISTS (SELECT 1 FROM json_each(docs.body, '$.region') r WHERE r.value = ?)")
        params.append(query.region)
    if query.date_from:
        where.append("decided_on >= ?")
        params.append(query.date_from.isoformat())
    if query.date_to:
        where.append("decided_on <= ?")
        params.append(query.date_to.isoformat())
    return " AND ".join(where), params


def _keyset(query, before: str, tie: str, window: int) -> tuple[str, list, int]:
    """Offset paging within the result window, or keyset paging after a cursor (any depth).

    `before` compares the sort key with the cursor's first value (e.g. "score < ?"), `tie` breaks
    ties on the second."""
    if not query.after:
        return "", [], check_depth(query.page, query.size, window)
    values = decode_cursor(query.after)
    if len(values) != 2:
        raise QueryError("翻页游标无效")
    equal = before.replace("<", "=")
    return f" AND ({before} OR ({equal} AND {tie}))", [values[0], values[0], values[1]], 0


def _next_cursor(rows: list, size: int, key) -> str | None:
    return encode_cursor(key(rows[-1])) if len(rows) == size else None
