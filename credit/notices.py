"""On-site notifications (SPEC §8): a message to a subject (on /account) or to a source department
(in its staff queue) on each change of a request about its records. Written in the transaction of
the change it reports, so a change is never made without its message, nor a message without its
change. Sending a copy by e-mail, when SMTP is configured, happens after that commit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from credit.models import Base, utcnow

SUBJECT, DEPARTMENT = "subject", "department"


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recipient: Mapped[str] = mapped_column(String(16))           # SUBJECT | DEPARTMENT
    recipient_key: Mapped[str] = mapped_column(String(64), index=True)   # subject key | department code
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def notify(session: Session, *, recipient: str, key: str, title: str, body: str,
           at: datetime | None = None) -> Notice:
    if recipient not in (SUBJECT, DEPARTMENT):
        raise ValueError(f"recipient must be {SUBJECT!r} or {DEPARTMENT!r}")
    notice = Notice(recipient=recipient, recipient_key=key, title=title, body=body, at=at or utcnow())
    session.add(notice)
    return notice


def notices_for(session: Session, recipient: str, key: str, limit: int = 100) -> list[Notice]:
    """Newest first."""
    return list(session.scalars(select(Notice).where(Notice.recipient == recipient, Notice.recipient_key == key)
                                .order_by(Notice.at.desc(), Notice.id.desc()).limit(limit)))
