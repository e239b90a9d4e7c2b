"""The institution API (SPEC §7): client credentials, tokens, POST /api/v1/batch, quotas, usage and
their headers, through the app's WSGI interface over the mini data set plus two subjects that share
a name. (Exactness across gunicorn workers on Redis: test_batch_serving.py.)"""
from __future__ import annotations

import base64
import io
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from credit import institutions
from credit.db import migrate, session_factory
from credit.querylog import QueryLogEntry
from credit.search.base import SearchError
from portal import batch, batch_items
from tests.conftest import TODAY, ingest_into, make_settings
from tests.helpers import free_port
from tests.portal import mini
from tests.portal.conftest import portal_app
from tests.portal.openapi_check import validate_response

TWINS = [("武汉市同名商贸有限公司", mini.uscc("91420100MA4K90001")), ("武汉市同名商贸有限公司", mini.uscc("91420100MA4K90002"))]
INSTITUTION = mini.uscc("91420100MA4K80001")


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    source = mini.write(folder / "source", TODAY)
    mini._write(source, "twins.csv", "licence",
                [mini._licence(mini._subject(t), 900 + n, TODAY - timedelta(days=3)) for n, t in enumerate(TWINS)])
    settings = make_settings(folder)
    report = ingest_into(settings, [str(source)])
    assert report.total("rejected") == 0, report.rejections
    return settings


@pytest.fixture()
def app(instance):
    return portal_app(instance)


@pytest.fixture()
def client(app):
    return app.test_client()


def new_client(settings, per_minute=100, per_day=10_000, scope="public"):
    with session_factory(settings.database_url).begin() as session:
        row, secret = institutions.create_client(session, name="某某征信有限公司", uscc=INSTITUTION,
                                                 per_minute=per_minute, per_day=per_day, scope=scope)
        return row.client_id, secret


def get_token(client, client_id, secret) -> str:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def send(client, token, items, **kwargs):
    return client.post("/api/v1/batch", json={"items": items}, headers={"Authorization": f"Bearer {token}"}, **kwargs)


@pytest.fixture()
def token(instance, client):
    return get_token(client, *new_client(instance))


# -- credentials --------------------------------------------------------------------------------

def test_the_secret_is_shown_once_and_stored_only_hashed(instance):
    client_id, secret = new_client(instance)
    with session_factory(instance.database_url)() as session:
        row = session.get(institutions.InstitutionClient, client_id)
        dump = "\n".join(str(r) for r in session.execute(text("SELECT * FROM institution_clients")))
    assert row.secret_hash.startswith("$argon2") and secret not in dump
    assert institutions.verify_secret(row.secret_hash, secret) and not institutions.verify_secret(row.secret_hash, "x")


def test_a_client_needs_a_valid_institution_code(instance):
    with session_factory(instance.database_url).begin() as session, pytest.raises(institutions.ClientError):
        institutions.create_client(session, name="某机构", uscc=INSTITUTION[:-1] + "0", per_minute=1, per_day=1)


def test_tokens_by_basic_and_by_form_are_short_lived_and_stored_hashed(instance, client):
    client_id, secret = new_client(instance)
    by_form = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                       "client_secret": secret})
    assert by_form.status_code == 200
    body = by_form.get_json()
    assert body["token_type"].lower() == "bearer" and body["expires_in"] == instance.institution_token_minutes * 60
    token = get_token(client, client_id, secret)
    with session_factory(instance.database_url)() as session:
        stored = set(session.scalars(select(institutions.InstitutionToken.token_hash)
                                     .where(institutions.InstitutionToken.client_id == client_id)))
    assert stored == {institutions.token_hash(token), institutions.token_hash(body["access_token"])}
    assert send(client, token, [mini.GUANGGU[1]]).status_code == 200


@pytest.mark.parametrize("secret_of", [lambda s: s + "x", lambda s: ""], ids=["wrong", "empty"])
def test_a_wrong_secret_gets_no_token(instance, client, secret_of):
    client_id, secret = new_client(instance)
    response = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                        "client_secret": secret_of(secret)})
    assert response.status_code in (400, 401)
    assert response.get_json()["error"]["code"] in ("invalid_client", "invalid_request")
    validate_response("POST", "/api/v1/oauth/token", response.status_code, response.get_json())


