"""Objections (异议), checks the centre opens itself, and removal of one's own positive records
(SPEC §8), run by the procedure the catalogue names (catalog.yaml `objection_procedures`).

A request concerns one record. It sits at one step of its procedure at a time, with that step's
deadline in working days (credit.workdays); the step's actor acts, or the deadline passes and the
`deadlines` command does what the procedure says. Every step is appended to the request's history,
timestamped and attributed (the subject, a member of staff, a department clerk, or the system);
every staff action is also a `staff.audit` entry of the query log's chain; the subject and the
source department get an on-site notice (credit.notices) of each change, in the same transaction.

The functions here change the database only. What the caller does after the commit is in the
`Done` they return: the subjects whose public documents to rebuild (the record's marker,
suspension, withdrawal, statement or correction shows at once) and the e-mail copies to send."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from credit import evidence, notices, staff, typed
from credit.catalog import PERSON, Catalog, Procedure, Step
from credit.logins import Identity
from credit.mail import Mail
from credit.models import Base, Record, local_date, utcnow
from credit.publicity import is_revoked
from credit.staff import Staff
from credit.workdays import UncoveredYear, WorkCalendar

OBJECTION, CHECK, REMOVAL = "objection", "check", "removal"
KIND_LABELS = {OBJECTION: "异议申请", CHECK: "主动核查", REMOVAL: "移除守信信息申请"}
OPEN, CLOSED = "open", "closed"
# Who a history step is attributed to.
SUBJECT, STAFF, DEPARTMENT, SYSTEM = "subject", "staff", "department", "system"
ACTOR_LABELS = {SUBJECT: "申请人", STAFF: "平台工作人员", DEPARTMENT: "信源单位", SYSTEM: "系统（期限届满）"}
ROLE_OF = {"reviewer": staff.REVIEWER, "department": staff.DEPARTMENT}
# What the buttons and the history call each action the procedures name (the procedures say which
# action leads where; these are words only).
ACTION_LABELS = {
    "file": "提交申请", "open": "开启核查", "differs": "比对不一致，转更正", "agrees": "比对一致，转信源单位核实",
    "correct": "更正记录", "reply": "信源单位答复", "keep": "维持原记录", "delete": "删除记录",
    "unverifiable": "无法核实，按申请人要求更正", "remove": "移除记录", "suspend": "暂停公示", "lift": "恢复公示",
    "statement": "添加附注声明", "missed": "期限届满",
}
MAX_TEXT = 2000
MAX_STATEMENT = 500
# Record columns staff may correct: free text, dates and amounts (identity columns are the source's).
CORRECTABLE_TYPES = ("text", "date", "amount")


class ObjectionError(ValueError):
    """A request or action that cannot be done; the message says why, for the user to act on."""


class NotFound(LookupError):
    """No such request or record for this user: one answer, whether it exists for someone else or not."""


class ObjectionRequest(Base):
    __tablename__ = "objection_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: secrets.token_urlsafe(12))
    kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    subject_name: Mapped[str] = mapped_column(String(512))
    dept_code: Mapped[str] = mapped_column(String(64), index=True)
    procedure: Mapped[str] = mapped_column(String(32))     # the procedure it runs under, kept from its start
    state: Mapped[str] = mapped_column(String(16), default=OPEN)
    step: Mapped[str | None] = mapped_column(String(32), nullable=True)
    step_started_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The year the deadline would fall in when the calendar does not cover it (due_on is then None).
    uncovered_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    opened_by: Mapped[str] = mapped_column(String(255))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    def overdue(self, today: date) -> bool:
        return self.state == OPEN and self.due_on is not None and today > self.due_on


class ObjectionStep(Base):
    """One step of a request's history. Append-only: the database refuses UPDATE and DELETE."""
    __tablename__ = "objection_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("objection_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(16))          # SUBJECT | STAFF | DEPARTMENT | SYSTEM
    actor_ref: Mapped[str] = mapped_column(String(64))      # a staff member's random ref, never an ID number
    actor_name: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(32), nullable=True)   # the step the request went on to
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class EvidenceFile(Base):
    __tablename__ = "objection_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: secrets.token_urlsafe(12))
    request_id: Mapped[int] = mapped_column(ForeignKey("objection_requests.id"), index=True)
    stored: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DepartmentContact(Base):
    """Where a source department's notices are e-mailed (set by its clerk in the department queue)."""
    __tablename__ = "department_contacts"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass
