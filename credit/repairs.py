"""Credit repair (信用修复, SPEC §4 and §8): whether a subject may apply to have one of its penalties
withdrawn from publicity and from when, and the applications themselves — proof files, the public
credit commitment (信用承诺书), a reviewer's decision, and the history of each.

Eligibility is read from the catalogue's profile (`penalty.severity.*.repair_after_months`,
`penalty.repair_blocked_within_months_of_last_repair`, and the `repair` rules); no rule is in
this module. "Public for at least N months" is counted as the publicity window is, from the
column the rules name (处罚决定日期): repair opens on the same day N months after the decision
(clamped to the month's end, credit.dates.add_months). The day before that day it is closed; on it,
open. A penalty decided on or after the day one of the subject's earlier repairs was approved, and
before the same day M months later, may never be repaired ("penalized again within a year").

Approval sets Record.repaired_on, which withdraws the record from every public view
(credit.publicity) while the full record stays in the archive; the caller then republishes the
subject's documents (`republish`), so the public index drops it at once."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterable

from sqlalchemy import Date, DateTime, Integer, String, Text, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from credit import evidence, notices, staff, typed
from credit.catalog import Catalog
from credit.config import Settings
from credit.dates import add_months, parse_date
from credit.models import Base, Record, utcnow
from credit.publicity import penalty_until, publicity

SUBMITTED, APPROVED, REFUSED = "submitted", "approved", "refused"
STATE_LABELS = {SUBMITTED: "审核中", APPROVED: "已批准，停止公示", REFUSED: "未获批准"}

PROOF_FOLDER = "repair-proofs"   # under the instance folder, outside the web root


class RepairError(ValueError):
    """An application or decision that cannot be accepted; the message says why, for the user."""


class AlreadyOpen(RepairError):
    """The record already has an open application (a second submit of the same form, say)."""


class NotYours(LookupError):
    """No such record among the subject's own (another subject's record is the same: unknown)."""


# -- eligibility ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Eligibility:
    open: bool
    opens_on: date | None   # the first day an application is accepted (None: never, or nothing to repair)
    reason: str             # why not, or from when, as the subject reads it


def _closed(reason: str, opens_on: date | None = None) -> Eligibility:
    return Eligibility(False, opens_on, reason)


def eligibility(record, catalog: Catalog, today: date, earlier_repairs: Iterable[date] = ()) -> Eligibility:
    """Whether `record` (a Record, or anything with its kind, values, revoked, repaired_on and
    objection) may be repaired on `today`. `earlier_repairs`: the days the subject's other
    repairs were approved."""
    rules = catalog.profile.get("repair") or {}
    label = catalog.kinds[record.kind].label
    if record.kind not in rules.get("kinds", ()):
        return _closed(f"{label}无需信用修复")
    if record.repaired_on is not None:
        return _closed(f"已于{record.repaired_on.isoformat()}信用修复，停止公示")
    if record.revoked:
        return _closed("该记录已撤销，不再公示，无需修复")
    if getattr(record, "withdrawn", None):   # an objection's outcome took it out of publicity for good
        return _closed(f"{record.withdrawn}，不再公示，无需修复")
    values = record.values
    shown = publicity(record.kind, values, catalog, today)
    if not shown.public and shown.until is None:
        return _closed(f"{shown.state}，无需修复")
    if not shown.public:
        return _closed(f"公示期已于{shown.until.isoformat()}届满，已停止公示，无需修复")
    severity = values.get("severity") or "一般"
    after = catalog.profile["penalty"]["severity"][severity].get("repair_after_months")
    until = penalty_until(values, catalog)
    if after is None:
        return _closed(f"{severity}失信行为的行政处罚不可信用修复，公示期满（{until.isoformat()}）后自动停止公示")
    decided = parse_date(values[rules.get("public_since", "decided_on")])
    blocked = catalog.profile["penalty"].get("repair_blocked_within_months_of_last_repair") or 0
    for repaired in sorted(earlier_repairs, reverse=True):
        if repaired <= decided < add_months(repaired, blocked):
            return _closed(f"该处罚于{decided.isoformat()}作出，在{repaired.isoformat()}信用修复后{blocked}个月内"
                           "再次受到行政处罚，不可信用修复")
    opens_on = add_months(decided, after)
    if opens_on > until:
        return _closed(f"公示期至{until.isoformat()}，届满后自动停止公示，无需修复")
    if today < opens_on:
        return _closed(f"公示满{after}个月后，自{opens_on.isoformat()}起可申请信用修复", opens_on)
    if record.objection == "suspended":
        return _closed("异议核查中，暂停公示；核查结束后方可申请信用修复", opens_on)
    return Eligibility(True, opens_on, f"已公示满{after}个月（自{opens_on.isoformat()}起可申请），可以申请信用修复")


def earlier_repairs(session: Session, subject_key: str, but: int | None = None) -> list[date]:
    """The days the subject's repairs were approved (but not that of record `but`)."""
    query = select(Record.repaired_on).where(Record.subject_key == subject_key, Record.repaired_on.is_not(None))
    if but is not None:
        query = query.where(Record.id != but)
    return list(session.scalars(query))


