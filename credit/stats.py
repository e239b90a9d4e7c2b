"""Double-publicity statistics (SPEC §2, issue 14): per month (of the decision date) and per source
department, licences and penalties received, published, not published by reason, rows rejected;
timeliness (the share of records that reached the portal within N working days of the decision);
list entries added and removed; public searches per day.

Every figure is a GROUP BY in the database over indexed columns (ix_records_stats covers the record
query); what Python loops over is groups, never records. Whether a record was published is
`records.withheld`, set at ingest (credit.publicity.withheld); how many working days it took to
arrive is `records.arrival_workdays`, set when it is first stored (`arrival_workdays`, from
credit.workdays: holidays and 调休 included). A record whose days the calendar could not count (a
year neither chinese-calendar nor calendar.yaml covers) is left out of the timeliness figure and
counted as unknown — never guessed from weekends."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlalchemy import Integer, String, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from credit.catalog import Catalog
from credit.masking import scrub
from credit.models import CHINA, IngestRun, Record, aware
from credit.searchcount import per_day
from credit.workdays import UncoveredYear, WorkCalendar

KINDS = ("licence", "penalty")
KIND_LABELS = {"licence": "行政许可", "penalty": "行政处罚"}
UNKNOWN_DEPARTMENT = "（未填写）"
CAP = 99   # working days: Record.arrival_workdays holds at most this


@dataclass
class Cell:
    """One month × department × kind."""
    received: int = 0
    published: int = 0
    withheld: dict[str, int] = field(default_factory=dict)   # reason → records
    timely: int = 0      # reached the portal within the limit
    timed: int = 0       # whose timeliness is known (the calendar covers their deadline)


@dataclass
class Stats:
    year: int
    limit: int                                              # working days
    months: list[str]                                       # "2026-01" …
    departments: dict[str, str]                             # code → name
    cells: dict[tuple[str, str, str], Cell]                 # (month, department code, kind)
    rejected: dict[tuple[str, str], int]                    # (month of the ingest run, department code or name)
    lists_added: dict[str, int]                             # month → entries
    lists_removed: dict[str, int]
    searches: dict[date, int]
    public_only: bool = False

    def month_total(self, month: str, kind: str | None = None) -> Cell:
        out = Cell()
        for (m, _d, k), cell in self.cells.items():
            if m == month and (kind is None or k == kind):
                _add(out, cell)
        return out

    def department_months(self) -> list[tuple[str, str]]:
        """(month, department code) pairs with anything to show, in order."""
        keys = {(m, d) for m, d, _k in self.cells} | set(self.rejected)
        return sorted(keys)

    def reasons(self) -> list[str]:
        return sorted({r for cell in self.cells.values() for r in cell.withheld})

    def total(self, kind: str | None = None) -> Cell:
        out = Cell()
        for (_m, _d, k), cell in self.cells.items():
            if kind is None or k == kind:
                _add(out, cell)
        return out


def _add(out: Cell, cell: Cell) -> None:
    out.received += cell.received
    out.published += cell.published
    out.timely += cell.timely
    out.timed += cell.timed
    for reason, n in cell.withheld.items():
        out.withheld[reason] = out.withheld.get(reason, 0) + n


def share(cell: Cell) -> float | None:
    return cell.timely / cell.timed if cell.timed else None


def _month(col):
    """'YYYY-MM' of a date column, in SQLite and PostgreSQL alike."""
    return func.substr(cast(col, String), 1, 7)


def compute(db: Session, catalog: Catalog, year: int, *, limit: int = 7, public_only: bool = False) -> Stats:
    """The year's figures. `public_only` keeps what the public page may show: published records only
    (their timeliness included), list entries, searches — nothing about records not published."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    r = Record.__table__.c
    in_year = and_(r.decided_on >= first, r.decided_on <= last, r.kind.in_(KINDS))
    if public_only:
        in_year = and_(in_year, r.withheld.is_(None))
    cells: dict[tuple[str, str, str], Cell] = defaultdict(Cell)
    on_time = func.sum(case((r.arrival_workdays <= limit, literal(1, Integer)), else_=literal(0, Integer)))
    # Grouped in the index's own order (no sort), by day, which comes back as its ISO text (no date
    # objects made for tens of thousands of rows): the days are added up into months here.
    for day, kind, dept, reason, n, timely, timed in db.execute(
            select(cast(r.decided_on, String), r.kind, r.source_dept_code, r.withheld, func.count(), on_time,
                   func.count(r.arrival_workdays))
            .where(in_year).group_by(r.decided_on, r.kind, r.source_dept_code, r.withheld)):
        cell = cells[(day[:7], dept, kind)]
        cell.received += n
        if reason is None:
            cell.published += n
        else:
            cell.withheld[reason] = cell.withheld.get(reason, 0) + n
        cell.timely += int(timely or 0)
        cell.timed += int(timed or 0)
    departments = department_names(db)
    if public_only:   # as its records give it: a clerk's note in it (a telephone number) is masked like any shown text
        departments = {code: scrub(name, catalog) for code, name in departments.items()}
    return Stats(year=year, limit=limit, months=[f"{year}-{m:02d}" for m in range(1, 13)], departments=departments,
                 cells=dict(cells), rejected={} if public_only else rejected_rows(db, year, departments),
                 lists_added=_lists_added(db, first, last), lists_removed=_lists_removed(db, year),
                 searches=per_day(db, first, last), public_only=public_only)


