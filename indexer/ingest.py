"""Ingest: source files → validated rows → full records in the database → public index.

Rows are committed in batches, so a crash or Ctrl-C loses at most the batch in flight; every
subject a file touched is published again at the end, so rerunning the same files repairs an
index left behind by an interrupted run (and changes nothing else: ingest is idempotent).

One ingest runs at a time per database (`ingest_lock`); each is recorded in `ingest_runs` as
running, then finished or interrupted, with its quality report."""
from __future__ import annotations

import fcntl
import gc
import hashlib
import signal
import threading
import time
from collections import Counter, defaultdict
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

import orjson
from sqlalchemy import JSON, Column, Date, DateTime, MetaData, Table, Text, bindparam, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from analyzers import analyze_name
from credit.batches import chunks
from credit.catalog import Catalog, HeaderPlan, Kind
from credit.config import Settings
from credit.db import engine_for, migrate, session_factory
from credit.documents import public_subject_code
from credit.ids import subject_doc_id
from credit.models import IngestRun, Record, SourceFile, china_today, utcnow
from credit.search import open_index
from indexer.pool import executor, ordered_map
from indexer.publisher import FreshPart, forget_parent_connections, publish
from indexer.readers import FileError, estimate_rows, expand, headers_and_rows
from indexer.spool import Spool
from indexer.validate import Problem
from indexer.validate_chunks import Checked, Fresh, validate_chunk


@dataclass
class FileReport:
    file: str
    kind: str | None = None
    lines: int = 0       # data lines read (blank lines are none): accepted + rejected, once read to the end
    accepted: int = 0
    rejected: int = 0
    replaced: int = 0
    unchanged: int = 0
    error: str | None = None
    reasons: Counter = field(default_factory=Counter)
    prohibited: list[str] = field(default_factory=list)  # columns not stored: may not be collected
    unknown: list[str] = field(default_factory=list)     # columns not stored: not in the catalogue
    publicity_capped: int = 0

    def add_dropped(self, prohibited, unknown) -> None:
        self.prohibited += [h for h in prohibited if h not in self.prohibited]
        self.unknown += [h for h in unknown if h not in self.unknown]

    def as_json(self) -> dict:
        return {"file": self.file, "kind": self.kind, "lines": self.lines, "accepted": self.accepted,
                "rejected": self.rejected, "replaced": self.replaced, "unchanged": self.unchanged, "error": self.error,
                "rejected_by_reason": dict(self.reasons),
                "dropped_columns": {"prohibited": self.prohibited, "unknown": self.unknown},
                "publicity_capped": self.publicity_capped}


@dataclass
class Report:
    files: list[FileReport] = field(default_factory=list)
    rejections: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)  # accepted rows with something the clerk should know
    departments: dict = field(default_factory=lambda: defaultdict(lambda: Counter()))
    indexed: int = 0
    failed_to_index: int = 0
    removed: int = 0
    status: str = "finished"           # or "interrupted": the counts are then those up to the interruption
    interrupted_by: str | None = None

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "interrupted_by": self.interrupted_by,
            "accepted": self.total("accepted"),
            "rejected": self.total("rejected"),
            "replaced": self.total("replaced"),
            "unchanged": self.total("unchanged"),
            "publicity_capped": self.total("publicity_capped"),
            "indexed": self.indexed,
            "failed_to_index": self.failed_to_index,
            "removed_from_index": self.removed,
            "files": [f.as_json() for f in self.files],
            "departments": {d: dict(c) for d, c in sorted(self.departments.items())},
            "rejections": self.rejections,
            "notes": self.notes,
        }


@dataclass
class _Subjects:
    """Whose public documents the run rebuilds, and from what. A subject whose every record was
    first stored by this run is published from the parts its rows were built into as they were
    validated (`fresh`, in the order they were stored); one with records stored before, or one a
    correction changed, is rebuilt from the database (`stored`)."""
    fresh: dict[str, list[tuple[FreshPart, tuple[str, ...]]]] = field(default_factory=dict)  # (part, private names)
    stored: set[str] = field(default_factory=set)
    vacated: set[str] = field(default_factory=set)   # public codes a correction moved a record away from

    @property
    def touched(self) -> set[str]:
        return self.stored | self.fresh.keys()

    def known(self, key: str) -> bool:
        return key in self.fresh or key in self.stored

    def rebuild(self, key: str) -> None:
        self.fresh.pop(key, None)
        self.stored.add(key)

    def settle(self) -> None:
        """A subject's parts were built with each record's own private names; when its records
        hold different ones (a sole trader's operator named on one record only), the names of all
        of them must be masked on each: rebuilt from the database, which has them all."""
        for key in [k for k, rows in self.fresh.items() if len({private for _part, private in rows}) > 1]:
            self.rebuild(key)


