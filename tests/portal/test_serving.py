"""Production serving: `gunicorn -w 3 wsgi:app` against an instance named by the environment."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.portal import mini

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(mini_instance):
    port = free_port()
    env = {**os.environ, "CREDIT_DATABASE_URL": mini_instance.database_url, "CREDIT_SEARCH_URL": mini_instance.search_url,
           "CREDIT_RATELIMIT_ANONYMOUS": "1000/minute"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "3", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or workers still booting
                time.sleep(0.1)
        else:
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
