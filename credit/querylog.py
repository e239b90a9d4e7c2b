"""The query log (SPEC §6): every authorized read of non-public data, append-only and hash-chained.

Each entry carries `seq` (1, 2, 3… in chain order), the hash of the entry before it (`prev_hash`; the
first entry's is GENESIS, 64 zeros) and its own `hash`:

    hash = lowercase hex SHA-256 of the UTF-8 bytes of
           json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

where `fields` holds every column except the storage row id and the hash itself:

    seq, prev_hash, at, querier_id, querier_name, how, subject_key, subject_name, items, address,
    code_id, reason, times

`at` is written as UTC with microseconds, "YYYY-MM-DDTHH:MM:SS.ffffffZ"; `items` is a list of
strings; `address` and `code_id` may be null; `seq`, `code_id` and `times` are integers (no floats
anywhere). An auditor can recompute every hash from a plain export of the table.

The one-row table query_log_head holds the chain's last seq and hash, and its anchor: the seq and
prev_hash the first kept entry must have (1 and GENESIS until a prune removes older entries).
Appends update that row first, which serializes them across processes (the write lock on SQLite, a
row lock on PostgreSQL), so the chain never forks. Verification walks the entries from the anchor
and compares the last one with the head, so an edited, deleted, inserted or reordered entry, and a
cut-off tail, are each named. A prune appends an entry of its own (how = "prune", items = the new
anchor's seq and hash), so old entries cut away without pruning are found too. Someone able to
rewrite the whole tail and the head together is not caught from inside the database: keep the head
that `python -m indexer verify-log` prints somewhere else and compare.

UPDATE and DELETE are refused by triggers (migration 0005), except the DELETE of pruned entries.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import JSON, CheckConstraint, DateTime, Index, Integer, String, Text, delete, event, func, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from credit.config import SettingsError
from credit.models import Base, aware, utcnow

GENESIS = "0" * 64
HOWS = ("self", "code", "institution", "staff")
OTHERS_READ = HOWS[1:]   # what "who looked at my record" lists
# The entry a prune appends: it names the new anchor (items: [anchor seq, anchor hash]), so a cut made
# without pruning — the anchor moved and old entries deleted behind the application's back — is
# found, and a forged prune entry changes the head, which an auditor compares with a kept copy.
PRUNE = "prune"
# A staff action (a role granted, a client suspended, an objection decided…), kept in the same chain:
# querier = the member of staff, reason = what was done, items = what it was done to.
ACTION = "action"
FIELDS = ("seq", "prev_hash", "at", "querier_id", "querier_name", "how", "subject_key", "subject_name",
          "items", "address", "code_id", "reason", "times")
MIN_YEARS = 2   # the shortest retention the measures allow


class QueryLogEntry(Base):
    """One authorized read: who, how, whose record, which items, when, from where, why, how many times."""
    __tablename__ = "query_log"
    __table_args__ = (Index("ix_query_log_subject_seq", "subject_key", "seq"),
                      Index("ix_query_log_pair", "querier_id", "subject_key", "seq"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    querier_id: Mapped[str] = mapped_column(String(64))      # the querier's verified credit code or ID number
    querier_name: Mapped[str] = mapped_column(Text)
    how: Mapped[str] = mapped_column(String(16))             # one of HOWS
    subject_key: Mapped[str] = mapped_column(String(64))
    subject_name: Mapped[str] = mapped_column(Text)
    items: Mapped[list] = mapped_column(JSON)                # public ids of the records shown
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    code_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(Text)                # 查询事由
    times: Mapped[int] = mapped_column(Integer)              # 查询次数, this one included (actions counted apart)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class QueryLogHead(Base):
    """The chain's end (seq, hash) and its anchor (anchor_seq, anchor_hash); one row, id 1."""
    __tablename__ = "query_log_head"
    __table_args__ = (CheckConstraint("id = 1", name="ck_query_log_head_one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    anchor_seq: Mapped[int] = mapped_column(Integer)
    anchor_hash: Mapped[str] = mapped_column(String(64))


_log, _head = QueryLogEntry.__table__, QueryLogHead.__table__


@event.listens_for(QueryLogEntry, "before_update")
@event.listens_for(QueryLogEntry, "before_delete")
def _append_only(_mapper, _connection, entry) -> None:
    raise PermissionError(f"查询日志只能追加，不能修改或删除（第 {entry.seq} 条）")


class ChainBroken(Exception):
    """The log does not verify; `problems` says where."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


def canonical(entry) -> bytes:
    """The bytes an entry's hash is taken over (see the module docstring); `entry` is an entry or a row."""
    fields = {name: getattr(entry, name) for name in FIELDS}
    fields["at"] = aware(fields["at"]).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_hash(entry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def append(session: Session, *, querier_id: str, querier_name: str, how: str, subject_key: str, subject_name: str,
           items: list[str], address: str | None, code_id: int | None, reason: str,
           at: datetime | None = None) -> QueryLogEntry:
    """Add an entry in the caller's transaction (not committed here): the caller commits it together
    with the read it records, so if the log cannot be written nothing is shown."""
    if how not in HOWS + (PRUNE, ACTION):
        raise ValueError(f"how must be one of {HOWS}, not {how!r}")
    # Moving the head first takes the lock that queues every other append until this transaction ends.
    moved = session.execute(update(_head).where(_head.c.id == 1).values(seq=_head.c.seq + 1))
    if moved.rowcount != 1:
        raise RuntimeError("query_log_head has no row: run the migrations")
    seq, prev_hash = session.execute(select(_head.c.seq, _head.c.hash).where(_head.c.id == 1)).one()
    # Reads are counted apart from staff actions (and prunes): a reviewer's steps on an objection are
    # keyed to its subject too, and must not make the next read of it look like a later one.
    same_count = _log.c.how.in_(HOWS) if how in HOWS else _log.c.how == how
    before = session.scalar(select(_log.c.times).where(_log.c.querier_id == querier_id, _log.c.subject_key == subject_key,
                                                       same_count)
                            .order_by(_log.c.seq.desc()).limit(1))
    entry = QueryLogEntry(seq=seq, prev_hash=prev_hash, at=aware(at or utcnow()), querier_id=querier_id,
                          querier_name=querier_name, how=how, subject_key=subject_key, subject_name=subject_name,
                          items=[str(item) for item in items], address=address, code_id=code_id, reason=reason,
                          times=(before or 0) + 1)
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    session.execute(update(_head).where(_head.c.id == 1).values(hash=entry.hash))
    return entry


def reads_of(session: Session, subject_key: str, limit: int = 200) -> list[QueryLogEntry]:
    """Authorized reads of this subject's record by others, newest first ("who looked at my record"):
    the subject's own reads are left out here, or a few of them would push the others off the list."""
    return list(session.scalars(select(QueryLogEntry).where(QueryLogEntry.subject_key == subject_key,
                                                            QueryLogEntry.how.in_(OTHERS_READ))
                                .order_by(QueryLogEntry.seq.desc()).limit(limit)))


@dataclass
class Check:
    """What verification found: entries checked, problems, and the head (keep it elsewhere to compare later)."""
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    head_seq: int | None = None
    head_hash: str | None = None


class _Walk:
    """The chain read in seq order from the anchor, each entry checked against the one before."""

    def __init__(self, anchor_seq: int, anchor_hash: str, result: Check):
        self.anchor, self.result = anchor_seq, result
        self.expect_seq, self.expect_prev = anchor_seq, anchor_hash
        self.last_seq = self.last_id = self.last_hash = None

    def scan(self, session: Session, after: int | None) -> int:
        query = select(_log).order_by(_log.c.seq)
        if after is not None:
            query = query.where(_log.c.seq > after)
        found = 0
        for row in session.execute(query.execution_options(yield_per=2000)):
            self.step(row)
            found += 1
        return found

    def step(self, row) -> None:
        problems, label = self.result.problems, f"第 {row.seq} 条（id {row.id}）"
        self.result.checked += 1
        if entry_hash(row) != row.hash:
            problems.append(f"{label}：内容与哈希不符（被改动）")
        if row.seq < self.expect_seq:
            problems.append(f"{label}：在锚点第 {self.anchor} 条之前（清理时未删除，或被插入）" if row.seq < self.anchor
                            else f"{label}：序号与另一条重复（被插入）")
            return
        if row.seq > self.expect_seq:
            missing = f"第 {self.expect_seq} 条" if row.seq == self.expect_seq + 1 else f"第 {self.expect_seq} 至 {row.seq - 1} 条"
            problems.append(f"{missing}缺失（被删除），缺口在{label}之前")
        elif row.prev_hash != self.expect_prev:
            problems.append(f"{label}：前一哈希与锚点不符（锚点之后的首条被替换或插入）" if self.last_seq is None
                            else f"{label}：前一哈希与第 {self.last_seq} 条的哈希不符（第 {self.last_seq} 条被替换，或条目被插入、调换）")
        if self.last_id is not None and row.id <= self.last_id:
            problems.append(f"{label}：写入早于前一条第 {self.last_seq} 条（id {self.last_id}）（条目被插入或调换了顺序）")
        self.expect_seq, self.expect_prev = row.seq + 1, row.hash
        self.last_seq, self.last_id, self.last_hash = row.seq, row.id, row.hash


def _read_head(session: Session):
    return session.execute(select(_head).where(_head.c.id == 1)).first()


def check(session: Session) -> Check:
    """Verify the whole chain; appends may go on meanwhile."""
    result = Check()
    head = _read_head(session)
    if head is None:
        result.problems.append("链头记录（query_log_head）缺失：无法确认日志末尾是否完整")
        return result
    walk, after = _Walk(head.anchor_seq, head.anchor_hash, result), None
    while True:
        found = walk.scan(session, after)
        head = _read_head(session)
        # Entries committed after the scan began are read too before the last one is compared with the head.
        if not found or walk.last_seq is None or walk.last_seq >= head.seq:
            break
        after = walk.last_seq
    result.head_seq, result.head_hash = head.seq, head.hash
    if head.anchor_seq > 1:
        pruned = session.scalar(select(_log.c["items"]).where(_log.c.how == PRUNE).order_by(_log.c.seq.desc()).limit(1))
        if pruned != [str(head.anchor_seq), head.anchor_hash]:
            result.problems.append(f"第 {head.anchor_seq} 条之前的条目已不在日志中，但没有与之相符的清理记录（日志开头被截断）")
    last = walk.last_seq if walk.last_seq is not None else head.anchor_seq - 1
    if last < head.seq:
        gone = f"第 {last + 1} 条" if last + 1 == head.seq else f"第 {last + 1} 至 {head.seq} 条"
        result.problems.append(f"{gone}缺失：链头记录到第 {head.seq} 条，日志只到第 {last} 条（末尾被删除）")
    elif last > head.seq:
        extra = f"第 {head.seq + 1} 条" if last == head.seq + 1 else f"第 {head.seq + 1} 至 {last} 条"
        result.problems.append(f"{extra}在链头记录（第 {head.seq} 条）之后（被插入）")
    elif walk.last_hash is not None and walk.last_hash != head.hash:
        result.problems.append(f"第 {last} 条（id {walk.last_id}）：哈希与链头记录不符（末条被替换）")
    return result


def verify(session: Session) -> list[str]:
    """Problems found, each naming the entry (seq/id) and what is wrong: edited, deleted, inserted, reordered; [] when intact."""
    return check(session).problems


def retention_cutoff(years: int, now: datetime | None = None) -> datetime:
    """The moment `years` years before `now`: entries older than it may be pruned."""
    if years < MIN_YEARS:
        raise SettingsError(f"CREDIT_QUERY_LOG_YEARS 为 {years}：查询记录至少保存 {MIN_YEARS} 年，未清理任何条目")
    now = aware(now or utcnow())
    if years >= now.year:   # longer than the calendar goes back (a year typed for a number of years): nothing is that old
        return datetime.min.replace(tzinfo=timezone.utc)
    try:
        return now.replace(year=now.year - years)
    except ValueError:   # 29 February
        return now.replace(year=now.year - years, day=28)


def prune(session: Session, before: datetime) -> int:
    """Remove entries older than `before`, keeping the chain verifiable (anchor the first kept entry).
    Only the oldest entries go, up to the first entry at or after `before`: nothing newer is ever
    removed. Refuses (ChainBroken) a chain that does not verify, as pruning could erase the evidence.
    Pass retention_cutoff(settings.query_log_years). Not committed here."""
    problems = verify(session)
    if problems:
        raise ChainBroken(problems)
    before = aware(before)
    session.execute(update(_head).where(_head.c.id == 1).values(seq=_head.c.seq))   # the append lock
    head = _read_head(session)
    first_kept = session.scalar(select(func.min(_log.c.seq)).where(_log.c.at >= before))
    if first_kept is None:
        first_kept = head.seq + 1
    if first_kept <= head.anchor_seq:
        return 0
    anchor_hash = session.scalar(select(_log.c.hash).where(_log.c.seq == first_kept - 1))
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:   # what the PostgreSQL triggers let through, for this transaction only
        session.execute(text("SELECT set_config('credit.pruning', 'on', true)"))
    session.execute(update(_head).where(_head.c.id == 1).values(anchor_seq=first_kept, anchor_hash=anchor_hash))
    removed = session.execute(delete(_log).where(_log.c.seq < first_kept)).rowcount
    if postgres:
        session.execute(text("SELECT set_config('credit.pruning', 'off', true)"))
    append(session, querier_id="system", querier_name="查询日志保存期满清理", how=PRUNE, subject_key="",
           subject_name="", items=[str(first_kept), anchor_hash], address=None, code_id=None,
           reason=f"清理 {before:%Y-%m-%d %H:%M} (UTC) 之前的 {removed} 条（第 {first_kept} 条之前）")
    return removed