class _Version(NamedTuple):
    """What a row is weighed against: a stored record, or an earlier row of the same batch."""
    values: dict | str        # decoded (stored) or JSON (a row of this batch)
    source_line: int
    source_digest: str | None


# -- one ingest at a time -------------------------------------------------------------------------

class IngestBusy(Exception):
    """Another ingest holds the database's ingest lock."""


# PostgreSQL advisory lock key (any fixed bigint; advisory locks are per database).
ADVISORY_KEY = 0x63726564_69740001


@contextmanager
def ingest_lock(settings: Settings, *, wait: bool = False, on_wait: Callable[[], None] | None = None,
                poll: float = 0.5) -> Iterator[None]:
    """Hold the database's ingest lock: two ingests writing the same records at once would collide
    (the second dies on the unique identity). The lock lives as long as the process holding it, so
    a killed ingest never leaves it behind. Raises IngestBusy when it is taken and `wait` is false."""
    url = settings.database_url
    lock = _AdvisoryLock(url) if _is_postgres(url) else _FileLock(_lock_file(url, settings.instance_path))
    try:
        if not lock.acquire():
            if not wait:
                raise IngestBusy("另一个导入正在运行")
            if on_wait:
                on_wait()
            while not lock.acquire():
                time.sleep(poll)
        yield
    finally:
        lock.release()


def _is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def _lock_file(url: str, instance_path: Path) -> Path:
    """Beside the SQLite file (whoever can write it can lock it); under instance/ otherwise."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database).with_name(Path(parsed.database).name + ".ingest.lock")
    return instance_path / "ingest.lock"


def _spool_folder(url: str, instance_path: Path) -> Path:
    """Where a run keeps the documents its workers build (indexer/spool.py): beside the lock."""
    lock = _lock_file(url, instance_path)
    return lock.with_name(lock.name.removesuffix(".lock") + ".spool")


class _FileLock:
    """flock: the kernel drops it when the process ends, however it ends."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fh, self.held = path.open("a"), False

    def acquire(self) -> bool:
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self.held = True
        return True

    def release(self) -> None:
        # Unlocked explicitly: forked workers share the descriptor, and closing ours alone would not.
        if self.held:
            fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


class _AdvisoryLock:
    """pg_advisory_lock, on a connection of its own in autocommit (no transaction held open for the
    run): the server drops it when that session ends, however the process ends."""

    def __init__(self, url: str):
        self.conn = engine_for(url).connect().execution_options(isolation_level="AUTOCOMMIT")
        self.held = False

    def acquire(self) -> bool:
        self.held = bool(self.conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}))
        return self.held

    def release(self) -> None:
        try:
            if self.held:
                self.conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
        finally:
            self.conn.close()


def file_digest(path: Path) -> str:
    """What a file's content is known by: a rerun of the same content recognizes what it already did."""
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- the run --------------------------------------------------------------------------------------

