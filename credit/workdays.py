"""Chinese working days (SPEC §8): the State Council's holidays and adjusted working weekends (调休).

The years chinese-calendar covers come from it; the catalogue's override file (calendar.yaml) adds
the years whose notice came out before the library's update. A date in a year that neither covers
raises `UncoveredYear`: a deadline is never guessed from weekends alone."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import yaml

from credit.dates import parse_date

CALENDAR_FILE = Path(__file__).with_name("calendar.yaml")


class UncoveredYear(LookupError):
    """A date in a year for which no holiday notice is known."""

    def __init__(self, year: int):
        super().__init__(f"{year} 年的节假日安排尚未收录（chinese-calendar 与数据目录的 calendar.yaml 均未覆盖），"
                         "请在 calendar.yaml 中补充国务院办公厅的放假通知")
        self.year = year


@dataclass(frozen=True)
class Year:
    holidays: frozenset[date] = field(default_factory=frozenset)   # weekdays off
    workdays: frozenset[date] = field(default_factory=frozenset)   # weekends worked (调休)


@dataclass(frozen=True)
class WorkCalendar:
    overrides: dict[int, Year] = field(default_factory=dict, hash=False)

    def covers(self, year: int) -> bool:
        return year in self.overrides or _library_covers(year)

    def is_workday(self, day: date) -> bool:
        if day.year in self.overrides:
            known = self.overrides[day.year]
            if day in known.workdays:
                return True
            return day.weekday() < 5 and day not in known.holidays
        workday = _library_workday(day)
        if workday is None:
            raise UncoveredYear(day.year)
        return workday

    def add(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (start itself not counted): a deadline of N working days."""
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end ≤ start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count


@lru_cache(maxsize=16384)
def _library_workday(day: date) -> bool | None:
    """chinese_calendar.is_workday, or None in a year it does not cover. Kept per day: the library
    scans its whole holiday table on every call (to find the years it covers), and deadlines and
    arrival counts walk the calendar a day at a time."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


@lru_cache(maxsize=64)
def _library_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def load_calendar(path: str | Path | None = None) -> WorkCalendar:
    data = yaml.safe_load(Path(path or CALENDAR_FILE).read_text(encoding="utf-8")) or {}
    years = {}
    for year, spec in (data.get("years") or {}).items():
        spec = spec or {}
        holidays = frozenset(_dates(spec.get("holidays"), year))
        workdays = frozenset(_dates(spec.get("workdays"), year))
        if holidays & workdays:
            raise ValueError(f"calendar.yaml: {year} 年有日期既是假日又是工作日：{sorted(holidays & workdays)}")
        years[int(year)] = Year(holidays, workdays)
    return WorkCalendar(years)


def _dates(values, year) -> list[date]:
    out = []
    for value in values or ():
        day = value if isinstance(value, date) else parse_date(str(value))
        if day is None or day.year != int(year):
            raise ValueError(f"calendar.yaml: {value!r} 不是 {year} 年的日期")
        out.append(day)
    return out