@pytest.mark.parametrize("credentials", [b"\xff:\xff", b"\xed\xa0\x80"], ids=["latin", "surrogate"])
def test_credentials_that_are_no_text_get_no_token(client, credentials):
    response = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": "Basic " + base64.b64encode(credentials).decode()})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_client"
    validate_response("POST", "/api/v1/oauth/token", response.status_code, response.get_json())


@pytest.mark.parametrize("header", ["Basic ", "Basic  ", "Bearer "])
def test_a_scheme_without_credentials_gets_no_token(client, header):
    response = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": header})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    validate_response("POST", "/api/v1/oauth/token", response.status_code, response.get_json())


def test_a_refusal_does_not_tell_whether_the_client_exists(instance, client, monkeypatch):
    """Unknown id, known id with a wrong secret, suspended client with its right secret: the same
    answer, each after one argon2 verification (so the same time, too)."""
    known_id, known_secret = new_client(instance)
    suspended_id, suspended_secret = new_client(instance)
    with session_factory(instance.database_url).begin() as session:
        institutions.set_status(session, suspended_id, institutions.SUSPENDED)
    verified = []
    real_verify = institutions.verify_secret
    monkeypatch.setattr(institutions, "verify_secret", lambda h, s: verified.append(s) or real_verify(h, s))
    attempts = [("ci_" + "0" * 24, known_secret), ("ci_" + "0" * 61 + "x" * 3, "x"), (known_id, known_secret + "x"),
                (suspended_id, suspended_secret)]
    for by_form in (True, False):
        answers = []
        for client_id, secret in attempts:
            verified.clear()
            if by_form:
                response = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials",
                                                                    "client_id": client_id, "client_secret": secret})
            else:
                basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
                response = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                                       headers={"Authorization": f"Basic {basic}"})
            answers.append((response.status_code, response.get_json(), response.headers.get("WWW-Authenticate"),
                            len(verified)))
        # The challenge names the scheme the token endpoint takes, not the API's bearer tokens.
        assert answers == [(401, {"error": {"code": "invalid_client", "message": batch.OAUTH_MESSAGES["invalid_client"]}},
                            'Basic realm="credit", error="invalid_client"', 1)] * len(attempts)


@pytest.mark.parametrize("body", [{"json": {"grant_type": "client_credentials"}}, {},
                                  {"data": "grant_type=client_credentials", "content_type": "text/plain"}],
                         ids=["json", "empty", "text"])
def test_a_token_request_that_is_no_form_is_told_to_send_one(instance, client, body):
    client_id, secret = new_client(instance)
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = client.post("/api/v1/oauth/token", headers={"Authorization": f"Basic {basic}"}, **body)
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": "invalid_request", "message": batch.OAUTH_MESSAGES["invalid_request"]}
    assert "application/x-www-form-urlencoded" in response.get_json()["error"]["message"]


def test_a_client_id_holding_nul_is_refused_on_postgresql(postgres_url, tmp_path):
    settings = make_settings(tmp_path, database_url=postgres_url)
    migrate(postgres_url)
    client = portal_app(settings).test_client()
    client_id, secret = new_client(settings)
    for sent in ({"data": {"grant_type": "client_credentials", "client_id": client_id + "\x00", "client_secret": secret}},
                 {"data": {"grant_type": "client_credentials"},
                  "headers": {"Authorization": "Basic " + base64.b64encode(f"\x00{client_id}:{secret}".encode()).decode()}}):
        response = client.post("/api/v1/oauth/token", **sent)
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_client"
    assert get_token(client, client_id, secret)


def test_only_client_credentials_are_granted(instance, client):
    client_id, secret = new_client(instance)
    response = client.post("/api/v1/oauth/token", data={"grant_type": "password", "client_id": client_id,
                                                        "client_secret": secret})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "unsupported_grant_type"


