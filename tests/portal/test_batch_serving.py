"""Institution quotas are exact across gunicorn workers (SPEC §7): a real Redis started here on a
free port, the portal under gunicorn with three workers, and more than the quota sent at once from
many connections. Skipped when Debian's redis-server is not installed (scripts/test.sh installs it)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests

from credit import institutions
from credit.db import session_factory
from tests.conftest import TODAY, ingest_into, make_settings
from tests.helpers import free_port, wait_until, wait_until_up
from tests.portal import mini

ROOT = Path(__file__).resolve().parents[2]
CONNECTIONS = 8
REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed (apt-get install redis-server)")


@dataclass
class Served:
    base: str
    settings: object
    redis: subprocess.Popen


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch-serving")
    settings = make_settings(folder)
    report = ingest_into(settings, [str(mini.write(folder / "source", TODAY))])
    assert report.total("rejected") == 0, report.rejections
    redis_port, port = free_port(), free_port()
    store = subprocess.Popen([REDIS, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**os.environ, "CREDIT_DATABASE_URL": settings.database_url, "CREDIT_SEARCH_URL": settings.search_url,
           "CREDIT_RATELIMIT_STORAGE_URL": f"redis://127.0.0.1:{redis_port}/0",
           "CREDIT_SEARCH_PREFIX": f"exact{os.getpid()}", "CREDIT_RATELIMIT_ANONYMOUS": "100000/minute",
           "PORT": str(port), "WORKERS": "3"}
    portal = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        up = wait_until(lambda: _pings(redis_port), 10)
        assert up, "redis-server did not start"
        if not wait_until_up(base + "/healthz"):
            pytest.fail("gunicorn did not start: " + portal.stderr.read1().decode(errors="replace"))
        yield Served(base, settings, store)
    finally:
        portal.terminate()
        portal.wait(timeout=10)
        store.terminate()
        store.wait(timeout=10)


def _pings(port: int) -> bool:
    try:
        return redis.Redis(port=port, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


def token_for(served: Served, per_minute: int, per_day: int) -> str:
    with session_factory(served.settings.database_url).begin() as session:
        client, secret = institutions.create_client(session, name="某某征信有限公司", uscc=mini.uscc("91420100MA4K80002"),
                                                    per_minute=per_minute, per_day=per_day)
        client_id = client.client_id
    response = requests.post(served.base + "/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                             auth=(client_id, secret), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def send_all(served: Served, token: str, batches: list[list[str]]) -> list[tuple[list[str], requests.Response]]:
    """Every batch sent, CONNECTIONS at a time, each thread on its own connection."""
    sessions: dict[int, requests.Session] = {}

    def send(batch: list[str]):
        session = sessions.setdefault(threading.get_ident(), requests.Session())
        return batch, session.post(served.base + "/api/v1/batch", json={"items": batch}, timeout=30,
                                   headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(CONNECTIONS) as pool:
        return list(pool.map(send, batches))


def served_items(results) -> int:
    """Items answered, checking that every request was answered or refused as a whole."""
    total = 0
    for batch, response in results:
        if response.status_code == 200:
            items = response.json()["items"]
            assert [i["input"] for i in items] == batch and all(i["status"] == "found" for i in items)
            total += len(batch)
        else:
            assert response.status_code == 429, response.text
            assert response.json()["error"]["code"] == "quota_exceeded" and int(response.headers["Retry-After"]) > 0
    return total


def usage(served: Served, token: str) -> dict:
    return requests.get(served.base + "/api/v1/usage", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()


def test_exactly_the_daily_item_quota_is_served(served):
    quota = 300
    token = token_for(served, per_minute=100_000, per_day=quota)
    codes = [code for _, code in [mini.GUANGGU, mini.CHANGJIANG, mini.PINGAN, *mini.TRADERS]]
    # First 390 items in batches of 1 to 60 (their sum is over the quota, so a batch is refused
    # when fewer items are left than it holds), then 60 single items, which take exactly what is left.
    sizes = [1, 60, 7, 33, 13, 52, 2, 41, 25, 5, 17, 38, 9, 44, 3, 40]
    assert sum(sizes) == 450 - 60
    big = send_all(served, token, [[codes[(n + k) % len(codes)] for k in range(size)] for n, size in enumerate(sizes)])
    assert any(r.status_code == 429 for _, r in big)
    single = send_all(served, token, [[codes[n % len(codes)]] for n in range(60)])
    assert served_items(big) + served_items(single) == quota
    assert usage(served, token)["day"]["used"] == quota


def test_exactly_the_requests_per_minute_are_served(served):
    limit = 40
    # All within one calendar minute: start at the beginning of one if this one is nearly over.
    if time.time() % 60 > 40:
        time.sleep(60 - time.time() % 60 + 0.5)
    token = token_for(served, per_minute=limit, per_day=100_000)
    results = send_all(served, token, [[mini.GUANGGU[1]] for _ in range(limit * 3 // 2)])
    assert served_items(results) == limit
    assert sum(r.status_code == 429 for _, r in results) == limit // 2
    assert usage(served, token)["minute"]["used"] == limit


def test_without_redis_the_institution_api_fails_closed_and_public_pages_answer(served):
    token = token_for(served, per_minute=100, per_day=100)
    served.redis.terminate()
    served.redis.wait(timeout=10)
    refused = requests.post(served.base + "/api/v1/batch", json={"items": [mini.GUANGGU[1]]}, timeout=30,
                            headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "quota_unavailable"
    assert requests.get(served.base + "/", timeout=30).status_code == 200
    assert requests.get(served.base + "/api/v1/search", params={"q": "光谷"}, timeout=30).status_code == 200
    assert requests.get(served.base + f"/api/v1/subjects/{mini.GUANGGU[1]}", timeout=30).status_code == 200