class Ingester:
    def __init__(self, settings: Settings, catalog: Catalog, *, today: date | None = None,
                 batch: int | None = None, workers: int | None = None, progress: bool = True):
        self.settings, self.catalog = settings, catalog
        self.sessions = session_factory(settings.database_url)
        self.today = today or china_today()
        self.batch, self.progress = batch or settings.ingest_batch, progress
        self.workers = workers or settings.ingest_workers
        self.first_load = False   # the records table was empty when the run began (_indexes_deferred)

    def run(self, paths: list[str], kind: str | None = None, *, wait: bool = False,
            on_wait: Callable[[], None] | None = None) -> Report:
        """Ingest these files and folders, under the ingest lock (IngestBusy if another ingest holds
        it and `wait` is false). An interruption is recorded with the report so far, then raised."""
        files = expand(paths)
        with ingest_lock(self.settings, wait=wait, on_wait=on_wait):
            migrate(self.settings.database_url)   # under the lock: two first runs must not both create the schema
            report, run_id = Report(), self._start_run()
            try:
                self._run(files, kind, report)
            except BaseException as exc:
                report.status, report.interrupted_by = "interrupted", f"{type(exc).__name__}: {exc}".rstrip(": ")
                # If the database is what failed, the run stays "running" until the next run marks it.
                with suppress(SQLAlchemyError):
                    self._end_run(run_id, report)
                raise
            self._end_run(run_id, report)
        return report

    def _run(self, files: list[Path], kind: str | None, report: Report) -> None:
        subjects = _Subjects()
        analyze_name("预热有限公司")  # load the tokenizer's dictionary once, before workers fork
        with _fewer_collections():
            self._ingest_and_publish(files, kind, report, subjects)

    def _ingest_and_publish(self, files: list[Path], kind: str | None, report: Report, subjects: _Subjects) -> None:
        pool = executor(self.workers, on_start=forget_parent_connections)
        try:
            with Spool(_spool_folder(self.settings.database_url, self.settings.instance_path)) as self.spool:
                # Publishing reads records by subject: the indexes are back before it starts.
                with _indexes_deferred(engine_for(self.settings.database_url, bulk=True)) as self.first_load:
                    for path in files:
                        file_report = FileReport(file=str(path))
                        report.files.append(file_report)
                        try:
                            self._ingest_file(path, kind, file_report, report, subjects, pool)
                        except FileError as exc:
                            file_report.error = str(exc)
                report.removed += self._unpublish_vacated(subjects.vacated)
                subjects.settle()
                with tqdm(total=len(subjects.touched), desc="发布到检索索引", unit="主体",
                          disable=not self.progress) as bar:
                    stats = publish(self.settings, self.catalog, subjects.stored, self.today, pool, progress=bar,
                                    fresh={k: [part for part, _private in rows] for k, rows in subjects.fresh.items()})
        finally:
            # On an interruption the chunks still queued are dropped rather than worked through.
            pool.shutdown(wait=True, cancel_futures=True)
        report.indexed, report.failed_to_index = stats.written, stats.failed
        report.removed += stats.removed

    def _start_run(self) -> int:
        with self.sessions.begin() as session:
            # The lock is ours: a run still marked running was killed before it could say so.
            session.execute(update(IngestRun).where(IngestRun.status == "running").values(status="interrupted"))
            run = IngestRun(status="running")
            session.add(run)
            session.flush()
            return run.id

    def _end_run(self, run_id: int, report: Report) -> None:
        with self.sessions.begin() as session:
            session.execute(update(IngestRun).where(IngestRun.id == run_id).values(
                status=report.status, finished_at=utcnow(), accepted=report.total("accepted"),
                rejected=report.total("rejected"), replaced=report.total("replaced"), report=report.as_json()))

    def _ingest_file(self, path: Path, kind_name: str | None, file_report: FileReport, report: Report,
                     subjects: _Subjects, pool) -> None:
        headers, rows = headers_and_rows(path, self.settings.ingest_max_field, compact=True)
        kind_name = kind_name or self.catalog.detect_kind(headers)
        if kind_name is None:
            raise FileError(f"{path.name}：无法从表头判断记录类型，请用 --kind 指定（licence、penalty 或 list）")
        kind = self.catalog.kinds[kind_name]
        file_report.kind = kind_name
        plan = self.catalog.plan_headers(kind, headers)
        file_report.add_dropped(plan.prohibited, plan.unknown)
        _check_headers(path, kind, plan)
        digest = file_digest(path)
        bar = tqdm(total=estimate_rows(path), desc=path.name, unit="行", disable=not self.progress, leave=False)

        def tasks():
            for chunk in chunks(rows, self.batch):
                file_report.lines += len(chunk)
                yield self.catalog.profile_name, kind_name, plan, chunk, self.today, self.spool.folder
        with bar:
            for checked in ordered_map(pool, validate_chunk, tasks(), window=2 * self.workers):
                self._take_chunk(kind, path, digest, checked, file_report, report, subjects)
                bar.update(len(checked.accepted) + len(checked.rejected))

    def _take_chunk(self, kind: Kind, path: Path, digest: str, checked: Checked, file_report: FileReport,
                    report: Report, subjects: _Subjects) -> None:
        file_report.add_dropped(checked.prohibited, checked.unknown)
        for line, problems, raw in checked.rejected:
            self._reject(path, line, problems, file_report, report, raw, kind)
        for line, note in checked.notes:
            if note.code == "publicity_capped":
                file_report.publicity_capped += 1
            report.notes.append({"file": str(path), "line": line, "field": note.field, "code": note.code,
                                 "text": note.reason})
        headers = {key: header for header, key in checked.columns.items()}
        self._store(path, digest, headers, checked.accepted, file_report, report, subjects)

    def _reject(self, path: Path, line: int, problems: list[Problem], file_report: FileReport, report: Report,
                raw: dict, kind: Kind) -> None:
        file_report.rejected += 1
        dept = str(raw.get("source_dept") or "（未填写数据来源单位）").strip()
        report.departments[dept]["rejected"] += 1
        # Whose row it is (a department's clerk sees its own only) and the row as sent, to fix and resend.
        owner = {"department": dept, "department_code": str(raw.get("source_dept_code") or "").strip().upper(),
                 "row": _row_cells(kind, raw)}
        for problem in problems:
            file_report.reasons[problem.code] += 1
            report.rejections.append({"file": str(path), "line": line, "field": problem.field,
                                      "code": problem.code, "reason": problem.reason, **owner})

    def _store(self, path: Path, digest: str, headers: dict[str, str], accepted: list[Fresh],
               file_report: FileReport, report: Report, subjects: _Subjects) -> None:
        """Insert new rows and replace changed ones, in one transaction; counted once committed, so
        the report of an interrupted run counts what is stored."""
        table = Record.__table__
        c = table.c
        with _uninterrupted():
            with engine_for(self.settings.database_url, bulk=True).begin() as conn:
                _keep_headers(conn, digest, path, headers)
                stored = {r.identity: r for r in conn.execute(
                    select(c.id, c.identity, c.subject_key, c.subject_type, c["values"], c.source_line, c.source_digest)
                    .where(c.identity.in_({row.identity for row in accepted})))}
                # On a first load every stored subject is one this run stored, and so known to it.
                earlier = set() if self.first_load else _stored_before(
                    conn, {r.subject_key for r in accepted if not subjects.known(r.subject_key)})
                outcomes, final = _weigh(accepted, stored, digest)
                inserts, updates, moved = [], [], []
                now = utcnow()
                for key, row in final.items():
                    old = stored.get(key)
                    if old is None:
                        inserts.append(row)
                    else:
                        updates.append((old.id, row))
                        moved.append(old)
                self._write(conn, path, digest, now, inserts, updates)
            for row in accepted:
                if row.subject_key in earlier:
                    subjects.rebuild(row.subject_key)
            for old, (_id, row) in zip(moved, updates):
                # A correction keeps its record's public id: its documents are rebuilt from the database.
                subjects.rebuild(row.subject_key)
                _note_move(old, row.subject_key, subjects)
            for row in inserts:
                if row.subject_key not in subjects.stored:
                    # What publishing needs of it, not the row: a run holds this for every new record.
                    subjects.fresh.setdefault(row.subject_key, []).append((_part(row), row.private))
            self._count(accepted, outcomes, file_report, report)

    def _write(self, conn, path: Path, digest: str, now, inserts: list[Fresh], updates: list[tuple[int, Fresh]]) -> None:
        """executemany on Core. On SQLite the JSON and the days go in as the text the workers
        encoded (the column types would encode them again), new rows as plain tuples of the
        statement Core compiles; elsewhere as the column types take them."""
        sqlite = conn.dialect.name == "sqlite"
        table = _SQLITE_RECORDS if sqlite else Record.__table__
        stamp = now.strftime(_SQLITE_DATETIME) if sqlite else now
        if inserts and sqlite:
            statement = _sqlite_insert(conn.dialect)
            conn.exec_driver_sql(statement, [
                (r.identity, r.public_id, r.kind, r.subject_key, r.subject_name, r.subject_type, r.source_dept_code,
                 r.decided_on, r.values, r.original, r.revoked, str(path), r.line, digest, stamp, stamp, r.withheld,
                 r.arrival_workdays)
                for r in inserts])
        elif inserts:
            conn.execute(insert(table), [{**_columns(row, sqlite), "source_file": str(path), "source_digest": digest,
                                          "public_id": row.public_id, "created_at": stamp, "updated_at": stamp,
                                          "arrival_workdays": row.arrival_workdays}
                                         for row in inserts])
        if updates:
            common = {"source_file": str(path), "source_digest": digest, "updated_at": stamp}
            conn.execute(update(table).where(table.c.id == bindparam("old_id")),
                         [{**_columns(row, sqlite), **common, "old_id": old_id} for old_id, row in updates])

    def _count(self, accepted: list[Fresh], outcomes: list[str], file_report: FileReport, report: Report) -> None:
        file_report.accepted += len(accepted)
        for row, outcome in zip(accepted, outcomes):
            dept = report.departments[row.department]
            dept["accepted"] += 1
            if outcome == "replaced":
                file_report.replaced += 1
                dept["replaced"] += 1
            elif outcome == "unchanged":
                file_report.unchanged += 1

    def _unpublish_vacated(self, vacated: set[str]) -> int:
        """Remove the entries of subjects a correction left without any record: publishing a subject
        with no records has nothing to go by, so their entry would stay searchable, empty."""
        if not vacated:
            return 0
        column = Record.__table__.c.subject_key
        with self.sessions() as session:
            kept = {k for part in chunks(sorted(vacated), 500)
                    for k in session.scalars(select(column).where(column.in_(part)).distinct())}
        gone = [subject_doc_id(code) for code in sorted(vacated - kept)]
        if gone:
            with closing(open_index(self.settings)) as index:
                index.delete(gone)   # made visible by the publish that follows, which refreshes
        return len(gone)


