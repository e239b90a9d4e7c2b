"""The portal's Flask config keys, taken from the settings (credit.config)."""
from __future__ import annotations

from credit.config import Settings


def flask_config(settings: Settings) -> dict:
    return {
        "SECRET_KEY": settings.secret_key,
        "SITE_NAME": settings.site_name,
        "HOME_REGION": settings.home_region,
        "RATELIMIT_ANONYMOUS": settings.ratelimit_anonymous,
        "RATELIMIT_STORAGE_URI": settings.ratelimit_storage_url,
        "RATELIMIT_HEADERS_ENABLED": True,
        "TRUSTED_PROXIES": settings.trusted_proxies,
        "MAX_CONTENT_LENGTH": settings.max_body_bytes,
    }
