"""Who sees which non-public record (SPEC §6): the subject itself, code holders, everyone else —
asserted on content, with every allowed read logged exactly once and every refusal saying nothing."""
from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from credit import querylog
from credit.catalog import load_catalog
from credit.db import session_factory
from credit.logins import Identity
from credit.models import Record
from credit.querylog import QueryLogEntry
from tests.conftest import TODAY, ingest_into, make_settings
from tests.portal import mini
from tests.portal.conftest import portal_app
from tests.portal.realname import (
    CLERK,
    CLERK_2,
    ORG_A,
    ORG_B,
    ORG_ENDED,
    PERSON,
    REVIEWER,
    SHOP,
    client_as,
    csrf_token,
    log_in,
    make_staff,
    trader,
)

NOW = datetime.now(timezone.utc)
FULL_WIDTH = str.maketrans("0123456789ABCDEFGHJKLMNPQRTUWXY", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def instance(request, tmp_path_factory):
    """The mini data set in a database of its own, on SQLite and on PostgreSQL."""
    folder = tmp_path_factory.mktemp("access")
    database = {"database_url": request.getfixturevalue("postgres_url")} if request.param == "postgresql" else {}
    settings = make_settings(folder, ratelimit_code_tries="1000/minute", **database)
    report = ingest_into(settings, [str(mini.write(folder / "source", TODAY))], today=TODAY)
    assert report.total("rejected") == 0
    make_staff(settings)
    return settings


@pytest.fixture(scope="module")
def app(instance):
    return portal_app(instance)


def records_of(settings, key: str) -> dict[str, Record]:
    with session_factory(settings.database_url)() as db:
        return {r.public_id: r for r in db.scalars(select(Record).where(Record.subject_key == key))}


def log_count(settings) -> int:
    with session_factory(settings.database_url)() as db:
        return db.scalar(select(func.count()).select_from(QueryLogEntry))


def last_entry(settings) -> QueryLogEntry:
    with session_factory(settings.database_url)() as db:
        return db.scalar(select(QueryLogEntry).order_by(QueryLogEntry.seq.desc()).limit(1))


def new_code(client, kinds=("licence", "penalty", "list"), unpublished=False, days=30, uses=3,
             purpose="贷款审批") -> str:
    form = {"csrf_token": csrf_token(client), "purpose": purpose, "kinds": list(kinds), "days": str(days),
            "max_uses": str(uses)}
    if unpublished:
        form["include_unpublished"] = "1"
    page = client.post("/account/codes", data=form)
    assert page.status_code == 200, page.get_data(as_text=True)
    return re.search(r'id="auth-code">([0-9A-Z-]+)<', page.get_data(as_text=True)).group(1)


def querier(n: int) -> Identity:
    """A bank clerk of its own, for a test that spends its tries."""
    return Identity(subject=f"querier-{n}", name=f"查询{n}", subject_type="自然人",
                    id_number=mini.citizen_id(f"4201011990010{n:04d}"))


def use(client, subject: str, code: str):
    return client.post("/api/v1/authorized", json={"subject": subject, "code": code})


# -- anonymous -------------------------------------------------------------------------------------

def test_anonymous_reaches_nothing_non_public(app):
    client = client_as(app)
    assert client.get("/account").headers["Location"].endswith("/login")
    assert client.get("/authorized").headers["Location"].endswith("/login")
    me = client.get("/api/v1/me")
    assert me.status_code == 401 and me.json["error"]["code"] == "login_required"
    refused = use(client, mini.CHANGJIANG[1], "AAAAA-AAAAA-AAAAA-AAAAA")
    assert refused.status_code == 401 and "records" not in refused.json


# -- one's own record ------------------------------------------------------------------------------

@pytest.mark.parametrize("who", [ORG_A, PERSON, SHOP], ids=["organisation", "natural-person", "sole-trader"])
def test_a_subject_sees_every_record_held_about_it_and_nothing_else(app, instance, who):
    held = records_of(instance, who.key)
    assert held
    before = log_count(instance)
    me = client_as(app, who).get("/api/v1/me")
    assert me.status_code == 200 and me.headers["Cache-Control"] == "no-store"
    shown = {r["id"]: r for r in me.json["records"]}
    assert set(shown) == set(held)
    assert me.json["subject"]["key"] == who.key
    # Exactly one log entry, listing exactly what was shown.
    assert log_count(instance) == before + 1
    entry = last_entry(instance)
    assert (entry.how, entry.querier_id, entry.subject_key, sorted(entry.items)) == \
           ("self", who.key, who.key, sorted(held))


def test_states_and_reasons_are_shown_to_the_subject(app):
    states = {r["fields"].get("doc_no") or r["fields"].get("list_name"): r["state"]
              for r in client_as(app, ORG_A).get("/api/v1/me").json["records"]}
    assert states["武市监罚〔{}〕3号".format((TODAY - timedelta(days=300)).year)] == "不予公示（简易程序）"
    assert states["武市监罚〔{}〕4号".format((TODAY - timedelta(days=310)).year)] == "不予公示（仅警告）"
    assert states["严重违法失信企业"] == "公示中"
    ended = {r["state"] for r in client_as(app, ORG_ENDED).get("/api/v1/me").json["records"]}
    assert {"已过公示期", "已移出名单", "公示中"} <= ended
    person = {r["state"] for r in client_as(app, PERSON).get("/api/v1/me").json["records"]}
    assert "自然人信息不公开" in person


def test_a_natural_person_sees_its_own_id_number_and_others_see_it_masked(app):
    mine = client_as(app, PERSON).get("/api/v1/me").get_data(as_text=True)
    assert mini.PERSON[1] in mine
    shop = client_as(app, SHOP).get("/api/v1/me").get_data(as_text=True)
    assert mini.SHOP_OPERATOR_ID not in shop
    assert mini.SHOP_OPERATOR_ID[:6] + "********" + mini.SHOP_OPERATOR_ID[-4:] in shop


def test_the_account_page_lists_records_and_no_one_elses(app):
    page = client_as(app, ORG_A).get("/account").get_data(as_text=True)
    assert mini.CHANGJIANG[0] in page and "不予公示（简易程序）" in page
    assert mini.GUANGGU[0] not in page and "鄂武市监许" not in page   # B's licences
    assert mini.CHANGJIANG[1] in page


def test_nothing_typed_widens_whose_record_is_shown(app):
    client = client_as(app, ORG_B)
    for path in (f"/api/v1/me?code={mini.CHANGJIANG[1]}", f"/api/v1/me?subject={mini.CHANGJIANG[1]}",
                 f"/account?code={mini.CHANGJIANG[1]}"):
        body = client.get(path).get_data(as_text=True)
        assert mini.CHANGJIANG[0] not in body and mini.GUANGGU[0] in body


# -- authorization codes ---------------------------------------------------------------------------

def test_a_code_is_shown_once_and_stored_only_as_a_keyed_hash(app, instance):
    owner = client_as(app, ORG_A)
    code = new_code(owner)
    assert len(code.replace("-", "")) == 20
    assert code not in owner.get("/account").get_data(as_text=True)
    assert "…" + code[-4:] in owner.get("/account").get_data(as_text=True)
    with session_factory(instance.database_url)() as db:
        dump = "\n".join(str(row) for row in db.execute(text("SELECT * FROM authorization_codes")))
    assert code not in dump and code.replace("-", "") not in dump
    assert hashlib.sha256(code.replace("-", "").encode()).hexdigest() not in dump   # keyed, not a bare hash


def test_a_code_holder_sees_exactly_the_scope(app, instance):
    owner, clerk = client_as(app, ORG_A), client_as(app, CLERK)
    held = records_of(instance, ORG_A.key)
    public_penalties = {i for i, r in held.items() if r.kind == "penalty" and "〔" in r.values["doc_no"]
                        and r.values.get("procedure") != "简易程序" and r.values.get("penalty_types") != ["警告"]}
    code = new_code(owner, kinds=("penalty",))
    shown = use(clerk, mini.CHANGJIANG[1], code)
    assert shown.status_code == 200
    assert {r["id"] for r in shown.json["records"]} == public_penalties
    assert all(r["kind"] == "penalty" and r["public"] for r in shown.json["records"])

    wider = new_code(owner, kinds=("penalty", "list"), unpublished=True)
    shown = use(clerk, mini.CHANGJIANG[0], wider)   # by exact name this time
    states = {r["state"] for r in shown.json["records"]}
    assert {"公示中", "不予公示（简易程序）", "不予公示（仅警告）"} <= states
    assert {r["kind"] for r in shown.json["records"]} == {"penalty", "list"}


def test_ended_and_removed_records_are_never_a_code_holders(app, instance):
    code = new_code(client_as(app, ORG_ENDED), unpublished=True)
    shown = use(client_as(app, CLERK), mini.PINGAN[1], code)
    assert shown.status_code == 200
    states = {r["state"] for r in shown.json["records"]}
    assert "已过公示期" not in states and "已移出名单" not in states
    held = {r.values.get("doc_no") for r in records_of(instance, ORG_ENDED.key).values()}
    assert any(doc for doc in held if doc and doc.endswith("5号"))
    assert all(not (r["fields"].get("doc_no") or "").endswith("5号") for r in shown.json["records"])


def test_each_use_is_logged_once_and_the_subject_sees_who_looked(app, instance):
    owner, clerk = client_as(app, ORG_A), client_as(app, CLERK)
    code = new_code(owner, purpose="房屋租赁审核")
    before = log_count(instance)
    assert use(clerk, mini.CHANGJIANG[1], code).status_code == 200
    assert log_count(instance) == before + 1
    entry = last_entry(instance)
    assert (entry.how, entry.querier_id, entry.querier_name, entry.subject_key, entry.reason) == \
           ("code", CLERK.key, CLERK.name, ORG_A.key, "房屋租赁审核")
    assert entry.code_id is not None and entry.items
    page = owner.get("/account").get_data(as_text=True)
    assert CLERK.name in page and "房屋租赁审核" in page


REFUSALS = ["wrong code", "unknown subject", "other subject", "expired", "revoked", "used up", "out of scope"]


@pytest.mark.parametrize("case", REFUSALS)
def test_every_refusal_is_the_same_answer_and_logs_no_read(app, instance, case):
    owner, clerk = client_as(app, ORG_A), client_as(app, CLERK)
    code = new_code(owner, kinds=("licence",) if case == "out of scope" else ("penalty",), uses=1)
    subject = {"unknown subject": "91420100MA4KZZZZZZ", "other subject": mini.GUANGGU[1]}.get(case, mini.CHANGJIANG[1])
    if case == "wrong code":
        code = code[:-1] + ("2" if code[-1] != "2" else "3")
    if case == "revoked":
        code_id = re.findall(r'/account/codes/(\d+)/revoke', owner.get("/account").get_data(as_text=True))[0]
        owner.post(f"/account/codes/{code_id}/revoke", data={"csrf_token": csrf_token(owner)})
    if case == "used up":
        assert use(clerk, subject, code).status_code == 200
    if case == "expired":
        later = NOW + timedelta(days=31)
        clerk = portal_app(instance, NOW=later).test_client()
        log_in(clerk, CLERK, now=later)
    before = log_count(instance)
    refused = use(clerk, subject, code)
    assert refused.status_code == 403
    assert refused.json == {"error": {"code": "not_authorized", "message": refused.json["error"]["message"]}}
    assert refused.json["error"]["message"] == use(client_as(app, CLERK), "nobody", "x").json["error"]["message"]
    assert log_count(instance) == before
    page = clerk.post("/authorized", data={"csrf_token": csrf_token(clerk, "/authorized"), "subject": subject,
                                           "code": code})
    assert page.status_code == 403 and mini.CHANGJIANG[0] not in page.get_data(as_text=True).split("</header>")[1]


def test_the_subject_sees_refused_tries_against_it(app):
    owner = client_as(app, ORG_A)
    use(client_as(app, CLERK_2), mini.CHANGJIANG[1], "WRONG-WRONG-WRONG-WRONG")
    assert CLERK_2.name in owner.get("/account").get_data(as_text=True)


def test_a_subject_cannot_revoke_anothers_code(app):
    owner, other = client_as(app, ORG_A), client_as(app, ORG_B)
    code = new_code(owner)
    code_id = re.findall(r'/account/codes/(\d+)/revoke', owner.get("/account").get_data(as_text=True))[0]
    assert other.post(f"/account/codes/{code_id}/revoke", data={"csrf_token": csrf_token(other)}).status_code == 404
    assert use(client_as(app, CLERK), mini.CHANGJIANG[1], code).status_code == 200


def test_bad_code_requests_are_explained_and_create_nothing(app, instance):
    owner = client_as(app, ORG_A)
    token = csrf_token(owner)
    for form, message in (({"purpose": "", "kinds": ["penalty"], "days": "30", "max_uses": "1"}, "查询事由"),
                          ({"purpose": "贷款", "kinds": [], "days": "30", "max_uses": "1"}, "至少选择"),
                          ({"purpose": "贷款", "kinds": ["penalty"], "days": "91", "max_uses": "1"}, "有效期"),
                          ({"purpose": "贷款", "kinds": ["penalty"], "days": "abc", "max_uses": "1"}, "有效期"),
                          ({"purpose": "贷款", "kinds": ["penalty"], "days": "9", "max_uses": "0"}, "可用次数")):
        page = owner.post("/account/codes", data={**form, "csrf_token": token})
        assert page.status_code == 400 and message in page.get_data(as_text=True)
        assert 'id="auth-code"' not in page.get_data(as_text=True)


def test_forms_without_their_token_are_refused(app):
    owner = client_as(app, ORG_A)
    page = owner.post("/account/codes", data={"purpose": "贷款", "kinds": ["penalty"], "days": "9", "max_uses": "1"})
    assert page.status_code == 400 and 'id="auth-code"' not in page.get_data(as_text=True)
    assert owner.post("/logout").status_code == 400
    assert owner.get("/api/v1/me").status_code == 200   # still logged in


def test_wrong_tries_are_slowed_then_blocked(instance):
    app = portal_app(replace(instance, ratelimit_code_tries="3/minute;5/day"))
    clerk = client_as(app, CLERK)
    answers = [use(clerk, mini.CHANGJIANG[1], f"WRONG-{n:05d}").status_code for n in range(5)]
    assert answers == [403, 403, 403, 429, 429]
    # Per querier: the clerk is blocked whatever subject it names; another querier has its own budget.
    assert use(clerk, mini.GUANGGU[1], "WRONG-00009").status_code == 429
    other = client_as(app, CLERK_2)
    assert [use(other, mini.CHANGJIANG[1], f"WRONG-{n:05d}").status_code for n in range(4)] == [403, 403, 403, 429]


@pytest.mark.parametrize("body", ['{"subject": "\\ud800", "code": "x"}', '{"subject": "王五", "code": "\\udfff"}',
                                  '{"subject": ' * 5000])
def test_json_no_text_can_hold_is_a_400(app, body):
    response = client_as(app, CLERK).post("/api/v1/authorized", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_input"


def test_sessions_end_when_idle_or_too_old(app, instance):
    client = client_as(app, ORG_A)
    assert client.get("/api/v1/me").status_code == 200
    idle = portal_app(instance, NOW=datetime.now(timezone.utc) + timedelta(minutes=instance.session_idle_minutes + 1))
    late = idle.test_client()
    late.set_cookie("credit_session", client.get_cookie("credit_session").value)
    assert late.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 401   # the session is gone for good


def test_the_query_log_verifies_after_all_of_this(instance):
    with session_factory(instance.database_url)() as db:
        assert querylog.verify(db) == []
        assert querylog.check(db).checked > 30


# -- what an attacker tried ------------------------------------------------------------------------

def test_a_code_holder_gets_a_natural_persons_id_number_masked(app):
    code = new_code(client_as(app, PERSON), unpublished=True)
    shown = use(client_as(app, CLERK), mini.PERSON[0], code)   # named by name
    assert shown.status_code == 200 and shown.json["records"]
    body = shown.get_data(as_text=True)
    assert mini.PERSON[1] not in body
    assert shown.json["subject"]["key"] == mini.PERSON[1][:6] + "********" + mini.PERSON[1][-4:]


def test_wrong_tries_against_a_subject_do_not_lock_its_code_holders_out(instance):
    app = portal_app(replace(instance, ratelimit_code_tries="3/minute"))
    code = new_code(client_as(app, ORG_A), uses=5)
    guesser, holder = client_as(app, querier(10)), client_as(app, querier(11))
    spellings = [ORG_A.uscc, ORG_A.uscc.lower(), " ".join(ORG_A.uscc), ORG_A.uscc.translate(FULL_WIDTH)]
    assert [use(guesser, spelled, f"WRONG-{n:05d}").status_code for n, spelled in enumerate(spellings)] == \
        [403, 403, 403, 429]
    assert use(holder, ORG_A.uscc, code).status_code == 200
    assert use(holder, ORG_A.name, code).status_code == 200
    # The blocked guesser gets one refusal whether its code is right or wrong, on the API and the
    # pages alike (one budget for all).
    right, wrong = use(guesser, ORG_A.uscc, code), use(guesser, ORG_A.uscc, "WRONG-99999")
    assert right.status_code == wrong.status_code == 429 and right.json == wrong.json
    token = csrf_token(guesser, "/authorized")
    for path in ("/authorized", "/authorized/report.pdf"):
        page = guesser.post(path, data={"csrf_token": token, "subject": ORG_A.uscc, "code": code})
        assert page.status_code == 429
    assert use(holder, ORG_A.uscc, code).status_code == 200


def test_the_try_limit_says_nothing_about_whether_a_subject_exists(instance):
    """Another querier's wrong tries weigh on a try the same way whether the subject typed has records
    (here only non-public ones) or none, and whether a name and a code belong together."""
    app = portal_app(replace(instance, ratelimit_code_tries="3/minute"))
    queriers = iter(range(8))

    def second_answer(first: str, second: str) -> int:
        guesser, prober = (client_as(app, querier(next(queriers))) for _ in range(2))
        for n in range(3):
            use(guesser, first, f"WRONG-{n:05d}")
        return use(prober, second, "WRONG-99999").status_code

    known, unknown = mini.PERSON[1], mini.citizen_id("42010119850505012")
    assert second_answer(known, known.translate(FULL_WIDTH)) == second_answer(unknown, unknown.translate(FULL_WIDTH))
    assert second_answer(mini.PERSON[0], known) == second_answer("查无此人", unknown)


def test_a_name_several_subjects_share_finds_the_codes_own(tmp_path):
    """Two subjects with one name: a valid code of either works by that name."""
    folder = tmp_path
    twin = mini.uscc("91420100MA4KTWNN1")
    source = mini.write(folder / "source", TODAY)
    with (source / "licences.csv").open("a", encoding="utf-8") as fh:
        columns = load_catalog("default").kinds["licence"].columns
        row = mini._licence(mini._subject((mini.GUANGGU[0], twin)), 777, TODAY - timedelta(days=3))
        csv.writer(fh).writerow([row.get(c.key, "") for c in columns])
    settings = make_settings(folder, ratelimit_code_tries="1000/minute")
    ingest_into(settings, [str(source)], today=TODAY)
    app = portal_app(settings)
    twin_identity = replace(ORG_B, subject="twin", uscc=twin)
    for owner in (ORG_B, twin_identity):
        code = new_code(client_as(app, owner))
        shown = use(client_as(app, CLERK), mini.GUANGGU[0], code)
        assert shown.status_code == 200 and shown.json["subject"]["key"] == owner.key


def test_who_looked_is_not_pushed_out_by_the_subjects_own_reads(app):
    owner = client_as(app, SHOP)
    code = new_code(owner)
    assert use(client_as(app, CLERK_2), mini.SHOP[1], code).status_code == 200
    for _ in range(210):
        owner.get("/api/v1/me")
    assert CLERK_2.name in owner.get("/account").get_data(as_text=True)


def test_odd_codes_and_bodies(app):
    owner, clerk = client_as(app, ORG_A), client_as(app, CLERK)
    code = new_code(owner)
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code)
    assert use(clerk, mini.CHANGJIANG[1], full_width).status_code == 200
    nested = clerk.post("/api/v1/authorized", data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert nested.status_code == 400 and nested.json["error"]["code"] == "invalid_input"
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        sent = clerk.post("/api/v1/authorized", data='{"subject": "x", "code": "y"}', content_type=content_type)
        assert sent.status_code == 400
    too_long = use(clerk, "光" * 101, code)
    assert too_long.status_code == 400


def test_the_gate_names_no_subject_for_a_text_holding_nul(instance):
    """The pages clean what is typed before it reaches the gate; the gate itself never compares a
    text holding NUL, which PostgreSQL refuses with a database error."""
    from credit.access import subject_keys

    with session_factory(instance.database_url)() as db:
        for subject in (mini.CHANGJIANG[1] + "\x00", "湖北长江\x00建设集团有限公司"):
            assert subject_keys(db, subject) == set()
        assert subject_keys(db, mini.CHANGJIANG[1]) == {mini.CHANGJIANG[1]}


def test_abandoned_sessions_are_removed_at_the_next_login(instance):
    from credit.logins import LoginSession

    long_ago = datetime.now(timezone.utc) - timedelta(hours=instance.session_max_hours + 1)
    client_as(portal_app(instance), ORG_B)   # a session that will be abandoned
    with session_factory(instance.database_url).begin() as db:
        db.execute(LoginSession.__table__.update().values(started_at=long_ago))
    client_as(portal_app(instance), ORG_A)
    with session_factory(instance.database_url)() as db:
        assert [row.subject for row in db.scalars(select(LoginSession))] == [ORG_A.subject]


def test_a_file_is_opened_only_as_a_logged_read_of_a_record_the_reader_sees(instance):
    from credit import access

    sessions, catalog = session_factory(instance.database_url), load_catalog()
    own, other = next(iter(records_of(instance, ORG_A.key))), next(iter(records_of(instance, ORG_B.key)))

    def open_file(only):
        return access.read(sessions, catalog, ORG_A, how=access.SELF, today=TODAY, now=NOW, address="192.0.2.1",
                           only=only, attachment="异议申请 R1 的证明材料 F1")

    before = log_count(instance)
    for only in ({other}, set(), None):   # another subject's record, none, or no record named at all
        with pytest.raises(access.Refused):
            open_file(only)
    assert log_count(instance) == before
    shown = open_file({own})
    entry = last_entry(instance)
    assert [r.id for r in shown.records] == [own] and log_count(instance) == before + 1
    assert (entry.how, entry.subject_key, entry.items) == ("self", ORG_A.key, [own])
    assert entry.reason == f"{access.OWN_READ_REASON}：异议申请 R1 的证明材料 F1"


def test_a_purpose_with_control_characters_is_stored_and_shown_clean(app, instance):
    """NUL (which PostgreSQL refuses: a 500) and the other control characters, and the direction
    overrides that would make the purpose a code holder reads say otherwise, are removed."""
    owner = client_as(app, trader(20))
    code = new_code(owner, purpose="贷款\x00审批\x07\u202e批审<b>x</b>")
    shown = use(client_as(app, CLERK), trader(20).uscc, code)
    assert shown.status_code == 200 and shown.json["purpose"] == "贷款审批批审<b>x</b>"
    assert last_entry(instance).reason == "贷款审批批审<b>x</b>"
    page = owner.get("/account").get_data(as_text=True)
    assert "贷款审批批审&lt;b&gt;x&lt;/b&gt;" in page and "\u202e" not in page


def test_a_subject_typed_with_control_characters_or_full_width_digits_is_found(app, instance):
    """The subject is cleaned as ingest cleaned the stored name (full-width letters and digits
    half-width, control characters removed): a NUL is no 500 on PostgreSQL, and a name typed with
    full-width digits, as it is often printed, finds its subject."""
    owner, clerk = client_as(app, trader(21)), client_as(app, CLERK)
    name = trader(21).name
    code = new_code(owner, uses=5)
    full_width = name.translate(FULL_WIDTH)
    assert full_width != name
    for typed in (full_width, name[:3] + "\x00" + name[3:], f"  {name}\u3000"):
        shown = use(clerk, typed, code)
        assert shown.status_code == 200 and shown.json["subject"]["name"] == name, typed
    refused = use(clerk, "查无\x00此人", code)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "not_authorized"
    page = clerk.post("/authorized", data={"csrf_token": csrf_token(clerk, "/authorized"), "subject": "查无\x00此人",
                                           "code": code})
    assert page.status_code == 403 and "未能查询" in page.get_data(as_text=True)


def test_an_id_past_any_row_is_not_found_not_an_error(app):
    owner = client_as(app, ORG_A)
    token = csrf_token(owner)
    for code_id in ("2147483648", "99999999999999999999"):
        page = owner.post(f"/account/codes/{code_id}/revoke", data={"csrf_token": token})
        assert page.status_code == 404 and "系统内部错误" not in page.get_data(as_text=True)


def test_a_staff_purpose_or_subject_with_control_characters_is_read_clean_or_refused(app, instance):
    """A member of staff's purpose is kept in the query log as one clean line (a NUL was a 500 on
    PostgreSQL); a purpose of nothing but control characters is no purpose; a subject typed with
    control characters in it is read as it would be without them."""
    reviewer = client_as(app, REVIEWER)

    def read(subject, purpose):
        return reviewer.post("/admin/subject", data={"csrf_token": csrf_token(reviewer, "/admin/subject"),
                                                     "subject": subject, "purpose": purpose})
    page = read(ORG_A.uscc, "核查\x00异议\u202e申请")
    assert page.status_code == 200 and ORG_A.name in page.get_data(as_text=True)
    assert last_entry(instance).reason == "核查异议申请" and last_entry(instance).how == "staff"
    before = last_entry(instance).seq
    empty = read(ORG_A.uscc, "\x00\x07 \u202e")
    assert empty.status_code == 400 and "查询事由" in empty.get_data(as_text=True)
    assert last_entry(instance).seq == before
    typed = read(ORG_A.uscc[:9] + "\x00" + ORG_A.uscc[9:], "核查")
    assert typed.status_code == 200 and ORG_A.name in typed.get_data(as_text=True)
    assert last_entry(instance).subject_key == ORG_A.uscc and last_entry(instance).reason == "核查"
