"""The anonymous rate limit: per client address, shared by all pages and API routes, and not
escapable with a forged X-Forwarded-For unless a proxy in front is trusted to set it."""
from __future__ import annotations

import pytest

from tests.portal.conftest import portal_app
from tests.portal.test_pages import text

LIMIT = 3


def limited_client(settings, trusted_proxies: int):
    app = portal_app(settings, RATELIMIT_ANONYMOUS=f"{LIMIT}/minute", TRUSTED_PROXIES=trusted_proxies)
    return app.test_client()


def get(client, url, forwarded_for=None, remote="10.0.0.1"):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.get(url, headers=headers, environ_base={"REMOTE_ADDR": remote})


def test_over_the_limit_is_a_429_page_with_retry_after(mini_instance):
    client = limited_client(mini_instance, 0)
    answers = [get(client, url) for url in ("/", "/search?q=光谷", "/api/v1/search?q=光谷", "/lists/red")]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]  # one budget for every route
    assert answers[0].headers["X-RateLimit-Limit"] == str(LIMIT)
    assert answers[0].headers["X-RateLimit-Remaining"] == str(LIMIT - 1)
    refused = answers[-1]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "访问过于频繁" in text(refused) and "<title>访问过于频繁" in text(refused)


def test_over_the_limit_is_a_json_429_under_the_api(mini_instance):
    client = limited_client(mini_instance, 0)
    for _ in range(LIMIT):
        get(client, "/api/v1/search?q=光谷")
    refused = get(client, "/api/v1/search?q=光谷")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]["code"] == "rate_limited"


def test_other_addresses_have_their_own_budget(mini_instance):
    client = limited_client(mini_instance, 0)
    for _ in range(LIMIT + 1):
        get(client, "/", remote="10.0.0.1")
    assert get(client, "/", remote="10.0.0.2").status_code == 200


def test_forged_forwarded_for_does_not_escape_the_limit_without_trusted_proxies(mini_instance):
    client = limited_client(mini_instance, 0)
    statuses = [get(client, "/", forwarded_for=f"203.0.113.{n}").status_code for n in range(LIMIT + 2)]
    assert statuses[-1] == 429


def test_one_trusted_proxy_hop_limits_by_the_address_it_reports(mini_instance):
    client = limited_client(mini_instance, 1)
    # Behind one proxy (10.0.0.1), each real client address has its own budget…
    statuses = [get(client, "/", forwarded_for=f"203.0.113.{n}").status_code for n in range(LIMIT + 2)]
    assert set(statuses) == {200}
    # …and a client cannot escape by prepending addresses: only the hop the proxy added counts.
    forged = [get(client, "/", forwarded_for=f"198.51.100.{n}, 203.0.113.99").status_code for n in range(LIMIT + 1)]
    assert forged[-1] == 429


@pytest.mark.parametrize("url", ["/static/site.css", "/healthz", "/api/v1/openapi.json"])
def test_static_files_health_and_api_document_are_not_limited(mini_instance, url):
    client = limited_client(mini_instance, 0)
    assert {get(client, url).status_code for _ in range(LIMIT + 2)} == {200}


def test_an_unreachable_store_is_said_in_the_log(mini_instance, monkeypatch, capsys):
    """The pages go on with per-worker counters when Redis cannot be reached (portal/extensions.py);
    an operator must read that in the log, as served (no logging set up but the app's)."""
    import logging
    from dataclasses import replace

    from tests.helpers import free_port

    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.setattr(logging.getLogger("flask-limiter"), "handlers", [logging.NullHandler()])
    dead = replace(mini_instance, ratelimit_storage_url=f"redis://127.0.0.1:{free_port()}/0")
    assert portal_app(dead).test_client().get("/").status_code == 200
    assert "Rate limit storage unreachable" in capsys.readouterr().err
