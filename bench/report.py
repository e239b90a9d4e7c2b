"""Credit report benchmark: the time to answer GET /subjects/<code>/report.pdf for a subject with
200 public records (lookups, template, WeasyPrint layout, PDF, the stored digest), in process
through Flask's test client. Target: under 2 s.

    python bench/report.py [--records 200] [--runs 10]

Prints the median and slowest of --runs reports after one warm-up (the first report of a process
also loads the font), the median CPU time of the process (what the report costs on a machine
other work keeps busy), with the report's pages and size, and the machine's load average."""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from portal import create_app  # noqa: E402
from tests.conftest import ingest_into, make_settings  # noqa: E402
from tests.portal import mini  # noqa: E402

SUBJECT = ("武汉市报告测试智能制造有限公司", mini.uscc("91420100MA4K80001"))


def write_subject(folder: Path, records: int, today: date) -> None:
    """`records` public records of one subject: half licences, a third penalties, the rest list entries."""
    folder.mkdir(parents=True, exist_ok=True)
    subject = mini._subject(SUBJECT, legal_rep="李明")
    licences, penalties = records // 2, records // 3
    entries = records - licences - penalties
    ago = lambda days: today - timedelta(days=days)   # noqa: E731
    mini._write(folder, "licences.csv", "licence",
                [mini._licence(subject, n, ago(n % 300 + 1)) for n in range(1, licences + 1)])
    mini._write(folder, "penalties.csv", "penalty",
                [mini._penalty(subject, n, ago(n % 300 + 1)) for n in range(1, penalties + 1)])
    mini._write(folder, "lists.csv", "list",
                [mini._entry("重点关注名单", "经营异常名录", SUBJECT[0], ago(n % 300 + 1), code=SUBJECT[1],
                             reason=f"未按规定报送年度报告（第{n}次）") for n in range(1, entries + 1)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = make_settings(folder, ratelimit_reports="100000/minute", report_max_records=args.records)
        write_subject(folder / "source", args.records, today)
        report = ingest_into(settings, [str(folder / "source")], today=today)
        assert report.total("rejected") == 0, report.rejections[:3]
        app = create_app({"CREDIT_SETTINGS": settings, "TODAY": today, "RATELIMIT_ANONYMOUS": "100000/minute"})
        client = app.test_client()
        url = f"/subjects/{SUBJECT[1]}/report.pdf"
        timings, cpu, response = [], [], None
        for run in range(args.runs + 1):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            elapsed, used = time.perf_counter() - start, time.process_time() - start_cpu
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            if run:   # the first one warms up (fonts, templates)
                timings.append(elapsed)
                cpu.append(used)
        pages = len(PdfReader(io.BytesIO(response.data)).pages)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"public report, {args.records} records: median {statistics.median(timings) * 1000:.0f} ms, "
              f"slowest {max(timings) * 1000:.0f} ms over {args.runs} runs; CPU median "
              f"{statistics.median(cpu) * 1000:.0f} ms "
              f"({pages} pages, {len(response.data) / 1024:.0f} KB; load average {load})")


if __name__ == "__main__":
    main()