# -- the applications -----------------------------------------------------------------------------

def _ref() -> str:
    return secrets.token_urlsafe(12)


class RepairApplication(Base):
    __tablename__ = "repair_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What pages and URLs name an application by: random, so an id reveals nothing and cannot be counted.
    ref: Mapped[str] = mapped_column(String(24), unique=True, default=_ref)
    record_id: Mapped[int] = mapped_column(Integer, index=True)
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    subject_name: Mapped[str] = mapped_column(String(512))
    state: Mapped[str] = mapped_column(String(16), default=SUBMITTED)
    # The record's id while the application is open, else NULL: unique, so a record has at most one
    # open application however many requests race for it.
    open_for: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    commitment: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)      # a refusal's reason
    repaired_on: Mapped[date | None] = mapped_column(Date, nullable=True)   # set on approval
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(255), nullable=True)   # the reviewer's name


class RepairFile(Base):
    """A proof file, stored under a random name in the instance folder; served only through checks."""
    __tablename__ = "repair_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(Integer, index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))       # as the subject named it, for display only
    content_type: Mapped[str] = mapped_column(String(32))    # from the file's first bytes
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))


class RepairEvent(Base):
    """One step of an application's history: when, who, what."""
    __tablename__ = "repair_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(255))    # the subject's name, or 信用中心 + the reviewer's name
    action: Mapped[str] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


Proof = evidence.Upload   # an uploaded file, read into memory (at most repair_max_bytes + 1)


def check_proofs(proofs: list[Proof], settings: Settings) -> list[evidence.Checked]:
    """The proofs checked by content and the limits, or RepairError naming the first problem."""
    if not proofs:
        raise RepairError("请上传已履行行政处罚决定的证明材料（PDF、JPEG 或 PNG 文件）")
    try:
        return evidence.check(proofs, max_files=settings.repair_max_files, max_bytes=settings.repair_max_bytes)
    except evidence.EvidenceError as exc:
        raise RepairError(str(exc)) from None


def proof_path(settings: Settings, row: RepairFile) -> Path:
    return evidence.path_of(settings.instance_path, row.stored_name, PROOF_FOLDER)


def own_record(session: Session, subject_key: str, public_id: str) -> Record:
    """The subject's record with this public id; NotYours for another's or an unknown one alike."""
    record = session.scalar(select(Record).where(Record.public_id == public_id)) if public_id else None
    if record is None or record.subject_key != subject_key:
        raise NotYours(public_id)
    return record


def open_application(session: Session, record_id: int) -> RepairApplication | None:
    return session.scalar(select(RepairApplication).where(RepairApplication.open_for == record_id))


