"""The JSON API under /api/v1: the same lookups as the pages, as documented in openapi.json."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, jsonify, request, url_for

from credit import access
from portal import authorized, current, login, lookups, params, reports
from portal.errors import PortalError, invalid
from portal.extensions import limiter
from portal.present import catalog

bp = Blueprint("api", __name__)
# The public credit report (PDF) and its verification, as the API serves them (portal/reports.py).
bp.register_blueprint(reports.api)
OPENAPI_FILE = Path(__file__).with_name("openapi.json")


def _page(results: lookups.Results, **extra) -> dict:
    page = {"total": results.total, "items": results.items, "next": results.next,
            "page": results.paging.page if not results.paging.after else None, "size": results.paging.size, **extra}
    if results.facets:
        page["facets"] = results.facets
    return page


def _facets(args) -> bool:
    """Counts by kind and department cost a full count on the engine: only when asked for. (Not
    offered on search: the embedded engine takes seconds to count a name search's facets.)"""
    return args.get("facets") == "true"


@bp.get("/search")
def search():
    args = request.args
    results = lookups.search(current.index(), current.caches(), params.text(args, "q"), params.filters(args),
                             params.paging(args, sizeable=True), current.today())
    return jsonify(_page(results, by_code=results.by_code, suggestions=results.suggestions))


@bp.get("/subjects/<code>")
def subject(code: str):
    profile = lookups.subject_profile(current.index(), code, current.today(), current.settings().section_size)
    sections = {lookups.SECTIONS[kind]: results.items for kind, results in profile.sections.items()}
    more = {lookups.SECTIONS[kind]: _more_url(profile.subject["code"], kind, results)
            for kind, results in profile.sections.items()}
    return jsonify({**profile.subject, "counts": profile.counts, **sections, "more": more})


def _more_url(code: str, kind: str, results: lookups.Results) -> str | None:
    """Where the rest of a profile section is, when it did not fit."""
    if results.total <= len(results.items):
        return None
    return url_for("api.subject_records", code=code, kind=kind, after=results.next)


@bp.get("/subjects/<code>/records")
def subject_records(code: str):
    kind = params.text(request.args, "kind")
    subject, results = lookups.subject_records(current.index(), code, kind, params.paging(request.args, sizeable=True),
                                               current.today())
    return jsonify(_page(results, subject={"code": subject["code"], "name": subject["name"]}, kind=kind))


@bp.get("/lists/<list_type>")
def list_entries(list_type: str):
    args = request.args
    results = lookups.list_entries(current.index(), catalog(), list_type, params.filters(args),
                                   params.paging(args, sizeable=True), current.today(), facets=_facets(args))
    return jsonify(_page(results, list_type=list_type))


@bp.get("/records/<record_id>")
def record(record_id: str):
    return jsonify(lookups.record(current.index(), record_id, current.today()))


# -- real-name access: the logged-in client's own record, and a record through an authorization code

def _disclosure(disclosure: access.Disclosure) -> dict:
    return {"subject": {"key": disclosure.shown_key, "name": disclosure.subject_name}, "how": disclosure.how,
            "purpose": disclosure.purpose,
            "records": [{"id": r.id, "kind": r.kind, "decided_on": r.decided_on, "state": r.state, "public": r.public,
                         "public_until": r.until, "objection": r.objection, "fields": r.fields}
                        for r in disclosure.records]}


@bp.get("/me")
@login.required
def me():
    disclosure = access.read(login.sessions(), catalog(), login.identity(), how=access.SELF, today=current.today(),
                             now=login.now(), address=request.remote_addr)
    return jsonify(_disclosure(disclosure))


@bp.post("/authorized")
@login.required
@authorized.code_tries
def authorized_query():
    # JSON only: a cross-site form cannot send it without a preflight, which the portal never allows.
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("subject", "code")):
        raise invalid('请求体应为 JSON：{"subject": "主体代码或名称", "code": "授权码"}')
    try:
        disclosure = authorized.use_code(body["subject"], body["code"])
    except access.Refused:
        raise PortalError(403, "not_authorized", authorized.REFUSED) from None
    return jsonify(_disclosure(disclosure))


@bp.get("/openapi.json")
@limiter.exempt
def openapi():
    return jsonify(openapi_document())


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    return json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
