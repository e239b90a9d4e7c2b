"""THE gate to non-public data (SPEC §6): every read of a subject's full record — by the subject
itself, by a holder of its authorization code, or by credit centre staff — goes through
`read`, which checks the access, reads the database and writes the query log in one transaction.
If the log entry cannot be written, the transaction fails and nothing is shown.

Every refusal of a code holder is the same `Refused`, whatever the cause (unknown subject, wrong,
expired, revoked or used-up code, nothing in scope), so a refusal tells a guesser nothing."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from credit import querylog, staff, typed
from credit.authcodes import AuthorizationCode, CodeRefusal, code_hash
from credit.catalog import Catalog, Column
from credit.codes import is_citizen_id, looks_like_code, mask_id_number, normalize_code
from credit.logins import Identity
from credit.masking import scrub
from credit.models import Record
from credit.publicity import of_record, record_ended

SELF, CODE, STAFF = "self", "code", "staff"
OWN_READ_REASON = "本人查询"
# The purpose of a member of staff opening a file attached to a request (the gate adds which file).
ATTACHMENT_PURPOSE = "查看申请所附材料"
MAX_PURPOSE = 200   # characters of a stated purpose the query log keeps
# Who among staff may read a subject's full record: reviewers and auditors any subject's (admins
# through their implied roles); a department clerk only the records its own department sent.
STAFF_READERS = (staff.REVIEWER, staff.AUDITOR, staff.DEPARTMENT)


class Refused(Exception):
    """One answer for every refused code use."""


@dataclass(frozen=True)
class ShownRecord:
    id: str                    # the record's public id (also what the query log lists)
    kind: str
    decided_on: str
    state: str                 # 公示中, 已过公示期, 不予公示（简易程序）…
    public: bool
    until: str | None          # last public day (or when it was, for ended windows)
    objection: str | None
    ended: bool                # its time is over for good (publicity.ended): never a code holder's
    fields: dict[str, str]     # column key → value as this reader may see it


@dataclass(frozen=True)
class Disclosure:
    subject_key: str
    shown_key: str             # the subject's key as this reader may see it (a citizen ID masked to others)
    subject_name: str
    how: str
    records: list[ShownRecord]
    purpose: str
    code: AuthorizationCode | None = None


def read(sessions: sessionmaker[Session], catalog: Catalog, querier: Identity, *, how: str, today: date,
         now: datetime, address: str | None, subject: str = "", code: str = "", code_key: str = "",
         purpose: str = "", only: Collection[str] | None = None, attachment: str = "") -> Disclosure:
    """The records `querier` may see, logged. how=SELF: the querier's own records (its verified code
    or ID number decides whose). how=CODE: the record of `subject` (code or exact name) within the
    scope of authorization `code`; raises Refused otherwise. how=STAFF: the record of `subject` (its
    code or ID number) for a member of staff with a reading role, for the stated `purpose` (required),
    limited to their department's records for a department clerk; raises Refused otherwise.
    `only` (public record ids) narrows any read to those records. `attachment` names a file that
    belongs to those records (an objection's evidence, a repair application's proof) and is opened
    with this read: the read is refused unless the querier sees one of the `only` records, and the
    entry's reason names the file — so a file is opened only as a logged read of its record, which
    its subject sees like any other (an own read as `self`, a member of staff's as `staff`)."""
    try:
        with sessions.begin() as session:
            if how == SELF:
                key, grant = querier.key, None
                shown = [_shown(r, catalog, today, querier, own=True) for r in _records_of(session, key)]
                purpose = OWN_READ_REASON
            elif how == CODE:
                key, grant, shown = _use_code(session, catalog, querier, subject, code, code_key, today, now)
                purpose = grant.purpose
            elif how == STAFF:
                key, grant, purpose = normalize_code(typed.line(subject)), None, stated_purpose(purpose)
                shown = _staff_read(session, catalog, querier, key, purpose, today)
            else:
                raise ValueError(f"unknown access: {how}")
            if only is not None:
                shown = [s for s in shown if s.id in only]
            if attachment:
                if only is None or not shown:
                    raise _Refusal(None)
                purpose = f"{purpose}：{typed.line(attachment)}"
            name = _current_name(session, key) or (querier.name if how == SELF else "")
            querylog.append(session, querier_id=querier.key, querier_name=querier.name, how=how, subject_key=key,
                            subject_name=name, items=[s.id for s in shown], address=address,
                            code_id=grant.id if grant else None, reason=purpose, at=now)
            shown_key = key if how == SELF or not is_citizen_id(key) else mask_id_number(key)
            return Disclosure(subject_key=key, shown_key=shown_key, subject_name=name, how=how, records=shown,
                              purpose=purpose, code=grant)
    except _Refusal as refusal:   # the read's transaction is rolled back; a code's refusal is kept
        if how == CODE:
            _note_refusal(sessions, querier, refusal.subject_key, address, now)
        raise Refused() from None


class _Refusal(Exception):
    def __init__(self, subject_key: str | None):
        self.subject_key = subject_key


def _use_code(session: Session, catalog: Catalog, querier: Identity, subject: str, code: str, code_key: str,
              today: date, now: datetime) -> tuple[str, AuthorizationCode, list[ShownRecord]]:
    named = subject_keys(session, subject)
    grant = _grant(session, named, code, code_key, now)
    if grant is None:
        raise _Refusal(next(iter(named)) if len(named) == 1 else None)
    shown = [_shown(r, catalog, today, querier, own=False) for r in _records_of(session, grant.subject_key)
             if in_code_scope(r, catalog, today, grant.kinds, grant.include_unpublished)]
    # Counted in the database, so two simultaneous uses of a code's last use cannot both succeed.
    counted = session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.id == grant.id, AuthorizationCode.uses < AuthorizationCode.max_uses,
               AuthorizationCode.revoked_at.is_(None))
        .values(uses=AuthorizationCode.uses + 1)).rowcount
    if not shown or counted != 1:
        raise _Refusal(grant.subject_key)
    return grant.subject_key, grant, shown


