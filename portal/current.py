"""What every view needs from the app it runs in: the search index, its caches, the settings and the day
it answers for."""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from credit.config import Settings
from credit.models import local_date
from credit.search import SearchIndex
from portal import login
from portal.caches import Caches


def index() -> SearchIndex:
    return current_app.extensions["credit_index"]


def caches() -> Caches:
    return current_app.extensions["credit_caches"]


def settings() -> Settings:
    return current_app.config["CREDIT_SETTINGS"]


def today() -> date:
    """The publicity windows are judged on this day: China's date, not the server's (on a UTC host
    that would keep a record public 8 hours past its last day). Tests set TODAY to travel in time."""
    return current_app.config.get("TODAY") or local_date(login.now())


def database_error() -> str | None:
    """None when the database answers one small query of the portal's own schema (a database never
    migrated answers nothing the portal can use), else what failed (the error's class)."""
    try:
        with login.sessions()() as db:
            db.execute(text("SELECT version_num FROM alembic_version"))
    except SQLAlchemyError as exc:
        return type(exc).__name__
    return None


def code_key() -> str:
    """The key authorization codes are stored under (HMAC)."""
    settings = current_app.config["CREDIT_SETTINGS"]
    return settings.auth_code_key or settings.secret_key


def republish(subject_keys) -> None:
    """Rebuild these subjects' public documents now, after a change outside an ingest (an objection's
    outcome, a repair), and drop this worker's cached public answers, which may hold the old ones
    (other workers' expire within their lifetime). Raises SearchError when the index refuses."""
    from indexer.republish import republish as rebuild

    try:
        rebuild(settings(), current_app.extensions["credit_catalog"], index(), subject_keys, today())
    finally:
        caches().clear()
