"""Credit repair through the portal (portal.repairs): a subject applies from /account with proof and
a commitment; a reviewer approves (the record leaves search, profile, record page, API and a code
holder's view at once, and stays on the subject's /account as repaired) or refuses with a reason the
subject reads. Attacks change nothing: another subject's record, a disguised or oversized upload, a
missing form token, a double submit, a department clerk or an auditor deciding."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from credit import notices, querylog, repairs
from credit.db import session_factory
from credit.models import Record
from credit.querylog import QueryLogEntry
from tests.conftest import TODAY, ingest_into, make_settings
from tests.helpers import PDF
from tests.portal import mini
from tests.portal.conftest import portal_app
from tests.portal.realname import (
    AUDITOR,
    CLERK,
    ENV_CLERK,
    ORG_A,
    ORG_B,
    ORG_ENDED,
    REVIEWER,
    SHOP,
    STAFF_ADMIN,
    client_as,
    csrf_token,
    make_staff,
)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
MAX_BYTES = 4096


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    folder = tmp_path_factory.mktemp("repairs")
    settings = make_settings(folder, instance_path=folder, repair_max_files=2, repair_max_bytes=MAX_BYTES)
    ingest_into(settings, [str(mini.write(folder / "source", TODAY))], today=TODAY)
    make_staff(settings)
    return settings


@pytest.fixture(scope="module")
def app(instance):
    return portal_app(instance)


def penalty(settings, subject: str, n: int) -> Record:
    """The mini data set's penalty number n of a subject."""
    with session_factory(settings.database_url)() as db:
        return next(r for r in db.scalars(select(Record).where(Record.subject_key == subject, Record.kind == "penalty"))
                    if r.values["doc_no"].endswith(f"〕{n}号"))


def count(settings, model, **where) -> int:
    with session_factory(settings.database_url)() as db:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return db.scalar(query)


def stored_files(settings) -> list:
    folder = settings.instance_path / repairs.PROOF_FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


def apply(client, record: Record, files=(("proof.pdf", PDF),), commitment="本单位承诺依法诚信经营。", token=True):
    from io import BytesIO

    data = {"record": record.public_id, "commitment": commitment,
            "proof": [(BytesIO(content), name) for name, content in files]}
    if token:
        data["csrf_token"] = csrf_token(client)
    return client.post("/account/repairs", data=data, content_type="multipart/form-data")


def application_of(settings, record: Record) -> repairs.RepairApplication:
    with session_factory(settings.database_url)() as db:
        return db.scalar(select(repairs.RepairApplication).where(repairs.RepairApplication.record_id == record.id)
                         .order_by(repairs.RepairApplication.id.desc()).limit(1))


def decide(client, ref: str, decision: str, reason: str = ""):
    token = csrf_token(client, f"/admin/repairs/{ref}")
    return client.post(f"/admin/repairs/{ref}/decision", data={"csrf_token": token, "decision": decision,
                                                               "reason": reason})


def text(response) -> str:
    return response.get_data(as_text=True)


def read_record(client, ref: str, purpose: str, token: bool = True):
    """A member of staff reading an application's record in full, for a stated purpose."""
    data = {"purpose": purpose}
    if token:
        data["csrf_token"] = csrf_token(client, f"/admin/repairs/{ref}")
    return client.post(f"/admin/repairs/{ref}/read", data=data)


def log_entries(settings) -> list[QueryLogEntry]:
    with session_factory(settings.database_url)() as db:
        return list(db.scalars(select(QueryLogEntry).order_by(QueryLogEntry.seq)))


# -- what the subject sees before applying ---------------------------------------------------------

