"""Logging in over real HTTP against an OpenID Connect provider the project did not write
(oidc-provider on Node.js, tests/idp.py): PKCE, state and nonce, the ID token's signature against
the provider's keys (rotated ones too), the session cookie, logout at both ends."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from credit.config import Settings
from credit.logins import Identity, LoginRefused
from tests import idp
from tests.conftest import TODAY, ingest_into, make_settings
from tests.idp import provider_login, provider_logout
from tests.portal.conftest import portal_app
from tests.portal.realname import csrf_token

oidc_provider = idp.oidc_provider   # the fixture: the development provider, started once per test session


@pytest.fixture(scope="module")
def instance(oidc_provider, tmp_path_factory):
    from indexer.sample import generate

    folder = tmp_path_factory.mktemp("login")
    generate(folder / "source", subjects=30, seed=3, today=TODAY)
    settings = make_settings(folder, oidc_issuer=oidc_provider.issuer, oidc_client_id=oidc_provider.client_id,
                             oidc_client_secret=oidc_provider.client_secret)
    ingest_into(settings, [str(folder / "source")])
    return settings


@pytest.fixture(scope="module")
def app(instance):
    return portal_app(instance)


def log_in(client, identity_key: str, http: requests.Session | None = None) -> requests.Session:
    """The whole login as a browser makes it; returns the provider-side session (its cookies)."""
    http = http or requests.Session()
    start = client.get("/login")
    assert start.status_code == 302
    back = provider_login(http, start.headers["Location"], identity_key)
    done = client.get(_local(back))
    assert done.status_code == 302 and done.headers["Location"] == "/account", done.get_data(as_text=True)
    return http


def _local(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == "localhost"
    return f"{parts.path}?{parts.query}"


def test_the_login_asks_for_pkce_state_and_nonce(app, oidc_provider):
    start = app.test_client().get("/login")
    url = urlsplit(start.headers["Location"])
    params = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}" == oidc_provider.issuer
    assert params["code_challenge_method"] == ["S256"] and len(params["code_challenge"][0]) >= 43
    assert params["state"][0] and params["nonce"][0] and params["response_type"] == ["code"]
    assert params["redirect_uri"] == ["http://localhost/login/callback"]


def test_an_enterprise_logs_in_and_sees_its_own_record(app, oidc_provider):
    client = app.test_client()
    log_in(client, "enterprise")
    claims = oidc_provider.identities["enterprise"]
    me = client.get("/api/v1/me").json
    assert me["subject"]["key"] == claims["uscc"] and me["records"]
    page = client.get("/account").get_data(as_text=True)
    assert claims["name"] in page and "不予公示（简易程序）" in page


def test_a_natural_person_is_known_by_the_verified_id_number(app, oidc_provider):
    client = app.test_client()
    log_in(client, "person")
    me = client.get("/api/v1/me").json
    assert me["subject"]["key"] == oidc_provider.identities["person"]["id_number"]
    assert me["records"] and all(not r["public"] for r in me["records"])


def test_the_session_cookie_carries_no_identity_and_is_locked_down(app):
    client = app.test_client()
    start = client.get("/login")
    http = requests.Session()
    done = client.get(_local(provider_login(http, start.headers["Location"], "person")))
    cookie = done.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "code=" not in done.headers["Location"] and "token" not in done.headers["Location"]
    import base64
    value = client.get_cookie("credit_session").value.split(".")[0]
    decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    assert b"4201" not in decoded and "王".encode() not in decoded


def test_production_cookies_are_secure(instance):
    settings = replace(instance, production=True, secret_key="x" * 40)
    assert portal_app(settings).config["SESSION_COOKIE_SECURE"] is True
    with pytest.raises(ValueError):
        Settings(production=True, database_url=instance.database_url)


def test_a_tampered_state_or_a_replayed_code_is_refused(app):
    client = app.test_client()
    start = client.get("/login")
    back = provider_login(requests.Session(), start.headers["Location"], "enterprise")
    forged = back.replace("state=", "state=x")
    refused = client.get(_local(forged))
    assert refused.status_code == 400 and "登录未完成" in refused.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401
    # The real callback, once (the state was used up by the refusal: start again), then replayed.
    client = app.test_client()
    start = client.get("/login")
    back = provider_login(requests.Session(), start.headers["Location"], "enterprise")
    assert client.get(_local(back)).status_code == 302
    other = app.test_client()
    assert other.get(_local(back)).status_code == 400


def test_logout_ends_the_session_here_and_at_the_provider(app):
    client = app.test_client()
    http = log_in(client, "sole_trader")
    out = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert out.status_code == 302 and "client_id=" in out.headers["Location"]
    assert client.get("/api/v1/me").status_code == 401
    assert provider_logout(http, out.headers["Location"]).startswith("http://localhost/")
    # Logged out at the provider too: the next login asks who you are again.
    again = app.test_client().get("/login").headers["Location"]
    page = http.get(again, allow_redirects=True)
    assert 'name="identity"' in page.text


def test_a_second_logout_goes_home_and_a_forged_one_logs_no_one_out(app):
    """Logging out in a second tab, after the first tab did (the form's token left with the
    session), goes home instead of to an error page; a logout without the form's token while
    logged in is still refused and ends nothing."""
    client = app.test_client()
    log_in(client, "sole_trader")
    stale = csrf_token(client)
    forged = client.post("/logout", data={})
    assert forged.status_code == 400 and "页面已过期" in forged.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 200
    assert client.post("/logout", data={"csrf_token": stale}).status_code == 302
    again = client.post("/logout", data={"csrf_token": stale})
    assert again.status_code == 302 and again.headers["Location"].endswith("/")
    assert client.get("/api/v1/me").status_code == 401


def test_keys_rotated_by_the_provider_are_picked_up(app, oidc_provider):
    client = app.test_client()
    log_in(client, "social_org")                        # the portal now holds the provider's keys
    kid = oidc_provider.rotate_keys(keep_old=False)     # and the provider signs with a key it has never seen
    assert oidc_provider.signing_kid == kid
    fresh = app.test_client()
    log_in(fresh, "social_org")
    assert fresh.get("/api/v1/me").json["subject"]["key"] == oidc_provider.identities["social_org"]["uscc"]


def test_a_token_without_a_verified_identity_is_refused():
    settings = Settings()
    good = {"sub": "x", "name": "某公司", "subject_type": "法人及非法人组织", "uscc": "91420106MA4K2D8R04"}
    assert Identity.from_claims(good, settings).key == "91420106MA4K2D8R04"
    for claims in ({**good, "uscc": ""}, {**good, "uscc": "91420106MA4K2D8R05"}, {**good, "subject_type": "其他"},
                   {**good, "name": ""}, {"sub": "y", "name": "某人", "subject_type": "自然人", "uscc": good["uscc"]}):
        with pytest.raises(LoginRefused):
            Identity.from_claims(claims, settings)


def test_without_a_provider_login_says_so(tmp_path):
    page = portal_app(make_settings(tmp_path)).test_client().get("/login")
    assert page.status_code == 503 and "尚未接入统一身份认证" in page.get_data(as_text=True)


def test_the_demo_staff_log_in_and_open_the_pages_of_their_roles(app, instance):
    """The development provider's staff identities, registered as `indexer staff add-demo` does."""
    from credit import staff
    from credit.db import session_factory
    from indexer.sample.demo import staff_grants

    with session_factory(instance.database_url).begin() as db:
        for grant in staff_grants():
            staff.grant(db, **grant, by=("test", "测试"))
    reviewer, admin = app.test_client(), app.test_client()
    log_in(reviewer, "staff_reviewer")
    log_in(admin, "staff_admin")
    assert "李审核" in reviewer.get("/admin").get_data(as_text=True)
    assert reviewer.get("/admin/staff").status_code == 403
    page = admin.get("/admin/staff").get_data(as_text=True)
    assert all(name in page for name in ("孙管理", "李审核", "钱经办", "吴审计"))
    subject = app.test_client()
    log_in(subject, "enterprise")
    assert subject.get("/admin").status_code == 403


