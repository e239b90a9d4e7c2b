"""Credit centre staff and their roles (SPEC §2). A member of staff logs in like anyone else, through
the identity provider; this table maps the verified citizen ID number of the login to roles:

    admin       manages staff accounts (and may do what a reviewer and an auditor do)
    reviewer    handles objections, credit repairs and checks
    department  a source department's clerk: sees and answers only its own department's records
    auditor     reads the query log and statistics

Every change to the table is a staff action in the query log's chain (`audit`)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from credit import querylog, typed
from credit.codes import id_problem, normalize_code, uscc_problem
from credit.models import Base, utcnow

ADMIN, REVIEWER, DEPARTMENT, AUDITOR = "admin", "reviewer", "department", "auditor"
ROLES = (ADMIN, REVIEWER, DEPARTMENT, AUDITOR)
ROLE_LABELS = {ADMIN: "系统管理员", REVIEWER: "异议与修复审核", DEPARTMENT: "信源单位经办人", AUDITOR: "审计"}
# Roles whose work an admin may also do: not a department's (that is tied to one department).
IMPLIED = {ADMIN: {REVIEWER, AUDITOR}}
# A member of staff logs in with the citizen ID number that also keys their own records as a natural
# person: nobody compares, corrects, answers, suspends, checks or decides the repair of their own record.
OWN_RECORD = "涉及您本人的信用记录，须由其他工作人员办理"
MAX_NAME = 60   # the form's limit too; the column holds 255, past which PostgreSQL fails the insert


class StaffError(ValueError):
    """A grant the table cannot hold; the message says why, for the admin to fix."""


class StaffMember(Base):
    __tablename__ = "staff"

    key: Mapped[str] = mapped_column(String(18), primary_key=True)     # verified citizen ID number
    # What pages and URLs name a member by: random, so a page never carries the ID number.
    ref: Mapped[str] = mapped_column(String(16), unique=True, default=lambda: secrets.token_urlsafe(9))
    name: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list] = mapped_column(JSON)
    department_code: Mapped[str | None] = mapped_column(String(18), nullable=True)   # for `department`
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class Staff:
    key: str
    name: str
    roles: frozenset[str]
    department_code: str | None

    def has(self, *roles: str) -> bool:
        """Whether any of `roles` is this member's, directly or through an admin's."""
        held = set(self.roles).union(*(IMPLIED.get(r, ()) for r in self.roles))
        return not held.isdisjoint(roles)


def find(session: Session, key: str | None) -> Staff | None:
    row = session.get(StaffMember, key) if key else None
    if row is None or not row.roles:
        return None
    return Staff(row.key, row.name, frozenset(row.roles), row.department_code)


def members(session: Session) -> list[StaffMember]:
    return list(session.scalars(select(StaffMember).order_by(StaffMember.created_at, StaffMember.key)))


def grant(session: Session, *, key: str, name: str, roles: list[str], department_code: str | None,
          by: tuple[str, str], now: datetime | None = None, address: str | None = None) -> StaffMember:
    """Create or replace a member's roles. `by` is (key, name) of who does it, for the log."""
    key = normalize_code(key)
    if id_problem(key):
        raise StaffError(f"工作人员须以公民身份号码登记：{id_problem(key)}")
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise StaffError(f"角色须为 {'、'.join(ROLES)} 之一或多个（收到：{'、'.join(unknown) or '无'}）")
    name = typed.line(name)   # shown on the staff pages and in every history the member acts in
    if not name:
        raise StaffError("请填写工作人员姓名")
    if len(name) > MAX_NAME:
        raise StaffError(f"工作人员姓名最多{MAX_NAME}个字符")
    department_code = normalize_code(department_code or "") or None
    if DEPARTMENT in roles:
        if not department_code or uscc_problem(department_code):
            raise StaffError("信源单位经办人须填写所属单位的统一社会信用代码（有效的18位代码）")
    else:
        department_code = None
    at = now or utcnow()
    row = session.get(StaffMember, key)
    if row is not None and ADMIN in row.roles and ADMIN not in roles:
        _keep_an_admin(session, key)
    if row is None:
        row = StaffMember(key=key, created_at=at)
        session.add(row)
    row.name, row.roles, row.department_code, row.updated_at = name, roles, department_code, at
    detail = "、".join(roles) + (f"（单位 {department_code}）" if department_code else "")
    audit(session, by, f"授予工作人员角色：{detail}", items=[f"staff:{key}"], subject_name=name, at=at, address=address)
    return row


def by_ref(session: Session, ref: str) -> StaffMember | None:
    return session.scalar(select(StaffMember).where(StaffMember.ref == ref)) if ref else None


def remove(session: Session, key: str, *, by: tuple[str, str], now: datetime | None = None,
           address: str | None = None) -> bool:
    row = session.get(StaffMember, normalize_code(key))
    if row is None:
        return False
    if ADMIN in row.roles:
        _keep_an_admin(session, row.key)
    audit(session, by, "撤销工作人员的全部角色", items=[f"staff:{row.key}"], subject_name=row.name, at=now,
          address=address)
    session.delete(row)
    return True


def _keep_an_admin(session: Session, leaving: str) -> None:
    """Refuse a change that would leave the portal without an admin (nobody could manage staff)."""
    if not any(ADMIN in m.roles for m in members(session) if m.key != leaving):
        raise StaffError("这是唯一的系统管理员：请先为另一位工作人员授予 admin 角色")


def audit(session: Session, by: tuple[str, str], action: str, *, items: list[str] = (), subject_key: str = "",
          subject_name: str = "", at: datetime | None = None, address: str | None = None) -> None:
    """Record a staff action — who, what, to what, when — in the query log's tamper-evident chain,
    in the caller's transaction (the action and its entry commit together or not at all)."""
    querylog.append(session, querier_id=by[0], querier_name=by[1], how=querylog.ACTION, subject_key=subject_key,
                    subject_name=subject_name, items=list(items), address=address, code_id=None, reason=action,
                    at=at)


def about_self(member: Staff, subject_key: str) -> bool:
    """Whether a record keyed `subject_key` is the member's own (OWN_RECORD)."""
    return member.key == subject_key
