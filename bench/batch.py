"""Batch lookup benchmark (SPEC §7): POST /api/v1/batch over HTTP, against an instance of N
subjects on the embedded default (or another engine), served by gunicorn.

Prints, for a batch of 1,000 codes and a batch of 1,000 names, the median and p99 latency over
--runs runs (one client), and items per second with 1 and 4 concurrent clients. Targets: 1,000
codes ≤ 100 ms median, 1,000 names ≤ 1 s median.

    python bench/batch.py [--subjects 100000] [--runs 20] [--instance DIR] [--search-url URL]

--instance reuses (or, if empty, fills and keeps) an instance folder, e.g. one that
`bench/ingest.py --keep DIR` built; otherwise the sample is ingested into a temporary folder."""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import requests
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import percentile, sample  # noqa: E402

from credit import institutions  # noqa: E402
from credit.catalog import load_catalog  # noqa: E402
from credit.config import Settings  # noqa: E402
from credit.db import migrate, session_factory  # noqa: E402
from credit.ids import subject_doc_id  # noqa: E402
from credit.models import Record  # noqa: E402
from credit.search import open_index  # noqa: E402
from indexer.ingest import Ingester  # noqa: E402
from tests.helpers import free_port, wait_until_up  # noqa: E402

BATCH = 1000
INSTITUTION = "91420100MA4K00001U"


def instance(folder: Path, subjects: int, seed: int, search_url: str) -> Settings:
    """Settings of an instance holding the sample, ingested unless the folder already has one."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"embedded://{folder / 'search.tantivy'}" if search_url == "embedded" else search_url
    settings = Settings(database_url=f"sqlite:///{folder / 'credit.sqlite3'}", search_url=url,
                        search_prefix="benchbatch", ratelimit_anonymous="1000000/minute")
    migrate(settings.database_url)
    with session_factory(settings.database_url)() as session:
        filled = session.scalar(select(Record.id).limit(1)) is not None
    if not filled:
        started = time.perf_counter()
        Ingester(settings, load_catalog(settings.catalog), progress=True).run([str(sample(subjects, seed))])
        print(f"ingested {subjects:,} subjects in {time.perf_counter() - started:.0f}s")
    return settings


def subjects(settings: Settings, n: int, seed: int) -> tuple[list[str], list[str]]:
    """n public subjects' codes, and n (other) public subjects' current names."""
    with session_factory(settings.database_url)() as session:
        keys = sorted(set(session.scalars(select(Record.subject_key).where(Record.subject_type != "自然人"))))
    rng = random.Random(seed)
    rng.shuffle(keys)
    index = open_index(settings)
    docs = []
    for start in range(0, len(keys), 4 * n):
        found = index.get_many([subject_doc_id(k) for k in keys[start:start + 4 * n]], date.today())
        docs += found.values()
        if len(docs) >= 2 * n:
            break
    index.close()
    return [d["code"] for d in docs[:n]], [d["name"] for d in docs[n:2 * n]]


def client_token(settings: Settings, base: str) -> str:
    with session_factory(settings.database_url).begin() as session:
        client, secret = institutions.create_client(session, name="基准测试征信有限公司", uscc=INSTITUTION,
                                                    per_minute=1_000_000, per_day=1_000_000_000)
        client_id = client.client_id
    response = requests.post(base + "/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                             auth=(client_id, secret), timeout=30)
    response.raise_for_status()
    return response.json()["access_token"]


def gunicorn(settings: Settings, workers: int):
    port = free_port()
    env = {**os.environ, "CREDIT_DATABASE_URL": settings.database_url, "CREDIT_SEARCH_URL": settings.search_url,
           "CREDIT_SEARCH_PREFIX": settings.search_prefix, "CREDIT_RATELIMIT_ANONYMOUS": "1000000/minute",
           "PORT": str(port), "WORKERS": str(workers), "GUNICORN_CMD_ARGS": "--timeout 600"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    if not wait_until_up(base + "/healthz", timeout=120):
        process.terminate()
        raise SystemExit("gunicorn did not start")
    return process, base


def post(session: requests.Session, base: str, token: str, items: list[str]) -> float:
    started = time.perf_counter()
    response = session.post(base + "/api/v1/batch", json={"items": items}, timeout=600,
                            headers={"Authorization": f"Bearer {token}"})
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    assert response.json()["count"] == len(items)
    return elapsed


def latencies(base: str, token: str, items: list[str], runs: int) -> tuple[list[float], list[str]]:
    session = requests.Session()
    post(session, base, token, items)   # warm the worker's caches
    times = [post(session, base, token, items) * 1000 for _ in range(runs)]
    statuses = session.post(base + "/api/v1/batch", json={"items": items}, timeout=600,
                            headers={"Authorization": f"Bearer {token}"}).json()["items"]
    return times, [s["status"] for s in statuses]


def throughput(base: str, token: str, items: list[str], clients: int, seconds: float = 10) -> float:
    """Items per second with `clients` clients each sending batches back to back for about
    `seconds` (at least two batches each)."""
    def client(_n: int) -> int:
        session, sent, started = requests.Session(), 0, time.perf_counter()
        while sent < 2 or time.perf_counter() - started < seconds:
            post(session, base, token, items)
            sent += 1
        return sent * len(items)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        done = sum(pool.map(client, range(clients)))
    return done / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--search-url", default="embedded", help="embedded (default) or an Elasticsearch URL")
    parser.add_argument("--instance", help="instance folder to reuse or fill and keep")
    args = parser.parse_args()

    folder = Path(args.instance or tempfile.mkdtemp(prefix="credit-bench-batch-"))
    settings = instance(folder, args.subjects, args.seed, args.search_url)
    codes, names = subjects(settings, BATCH, args.seed)
    process, base = gunicorn(settings, args.workers)
    try:
        token = client_token(settings, base)
        print(f"engine: {args.search_url}, {args.subjects:,} subjects, gunicorn with {args.workers} workers, "
              f"{os.cpu_count()} CPUs")
        for label, items, target in (("codes", codes, 100), ("names", names, 1000)):
            times, statuses = latencies(base, token, items, args.runs)
            found = statuses.count("found")
            median = statistics.median(times)
            print(f"batch of {len(items):,} {label}: median {median:.0f} ms, p99 {percentile(times, 0.99):.0f} ms "
                  f"over {len(times)} runs (target ≤ {target} ms median: {'met' if median <= target else 'MISSED'}); "
                  f"{found} found, {len(items) - found} other")
            for clients in (1, 4):
                rate = throughput(base, token, items, clients)
                print(f"  {label}, {clients} concurrent client{'s' if clients > 1 else ''}: {rate:,.0f} items/s")
    finally:
        process.terminate()
        process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
