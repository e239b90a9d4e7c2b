"""Flask extensions, created without an app and bound to it in create_app (init_app)."""
from __future__ import annotations

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

# The anonymous budget is one application-wide limit per client address (not per route), so a
# scraper cannot multiply it by spreading requests over pages. The address is request.remote_addr
# after ProxyFix has taken the configured number of proxy hops into account. The limit string is
# read from the app's config on each request, so every app (and every test) can set its own.
limiter = Limiter(
    key_func=get_remote_address,
    application_limits=[lambda: current_app.config["RATELIMIT_ANONYMOUS"]],
)

# Every state-changing form carries a token tied to the session (Flask-WTF).
csrf = CSRFProtect()
