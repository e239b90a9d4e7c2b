"""Every parameter of every operation in /api/v1/openapi.json, fuzzed with values that fit the
document and values that do not: never a server error, every refusal in the documented shape
{"error": {"code", "message"}}, and every answer with a status, content type and body the document
promises. Operations behind a login or an institution's token are called with valid credentials, so
their bodies and parameters are fuzzed past the door (the refusals at the door: test_batch.py,
test_access.py). Through the app's WSGI interface, over the generated sample."""
from __future__ import annotations

import base64
import json

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from credit import institutions
from credit.db import session_factory
from portal.api import openapi_document
from tests.portal import mini
from tests.portal.conftest import portal_app
from tests.portal.realname import CLERK, log_in

# Examples per operation and generation mode: the whole fuzz stays well under a minute on a
# 2-core CI machine. Deterministic, so a failure seen once is seen on every run.
EXAMPLES = 60

# The document /api/v1/openapi.json serves (read here, before any app exists, so that each operation
# is a test of its own).
schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES,
                                deterministic=True)


# -- values the document allows but a parser may not: where 500s were found ---------------------

def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# Digits that str.isdigit() accepts: ², ①, ⑴ (which int() refuses) and other scripts' digits (which it
# reads); and numbers too long to read.
NUMBERS = st.one_of(st.text(st.characters(categories=("Nd", "No")).filter(str.isdigit), min_size=1, max_size=4),
                    st.from_regex(r"[0-9]{10,60}", fullmatch=True))
# Cursors of every JSON shape (numbers too large for SQLite, NaN, nested lists, null …), nested
# deeper than a parser's stack, or not base64 at all.
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3), max_leaves=6)
CURSORS = st.one_of(JSON.map(lambda value: _cursor(json.dumps(value))),
                    st.integers(1, 3000).map(lambda depth: _cursor("[" * depth + "]" * depth)),
                    st.text(max_size=20))
HOSTILE = {"page": NUMBERS, "size": NUMBERS, "after": CURSORS}


@schema.hook
def flatmap_query(context, query):
    """Now and then, a hostile value for the operation's paging parameters."""
    names = [p.name for p in context.operation.query if p.name in HOSTILE]
    extra = st.fixed_dictionaries({}, optional={name: HOSTILE[name] for name in names})
    return extra.map(lambda values: {**(query or {}), **values})


# -- the test ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_app(sample_instance):
    settings, _report = sample_instance
    return portal_app(settings)


@pytest.fixture(scope="module")
def credentials(sample_app):
    """Per security scheme of the document, what a caller holding it sends: an institution's bearer
    token (a contract too large to run out here), its client credentials, a real-name session."""
    settings = sample_app.config["CREDIT_SETTINGS"]
    with session_factory(settings.database_url).begin() as session:
        row, secret = institutions.create_client(session, name="某某征信有限公司", uscc=mini.uscc("91420100MA4K80001"),
                                                 per_minute=10**9, per_day=10**9)
        client_id = row.client_id
    client = sample_app.test_client()
    basic = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                        headers={"Authorization": basic}).get_json()["access_token"]
    log_in(client, CLERK)
    return {"institutionToken": ({"Authorization": f"Bearer {token}"}, {}),
            "clientCredentials": ({"Authorization": basic}, {}),
            "session": ({}, {"credit_session": client.get_cookie("credit_session").value})}


def _with_credentials(case, credentials) -> dict:
    """The headers and cookies of the first security scheme the operation names (none if public)."""
    schemes = [name for requirement in case.operation.definition.raw.get("security", []) for name in requirement]
    headers, cookies = credentials[schemes[0]] if schemes else ({}, {})
    return {"headers": {**(case.headers or {}), **headers}, "cookies": cookies}


def error_shape(ctx, response, case) -> None:
    """A client error says what was wrong, in the one shape clients rely on."""
    if not 400 <= response.status_code < 500:
        return
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), "error is not JSON"
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict) and set(error) >= {"code", "message"}, body
    assert isinstance(error["code"], str) and error["code"], body
    assert isinstance(error["message"], str) and error["message"], body


def test_the_fuzzed_document_is_the_served_one(sample_app):
    assert sample_app.test_client().get("/api/v1/openapi.json").get_json() == openapi_document()


@schema.parametrize()
def test_every_answer_is_a_documented_one(case, sample_app, credentials):
    case.call_and_validate(app=sample_app, checks=[not_a_server_error, error_shape, status_code_conformance,
                                                   content_type_conformance, response_schema_conformance,
                                                   response_headers_conformance],
                           **_with_credentials(case, credentials))
