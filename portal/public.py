"""The public pages: search, subject profiles, the three lists and record details (HTML)."""
from __future__ import annotations

from functools import partial

from flask import Blueprint, current_app, jsonify, render_template, request

from portal import current, lookups, params
from portal.errors import PortalError
from portal.extensions import limiter
from portal.present import catalog

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    index, caches, today = current.index(), current.caches(), current.today()
    return render_template("public/home.html", latest=lookups.latest(index, caches, today, current.settings().latest_size),
                           list_totals=lookups.list_totals(index, caches, tuple(catalog().list_types), today))


@bp.get("/search")
def search():
    q, filters = params.text(request.args, "q"), params.filters(request.args)
    page = partial(render_template, "public/search.html", q=q, filters=filters, results=None,
                   departments=lookups.departments(current.index(), current.caches(), current.today()))
    if not q and not filters:
        return page()
    try:
        return page(results=lookups.search(current.index(), current.caches(), q, filters, params.paging(request.args),
                                           current.today()))
    except PortalError as error:
        # A wrong check character is answered beside the search box, where it can be corrected.
        return page(error=error), error.status


@bp.get("/subjects/<code>")
def subject(code: str):
    profile = lookups.subject_profile(current.index(), code, current.today(), current.settings().section_size)
    return render_template("public/subject.html", profile=profile, subject=profile.subject)


@bp.get("/subjects/<code>/records")
def subject_records(code: str):
    kind = params.text(request.args, "kind")
    subject, results = lookups.subject_records(current.index(), code, kind, params.paging(request.args),
                                               current.today())
    return render_template("public/subject_records.html", subject=subject, kind=kind, results=results)


@bp.get("/lists/<list_type>")
def list_page(list_type: str):
    filters = params.filters(request.args)
    results = lookups.list_entries(current.index(), catalog(), list_type, filters, params.paging(request.args),
                                   current.today())
    return render_template("public/list.html", list_type=list_type, filters=filters, results=results,
                           departments=lookups.departments(current.index(), current.caches(), current.today(),
                                                             list_type))


@bp.get("/records/<record_id>")
def record(record_id: str):
    return render_template("public/record.html", record=lookups.record(current.index(), record_id, current.today()))


@bp.get("/healthz")
@limiter.exempt
def health():
    status, database = current.index().health(), current.database_error()
    if not status.get("ok"):
        current_app.logger.warning("search engine unhealthy: %s", status)
    if database:
        current_app.logger.warning("database unreachable: %s", database)
    ok = bool(status.get("ok")) and not database
    # Anyone may ask: answer up or down, not the engine's paths and error messages.
    return jsonify(ok=ok, engine=status.get("engine")), 200 if ok else 503
