"""Dates as clerks write them: 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305."""
from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache

_YMD = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value) -> date | None:
    """The date, or None when the text is not a date (the caller decides whether that is an error)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_text(str(value or ""))


@lru_cache(maxsize=65536)  # a file holds a few thousand distinct dates at most
def _parse_text(value: str) -> date | None:
    text = unicodedata.normalize("NFKC", value).strip()
    text = text.split(" ")[0].split("T")[0]  # spreadsheets add a time of day
    match = _YMD.match(text) or _COMPACT.match(text)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def add_months(start: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (2024-02-29 + 12 → 2025-02-28), and to
    the last day there is (9999-12-31, what departments write for 长期有效) past it."""
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    if year > date.max.year:
        return date.max
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