# The records table as the SQLite dialect stores it (JSON as text, days and times as ISO text):
# what the workers encode goes in unchanged.
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"   # SQLAlchemy's storage format for DateTime on SQLite
_SQLITE_RECORDS = Table("records", MetaData(), *(
    Column(col.name, Text() if isinstance(col.type, (JSON, Date, DateTime)) else col.type, primary_key=col.primary_key)
    for col in Record.__table__.c))


_INSERTED = ("identity", "public_id", "kind", "subject_key", "subject_name", "subject_type", "source_dept_code",
             "decided_on", "values", "original", "revoked", "source_file", "source_line", "source_digest",
             "created_at", "updated_at", "withheld", "arrival_workdays")


@lru_cache(maxsize=1)
def _sqlite_insert(dialect) -> str:
    """INSERT INTO records (…) VALUES (?, …), in _INSERTED's order, as Core compiles it."""
    compiled = insert(_SQLITE_RECORDS).compile(dialect=dialect, column_keys=list(_INSERTED))
    if tuple(compiled.positiontup) != _INSERTED:   # the table's column order: _INSERTED must follow it
        raise RuntimeError(f"records columns are compiled as {compiled.positiontup}, not {_INSERTED}")
    return str(compiled)


def _columns(row: Fresh, sqlite: bool) -> dict:
    """A row's record columns, but for its public id, file and times."""
    out = {"identity": row.identity, "kind": row.kind, "subject_key": row.subject_key,
           "subject_name": row.subject_name, "subject_type": row.subject_type,
           "source_dept_code": row.source_dept_code, "decided_on": row.decided_on, "values": row.values,
           "original": row.original, "revoked": row.revoked, "source_line": row.line, "withheld": row.withheld}
    if not sqlite:
        out.update(decided_on=date.fromisoformat(row.decided_on), values=orjson.loads(row.values),
                   original=orjson.loads(row.original))
    return out