def test_a_form_sent_after_the_session_ended_comes_back_to_a_page_after_login(app, instance):
    """A session that ended while a form was open: the form's POST sends the browser to log in, and
    after it to a page — never to a path that answers only POST (a 405 error page)."""
    from credit import logins
    from credit.db import session_factory
    from portal.login import SESSION_KEY

    client = app.test_client()
    log_in(client, "enterprise")
    token = csrf_token(client)
    for path, form, back_at in (("/account/codes", {"purpose": "贷款", "kinds": ["penalty"], "days": "3",
                                                    "max_uses": "1"}, "/account"),
                                ("/account/codes/1/revoke", {}, "/account"),
                                ("/authorized", {"subject": "某公司", "code": "x"}, "/authorized")):
        with client.session_transaction() as cookie:   # the session ends (timeout) while the form is open
            logins.end(session_factory(instance.database_url), cookie[SESSION_KEY])
        sent = client.post(path, data={**form, "csrf_token": token})
        assert sent.status_code == 302 and sent.headers["Location"] == "/login"
        back = provider_login(requests.Session(), client.get("/login").headers["Location"], "enterprise")
        done = client.get(_local(back))
        assert done.status_code == 302 and done.headers["Location"] == back_at, path
        assert client.get(back_at).status_code == 200
        token = csrf_token(client)


