"""The development OpenID Connect provider (idp/): a real oidc-provider that the test fixture
starts, logged in to over HTTP as each test identity; PKCE required, ID tokens signed with the
first key of its key file and verifiable against its JWKS, rotation, and no start in production."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet

from credit.codes import is_citizen_id, is_uscc
from tests import idp
from tests.helpers import free_port, listening
from tests.idp import IDP_DIR, identities, node_problem, provider_login, provider_logout

oidc_provider = idp.oidc_provider   # the fixture
CALLBACK = "http://localhost/login/callback"


def discovery(provider) -> dict:
    return requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=10).json()


def authorize_url(provider, **params) -> str:
    query = {"client_id": provider.client_id, "response_type": "code", "scope": "openid profile",
             "redirect_uri": CALLBACK, "state": secrets.token_urlsafe(16), "nonce": secrets.token_urlsafe(16), **params}
    return f"{discovery(provider)['authorization_endpoint']}?{urlencode(query)}"


def log_in(provider, identity: str) -> tuple[dict, dict]:
    """The whole authorization-code flow with PKCE as the identity: (token response, verified ID-token claims)."""
    verifier, state, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    url = authorize_url(provider, state=state, nonce=nonce, code_challenge=create_s256_code_challenge(verifier),
                        code_challenge_method="S256")
    callback = provider_login(requests.Session(), url, identity)
    assert callback.startswith(CALLBACK + "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    assert query["state"] == state and query["iss"] == provider.issuer
    config = discovery(provider)
    tokens = requests.post(config["token_endpoint"], auth=(provider.client_id, provider.client_secret), timeout=10,
                           data={"grant_type": "authorization_code", "code": query["code"], "redirect_uri": CALLBACK,
                                 "code_verifier": verifier})
    assert tokens.status_code == 200, tokens.text
    claims = verified(provider, tokens.json()["id_token"]).claims
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": provider.issuer}, exp={"essential": True},
                          aud={"essential": True, "value": provider.client_id},
                          nonce={"essential": True, "value": nonce}).validate(claims)
    return tokens.json(), claims


def verified(provider, id_token: str) -> jwt.Token:
    """The ID token, its RS256 signature checked against the provider's JWKS."""
    return jwt.decode(id_token, KeySet.import_key_set(jwks(provider)), algorithms=["RS256"])


def jwks(provider) -> dict:
    return requests.get(discovery(provider)["jwks_uri"], timeout=10).json()


def test_identities_are_valid_and_cover_every_kind_of_subject():
    found = identities()
    assert set(found) == {"enterprise", "social_org", "person", "sole_trader", "bank_clerk",
                          "staff_admin", "staff_reviewer", "staff_department", "staff_auditor"}
    for key, claims in found.items():
        if claims["subject_type"] == "自然人":
            number = claims["id_number"]
            assert is_citizen_id(number) and "uscc" not in claims, key
            born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            assert born < date(date.today().year - 30, 1, 1)     # adults on every date the sample uses
        else:
            assert is_uscc(claims["uscc"]) and "id_number" not in claims, key
    assert [found[k]["uscc"][:2] for k in ("enterprise", "social_org", "sole_trader")] == ["91", "51", "92"]
    assert found["sole_trader"]["subject_type"] == "个体工商户"
    assert len({c["sub"] for c in found.values()}) == len({c["name"] for c in found.values()}) == len(found)


def test_discovery(oidc_provider):
    config = discovery(oidc_provider)
    assert config["issuer"] == oidc_provider.issuer
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["response_types_supported"] == ["code"]
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    assert config["end_session_endpoint"].startswith(oidc_provider.issuer)
    assert {"openid", "profile"} <= set(config["scopes_supported"])
    assert {"name", "subject_type", "uscc", "id_number"} <= set(config["claims_supported"])


def test_login_page_is_plain_html_labelled_as_a_test_provider(oidc_provider):
    http = requests.Session()
    page = http.get(authorize_url(oidc_provider, code_challenge=create_s256_code_challenge("x" * 43),
                                  code_challenge_method="S256"), timeout=10)
    assert page.status_code == 200 and "开发用身份提供方 — 仅供测试" in page.text
    assert "<script" not in page.text
    for claims in oidc_provider.identities.values():
        assert claims["name"] in page.text and (claims.get("uscc") or claims["id_number"]) in page.text


@pytest.mark.parametrize("identity", ["enterprise", "social_org", "person", "sole_trader", "bank_clerk"])
def test_login_gives_a_signed_id_token_with_the_identity_claims(oidc_provider, identity):
    tokens, claims = log_in(oidc_provider, identity)
    expected = oidc_provider.identities[identity]
    assert {k: claims.get(k) for k in expected} == expected
    assert ("uscc" in claims) != ("id_number" in claims)
    assert "refresh_token" not in tokens
    signed = verified(oidc_provider, tokens["id_token"])
    assert signed.header["alg"] == "RS256" and signed.header["kid"] == oidc_provider.signing_kid


def test_every_login_chooses_an_identity_again(oidc_provider):
    http = requests.Session()
    challenge = {"code_challenge": create_s256_code_challenge("y" * 43), "code_challenge_method": "S256"}
    provider_login(http, authorize_url(oidc_provider, **challenge), "enterprise")
    second = http.get(authorize_url(oidc_provider, **challenge), timeout=10)
    assert second.status_code == 200 and "选择测试身份" in second.text


