"""Working-day deadlines (credit.workdays): the State Council's holidays and adjusted working weekends
from chinese-calendar, the catalogue's override file for later years, and a refusal — never a
weekends-only guess — for a year neither covers."""
from __future__ import annotations

from datetime import date

import pytest

from credit.catalog import load_catalog
from credit.workdays import UncoveredYear, load_calendar

CAL = load_catalog().calendar


def test_national_day_and_its_adjusted_saturday():
    # 2026: 1–7 October off; Saturday 10 October worked in lieu (Sunday 20 September too).
    assert not CAL.is_workday(date(2026, 10, 1)) and not CAL.is_workday(date(2026, 10, 7))
    assert CAL.is_workday(date(2026, 10, 10)) and CAL.is_workday(date(2026, 9, 20))
    assert not CAL.is_workday(date(2026, 10, 11))               # an ordinary Sunday
    assert CAL.add(date(2026, 9, 30), 2) == date(2026, 10, 9)     # the holiday skipped
    assert CAL.add(date(2026, 9, 30), 3) == date(2026, 10, 10)    # the adjusted Saturday counts
    assert CAL.add(date(2026, 9, 30), 10) == date(2026, 10, 20)
    assert CAL.between(date(2026, 9, 30), date(2026, 10, 12)) == 4


def test_plain_weeks_count_five_days():
    assert CAL.add(date(2026, 11, 27), 1) == date(2026, 11, 30)   # Friday → Monday
    assert CAL.add(date(2026, 11, 23), 10) == date(2026, 12, 7)
    assert CAL.between(date(2026, 11, 30), date(2026, 11, 30)) == 0


def test_a_year_nobody_covers_is_refused_not_guessed():
    assert not CAL.covers(2027) and CAL.covers(2026)
    with pytest.raises(UncoveredYear) as refused:
        CAL.add(date(2026, 12, 24), 10)
    assert refused.value.year == 2027 and "calendar.yaml" in str(refused.value)


def test_the_override_file_covers_a_later_year(tmp_path):
    overrides = tmp_path / "calendar.yaml"
    overrides.write_text("years:\n  2027:\n    holidays: [2027-01-01, 2027-02-08, 2027-02-09, 2027-02-10]\n"
                         "    workdays: [2027-02-06]\n", encoding="utf-8")
    cal = load_calendar(overrides)
    assert cal.covers(2027) and not cal.is_workday(date(2027, 1, 1))
    assert cal.is_workday(date(2027, 2, 6)) and not cal.is_workday(date(2027, 2, 9))
    # 31 Dec 2026 (Thursday) + 3: 1 Jan off, weekend, then Mon 4, Tue 5, Wed 6 January.
    assert cal.add(date(2026, 12, 31), 3) == date(2027, 1, 6)
    assert cal.add(date(2027, 2, 5), 1) == date(2027, 2, 6)       # the worked Saturday
    assert cal.add(date(2027, 2, 6), 1) == date(2027, 2, 11)


@pytest.mark.parametrize("text", ["years:\n  2027:\n    holidays: [2028-01-01]\n",
                                  "years:\n  2027:\n    holidays: [2027-02-06]\n    workdays: [2027-02-06]\n",
                                  "years:\n  2027:\n    holidays: [not-a-date]\n"])
def test_a_wrong_override_file_is_refused_with_the_reason(tmp_path, text):
    overrides = tmp_path / "calendar.yaml"
    overrides.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="calendar.yaml"):
        load_calendar(overrides)