def test_the_logout_url_carries_no_id_token(app, oidc_provider):
    """The ID token holds the verified citizen ID number and name: as an id_token_hint it would sit in
    the browser's history and the provider's access log. The portal names itself by client_id."""
    import base64
    import re

    client = app.test_client()
    http = log_in(client, "person")
    out = client.post("/logout", data={"csrf_token": csrf_token(client)})
    url = out.headers["Location"]
    decoded = b"".join(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
                       for part in re.findall(r"eyJ[\w-]+", url))
    id_number = oidc_provider.identities["person"]["id_number"]
    assert "id_token_hint" not in url and id_number.encode() not in decoded and id_number not in url
    assert parse_qs(urlsplit(url).query)["client_id"] == [oidc_provider.client_id]
    assert provider_logout(http, url).startswith("http://localhost/")
    assert client.get("/api/v1/me").status_code == 401


def _forged_id_token(oidc_provider, nonce: str, claims: dict, alg: str = "RS256", own_key: bool = True) -> str:
    """An ID token as the provider would sign it (its own key from its key file), with `claims` over
    the person's; alg "none" gives an unsigned one, own_key=False one signed by another key."""
    import base64
    import json
    import time

    from joserfc import jwt
    from joserfc.jwk import RSAKey

    signing = json.loads(oidc_provider.keys_path.read_text())["keys"][0]
    now = int(time.time())
    body = {"iss": oidc_provider.issuer, "aud": oidc_provider.client_id, "sub": "forged", "exp": now + 300, "iat": now,
            "nonce": nonce, **oidc_provider.identities["person"], **claims}
    header = {"alg": alg, "kid": signing["kid"]}
    if alg == "none":
        part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()  # noqa: E731
        return f"{part(header)}.{part(body)}."
    key = RSAKey.import_key(signing) if own_key else RSAKey.generate_key(2048, private=True)
    return jwt.encode(header, body, key)


PERSON_ID = "42011119860415123X"   # the development provider's natural person (idp/identities.json)
FORGED = {
    "another audience": ({"aud": "another-client"}, {}), "another issuer": ({"iss": "https://idp.example"}, {}),
    "expired": ({"exp": 1_700_000_000, "iat": 1_699_999_000}, {}), "unsigned": ({}, {"alg": "none"}),
    "another key": ({}, {"own_key": False}), "another nonce": ({"nonce": "replayed"}, {}),
    "invalid check digit": ({"id_number": PERSON_ID[:-1] + "1"}, {}),
    "a credit code for a natural person": ({"id_number": None, "uscc": "91420106MA4K2D8R04"}, {}),
}
SPELLED = {"lower-case x": PERSON_ID.lower(), "spaces": " 420111 19860415 123x ",
           "full-width": PERSON_ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))}


