"""Portal-only settings from the environment (CREDIT_*); the shared ones live in credit.config."""
from __future__ import annotations

from credit.config import env


def from_env() -> dict:
    """Flask config keys for the portal, with working defaults for a single-machine demo."""
    return {
        # Signs nothing sensitive yet (no sessions on public pages); set it in production anyway.
        "SECRET_KEY": env("CREDIT_SECRET_KEY", "dev-only-not-secret"),
        "SITE_NAME": env("CREDIT_SITE_NAME", "信用信息公示查询平台"),
        # The province whose prefectures the region filter offers (GB/T 2260 code).
        "HOME_REGION": env("CREDIT_HOME_REGION", "420000"),
        # One budget per client address, shared by every page and API route (anti-scraping).
        "RATELIMIT_ANONYMOUS": env("CREDIT_RATELIMIT_ANONYMOUS", "60/minute;1000/hour"),
        # memory:// counts per worker process; use redis://… so the limit holds across workers.
        "RATELIMIT_STORAGE_URI": env("CREDIT_RATELIMIT_STORAGE_URL", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # How many reverse proxies in front of the portal append to X-Forwarded-For; 0 ignores
        # the header entirely, so a client cannot pick its own rate-limit key.
        "TRUSTED_PROXIES": int(env("CREDIT_TRUSTED_PROXIES", "0")),
    }
