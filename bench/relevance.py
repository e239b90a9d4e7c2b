"""Short-name relevance on real names: do stock short names (平安银行, 格力电器, 万  科Ａ) put their
company in the top 3 among tens of thousands of registered names?

Reads ../shared/data/real at run time (its licences forbid committing it); prints top-1/top-3
rates, misses and search latency. Usage: python bench/relevance.py [--limit N] [--engine-url URL]"""
from __future__ import annotations

import argparse
import csv
import hashlib
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from credit.catalog import load_catalog  # noqa: E402
from credit.codes import is_uscc, uscc_check_char  # noqa: E402
from credit.config import Settings  # noqa: E402
from credit.db import migrate  # noqa: E402
from credit.search import SubjectQuery, open_index  # noqa: E402
from indexer.ingest import Ingester  # noqa: E402

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
REGISTRY = REAL / "enterprise_registration" / "enterprise_names_uscc_80k.csv"
LISTED = REAL / "listed_company_names" / "listed_companies_short_full_uscc.csv"
SHORT_COLUMNS = ("证券简称_szse_2025", "扩位证券简称_sse_2025", "证券简称_sse_2025", "证券简称_tushare_2024",
                 "证券简称_chainkg_2021")
DEPT = "11420000MB1234567"


def synthetic_code(name: str) -> str:
    digits = str(int(hashlib.sha1(name.encode()).hexdigest(), 16))[:15]
    body = "91" + digits
    return body + uscc_check_char(body)


def read_sources() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """({full name: code}, [(short name, full name)])."""
    names: dict[str, str] = {}
    with REGISTRY.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name = row["企业名称"].strip()
            if name and "\ufffd" not in name:
                code = row["统一社会信用代码"].strip()
                names.setdefault(name, code if is_uscc(code) else synthetic_code(name))
    queries = []
    with LISTED.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            full = row["公司全称"].strip()
            if not full:
                continue
            code = row["统一社会信用代码_匹配"].strip()
            names[full] = code if is_uscc(code) else names.get(full) or synthetic_code(full)
            for short in dict.fromkeys(row[c].strip() for c in SHORT_COLUMNS if row[c].strip()):
                queries.append((short, full))
    return names, queries


def write_licences(folder: Path, names: dict[str, str]) -> Path:
    kind = load_catalog().kinds["licence"]
    dept = DEPT + uscc_check_char(DEPT)
    headers = {c.key: c.header for c in kind.columns}
    path = folder / "licences.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers.values())
        for i, (name, code) in enumerate(sorted(names.items())):
            row = {"subject_name": name, "subject_type": "法人及非法人组织", "code_uscc": code,
                   "doc_name": "准予行政许可决定书", "doc_no": f"许{i}", "licence_category": "普通",
                   "content": "经营许可", "decided_on": "2025-01-01", "valid_from": "2025-01-01",
                   "valid_to": "2030-12-31", "authority": "某局", "authority_code": dept, "status": "1",
                   "source_dept": "某局", "source_dept_code": dept}
            writer.writerow([row.get(k, "") for k in headers])
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=0, help="use only the first N queries")
    parser.add_argument("--engine-url", default="embedded", help="CREDIT_SEARCH_URL to test (default embedded)")
    args = parser.parse_args()
    if not REGISTRY.exists() or not LISTED.exists():
        print("real data not present (../shared/data/real): nothing to measure")
        return 0
    names, queries = read_sources()
    queries = queries[: args.limit] if args.limit else queries
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        search_url = args.engine_url if args.engine_url != "embedded" else f"embedded://{folder / 'search.tantivy'}"
        settings = Settings(database_url=f"sqlite:///{folder / 'db.sqlite3'}", search_url=search_url,
                            search_prefix=f"relevance-{int(time.time())}")
        migrate(settings.database_url)
        index = open_index(settings)
        started = time.perf_counter()
        Ingester(settings, load_catalog(), today=date.today(),
                 progress=False).run([str(write_licences(folder, names))])
        print(f"indexed {len(names):,} real names in {time.perf_counter() - started:.1f}s")
        ranks, latencies, misses = [], [], []
        for short, full in queries:
            t = time.perf_counter()
            page = index.search_subjects(SubjectQuery(text=short, size=10))
            latencies.append((time.perf_counter() - t) * 1000)
            found = [h.doc["name"] for h in page.hits]
            rank = found.index(full) + 1 if full in found else None
            ranks.append(rank)
            if rank is None or rank > 3:
                misses.append((short, full, found[:3]))
    n = len(ranks)
    top1 = sum(r == 1 for r in ranks) / n
    top3 = sum(r is not None and r <= 3 for r in ranks) / n
    lat = sorted(latencies)
    print(f"queries: {n:,} short names of {len({f for _, f in queries}):,} listed companies")
    print(f"top-1: {top1:.1%}   top-3: {top3:.1%}   top-10: {sum(r is not None for r in ranks) / n:.1%}")
    print(f"latency ms: p50 {statistics.median(lat):.1f}  p99 {lat[int(n * 0.99) - 1]:.1f}")
    for short in ("平安银行", "格力电器", "万  科Ａ"):
        hit = next(((s, f, r) for (s, f), r in zip(queries, ranks) if s == short), None)
        if hit:
            print(f"  {hit[0]!r} → {hit[1]}: rank {hit[2]}")
    print("some misses (query → expected; got top 3):")
    for short, full, got in misses[:15]:
        print(f"  {short} → {full}; {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
