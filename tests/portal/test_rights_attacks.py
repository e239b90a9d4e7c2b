"""Attacks on the subject-rights features (objections, checks, removal, credit repair, staff pages):
what a hostile subject, a careless or curious clerk, an auditor or an anonymous visitor might try,
each refused with nothing changed, and nothing non-public shown where it may not be."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from credit import objections, staff
from credit.catalog import load_catalog
from credit.db import session_factory
from credit.logins import Identity
from credit.models import Record
from credit.objections import ObjectionRequest, ObjectionStep
from tests.conftest import TODAY, ingest_into, make_settings
from tests.helpers import PDF
from tests.portal import mini
from tests.portal.conftest import portal_app
from tests.portal.realname import (
    MARKET_CLERK,
    ORG_B,
    ORG_ENDED,
    PERSON,
    REVIEWER,
    client_as,
    csrf_token,
    make_staff,
    record_of,
    requests_for,
    staffed_instance,
    trader,
)

NOW = datetime(2026, 9, 30, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    return staffed_instance(tmp_path_factory.mktemp("attacks"))


@pytest.fixture(scope="module")
def app(instance):
    return portal_app(instance)


def request_of(settings, public_id: str) -> ObjectionRequest:
    """The latest request filed on the record."""
    return requests_for(settings, public_id)[-1]


def file(client, record_id: str, reason: str = "记录有误", kind: str = "objection", files=()):
    return client.post("/account/objections", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client), "record": record_id, "kind": kind, "reason": reason,
        "files": [(io.BytesIO(body), name) for body, name in files]})


def act(client, ref: str, action: str, note: str = "", column: str = "", value: str = ""):
    return client.post(f"/admin/objections/{ref}/act", data={
        "csrf_token": csrf_token(client, f"/admin/objections/{ref}"), "action": action, "note": note,
        "column": column, "value": value})


# -- state machine --------------------------------------------------------------------------------

def test_two_decisions_at_once_on_one_request_only_one_acts(instance, app, monkeypatch):
    """A second reviewer (or the clerk, or the deadlines command) acting on the step it read just
    before the first one's action committed is refused, not applied on top of it."""
    subject = client_as(app, trader(12))
    record = record_of(instance, trader(12).uscc)
    assert file(subject, record.public_id).status_code == 303
    req = request_of(instance, record.public_id)
    catalog, sessions = load_catalog(), session_factory(instance.database_url)
    read, raced = objections.request_for_staff, []

    def racing(session, member, ref):   # the other reviewer commits between this read and the write
        found = read(session, member, ref)
        if not raced:
            raced.append(ref)
            with sessions.begin() as first:
                objections.act(first, catalog, catalog.calendar, member, objections.staff_actor(member, "a"), ref,
                               "differs", today=TODAY, now=NOW)
        return found

    monkeypatch.setattr(objections, "request_for_staff", racing)
    with pytest.raises(objections.ObjectionError, match="已有人办理"), sessions.begin() as late:
        member = staff.find(late, REVIEWER.id_number)
        objections.act(late, catalog, catalog.calendar, member, objections.staff_actor(member, "b"), req.ref,
                       "agrees", today=TODAY, now=NOW)
    with sessions() as db:
        steps = db.scalars(select(ObjectionStep).where(ObjectionStep.request_id == req.id).order_by(ObjectionStep.id))
        assert [s.action for s in steps] == ["file", "differs"]
        assert db.get(ObjectionRequest, req.id).step == "correct"


def test_two_objections_filed_at_once_on_one_record_make_one_request(instance, monkeypatch):
    """The second filing waits for the first one's transaction, then sees its open request."""
    import threading
    import time

    who = trader(15)
    record = record_of(instance, who.uscc)
    catalog, sessions = load_catalog(), session_factory(instance.database_url)
    check, outcomes = objections._open_request, []

    def slow_check(session, record_id):   # the first filing dawdles between its check and its insert
        found = check(session, record_id)
        if threading.current_thread().name == "first":
            time.sleep(0.6)
        return found

    def filing():
        try:
            with sessions.begin() as db:
                objections.file_request(db, catalog, catalog.procedure(), catalog.calendar, who, kind="objection",
                                        record_id=record.public_id, reason="记录有误", email="", uploads=[],
                                        instance_path=instance.instance_path, max_files=5, max_bytes=1 << 20,
                                        today=TODAY, now=NOW)
            outcomes.append("filed")
        except objections.ObjectionError:
            outcomes.append("refused")

    monkeypatch.setattr(objections, "_open_request", slow_check)
    first = threading.Thread(target=filing, name="first")
    second = threading.Thread(target=filing, name="second")
    first.start()
    time.sleep(0.2)
    second.start()
    first.join(10)
    second.join(10)
    assert sorted(outcomes) == ["filed", "refused"]
    with sessions() as db:
        assert len(list(db.scalars(select(ObjectionRequest).where(ObjectionRequest.record_id == record.id)))) == 1