class Done:
    """What the caller does after the commit."""
    request: ObjectionRequest | None = None
    republish: set[str] = field(default_factory=set)     # subject keys whose documents to rebuild
    mails: list[Mail] = field(default_factory=list)


@dataclass(frozen=True)
class Actor:
    kind: str          # SUBJECT | STAFF | DEPARTMENT | SYSTEM
    ref: str
    name: str
    audit_by: tuple[str, str] | None = None   # (key, name) for staff.audit, for staff only


SYSTEM_ACTOR = Actor(SYSTEM, "system", ACTOR_LABELS[SYSTEM])


# -- the subject's requests ---------------------------------------------------------------------

def positive(record: Record, procedure: Procedure) -> bool:
    """Whether the subject may ask for the record's removal (a current entry of a positive list)."""
    kinds = procedure.positive.get("list_types") or ()
    return (record.kind == "list" and record.values.get("list_type") in kinds and not record.values.get("removed_on")
            and not record.withdrawn and not record.revoked)


def file_request(session: Session, catalog: Catalog, procedure: Procedure, calendar: WorkCalendar, who: Identity,
                 *, kind: str, record_id: str, reason: str, email: str, uploads: list[evidence.Upload],
                 instance_path: Path, max_files: int, max_bytes: int, today: date, now: datetime) -> Done:
    """A subject's objection to, or request to remove, one of its own records."""
    if kind not in (OBJECTION, REMOVAL):
        raise NotFound()
    # Claim the record's row first (a no-op write): two filings on one record queue here — the write
    # lock on SQLite, a row lock on PostgreSQL — so the second sees the first one's open request.
    mine = (Record.public_id == record_id, Record.subject_key == who.key)
    if session.execute(update(Record).where(*mine).values(updated_at=Record.updated_at)).rowcount != 1:
        raise NotFound()
    record = session.scalar(select(Record).where(*mine))
    reason = _text(reason, "请填写理由", MAX_TEXT)
    email = _email(email)
    if _open_request(session, record.id) is not None:
        raise ObjectionError("该记录已有正在处理的申请，请等待处理结果")
    if record.withdrawn or record.revoked:
        raise ObjectionError("该记录已不再公开，无需提出申请")
    if kind == OBJECTION and _kept_unchanged(session, catalog, record):
        raise ObjectionError("该记录的异议已核实并维持原记录；记录未变更前不再受理对它的异议。"
                             "您可以在该项异议下添加附注声明，与记录一并公示")
    if kind == REMOVAL and not positive(record, procedure):
        raise ObjectionError("只能申请移除本主体列入守信名单（红名单）的记录")
    files = evidence.check(uploads, max_files=max_files, max_bytes=max_bytes)
    request = ObjectionRequest(kind=kind, record_id=record.id, subject_key=record.subject_key,
                               subject_name=record.subject_name, dept_code=record.source_dept_code,
                               procedure=procedure.name, reason=reason, email=email, opened_by=SUBJECT,
                               opened_at=now)
    session.add(request)
    session.flush()
    stored = []
    try:
        for f in files:
            stored.append(evidence.store(instance_path, f))
            session.add(EvidenceFile(request_id=request.id, stored=stored[-1], filename=f.filename,
                                     content_type=f.content_type, size=len(f.data), sha256=f.sha256, at=now))
        done = Done(request)
        if kind == OBJECTION and record.objection is None:
            record.objection = "pending"
            done.republish.add(record.subject_key)
        actor = Actor(SUBJECT, "subject", who.name)
        _enter(session, calendar, procedure, request, procedure.start[kind], today)
        _history(session, request, actor, "file", reason, now)
        _tell(session, done, request, f"已收到您的{KIND_LABELS[kind]}",
              f"记录 {_title(record)}：{procedure.steps[request.step].label}{_due_text(request)}。", now)
        session.flush()
    except BaseException:
        evidence.discard(instance_path, stored)
        raise
    return done


