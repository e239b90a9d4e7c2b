"""Credit service institutions (SPEC §7): the clients the credit centre registers for batch lookup,
their credentials and the bearer tokens issued to them.

A client's secret is shown once, when the client is created, and stored only as an argon2 hash.
Tokens are random 256-bit strings stored as their SHA-256 (a random token needs no slow hash: it
cannot be guessed from a dictionary). A token is only as good as its client: `token_client` reads
the client with the token on every request, so suspending or deleting a client stops its tokens at
once, however long they were issued for."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import DateTime, ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from credit.codes import normalize_code, uscc_problem
from credit.models import Base, aware, utcnow

PUBLIC, WITH_CODES = "public", "public+code"
SCOPES = (PUBLIC, WITH_CODES)
ACTIVE, SUSPENDED = "active", "suspended"
UNKNOWN = "unknown"   # the status of unknown_client's stand-in, never stored
CLIENT_ID_PREFIX = "ci_"
SECRET_BYTES = TOKEN_BYTES = 32
_hasher = PasswordHasher()
# What the columns hold: an INTEGER (PostgreSQL refuses a larger number) and a VARCHAR(255).
QUOTA_MAX, NAME_MAX = 2**31 - 1, 255


class ClientError(ValueError):
    """A client that cannot be registered as asked; the message says why."""


class InstitutionClient(Base):
    """One contract: who the institution is, its quota and its scope."""
    __tablename__ = "institution_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    uscc: Mapped[str] = mapped_column(String(18))
    per_minute: Mapped[int] = mapped_column(Integer)      # requests per minute
    per_day: Mapped[int] = mapped_column(Integer)         # batch items per calendar day
    scope: Mapped[str] = mapped_column(String(16))        # one of SCOPES
    status: Mapped[str] = mapped_column(String(16))       # active | suspended
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    # -- what authlib's OAuth 2 server asks of a client (authlib.oauth2.rfc6749.ClientMixin) ------

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        return self.scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        # The secret is verified first, whatever the status: a suspended client's answer takes as
        # long as an active one's, so its time does not tell an outsider which it is.
        return verify_secret(self.secret_hash, client_secret) and self.active

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials" and self.active


class InstitutionToken(Base):
    """A bearer token issued to a client, stored hashed; gone with its client."""
    __tablename__ = "institution_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), ForeignKey("institution_clients.client_id", ondelete="CASCADE"),
                                           index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class Caller:
    """The client a request's token belongs to, as the batch API needs it (no ORM object)."""
    client_id: str
    name: str
    uscc: str
    per_minute: int
    per_day: int
    scope: str


def unknown_client(client_id: str) -> InstitutionClient:
    """What the token endpoint authenticates when no client has `client_id`: a stand-in (never
    stored) whose hash no secret matches. Refusing it takes the same argon2 verification as a
    registered client's wrong secret, and gets the same answer, so neither the status nor the time
    of a refusal tells an outsider which client ids exist."""
    return InstitutionClient(client_id=client_id, secret_hash=_unmatchable_hash(), name="", uscc="", per_minute=0,
                             per_day=0, scope=PUBLIC, status=UNKNOWN)


@lru_cache(maxsize=1)
def _unmatchable_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(SECRET_BYTES))   # of a secret nobody ever sees


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(secret_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_client(session: Session, *, name: str, uscc: str, per_minute: int, per_day: int, scope: str = PUBLIC,
                  now: datetime | None = None) -> tuple[InstitutionClient, str]:
    """Register a client; returns it and its secret, which is not kept anywhere and never shown again."""
    name, code = " ".join(name.split()), normalize_code(uscc)
    if not name or len(name) > NAME_MAX:
        raise ClientError(f"机构名称不能为空，最长 {NAME_MAX} 个字符")
    if problem := uscc_problem(code):
        raise ClientError(f"机构的{problem}")
    if not (1 <= per_minute <= QUOTA_MAX and 1 <= per_day <= QUOTA_MAX):
        raise ClientError(f"每分钟请求数和每日条数须为正整数，最大 {QUOTA_MAX}")
    if scope not in SCOPES:
        raise ClientError(f"查询范围应为 {' 或 '.join(SCOPES)}")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    client = InstitutionClient(client_id=CLIENT_ID_PREFIX + secrets.token_hex(12), secret_hash=hash_secret(secret),
                               name=name, uscc=code, per_minute=per_minute, per_day=per_day, scope=scope,
                               status=ACTIVE, created_at=now or utcnow())
    session.add(client)
    session.flush()
    return client, secret


def clients(session: Session) -> list[InstitutionClient]:
    return list(session.scalars(select(InstitutionClient).order_by(InstitutionClient.created_at,
                                                                   InstitutionClient.client_id)))


def set_status(session: Session, client_id: str, status: str) -> InstitutionClient | None:
    """Suspend or resume a client; its tokens stop (or work again while unexpired) at the next request."""
    client = session.get(InstitutionClient, client_id)
    if client is not None:
        client.status = status
    return client


def delete_client(session: Session, client_id: str) -> bool:
    """Remove a client and every token issued to it."""
    session.execute(delete(InstitutionToken).where(InstitutionToken.client_id == client_id))
    return session.execute(delete(InstitutionClient).where(InstitutionClient.client_id == client_id)).rowcount == 1


def save_token(session: Session, client_id: str, token: str, issued_at: datetime, lifetime: timedelta) -> None:
    """Keep a new token (hashed), and drop the client's expired ones so the table does not grow."""
    session.execute(delete(InstitutionToken).where(InstitutionToken.client_id == client_id,
                                                   InstitutionToken.expires_at < issued_at))
    session.add(InstitutionToken(token_hash=token_hash(token), client_id=client_id, issued_at=issued_at,
                                 expires_at=issued_at + lifetime))


def token_client(session: Session, token: str, now: datetime) -> Caller | None:
    """The active client holding this unexpired token, else None (unknown, expired, client
    suspended or deleted): one query, on every request."""
    row = session.execute(
        select(InstitutionToken.expires_at, InstitutionClient)
        .join(InstitutionClient, InstitutionClient.client_id == InstitutionToken.client_id)
        .where(InstitutionToken.token_hash == token_hash(token))).first()
    if row is None:
        return None
    expires_at, client = row
    if aware(expires_at) <= now or not client.active:
        return None
    return Caller(client_id=client.client_id, name=client.name, uscc=client.uscc, per_minute=client.per_minute,
                  per_day=client.per_day, scope=client.scope)