# -- input ------------------------------------------------------------------------------------------

def test_control_characters_and_direction_overrides_never_reach_the_database_or_a_public_page(instance, app):
    """A subject's reason and statement, a clerk's reply, a proof's commitment: NUL (which PostgreSQL
    refuses, a 500) and the other control characters are removed, and so are the bidirectional
    overrides that would make a published statement read otherwise than it was written."""
    subject, reviewer, clerk = client_as(app, trader(13)), client_as(app, REVIEWER), client_as(app, MARKET_CLERK)
    record = record_of(instance, trader(13).uscc)
    assert file(subject, record.public_id, reason="记录\x00有误\x07\u202e误有").status_code == 303
    req = request_of(instance, record.public_id)
    assert req.reason == "记录有误误有"
    assert act(reviewer, req.ref, "agrees").status_code == 303
    assert act(clerk, req.ref, "reply", "核实\x00一致\x1b").status_code == 303
    assert act(reviewer, req.ref, "keep").status_code == 303
    answer = subject.post(f"/account/objections/{req.ref}/statement",
                          data={"csrf_token": csrf_token(subject), "statement": "本公司\x00声明\u202e\x08：<b>已整改</b>"})
    assert answer.status_code == 303
    with session_factory(instance.database_url)() as db:
        notes = [s.note for s in db.scalars(select(ObjectionStep).where(ObjectionStep.request_id == req.id))]
        assert notes[2] == "核实一致" and db.get(Record, record.id).statement == "本公司声明：<b>已整改</b>"
    api = app.test_client().get(f"/api/v1/records/{record.public_id}").get_json()
    assert api["fields"]["statement"] == "本公司声明：<b>已整改</b>"
    page = app.test_client().get(f"/records/{record.public_id}").get_data(as_text=True)
    assert "&lt;b&gt;已整改&lt;/b&gt;" in page and "<b>已整改" not in page

    pingan = client_as(app, Identity(subject="org-c", name=mini.PINGAN[0], subject_type="法人及非法人组织", uscc=mini.PINGAN[1]))
    with session_factory(instance.database_url)() as db:
        penalty = db.scalar(select(Record).where(Record.subject_key == mini.PINGAN[1], Record.kind == "penalty",
                                                 Record.values["doc_no"].as_string().like("%6号")))
    answer = pingan.post("/account/repairs", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(pingan), "record": penalty.public_id, "commitment": "本企业\x00承诺\u202e守信",
        "proof": [(io.BytesIO(PDF), "proof.pdf")]})
    assert answer.status_code == 303
    from credit.repairs import RepairApplication
    with session_factory(instance.database_url)() as db:
        assert db.scalar(select(RepairApplication.commitment).where(RepairApplication.record_id == penalty.id)) \
            == "本企业承诺守信"