def add_statement(session: Session, catalog: Catalog, who: Identity, ref: str, text: str, now: datetime) -> Done:
    """The subject's statement (附注声明) beside a record an objection kept, shown with it publicly."""
    request = request_of_subject(session, who, ref)
    if not statement_allowed(catalog, request):
        raise ObjectionError("只有异议处理结果为维持原记录时，才能添加附注声明")
    text = _text(text, "请填写附注声明", MAX_STATEMENT)
    record = session.get(Record, request.record_id)
    request.statement = record.statement = text
    done = Done(request, {record.subject_key})
    _history(session, request, Actor(SUBJECT, "subject", who.name), "statement", text, now)
    _tell(session, done, request, "附注声明已发布", f"记录 {_title(record)} 的附注声明已与记录一并公示。", now)
    return done


def request_of_subject(session: Session, who: Identity, ref: str) -> ObjectionRequest:
    request = session.scalar(select(ObjectionRequest).where(ObjectionRequest.ref == ref,
                                                            ObjectionRequest.subject_key == who.key))
    if request is None:
        raise NotFound()
    return request


def requests_of_subject(session: Session, key: str) -> list[ObjectionRequest]:
    return list(session.scalars(select(ObjectionRequest).where(ObjectionRequest.subject_key == key)
                                .order_by(ObjectionRequest.opened_at.desc(), ObjectionRequest.id.desc())))


# -- staff ----------------------------------------------------------------------------------------

def staff_actor(member: Staff, ref: str) -> Actor:
    kind = STAFF if member.has(staff.REVIEWER) else DEPARTMENT
    return Actor(kind, ref, member.name, (member.key, member.name))


def request_for_staff(session: Session, member: Staff, ref: str) -> ObjectionRequest:
    """A request a member of staff may see: any, for a reviewer; its own department's, for a clerk."""
    request = session.scalar(select(ObjectionRequest).where(ObjectionRequest.ref == ref))
    if request is None or not _sees(member, request):
        raise NotFound()
    return request


def _sees(member: Staff, request: ObjectionRequest) -> bool:
    return member.has(staff.REVIEWER) or (member.has(staff.DEPARTMENT) and member.department_code == request.dept_code)


def queue(session: Session, member: Staff, *, department_only: bool = False, open_only: bool = True
          ) -> list[ObjectionRequest]:
    query = select(ObjectionRequest)
    if department_only or not member.has(staff.REVIEWER):
        query = query.where(ObjectionRequest.dept_code == (member.department_code or ""))
    if open_only:
        query = query.where(ObjectionRequest.state == OPEN)
    return list(session.scalars(query.order_by(ObjectionRequest.due_on.is_(None).desc(), ObjectionRequest.due_on,
                                               ObjectionRequest.id)))


