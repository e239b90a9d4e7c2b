"""Production serving: `gunicorn -c gunicorn.conf.py wsgi:app` against an instance named by the
environment, with three workers and the port from the environment as scripts/demo.sh sets them."""
from __future__ import annotations

import http.client
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.helpers import free_port, wait_until_up
from tests.portal import mini

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gunicorn(mini_instance):
    port = free_port()
    env = {**os.environ, "CREDIT_DATABASE_URL": mini_instance.database_url, "CREDIT_SEARCH_URL": mini_instance.search_url,
           "CREDIT_RATELIMIT_ANONYMOUS": "1000/minute", "PORT": str(port), "WORKERS": "3"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_up(base + "/healthz"):   # not listening yet, or workers still booting
            pytest.fail("gunicorn did not start: " + process.stderr.read1().decode(errors="replace"))
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_gunicorn_serves_pages_and_api_with_several_workers(gunicorn):
    def fetch(n: int):
        if n % 2:
            return requests.get(gunicorn + "/search", params={"q": "光谷科技"}, timeout=10)
        return requests.get(gunicorn + f"/api/v1/subjects/{mini.GUANGGU[1]}", timeout=10)

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(fetch, range(24)))
    assert {r.status_code for r in responses} == {200}
    assert all("<mark>光谷科技</mark>" in r.text for r in responses[1::2])
    assert all(r.json()["name"] == mini.GUANGGU[0] for r in responses[::2])
    assert responses[0].headers["X-RateLimit-Limit"] == "1000"


@pytest.mark.parametrize("workers, storage, warned", [(3, "", True), (1, "", False), (3, "redis://127.0.0.1:6379/0", False)])
def test_gunicorn_warns_when_quotas_are_counted_per_worker(monkeypatch, caplog, workers, storage, warned):
    import logging
    import runpy
    from types import SimpleNamespace

    monkeypatch.setenv("CREDIT_RATELIMIT_STORAGE_URL", storage)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    server = SimpleNamespace(cfg=SimpleNamespace(workers=workers), log=logging.getLogger("gunicorn.error"))
    with caplog.at_level(logging.WARNING):
        config["when_ready"](server)
    assert ("counted per worker" in caplog.text) is warned


def raw_get(base: str, target: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    """(status, content type, body) of a GET sent as given: no client-side quoting or limits."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read().decode()
    finally:
        conn.close()


# Longer than the portal allows, within what gunicorn.conf.py lets through to it (gunicorn's own
# defaults would have refused each of these with a plain English page).
LONG_QUERY = "q=" + "a" * 6000
LARGE_HEADERS = {"X-Large": "a" * 9000}
MANY_HEADERS = {f"X-Many-{i}": "1" for i in range(110)}


@pytest.mark.parametrize("target, headers, status", [
    (f"/api/v1/search?{LONG_QUERY}", None, 414), (f"/search?{LONG_QUERY}", None, 414),
    ("/api/v1/search?q=x", LARGE_HEADERS, 431), ("/search?q=x", LARGE_HEADERS, 431),
    ("/api/v1/search?q=x", MANY_HEADERS, 431), ("/search?q=x", MANY_HEADERS, 431),
], ids=["api-url", "page-url", "api-header", "page-header", "api-headers", "page-headers"])
def test_over_long_requests_are_refused_by_the_portal(gunicorn, target, headers, status):
    got, content_type, body = raw_get(gunicorn, target, headers)
    assert got == status
    if target.startswith("/api/"):
        assert content_type.startswith("application/json") and '"error"' in body
    else:
        assert content_type.startswith("text/html") and "返回首页" in body
    assert any("\u4e00" <= char <= "\u9fff" for char in body)   # in the portal's words, not gunicorn's


@pytest.mark.parametrize("target", ["/api/v1/subjects/%2F", "/api/v1/subjects/%2F/records?kind=licence",
                                    "/api/v1/subjects/a%2F..%2Fb", "/api/v1//search?q=x", "/api"])
def test_odd_paths_under_api_answer_json(gunicorn, target):
    status, content_type, body = raw_get(gunicorn, target)
    assert status in (400, 404) and content_type.startswith("application/json") and '"error"' in body


@pytest.mark.parametrize("variable, value", [("CREDIT_SECRET_KEY", ""), ("CREDIT_SEARCH_URL", "127.0.0.1:9200"),
                                             ("CREDIT_SEARCH_TIMEOUT", "5s")])
def test_gunicorn_stops_at_start_with_the_settings_reason_not_a_traceback(tmp_path, variable, value):
    env = {**os.environ, "CREDIT_INSTANCE_PATH": str(tmp_path), "CREDIT_PRODUCTION": "1",
           "CREDIT_SECRET_KEY": "s" * 40, "PORT": str(free_port()), "WORKERS": "1", variable: value}
    done = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert variable in done.stderr and "Traceback" not in done.stderr


def test_each_instance_has_its_own_gunicorn_control_socket(monkeypatch, tmp_path):
    """Not gunicorn's one path per user: two deployments (or the demo and the tests) must not take
    over, and on stopping delete, each other's."""
    import runpy

    monkeypatch.setenv("CREDIT_INSTANCE_PATH", str(tmp_path))
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["control_socket"] == str(tmp_path / "gunicorn.ctl")


def test_an_access_log_holds_no_query_strings(mini_instance, tmp_path):
    """What the public searches for (an ID or phone number) and a page's referrer stay out of an
    access log an operator turns on."""
    port, log = free_port(), tmp_path / "access.log"
    env = {**os.environ, "CREDIT_DATABASE_URL": mini_instance.database_url, "CREDIT_SEARCH_URL": mini_instance.search_url,
           "CREDIT_INSTANCE_PATH": str(tmp_path), "PORT": str(port), "WORKERS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app",
                                "--access-logfile", str(log)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_up(base + "/healthz")
        assert requests.get(base + "/search", params={"q": "13907141234"}, timeout=10,
                            headers={"Referer": base + "/search?q=42011119860415123X"}).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    lines = log.read_text()
    assert "GET /search HTTP/1.1" in lines
    assert "13907141234" not in lines and "42011119860415123X" not in lines