def apply(session: Session, *, subject_key: str, subject_name: str, public_id: str, commitment: str,
          proofs: list[Proof], catalog: Catalog, settings: Settings, today: date,
          now: datetime | None = None) -> RepairApplication:
    """File an application about one of the subject's own penalties, in the caller's transaction.
    The files are written before the rows commit; if the transaction fails after this returns, the
    caller removes them with `discard_files` (see portal.repairs)."""
    record = own_record(session, subject_key, public_id)
    if open_application(session, record.id) is not None:
        raise AlreadyOpen("该处罚已有审核中的信用修复申请，请等待审核结果")
    allowed = eligibility(record, catalog, today, earlier_repairs(session, subject_key, but=record.id))
    if not allowed.open:
        raise RepairError(f"该处罚目前不能申请信用修复：{allowed.reason}")
    text = typed.block(commitment)
    if not text:
        raise RepairError("请填写并提交信用承诺书")
    if len(text) > settings.repair_max_text:
        raise RepairError(f"信用承诺书最多{settings.repair_max_text}个字符")
    checked = check_proofs(proofs, settings)
    at = now or utcnow()
    application = RepairApplication(ref=_ref(), record_id=record.id, subject_key=subject_key, subject_name=subject_name,
                                    state=SUBMITTED, open_for=record.id, commitment=text, created_at=at)
    session.add(application)
    session.flush()   # the unique open_for refuses a second open application here
    written: list[str] = []
    try:
        for proof in checked:
            written.append(evidence.store(settings.instance_path, proof, PROOF_FOLDER))
            session.add(RepairFile(application_id=application.id, stored_name=written[-1], filename=proof.filename,
                                   content_type=proof.content_type, size=len(proof.data), sha256=proof.sha256))
    except OSError:
        discard_files(settings, written)
        raise
    _event(session, application, subject_name, "提交信用修复申请",
           f"证明材料{len(checked)}个文件；信用承诺书{len(text)}字", at)
    notices.notify(session, recipient=notices.SUBJECT, key=subject_key, title="信用修复申请已提交",
                   body=f"您对行政处罚决定书{_doc_no(record)}的信用修复申请已提交，信用中心将进行审核。", at=at)
    return application


def is_duplicate(exc: IntegrityError) -> bool:
    """Whether a failed flush was the unique open_for: a second open application for one record."""
    return "open_for" in str(exc.orig) or "repair_applications" in str(exc.orig)


def discard_files(settings: Settings, stored_names: Iterable[str]) -> None:
    evidence.discard(settings.instance_path, list(stored_names), PROOF_FOLDER)


