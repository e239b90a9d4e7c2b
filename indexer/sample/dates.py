"""Dates as departments write them."""
from __future__ import annotations

from datetime import date

LONG_TERM = date(2099, 12, 31)     # what departments write for a licence without an end date


def plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:          # 29 February
        return day.replace(year=day.year + years, day=28)


def slashed(day: date) -> str:
    return f"{day.year}/{day.month}/{day.day}"


def chinese(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def compact(day: date) -> str:
    return f"{day.year}{day.month:02d}{day.day:02d}"


# Besides 2024-03-05: every other style the catalogue's date columns accept.
OTHER_DATE_STYLES = (slashed, chinese, compact)
