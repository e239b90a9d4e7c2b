"""Ingest benchmark against Elasticsearch: documents per second through bulk indexing, and query
latency, labelled with the engine that produced them.

Uses the Elasticsearch node at --search-url (or $ELASTICSEARCH_URL); without one it starts the
noida-db stand-in on a free 127.0.0.1 port and stops it afterwards. Three measurements:

1. end to end: `indexer ingest` of N generated subjects with the Elasticsearch index
   (rows read, validated, stored, published) — records/s;
2. bulk indexing alone: `rebuild()` of the same public documents, already built in memory, into a
   fresh index version — documents/s, for each --chunks size (how Settings.es_bulk_chunk was chosen);
3. queries: name searches (full, short and partial names), a filtered subject list, a list page,
   and pages 50 deep through `after` cursors — p50/p99 in ms.

    python bench/ingest_elastic.py [--subjects 10000] [--seed 1] [--search-url URL] [--chunks 500,1000,5000]
                                   [--queries 200]"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

# bench/ingest.py (the embedded benchmark): the same data set and name queries.
from bench.ingest import name_queries, percentile, sample  # noqa: E402
from credit.catalog import load_catalog  # noqa: E402
from credit.config import Settings  # noqa: E402
from credit.db import migrate, session_factory  # noqa: E402
from credit.search import RecordQuery, SubjectQuery  # noqa: E402
from credit.search.elastic import ElasticIndex  # noqa: E402
from indexer.ingest import Ingester  # noqa: E402
from indexer.pool import executor  # noqa: E402
from indexer.publisher import all_documents, all_subject_keys  # noqa: E402


class StandIn:
    """noida-db on a free loopback port, for as long as the benchmark runs."""

    def __init__(self):
        exe = shutil.which("noida-db") or str(Path(sys.executable).with_name("noida-db"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.dir = Path(tempfile.mkdtemp(prefix="bench-noida-"))
        self.exe = exe
        # Its own process group: `noida-db` is a launcher whose server is a child process.
        self.process = subprocess.Popen([exe, "start", "--only", "elasticsearch", "--elasticsearch-port", str(port),
                                         "--data-dir", str(self.dir / "data")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url, timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.close()
        raise SystemExit("noida-db did not start; pass --search-url")

    def close(self):
        try:
            subprocess.run([self.exe, "down", "--data-dir", str(self.dir / "data")], check=True, timeout=30,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.process.wait(timeout=10)
        except (subprocess.SubprocessError, OSError):
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def engine_label(index: ElasticIndex) -> str:
    info = index.client.info().body
    version = info.get("version", {}).get("number", "?")
    if info.get("name") == "noida-db":
        return f"noida-db stand-in (answers as Elasticsearch {version}; not a real cluster)"
    return f"Elasticsearch {version} ({info.get('cluster_name')}, {index.url})"


def timed(runs: list[float], fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    runs.append((time.perf_counter() - started) * 1000)
    return result


def report_latency(label: str, runs: list[float]) -> None:
    print(f"  {label:<34} n={len(runs):>4}  p50 {statistics.median(runs):6.1f} ms  p99 {percentile(runs, 0.99):6.1f} ms")


def drop_indices(index: ElasticIndex) -> None:
    for name in index.client.indices.get_alias(index=f"{index.prefix}-*", allow_no_indices=True).body:
        index.client.indices.delete(index=name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--search-url", default=os.environ.get("ELASTICSEARCH_URL"),
                        help="an Elasticsearch URL (default: $ELASTICSEARCH_URL, else a noida-db stand-in)")
    parser.add_argument("--chunks", default="1000", help="bulk chunk sizes to time, comma-separated")
    parser.add_argument("--queries", type=int, default=200, help="name searches to time")
    args = parser.parse_args()

    standin = None if args.search_url else StandIn()
    url = args.search_url or standin.url
    folder = Path(tempfile.mkdtemp(prefix="credit-bench-es-"))
    settings = Settings(database_url=f"sqlite:///{folder / 'credit.sqlite3'}", search_url=url,
                        search_prefix=f"bench-{int(time.time())}", es_replicas=0)
    index = ElasticIndex.from_settings(settings)
    try:
        data = sample(args.subjects, args.seed)
        print(f"engine: {engine_label(index)}")
        print(f"machine: {os.cpu_count()} cores; {args.subjects:,} subjects (seed {args.seed})")

        # 1. End to end.
        migrate(settings.database_url)
        catalog = load_catalog(settings.catalog)
        started = time.perf_counter()
        report = Ingester(settings, catalog, progress=False).run([str(data)])
        elapsed = time.perf_counter() - started
        totals = report.as_json()
        rows = totals["accepted"] + totals["rejected"]
        print(f"ingest end to end: {rows:,} records → {totals['indexed']:,} documents indexed in {elapsed:.1f}s "
              f"= {rows / elapsed:,.0f} records/s, {totals['indexed'] / elapsed:,.0f} documents/s")

        # 2. Bulk indexing alone, from documents already built.
        keys = all_subject_keys(session_factory(settings.database_url))
        docs = list(all_documents(settings, catalog, keys, date.today(), executor(1)))
        for chunk in (int(c) for c in args.chunks.split(",")):
            index.bulk_chunk = chunk
            started = time.perf_counter()
            written = index.rebuild(iter(docs))
            elapsed = time.perf_counter() - started
            print(f"bulk rebuild, {chunk:>5} documents per request: {written:,} documents in {elapsed:.1f}s "
                  f"= {written / elapsed:,.0f} documents/s (including refresh and alias switch)")

        # 3. Queries.
        queries = name_queries(data, args.queries, args.seed)
        for q in queries[:20]:
            index.search_subjects(SubjectQuery(text=q))   # warm up (jieba, connections)
        print("queries (sequential, one client):")
        names, filtered, lists, deep = [], [], [], []
        for text in queries:
            timed(names, index.search_subjects, SubjectQuery(text=text))
        report_latency("name search (with highlight)", names)
        for region in ("420100", "420500", "420600", "421000"):
            for kind in ("licence", "penalty", "list"):
                timed(filtered, index.search_subjects, SubjectQuery(kind=kind, region=region, facets=True))
        report_latency("filtered subjects + facets", filtered)
        for list_type in ("red", "black", "focus") * 20:
            timed(lists, index.search_records, RecordQuery(list_type=list_type))
        report_latency("list page", lists)
        query = SubjectQuery(size=20)
        for _ in range(50):
            page = timed(deep, index.search_subjects, query)
            if not page.next_after:
                break
            query = replace(query, after=page.next_after)
        report_latency("subject pages by `after` cursor", deep)
    finally:
        drop_indices(index)
        index.close()
        shutil.rmtree(folder, ignore_errors=True)
        if standin:
            standin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
