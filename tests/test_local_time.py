"""Moments are stored in UTC and shown as the users read them, in China Standard Time."""
from __future__ import annotations

from datetime import date, datetime, timezone

from credit.models import local_date, local_time


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


def test_the_portal_judges_publicity_windows_on_chinas_date(tmp_path):
    """At 17:00 UTC on 30 June it is already 1 July in China: a record whose last public day was
    30 June is no longer public there, whatever the server's own time zone."""
    from datetime import date

    from portal import create_app, current
    from tests.conftest import make_settings

    app = create_app({"TESTING": True, "CREDIT_SETTINGS": make_settings(tmp_path),
                      "NOW": datetime(2026, 6, 30, 17, 0, tzinfo=timezone.utc)})
    with app.app_context():
        assert current.today() == date(2026, 7, 1)
    assert local_date(datetime(2026, 6, 30, 15, 59, tzinfo=timezone.utc)) == date(2026, 6, 30)


def test_the_indexer_judges_dates_on_chinas_date(tmp_path, monkeypatch):
    """At 17:00 UTC on 30 June it is 1 July in China: an ingest given no date judges decision dates
    (and publicity windows) on 1 July, whatever the server's own time zone."""
    import credit.models
    from credit.catalog import load_catalog
    from credit.db import migrate
    from indexer.ingest import Ingester
    from tests.conftest import make_settings
    from tests.test_ingest import penalty_row, write_csv

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 6, 30, 17, 0, tzinfo=timezone.utc).astimezone(tz)

    monkeypatch.setattr(credit.models, "datetime", Clock)
    assert credit.models.china_today() == date(2026, 7, 1)
    settings = make_settings(tmp_path / "instance")
    migrate(settings.database_url)
    rows = [penalty_row(**{"处罚决定日期": day, "行政处罚决定书文号": f"罚{day}"}) for day in ("2026-07-01", "2026-07-02")]
    ingester = Ingester(settings, load_catalog("default"), progress=False)
    assert ingester.today == date(2026, 7, 1)
    report = ingester.run([str(write_csv(tmp_path / "p.csv", rows))]).as_json()
    assert (report["accepted"], report["rejected"]) == (1, 1)   # 2 July is still to come in China
