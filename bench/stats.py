"""Statistics benchmark: time credit.stats.compute (the /admin/stats and /stats figures) over a
database of N records (default 1,000,000). Target: under 1 s for a year's figures.

Ingesting a million rows end to end takes a long while on 2 cores, and the statistics read only the
records table's indexed columns, so the records are bulk-inserted directly (synthetic: 40
departments, licences 60 %, penalties 30 %, list entries 10 %, decisions spread over 2023–2026,
arrival 0–20 days after the decision, 8 % not published with one of five reasons, 2 % of list
entries removed). The database is built once under --keep and reused.

    python bench/stats.py [--records 1000000] [--keep DIR] [--year 2026] [--repeat 5]"""
from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from credit import stats  # noqa: E402
from credit.catalog import load_catalog  # noqa: E402
from credit.db import migrate, session_factory  # noqa: E402

REASONS = ["不予公示（简易程序）", "不予公示（仅警告）", "自然人信息不公开", "已撤销", "已过公示期"]
START = date(2023, 1, 1)
DAYS = (date(2026, 11, 20) - START).days


def build(path: Path, n: int, seed: int = 1) -> None:
    url = f"sqlite:///{path}"
    migrate(url)
    rng = random.Random(seed)
    departments = [f"11420100MB{1000000 + i:07d}X" for i in range(40)]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    sql = ("INSERT INTO records (identity, public_id, kind, subject_key, subject_name, subject_type, source_dept_code,"
           " decided_on, \"values\", revoked, source_file, source_line, created_at, updated_at, withheld, arrival_workdays)"
           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'bench', ?, ?, ?, ?, ?)")
    calendar = load_catalog("default").calendar
    batch = []
    for i in range(n):
        r = rng.random()
        kind = "licence" if r < 0.6 else "penalty" if r < 0.9 else "list"
        dept = departments[i % 40]
        decided = START + timedelta(days=rng.randrange(DAYS))
        arrived = datetime.combine(decided, datetime.min.time()) + timedelta(days=rng.randrange(21), hours=rng.randrange(24))
        values = {"source_dept": f"部门{i % 40}"}
        if kind == "list" and rng.random() < 0.02:
            values["removed_on"] = (decided + timedelta(days=rng.randrange(300))).isoformat()
        withheld = rng.choice(REASONS) if kind != "list" and rng.random() < 0.08 else None
        if "removed_on" in values:
            withheld = "已移出名单"   # as ingest sets it (credit.publicity)
        stamp = arrived.strftime("%Y-%m-%d %H:%M:%S.%f")
        batch.append((f"{kind}|{dept}|{i}", f"p{i:012d}", kind, f"91420100MA{i:08d}", f"企业{i}", "法人及非法人组织", dept,
                      decided.isoformat(), json.dumps(values, ensure_ascii=False), i, stamp, stamp, withheld,
                      stats.arrival_workdays(calendar, decided, arrived.date())))
        if len(batch) == 50_000:
            conn.executemany(sql, batch)
            batch.clear()
    conn.executemany(sql, batch)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="folder for the database (built if missing, reused otherwise)")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-stats-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"stats-{args.records}.sqlite3"
    if not path.exists():
        began = time.perf_counter()
        build(path, args.records)
        print(f"built {args.records:,} records in {time.perf_counter() - began:.1f} s ({path})")
    catalog = load_catalog("default")
    sessions = session_factory(f"sqlite:///{path}")
    for public_only in (False, True):
        times = []
        for _ in range(args.repeat):
            with sessions() as db:
                began = time.perf_counter()
                result = stats.compute(db, catalog, args.year, public_only=public_only)
                times.append(time.perf_counter() - began)
        total = result.total()
        print(f"{'public' if public_only else 'staff '} {args.year}: {total.received:,} records in "
              f"{len(result.cells)} month×department×kind cells, on time {total.timely:,}/{total.timed:,}; "
              f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