def test_a_record_an_objection_deleted_is_not_offered_for_repair(instance, app):
    """Repair of a record no longer published would be an empty approval — and its repair date would
    start the subject's one-year "penalized again" rule for nothing."""
    subject, reviewer, clerk = client_as(app, ORG_B), client_as(app, REVIEWER), client_as(app, MARKET_CLERK)
    penalty = record_of(instance, mini.GUANGGU[1], "penalty")
    assert "可以申请信用修复" in subject.get("/account").get_data(as_text=True)
    assert file(subject, penalty.public_id).status_code == 303
    req = request_of(instance, penalty.public_id)
    for who, action, note in [(reviewer, "agrees", ""), (clerk, "reply", "原始档案缺失"), (reviewer, "delete", "无法确认真实性")]:
        assert act(who, req.ref, action, note).status_code == 303
    assert app.test_client().get(f"/records/{penalty.public_id}").status_code == 404
    account = subject.get("/account").get_data(as_text=True)
    assert "可以申请信用修复" not in account and "已删除：无法确认真实性，不再公示，无需修复" in account
    answer = subject.post("/account/repairs", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(subject), "record": penalty.public_id, "commitment": "本企业承诺守信",
        "proof": [(io.BytesIO(PDF), "proof.pdf")]})
    assert answer.status_code == 400
    from credit.repairs import RepairApplication
    with session_factory(instance.database_url)() as db:
        assert db.scalar(select(RepairApplication).where(RepairApplication.record_id == penalty.id)) is None


# -- deadlines --------------------------------------------------------------------------------------

def test_a_department_that_could_not_receive_the_request_is_not_deemed_silent(tmp_path, monkeypatch, capsys):
    """Under the Wuhan rules a department's missed reply withdraws the record. A department with no
    clerk on the portal and no notice address never got the forwarded objection: the deadlines
    command lists it as overdue and does not withdraw the record (a subject cannot get a true penalty
    withdrawn by objecting to a department that cannot answer)."""
    from indexer.__main__ import main

    settings = make_settings(tmp_path, instance_path=tmp_path)
    ingest_into(settings, [str(mini.write(tmp_path / "source", TODAY))], today=TODAY)
    make_staff(settings)                      # clerks of the environment and tax bureaus only
    catalog, sessions = load_catalog(), session_factory(settings.database_url)
    record = record_of(settings, trader(0).uscc)
    assert record.source_dept_code == mini.DEPT_MARKET[1]
    with sessions.begin() as db:
        done = objections.file_request(db, catalog, catalog.procedure("wuhan"), catalog.calendar, trader(0),
                                       kind="objection", record_id=record.public_id, reason="记录有误", email="",
                                       uploads=[], instance_path=tmp_path, max_files=5, max_bytes=1000, today=NOW.date(),
                                       now=NOW)
        ref = done.request.ref
    with sessions.begin() as db:
        member = staff.find(db, REVIEWER.id_number)
        req = objections.act(db, catalog, catalog.calendar, member, objections.staff_actor(member, "r"), ref, "agrees",
                             today=NOW.date(), now=NOW).request
        due = req.due_on
    monkeypatch.setenv("CREDIT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CREDIT_SEARCH_URL", settings.search_url)
    after = date.fromordinal(due.toordinal() + 1).isoformat()
    assert main(["deadlines", "--apply", "--today", after]) == 0
    out = capsys.readouterr().out
    assert "已处理 0 项" in out and "未能收到转交" in out
    with sessions() as db:
        assert db.get(Record, record.id).withdrawn is None
        assert db.scalar(select(ObjectionRequest).where(ObjectionRequest.ref == ref)).state == "open"
    with sessions.begin() as db:              # once the department has a clerk, its silence counts
        staff.grant(db, key=MARKET_CLERK.id_number, name=MARKET_CLERK.name, roles=["department"],
                    department_code=mini.DEPT_MARKET[1], by=("test", "测试"))
    assert main(["deadlines", "--apply", "--today", after]) == 0
    assert "已处理 1 项" in capsys.readouterr().out


def test_a_kept_record_cannot_be_put_back_under_objection_again_and_again(instance, app):
    """After an objection was verified and the record kept, a new objection to the unchanged record
    is refused (the subject may add its statement instead): otherwise the 异议处理中 marker could be
    kept on a verified record for good, one objection after another."""
    subject, reviewer, clerk = client_as(app, trader(14)), client_as(app, REVIEWER), client_as(app, MARKET_CLERK)
    record = record_of(instance, trader(14).uscc)
    assert file(subject, record.public_id).status_code == 303
    req = request_of(instance, record.public_id)
    for who, action, note in [(reviewer, "agrees", ""), (clerk, "reply", "经核实无误"), (reviewer, "keep", "")]:
        assert act(who, req.ref, action, note).status_code == 303
    answer = file(subject, record.public_id, reason="再次提出异议")
    assert answer.status_code == 400 and "维持原记录" in answer.get_data(as_text=True)
    assert request_of(instance, record.public_id).ref == req.ref
    assert app.test_client().get(f"/api/v1/records/{record.public_id}").get_json()["objection"] is False
    with session_factory(instance.database_url).begin() as db:   # the source sends the record again, changed
        db.get(Record, record.id).updated_at = datetime.now(timezone.utc)
    assert file(subject, record.public_id, reason="记录已变更，再次提出异议").status_code == 303