def test_a_suspended_or_deleted_clients_tokens_stop_at_once(instance, client):
    client_id, secret = new_client(instance)
    token = get_token(client, client_id, secret)
    sessions = session_factory(instance.database_url)
    with sessions.begin() as session:
        institutions.set_status(session, client_id, institutions.SUSPENDED)
    refused = send(client, token, [mini.GUANGGU[1]])
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "invalid_token"
    assert "Bearer" in refused.headers["WWW-Authenticate"]
    assert client.get("/api/v1/usage", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                    "client_secret": secret}).status_code == 401
    with sessions.begin() as session:
        institutions.set_status(session, client_id, institutions.ACTIVE)
    assert send(client, token, [mini.GUANGGU[1]]).status_code == 200
    with sessions.begin() as session:
        institutions.delete_client(session, client_id)
    assert send(client, token, [mini.GUANGGU[1]]).status_code == 401


def test_an_expired_token_is_refused(instance, client):
    client_id, secret = new_client(instance)
    token = get_token(client, client_id, secret)
    later = portal_app(instance, NOW=datetime.now(timezone.utc) + timedelta(minutes=instance.institution_token_minutes,
                                                                            seconds=1))
    assert send(later.test_client(), token, [mini.GUANGGU[1]]).status_code == 401


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic eDp5"}])
def test_no_valid_token_no_batch(client, headers):
    response = client.post("/api/v1/batch", json={"items": ["x"]}, headers=headers)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"
    assert "X-RateLimit-Limit" in response.headers   # counted against the anonymous per-address limit


