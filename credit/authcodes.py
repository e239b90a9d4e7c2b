"""Authorization codes (授权码, SPEC §6): a subject lets a third party see its record, for a named
purpose, a scope, a time and a number of uses.

A code is 20 characters from a 32-letter alphabet (100 random bits), shown to its subject once and
stored only as an HMAC under a server key: a copy of the database gives no usable code, and a
guess costs a request to the portal, which slows and then blocks repeated wrong tries."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from credit.catalog import RECORD_KINDS
from credit.logins import Identity
from credit.models import Base, aware

# No 0/O, 1/I: a code is read aloud and typed by hand.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 20
GROUP = 5
MAX_DAYS = 90
MAX_USES = 100
MAX_PURPOSE = 100


class CodeRequestError(ValueError):
    """A code request a subject must correct; the message says what."""


@dataclass(frozen=True)
class CodeRequest:
    purpose: str
    kinds: tuple[str, ...]
    include_unpublished: bool
    days: int
    max_uses: int

    def __post_init__(self) -> None:
        if not self.purpose.strip() or len(self.purpose) > MAX_PURPOSE:
            raise CodeRequestError(f"请填写查询事由（1–{MAX_PURPOSE}个字符），例如：贷款审批")
        if not self.kinds or not set(self.kinds) <= set(RECORD_KINDS):
            raise CodeRequestError("请至少选择一类可查询的信息")
        if not 1 <= self.days <= MAX_DAYS:
            raise CodeRequestError(f"有效期应为1–{MAX_DAYS}天")
        if not 1 <= self.max_uses <= MAX_USES:
            raise CodeRequestError(f"可用次数应为1–{MAX_USES}次")


class AuthorizationCode(Base):
    __tablename__ = "authorization_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(8))   # the last characters, so the subject can tell codes apart
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    subject_name: Mapped[str] = mapped_column(String(512))
    purpose: Mapped[str] = mapped_column(String(100))
    kinds: Mapped[list] = mapped_column(JSON)
    include_unpublished: Mapped[bool] = mapped_column(Boolean)
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if aware(self.expires_at) <= now:
            return "expired"
        if self.uses >= self.max_uses:
            return "used_up"
        return "active"


STATE_LABELS = {"active": "有效", "expired": "已过期", "used_up": "次数已用完", "revoked": "已撤销"}


class CodeRefusal(Base):
    """A refused use of a code: shown to the subject it was aimed at, when that subject is known."""
    __tablename__ = "code_refusals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    querier_id: Mapped[str] = mapped_column(String(64))
    querier_name: Mapped[str] = mapped_column(String(255))
    subject_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)


def normalize(code: str) -> str:
    """What a typed code is compared as: half-width, upper case, without the spaces and dashes of its grouping."""
    return "".join(c for c in unicodedata.normalize("NFKC", code).upper() if c.isascii() and c.isalnum())


def shown(code: str) -> str:
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def code_hash(code: str, key: str) -> str:
    return hmac.new(key.encode(), normalize(code).encode(), hashlib.sha256).hexdigest()


def create(session: Session, owner: Identity, subject_name: str, request: CodeRequest, key: str,
           now: datetime) -> tuple[AuthorizationCode, str]:
    """A new code for the owner's own record; returns the row and the code (shown once, never stored)."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    row = AuthorizationCode(code_hash=code_hash(code, key), hint=code[-4:], subject_key=owner.key,
                            subject_name=subject_name, purpose=request.purpose.strip(), kinds=list(request.kinds),
                            include_unpublished=request.include_unpublished, max_uses=request.max_uses, uses=0,
                            created_at=now, expires_at=now + timedelta(days=request.days))
    session.add(row)
    session.flush()
    return row, shown(code)


def codes_of(session: Session, owner: Identity) -> list[AuthorizationCode]:
    return list(session.scalars(select(AuthorizationCode).where(AuthorizationCode.subject_key == owner.key)
                                .order_by(AuthorizationCode.created_at.desc(), AuthorizationCode.id.desc())))


def revoke(session: Session, owner: Identity, code_id: int, now: datetime) -> bool:
    """Revoke one of the owner's codes at once; False when it is not theirs (or unknown)."""
    row = session.get(AuthorizationCode, code_id)
    if row is None or row.subject_key != owner.key:
        return False
    if row.revoked_at is None:
        row.revoked_at = now
    return True


def refusals_of(session: Session, owner: Identity, limit: int = 100) -> list[CodeRefusal]:
    return list(session.scalars(select(CodeRefusal).where(CodeRefusal.subject_key == owner.key)
                                .order_by(CodeRefusal.at.desc(), CodeRefusal.id.desc()).limit(limit)))