def test_a_broken_override_file_is_refused_with_a_message_not_a_traceback(instance, tmp_path, monkeypatch, capsys):
    from indexer.__main__ import main

    monkeypatch.setenv("CREDIT_DATABASE_URL", instance.database_url)
    monkeypatch.setenv("CREDIT_SEARCH_URL", instance.search_url)
    wrong_year = tmp_path / "calendar.yaml"
    wrong_year.write_text("years:\n  2027:\n    holidays: [2026-01-01]\n", encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("years: [\n", encoding="utf-8")
    for path in (wrong_year, broken, tmp_path / "missing.yaml"):
        assert main(["deadlines", "--calendar", str(path)]) == 2
        assert capsys.readouterr().err.startswith("错误：节假日补充文件无法使用")


# -- staff who are also subjects -------------------------------------------------------------------

def test_a_member_of_staff_never_handles_a_request_about_their_own_record(instance, app):
    """Staff log in with their citizen ID number, which is also the key of their own records as a
    natural person. A reviewer (or a department's clerk) who is the subject of a request may file it
    as a subject, but not compare, correct, delete, suspend or answer it, nor open a check on their
    own record: another member of staff handles it."""
    with session_factory(instance.database_url).begin() as db:
        penalty = db.scalar(select(Record).where(Record.subject_key == PERSON.id_number, Record.kind == "penalty"))
        licence = db.scalar(select(Record).where(Record.subject_key == PERSON.id_number, Record.kind == "licence"))
        staff.grant(db, key=PERSON.id_number, name=PERSON.name, roles=["reviewer", "department"],
                    department_code=penalty.source_dept_code, by=("test", "测试"))
    me, reviewer = client_as(app, PERSON), client_as(app, REVIEWER)
    own = "涉及您本人的信用记录，须由其他工作人员办理"
    assert file(me, penalty.public_id, reason="处罚对象不是本人").status_code == 303
    req = request_of(instance, penalty.public_id)
    page = me.get(f"/admin/objections/{req.ref}").get_data(as_text=True)
    assert own in page and 'name="action"' not in page           # no action form on one's own request
    for action, note in [("differs", ""), ("agrees", ""), ("delete", "本人申请删除")]:
        answer = act(me, req.ref, action, note)
        assert answer.status_code == 400 and own in answer.get_data(as_text=True)
    token = csrf_token(me, f"/admin/objections/{req.ref}")
    answer = me.post(f"/admin/objections/{req.ref}/suspend", data={"csrf_token": token})
    assert answer.status_code == 400 and own in answer.get_data(as_text=True)
    answer = me.post("/admin/objections/checks", data={"csrf_token": token, "record": licence.public_id,
                                                       "reason": "自查", "suspend": "1"})
    assert answer.status_code == 400 and own in answer.get_data(as_text=True)
    assert requests_for(instance, licence.public_id) == []
    assert act(reviewer, req.ref, "agrees").status_code == 303        # another reviewer handles it
    answer = act(me, req.ref, "reply", "经核实记录有误")                    # …and the department's step
    assert answer.status_code == 400 and own in answer.get_data(as_text=True)
    with session_factory(instance.database_url)() as db:
        assert db.get(ObjectionRequest, req.id).step == "department"
        assert [s.actor for s in db.scalars(select(ObjectionStep).where(ObjectionStep.request_id == req.id))] \
            == ["subject", "staff"]
        assert db.get(Record, penalty.id).objection == "pending" and db.get(Record, penalty.id).withdrawn is None


# -- corrections ------------------------------------------------------------------------------------

def test_a_correction_is_checked_as_ingest_checks_the_cell(instance, app):
    """A reviewer's correction is a cell the source did not send: a date in the future (2062 typed for
    2026 would keep a penalty public until 2063), a publicity deadline before the decision, an amount
    that is no number (nan, inf) or negative are refused with the reason ingest gives, and nothing
    changes; a good value is taken in the form ingest stores it."""
    subject, reviewer = client_as(app, ORG_ENDED), client_as(app, REVIEWER)
    with session_factory(instance.database_url)() as db:   # its penalty still public
        penalty = db.scalars(select(Record).where(Record.subject_key == ORG_ENDED.uscc, Record.kind == "penalty")
                             .order_by(Record.decided_on.desc())).first()
    assert file(subject, penalty.public_id).status_code == 303
    req = request_of(instance, penalty.public_id)
    assert act(reviewer, req.ref, "differs").status_code == 303
    for column, value, says in [("decided_on", "2062-03-05", "晚于今天"), ("decided_on", "2026-02-30", "不是有效日期"),
                                ("publicity_until", "2001-01-01", "早于处罚决定日期"), ("fine_amount", "nan", "不是数字"),
                                ("fine_amount", "inf", "不是数字"), ("fine_amount", "-5", "不能为负数"),
                                ("facts", "当事人销售\ufffd\ufffd食品", "含乱码字符")]:
        answer = act(reviewer, req.ref, "correct", "据原始文书更正", column, value)
        assert answer.status_code == 400 and says in answer.get_data(as_text=True), (column, value)
    with session_factory(instance.database_url)() as db:
        assert db.get(Record, penalty.id).values == penalty.values
        assert db.get(ObjectionRequest, req.id).step == "correct"
    # Nor a column that identifies the record: the source's row with the corrected number would
    # arrive as a second record beside it.
    assert 'value="doc_no"' not in reviewer.get(f"/admin/objections/{req.ref}").get_data(as_text=True)
    answer = act(reviewer, req.ref, "correct", "文号有误", "doc_no", "武市监罚〔2026〕999号")
    assert answer.status_code == 400 and "请选择要更正的字段" in answer.get_data(as_text=True)
    assert act(reviewer, req.ref, "correct", "据原始文书更正", "fine_amount", "１,５00.5").status_code == 303
    with session_factory(instance.database_url)() as db:
        assert db.get(Record, penalty.id).values["fine_amount"] == 1500.5
    assert app.test_client().get(f"/api/v1/records/{penalty.public_id}").get_json()["fields"]["fine_amount"] == "1500.5"
    other = record_of(instance, trader(11).uscc, "licence")
    assert file(client_as(app, trader(11)), other.public_id).status_code == 303
    req = request_of(instance, other.public_id)
    assert act(reviewer, req.ref, "differs").status_code == 303
    assert act(reviewer, req.ref, "correct", "文书日期录入有误", "decided_on", "2026年3月5日").status_code == 303
    with session_factory(instance.database_url)() as db:   # the column copy that orders and counts records too
        corrected = db.get(Record, other.id)
        assert corrected.values["decided_on"] == "2026-03-05" and corrected.decided_on == date(2026, 3, 5)


def test_a_correction_that_revokes_the_record_takes_it_out_of_publicity(instance, app):
    """A row whose 当前状态 or 备注 says 撤销 revokes its record when ingest reads it
    (credit.publicity.is_revoked); a correction writing the same into a record does as well, rather than
    leave the record public with 已撤销 printed in it."""
    subject, reviewer = client_as(app, trader(16)), client_as(app, REVIEWER)
    record = record_of(instance, trader(16).uscc, "licence")
    assert app.test_client().get(f"/records/{record.public_id}").status_code == 200
    assert file(subject, record.public_id).status_code == 303
    req = request_of(instance, record.public_id)
    assert act(reviewer, req.ref, "differs").status_code == 303
    assert act(reviewer, req.ref, "correct", "许可已于决定后撤销", "remarks", "该许可已撤销").status_code == 303
    with session_factory(instance.database_url)() as db:
        assert db.get(Record, record.id).revoked is True
    assert app.test_client().get(f"/records/{record.public_id}").status_code == 404
    assert app.test_client().get(f"/api/v1/records/{record.public_id}").status_code == 404
    assert record.public_id not in app.test_client().get(f"/subjects/{trader(16).uscc}").get_data(as_text=True)
    assert "已撤销" in subject.get("/account").get_data(as_text=True)
