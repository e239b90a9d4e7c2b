"""Name search through the project vs the raw engine, on the same embedded (tantivy) index.

For each of three query classes — specific names (a subject's core name), two-character queries
(武汉, 科技 … and the first two characters of core names) and full names — every query is timed
twice, interleaved (which side goes first alternates): the project's `SearchIndex.search_subjects`
(analysis, ranking rules, publicity filter, code-ordered ties, documents, highlights), and the raw
tantivy top-20 with an exact count for the same characters and terms in the current name (BM25
only, no filter, no documents read; terms analyzed beforehand). Prints p50/p99 per side and their
ratio, so a change that adds cost to the project's path shows up as a number (goal: p99 ≤ 10 ms
at 100,000 subjects, overhead ≤ 3×). A third side, the same raw top 20 with each hit's stored
document read (what any answer that shows its hits must do), tells how much of the overhead is
that floor rather than the project's own work.

An instance to measure is made with the indexer (generation and ingest take a while):

    python -m indexer sample --out DIR/data --subjects 100000
    CREDIT_INSTANCE_PATH=DIR/instance python -m indexer ingest DIR/data
    python bench/engines.py --instance DIR/instance --data DIR/data [--queries 300] [--rounds 3]"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tantivy import Occur, Query  # noqa: E402

from analyzers import analyze_query  # noqa: E402
from analyzers.names import core_name  # noqa: E402
from analyzers.normalize import normalize  # noqa: E402
from credit.config import Settings  # noqa: E402
from credit.search import SubjectQuery, open_index  # noqa: E402
from credit.search.embedded import EmbeddedIndex  # noqa: E402
from credit.search.tantivy_queries import SCHEMA  # noqa: E402

TWO_CHARACTERS = ["武汉", "科技", "湖北", "贸易", "建设", "商贸", "工程", "服务", "光谷", "宜昌"]


def subject_names(data: Path) -> list[str]:
    """Subject names of the generated data set (its licence file is UTF-8; some others are not)."""
    with (data / "licences.csv").open(encoding="utf-8-sig") as fh:
        return sorted({name for row in csv.DictReader(fh) if len(name := row["行政相对人名称"]) > 5})


def query_classes(names: list[str], n: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    picked = rng.sample(names, min(n, len(names)))
    cores = [core_name(normalize(name)) for name in picked]
    twos = [c[:2] for c in cores if len(c) >= 2]
    return {
        "specific names": [c for c in cores if len(c) >= 2],
        "two characters": [TWO_CHARACTERS[i % len(TWO_CHARACTERS)] if i % 2 else twos[i] for i in range(len(twos))],
        "full names": picked,
    }


def raw_query(text: str) -> Query:
    """BM25 over the current name: every character required, terms scoring twice."""
    q = analyze_query(text)
    clauses = [(Occur.Must, Query.term_query(SCHEMA, "chars_0", c)) for c in q.required_chars]
    clauses += [(Occur.Should, Query.boost_query(Query.term_query(SCHEMA, "terms_0", t), 2.0)) for t in q.terms]
    return Query.boolean_query(clauses)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


SIDES = ("project", "raw", "raw+docs")


def measure(index: EmbeddedIndex, queries: list[str], rounds: int) -> tuple[dict[str, list[float]], list[int]]:
    """Milliseconds per query of each side (which side goes first rotates), and the project's totals."""
    times: dict[str, list[float]] = {side: [] for side in SIDES}
    totals = []
    for r in range(rounds):
        for i, text in enumerate(queries):
            query = raw_query(text)   # analysis outside the raw engine's time
            searcher = index._searcher()[0]
            turn = (i + r) % len(SIDES)
            for side in SIDES[turn:] + SIDES[:turn]:
                t = time.perf_counter()
                if side == "project":
                    page = index.search_subjects(SubjectQuery(text=text, size=20))
                    if r == 0:
                        totals.append(page.total)
                elif side == "raw":
                    searcher.search(query, limit=20, count=True)
                else:
                    for _score, address in searcher.search(query, limit=20, count=True).hits:
                        searcher.doc(address)
                times[side].append((time.perf_counter() - t) * 1000)
    return times, totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instance", required=True, help="CREDIT_INSTANCE_PATH of an ingested instance")
    parser.add_argument("--data", required=True, help="the folder the instance was ingested from (query names)")
    parser.add_argument("--queries", type=int, default=300, help="queries per class")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    settings = Settings(instance_path=Path(args.instance), search_url="embedded")
    index = open_index(settings)
    assert isinstance(index, EmbeddedIndex), "the embedded engine only"
    searcher = index._searcher()[0]
    print(f"index: {index.current_file()}  documents: {searcher.num_docs:,}  segments: {searcher.num_segments}")
    # p99 on a shared 2-core machine says as much about the other processes as about the search:
    # the load average is printed with it, and the raw engine's p99 beside it shows the noise.
    print("load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    classes = query_classes(subject_names(Path(args.data)), args.queries, args.seed)
    for queries in classes.values():   # warm caches and the analyzers' dictionaries
        for text in queries[:30]:
            index.search_subjects(SubjectQuery(text=text, size=20))
    print(f"{'class':<16}{'queries':>8}{'hits p50':>10}  {'project p50/p99 ms':>20}  {'raw p50/p99 ms':>16}  "
          f"{'ratio p50/p99':>14}  {'raw+docs p50/p99':>17}  {'ratio p50/p99':>14}")
    for name, queries in classes.items():
        times, totals = measure(index, queries, args.rounds)
        (pp50, pp99), (rp50, rp99), (dp50, dp99) = ((statistics.median(times[side]), percentile(times[side], 0.99))
                                                    for side in SIDES)
        print(f"{name:<16}{len(queries):>8}{statistics.median(totals):>10.0f}  {pp50:>9.2f} / {pp99:<8.2f}"
              f"  {rp50:>7.2f} / {rp99:<6.2f}  {f'{pp50 / rp50:.1f}× / {pp99 / rp99:.1f}×':>14}"
              f"  {dp50:>7.2f} / {dp99:<7.2f}  {f'{pp50 / dp50:.1f}× / {pp99 / dp99:.1f}×':>14}")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