def open_check(session: Session, procedure: Procedure, calendar: WorkCalendar, member: Staff, actor: Actor, *,
               record_id: str, reason: str, suspend: bool, today: date, now: datetime,
               address: str | None = None) -> Done:
    """A check the centre opens itself on any record, its publication suspended while it runs if asked."""
    if not member.has(staff.REVIEWER):
        raise NotFound()
    record = session.scalar(select(Record).where(Record.public_id == (record_id or "").strip()))
    if record is None:
        raise NotFound()
    if staff.about_self(member, record.subject_key):
        raise ObjectionError(staff.OWN_RECORD)
    reason = _text(reason, "请填写核查事由", MAX_TEXT)
    if _open_request(session, record.id) is not None:
        raise ObjectionError("该记录已有正在处理的申请或核查")
    request = ObjectionRequest(kind=CHECK, record_id=record.id, subject_key=record.subject_key,
                               subject_name=record.subject_name, dept_code=record.source_dept_code,
                               procedure=procedure.name, reason=reason, opened_by=actor.ref, opened_at=now)
    session.add(request)
    session.flush()
    done = Done(request)
    _enter(session, calendar, procedure, request, procedure.start[CHECK], today)
    _history(session, request, actor, "open", reason, now)
    if suspend and procedure.suspend:
        record.objection = "suspended"
        done.republish.add(record.subject_key)
        _history(session, request, actor, "suspend", "核查期间暂停公示", now)
    _audit(session, actor, request, record, f"开启主动核查{'并暂停公示' if suspend else ''}：{reason}", now, address)
    _tell(session, done, request, "平台对您的一条信用记录开启核查",
          f"记录 {_title(record)}：{procedure.steps[request.step].label}{_due_text(request)}。", now)
    return done


def act(session: Session, catalog: Catalog, calendar: WorkCalendar, member: Staff, actor: Actor, ref: str,
        action: str, *, note: str = "", correction: dict | None = None, today: date, now: datetime,
        address: str | None = None) -> Done:
    """A staff member's or department clerk's action at the request's current step."""
    request = request_for_staff(session, member, ref)
    procedure = catalog.procedure(request.procedure)
    if request.state != OPEN:
        raise ObjectionError("该申请已办结")
    if staff.about_self(member, request.subject_key):
        raise ObjectionError(staff.OWN_RECORD)
    step = procedure.steps[request.step]
    if action not in step.actions:
        raise ObjectionError(f"当前环节（{step.label}）不能执行该操作")
    if not _may_act(member, step, request):
        raise ObjectionError(f"当前环节（{step.label}）由{_actor_label(step)}办理")
    note = typed.line(note)[:MAX_TEXT]
    target = step.actions[action]
    if action == "reply" and not note:
        raise ObjectionError("请填写核实答复意见")
    _claim(session, request)
    record = session.get(Record, request.record_id)
    done = Done(request)
    if target.startswith("outcome:"):
        _close(session, catalog, procedure, request, record, target.removeprefix("outcome:"), actor, action, note,
               correction, now, done)
    else:
        _enter(session, calendar, procedure, request, target, today)
        _history(session, request, actor, action, note, now)
        nxt = procedure.steps[target]
        _tell(session, done, request, f"{KIND_LABELS[request.kind]}进入下一环节：{nxt.label}",
              f"记录 {_title(record)}：{ACTION_LABELS.get(action, action)}。{note}\n"
              f"下一环节：{nxt.label}（{_actor_label(nxt)}）{_due_text(request)}。", now)
    _audit(session, actor, request, record, f"{KIND_LABELS[request.kind]}：{ACTION_LABELS.get(action, action)}"
           + (f"（{note}）" if note else ""), now, address)
    return done


def set_suspended(session: Session, catalog: Catalog, member: Staff, actor: Actor, ref: str, suspend: bool, *,
                  now: datetime, address: str | None = None) -> Done:
    """Suspend a record's publication while its request is handled, or lift the suspension."""
    request = request_for_staff(session, member, ref)
    procedure = catalog.procedure(request.procedure)
    if not member.has(staff.REVIEWER) or not procedure.suspend:
        raise ObjectionError("只有平台审核人员可以暂停或恢复公示")
    if request.state != OPEN:
        raise ObjectionError("该申请已办结")
    if staff.about_self(member, request.subject_key):
        raise ObjectionError(staff.OWN_RECORD)
    record = session.get(Record, request.record_id)
    wanted = "suspended" if suspend else ("pending" if request.kind == OBJECTION else None)
    if record.objection == wanted:
        raise ObjectionError("该记录已是此状态")
    record.objection = wanted
    action = "suspend" if suspend else "lift"
    done = Done(request, {record.subject_key})
    _history(session, request, actor, action, "", now)
    _audit(session, actor, request, record, f"{KIND_LABELS[request.kind]}：{ACTION_LABELS[action]}", now, address)
    _tell(session, done, request, f"记录{ACTION_LABELS[action]}",
          f"记录 {_title(record)} 在{KIND_LABELS[request.kind]}处理期间{ACTION_LABELS[action]}。", now)
    return done