def decide(session: Session, application: RepairApplication, *, approve: bool, reason: str,
           by: tuple[str, str], catalog: Catalog, today: date, now: datetime | None = None,
           address: str | None = None) -> Record:
    """Approve or refuse a submitted application, in the caller's transaction: the record's repair
    date, the history, the staff action in the query log and the notices commit together.
    Returns the record (republish its subject after the commit)."""
    if application.state != SUBMITTED:
        raise RepairError("该申请已审核完毕")
    if by[0] == application.subject_key:
        # A reviewer's own record (keyed by their ID number) is decided by another, as with objections.
        raise RepairError(staff.OWN_RECORD)
    record = session.get(Record, application.record_id)
    if record is None:
        raise RepairError("该申请所涉记录已不在本平台")
    reason = typed.line(reason)
    at = now or utcnow()
    if approve:
        allowed = eligibility(record, catalog, today, earlier_repairs(session, record.subject_key, but=record.id))
        if not allowed.open:
            raise RepairError(f"该处罚目前不满足信用修复条件：{allowed.reason}。请作出不予修复的决定并说明理由")
    elif not reason:
        raise RepairError("不予修复须说明理由（将告知申请人）")
    # Claimed with a conditional update before anything else changes: of two reviewers deciding at
    # once, one decides and the other is told.
    state = APPROVED if approve else REFUSED
    claimed = session.execute(update(RepairApplication)
                              .where(RepairApplication.id == application.id, RepairApplication.state == SUBMITTED)
                              .values(state=state, open_for=None)
                              .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise RepairError("该申请已审核完毕")
    application.state = state
    if approve:
        record.repaired_on = application.repaired_on = today
        action, title = "批准信用修复，停止公示", "信用修复申请已批准"
        body = (f"您对行政处罚决定书{_doc_no(record)}的信用修复申请已批准，该记录自{today.isoformat()}起停止公示。"
                "完整记录仍保存在本平台，您登录后可查看。")
    else:
        action, title = "不予信用修复", "信用修复申请未获批准"
        body = f"您对行政处罚决定书{_doc_no(record)}的信用修复申请未获批准。理由：{reason}"
    application.open_for, application.reason = None, reason or None
    application.decided_at, application.decided_by = at, by[1]
    _event(session, application, f"信用中心 {by[1]}", action, reason or None, at)
    staff.audit(session, by, f"{action}（申请 {application.ref}）" + (f"：{reason}" if reason else ""),
                items=[record.public_id], subject_key=record.subject_key, subject_name=application.subject_name,
                at=at, address=address)
    notices.notify(session, recipient=notices.SUBJECT, key=record.subject_key, title=title, body=body, at=at)
    notices.notify(session, recipient=notices.DEPARTMENT, key=record.source_dept_code, title=title,
                   body=f"{application.subject_name}对贵单位报送的行政处罚决定书{_doc_no(record)}的信用修复申请："
                        f"{action}" + (f"。理由：{reason}" if reason and not approve else "。"), at=at)
    return record


def _doc_no(record: Record) -> str:
    return str(record.values.get("doc_no") or record.public_id)


def _event(session: Session, application: RepairApplication, actor: str, action: str, note: str | None,
           at: datetime) -> None:
    session.add(RepairEvent(application_id=application.id, at=at, actor=actor, action=action, note=note))


# -- reading --------------------------------------------------------------------------------------

def by_ref(session: Session, ref: str) -> RepairApplication | None:
    return session.scalar(select(RepairApplication).where(RepairApplication.ref == ref)) if ref else None


def files_of(session: Session, application: RepairApplication) -> list[RepairFile]:
    return list(session.scalars(select(RepairFile).where(RepairFile.application_id == application.id)
                                .order_by(RepairFile.id)))


def history(session: Session, application: RepairApplication) -> list[RepairEvent]:
    return list(session.scalars(select(RepairEvent).where(RepairEvent.application_id == application.id)
                                .order_by(RepairEvent.at, RepairEvent.id)))


def queue(session: Session, limit: int = 200) -> list[tuple[RepairApplication, Record | None]]:
    """Open applications first, oldest first; then the latest decided ones."""
    pending = session.scalars(select(RepairApplication).where(RepairApplication.state == SUBMITTED)
                              .order_by(RepairApplication.created_at, RepairApplication.id).limit(limit))
    decided = session.scalars(select(RepairApplication).where(RepairApplication.state != SUBMITTED)
                              .order_by(RepairApplication.decided_at.desc(), RepairApplication.id.desc()).limit(50))
    rows = [*pending, *decided]
    records = {r.id: r for r in session.scalars(select(Record).where(Record.id.in_({a.record_id for a in rows})))}
    return [(a, records.get(a.record_id)) for a in rows]


@dataclass(frozen=True)
class PenaltyRepair:
    """One of a subject's repairable-kind records as its /account page shows it."""
    record: Record
    eligibility: Eligibility
    applications: list[RepairApplication]      # newest first
    events: dict[int, list[RepairEvent]]       # application id → its history

    @property
    def pending(self) -> RepairApplication | None:
        return next((a for a in self.applications if a.state == SUBMITTED), None)


def of_subject(session: Session, catalog: Catalog, subject_key: str, today: date) -> list[PenaltyRepair]:
    """Each of the subject's records of a repairable kind, with its eligibility and applications."""
    kinds = (catalog.profile.get("repair") or {}).get("kinds", ())
    records = list(session.scalars(select(Record).where(Record.subject_key == subject_key, Record.kind.in_(kinds))
                                   .order_by(Record.decided_on.desc(), Record.id.desc())))
    applications = list(session.scalars(select(RepairApplication).where(RepairApplication.subject_key == subject_key)
                                        .order_by(RepairApplication.created_at.desc(), RepairApplication.id.desc())))
    events: dict[int, list[RepairEvent]] = {}
    if applications:
        for event in session.scalars(select(RepairEvent).where(RepairEvent.application_id.in_([a.id for a in applications]))
                                     .order_by(RepairEvent.at, RepairEvent.id)):
            events.setdefault(event.application_id, []).append(event)
    repaired = {r.id: r.repaired_on for r in records if r.repaired_on is not None}
    out = []
    for record in records:
        earlier = [d for rid, d in repaired.items() if rid != record.id]
        out.append(PenaltyRepair(record, eligibility(record, catalog, today, earlier),
                                 [a for a in applications if a.record_id == record.id], events))
    return out
