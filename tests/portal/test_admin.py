"""Staff and roles (credit.staff, portal.admin): who opens which staff page, the staff table kept by
admins, and a member of staff reading a subject's full record through the access gate — for a stated
purpose, logged, and for a department clerk only its own department's records."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from credit import querylog, staff
from credit.db import session_factory
from credit.models import Record
from credit.querylog import QueryLogEntry
from tests.conftest import TODAY, ingest_into, make_settings
from tests.portal import mini
from tests.portal.conftest import portal_app
from tests.portal.realname import (
    AUDITOR,
    CLERK,
    ENV_CLERK,
    ORG_A,
    REVIEWER,
    STAFF_ADMIN,
    TAX_CLERK,
    client_as,
    csrf_token,
    make_staff,
)


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    folder = tmp_path_factory.mktemp("admin")
    settings = make_settings(folder)
    ingest_into(settings, [str(mini.write(folder / "source", TODAY))], today=TODAY)
    make_staff(settings)
    return settings


@pytest.fixture(scope="module")
def app(instance):
    return portal_app(instance)


def entries(settings, **where) -> list[QueryLogEntry]:
    with session_factory(settings.database_url)() as db:
        query = select(QueryLogEntry).order_by(QueryLogEntry.seq)
        for column, value in where.items():
            query = query.where(getattr(QueryLogEntry, column) == value)
        return list(db.scalars(query))


def ref_of(settings, key: str) -> str:
    with session_factory(settings.database_url)() as db:
        return db.get(staff.StaffMember, key).ref


def read_subject(client, subject: str, purpose: str = "核查异议申请"):
    return client.post("/admin/subject", data={"csrf_token": csrf_token(client, "/admin/subject"),
                                              "subject": subject, "purpose": purpose})


# -- who opens what -----------------------------------------------------------------------------

def test_anonymous_is_sent_to_log_in_and_a_subject_is_refused(app):
    assert app.test_client().get("/admin").status_code == 302
    page = client_as(app, ORG_A).get("/admin")
    assert page.status_code == 403
    assert "工作人员角色不能访问" in page.get_data(as_text=True) and "Traceback" not in page.get_data(as_text=True)
    assert "工作台" not in client_as(app, ORG_A).get("/account").get_data(as_text=True)


@pytest.mark.parametrize("who, opens, not_opens", [
    (STAFF_ADMIN, ["/admin/staff", "/admin/subject"], []),
    (REVIEWER, ["/admin/subject"], ["/admin/staff"]),
    (AUDITOR, ["/admin/subject"], ["/admin/staff"]),
    (ENV_CLERK, ["/admin/subject"], ["/admin/staff"]),
])
def test_each_role_sees_its_sections_only(app, who, opens, not_opens):
    client = client_as(app, who)
    home = client.get("/admin").get_data(as_text=True)
    assert who.name in home
    for path in opens:
        assert f'href="{path}"' in home
        assert client.get(path).status_code == 200
    for path in not_opens:
        assert f'href="{path}"' not in home
        assert client.get(path).status_code == 403
    assert 'href="/admin"' in client.get("/").get_data(as_text=True)   # the way in, in the navigation


# -- the staff table ------------------------------------------------------------------------------

def test_admin_grants_and_removes_roles_and_each_change_is_logged(app, instance):
    admin = client_as(app, STAFF_ADMIN)
    newcomer = mini.citizen_id("42010519930303303")
    before = len(entries(instance, how=querylog.ACTION))
    answer = admin.post("/admin/staff", data={"csrf_token": csrf_token(admin, "/admin/staff"), "key": newcomer,
                                              "name": "新 同事", "roles": ["reviewer", "auditor"]})
    assert answer.status_code == 302
    page = admin.get("/admin/staff").get_data(as_text=True)
    assert "新 同事" in page and newcomer not in page and newcomer[:6] + "********" + newcomer[-4:] in page
    with session_factory(instance.database_url)() as db:
        assert staff.find(db, newcomer).roles == {"reviewer", "auditor"}
    answer = admin.post(f"/admin/staff/{ref_of(instance, newcomer)}/remove",
                        data={"csrf_token": csrf_token(admin, "/admin/staff")})
    assert answer.status_code == 302
    with session_factory(instance.database_url)() as db:
        assert staff.find(db, newcomer) is None
        assert querylog.verify(db) == []
    logged = entries(instance, how=querylog.ACTION)[before:]
    assert [e.querier_id for e in logged] == [STAFF_ADMIN.id_number] * 2
    assert "reviewer" in logged[0].reason and "撤销" in logged[1].reason
    assert logged[0].items == [f"staff:{newcomer}"]


@pytest.mark.parametrize("form, says", [
    ({"key": "420105199303033030", "name": "甲", "roles": ["reviewer"]}, "公民身份号码"),     # wrong check digit
    ({"key": mini.citizen_id("42010519930303304"), "name": "乙", "roles": ["root"]}, "角色"),
    ({"key": mini.citizen_id("42010519930303304"), "name": "丙", "roles": []}, "角色"),
    ({"key": mini.citizen_id("42010519930303304"), "name": "", "roles": ["auditor"]}, "姓名"),
    ({"key": mini.citizen_id("42010519930303304"), "name": "\u200b\u202e\x00", "roles": ["auditor"]}, "请填写工作人员姓名"),
    ({"key": mini.citizen_id("42010519930303304"), "name": "戊" * 61, "roles": ["auditor"]}, "姓名最多60个字符"),
    ({"key": mini.citizen_id("42010519930303304"), "name": "丁", "roles": ["department"]}, "统一社会信用代码"),
])
def test_a_bad_grant_says_why_and_changes_nothing(app, instance, form, says):
    admin = client_as(app, STAFF_ADMIN)
    before = len(entries(instance))
    answer = admin.post("/admin/staff", data={"csrf_token": csrf_token(admin, "/admin/staff"), **form})
    assert answer.status_code == 400 and says in answer.get_data(as_text=True)
    assert len(entries(instance)) == before


def test_only_an_admin_changes_roles_and_not_their_own(app, instance):
    reviewer = client_as(app, REVIEWER)
    token = csrf_token(reviewer, "/admin/subject")
    assert reviewer.post("/admin/staff", data={"csrf_token": token, "key": REVIEWER.id_number, "name": "李审核",
                                               "roles": ["admin"]}).status_code == 403
    assert reviewer.post(f"/admin/staff/{ref_of(instance, STAFF_ADMIN.id_number)}/remove",
                         data={"csrf_token": token}).status_code == 403
    admin = client_as(app, STAFF_ADMIN)
    answer = admin.post(f"/admin/staff/{ref_of(instance, STAFF_ADMIN.id_number)}/remove",
                        data={"csrf_token": csrf_token(admin, "/admin/staff")})
    assert answer.status_code == 400
    with session_factory(instance.database_url)() as db:
        assert staff.find(db, REVIEWER.id_number).roles == {"reviewer"}
        assert staff.find(db, STAFF_ADMIN.id_number) is not None


def test_a_form_without_its_token_is_refused(app, instance):
    admin = client_as(app, STAFF_ADMIN)
    answer = admin.post("/admin/staff", data={"key": mini.citizen_id("42010519930303305"), "name": "戊",
                                              "roles": ["admin"]})
    assert answer.status_code == 400
    with session_factory(instance.database_url)() as db:
        assert staff.find(db, mini.citizen_id("42010519930303305")) is None


# -- reading a subject's full record --------------------------------------------------------------

def test_a_reviewer_reads_every_record_for_a_purpose_and_the_read_is_logged(app, instance):
    page = read_subject(client_as(app, REVIEWER), ORG_A.uscc, purpose="核查 异议申请")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    with session_factory(instance.database_url)() as db:
        held = db.scalar(select(func.count()).select_from(Record).where(Record.subject_key == ORG_A.uscc))
    assert "不予公示（简易程序）" in text and "不予公示（仅警告）" in text   # the non-public ones too
    entry = entries(instance, how="staff")[-1]
    assert entry.querier_id == REVIEWER.id_number and entry.subject_key == ORG_A.uscc
    assert entry.reason == "核查 异议申请" and len(entry.items) == held == 4


def test_a_read_without_a_purpose_is_refused_and_not_logged(app, instance):
    before = len(entries(instance))
    page = read_subject(client_as(app, REVIEWER), ORG_A.uscc, purpose="   ")
    assert page.status_code == 400 and "查询事由" in page.get_data(as_text=True)
    assert len(entries(instance)) == before


def test_a_department_clerk_reads_only_its_own_departments_records(app, instance):
    page = read_subject(client_as(app, ENV_CLERK), ORG_A.uscc)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "违反大气污染防治法" in text and "不予公示（简易程序）" not in text and "严重违法失信企业" not in text
    assert len(entries(instance, querier_id=ENV_CLERK.id_number)[-1].items) == 1
    before = len(entries(instance))
    refused = read_subject(client_as(app, TAX_CLERK), ORG_A.uscc)
    assert refused.status_code == 404 and len(entries(instance)) == before


def test_an_unknown_subject_and_a_non_staff_login_read_nothing(app, instance):
    before = len(entries(instance))
    assert read_subject(client_as(app, REVIEWER), mini.uscc("91420100MA4K99999")).status_code == 404
    client = client_as(app, CLERK)
    assert client.post("/admin/subject", data={"subject": ORG_A.uscc, "purpose": "x"}).status_code in (400, 403)
    assert len(entries(instance)) == before


def test_the_subject_sees_the_staff_read_but_not_the_staff_actions(app, instance):
    read_subject(client_as(app, AUDITOR), ORG_A.uscc)
    with session_factory(instance.database_url)() as db:
        hows = {e.how for e in querylog.reads_of(db, ORG_A.uscc)}
    assert "staff" in hows and querylog.ACTION not in hows
    assert "信用中心工作人员" in client_as(app, ORG_A).get("/account").get_data(as_text=True)


def test_the_last_admin_cannot_be_demoted(app, instance):
    admin = client_as(app, STAFF_ADMIN)
    answer = admin.post("/admin/staff", data={"csrf_token": csrf_token(admin, "/admin/staff"),
                                              "key": STAFF_ADMIN.id_number, "name": STAFF_ADMIN.name,
                                              "roles": ["reviewer"]})
    assert answer.status_code == 400 and "唯一的系统管理员" in answer.get_data(as_text=True)
    with session_factory(instance.database_url)() as db:
        assert staff.find(db, STAFF_ADMIN.id_number).roles == {"admin"}
        try:
            staff.remove(db, STAFF_ADMIN.id_number, by=("test", "测试"))
        except staff.StaffError:
            db.rollback()
        else:
            raise AssertionError("the last admin was removed")