def test_each_penalty_says_whether_repair_is_open_from_when_or_why_not(app, instance):
    page = text(client_as(app, ORG_A).get("/account"))
    section = page[page.index('id="repairs"'):page.index('id="codes"')]
    assert "严重失信行为的行政处罚不可信用修复" in section            # 严重 (default profile)
    assert "不予公示（简易程序），无需修复" in section and "不予公示（仅警告），无需修复" in section
    assert 'name="proof"' not in section                                # nothing open: no form
    shop = text(client_as(app, SHOP).get("/account"))
    opens = penalty(instance, SHOP.key, 7).decided_on
    assert "暂不可申请" in shop and "起可申请信用修复" in shop and str(opens.replace(year=opens.year)) in shop
    open_page = text(client_as(app, ORG_B).get("/account"))
    assert "可申请信用修复" in open_page and 'name="proof"' in open_page and 'enctype="multipart/form-data"' in open_page
    assert "信用承诺书" in open_page and "郑重承诺" in open_page          # the catalogue's commitment text


# -- the full flow: apply, approve, withdrawn everywhere --------------------------------------------

def test_apply_approve_and_the_record_leaves_every_public_view(app, instance):
    record = penalty(instance, ORG_B.key, 1)
    public = app.test_client()
    assert public.get(f"/records/{record.public_id}").status_code == 200
    assert public.get(f"/api/v1/subjects/{ORG_B.uscc}").json["counts"]["penalties"] == 1
    subject = client_as(app, ORG_B)
    # A code holder sees the penalty before the repair.
    code = _new_code(subject)
    assert record.public_id in _code_read(app, code)

    answer = apply(subject, record, files=[("缴款凭证.pdf", PDF), ("整改.png", PNG)])
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/account#repairs")
    application = application_of(instance, record)
    assert application.state == "submitted" and application.commitment == "本单位承诺依法诚信经营。"
    assert len(stored_files(instance)) == 2
    assert all(not str(p).startswith(str(instance.instance_path / "static")) for p in stored_files(instance))
    # A second submit (double click) stores nothing more.
    again = apply(subject, record)
    assert again.status_code == 303
    assert count(instance, repairs.RepairApplication, record_id=record.id) == 1 and len(stored_files(instance)) == 2
    page = text(subject.get("/account"))
    assert "信用修复审核中" in page and "提交信用修复申请" in page

    # The subject gets its own proof back; no one else does.
    with session_factory(instance.database_url)() as db:
        files = repairs.files_of(db, application)
    own = subject.get(f"/account/repairs/{application.ref}/files/{files[0].id}")
    assert own.status_code == 200 and own.data == PDF and own.mimetype == "application/pdf"
    assert "attachment" in own.headers["Content-Disposition"]
    assert client_as(app, ORG_A).get(f"/account/repairs/{application.ref}/files/{files[0].id}").status_code == 404

    # The reviewer's queue and detail; the record read through the gate for a stated purpose, logged.
    reviewer = client_as(app, REVIEWER)
    queue = text(reviewer.get("/admin/repairs"))
    assert mini.GUANGGU[0] in queue and application.ref in queue
    detail = reviewer.get(f"/admin/repairs/{application.ref}")
    assert detail.status_code == 200 and "本单位承诺依法诚信经营。" in text(detail) and "缴款凭证.pdf" in text(detail)
    full = read_record(reviewer, application.ref, f"审核信用修复申请 {application.ref}")
    assert full.status_code == 200 and "本次查阅已记入查询日志" in text(full)
    with session_factory(instance.database_url)() as db:
        read = db.scalar(select(QueryLogEntry).where(QueryLogEntry.how == "staff")
                         .order_by(QueryLogEntry.seq.desc()).limit(1))
    assert read.querier_id == REVIEWER.id_number and application.ref in read.reason and read.items == [record.public_id]
    proof = reviewer.get(f"/admin/repairs/{application.ref}/files/{files[1].id}")
    assert proof.status_code == 200 and proof.data == PNG

    answer = decide(reviewer, application.ref, "approve")
    assert answer.status_code == 303, text(answer)
    assert penalty(instance, ORG_B.key, 1).repaired_on == TODAY
    assert application_of(instance, record).state == "approved"

    # Gone from every public view at once.
    assert public.get(f"/records/{record.public_id}").status_code == 404
    assert public.get(f"/api/v1/records/{record.public_id}").status_code == 404
    body = public.get(f"/api/v1/subjects/{ORG_B.uscc}").json
    assert body["counts"]["penalties"] == 0 and body["penalties"] == []
    assert record.public_id not in text(public.get(f"/subjects/{ORG_B.uscc}"))
    hits = public.get("/api/v1/search", query_string={"q": mini.GUANGGU[0]}).json["items"]
    assert hits[0]["code"] == ORG_B.uscc and hits[0]["counts"]["penalties"] == 0
    assert record.public_id not in _code_read(app, code)
    # Still in the archive: the subject reads it as repaired, with the decision in its history.
    page = text(subject.get("/account"))
    assert "已信用修复，停止公示" in page and "批准信用修复，停止公示" in page
    # The decision is a staff action in the chain, and both the subject and the department were told.
    with session_factory(instance.database_url)() as db:
        action = db.scalar(select(QueryLogEntry).where(QueryLogEntry.how == querylog.ACTION)
                           .order_by(QueryLogEntry.seq.desc()).limit(1))
        assert action.querier_id == REVIEWER.id_number and "批准信用修复" in action.reason
        assert querylog.verify(db) == []
        told = notices.notices_for(db, notices.SUBJECT, ORG_B.key)
        assert told[0].title == "信用修复申请已批准"
        assert notices.notices_for(db, notices.DEPARTMENT, record.source_dept_code)[0].title == "信用修复申请已批准"
    # Decided once: a second decision changes nothing.
    assert decide(reviewer, application.ref, "refuse", "重复").status_code == 409
    assert application_of(instance, record).state == "approved"


