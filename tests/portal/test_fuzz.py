"""Every parameter of every operation in /api/v1/openapi.json, fuzzed with values that fit the
document and values that do not: never a server error, and every refusal in the documented shape
{"error": {"code", "message"}}. Through the app's WSGI interface, over the generated sample."""
from __future__ import annotations

import base64
import json

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from portal.api import openapi_document
from tests.portal.conftest import portal_app

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
def test_no_input_is_a_server_error(case, sample_app):
    case.call_and_validate(app=sample_app, checks=[not_a_server_error, error_shape])