def test_a_token_sent_along_does_not_lift_the_token_endpoints_address_limit(instance):
    """Batch and usage with a valid token are the client's, outside the per-address limit; the
    token endpoint stays inside it whatever Authorization header comes along."""
    client = portal_app(instance, RATELIMIT_ANONYMOUS="3/minute").test_client()
    client_id, secret = new_client(instance)
    token = get_token(client, client_id, secret)
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    answers = [client.post("/api/v1/oauth/token", data=form, headers={"Authorization": f"Bearer {token}"})
               for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[-1].get_json()["error"]["code"] == "rate_limited"
    assert send(client, token, [mini.GUANGGU[1]]).status_code == 200   # the batch is still the client's
    assert client.get("/api/v1/usage", headers={"Authorization": f"Bearer {token}"}).status_code == 200


# -- the batch --------------------------------------------------------------------------------

def test_each_item_comes_back_in_order_with_its_status(client, token):
    bad = mini.GUANGGU[1][:-1] + ("0" if mini.GUANGGU[1][-1] != "0" else "1")
    items = [mini.GUANGGU[1], "不存在的某某公司", bad, TWINS[0][0], f" {mini.CHANGJIANG[0]} ",
             mini.uscc("91420100MA4K77777"), mini.GUANGGU[1].lower(), "91420100"]
    response = send(client, token, items)
    assert response.status_code == 200
    body = response.get_json()
    validate_response("POST", "/api/v1/batch", 200, body)
    assert body["count"] == len(items) and [i["input"] for i in body["items"]] == items
    assert [i["status"] for i in body["items"]] == ["found", "not_found", "invalid_code", "ambiguous", "found",
                                                    "not_found", "found", "not_found"]
    found, _, invalid, ambiguous, by_name = body["items"][:5]
    assert invalid["reason"] == "该统一社会信用代码校验位错误"
    assert sorted(c["code"] for c in ambiguous["candidates"]) == sorted(code for _, code in TWINS)
    assert by_name["subject"]["code"] == mini.CHANGJIANG[1]
    subject = found["subject"]
    assert subject["code"] == mini.GUANGGU[1] and subject["name"] == mini.GUANGGU[0]
    assert subject["counts"] == {"licences": 2, "penalties": 1, "list_entries": 1}
    assert subject["lists"] == [{"type": "red", "type_label": "红名单", "name": "A级纳税人"}]
    assert subject["latest_penalty"] == (TODAY - timedelta(days=100)).isoformat()
    assert by_name["subject"]["latest_penalty"] == (TODAY - timedelta(days=200)).isoformat()
    assert "subject" not in body["items"][1] and "subject" not in invalid


def test_codes_pasted_with_invisible_characters_are_found(client, token):
    """The first cell of a spreadsheet exported as UTF-8 with a BOM, codes copied from a web page."""
    items = ["\ufeff" + mini.GUANGGU[1], mini.GUANGGU[1] + "\u200b", "\u202a" + mini.CHANGJIANG[1] + "\u202c",
             "\u2068" + mini.CHANGJIANG[1] + "\u2069"]
    body = send(client, token, items).get_json()
    assert [(i["input"], i["status"], i["subject"]["code"]) for i in body["items"]] == [
        (items[0], "found", mini.GUANGGU[1]), (items[1], "found", mini.GUANGGU[1]), (items[2], "found", mini.CHANGJIANG[1]),
        (items[3], "found", mini.CHANGJIANG[1])]


def test_names_pasted_with_invisible_characters_are_found(client, token):
    """Ingest removed these characters from the stored names; a name copied from a phone (isolates) or
    a web page (embeddings) is still that name."""
    name = mini.GUANGGU[0]
    items = ["\u2068" + name + "\u2069", "\u202a" + name + "\u202c", name + "\x00",
             "\u200e" + name[:2] + "\u200b" + name[2:] + "\u2062\u200f", "\ufeff" + name]
    body = send(client, token, items).get_json()
    assert [(i["input"], i["status"], i["subject"]["code"]) for i in body["items"]] == [
        (item, "found", mini.GUANGGU[1]) for item in items]


def test_a_subject_without_public_penalties_has_no_latest_penalty(client, token):
    subject = send(client, token, [mini.TRADERS[0][1]]).get_json()["items"][0]["subject"]
    assert subject["counts"]["penalties"] == 0 and subject["latest_penalty"] is None


def test_a_batch_is_one_query_log_entry_listing_its_items(instance, client, token):
    sessions = session_factory(instance.database_url)
    with sessions() as session:
        before = session.scalar(select(QueryLogEntry.seq).order_by(QueryLogEntry.seq.desc()).limit(1)) or 0
    assert send(client, token, [mini.GUANGGU[1], "不存在的某某公司"]).status_code == 200
    with sessions() as session:
        entries = list(session.scalars(select(QueryLogEntry).where(QueryLogEntry.seq > before)))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.how == "institution" and entry.querier_id == INSTITUTION and entry.subject_key == "batch"
    assert entry.items == [f"found:{mini.GUANGGU[1]}", "not_found:不存在的某某公司"]


def usage(client, token) -> dict:
    response = client.get("/api/v1/usage", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    validate_response("GET", "/api/v1/usage", 200, response.get_json())
    return response.get_json()


def chunked(client, headers, body: bytes):
    """A body sent without Content-Length (Transfer-Encoding: chunked), the server ending the stream."""
    return client.post("/api/v1/batch", input_stream=io.BytesIO(body),
                       headers={**headers, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})


def test_a_chunked_batch_up_to_the_limit_is_served(client, token):
    response = chunked(client, {"Authorization": f"Bearer {token}"},
                       json.dumps({"items": [mini.GUANGGU[1]]}).encode().ljust(1048576))
    assert response.status_code == 200 and response.get_json()["items"][0]["status"] == "found"


@pytest.mark.parametrize("send_bad, status, code", [
    (lambda c, h: c.post("/api/v1/batch", json={"items": ["x"] * 1001}, headers=h), 400, "too_many_items"),
    (lambda c, h: c.post("/api/v1/batch", data="{", headers={**h, "Content-Type": "application/json"}), 400,
     "invalid_body"),
    (lambda c, h: c.post("/api/v1/batch", json=["x"], headers=h), 400, "invalid_body"),
    (lambda c, h: c.post("/api/v1/batch", json={"items": []}, headers=h), 400, "invalid_body"),
    (lambda c, h: c.post("/api/v1/batch", json={"items": ["x", 1]}, headers=h), 400, "invalid_item"),
    (lambda c, h: c.post("/api/v1/batch", json={"items": ["x" * 101]}, headers=h), 400, "invalid_item"),
    (lambda c, h: c.post("/api/v1/batch", data={"items": "x"}, headers=h), 400, "invalid_content_type"),
    (lambda c, h: c.post("/api/v1/batch", data=json.dumps({"items": ["x"], "pad": "y" * 1_100_000}),
                         headers={**h, "Content-Type": "application/json"}), 413, "body_too_large"),
    (lambda c, h: chunked(c, h, b'{"items": ["x"]}'.ljust(1048577)), 413, "body_too_large"),
    (lambda c, h: c.post("/api/v1/batch", data='{"items": ["\\ud800"]}', headers={**h, "Content-Type": "application/json"}),
     400, "invalid_body"),
    (lambda c, h: c.post("/api/v1/batch", data="[" * 100_000, headers={**h, "Content-Type": "application/json"}), 400,
     "invalid_body"),
], ids=["1001-items", "malformed", "not-an-object", "empty", "not-a-string", "too-long", "form", "too-large",
        "too-large-chunked", "lone-surrogate", "deep"])
def test_a_bad_batch_is_refused_whole_and_costs_nothing(client, token, send_bad, status, code):
    response = send_bad(client, {"Authorization": f"Bearer {token}"})
    assert response.status_code == status and response.get_json()["error"]["code"] == code
    assert response.headers["X-RateLimit-Remaining"] == response.headers["X-RateLimit-Limit"]
    validate_response("POST", "/api/v1/batch", status, response.get_json())
    standing = usage(client, token)
    assert standing["minute"]["used"] == 0 and standing["day"]["used"] == 0


def test_a_batch_in_gbk_is_told_to_send_utf8(client, token):
    body = json.dumps({"items": [mini.GUANGGU[0]]}, ensure_ascii=False).encode("gbk")
    response = client.post("/api/v1/batch", data=body, headers={"Authorization": f"Bearer {token}",
                                                                "Content-Type": "application/json; charset=gbk"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_body"
    assert "UTF-8" in response.get_json()["error"]["message"]


# -- quotas, usage and headers -------------------------------------------------------------------

def test_items_per_day_are_charged_whole_or_not_at_all(instance, client):
    token = get_token(client, *new_client(instance, per_day=5))
    first = send(client, token, [mini.GUANGGU[1]] * 3)
    assert first.status_code == 200 and first.headers["X-RateLimit-Items-Remaining"] == "2"
    refused = send(client, token, [mini.GUANGGU[1]] * 3)
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "quota_exceeded"
    assert 0 < int(refused.headers["Retry-After"]) <= 24 * 3600
    validate_response("POST", "/api/v1/batch", 429, refused.get_json())
    assert send(client, token, [mini.GUANGGU[1]] * 2).status_code == 200   # the refused batch cost nothing
    assert send(client, token, [mini.GUANGGU[1]]).status_code == 429
    standing = usage(client, token)
    assert standing["day"] | {"reset": 0} == {"date": standing["day"]["date"], "limit": 5, "used": 5, "remaining": 0,
                                              "reset": 0}
    assert standing["minute"]["used"] == 2


def test_a_batch_over_the_whole_daily_quota_is_refused_uncharged_not_told_to_wait(instance, client):
    """No wait makes a batch larger than the day's quota fit: a 400 saying so, not a 429 whose
    Retry-After promises otherwise; it costs nothing."""
    token = get_token(client, *new_client(instance, per_day=5))
    refused = send(client, token, [mini.GUANGGU[1]] * 6)
    assert refused.status_code == 400 and "Retry-After" not in refused.headers
    error = refused.get_json()["error"]
    assert error["code"] == "over_daily_quota" and "6" in error["message"] and "5" in error["message"]
    validate_response("POST", "/api/v1/batch", 400, refused.get_json())
    assert usage(client, token)["day"]["used"] == 0 and usage(client, token)["minute"]["used"] == 0
    assert send(client, token, [mini.GUANGGU[1]] * 5).status_code == 200


def test_requests_per_minute(instance, client):
    token = get_token(client, *new_client(instance, per_minute=2))
    answers = [send(client, token, [mini.GUANGGU[1]]) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert all(a.headers["X-RateLimit-Limit"] == "2" for a in answers)
    assert 0 < int(answers[2].headers["Retry-After"]) <= 60
    assert int(answers[0].headers["X-RateLimit-Reset"]) > datetime.now(timezone.utc).timestamp()
    standing = usage(client, token)   # reading the usage costs nothing
    assert standing["minute"] | {"reset": 0} == {"limit": 2, "used": 2, "remaining": 0, "reset": 0}
    assert standing["day"]["used"] == 2


def test_clients_have_their_own_quotas(instance, client):
    one, two = (get_token(client, *new_client(instance, per_minute=1)) for _ in range(2))
    assert send(client, one, ["x"]).status_code == 200 and send(client, one, ["x"]).status_code == 429
    assert send(client, two, ["x"]).status_code == 200


def test_a_batch_failing_after_midnight_is_given_back_to_the_day_it_was_charged(instance, monkeypatch):
    """Charged at 23:59:59 China time, its lookup failing at 00:00:01: the charge comes off the day
    and minute it was made on (nothing is taken off the new day's count)."""
    before_midnight = datetime(2026, 6, 30, 15, 59, 59, tzinfo=timezone.utc)   # 23:59:59 in Beijing
    app = portal_app(instance, NOW=before_midnight)
    client = app.test_client()
    token = get_token(client, *new_client(instance))

    def failing(*args, **kwargs):
        app.config["NOW"] = before_midnight + timedelta(seconds=2)
        raise SearchError("engine gone")

    monkeypatch.setattr(batch_items, "resolve", failing)
    assert send(client, token, [mini.GUANGGU[1]] * 3).status_code == 503
    app.config["NOW"] = before_midnight
    standing = usage(client, token)
    assert standing["day"]["date"] == "2026-06-30"
    assert standing["day"]["used"] == 0 and standing["minute"]["used"] == 0


def test_a_failed_batchs_headers_tell_what_it_gave_back(client, token, monkeypatch):
    """A client keeping count by the X-RateLimit headers must not believe a failed batch cost it anything."""
    assert send(client, token, [mini.GUANGGU[1]] * 2).status_code == 200

    def failing(*args, **kwargs):
        raise SearchError("engine gone")

    monkeypatch.setattr(batch_items, "resolve", failing)
    failed = send(client, token, [mini.GUANGGU[1]] * 3)
    assert failed.status_code == 503 and failed.get_json()["error"]["code"] == "search_unavailable"
    standing = usage(client, token)
    assert (standing["minute"]["used"], standing["day"]["used"]) == (1, 2)
    assert failed.headers["X-RateLimit-Remaining"] == str(standing["minute"]["remaining"])
    assert failed.headers["X-RateLimit-Items-Remaining"] == str(standing["day"]["remaining"])


def test_the_public_api_keeps_its_per_address_headers(client):
    response = client.get("/api/v1/search", query_string={"q": "光谷"})
    assert response.status_code == 200 and "X-RateLimit-Limit" in response.headers


def test_without_its_quota_store_the_institution_api_refuses_and_the_public_answers(instance, token, caplog):
    dead = portal_app(replace(instance, ratelimit_storage_url=f"redis://127.0.0.1:{free_port()}/0"))
    client = dead.test_client()
    response = send(client, token, [mini.GUANGGU[1]])
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "quota_unavailable"
    assert "quotas unavailable" in caplog.text
    assert client.get("/api/v1/usage", headers={"Authorization": f"Bearer {token}"}).status_code == 503
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/search", query_string={"q": "光谷"}).status_code == 200


def test_a_valid_token_is_not_called_invalid_while_the_database_is_down(instance, token, monkeypatch):
    """The token is read twice per request (the address limit's filter, then the view): a database
    error in the first, which flask-limiter swallows, must not leave the request as tokenless, or a
    bank's integration is told to get a new token when it should retry later."""
    from sqlalchemy.exc import OperationalError

    def down(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(institutions, "token_client", down)
    client = portal_app(instance, PROPAGATE_EXCEPTIONS=False).test_client()   # as served: no traceback
    response = send(client, token, [mini.GUANGGU[1]])
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert "WWW-Authenticate" not in response.headers


def test_the_latest_penalty_is_the_latest_still_public_on_the_day():
    from datetime import date

    from credit.documents import _latest, latest_public

    dated = [("2026-10-01", "2026-12-31"), ("2025-01-01", "2028-01-01"), ("2024-01-01", "2027-01-01")]
    doc = {"latest": {"penalty": _latest(dated)}}
    assert doc["latest"]["penalty"] == [["2026-10-01", "2026-12-31"], ["2025-01-01", "2028-01-01"]]
    assert latest_public(doc, "penalty", date(2026, 11, 1)) == "2026-10-01"
    assert latest_public(doc, "penalty", date(2027, 1, 1)) == "2025-01-01"   # the newer one's window ended
    assert latest_public(doc, "penalty", date(2028, 1, 2)) is None