def set_contact(session: Session, member: Staff, email: str, *, now: datetime, address: str | None = None) -> None:
    if not member.has(staff.DEPARTMENT) or not member.department_code:
        raise NotFound()
    email = _email(email)
    row = session.get(DepartmentContact, member.department_code)
    if not email:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(DepartmentContact(code=member.department_code, email=email, updated_at=now))
    else:
        row.email, row.updated_at = email, now
    staff.audit(session, (member.key, member.name), f"设置信源单位通知邮箱：{email or '（清除）'}",
                items=[f"department:{member.department_code}"], at=now, address=address)


def history(session: Session, request: ObjectionRequest) -> list[ObjectionStep]:
    return list(session.scalars(select(ObjectionStep).where(ObjectionStep.request_id == request.id)
                                .order_by(ObjectionStep.at, ObjectionStep.id)))


def files_of(session: Session, request: ObjectionRequest) -> list[EvidenceFile]:
    return list(session.scalars(select(EvidenceFile).where(EvidenceFile.request_id == request.id)
                                .order_by(EvidenceFile.id)))


def file_of(session: Session, request: ObjectionRequest, ref: str) -> EvidenceFile:
    row = session.scalar(select(EvidenceFile).where(EvidenceFile.request_id == request.id, EvidenceFile.ref == ref))
    if row is None:
        raise NotFound()
    return row


def correctable(catalog: Catalog, record: Record) -> list:
    """Not the columns that identify the record (a document number, a list entry's date…): the row's
    identity stays the old one, so the source's corrected row would arrive as a second record."""
    kind = catalog.kinds[record.kind]
    return [c for c in kind.shown_columns if c.type in CORRECTABLE_TYPES
            and c.key not in ("subject_name", *kind.identity)]


@dataclass(frozen=True)
class Disagreement:
    what: str            # "code": one code, several names; "name": one name, several codes
    key: str
    values: list[str]
    departments: int


def disagreements(session: Session, limit: int = 100) -> list[Disagreement]:
    """Subjects about which source departments disagree: one code sent with two names by different
    departments, or one name with two codes. Natural persons share names too often to count."""
    names = (select(Record.subject_key, func.count(func.distinct(Record.source_dept_code)))
             .where(Record.subject_type != PERSON)
             .group_by(Record.subject_key)
             .having(func.count(func.distinct(Record.subject_name)) > 1,
                     func.count(func.distinct(Record.source_dept_code)) > 1)
             .order_by(Record.subject_key).limit(limit))
    codes = (select(Record.subject_name, func.count(func.distinct(Record.source_dept_code)))
             .where(Record.subject_type != PERSON)
             .group_by(Record.subject_name)
             .having(func.count(func.distinct(Record.subject_key)) > 1)
             .order_by(Record.subject_name).limit(limit))
    out = []
    for key, depts in session.execute(names):
        values = session.scalars(select(Record.subject_name).where(Record.subject_key == key).distinct()
                                 .order_by(Record.subject_name))
        out.append(Disagreement("code", key, list(values), depts))
    for name, depts in session.execute(codes):
        values = session.scalars(select(Record.subject_key).where(Record.subject_name == name).distinct()
                                 .order_by(Record.subject_key))
        out.append(Disagreement("name", name, list(values), depts))
    return out


# -- deadlines ------------------------------------------------------------------------------------