def _row_cells(kind: Kind, raw: dict) -> dict[str, str]:
    """A rejected row's cells under the catalogue's column names, as text."""
    names = {c.key: c.header for c in kind.columns}
    return {names.get(key, key): "" if value is None else value if isinstance(value, str) else str(value)
            for key, value in raw.items()}


def _part(row: Fresh) -> FreshPart:
    return FreshPart(row.public_id, row.doc, row.registered_code, row.public_code)


def _stored_before(conn, keys: set[str]) -> set[str]:
    """Which of these subjects already have records in the database."""
    column = Record.__table__.c.subject_key
    return {k for part in chunks(sorted(keys), 500)
            for k in conn.scalars(select(column).where(column.in_(part)).distinct())}


def _keep_headers(conn, digest: str, path: Path, headers: dict[str, str]) -> None:
    """The file's headers, which its records' rows as sent are read under (credit.models.row_as_sent)."""
    table = SourceFile.__table__
    known = conn.execute(select(table.c.headers).where(table.c.digest == digest)).scalar_one_or_none()
    if known is None:
        conn.execute(insert(table).values(digest=digest, name=path.name, headers=headers))
    elif not headers.items() <= known.items():   # a JSON Lines file brought more keys
        conn.execute(update(table).where(table.c.digest == digest).values(headers={**known, **headers}))


