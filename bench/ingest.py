"""Ingest benchmark: generate N subjects, ingest them end to end, then time name searches.

Prints records per second (rows read, validated, stored and published to the search index), the
CPU time per record of the ingesting process and of its workers, the cost of scrubbing personal
data from the shown text (µs per record, and its share of the ingest time per record), and search
latency p50/p99 over a fixed set of name queries. Targets on a 2-core
machine: ≥ 15,000 records/s, p99 < 50 ms with 100,000 subjects.

With --split, a second ingest of the same files runs in one process (no workers) into a fresh
instance and prints where its CPU time goes: reading, validating, building the public documents, the database write
and the search-index write (µs per record, thread CPU time, so other load on the
machine does not blur it).

    python bench/ingest.py [--subjects 100000] [--seed 1] [--search-url URL] [--keep DIR] [--split]"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzers.names import core_name  # noqa: E402
from analyzers.normalize import normalize  # noqa: E402
from credit.catalog import load_catalog  # noqa: E402
from credit.config import Settings  # noqa: E402
from credit.db import migrate, session_factory  # noqa: E402
from credit.documents import private_names  # noqa: E402
from credit.masking import scrub  # noqa: E402
from credit.models import Record  # noqa: E402
from credit.search import SubjectQuery, open_index  # noqa: E402
from indexer.ingest import Ingester  # noqa: E402
from indexer.sample import generate  # noqa: E402

QUERIES = 500
CACHE = Path(__file__).resolve().parent / "out"


def sample(subjects: int, seed: int) -> Path:
    """The generated data set, kept under bench/out/ so reruns skip generation."""
    out = CACHE / f"sample-{subjects}-{seed}-{date.today().isoformat()}"
    if not (out / "manifest.json").exists():
        started = time.perf_counter()
        generate(out, subjects=subjects, seed=seed, progress=True)
        print(f"generated {subjects:,} subjects in {time.perf_counter() - started:.1f}s")
    return out


def name_queries(folder: Path, n: int, seed: int) -> list[str]:
    """Realistic inputs: full names, core (short) names, two-character fragments, region + trade."""
    with (folder / "licences.csv").open(encoding="utf-8-sig") as fh:
        names = sorted({row["行政相对人名称"] for row in csv.DictReader(fh)} - {""})
    rng = random.Random(seed)
    queries = []
    for name in rng.sample(names, min(n, len(names))):
        core = core_name(normalize(name))
        queries.append(rng.choice([name, core, core[:2], name[:2] + core[:2]]))
    return queries


def scrub_cost(settings: Settings, records: int = 20_000) -> float:
    """Mean µs that scrubbing every shown text field of a record takes, over stored records."""
    catalog = load_catalog(settings.catalog)
    with session_factory(settings.database_url)() as session:
        rows = session.execute(select(Record.kind, Record.values).limit(records)).all()
    texts = [(value, private_names([SimpleNamespace(values=values)]))
             for kind, values in rows for col in catalog.kinds[kind].shown_columns
             if col.type == "text" and isinstance(value := values.get(col.key), str) and value]
    started = time.perf_counter()
    for text, private in texts:
        scrub(text, catalog, private)
    return (time.perf_counter() - started) / max(1, len(rows)) * 1e6


STAGES = ("reading", "validating", "building documents", "database write", "search-index write")


def stage_split(data: Path, search_url: str | None) -> None:
    """Ingest the files again in this process alone, timing each stage in thread CPU time."""
    import indexer.ingest as ingest
    import indexer.publisher as publisher
    import indexer.validate_chunks as validate_chunks
    from credit.search.base import SearchIndex

    spent = dict.fromkeys(STAGES, 0.0)
    patched = []

    # Building documents runs inside validation (workers build what they validate) and inside the
    # publishing call that writes them to the index; nested times are moved to their own stage.
    nested = {"_fresh": 0.0, "assemble_subject": 0.0, "build_chunk": 0.0}
    inside = {"validate_chunk": ("_fresh",), "publish_fresh_chunk": ("assemble_subject",),
              "publish_chunk": ("build_chunk",)}

    def timed(owner, name: str, stage: str, nested_stage: bool = False) -> None:
        """Count the CPU time of owner.name to `stage` (for a stage nested in another, also to
        `nested`, so the outer one can give it back)."""
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            started = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                took = time.thread_time() - started
                spent[stage] += took
                if nested_stage:
                    nested[name] += took
                for inner in inside.get(name, ()):   # time counted by a stage nested in this one
                    spent[stage] -= nested[inner]
                    nested[inner] = 0.0
        patched.append((owner, name, original))
        setattr(owner, name, wrapper)

    timed(validate_chunks, "_fresh", "building documents", nested_stage=True)
    timed(publisher, "assemble_subject", "building documents", nested_stage=True)
    timed(publisher, "build_chunk", "building documents", nested_stage=True)   # subjects rebuilt from the database
    timed(ingest, "validate_chunk", "validating")
    timed(ingest.Ingester, "_store", "database write")
    timed(publisher, "publish_fresh_chunk", "search-index write")
    timed(publisher, "publish_chunk", "search-index write")
    for cls in SearchIndex.__subclasses__():
        if "refresh" in vars(cls):
            timed(cls, "refresh", "search-index write")
    # An engine with one writer: the chunks' documents are written by the publishing process.
    from credit.search import embedded
    timed(embedded._Bulk, "write", "search-index write")
    timed(embedded._Bulk, "close", "search-index write")

    folder = Path(tempfile.mkdtemp(prefix="credit-bench-split-"))
    url = f"embedded://{folder / 'search.tantivy'}" if search_url == "embedded" else search_url
    settings = Settings(database_url=f"sqlite:///{folder / 'credit.sqlite3'}", search_url=url,
                        search_prefix=f"benchsplit{int(time.time())}")
    migrate(settings.database_url)
    ingester = Ingester(settings, load_catalog(settings.catalog), workers=1, progress=False)
    # Reading (and the parent's bookkeeping: chunks, counts, reports) is what the run spends outside
    # the timed stages.
    original_run = ingester._run

    def run(files, kind, report):
        started = time.thread_time()
        original_run(files, kind, report)
        spent["reading"] += time.thread_time() - started - sum(spent.values())
    ingester._run = run
    wall, process = time.perf_counter(), time.process_time()
    report = ingester.run([str(data)]).as_json()
    wall, process = time.perf_counter() - wall, time.process_time() - process
    for owner, name, original in patched:
        setattr(owner, name, original)
    rows = report["accepted"] + report["rejected"]
    total = sum(spent.values())
    print(f"split (one process, {rows:,} records, {wall:.1f}s wall, {total / rows * 1e6:.0f} µs of CPU per record):")
    for stage in STAGES:
        print(f"  {stage:24} {spent[stage] / rows * 1e6:6.0f} µs per record  {spent[stage] / total:6.1%}")
    # The engine's own threads (tantivy indexes and merges in threads of its own) are outside the
    # stages' thread time: what the whole process spent beyond them.
    print(f"  {'(engine threads)':24} {(process - total) / rows * 1e6:6.0f} µs per record, besides the above")


def _cpu() -> tuple[float, float]:
    """CPU seconds (user and system) of this process and of its ended children (the pool's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--search-url", default="embedded", help="embedded (default) or an Elasticsearch URL")
    parser.add_argument("--keep", help="build the instance in this folder and keep it")
    parser.add_argument("--split", action="store_true", help="also time each stage of ingest in one process")
    args = parser.parse_args()

    data = sample(args.subjects, args.seed)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="credit-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    search_url = f"embedded://{folder / 'search.tantivy'}" if args.search_url == "embedded" else args.search_url
    settings = Settings(database_url=f"sqlite:///{folder / 'credit.sqlite3'}", search_url=search_url,
                        search_prefix=f"bench{int(time.time())}")
    migrate(settings.database_url)
    index = open_index(settings)
    engine = index.health().get("engine", search_url)

    started, cpu = time.perf_counter(), _cpu()
    report = Ingester(settings, load_catalog(settings.catalog), progress=True).run([str(data)])
    elapsed = time.perf_counter() - started
    own, workers = (after - before for after, before in zip(_cpu(), cpu))
    totals = report.as_json()
    rows = totals["accepted"] + totals["rejected"]
    print(f"engine: {engine}")
    print(f"ingest: {rows:,} records ({totals['accepted']:,} accepted, {totals['rejected']:,} rejected, "
          f"{totals['indexed']:,} documents indexed) in {elapsed:.1f}s → {rows / elapsed:,.0f} records/s")
    # Other work on a shared machine moves records/s far more than the CPU spent per record.
    print(f"CPU per record: {own / rows * 1e6:.0f} µs in this process (reading, storing, the index writer), "
          f"{workers / rows * 1e6:.0f} µs in the workers (validating, building documents); "
          f"load average {os.getloadavg()[0]:.1f}")

    scrub_us = scrub_cost(settings)
    per_record_us = elapsed / rows * 1e6 * (os.cpu_count() or 1)
    print(f"scrub: {scrub_us:.1f} µs per record on one core, {scrub_us / per_record_us:.1%} of the ingest "
          f"cost per record ({per_record_us:.0f} µs of CPU)")

    queries = name_queries(data, QUERIES, args.seed)
    for q in queries[:20]:  # warm the page cache and the analyzers
        index.search_subjects(SubjectQuery(text=q))
    latencies, totals_found = [], []
    for q in queries:
        t = time.perf_counter()
        page = index.search_subjects(SubjectQuery(text=q))
        latencies.append((time.perf_counter() - t) * 1000)
        totals_found.append(page.total)
    print(f"name search over {len(queries)} queries: p50 {statistics.median(latencies):.1f} ms, "
          f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms "
          f"(median {statistics.median(totals_found):.0f} hits per query)")
    if not args.keep:
        index.close()
    if args.split:
        stage_split(data, args.search_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