@dataclass
class DeadlineItem:
    request: ObjectionRequest
    step: Step
    state: str            # "due" (today), "overdue", "applied", "uncovered"
    note: str = ""


def deadlines(session: Session, catalog: Catalog, calendar: WorkCalendar, *, today: date, now: datetime,
              apply: bool) -> tuple[list[DeadlineItem], Done]:
    """Open requests whose step is due today or overdue, and (apply) what passed deadlines require,
    each recorded as the system's step. A deadline the calendar cannot compute is listed as uncovered."""
    items, done = [], Done()
    for request in session.scalars(select(ObjectionRequest).where(ObjectionRequest.state == OPEN)
                                   .order_by(ObjectionRequest.id)):
        procedure = catalog.procedure(request.procedure)
        step = procedure.steps[request.step]
        if request.due_on is None and request.step_started_on is not None:
            _set_due(calendar, request, step)   # the calendar may cover the year now
        if request.due_on is None:
            items.append(DeadlineItem(request, step, "uncovered", str(UncoveredYear(request.uncovered_year or 0))))
            continue
        if request.due_on > today:
            continue
        if request.due_on == today or not step.on_missed.startswith("outcome:"):
            items.append(DeadlineItem(request, step, "due" if request.due_on == today else "overdue"))
            continue
        if step.actor == "department" and not _department_reachable(session, request.dept_code):
            # Silence is not a missed reply when nobody at the department could receive the request.
            items.append(DeadlineItem(request, step, "overdue", "信源单位未在平台登记经办人或通知邮箱，未能收到转交，"
                                      "不按逾期处理：请登记该单位的经办人，或联系信源单位"))
            continue
        if not apply:
            items.append(DeadlineItem(request, step, "overdue", f"将执行：{_outcome_label(procedure, step.on_missed)}"))
            continue
        try:
            _claim(session, request)
        except ObjectionError:   # acted on meanwhile: its new step has a deadline of its own
            continue
        record = session.get(Record, request.record_id)
        outcome = step.on_missed.removeprefix("outcome:")
        note = f"{step.label}期限（{request.due_on}）已过"
        _close(session, catalog, procedure, request, record, outcome, SYSTEM_ACTOR, "missed", note, None, now, done)
        staff.audit(session, ("system", ACTOR_LABELS[SYSTEM]), f"{KIND_LABELS[request.kind]}期限届满：{note}，"
                    f"{procedure.outcomes[outcome]['label']}", items=[f"objection:{request.ref}", record.public_id],
                    subject_key=record.subject_key, subject_name=record.subject_name, at=now)
        items.append(DeadlineItem(request, step, "applied", procedure.outcomes[outcome]["label"]))
    return items, done


# -- inside -----------------------------------------------------------------------------------------

def _enter(session: Session, calendar: WorkCalendar, procedure: Procedure, request: ObjectionRequest, name: str,
           today: date) -> None:
    request.step, request.step_started_on = name, today
    _set_due(calendar, request, procedure.steps[name])


def _set_due(calendar: WorkCalendar, request: ObjectionRequest, step: Step) -> None:
    try:
        request.due_on, request.uncovered_year = calendar.add(request.step_started_on, step.days), None
    except UncoveredYear as exc:
        request.due_on, request.uncovered_year = None, exc.year


def _close(session: Session, catalog: Catalog, procedure: Procedure, request: ObjectionRequest, record: Record,
           outcome: str, actor: Actor, action: str, note: str, correction: dict | None, now: datetime,
           done: Done) -> None:
    spec = procedure.outcomes[outcome]
    effect = spec["effect"]
    if effect == "delete" and not note:
        raise ObjectionError("删除记录须填写理由（将与记录一并存档）")
    text = note
    if effect == "correct":
        text = _correct(catalog, record, correction, note, now)
    if effect in ("withdraw", "delete"):
        record.withdrawn = (spec["label"] if effect == "withdraw" else f"已删除：{note}")[:255]
    record.objection = None
    request.state, request.outcome, request.closed_at = CLOSED, outcome, now
    request.step = request.due_on = request.step_started_on = request.uncovered_year = None
    done.republish.add(record.subject_key)
    _history(session, request, actor, action, text, now, outcome=outcome)
    extra = "如您不认同，可在“我的信用记录”页添加附注声明，与记录一并公示。" if spec.get("statement") else ""
    _tell(session, done, request, f"{KIND_LABELS[request.kind]}已办结：{spec['label']}",
          f"记录 {_title(record)}：{spec['label']}。{text}{extra}", now)


