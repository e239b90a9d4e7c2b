"""Flask extensions, created without an app and bound to it in create_app (init_app)."""
from __future__ import annotations

import logging

from flask import current_app
from flask.logging import default_handler
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from portal import rate_memory  # noqa: F401 — memory:// is its store, without limits' timer thread

# The anonymous budget is one application-wide limit per client address (not per route), so a
# scraper cannot multiply it by spreading requests over pages. The address is request.remote_addr
# after ProxyFix has taken the configured number of proxy hops into account. The limit string is
# read from the app's config on each request, so every app (and every test) can set its own.
#
# Moving window: its check-and-add is one atomic step in the storage (a Lua script on Redis) that
# refuses without adding, so across gunicorn workers no more requests are served than the limit,
# and a refused request does not use up the budget. If the storage cannot be reached the public
# pages go on with per-process counters (logged by flask-limiter): they are public anyway. The
# institution API does the opposite and refuses (portal/batch.py, credit/quotas.py). memory://
# (one budget per worker) is portal/rate_memory.py's store.
limiter = Limiter(
    key_func=get_remote_address,
    application_limits=[lambda: current_app.config["RATELIMIT_ANONYMOUS"]],
    strategy="moving-window",
    swallow_errors=True,
    in_memory_fallback_enabled=True,
)


def log_limiter_warnings() -> None:
    """Give flask-limiter's logger the app's handler (stderr, gunicorn's error log) when nothing else
    would show its records: its init_app gives it only a NullHandler, which keeps even "Rate limit
    storage unreachable - falling back to in-memory storage" out of every log. Call after init_app."""
    log = logging.getLogger("flask-limiter")
    shown = [h for h in log.handlers + logging.getLogger().handlers if not isinstance(h, logging.NullHandler)]
    if not shown:
        log.addHandler(default_handler)


# Every state-changing form carries a token tied to the session (Flask-WTF).
csrf = CSRFProtect()
