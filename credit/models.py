"""Database models: the full records as submitted (normalized), and ingest runs.

Portable SQL only (SQLite by default, PostgreSQL in production); schema changes go through the
Alembic migrations in credit/migrations."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Boolean, Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime) -> datetime:
    """A moment in UTC. SQLite returns naive datetimes from timezone-aware columns: they were stored in UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


# Where the portal's users read the time: moments are stored in UTC and shown in China Standard Time.
CHINA = ZoneInfo("Asia/Shanghai")


def local_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored moment as the users read it (the pages' `china_time` filter)."""
    return aware(moment).astimezone(CHINA).strftime(fmt) if moment is not None else ""


def local_date(moment: datetime) -> date:
    """The day it is at `moment` in China Standard Time, whatever the server's own time zone."""
    return aware(moment).astimezone(CHINA).date()


def china_today() -> date:
    """The day publicity windows and dates are judged on: China's, not the server's (a UTC host is
    eight hours behind, and would call a decision made this morning a future one)."""
    return local_date(datetime.now(timezone.utc))


class Base(DeclarativeBase):
    pass


class Record(Base):
    """One submitted row, in full: the only place unmasked data lives."""
    __tablename__ = "records"
    # The statistics' GROUP BY (credit/stats.py) reads this index alone, never the rows (migration 0012).
    __table_args__ = (Index("ix_records_stats", "decided_on", "kind", "source_dept_code", "withheld", "arrival_workdays"),
                      Index("ix_records_department", "source_dept_code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # (kind, source department, document number): a row arriving again replaces this one.
    identity: Mapped[str] = mapped_column(String(512), unique=True)
    # What the public sees as the record's id: random (credit.ids), kept when a correction arrives.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    subject_name: Mapped[str] = mapped_column(String(512), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    source_dept_code: Mapped[str] = mapped_column(String(64))
    decided_on: Mapped[date] = mapped_column(Date)
    values: Mapped[dict] = mapped_column(JSON)
    # The cells of the row as sent that differ from their normalized value ({column key: cell}, None
    # for a key the row lacked); with its file's headers (SourceFile) they give back the row exactly
    # as sent (`row_as_sent`), minus columns that may not be collected or that the catalogue does not know.
    original: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Objection state: None, "pending" (shown with a marker) or "suspended" (hidden while checked).
    objection: Mapped[str | None] = mapped_column(String(16), nullable=True)
    repaired_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Set when an objection's outcome takes the record out of publicity for good (withdrawn,
    # deleted with its reason, removed at the subject's request): what the subject and staff read.
    withdrawn: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The subject's statement (附注声明) after an objection was decided against it, and the note of
    # a correction made on an objection: both shown with the public record (credit.objections).
    statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    correction_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    source_file: Mapped[str] = mapped_column(Text)
    source_line: Mapped[int] = mapped_column(Integer)
    # Digest of the content of the file it was read from (None before it was kept): a rerun of the
    # same content knows which of its rows a later line of it already corrected.
    source_digest: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Why the record was not published when it arrived (credit.publicity's state, e.g. 不予公示（简易程序）),
    # None when it was: set at ingest, so statistics count it in SQL (credit/stats.py).
    withheld: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
    # Working days from the decision to the record's first arrival (China time; capped at
    # credit.stats.CAP; None when the calendar covers neither year): set when first stored, kept by corrections.
    arrival_workdays: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)


class SourceFile(Base):
    """A source file's content, by digest: the catalogue columns it had, under the headers it used."""
    __tablename__ = "source_files"

    digest: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON)   # column key → header as written in the file


def row_as_sent(values: dict, original: dict | None, headers: dict[str, str]) -> dict:
    """{header as written: cell as sent} of a record: a cell kept in `original`, else its normalized
    value (stored only when the clerk's cell was exactly that), else empty."""
    original = original or {}
    row = {header: original[key] if key in original else values.get(key, "") for key, header in headers.items()}
    return {header: cell for header, cell in row.items() if cell is not None}


class IngestRun(Base):
    """One `indexer ingest` run and its quality report (per file and per source department)."""
    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # running, then finished or interrupted (Ctrl-C, an error; the report is the one up to then).
    # A run killed outright stays running until the next run, holding the lock, marks it interrupted.
    status: Mapped[str] = mapped_column(String(16), default="running")
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    replaced: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict] = mapped_column(JSON, default=dict)