def _new_code(client) -> str:
    page = client.post("/account/codes", data={"csrf_token": csrf_token(client), "purpose": "贷款审批",
                                               "kinds": ["penalty"], "days": "30", "max_uses": "5"})
    return re.search(r'id="auth-code">([0-9A-Z-]+)<', text(page)).group(1)


def _code_read(app, code: str) -> set[str]:
    shown = client_as(app, CLERK).post("/api/v1/authorized", json={"subject": ORG_B.uscc, "code": code})
    return {r["id"] for r in shown.json["records"]} if shown.status_code == 200 else set()


def test_a_refusal_needs_a_reason_keeps_the_record_public_and_the_subject_reads_why(app, instance):
    record = penalty(instance, ORG_ENDED.key, 6)
    subject = client_as(app, ORG_ENDED)
    assert apply(subject, record).status_code == 303
    ref = application_of(instance, record).ref
    reviewer = client_as(app, STAFF_ADMIN)    # an admin may do a reviewer's work
    without = decide(reviewer, ref, "refuse", "   ")
    assert without.status_code == 409 and "须说明理由" in text(without)
    assert application_of(instance, record).state == "submitted"
    assert decide(reviewer, ref, "refuse", "未提供罚款缴纳凭证").status_code == 303
    assert penalty(instance, ORG_ENDED.key, 6).repaired_on is None
    assert app.test_client().get(f"/records/{record.public_id}").status_code == 200
    page = text(subject.get("/account"))
    assert "未获批准" in page and "未提供罚款缴纳凭证" in page
    # Refused, it may apply again (still open).
    assert "可申请信用修复" in page
    with session_factory(instance.database_url)() as db:
        assert "未提供罚款缴纳凭证" in notices.notices_for(db, notices.SUBJECT, ORG_ENDED.key)[0].body


# -- attacks change nothing ---------------------------------------------------------------------------

def _close_open_applications(instance, record: Record) -> None:
    """Leave the record without an open application (earlier tests may have left one)."""
    with session_factory(instance.database_url).begin() as db:
        for row in db.scalars(select(repairs.RepairApplication).where(repairs.RepairApplication.open_for == record.id)):
            row.state, row.open_for = "refused", None