def stated_purpose(text: str | None) -> str:
    """A staff reader's purpose as the query log keeps it: one line cleaned as every typed line is
    (PostgreSQL refuses a NUL; a direction override would make it read otherwise), at most
    MAX_PURPOSE characters. Empty: no purpose, no read."""
    return typed.line(text)[:MAX_PURPOSE]


def _staff_read(session: Session, catalog: Catalog, querier: Identity, key: str, purpose: str,
                today: date) -> list[ShownRecord]:
    member = staff.find(session, querier.key)
    if member is None or not member.has(*STAFF_READERS) or not purpose.strip() or not key:
        raise _Refusal(None)
    records = _records_of(session, key)
    if not member.has(staff.REVIEWER, staff.AUDITOR):   # a department clerk: its own records only
        records = [r for r in records if r.source_dept_code == member.department_code]
    if not records:
        raise _Refusal(None)
    return [_shown(r, catalog, today, querier, own=True) for r in records]


def subject_name(sessions: sessionmaker[Session], identity: Identity) -> str:
    """The name the records give the identity's subject (its registered name), else the verified name."""
    with sessions() as session:
        return _current_name(session, identity.key) or identity.name


# -- checks -------------------------------------------------------------------------------------

def _grant(session: Session, named: set[str], code: str, code_key: str, now: datetime) -> AuthorizationCode | None:
    """The code's row when it is active and for one of the subjects named."""
    if not code or not named:
        return None
    row = session.scalar(select(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash(code, code_key)))
    if row is None or row.state(now) != "active" or row.subject_key not in named:
        return None
    return row


def subject_keys(session: Session, subject: str) -> set[str]:
    """The subjects a querier names: by a registered code or ID number exactly, else by exact name
    (several subjects may share one). A code-shaped input is only ever a code: an unknown one costs
    the same single index lookup as a known one."""
    text = " ".join(subject.split())
    if "\x00" in text:   # no subject's code or name holds NUL (and PostgreSQL refuses to compare one)
        return set()
    code = normalize_code(text)
    if looks_like_code(code) or is_citizen_id(code):
        found = session.scalar(select(Record.subject_key).where(Record.subject_key == code).limit(1))
        return {found} if found else set()
    return set(session.scalars(select(Record.subject_key).where(Record.subject_name == text).distinct().limit(20)))


def in_code_scope(record: Record, catalog: Catalog, today: date, kinds: Collection[str], unpublished: bool) -> bool:
    """Whether a holder of a code for `kinds` (and unpublished records, when `unpublished`) sees the
    record today: never one whose time is over for good (publicity.record_ended)."""
    if record.kind not in kinds or record_ended(record, catalog, today):
        return False
    return unpublished or of_record(record, catalog, today).public


def _note_refusal(sessions: sessionmaker[Session], querier: Identity, subject_key: str | None,
                  address: str | None, now: datetime) -> None:
    with sessions.begin() as session:
        session.add(CodeRefusal(at=now, querier_id=querier.key, querier_name=querier.name,
                                subject_key=subject_key, address=address))


# -- reading ------------------------------------------------------------------------------------

def _records_of(session: Session, key: str) -> list[Record]:
    if not key:
        return []
    return list(session.scalars(select(Record).where(Record.subject_key == key)
                                .order_by(Record.decided_on.desc(), Record.id.desc())))


def _current_name(session: Session, key: str | None) -> str:
    if not key:
        return ""
    return session.scalar(select(Record.subject_name).where(Record.subject_key == key)
                          .order_by(Record.decided_on.desc(), Record.id.desc()).limit(1)) or ""


def _shown(record: Record, catalog: Catalog, today: date, reader: Identity, own: bool) -> ShownRecord:
    pub = of_record(record, catalog, today)
    kind = catalog.kinds[record.kind]
    columns = kind.columns if own else kind.shown_columns
    fields = {}
    for col in columns:
        value = _value(col, record.values.get(col.key), reader, catalog)
        if value:
            fields[col.key] = value
    return ShownRecord(id=record.public_id, kind=record.kind, decided_on=str(record.values.get(kind.date_field, "")),
                       state=pub.state, public=pub.public, until=pub.until.isoformat() if pub.until else None,
                       objection=record.objection, fields=fields,
                       ended=record_ended(record, catalog, today))


def _value(col: Column, value, reader: Identity, catalog: Catalog) -> str:
    """A cell as this reader sees it: a citizen ID number in full only to its holder; free text with
    the ID, phone and account numbers in it masked (they may be anyone's), names as written."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list):
        return "；".join(map(str, value))
    if col.type == "citizen_id":
        return str(value) if reader.id_number and value == reader.id_number else mask_id_number(str(value))
    if col.type == "text":
        return scrub(str(value), catalog, ())
    return col.label(str(value)) if not isinstance(value, float) else f"{value:g}"
