"""Double-publicity statistics (credit/stats.py): the figures of a generated sample against a plain
recount of its source files (an oracle of its own, not the same SQL); timeliness at the 7-working-day
boundary across the National Day holiday and its adjusted Saturday; a correction keeps its record's
first arrival; a year the calendar does not cover is never guessed."""
from __future__ import annotations

import calendar as months
import json
import re
import unicodedata
from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from credit import stats
from credit.catalog import load_catalog
from credit.db import session_factory
from credit.models import Record
from credit.workdays import WorkCalendar, load_calendar
from tests.conftest import TODAY, ingest_into, make_settings
from tests.portal import mini
from tests.test_sample import read_rows

# -- the oracle: the source files read with csv/json/openpyxl, the rules of SPEC §4 written out again ----

def _day(text: str) -> date | None:
    text = unicodedata.normalize("NFKC", text or "").strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})|(\d{4})/(\d{1,2})/(\d{1,2})|(\d{4})年(\d{1,2})月(\d{1,2})日|(\d{4})(\d{2})(\d{2})", text)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups() if g)
    return date(y, mo, d)


def _code(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().upper()


def _plus_months(day: date, n: int) -> date:
    month = day.month - 1 + n
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


def _published(kind: str, row: dict, arrived: date) -> bool:
    """SPEC §4 under the default profile, as a clerk would read it."""
    get = lambda header: unicodedata.normalize("NFKC", row.get(header) or "").strip()
    if get("行政相对人类别") == "自然人":
        return False
    if kind == "licence":
        return _plus_months(_day(get("有效期至")), 36) >= arrived
    if any(m in get("备注") + get("当前状态") for m in ("撤销",)):
        return False
    if get("程序类型") == "简易程序":
        return False
    types = {t.strip() for t in re.split(r"[;；]", get("处罚类别")) if t.strip()}
    if types <= {"警告", "通报批评"}:
        return False
    decided = _day(get("处罚决定日期"))
    longest = _plus_months(decided, 36 if get("严重程度") == "严重" else 12) - timedelta(days=1)
    deadline = _day(get("公示截止期"))
    return (min(deadline, longest) if deadline else longest) >= arrived


def recount(folder, arrived: date) -> dict:
    """{(month, department code, kind): [received, published]} from the files: the last good row of
    each (kind, department, document number) counts, as a correction replaces what it corrects."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    bad = {(b["file"], b["line"]) for b in manifest["bad_rows"]}
    last: dict[tuple, tuple[str, dict]] = {}
    for name, spec in manifest["files"].items():
        kind = spec["kind"]
        if kind not in ("licence", "penalty"):
            continue
        doc = "行政许可决定文书号" if kind == "licence" else "行政处罚决定书文号"
        for line, row in read_rows(folder / name)[1]:
            if (name, line) in bad:
                continue
            key = (kind, _code(row["数据来源单位统一社会信用代码"]), " ".join(unicodedata.normalize("NFKC", row[doc]).split()))
            last[key] = (kind, row)
    out: dict = defaultdict(lambda: [0, 0])
    for (kind, dept, _doc), (_k, row) in last.items():
        decided = _day(row["许可决定日期" if kind == "licence" else "处罚决定日期"])
        cell = out[(f"{decided:%Y-%m}", dept, kind)]
        cell[0] += 1
        cell[1] += _published(kind, row, arrived)
    return dict(out)


def test_sample_statistics_match_a_recount_of_the_source_files(sample_dir, sample_instance):
    settings, _report = sample_instance
    expected = recount(sample_dir, TODAY)
    years = sorted({int(m[:4]) for m, _d, _k in expected})
    got = {}
    with session_factory(settings.database_url)() as db:
        for year in years:
            result = stats.compute(db, load_catalog("default"), year)
            got.update({key: [c.received, c.published] for key, c in result.cells.items() if c.received})
    assert sum(v[0] for v in expected.values()) > 500
    assert got == expected


def test_rejected_rows_per_department_add_up_to_the_runs_rejections(sample_instance):
    settings, report = sample_instance
    with session_factory(settings.database_url)() as db:
        year = db.scalar(select(Record.created_at)).year
        result = stats.compute(db, load_catalog("default"), year)
    assert sum(result.rejected.values()) == report.total("rejected") > 0


# -- timeliness at the boundary -------------------------------------------------------------------

DECIDED = date(2026, 9, 29)   # a Tuesday; National Day holiday 10-01..10-07; Saturday 10-10 worked


def _ingest(settings, folder, rows, arrived: date):
    source = folder / f"source-{arrived}"
    source.mkdir(exist_ok=True)
    mini._write(source, "penalties.csv", "penalty", rows)
    report = ingest_into(settings, [str(source)], today=arrived)
    assert report.total("accepted") == len(rows), report.rejections
    return report


def _penalty(n: int, **extra) -> dict:
    return {**mini._penalty(mini._subject(mini.GUANGGU), n, DECIDED), **extra}


def test_the_seventh_working_day_counts_across_the_holiday_and_the_adjusted_saturday(tmp_path):
    settings = make_settings(tmp_path)
    calendar = load_calendar()
    assert calendar.between(DECIDED, date(2026, 10, 14)) == 7 and calendar.is_workday(date(2026, 10, 10))
    _ingest(settings, tmp_path, [_penalty(1)], date(2026, 10, 14))   # the 7th working day
    _ingest(settings, tmp_path, [_penalty(2)], date(2026, 10, 15))   # the 8th
    with session_factory(settings.database_url)() as db:
        cell = stats.compute(db, load_catalog("default"), 2026).cells[("2026-09", mini.DEPT_MARKET[1], "penalty")]
    # Weekends alone would make 10-08 the 7th working day (both late); forgetting the worked Saturday,
    # 10-15 (both on time). Only the State Council's calendar gives one of each.
    assert (cell.timely, cell.timed, cell.received) == (1, 2, 2)
    assert [stats.arrival_workdays(calendar, DECIDED, date(2026, 10, d)) for d in (7, 8, 10, 11, 14, 15)] == \
        [1, 2, 4, 4, 7, 8]


def test_a_correction_sent_later_keeps_the_first_arrival(tmp_path):
    settings = make_settings(tmp_path)
    _ingest(settings, tmp_path, [_penalty(1)], date(2026, 10, 9))
    with session_factory(settings.database_url)() as db:
        first = db.scalars(select(Record)).one()
    assert first.arrival_workdays == 3 and first.withheld is None
    report = _ingest(settings, tmp_path, [_penalty(1, remarks="已撤销")], date(2026, 10, 20))
    assert report.total("replaced") == 1
    with session_factory(settings.database_url)() as db:
        record = db.scalars(select(Record)).one()
    assert record.created_at == first.created_at                # still the first arrival
    assert record.updated_at > first.updated_at
    assert record.arrival_workdays == 3                         # counted to the first arrival, not the correction
    assert record.withheld == "已撤销"                            # the correction's state


def test_a_year_no_calendar_covers_is_not_guessed():
    bare = WorkCalendar({})
    if bare.covers(2099):
        pytest.skip("the calendar library covers 2099")
    assert stats.arrival_workdays(bare, date(2099, 3, 2), date(2099, 3, 20)) is None
    if not bare.covers(2027):   # a deadline across the new year, before the notice is known
        assert stats.arrival_workdays(bare, date(2026, 12, 28), date(2027, 1, 5)) is None
