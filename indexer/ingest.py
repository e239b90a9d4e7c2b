"""Ingest: source files → validated rows → full records in the database → public index.

Rows are committed in batches, so a crash or Ctrl-C loses at most the batch in flight; every
subject a file touched is published again at the end, so rerunning the same files repairs an
index left behind by an interrupted run (and changes nothing else: ingest is idempotent)."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select, update
from tqdm import tqdm

from analyzers import analyze_name
from credit.batches import chunks
from credit.catalog import Catalog, Kind
from credit.config import Settings
from credit.db import session_factory
from credit.ids import new_public_id
from credit.models import IngestRun, Record, utcnow
from credit.publicity import is_revoked
from indexer.publisher import publish
from indexer.readers import FileError, estimate_rows, expand, headers_and_rows
from indexer.validate import Problem, identity, subject_key
from indexer.workers import Checked, default_workers, executor, ordered_map, validate_chunk


@dataclass
class FileReport:
    file: str
    kind: str | None = None
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
        return {"file": self.file, "kind": self.kind, "accepted": self.accepted, "rejected": self.rejected,
                "replaced": self.replaced, "unchanged": self.unchanged, "error": self.error,
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

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    def as_json(self) -> dict:
        return {
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


class Ingester:
    def __init__(self, settings: Settings, catalog: Catalog, *, today: date | None = None,
                 batch: int | None = None, workers: int | None = None, progress: bool = True):
        self.settings, self.catalog = settings, catalog
        self.sessions = session_factory(settings.database_url)
        self.today = today or date.today()
        self.batch, self.progress = batch or settings.ingest_batch, progress
        self.workers = workers or default_workers()

    def run(self, paths: list[str], kind: str | None = None) -> Report:
        report = Report()
        touched: set[str] = set()
        files = expand(paths)
        analyze_name("预热有限公司")  # load jieba's dictionary once, before workers fork
        with executor(self.workers) as pool:
            for path in files:
                file_report = FileReport(file=str(path))
                report.files.append(file_report)
                try:
                    self._ingest_file(path, kind, file_report, report, touched, pool)
                except FileError as exc:
                    file_report.error = str(exc)
            with tqdm(total=len(touched), desc="发布到检索索引", unit="主体", disable=not self.progress) as bar:
                stats = publish(self.settings, self.catalog, touched, self.today, pool, progress=bar)
        report.indexed, report.failed_to_index, report.removed = stats.written, stats.failed, stats.removed
        self._save_run(report)
        return report

    def _ingest_file(self, path: Path, kind_name: str | None, file_report: FileReport, report: Report,
                     touched: set[str], pool) -> None:
        headers, rows = headers_and_rows(path)
        kind_name = kind_name or self.catalog.detect_kind(headers)
        if kind_name is None:
            raise FileError(f"{path.name}：无法从表头判断记录类型，请用 --kind 指定（licence、penalty 或 list）")
        kind = self.catalog.kinds[kind_name]
        file_report.kind = kind_name
        plan = self.catalog.plan_headers(kind, headers)
        file_report.add_dropped(plan.prohibited, plan.unknown)
        present = set(plan.columns.values())
        missing = [c.header for c in kind.columns if c.required and c.key not in present]
        if missing:
            raise FileError(f"{path.name}：缺少必填列：{'、'.join(missing)}（按{kind.label}导入）")
        bar = tqdm(total=estimate_rows(path), desc=path.name, unit="行", disable=not self.progress, leave=False)
        tasks = ((self.catalog.profile_name, kind_name, plan, chunk, self.today)
                 for chunk in chunks(rows, self.batch))
        with bar:
            for checked in ordered_map(pool, validate_chunk, tasks, window=2 * self.workers):
                self._take_chunk(kind, path, checked, file_report, report, touched)
                bar.update(len(checked.accepted) + len(checked.rejected))

    def _take_chunk(self, kind: Kind, path: Path, checked: Checked, file_report: FileReport, report: Report,
              touched: set[str]) -> None:
        file_report.add_dropped(checked.prohibited, checked.unknown)
        for line, problems, raw in checked.rejected:
            self._reject(path, line, problems, file_report, report, raw)
        for line, note in checked.notes:
            if note.code == "publicity_capped":
                file_report.publicity_capped += 1
            report.notes.append({"file": str(path), "line": line, "field": note.field, "code": note.code,
                                 "text": note.reason})
        self._store(kind, path, checked.accepted, file_report, report, touched)

    def _reject(self, path: Path, line: int, problems: list[Problem], file_report: FileReport, report: Report,
                raw: dict) -> None:
        file_report.rejected += 1
        dept = str(raw.get("source_dept") or "（未填写数据来源单位）").strip()
        report.departments[dept]["rejected"] += 1
        for problem in problems:
            file_report.reasons[problem.code] += 1
            report.rejections.append({"file": str(path), "line": line, "field": problem.field,
                                      "code": problem.code, "reason": problem.reason})

    def _store(self, kind: Kind, path: Path, accepted: list[tuple[int, dict, dict]], file_report: FileReport,
               report: Report, touched: set[str]) -> None:
        """Insert new rows and replace changed ones, in one transaction."""
        latest: dict[str, tuple[int, dict, dict]] = {}
        for line, values, original in accepted:
            key = identity(kind, values)
            if key in latest:
                file_report.replaced += 1  # corrected again later in the same batch
            latest[key] = (line, values, original)
        file_report.accepted += len(accepted)
        for _line, values, _original in accepted:
            report.departments[values.get("source_dept", "")]["accepted"] += 1
        table = Record.__table__
        with self.sessions.begin() as session:
            existing = {r.identity: r for r in session.execute(
                select(table.c.id, table.c.identity, table.c.subject_key, table.c["values"])
                .where(table.c.identity.in_(latest)))}
            inserts, updates = [], []
            for key, (line, values, original) in latest.items():
                touched.add(subject_key(values))
                old = existing.get(key)
                if old is not None and old.values == values:
                    file_report.unchanged += 1
                    continue
                row = self._row(kind, key, path, line, values, original)
                if old is None:
                    inserts.append(row)
                    continue
                # A correction may move the record to another subject: publish the old one too.
                touched.add(old.subject_key)
                file_report.replaced += 1
                report.departments[values.get("source_dept", "")]["replaced"] += 1
                del row["created_at"], row["public_id"]  # a correction keeps its record's public id
                updates.append({**row, "id": old.id})
            if inserts:
                session.execute(insert(table), inserts)  # Core executemany: no ORM bookkeeping per row
            if updates:
                session.execute(update(Record), updates)  # bulk UPDATE by primary key

    def _row(self, kind: Kind, key: str, path: Path, line: int, values: dict, original: dict) -> dict:
        now = utcnow()
        return {
            "identity": key, "public_id": new_public_id(), "kind": kind.name, "subject_key": subject_key(values),
            "subject_name": values["subject_name"], "subject_type": values["subject_type"],
            "source_dept_code": str(values.get("source_dept_code") or values.get("source_dept") or ""),
            "decided_on": date.fromisoformat(values[kind.date_field]), "values": values, "original": original,
            "revoked": is_revoked(values, self.catalog), "source_file": str(path), "source_line": line,
            "created_at": now, "updated_at": now,
        }

    def _save_run(self, report: Report) -> None:
        with self.sessions.begin() as session:
            session.add(IngestRun(finished_at=utcnow(), accepted=report.total("accepted"),
                                  rejected=report.total("rejected"), replaced=report.total("replaced"),
                                  report=report.as_json()))
