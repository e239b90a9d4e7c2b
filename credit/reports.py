"""Credit reports (信用报告): what the server keeps of every report it issues, so that whoever is
handed the PDF can check it at /verify/<number>.

A report is not stored. Its row holds a random number (which reveals nothing about the subject or
the time), when and for whom it was issued (public, the subject itself, or a code holder — the
holder's identity is not kept here: the query log has it), the SHA-256 of the PDF's bytes as
served, and a SHA-256 of the record data it was built from, so a later check can say whether the
subject's record has changed since — for a full report, only as far as its reader's scope reaches."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, datetime

import orjson
from sqlalchemy import JSON, Boolean, DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from credit import access
from credit.authcodes import ALPHABET
from credit.catalog import Catalog
from credit.models import Base, Record, aware
from credit.publicity import of_record

PUBLIC, SELF, CODE = "public", "self", "code"
AUDIENCES = (PUBLIC, SELF, CODE)
# 16 characters of a 32-letter alphabet: 80 random bits, read aloud and typed in groups of four.
NUMBER_LENGTH = 16
_GROUP = 4
_NUMBER = re.compile(f"[{ALPHABET}]{{{NUMBER_LENGTH}}}")


class Report(Base):
    __tablename__ = "credit_reports"

    number: Mapped[str] = mapped_column(String(NUMBER_LENGTH), primary_key=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    audience: Mapped[str] = mapped_column(String(8))            # one of AUDIENCES
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    subject_name: Mapped[str] = mapped_column(String(512))
    kinds: Mapped[list] = mapped_column(JSON)                   # the record kinds the report covers
    content_sha256: Mapped[str] = mapped_column(String(64))     # of the PDF as served
    data_sha256: Mapped[str] = mapped_column(String(64))        # of the record data it was built from
    # A code holder's report: whether the code included unpublished records (None for the others).
    unpublished: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


def new_number() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(NUMBER_LENGTH))


def grouped(number: str) -> str:
    """ABCD-EFGH-JKLM-NPQR: how a number is printed."""
    return "-".join(number[i:i + _GROUP] for i in range(0, len(number), _GROUP))


def parse_number(text: str) -> str | None:
    """A number as typed or scanned (any case, dashes or spaces), or None when it cannot be one."""
    number = re.sub(r"[\s-]", "", text or "").upper()
    return number if _NUMBER.fullmatch(number) else None


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def data_digest(data) -> str:
    """SHA-256 of the data a report shows, in one canonical JSON form (sorted keys, UTF-8)."""
    return sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=str))


def record_digest(session: Session, catalog: Catalog, subject_key: str, kinds: tuple[str, ...], today: date,
                  code_unpublished: bool | None = None) -> str:
    """SHA-256 of the subject's records a full report of these kinds shows, with their state today:
    for the subject's own report (code_unpublished None) all of them; for a code holder's only those
    in the code's scope (access.in_code_scope: unpublished ones only when `code_unpublished`), so a
    check tells a holder nothing about records it was not shown. A correction, a new record, a
    revocation, an objection and its outcome (a withdrawal, a statement, a correction's note), a
    repair or a window that ended all change it. Only the digest leaves this function, never a record."""
    rows = session.scalars(select(Record).where(Record.subject_key == subject_key, Record.kind.in_(kinds))
                           .order_by(Record.public_id))
    if code_unpublished is not None:
        rows = [r for r in rows if access.in_code_scope(r, catalog, today, kinds, code_unpublished)]
    return data_digest([
        [r.public_id, r.kind, r.values, r.revoked, r.objection, r.repaired_on, r.withdrawn, r.statement,
         r.correction_note, of_record(r, catalog, today).state]
        for r in rows])


def issue(session: Session, *, number: str, at: datetime, audience: str, subject_key: str, subject_name: str,
          kinds: tuple[str, ...], content: bytes, data_sha256: str, unpublished: bool | None = None) -> Report:
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    report = Report(number=number, issued_at=aware(at), audience=audience, subject_key=subject_key,
                    subject_name=subject_name, kinds=list(kinds), content_sha256=sha256(content),
                    data_sha256=data_sha256, unpublished=unpublished)
    session.add(report)
    return report


def find(session: Session, number: str) -> Report | None:
    parsed = parse_number(number)
    return session.get(Report, parsed) if parsed else None
