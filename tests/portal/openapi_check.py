"""Checking API answers against portal/openapi.json: which operation a URL is, and its schema."""
from __future__ import annotations

import re

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from portal.api import openapi_document

PREFIX = "/api/v1"


def _template_regex(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def operation_path(url_path: str) -> str:
    """The documented path template that a concrete /api/v1/… path matches."""
    path = url_path.removeprefix(PREFIX)
    matches = [t for t in openapi_document()["paths"] if _template_regex(t).match(path)]
    # A literal segment beats a parameter (/openapi.json is not a record id).
    assert matches, f"{url_path} is not documented"
    return min(matches, key=lambda t: t.count("{"))


def validate_response(method: str, url_path: str, status: int, body) -> None:
    """Raise jsonschema.ValidationError unless `body` is what the document promises."""
    doc = openapi_document()
    operation = doc["paths"][operation_path(url_path)][method.lower()]
    response = operation["responses"].get(str(status))
    assert response is not None, f"{method} {url_path}: status {status} is not documented"
    if "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(doc, default_specification=DRAFT202012))
    ref = schema["$ref"].replace("#", "urn:openapi#") if "$ref" in schema else None
    Draft202012Validator({"$ref": ref} if ref else schema, registry=registry).validate(body)
