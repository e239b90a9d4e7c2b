"""The public portal: a Flask app over the public search index (SPEC §9).

`create_app(config)` builds one app; `config` may carry CREDIT_SETTINGS (a credit.config.Settings,
to point at another instance or change a limit) and TODAY (a date, to judge publicity windows on
another day)."""
from __future__ import annotations

from pathlib import Path

import orjson
from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from credit.catalog import load_catalog
from credit.config import Settings
from credit.models import local_time
from credit.search import open_index
from portal import (
    account,
    admin,
    api,
    authorized,
    batch,
    console,
    errors,
    login,
    objections,
    present,
    public,
    repairs,
    reports,
)
from portal.caches import Caches
from portal.config import flask_config
from portal.extensions import csrf, limiter, log_limiter_warnings

ROOT = Path(__file__).resolve().parent.parent
# The pages need no script and load nothing from elsewhere: say so, so a browser refuses any that
# an injected string might try to bring in.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class RowId(IntegerConverter):
    """`<int:…>` in a URL is a database row's id: a number past a 32-bit INTEGER (PostgreSQL) or a
    64-bit one (SQLite) names no row, so it is an unknown URL (404), not a database error (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class JSONProvider(DefaultJSONProvider):
    """Every JSON body the portal reads (request.get_json, the batch API's) is parsed by orjson: strict
    UTF-8, so a lone surrogate ("\\ud800", which no text can be stored or sent with) is a ValueError
    like any malformed JSON, answered 400, as is nesting deeper than 1,024 levels."""

    def loads(self, s, **kwargs):
        return orjson.loads(s)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.json = JSONProvider(app)
    app.url_map.converters["int"] = RowId   # before any route is added
    config = config or {}
    settings = config.get("CREDIT_SETTINGS") or Settings()
    app.config.update(flask_config(settings))
    app.config.update(config)
    app.config["CREDIT_SETTINGS"] = settings
    app.json.ensure_ascii = False   # readable Chinese in API answers
    app.json.sort_keys = False      # total, items, next: in the order documented

    # Only the configured number of proxies may tell us the client's address; with 0 the header is
    # never read, so X-Forwarded-For cannot be used to dodge the rate limit.
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    app.extensions["credit_index"] = open_index(settings)
    app.extensions["credit_catalog"] = load_catalog(settings.catalog)
    app.extensions["credit_caches"] = Caches(settings)
    errors.register(app)   # first: its request check runs before the rate limiter's
    limiter.init_app(app)
    log_limiter_warnings()
    login.init_app(app, settings)
    csrf.init_app(app)
    # The API's one state-changing call takes JSON only (see api.authorized_query), which a
    # cross-site form cannot send: the form token is for the pages.
    csrf.exempt(api.bp)
    # Institutions send JSON with a bearer token, or a token request with their own credentials: no
    # browser session is involved, so no form token either.
    batch.init_app(app)
    csrf.exempt(batch.bp)
    present.register(app)
    app.add_template_filter(local_time, "china_time")   # every moment shown in China Standard Time
    app.register_blueprint(public.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(authorized.bp)
    app.register_blueprint(reports.bp)
    admin.init_app(app)
    repairs.init_app(app)   # credit repair: /account/repairs, /admin/repairs
    objections.init_app(app)
    console.init_app(app)   # the staff console under /admin, the public /stats and /metrics
    app.register_blueprint(api.bp, url_prefix="/api/v1")   # with the institution API (portal/batch.py)
    app.after_request(_secure)
    return app


def _secure(response):
    response.headers.update(SECURITY_HEADERS)
    if login.identity() is not None or request.blueprint in ("account", "authorized", "admin"):
        # Non-public records and one-time codes: never kept by a browser or a proxy.
        response.headers["Cache-Control"] = "no-store"
    return response
