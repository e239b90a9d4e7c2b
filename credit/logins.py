"""Verified identities and the login sessions that carry them (SPEC §6).

An identity comes only from an ID token the provider signed: whose records a login may see is
decided by its verified unified social credit code (organisations, 个体工商户) or citizen ID
number (natural persons), never by anything typed. The session lives here, server-side; the
browser holds only a random token, kept hashed, so a stolen database reveals no usable token and
a logout or timeout ends the session for good."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, Text, delete
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from credit.catalog import ORGANISATION, PERSON, SOLE_TRADER
from credit.codes import id_problem, normalize_code, uscc_problem
from credit.config import Settings
from credit.models import Base, aware

SUBJECT_TYPES = (ORGANISATION, PERSON, SOLE_TRADER)


class LoginRefused(ValueError):
    """The provider's token lacks a verified identity the portal can use; the message says which."""


@dataclass(frozen=True)
class Identity:
    subject: str               # the provider's `sub`
    name: str                  # verified real name
    subject_type: str          # 法人及非法人组织 | 自然人 | 个体工商户
    uscc: str | None = None
    id_number: str | None = None

    @property
    def key(self) -> str:
        """Whose records are this identity's own: the records' subject_key."""
        return (self.id_number if self.subject_type == PERSON else self.uscc) or ""

    @classmethod
    def from_claims(cls, claims: dict, settings: Settings) -> Identity:
        def claim(name: str) -> str:
            value = claims.get(name)
            return value.strip() if isinstance(value, str) else ""

        subject_type = claim(settings.oidc_claim_subject_type)
        if subject_type not in SUBJECT_TYPES:
            raise LoginRefused("身份提供方未给出主体类别（法人及非法人组织、自然人或个体工商户）")
        name = claim(settings.oidc_claim_name)
        if not name or not claim("sub"):
            raise LoginRefused("身份提供方未给出经核验的姓名或名称")
        uscc = normalize_code(claim(settings.oidc_claim_uscc)) or None
        id_number = normalize_code(claim(settings.oidc_claim_id_number)) or None
        if subject_type == PERSON and (not id_number or id_problem(id_number)):
            raise LoginRefused("身份提供方未给出有效的经核验公民身份号码")
        if subject_type != PERSON and (not uscc or uscc_problem(uscc)):
            raise LoginRefused("身份提供方未给出有效的经核验统一社会信用代码")
        return cls(subject=claim("sub"), name=name, subject_type=subject_type,
                   uscc=uscc if subject_type != PERSON else None,
                   id_number=id_number if subject_type == PERSON else None)


class LoginSession(Base):
    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    subject_type: Mapped[str] = mapped_column(String(32))
    uscc: Mapped[str | None] = mapped_column(String(32), nullable=True)
    id_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    id_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def identity(self) -> Identity:
        return Identity(subject=self.subject, name=self.name, subject_type=self.subject_type,
                        uscc=self.uscc, id_number=self.id_number)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(sessions: sessionmaker[Session], identity: Identity, id_token: str | None, now: datetime,
          settings: Settings) -> str:
    """A new session for a verified identity; returns the token for the cookie. Sessions abandoned
    without a logout (they hold verified identities) go at the same time, once past their lifetime."""
    token = secrets.token_urlsafe(32)
    with sessions.begin() as session:
        cutoff = now - timedelta(hours=settings.session_max_hours)
        session.execute(delete(LoginSession).where(LoginSession.started_at < cutoff))
        session.add(LoginSession(token_hash=_hash(token), subject=identity.subject, name=identity.name,
                                 subject_type=identity.subject_type, uscc=identity.uscc,
                                 id_number=identity.id_number, id_token=id_token, started_at=now, seen_at=now))
    return token


def resume(sessions: sessionmaker[Session], token: str, now: datetime, settings: Settings) -> Identity | None:
    """The identity of a live session (and the session marked as seen now), or None when the token
    is unknown or the session has been idle or alive too long (it is then removed)."""
    with sessions.begin() as session:
        row = session.get(LoginSession, _hash(token))
        if row is None:
            return None
        idle = now - aware(row.seen_at) > timedelta(minutes=settings.session_idle_minutes)
        if idle or now - aware(row.started_at) > timedelta(hours=settings.session_max_hours):
            session.delete(row)
            return None
        row.seen_at = now
        return row.identity()


def end(sessions: sessionmaker[Session], token: str) -> str | None:
    """Ends a session; returns its ID token (the provider's logout hint), if any."""
    with sessions.begin() as session:
        row = session.get(LoginSession, _hash(token))
        if row is None:
            return None
        session.delete(row)
        return row.id_token