def _correct(catalog: Catalog, record: Record, correction: dict | None, note: str, now: datetime) -> str:
    from indexer.validate import RowError, check_correction  # the cell rules of ingest, one owner

    column, value = (correction or {}).get("column", ""), typed.line(str((correction or {}).get("value", "")))
    columns = {c.key: c for c in correctable(catalog, record)}
    if column not in columns or not value:
        raise ObjectionError("请选择要更正的字段并填写更正后的内容")
    col = columns[column]
    if len(value) > MAX_TEXT:
        raise ObjectionError(f"{col.header}过长")
    try:
        record.values = check_correction(catalog.kinds[record.kind], record.values, column, value, local_date(now))
    except RowError as exc:
        raise ObjectionError(f"更正未保存：{exc}") from None
    if column == catalog.kinds[record.kind].date_field:   # its copy in a column orders records and counts statistics
        record.decided_on = date.fromisoformat(record.values[column])
    # 撤销 written into 当前状态 or 备注 revokes the record, as the same cell arriving from the source would.
    record.revoked = is_revoked(record.values, catalog)
    label = col.header.split("（")[0]
    when = local_date(now).isoformat()   # the day in China, as every date a page shows
    record.correction_note = f"本条信息已于 {when} 经异议核查更正（更正项：{label}）。" + (note or "")
    record.updated_at = now
    return f"更正项：{label}。{note}"


def _history(session: Session, request: ObjectionRequest, actor: Actor, action: str, note: str, at: datetime,
             outcome: str | None = None) -> None:
    session.add(ObjectionStep(request_id=request.id, at=at, actor=actor.kind, actor_ref=actor.ref,
                              actor_name=actor.name, action=action, step=request.step, due_on=request.due_on,
                              outcome=outcome, note=note or ""))


def _audit(session: Session, actor: Actor, request: ObjectionRequest, record: Record, text: str, at: datetime,
           address: str | None) -> None:
    if actor.audit_by is not None:
        staff.audit(session, actor.audit_by, text, items=[f"objection:{request.ref}", record.public_id],
                    subject_key=record.subject_key, subject_name=record.subject_name, at=at, address=address)


def _tell(session: Session, done: Done, request: ObjectionRequest, title: str, body: str, at: datetime) -> None:
    """The subject and the source department, on site, and by e-mail after the commit when known."""
    notices.notify(session, recipient=notices.SUBJECT, key=request.subject_key, title=title, body=body, at=at)
    notices.notify(session, recipient=notices.DEPARTMENT, key=request.dept_code, title=title,
                   body=f"{request.subject_name}：{body}", at=at)
    if request.email:
        done.mails.append(Mail(request.email, title, body))
    contact = session.get(DepartmentContact, request.dept_code)
    if contact is not None:
        done.mails.append(Mail(contact.email, title, f"{request.subject_name}：{body}"))


def _kept_unchanged(session: Session, catalog: Catalog, record: Record) -> bool:
    """Whether the record's last objection kept it and the record has not changed since: objecting
    again would only put the 异议处理中 marker back on a record already verified, as often as wished."""
    last = session.scalar(select(ObjectionRequest).where(ObjectionRequest.record_id == record.id,
                                                         ObjectionRequest.kind == OBJECTION,
                                                         ObjectionRequest.state == CLOSED)
                          .order_by(ObjectionRequest.closed_at.desc(), ObjectionRequest.id.desc()).limit(1))
    procedure = catalog.procedures.get(last.procedure) if last is not None else None
    if procedure is None or procedure.outcomes.get(last.outcome or "", {}).get("effect") != "keep":
        return False
    changed, closed = record.updated_at, last.closed_at
    return changed is None or closed is None or changed.replace(tzinfo=None) <= closed.replace(tzinfo=None)


