"""Moments are stored in UTC and shown as the users read them, in China Standard Time."""
from __future__ import annotations

from datetime import datetime, timezone

from credit.models import local_time


def test_a_stored_moment_is_shown_in_china_time():
    assert local_time(datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc)) == "2027-01-01 00:30"
    assert local_time(datetime(2026, 12, 31, 16, 30)) == "2027-01-01 00:30"      # SQLite hands back naive UTC
    assert local_time(datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc), "%Y-%m-%d") == "2027-01-01"
    assert local_time(None) == ""


def test_pages_show_the_filter_not_utc():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[1] / "templates"
    assert not [p.name for p in templates.rglob("*.html") if ".strftime(" in p.read_text(encoding="utf-8")
                and "reports" not in p.parts]