def _callback_with(app, oidc_provider, monkeypatch, claims: dict, **how):
    """A login whose token endpoint answers with a forged ID token; the client after the callback."""
    from authlib.integrations.flask_client.apps import FlaskOAuth2App

    client = app.test_client()
    params = parse_qs(urlsplit(client.get("/login").headers["Location"]).query)
    token = _forged_id_token(oidc_provider, params["nonce"][0], claims, **how)
    monkeypatch.setattr(FlaskOAuth2App, "fetch_access_token",
                        lambda self, **kwargs: {"access_token": "a", "token_type": "Bearer", "id_token": token})
    return client, client.get(f"/login/callback?code=c&state={params['state'][0]}")


@pytest.mark.parametrize("case", list(FORGED))
def test_an_id_token_that_does_not_verify_logs_no_one_in(app, oidc_provider, monkeypatch, case):
    claims, how = FORGED[case]
    client, done = _callback_with(app, oidc_provider, monkeypatch, claims, **how)
    assert done.status_code in (400, 403) and "登录" in done.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("case", list(SPELLED))
def test_an_id_number_spelled_otherwise_is_the_same_person(app, oidc_provider, monkeypatch, case):
    client, done = _callback_with(app, oidc_provider, monkeypatch, {"id_number": SPELLED[case]})
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    assert client.get("/api/v1/me").json["subject"]["key"] == PERSON_ID


def test_logins_begun_and_abandoned_do_not_grow_the_cookie_until_login_breaks(app):
    """Each /login keeps its state, nonce and PKCE verifier in the cookie until its callback: a user who
    clicks 登录 and goes back, again and again, would pass the 4 KB browsers keep for a cookie after
    some twenty tries, and from then on no login could finish. Only the latest few are kept."""
    client = app.test_client()
    first = client.get("/login").headers["Location"]
    for _ in range(40):
        client.get("/login")
    assert len(client.get_cookie("credit_session").value) < 1500
    back = provider_login(requests.Session(), client.get("/login").headers["Location"], "enterprise")
    done = client.get(_local(back))
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    # The first of those logins is no longer pending: its callback is refused as any stale one.
    stale = app.test_client()
    late = provider_login(requests.Session(), first, "enterprise")
    assert stale.get(_local(late)).status_code == 400


def test_a_login_begun_in_a_second_tab_lets_the_first_finish(app):
    client = app.test_client()
    first, second = (client.get("/login").headers["Location"] for _ in range(2))
    back = provider_login(requests.Session(), first, "social_org")
    done = client.get(_local(back))
    assert done.status_code == 302 and done.headers["Location"] == "/account"


def test_logins_begun_in_several_tabs_each_end_logged_in(app, oidc_provider):
    """One browser, four tabs each begun a login: the newest three are kept, so the one begun first
    is refused. The first of the others to come back logs in (with a fresh cookie, dropping the
    others' state); the rest come back to the account page, logged in, not to an error page."""
    client = app.test_client()
    starts = [client.get("/login").headers["Location"] for _ in range(4)]
    backs = [provider_login(requests.Session(), start, "enterprise") for start in starts]
    forgotten = client.get(_local(backs[0]))
    assert forgotten.status_code == 400 and "登录未完成" in forgotten.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401
    done = [client.get(_local(backs[n])) for n in (2, 3, 1)]
    assert [(d.status_code, d.headers.get("Location")) for d in done] == [(302, "/account")] * 3
    assert client.get("/api/v1/me").json["subject"]["key"] == oidc_provider.identities["enterprise"]["uscc"]
