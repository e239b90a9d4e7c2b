"""Objections, checks and positive-record removal over HTTP (portal/objections.py, credit/objections.py):
each procedure's lifecycle to every outcome, what the public sees at each step (pages and API, read
from the search index), suspension, statements, the department's missed deadline, and the attacks —
another subject's records, another department's requests, disguised files, missing CSRF tokens,
huge bodies, double submits — each refused with nothing changed."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from credit import notices, querylog
from credit.catalog import load_catalog
from credit.db import session_factory
from credit.models import Record
from credit.objections import EvidenceFile, ObjectionRequest, ObjectionStep
from tests.conftest import TODAY, ingest_into, make_settings
from tests.helpers import PDF, PNG
from tests.portal import mini
from tests.portal.conftest import portal_app
from tests.portal.realname import (
    ENV_CLERK,
    MARKET_CLERK,
    ORG_A,
    ORG_B,
    ORG_ENDED,
    PERSON,
    REVIEWER,
    TAX_CLERK,
    client_as,
    csrf_token,
    make_staff,
    record_of,
    requests_for,
    staffed_instance,
    trader,
)


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    return staffed_instance(tmp_path_factory.mktemp("objections"))


@pytest.fixture(scope="module")
def app(instance):
    return portal_app(instance)


@pytest.fixture(scope="module")
def yunfu(instance):
    return portal_app(replace(instance, objection_procedure="yunfu"))


def fresh(settings, public_id: str) -> Record:
    with session_factory(settings.database_url)() as db:
        return db.scalar(select(Record).where(Record.public_id == public_id))


def history(settings, ref: str) -> list[ObjectionStep]:
    with session_factory(settings.database_url)() as db:
        req = db.scalar(select(ObjectionRequest).where(ObjectionRequest.ref == ref))
        return list(db.scalars(select(ObjectionStep).where(ObjectionStep.request_id == req.id).order_by(ObjectionStep.id)))


def file(client, record_id: str, *, kind: str = "objection", reason: str = "处罚对象有误", files=(), email: str = "",
         token: bool = True):
    data = {"record": record_id, "kind": kind, "reason": reason, "email": email,
            "files": [(__import__("io").BytesIO(body), name) for body, name in files]}
    if token:
        data["csrf_token"] = csrf_token(client, "/account")
    return client.post("/account/objections", data=data, content_type="multipart/form-data")


def act(client, ref: str, action: str, note: str = "", column: str = "", value: str = ""):
    return client.post(f"/admin/objections/{ref}/act",
                       data={"csrf_token": csrf_token(client, f"/admin/objections/{ref}"), "action": action,
                             "note": note, "column": column, "value": value})


def public(client, record_id: str) -> tuple[int, str, dict | None]:
    page = client.get(f"/records/{record_id}")
    api = client.get(f"/api/v1/records/{record_id}")
    return page.status_code, page.get_data(as_text=True), api.get_json() if api.status_code == 200 else None


# -- lifecycles -----------------------------------------------------------------------------------

# (procedure, trader, the reviewer's and clerk's actions in order, outcome)
PATHS = [
    ("wuhan", 0, [("reviewer", "agrees", ""), ("clerk", "reply", "记录与报送一致"), ("reviewer", "keep", "")], "kept"),
    ("wuhan", 1, [("reviewer", "differs", ""), ("reviewer", "correct", "据原始文书更正")], "corrected"),
    ("wuhan", 2, [("reviewer", "agrees", ""), ("clerk", "reply", "许可内容录入有误"),
                  ("reviewer", "correct", "依信源单位答复更正")], "corrected"),
    ("wuhan", 3, [("reviewer", "agrees", ""), ("clerk", "reply", "原始档案缺失，无法确认"),
                  ("reviewer", "delete", "信源单位无法确认其真实性")], "deleted"),
    ("yunfu", 4, [("reviewer", "agrees", ""), ("clerk", "reply", "经核实无误"), ("reviewer", "keep", "")], "kept"),
    ("yunfu", 5, [("reviewer", "agrees", ""), ("clerk", "reply", "确有错误"), ("reviewer", "correct", "")], "corrected"),
    ("yunfu", 6, [("reviewer", "agrees", ""), ("clerk", "reply", "无法核实"), ("reviewer", "unverifiable", "")],
     "corrected_as_asked"),
]


@pytest.mark.parametrize("procedure, n, steps, outcome", PATHS, ids=[f"{p[0]}-{p[3]}-{p[1]}" for p in PATHS])
def test_objection_lifecycle(instance, app, yunfu, procedure, n, steps, outcome):
    app = yunfu if procedure == "yunfu" else app
    subject, reviewer, clerk = client_as(app, trader(n)), client_as(app, REVIEWER), client_as(app, MARKET_CLERK)
    record = record_of(instance, trader(n).uscc)
    assert public(app.test_client(), record.public_id)[0] == 200

    answer = file(subject, record.public_id, files=[(PDF, "处罚决定书.pdf")], email="")
    assert answer.status_code == 303
    status, page, api = public(app.test_client(), record.public_id)
    assert status == 200 and "异议处理中" in page and api["objection"] is True
    assert "异议处理中" in app.test_client().get(f"/subjects/{trader(n).uscc}").get_data(as_text=True)
    [req] = requests_for(instance, record.public_id)
    assert req.procedure == procedure and req.due_on is not None

    for who, action, note in steps:
        client = reviewer if who == "reviewer" else clerk
        column, value = ("content", f"更正后的许可内容{n}") if action in ("correct", "unverifiable") else ("", "")
        answer = act(client, req.ref, action, note, column, value)
        assert answer.status_code == 303, answer.get_data(as_text=True)

    [req] = requests_for(instance, record.public_id)
    assert req.state == "closed" and req.outcome == outcome
    steps_done = history(instance, req.ref)
    assert [s.action for s in steps_done] == ["file"] + [a for _, a, _ in steps]
    assert [s.actor for s in steps_done][:2] == ["subject", "staff"]
    assert steps_done[-1].outcome == outcome
    status, page, api = public(app.test_client(), record.public_id)
    if outcome == "deleted":
        assert status == 404 and api is None
        assert record.public_id not in app.test_client().get(f"/subjects/{trader(n).uscc}").get_data(as_text=True)
        assert "已删除：信源单位无法确认其真实性" in subject.get("/account").get_data(as_text=True)
    else:
        assert status == 200 and "异议处理中" not in page and api["objection"] is False
    if outcome.startswith("corrected"):
        assert f"更正后的许可内容{n}" in page and "经异议核查更正" in page
        assert api["fields"]["content"] == f"更正后的许可内容{n}" and "更正" in api["fields"]["correction_note"]
    if outcome == "kept":
        text = "本公司对该许可的范围另有说明"
        token = csrf_token(subject, "/account")
        assert subject.post(f"/account/objections/{req.ref}/statement",
                            data={"csrf_token": token, "statement": text}).status_code == 303
        status, page, api = public(app.test_client(), record.public_id)
        assert "附注声明" in page and text in page and api["fields"]["statement"] == text
        assert text in app.test_client().get(f"/subjects/{trader(n).uscc}").get_data(as_text=True)
        report = app.test_client().get(f"/subjects/{trader(n).uscc}/report.pdf")   # the public credit report too
        assert report.status_code == 200 and text in "".join(pdf_text(report.data).split())

    account = subject.get("/account").get_data(as_text=True)
    assert "已办结" in account and "处罚决定书.pdf" in account
    with session_factory(instance.database_url)() as db:
        told = notices.notices_for(db, notices.SUBJECT, trader(n).uscc)
        dept = notices.notices_for(db, notices.DEPARTMENT, mini.DEPT_MARKET[1])
        logged = [e for e in db.scalars(select(querylog.QueryLogEntry).where(querylog.QueryLogEntry.how == querylog.ACTION))
                  if f"objection:{req.ref}" in e.items]
        assert querylog.verify(db) == []
    assert len(told) == len(steps) + 1 + (outcome == "kept") and any(req.subject_name in n_.body for n_ in dept)
    assert len(logged) == len(steps)   # every staff action, in the chain


def test_department_silence_withdraws_the_record_under_wuhan(instance, app, monkeypatch, capsys):
    from indexer.__main__ import main

    subject, reviewer = client_as(app, trader(7)), client_as(app, REVIEWER)
    record = record_of(instance, trader(7).uscc)
    assert file(subject, record.public_id).status_code == 303
    [req] = requests_for(instance, record.public_id)
    assert act(reviewer, req.ref, "agrees").status_code == 303
    [req] = requests_for(instance, record.public_id)
    assert req.step == "department"
    assert req.due_on == load_catalog().calendar.add(TODAY, 10)
    monkeypatch.setenv("CREDIT_DATABASE_URL", instance.database_url)
    monkeypatch.setenv("CREDIT_SEARCH_URL", instance.search_url)

    due, after = req.due_on, (req.due_on + timedelta(days=1)).isoformat()
    assert main(["deadlines", "--today", due.isoformat()]) == 0   # the last day: still due, nothing done
    assert "今日到期" in capsys.readouterr().out
    assert not req.overdue(due) and req.overdue(due + timedelta(days=1))
    assert main(["deadlines", "--today", after]) == 0
    assert "已逾期" in capsys.readouterr().out and fresh(instance, record.public_id).withdrawn is None

    assert main(["deadlines", "--apply", "--today", after]) == 0
    assert "已处理 1 项" in capsys.readouterr().out
    [req] = requests_for(instance, record.public_id)
    assert req.state == "closed" and req.outcome == "withdrawn"
    assert history(instance, req.ref)[-1].actor == "system"
    assert "逾期未核实答复" in fresh(instance, record.public_id).withdrawn
    status, _, api = public(app.test_client(), record.public_id)
    assert status == 404 and api is None
    assert record.public_id not in app.test_client().get(f"/subjects/{trader(7).uscc}").get_data(as_text=True)
    assert "信源单位逾期未核实答复" in subject.get("/account").get_data(as_text=True)
    assert main(["deadlines", "--apply", "--today", after]) == 0   # nothing left to do
    assert "已处理 0 项" in capsys.readouterr().out


def test_removal_of_a_positive_record_tells_the_department(instance, app):
    subject, reviewer = client_as(app, ORG_ENDED), client_as(app, REVIEWER)
    with session_factory(instance.database_url)() as db:
        entry = db.scalar(select(Record).where(Record.subject_key == mini.PINGAN[1], Record.kind == "list",
                                               Record.values["list_name"].as_string() == "守合同重信用企业"))
        penalty = db.scalars(select(Record).where(Record.subject_key == mini.PINGAN[1], Record.kind == "penalty")).first()
    assert "申请移除" in subject.get("/account").get_data(as_text=True)
    assert file(subject, penalty.public_id, kind="removal").status_code == 400   # not a positive record
    assert requests_for(instance, penalty.public_id) == []
    assert entry.public_id in app.test_client().get("/lists/red").get_data(as_text=True)
    assert file(subject, entry.public_id, kind="removal", reason="本企业申请不再公示").status_code == 303
    [req] = requests_for(instance, entry.public_id)
    assert req.kind == "removal" and req.due_on == load_catalog().calendar.add(TODAY, 2)
    assert act(reviewer, req.ref, "remove").status_code == 303
    assert public(app.test_client(), entry.public_id)[0] == 404
    assert entry.public_id not in app.test_client().get("/lists/red").get_data(as_text=True)
    with session_factory(instance.database_url)() as db:
        assert any("移除" in n.title for n in notices.notices_for(db, notices.DEPARTMENT, entry.source_dept_code))


def test_a_check_suspends_publication_and_lifting_restores_it(instance, app):
    reviewer = client_as(app, REVIEWER)
    record = record_of(instance, trader(8).uscc)
    answer = reviewer.post("/admin/objections/checks", data={
        "csrf_token": csrf_token(reviewer, "/admin/objections"), "record": record.public_id,
        "reason": "信源单位报送的名称与登记不一致", "suspend": "1"})
    assert answer.status_code == 303
    ref = answer.headers["Location"].rsplit("/", 1)[-1]
    status, _, api = public(app.test_client(), record.public_id)
    assert status == 404 and api is None
    assert app.test_client().get(f"/api/v1/subjects/{trader(8).uscc}").status_code == 404   # its only public record
    assert "异议核查中，暂停公示" in client_as(app, trader(8)).get("/account").get_data(as_text=True)
    queue = reviewer.get("/admin/objections").get_data(as_text=True)
    assert ref in queue and "暂停公示" in queue
    assert reviewer.post(f"/admin/objections/{ref}/lift",
                         data={"csrf_token": csrf_token(reviewer, f"/admin/objections/{ref}")}).status_code == 303
    status, page, api = public(app.test_client(), record.public_id)
    assert status == 200 and api["objection"] is False
    assert reviewer.post(f"/admin/objections/{ref}/suspend",
                         data={"csrf_token": csrf_token(reviewer, f"/admin/objections/{ref}")}).status_code == 303
    assert public(app.test_client(), record.public_id)[0] == 404
    assert [s.action for s in history(instance, ref)] == ["open", "suspend", "lift", "suspend"]


def test_staff_read_the_record_through_the_gate_and_files_are_logged(instance, app):
    subject, reviewer = client_as(app, trader(9)), client_as(app, REVIEWER)
    record = record_of(instance, trader(9).uscc)
    assert file(subject, record.public_id, files=[(PNG, "现场照片.png")]).status_code == 303
    [req] = requests_for(instance, record.public_id)
    page = reviewer.get(f"/admin/objections/{req.ref}").get_data(as_text=True)
    file_ref = re.search(r"/files/([\w-]+)", page).group(1)
    before = _reads(instance)
    answer = reviewer.get(f"/admin/objections/{req.ref}/files/{file_ref}")
    assert answer.status_code == 200 and answer.data == PNG and answer.mimetype == "image/png"
    assert "attachment" in answer.headers["Content-Disposition"]
    answer = reviewer.post(f"/admin/objections/{req.ref}/read",
                           data={"csrf_token": csrf_token(reviewer, f"/admin/objections/{req.ref}"), "purpose": "核查异议"})
    assert answer.status_code == 200 and "本次查阅已记入查询日志" in answer.get_data(as_text=True)
    logged = _reads(instance)[len(before):]
    assert [e.how for e in logged] == ["staff", "staff"] and logged[1].reason == "核查异议"
    assert subject.get(f"/account/objections/{req.ref}/files/{file_ref}").data == PNG
    # Never publicly, never to another subject, never to another department's clerk.
    assert app.test_client().get(f"/account/objections/{req.ref}/files/{file_ref}").status_code == 302
    assert client_as(app, ORG_B).get(f"/account/objections/{req.ref}/files/{file_ref}").status_code == 404
    assert client_as(app, ENV_CLERK).get(f"/admin/objections/{req.ref}/files/{file_ref}").status_code == 404


def _entries(settings) -> list:
    with session_factory(settings.database_url)() as db:
        return list(db.scalars(select(querylog.QueryLogEntry).order_by(querylog.QueryLogEntry.seq)))


def test_evidence_downloads_are_reads_through_the_gate_the_subjects_own_as_self(instance, app):
    subject, reviewer = client_as(app, trader(12)), client_as(app, REVIEWER)
    record = record_of(instance, trader(12).uscc)
    assert file(subject, record.public_id, files=[(PDF, "证明.pdf")]).status_code == 303
    [req] = requests_for(instance, record.public_id)
    page = subject.get("/account").get_data(as_text=True)
    file_ref = re.search(rf"/account/objections/{req.ref}/files/([\w-]+)", page).group(1)
    before = len(_entries(instance))
    assert subject.get(f"/account/objections/{req.ref}/files/{file_ref}").data == PDF
    [own] = _entries(instance)[before:]
    assert own.how == "self" and own.querier_id == trader(12).uscc and own.subject_key == trader(12).uscc
    assert own.items == [record.public_id] and own.reason.startswith("本人查询") and file_ref in own.reason
    before = len(_entries(instance))
    assert reviewer.get(f"/admin/objections/{req.ref}/files/{file_ref}").data == PDF
    [read] = _entries(instance)[before:]
    assert read.how == "staff" and read.querier_id == REVIEWER.id_number and read.items == [record.public_id]
    assert req.ref in read.reason and file_ref in read.reason
    looked = subject.get("/account").get_data(as_text=True)
    looked = looked[looked.index('id="reads-title"'):]
    assert REVIEWER.name in looked and file_ref in looked
    # Another subject, or a guessed file, is not found and logs nothing.
    before = len(_entries(instance))
    assert client_as(app, ORG_B).get(f"/account/objections/{req.ref}/files/{file_ref}").status_code == 404
    assert subject.get(f"/account/objections/{req.ref}/files/guessed").status_code == 404
    assert len(_entries(instance)) == before


def test_queues_and_the_request_page_show_no_persons_name_nor_a_non_public_records_number(instance, app):
    with session_factory(instance.database_url)() as db:   # 自然人, never public
        record = db.scalar(select(Record).where(Record.subject_key == PERSON.id_number, Record.kind == "penalty"))
    doc_no = record.values["doc_no"]
    assert file(client_as(app, PERSON), record.public_id, reason="处罚对象不是本人").status_code == 303
    [req] = requests_for(instance, record.public_id)
    reviewer = client_as(app, REVIEWER)
    clerk = client_as(app, next(c for c in (MARKET_CLERK, ENV_CLERK, TAX_CLERK) if _clerk_of(c) == record.source_dept_code))
    before = len(_entries(instance))
    pages = [reviewer.get("/admin/objections"), reviewer.get(f"/admin/objections/{req.ref}"),
             clerk.get("/admin/objections/department"), clerk.get(f"/admin/objections/{req.ref}")]
    for page in pages:
        # The department's own notices (the source department is told of each request, by name) are
        # not a read of the record: the queue and the request are what is checked here.
        body = page.get_data(as_text=True).split("<h2>通知</h2>")[0]
        assert page.status_code == 200 and req.ref in body and "王*" in body and record.public_id in body
        assert PERSON.name not in body and doc_no not in body and PERSON.id_number not in body
    assert len(_entries(instance)) == before                        # no page view is a logged read
    # An organisation's name and a public record's number are shown as before.
    other = record_of(instance, trader(13).uscc)
    assert file(client_as(app, trader(13)), other.public_id).status_code == 303
    queue = reviewer.get("/admin/objections").get_data(as_text=True)
    assert trader(13).name in queue and other.values["doc_no"] in queue
    # The record in full only for a stated purpose, logged.
    answer = reviewer.post(f"/admin/objections/{req.ref}/read",
                           data={"csrf_token": csrf_token(reviewer, f"/admin/objections/{req.ref}"), "purpose": "核对文号"})
    assert answer.status_code == 200 and doc_no in answer.get_data(as_text=True)
    read = _entries(instance)[-1]
    assert read.how == "staff" and read.reason == "核对文号" and read.items == [record.public_id]


def _clerk_of(identity) -> str:
    return {MARKET_CLERK: mini.DEPT_MARKET[1], ENV_CLERK: mini.DEPT_ENV[1], TAX_CLERK: mini.DEPT_TAX[1]}[identity]


def _reads(settings):
    with session_factory(settings.database_url)() as db:
        return list(db.scalars(select(querylog.QueryLogEntry).where(querylog.QueryLogEntry.how == "staff")
                               .order_by(querylog.QueryLogEntry.seq)))


# -- attacks -------------------------------------------------------------------------------------

def _count(settings, model) -> int:
    with session_factory(settings.database_url)() as db:
        return db.scalar(select(func.count()).select_from(model))


def test_a_subject_cannot_act_on_another_subjects_records(instance, app):
    owner, other = client_as(app, trader(10)), client_as(app, ORG_B)
    record = record_of(instance, trader(10).uscc)
    before = _count(instance, ObjectionRequest)
    assert file(other, record.public_id).status_code == 404
    assert file(other, "no-such-record").status_code == 404
    assert _count(instance, ObjectionRequest) == before and fresh(instance, record.public_id).objection is None
    assert file(owner, record.public_id).status_code == 303
    [req] = requests_for(instance, record.public_id)
    token = csrf_token(other, "/account")
    assert other.post(f"/account/objections/{req.ref}/statement", data={"csrf_token": token, "statement": "x"}).status_code == 404
    assert other.post("/account/objections/guessed-ref/statement", data={"csrf_token": token, "statement": "x"}).status_code == 404
    assert req.ref not in other.get("/account").get_data(as_text=True)
    assert client_as(app, ORG_A).get("/admin/objections").status_code == 403
    answer = client_as(app, ORG_A).post(f"/admin/objections/{req.ref}/act", data={"csrf_token": token, "action": "agrees"})
    assert answer.status_code in (400, 403)
    assert requests_for(instance, record.public_id)[0].step == req.step


def test_a_clerk_sees_and_answers_only_its_own_departments_requests(instance, app):
    subject, reviewer = client_as(app, ORG_A), client_as(app, REVIEWER)
    with session_factory(instance.database_url)() as db:   # the 严重 penalty, sent by the environment bureau
        record = db.scalar(select(Record).where(Record.subject_key == mini.CHANGJIANG[1],
                                                Record.source_dept_code == mini.DEPT_ENV[1]))
    assert file(subject, record.public_id).status_code == 303
    [req] = requests_for(instance, record.public_id)
    assert act(reviewer, req.ref, "agrees").status_code == 303
    tax, env = client_as(app, TAX_CLERK), client_as(app, ENV_CLERK)
    assert req.ref not in tax.get("/admin/objections/department").get_data(as_text=True)
    assert req.ref in env.get("/admin/objections/department").get_data(as_text=True)
    assert tax.get(f"/admin/objections/{req.ref}").status_code == 404
    token = csrf_token(tax, "/admin/objections/department")
    assert tax.post(f"/admin/objections/{req.ref}/act", data={"csrf_token": token, "action": "reply",
                                                              "note": "冒名答复"}).status_code == 404
    assert tax.post(f"/admin/objections/{req.ref}/suspend", data={"csrf_token": token}).status_code == 403
    assert tax.get("/admin/objections").status_code == 403
    assert requests_for(instance, record.public_id)[0].step == "department"
    assert act(reviewer, req.ref, "reply", "审核人员不能代答").status_code == 400   # the department's step
    assert act(env, req.ref, "reply", "经核实，记录与原始文书一致").status_code == 303
    assert requests_for(instance, record.public_id)[0].step == "answer"
    assert act(env, req.ref, "keep").status_code == 400                           # the reviewer's step


def test_disguised_and_oversized_files_and_double_submits_are_refused(instance, app, tmp_path):
    small = portal_app(replace(instance, objection_max_files=2, objection_max_bytes=1000))
    subject = client_as(small, trader(11))
    record = record_of(instance, trader(11).uscc)
    before = (_count(instance, ObjectionRequest), _count(instance, EvidenceFile))
    folder = instance.instance_path / "objection-files"
    stored = set(folder.glob("*"))
    refused = [
        [(b"MZ\x90\x00\x03" + b"\x00" * 60, "证明.pdf")],                       # a Windows program named .pdf
        [(b"<html><script>alert(1)</script></html>", "photo.png")],             # HTML sent as a PNG
        [(PDF, "a.pdf"), (PDF, "b.pdf"), (PDF, "c.pdf")],                       # too many
        [(PDF + b"0" * 1000, "big.pdf")],                                       # too large
        [(b"", "empty.pdf")],
    ]
    for files in refused:
        answer = file(subject, record.public_id, files=files)
        assert answer.status_code == 400, files[0][1]
        assert "Traceback" not in answer.get_data(as_text=True)
    answer = subject.post("/account/objections", data={"csrf_token": csrf_token(subject), "record": record.public_id,
                                                       "kind": "objection", "reason": "x",
                                                       "files": [(__import__("io").BytesIO(b"%PDF" + b"0" * 300_000), "f.pdf")]},
                          content_type="multipart/form-data")
    assert answer.status_code == 413                                            # the whole body over the limit
    assert file(subject, record.public_id, token=False).status_code == 400      # no CSRF token
    assert file(subject, record.public_id, reason="x" * 5000).status_code == 400
    assert file(subject, record.public_id, email="not an address").status_code == 400
    assert (_count(instance, ObjectionRequest), _count(instance, EvidenceFile)) == before
    assert set(folder.glob("*")) == stored
    assert fresh(instance, record.public_id).objection is None
    assert file(subject, record.public_id, files=[(PDF, "ok.pdf")]).status_code == 303
    assert file(subject, record.public_id, files=[(PDF, "ok.pdf")]).status_code == 400   # a double submit
    assert len(requests_for(instance, record.public_id)) == 1
    with session_factory(instance.database_url)() as db:
        [row] = db.scalars(select(EvidenceFile).where(EvidenceFile.request_id == requests_for(instance, record.public_id)[0].id))
    assert row.content_type == "application/pdf" and row.stored.endswith(".pdf") and "ok" not in row.stored
    assert (instance.instance_path / "objection-files" / row.stored).read_bytes() == PDF


def test_a_refused_objection_shows_its_form_again_with_what_was_typed(instance, app):
    """A subject who typed a long reason and attached the wrong file gets the form back, filled in as
    sent, with what was wrong: not a bare error page that loses the reason."""
    subject = client_as(app, trader(14))
    record = record_of(instance, trader(14).uscc)
    reason = "决定书文号有误，应为〔2026〕120号；整改已于9月完成 <见附件>"
    answer = file(subject, record.public_id, reason=reason, email="chen@example.com",
                  files=[(b"<html>not a pdf</html>", "证明.pdf")])
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "不是 PDF、JPEG 或 PNG" in page and "申请未提交" in page
    assert re.search(r'<textarea[^>]*name="reason"[^>]*>决定书文号有误，应为〔2026〕120号；整改已于9月完成 &lt;见附件&gt;</textarea>',
                     page)
    assert re.search(r'<input[^>]*name="email"[^>]*value="chen@example.com"', page)
    assert f'name="record" value="{record.public_id}"' in page and 'action="/account/objections"' in page
    assert record.values["doc_no"] in page                                  # which record it was
    answer = file(subject, record.public_id, reason=reason, email="not an address")
    assert answer.status_code == 400 and "电子邮箱地址格式不正确" in answer.get_data(as_text=True)
    assert 'value="not an address"' in answer.get_data(as_text=True)
    assert requests_for(instance, record.public_id) == []
    assert file(subject, "no-such-record", reason=reason).status_code == 404   # still no form for what is not its own


def test_the_history_is_append_only(instance):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    with session_factory(instance.database_url)() as db:
        if not db.scalar(select(func.count()).select_from(ObjectionStep)):
            pytest.skip("no history yet")
    for statement in ("UPDATE objection_steps SET note = 'x'", "DELETE FROM objection_steps"):
        with pytest.raises(DatabaseError), session_factory(instance.database_url).begin() as db:
            db.execute(text(statement))


def test_disagreeing_departments_are_flagged(tmp_path):
    folder = tmp_path
    settings = make_settings(folder, instance_path=folder)
    source = mini.write(folder / "source", TODAY)
    import csv
    rows = list(csv.reader((source / "licences.csv").open(encoding="utf-8")))
    header, first = rows[0], rows[1]
    other = dict(zip(header, first))
    other[header[0]] = "武汉市光谷科技股份公司"                    # the same code, another name
    other["行政许可决定文书号"] = "鄂武环许〔2026〕99号"
    other["数据来源单位统一社会信用代码"] = mini.DEPT_ENV[1]
    other["数据来源单位"] = mini.DEPT_ENV[0]
    with (source / "licences.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow([other[h] for h in header])
    ingest_into(settings, [str(source)], today=TODAY)
    make_staff(settings)
    page = client_as(portal_app(settings), REVIEWER).get("/admin/objections").get_data(as_text=True)
    assert "同一代码，多个名称" in page and "武汉市光谷科技股份公司" in page and mini.GUANGGU[1] in page


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