def _nothing_more(instance, before):
    assert (count(instance, repairs.RepairApplication), len(stored_files(instance))) == before


def _state(instance):
    return count(instance, repairs.RepairApplication), len(stored_files(instance))


def test_another_subjects_record_is_not_found_and_nothing_is_stored(app, instance):
    before = _state(instance)
    for record in (penalty(instance, ORG_ENDED.key, 6), penalty(instance, ORG_B.key, 1)):
        answer = apply(client_as(app, ORG_A), record)
        assert answer.status_code == 404 and "Traceback" not in text(answer)
    assert apply(client_as(app, ORG_A), Record(public_id="guessed-id-0000")).status_code == 404
    _nothing_more(instance, before)


@pytest.mark.parametrize("files, says", [
    ([("证明.pdf", b"<html><body>not a pdf</body></html>")], "不是 PDF、JPEG 或 PNG"),
    ([("a.png", b"MZ\x90\x00" + bytes(40))], "不是 PDF、JPEG 或 PNG"),
    ([("a.pdf", PDF)] * 3, "最多2个文件"),
    ([("big.pdf", PDF + bytes(MAX_BYTES))], "超过"),
    ([], "请上传"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(app, instance, files, says):
    client = client_as(app, ORG_ENDED)
    target = penalty(instance, ORG_ENDED.key, 6)
    _close_open_applications(instance, target)
    before = _state(instance)
    answer = apply(client, target, files=files)
    assert answer.status_code == 400 and says in text(answer) and "申请未提交" in text(answer)
    assert 'name="commitment"' in text(answer)
    _nothing_more(instance, before)


def test_the_commitment_is_required(app, instance):
    before = _state(instance)
    answer = apply(client_as(app, ORG_ENDED), penalty(instance, ORG_ENDED.key, 6), commitment="   ")
    assert answer.status_code == 400 and "信用承诺书" in text(answer)
    _nothing_more(instance, before)


def test_a_huge_request_is_refused_unread(app, instance):
    before = _state(instance)
    answer = apply(client_as(app, ORG_ENDED), penalty(instance, ORG_ENDED.key, 6),
                   files=[("huge.pdf", PDF + bytes(2 * MAX_BYTES + 300 * 1024))])
    assert answer.status_code == 413 and "Traceback" not in text(answer)
    _nothing_more(instance, before)


def test_a_closed_record_is_refused_with_its_reason(app, instance):
    before = _state(instance)
    severe = apply(client_as(app, ORG_A), penalty(instance, ORG_A.key, 2))
    assert severe.status_code == 400 and "严重" in text(severe)
    early = apply(client_as(app, SHOP), penalty(instance, SHOP.key, 7))
    assert early.status_code == 400 and "起可申请信用修复" in text(early)
    _nothing_more(instance, before)


def test_a_form_without_its_token_is_refused(app, instance):
    before = _state(instance)
    assert apply(client_as(app, ORG_ENDED), penalty(instance, ORG_ENDED.key, 6), token=False).status_code == 400
    _nothing_more(instance, before)
    assert app.test_client().post("/account/repairs").status_code in (302, 400)


def test_clerks_and_auditors_do_not_decide(app, instance):
    record = penalty(instance, ORG_ENDED.key, 6)
    _close_open_applications(instance, record)
    assert apply(client_as(app, ORG_ENDED), record).status_code == 303
    ref = application_of(instance, record).ref
    clerk = client_as(app, ENV_CLERK)
    assert clerk.get("/admin/repairs").status_code == 403
    assert clerk.get(f"/admin/repairs/{ref}").status_code == 403
    token = csrf_token(clerk, "/admin/subject")
    assert clerk.post(f"/admin/repairs/{ref}/decision", data={"csrf_token": token, "decision": "approve"}).status_code == 403
    auditor = client_as(app, AUDITOR)
    page = auditor.get(f"/admin/repairs/{ref}")
    assert page.status_code == 200 and 'name="decision"' not in text(page)
    assert decide(auditor, ref, "approve").status_code == 403
    subject = client_as(app, ORG_ENDED)
    assert subject.get("/admin/repairs").status_code == 403
    assert application_of(instance, record).state == "submitted"
    assert penalty(instance, ORG_ENDED.key, 6).repaired_on is None
    # And a missing token on the decision is refused too.
    reviewer = client_as(app, REVIEWER)
    assert reviewer.post(f"/admin/repairs/{ref}/decision", data={"decision": "approve"}).status_code == 400
    assert application_of(instance, record).state == "submitted"


def test_a_reviewer_does_not_decide_on_a_repair_of_their_own_record(app, instance):
    """As with objections (credit.staff.about_self): a reviewer whose ID number keys the record
    (a sole trader without a registered code is keyed by its operator's) may apply as its subject, but
    another reviewer decides; approving it oneself would take one's own penalty out of publicity."""
    from credit import staff
    from credit.logins import Identity

    own = Identity(subject="own-reviewer", name="周审核", subject_type="自然人",
                   id_number=mini.citizen_id("42010519870505123"))
    record = penalty(instance, ORG_ENDED.key, 6)
    _close_open_applications(instance, record)
    with session_factory(instance.database_url).begin() as db:
        db.get(Record, record.id).subject_key = own.id_number
        staff.grant(db, key=own.id_number, name=own.name, roles=["reviewer"], department_code=None, by=("test", "测试"))
    try:
        me = client_as(app, own)
        answer = apply(me, record)
        assert answer.status_code == 303
        ref = application_of(instance, record).ref
        page = text(me.get(f"/admin/repairs/{ref}"))
        assert "须由其他工作人员办理" in page and 'name="decision"' not in page
        answer = decide(me, ref, "approve")
        assert answer.status_code == 409 and "须由其他工作人员办理" in text(answer)
        with session_factory(instance.database_url)() as db:
            assert db.get(Record, record.id).repaired_on is None
        assert application_of(instance, record).state == "submitted"
        assert decide(client_as(app, REVIEWER), ref, "refuse", "材料不全").status_code == 303
    finally:
        with session_factory(instance.database_url).begin() as db:
            db.get(Record, record.id).subject_key = ORG_ENDED.key


def test_the_api_lists_eligibility_for_the_logged_in_subject_only(app, instance):
    from tests.portal.openapi_check import validate_response

    assert app.test_client().get("/api/v1/me/repairs").status_code == 401
    answer = client_as(app, ORG_A).get("/api/v1/me/repairs")
    assert answer.status_code == 200
    validate_response("get", "/api/v1/me/repairs", 200, answer.json)
    held = {r.public_id for r in _penalties(instance, ORG_A.key)}
    assert {i["id"] for i in answer.json["items"]} == held and answer.json["total"] == len(held)
    severe = next(i for i in answer.json["items"] if i["severity"] == "严重")
    assert severe["open"] is False and severe["opens_on"] is None and "不可信用修复" in severe["reason"]
    shop = client_as(app, SHOP).get("/api/v1/me/repairs").json["items"][0]
    assert shop["open"] is False and shop["opens_on"] > TODAY.isoformat()
    with session_factory(instance.database_url)() as db:
        last = db.scalar(select(QueryLogEntry).order_by(QueryLogEntry.seq.desc()).limit(1))
    assert last.how == "self" and last.subject_key == SHOP.key


def _penalties(settings, key: str) -> list[Record]:
    with session_factory(settings.database_url)() as db:
        return list(db.scalars(select(Record).where(Record.subject_key == key, Record.kind == "penalty")))


def test_two_reviewers_deciding_at_once_one_decides(app, instance):
    from credit.catalog import load_catalog

    record = penalty(instance, ORG_ENDED.key, 6)
    _close_open_applications(instance, record)
    assert apply(client_as(app, ORG_ENDED), record).status_code == 303
    ref = application_of(instance, record).ref
    sessions = session_factory(instance.database_url)
    first, second = sessions(), sessions()
    try:
        mine, theirs = repairs.by_ref(first, ref), repairs.by_ref(second, ref)   # both read it open
        second.commit()   # ends its read; the object keeps the state it read (expire_on_commit=False)
        kwargs = {"catalog": load_catalog("default"), "today": TODAY}
        repairs.decide(first, mine, approve=False, reason="材料不全", by=("a", "甲"), **kwargs)
        first.commit()
        with pytest.raises(repairs.RepairError, match="已审核完毕"):
            repairs.decide(second, theirs, approve=True, reason="", by=("b", "乙"), **kwargs)
        second.rollback()
    finally:
        first.close()
        second.close()
    assert application_of(instance, record).state == "refused"
    assert penalty(instance, ORG_ENDED.key, 6).repaired_on is None


def test_the_queue_is_listed_on_the_staff_start_page_for_reviewers_only(app):
    assert 'href="/admin/repairs"' in text(client_as(app, REVIEWER).get("/admin"))
    assert 'href="/admin/repairs"' not in text(client_as(app, ENV_CLERK).get("/admin"))


# -- what staff read, and what the subject sees of it ------------------------------------------------

def _open_application(app, instance):
    """A fresh open application of ORG_ENDED's public penalty, with its proof files."""
    record = penalty(instance, ORG_ENDED.key, 6)
    _close_open_applications(instance, record)
    assert apply(client_as(app, ORG_ENDED), record, files=[("凭证.pdf", PDF), ("现场.png", PNG)]).status_code == 303
    application = application_of(instance, record)
    with session_factory(instance.database_url)() as db:
        files = repairs.files_of(db, application)
    return application.ref, record, files


def test_a_staff_proof_download_is_a_read_the_subject_sees(app, instance):
    ref, record, files = _open_application(app, instance)
    for who, proof, body in ((REVIEWER, files[0], PDF), (AUDITOR, files[1], PNG)):
        before = len(log_entries(instance))
        answer = client_as(app, who).get(f"/admin/repairs/{ref}/files/{proof.id}")
        assert answer.status_code == 200 and answer.data == body
        [entry] = log_entries(instance)[before:]
        assert entry.how == "staff" and entry.querier_id == who.id_number and entry.subject_key == ORG_ENDED.key
        assert entry.items == [record.public_id] and ref in entry.reason and f"证明材料 {proof.id}" in entry.reason
        with session_factory(instance.database_url)() as db:
            assert entry.seq in {e.seq for e in querylog.reads_of(db, ORG_ENDED.key)}
    page = text(client_as(app, ORG_ENDED).get("/account"))
    looked = page[page.index('id="reads-title"'):]
    assert REVIEWER.name in looked and AUDITOR.name in looked and f"信用修复申请 {ref} 的证明材料" in looked
    # A file of another application, or none, is not found, and nothing is logged.
    before = len(log_entries(instance))
    other = application_of(instance, penalty(instance, ORG_B.key, 1))
    assert client_as(app, REVIEWER).get(f"/admin/repairs/{other.ref}/files/{files[0].id}").status_code == 404
    assert client_as(app, REVIEWER).get(f"/admin/repairs/{ref}/files/999999").status_code == 404
    assert client_as(app, ENV_CLERK).get(f"/admin/repairs/{ref}/files/{files[0].id}").status_code == 403
    assert len(log_entries(instance)) == before


def test_a_subjects_own_proof_download_is_its_own_read_through_the_gate(app, instance):
    ref, record, files = _open_application(app, instance)
    before = len(log_entries(instance))
    answer = client_as(app, ORG_ENDED).get(f"/account/repairs/{ref}/files/{files[0].id}")
    assert answer.status_code == 200 and answer.data == PDF
    [entry] = log_entries(instance)[before:]
    assert entry.how == "self" and entry.querier_id == ORG_ENDED.key and entry.subject_key == ORG_ENDED.key
    assert entry.items == [record.public_id] and entry.reason.startswith("本人查询") and ref in entry.reason


def test_the_application_page_reads_the_record_only_for_a_stated_purpose(app, instance):
    ref, record, _ = _open_application(app, instance)
    doc_no = record.values["doc_no"]
    for who in (REVIEWER, AUDITOR):
        client = client_as(app, who)
        before = len(log_entries(instance))
        page = client.get(f"/admin/repairs/{ref}")
        assert page.status_code == 200 and 'name="purpose"' in text(page) and 'action="/admin/repairs/' in text(page)
        assert "本次查阅已记入查询日志" not in text(page) and "完整信息" not in text(page)
        assert len(log_entries(instance)) == before                   # a link makes no logged read
        assert read_record(client, ref, "   ").status_code == 400
        assert read_record(client, ref, "核对文号", token=False).status_code == 400
        assert len(log_entries(instance)) == before
        full = read_record(client, ref, "核对处罚决定书文号")
        assert full.status_code == 200 and "本次查阅已记入查询日志" in text(full) and doc_no in text(full)
        [entry] = log_entries(instance)[before:]
        assert entry.how == "staff" and entry.querier_id == who.id_number and entry.reason == "核对处罚决定书文号"
        assert entry.items == [record.public_id] and entry.subject_key == ORG_ENDED.key
    clerk = client_as(app, ENV_CLERK)
    before = len(log_entries(instance))
    token = csrf_token(clerk, "/admin/subject")
    assert clerk.post(f"/admin/repairs/{ref}/read", data={"csrf_token": token, "purpose": "x"}).status_code == 403
    assert client_as(app, REVIEWER).post("/admin/repairs/no-such-ref/read",
                                         data={"csrf_token": token, "purpose": "x"}).status_code in (400, 404)
    assert len(log_entries(instance)) == before


def test_pages_reached_by_a_link_show_no_persons_name_nor_a_non_public_records_number(app, instance):
    with session_factory(instance.database_url).begin() as db:
        record = db.scalar(select(Record).where(Record.subject_key == mini.PERSON[1], Record.kind == "penalty"))
        application = repairs.RepairApplication(record_id=record.id, subject_key=record.subject_key,
                                                subject_name=mini.PERSON[0], state="submitted", open_for=record.id,
                                                commitment="本人承诺依法经营。")
        db.add(application)
        db.flush()
        ref, doc_no = application.ref, record.values["doc_no"]
    public_ref, public_record, _ = _open_application(app, instance)
    reviewer = client_as(app, REVIEWER)
    before = len(log_entries(instance))
    for path in ("/admin/repairs", f"/admin/repairs/{ref}"):
        page = text(reviewer.get(path))
        assert ref in page and "王*" in page and record.public_id in page
        assert mini.PERSON[0] not in page and doc_no not in page and mini.PERSON[1] not in page
    # An organisation's name and a public record's number need no logged read.
    queue = text(reviewer.get("/admin/repairs"))
    assert mini.PINGAN[0] in queue and public_record.values["doc_no"] in queue
    assert len(log_entries(instance)) == before
    full = read_record(reviewer, ref, "核对处罚决定书")
    assert full.status_code == 200 and doc_no in text(full)
    with session_factory(instance.database_url).begin() as db:
        db.get(repairs.RepairApplication, application.id).state = "refused"
        db.get(repairs.RepairApplication, application.id).open_for = None


def test_the_query_log_verifies_after_all_of_this(instance):
    with session_factory(instance.database_url)() as db:
        assert querylog.verify(db) == []