@lru_cache(maxsize=8192)
def arrival_workdays(calendar: WorkCalendar, decided: date, arrived: date) -> int | None:
    """Working days after the decision day up to and including the arrival day (both China days),
    at most CAP; None when the calendar covers neither year (never guessed). Stored at ingest
    (Record.arrival_workdays): a record is on time when this is at most the limit."""
    if arrived <= decided:
        return 0
    if (arrived - decided).days > 3 * CAP:   # more than CAP working days in any calendar
        return CAP
    try:
        return min(calendar.between(decided, arrived), CAP)
    except UncoveredYear:
        return None


def _lists_added(db: Session, first: date, last: date) -> dict[str, int]:
    r = Record.__table__.c
    month = _month(r.decided_on)
    return dict(db.execute(select(month, func.count()).where(r.decided_on >= first, r.decided_on <= last, r.kind == "list")
                           .group_by(month)).all())


def _lists_removed(db: Session, year: int) -> dict[str, int]:
    r = Record.__table__.c
    removed = Record.values["removed_on"].as_string()
    month = func.substr(removed, 1, 7)
    # A removed entry is never published (credit.publicity: 已移出名单), so `withheld` narrows the
    # rows read to the removed and unpublished entries before their JSON is looked at.
    return dict(db.execute(select(month, func.count())
                           .where(r.kind == "list", r.withheld.is_not(None), removed.like(f"{year}-%"))
                           .group_by(month)).all())


def department_names(db: Session) -> dict[str, str]:
    """Source department code → its name as its records give it (one indexed read per department)."""
    r = Record.__table__.c
    out = {}
    for code in db.scalars(select(r.source_dept_code).distinct()).all():
        values_ = db.scalar(select(Record.__table__.c["values"]).where(r.source_dept_code == code).limit(1)) or {}
        out[code] = str(values_.get("source_dept") or code)
    return out


def rejected_rows(db: Session, year: int, departments: dict[str, str]) -> dict[tuple[str, str], int]:
    """Rows rejected per month of the ingest run (China time) and per department, from the runs'
    quality reports (which count by department name; mapped to its code where a record names it)."""
    codes = {name: code for code, name in departments.items()}
    out: dict[tuple[str, str], int] = defaultdict(int)
    runs = db.execute(select(IngestRun.started_at, IngestRun.report["departments"])
                      .where(IngestRun.rejected > 0)).all()
    for started, per_department in runs:
        local = aware(started).astimezone(CHINA)
        if local.year != year:
            continue
        for name, counts in (per_department or {}).items():
            if counts.get("rejected"):
                out[(f"{local:%Y-%m}", codes.get(name, name))] += counts["rejected"]
    return dict(out)


def csv_rows(stats: Stats) -> list[list]:
    """The figures as a table: one row per month, department and kind."""
    reasons = stats.reasons()
    head = ["月份", "数据来源单位", "统一社会信用代码", "类别", "报送", "已公示"]
    if not stats.public_only:
        head += [r if r.startswith("不予公示") else f"不予公示：{r}" for r in reasons] + ["被拒绝的行（当月导入，全部类别）"]
    head += [f"{stats.limit}个工作日内到达", "可判断时效的记录", "及时率"]
    rows = [head]
    for m, dept in stats.department_months():
        for i, kind in enumerate(KINDS):
            cell = stats.cells.get((m, dept, kind), Cell())
            row = [m, stats.departments.get(dept, dept), dept if dept in stats.departments else "", KIND_LABELS[kind],
                   cell.received, cell.published]
            if not stats.public_only:
                row += [cell.withheld.get(r, 0) for r in reasons] + [stats.rejected.get((m, dept), 0) if i == 0 else ""]
            rate = share(cell)
            row += [cell.timely, cell.timed, "" if rate is None else f"{rate:.1%}"]
            rows.append(row)
    return rows
