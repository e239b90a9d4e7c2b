"""Real-name identities over the mini data set, and a session for one of them.

Logging in through the provider is tested over real HTTP in test_login.py; the access tests start
the same server-side session directly, so each can act as any identity at once."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from credit import logins
from credit.db import session_factory
from credit.logins import Identity
from portal.login import SESSION_KEY
from tests.portal import mini

ORG_A = Identity(subject="org-a", name=mini.CHANGJIANG[0], subject_type="法人及非法人组织", uscc=mini.CHANGJIANG[1])
ORG_B = Identity(subject="org-b", name=mini.GUANGGU[0], subject_type="法人及非法人组织", uscc=mini.GUANGGU[1])
ORG_ENDED = Identity(subject="org-c", name=mini.PINGAN[0], subject_type="法人及非法人组织", uscc=mini.PINGAN[1])
PERSON = Identity(subject="person", name=mini.PERSON[0], subject_type="自然人", id_number=mini.PERSON[1])
SHOP = Identity(subject="shop", name=mini.SHOP[0], subject_type="个体工商户", uscc=mini.SHOP[1])
CLERK = Identity(subject="clerk", name="钱银行", subject_type="自然人", id_number=mini.citizen_id("42010119900909004"))
CLERK_2 = Identity(subject="clerk-2", name="孙信贷", subject_type="自然人", id_number=mini.citizen_id("42010119910101005"))

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def log_in(client, identity: Identity, now: datetime | None = None) -> None:
    settings = client.application.config["CREDIT_SETTINGS"]
    token = logins.start(session_factory(settings.database_url), identity, None, now or datetime.now(timezone.utc),
                         settings)
    with client.session_transaction() as session:
        session[SESSION_KEY] = token
        session.permanent = True


def csrf_token(client, path: str = "/account") -> str:
    """The form token of a page, as a browser would read it from the form."""
    return _CSRF.search(client.get(path).get_data(as_text=True)).group(1)

# Credit centre staff (credit.staff): give them their roles with `make_staff`.
STAFF_ADMIN = Identity(subject="staff-admin", name="孙管理", subject_type="自然人",
                       id_number=mini.citizen_id("42010219850312471"))
REVIEWER = Identity(subject="staff-reviewer", name="李审核", subject_type="自然人",
                    id_number=mini.citizen_id("42010619880725352"))
ENV_CLERK = Identity(subject="staff-env", name="钱经办", subject_type="自然人",
                     id_number=mini.citizen_id("42010319790918603"))
TAX_CLERK = Identity(subject="staff-tax", name="郑经办", subject_type="自然人",
                     id_number=mini.citizen_id("42010319810101604"))
AUDITOR = Identity(subject="staff-auditor", name="吴审计", subject_type="自然人",
                   id_number=mini.citizen_id("42011119910204281"))
MARKET_CLERK = Identity(subject="staff-market", name="冯经办", subject_type="自然人",
                        id_number=mini.citizen_id("42010319820202605"))


def trader(n: int) -> Identity:
    """The login of the mini data set's n-th trading company (mini.TRADERS), one per test that changes it."""
    name, code = mini.TRADERS[n]
    return Identity(subject=f"trader-{n}", name=name, subject_type="法人及非法人组织", uscc=code)


def make_staff(settings, market: bool = False) -> None:
    """Give the staff identities above their roles in `settings`' database (the market bureau's clerk
    too, when `market`: without it that department has nobody on the portal)."""
    from credit import staff

    grants = [(STAFF_ADMIN, ["admin"], None), (REVIEWER, ["reviewer"], None), (AUDITOR, ["auditor"], None),
              (ENV_CLERK, ["department"], mini.DEPT_ENV[1]), (TAX_CLERK, ["department"], mini.DEPT_TAX[1])]
    if market:
        grants.append((MARKET_CLERK, ["department"], mini.DEPT_MARKET[1]))
    with session_factory(settings.database_url).begin() as db:
        for who, roles, department in grants:
            staff.grant(db, key=who.id_number, name=who.name, roles=roles, department_code=department,
                        by=("test", "测试"))


def staffed_instance(folder):
    """Settings of an instance in `folder` holding the mini data set, with every staff identity above
    (the market bureau's clerk included)."""
    from tests.conftest import TODAY, ingest_into, make_settings

    settings = make_settings(folder, instance_path=folder)
    ingest_into(settings, [str(mini.write(folder / "source", TODAY))], today=TODAY)
    make_staff(settings, market=True)
    return settings


def client_as(app, identity: Identity | None = None):
    """A test client of `app`, logged in as `identity` (anonymous when None)."""
    client = app.test_client()
    if identity is not None:
        log_in(client, identity)
    return client


def record_of(settings, subject_key: str, kind: str = "licence"):
    """The subject's first record of `kind` in `settings`' database."""
    from sqlalchemy import select

    from credit.models import Record

    with session_factory(settings.database_url)() as db:
        return db.scalars(select(Record).where(Record.subject_key == subject_key, Record.kind == kind)
                          .order_by(Record.id)).first()


def requests_for(settings, public_id: str):
    """The objection requests filed on the record with this public id, oldest first."""
    from sqlalchemy import select

    from credit.models import Record
    from credit.objections import ObjectionRequest

    with session_factory(settings.database_url)() as db:
        record = db.scalar(select(Record).where(Record.public_id == public_id))
        return list(db.scalars(select(ObjectionRequest).where(ObjectionRequest.record_id == record.id)
                               .order_by(ObjectionRequest.id)))