def test_pkce_is_required(oidc_provider):
    refused = requests.get(authorize_url(oidc_provider), allow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(refused.headers["Location"]).query)
    assert refused.headers["Location"].startswith(CALLBACK) and query["error"] == ["invalid_request"]
    assert "PKCE" in query["error_description"][0]
    assert "code" not in query
    plain = requests.get(authorize_url(oidc_provider, code_challenge="x" * 43, code_challenge_method="plain"),
                         allow_redirects=False, timeout=10)
    assert parse_qs(urlsplit(plain.headers["Location"]).query)["error"] == ["invalid_request"]


def test_a_wrong_code_verifier_gets_no_token(oidc_provider):
    url = authorize_url(oidc_provider, code_challenge=create_s256_code_challenge("a" * 43), code_challenge_method="S256")
    code = parse_qs(urlsplit(provider_login(requests.Session(), url, "person")).query)["code"][0]
    tokens = requests.post(discovery(oidc_provider)["token_endpoint"], timeout=10,
                           auth=(oidc_provider.client_id, oidc_provider.client_secret),
                           data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                                 "code_verifier": "b" * 43})
    assert tokens.status_code == 400 and tokens.json()["error"] == "invalid_grant"


def test_rp_initiated_logout(oidc_provider):
    tokens, _claims = log_in(oidc_provider, "sole_trader")
    end = discovery(oidc_provider)["end_session_endpoint"] + "?" + urlencode(
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "http://localhost/", "state": "bye"})
    assert provider_logout(requests.Session(), end) == "http://localhost/?state=bye"


def test_key_rotation_changes_the_signing_kid(oidc_provider):
    old = oidc_provider.signing_kid
    new = oidc_provider.rotate_keys()
    assert new != old and oidc_provider.signing_kid == new
    assert [k["kid"] for k in jwks(oidc_provider)["keys"]] == [new, old]
    tokens, _claims = log_in(oidc_provider, "enterprise")
    assert verified(oidc_provider, tokens["id_token"]).header["kid"] == new
    newest = oidc_provider.rotate_keys(keep_old=False)
    assert [k["kid"] for k in jwks(oidc_provider)["keys"]] == [newest]


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_refuses_to_start_in_production(value, tmp_path):
    problem = node_problem()
    if problem:
        pytest.skip(problem)
    port = free_port()
    done = subprocess.run(["node", str(IDP_DIR / "dev-idp.mjs")], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "CREDIT_PRODUCTION": value, "DEV_IDP_PORT": str(port),
                               "DEV_IDP_KEYS": str(tmp_path / "keys.json")})
    assert done.returncode != 0 and "CREDIT_PRODUCTION" in done.stderr
    assert not listening(port) and not (tmp_path / "keys.json").exists()


def _demo_rows(folder) -> list[str]:
    names = {claims["name"] for claims in identities().values()}
    return [line for name in ("licences.csv", "penalties.csv", "lists.csv", "corrections.csv")
            for line in (folder / name).read_text(encoding="utf-8-sig").splitlines() if any(n in line for n in names)]


def test_the_demo_identities_have_the_same_records_in_every_sample(tmp_path):
    from indexer.sample import generate

    today = date(2025, 6, 30)
    generate(tmp_path / "a", subjects=30, seed=1, today=today)
    generate(tmp_path / "b", subjects=80, seed=9, today=today)
    rows = _demo_rows(tmp_path / "a")
    assert rows == _demo_rows(tmp_path / "b") and len(rows) == 16
    assert not any(identities()["bank_clerk"]["id_number"] in row for row in rows)
    operator = json.loads((IDP_DIR / "identities.json").read_text(encoding="utf-8"))["sole_trader"]["representative"]
    assert any(f"当事人{operator['name']}" in row and "个体工商户" in row for row in rows)


def test_the_demo_records_cover_what_an_account_shows(tmp_path):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from credit.catalog import load_catalog
    from credit.db import engine_for
    from credit.models import Record
    from credit.publicity import publicity
    from indexer.sample import generate
    from tests.conftest import TODAY, ingest_into, make_settings

    generate(tmp_path / "sample", subjects=30, seed=2, today=TODAY)
    settings = make_settings(tmp_path)
    ingest_into(settings, [str(tmp_path / "sample")])
    catalog, found = load_catalog("default"), identities()
    states: dict[str, list[tuple[str, str]]] = {}
    with Session(engine_for(settings.database_url)) as session:
        for key, claims in found.items():
            code = claims.get("uscc") or claims["id_number"]
            records = session.scalars(select(Record).where(Record.subject_key == code)).all()
            assert all(r.subject_name == claims["name"] for r in records)
            states[key] = sorted((r.kind, publicity(r.kind, r.values, catalog, TODAY, revoked=r.revoked).state)
                                 for r in records)
    assert states["enterprise"] == sorted([
        ("licence", "公示中"), ("licence", "公示中"), ("penalty", "公示中"), ("penalty", "公示中"),
        ("penalty", "不予公示（简易程序）"), ("penalty", "不予公示（仅警告）"), ("penalty", "已过公示期"),
        ("penalty", "已撤销"), ("list", "公示中"), ("list", "已移出名单")])
    assert states["social_org"] == [("licence", "公示中")]
    assert states["person"] == [("penalty", "自然人信息不公开")] * 2
    assert states["sole_trader"] == [("licence", "公示中"), ("penalty", "公示中")]
    assert states["bank_clerk"] == []