def _department_reachable(session: Session, code: str) -> bool:
    """Whether a source department could have received a request: a clerk of it in the staff table,
    or an address for its notices."""
    return (session.get(DepartmentContact, code) is not None
            or session.scalar(select(staff.StaffMember.key).where(staff.StaffMember.department_code == code)
                              .limit(1)) is not None)


def _claim(session: Session, request: ObjectionRequest) -> None:
    """Take the request at the step it was read at, before anything else changes: a conditional
    update that holds the row until the commit, so of two actions at once (two reviewers, a clerk's
    reply and the deadlines command) one acts and the other is told, never both."""
    claimed = session.execute(update(ObjectionRequest)
                              .where(ObjectionRequest.id == request.id, ObjectionRequest.state == OPEN,
                                     ObjectionRequest.step == request.step)
                              .values(step=request.step)
                              .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise ObjectionError("该申请已有人办理，请刷新页面查看最新环节")


def _open_request(session: Session, record_id: int) -> ObjectionRequest | None:
    return session.scalar(select(ObjectionRequest).where(ObjectionRequest.record_id == record_id,
                                                         ObjectionRequest.state == OPEN).limit(1))


def _may_act(member: Staff, step: Step, request: ObjectionRequest) -> bool:
    if staff.about_self(member, request.subject_key):
        return False
    if step.actor == "department":
        return member.has(staff.DEPARTMENT) and member.department_code == request.dept_code
    return member.has(ROLE_OF.get(step.actor, staff.REVIEWER))


def statement_allowed(catalog: Catalog, request: ObjectionRequest) -> bool:
    """Whether the request's outcome lets the subject add a statement (the procedure says)."""
    procedure = catalog.procedures.get(request.procedure)
    return (request.state == CLOSED and request.kind == OBJECTION and procedure is not None
            and bool(procedure.outcomes.get(request.outcome or "", {}).get("statement")))


def _outcome_label(procedure: Procedure, target: str) -> str:
    return procedure.outcomes[target.removeprefix("outcome:")]["label"]


def _actor_label(step: Step) -> str:
    return {"reviewer": "平台审核人员", "department": "信源单位", "subject": "申请人"}.get(step.actor, step.actor)


def _due_text(request: ObjectionRequest) -> str:
    if request.due_on:
        return f"，办理期限 {request.due_on.isoformat()}"
    if request.uncovered_year:
        return f"，办理期限待定（{request.uncovered_year} 年节假日安排尚未收录）"
    return ""


def _title(record: Record) -> str:
    values = record.values
    return values.get("doc_no") or values.get("list_name") or record.public_id


def _text(value: str | None, missing: str, limit: int) -> str:
    text = typed.line(value)
    if not text:
        raise ObjectionError(missing)
    if len(text) > limit:
        raise ObjectionError(f"内容过长（最多 {limit} 个字符）")
    return text




def _email(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > 254 or text.count("@") != 1 or any(c.isspace() or c in "<>,;\"'\r\n" for c in text) \
            or "." not in text.split("@")[1]:
        raise ObjectionError("电子邮箱地址格式不正确")
    return text


def outcome_label(catalog: Catalog, request: ObjectionRequest) -> str:
    procedure = catalog.procedures.get(request.procedure)
    return procedure.outcomes[request.outcome]["label"] if procedure and request.outcome else ""


def step_label(catalog: Catalog, request: ObjectionRequest, step: str | None = None) -> str:
    procedure = catalog.procedures.get(request.procedure)
    name = step or request.step
    return procedure.steps[name].label if procedure and name in procedure.steps else ""