@contextmanager
def _indexes_deferred(engine) -> Iterator[bool]:
    """On a first load (no records yet) the records table's plain indexes are built once, after
    the rows are in, rather than kept up to date row by row, whose keys arrive in random order:
    about 40 % of the database's work at a million records. The unique ones stay (rows are looked up by
    identity as they arrive). Yields whether they were deferred. Indexes a killed run left
    unbuilt are built when the next one starts."""
    deferred = list(Record.__table__.indexes)
    _build(engine, deferred)
    with engine.begin() as conn:
        if conn.execute(select(Record.id).limit(1)).first() is not None:
            deferred = []
        for index in deferred:
            index.drop(conn)
    try:
        yield bool(deferred)
    except BaseException:
        with suppress(SQLAlchemyError):   # if the database is what failed, the next run builds them
            _build(engine, deferred)
        raise
    _build(engine, deferred)


def _build(engine, indexes: list) -> None:
    with engine.begin() as conn:
        for index in indexes:
            index.create(conn, checkfirst=True)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cycle collector, with its default thresholds, scans every live object again and
    again while a run allocates millions of short-lived rows and documents and keeps hundreds of
    thousands of small tuples (measured: a third of the cost of assembling subjects). What exists
    before the run is frozen out of its scans (forked workers inherit that, and pages the parent and
    they share stay shared), and it runs a hundred times less often; the run makes few cycles."""
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(70_000, 10, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Ctrl-C or `kill` waits until a batch is both committed and counted, so the report of an
    interrupted run counts exactly what is stored. Python runs signal handlers in the main thread,
    whichever thread the signal reached, so a handler that only notes the signal defers it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, _frame: caught.append(number))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            raise KeyboardInterrupt


def _check_headers(path: Path, kind: Kind, plan: HeaderPlan) -> None:
    """Refuse a file missing a required column, or naming one column twice."""
    present = set(plan.columns.values())
    missing = [c.header for c in kind.columns if c.required and c.key not in present]
    if missing:
        raise FileError(f"{path.name}：缺少必填列：{'、'.join(missing)}（按{kind.label}导入）")
    for first, later in plan.clashes:
        name = kind.column(plan.columns[first]).header
        same = "出现了两次" if first == later else f"和“{later}”是同一列（{name}）"
        raise FileError(f"{path.name}：列“{first}”{same}，无法确定以哪一列为准；请删除或改正其中一列后重新报送")


def _weigh(accepted: list[Fresh], stored: dict, digest: str) -> tuple[list[str], dict[str, Fresh]]:
    """Each row's outcome, weighed in file order against the record as stored or as an earlier row
    of the batch left it, and what to write of each record: the last version that changed it."""
    current: dict[str, _Version] = dict(stored)
    outcomes, final = [], {}
    for row in accepted:
        outcome = _outcome(current.get(row.identity), row.values, row.line, digest)
        outcomes.append(outcome)
        if outcome != "unchanged":
            current[row.identity] = _Version(row.values, row.line, digest)
            final[row.identity] = row
    return outcomes, final


def _outcome(old: _Version | None, values: str, line: int, digest: str) -> str:
    """new, unchanged or replaced: how a row changes the record as it stands."""
    if old is None:
        return "new"
    if old.values == values or _decoded(old.values) == orjson.loads(values):
        return "unchanged"
    if old.source_digest == digest and old.source_line > line:
        # A later line of this same content already corrected it: a rerun (after an interruption,
        # say) neither puts the earlier version back nor counts the correction a second time.
        return "unchanged"
    return "replaced"


def _decoded(values: dict | str) -> dict:
    return orjson.loads(values) if isinstance(values, str) else values


def _note_move(old, new_key: str, subjects: _Subjects) -> None:
    """A correction may move a record to another subject: publish the old one too, and remember
    it if it had a public entry, which must go should no record of it remain."""
    if old.subject_key == new_key:
        return
    subjects.rebuild(old.subject_key)
    if public_subject_code(old) == old.subject_key:
        subjects.vacated.add(old.subject_key)
