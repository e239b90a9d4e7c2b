"""Objection procedures as catalogue data, their working-day deadlines (across the 2026 National Day
holiday and its adjusted working Saturday, and into a year no calendar covers), the deadlines
command, and e-mail copies of the notices against a local SMTP sink."""
from __future__ import annotations

import socket
import time
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from credit import notices, objections, staff
from credit.catalog import load_catalog
from credit.config import Settings
from credit.db import session_factory
from credit.models import Record
from credit.workdays import load_calendar
from tests.conftest import TODAY, ingest_into, make_settings
from tests.portal import mini
from tests.portal.conftest import portal_app
from tests.portal.realname import REVIEWER, csrf_token, log_in, make_staff, trader

NOW = datetime(2026, 9, 30, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deadlines")
    settings = make_settings(folder, instance_path=folder)
    ingest_into(settings, [str(mini.write(folder / "source", TODAY))], today=TODAY)
    make_staff(settings)
    return settings


def _file(settings, n: int, today: date, procedure: str = "wuhan", email: str | None = None):
    catalog = load_catalog()
    with session_factory(settings.database_url).begin() as db:
        record = db.scalars(select(Record).where(Record.subject_key == trader(n).uscc)).first()
        done = objections.file_request(db, catalog, catalog.procedure(procedure), catalog.calendar, trader(n),
                                       kind="objection", record_id=record.public_id, reason="记录有误", email=email or "",
                                       uploads=[], instance_path=settings.instance_path, max_files=5, max_bytes=1000,
                                       today=today, now=NOW)
        return done.request.ref


def _act(settings, ref: str, action: str, today: date, calendar=None, note: str = ""):
    catalog = load_catalog()
    with session_factory(settings.database_url).begin() as db:
        member = staff.find(db, REVIEWER.id_number)
        actor = objections.staff_actor(member, "ref")
        objections.act(db, catalog, calendar or catalog.calendar, member, actor, ref, action, note=note, today=today,
                       now=NOW)
        return db.scalar(select(objections.ObjectionRequest).where(objections.ObjectionRequest.ref == ref))


# -- the catalogue ----------------------------------------------------------------------------------

def test_each_profile_names_its_procedure_and_a_setting_may_override_it(monkeypatch):
    for profile in ("default", "national2026"):
        assert load_catalog(profile).procedure().name == "wuhan"
    catalog = load_catalog()
    assert catalog.procedure("yunfu").steps["department"].days == 5
    wuhan = catalog.procedure("wuhan")
    assert (wuhan.steps["compare"].days, wuhan.steps["department"].days, wuhan.steps["answer"].days) == (2, 10, 5)
    assert wuhan.steps["department"].on_missed == "outcome:withdrawn" and wuhan.steps["removal"].days == 2
    assert {o["effect"] for o in wuhan.outcomes.values()} == {"keep", "correct", "delete", "withdraw"}
    monkeypatch.setenv("CREDIT_OBJECTION_PROCEDURE", "yunfu")
    assert Settings().objection_procedure == "yunfu"
    with pytest.raises(ValueError, match="unknown objection procedure"):
        catalog.procedure("nowhere")


# -- working days -----------------------------------------------------------------------------------

def test_deadlines_cross_the_national_day_holiday_and_count_the_adjusted_saturday():
    calendar = load_catalog().calendar
    assert not calendar.is_workday(date(2026, 10, 5)) and calendar.is_workday(date(2026, 10, 10))   # 调休 Saturday
    assert calendar.add(date(2026, 9, 30), 2) == date(2026, 10, 9)
    assert calendar.add(date(2026, 9, 30), 3) == date(2026, 10, 10)     # the working Saturday counts
    assert calendar.add(date(2026, 9, 30), 10) == date(2026, 10, 20)
    assert calendar.add(date(2026, 9, 30), 5) == date(2026, 10, 13)


def test_a_requests_due_dates_follow_the_working_day_calendar(instance):
    ref = _file(instance, 0, date(2026, 9, 30))
    with session_factory(instance.database_url)() as db:
        req = db.scalar(select(objections.ObjectionRequest).where(objections.ObjectionRequest.ref == ref))
        assert (req.step, req.due_on) == ("compare", date(2026, 10, 9))
    req = _act(instance, ref, "agrees", date(2026, 9, 30))
    assert (req.step, req.due_on) == ("department", date(2026, 10, 20))


def test_a_deadline_in_an_uncovered_year_is_never_guessed(instance, monkeypatch, capsys, tmp_path):
    from indexer.__main__ import main

    assert not load_catalog().calendar.covers(2027)
    ref = _file(instance, 1, date(2026, 12, 28))
    req = _act(instance, ref, "agrees", date(2026, 12, 28))
    assert req.due_on is None and req.uncovered_year == 2027
    monkeypatch.setenv("CREDIT_DATABASE_URL", instance.database_url)
    monkeypatch.setenv("CREDIT_SEARCH_URL", instance.search_url)
    assert main(["deadlines", "--today", "2026-12-29"]) == 5
    assert "2027 年的节假日安排尚未收录" in capsys.readouterr().err
    client = portal_app(instance).test_client()
    log_in(client, REVIEWER)
    page = client.get("/admin/objections").get_data(as_text=True)
    assert "期限无法计算" in page and "2027" in page

    override = tmp_path / "calendar.yaml"
    override.write_text("years:\n  2027:\n    holidays: [2027-01-01]\n    workdays: []\n", encoding="utf-8")
    assert main(["deadlines", "--today", "2026-12-29", "--calendar", str(override)]) == 0
    with session_factory(instance.database_url)() as db:
        req = db.scalar(select(objections.ObjectionRequest).where(objections.ObjectionRequest.ref == ref))
        assert req.due_on == date(2027, 1, 12) and req.uncovered_year is None
    assert load_calendar(override).add(date(2026, 12, 28), 10) == date(2027, 1, 12)


# -- e-mail ---------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp_sink():
    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller.port, handler.messages
    controller.stop()


def _file_on_the_web(app, n: int, email: str):
    client = app.test_client()
    log_in(client, trader(n))
    with session_factory(app.config["CREDIT_SETTINGS"].database_url)() as db:
        record = db.scalars(select(Record).where(Record.subject_key == trader(n).uscc)).first()
    return client.post("/account/objections", data={"csrf_token": csrf_token(client), "record": record.public_id,
                                                     "kind": "objection", "reason": "记录有误", "email": email},
                       content_type="multipart/form-data")


def test_notices_are_copied_by_email_to_the_subject_and_the_department(instance, smtp_sink):
    port, messages = smtp_sink
    with session_factory(instance.database_url).begin() as db:
        db.merge(objections.DepartmentContact(code=mini.DEPT_MARKET[1], email="market@example.org", updated_at=NOW))
    app = portal_app(replace(instance, smtp_host="127.0.0.1", smtp_port=port, smtp_from="credit@example.org"))
    assert _file_on_the_web(app, 2, "owner@example.com").status_code == 303
    for _ in range(50):
        if len(messages) >= 2:
            break
        time.sleep(0.05)
    assert sorted(to for tos, _ in messages for to in tos) == ["market@example.org", "owner@example.com"]
    assert all("credit@example.org" in body for _, body in messages)


def test_a_failing_mail_server_loses_neither_the_request_nor_the_notice(instance):
    app = portal_app(replace(instance, smtp_host="127.0.0.1", smtp_port=_free_port()))   # nobody listens
    assert _file_on_the_web(app, 3, "owner@example.com").status_code == 303
    with session_factory(instance.database_url)() as db:
        assert db.scalar(select(objections.ObjectionRequest).where(objections.ObjectionRequest.subject_key == trader(3).uscc))
        assert notices.notices_for(db, notices.SUBJECT, trader(3).uscc)


def test_a_withdrawn_record_is_hidden_and_over_for_code_holders_too():
    from credit.publicity import ended, publicity

    catalog = load_catalog()
    values = {"subject_type": "法人及非法人组织", "decided_on": TODAY.isoformat(), "valid_to": "2099-01-01",
              "status": "1"}
    assert publicity("licence", values, catalog, TODAY).public
    shown = publicity("licence", values, catalog, TODAY, withdrawn="已删除：无法确认真实性")
    assert not shown.public and shown.state == "已删除：无法确认真实性"
    assert ended("licence", values, catalog, TODAY, withdrawn="已删除：无法确认真实性")
    assert not ended("licence", values, catalog, TODAY, withdrawn=None)
