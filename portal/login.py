"""Real-name login through OpenID Connect (authlib): authorization-code flow with PKCE, `state` and
`nonce` checked, the ID token verified against the provider's published keys (a key the cache does
not know is fetched again, so rotated keys are picked up), issuer, audience and expiry checked.

The browser's cookie holds only a random session token (credit.logins keeps the session); the
cookie is HttpOnly, SameSite=Lax, Secure in production, and the session ends after the idle and the
absolute timeouts. Nothing about a login ever appears in a URL."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import wraps

from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import HTTPException

from credit import logins
from credit.config import Settings
from credit.db import session_factory
from credit.logins import Identity
from portal.errors import wants_json

PROVIDER = "provider"
SESSION_KEY = "login"   # the key of the session token in Flask's (signed) cookie
NEXT = "next"      # where to go after logging in: kept in the cookie, never in a URL
PENDING_LOGINS = 3   # logins begun and not finished whose state the cookie keeps (a tab each)


def init_app(app: Flask, settings: Settings) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="credit_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        PERMANENT_SESSION_LIFETIME=settings.session_max_hours * 3600,
    )
    app.extensions["credit_sessions"] = session_factory(settings.database_url)
    # One client registry per app (not a module global): each app talks to its own provider.
    oauth = app.extensions["credit_oauth"] = OAuth(app)
    if settings.oidc_issuer:
        oauth.register(
            PROVIDER,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": settings.oidc_scope, "code_challenge_method": "S256",
                           "timeout": settings.search_timeout},
        )
    app.before_request(_load_identity)


def sessions() -> sessionmaker[Session]:
    return current_app.extensions["credit_sessions"]


def now() -> datetime:
    """The time sessions and codes are judged at; tests set NOW to travel in time."""
    return current_app.config.get("NOW") or datetime.now(timezone.utc)


def provider():
    """The registered provider client, or None when no provider is configured."""
    return current_app.extensions["credit_oauth"].create_client(PROVIDER) if _settings().oidc_issuer else None


def _settings() -> Settings:
    return current_app.config["CREDIT_SETTINGS"]


def _load_identity() -> None:
    """g.identity: the verified identity of a live session, else None (and a dead session's token dropped)."""
    g.identity = None
    token = session.get(SESSION_KEY)
    if not token:
        return
    g.identity = logins.resume(sessions(), token, now(), _settings())
    if g.identity is None:
        session.pop(SESSION_KEY, None)


def identity() -> Identity | None:
    return g.get("identity")


def begin(identity_: Identity, id_token: str | None) -> None:
    """Start a session for a verified identity, in a fresh cookie (no state from before the login
    survives it: session fixation)."""
    after = session.get(NEXT)
    session.clear()
    session.permanent = True
    if after:
        session[NEXT] = after
    session[SESSION_KEY] = logins.start(sessions(), identity_, id_token, now(), _settings())


def forget_abandoned_logins() -> None:
    """Before a login begins: keep only the newest few begun before it. authlib keeps each login's
    state, nonce and PKCE verifier in the cookie until its callback, ~180 bytes each; a user who
    clicks 登录 and goes back again and again would pass the 4 KB a browser keeps for a cookie after
    some twenty, and from then on no login could finish."""
    prefix = f"_state_{PROVIDER}_"   # authlib's key for one login's state
    begun = sorted((key for key in session if key.startswith(prefix)), key=lambda key: session[key].get("exp", 0))
    for key in begun[:max(0, len(begun) - (PENDING_LOGINS - 1))]:
        session.pop(key)


def finish() -> str | None:
    """End the current session; returns the ID token to hint the provider's logout with."""
    token = session.pop(SESSION_KEY, None)
    session.clear()
    return logins.end(sessions(), token) if token else None


def required(view):
    """Views for a logged-in identity: anyone else is sent to log in (API: 401)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if identity() is None:
            if wants_json():
                abort(401)
            after = _page_at(request.path)
            if after:
                session[NEXT] = after
            else:
                session.pop(NEXT, None)
            return redirect(url_for("account.login_page"))
        return view(*args, **kwargs)
    return wrapper


def _page_at(path: str) -> str | None:
    """`path` when a GET there is a page: a form sent after the session ended (its POST was the
    request sent to log in) may have an action that answers only POST (/account/codes), which
    after the login would be a 405 error page; then the account page is where to come back to."""
    if request.method in ("GET", "HEAD"):
        return path
    try:
        current_app.create_url_adapter(request).match(path, method="GET")
    except HTTPException:   # no GET route there (405), or only by a redirect
        return None
    return path
