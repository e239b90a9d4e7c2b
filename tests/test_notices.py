"""On-site notices (credit.notices): kept per recipient, newest first, only for a known kind of recipient."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from credit import notices
from credit.db import migrate, session_factory
from tests.conftest import make_settings


def test_notices_are_kept_per_recipient_newest_first(tmp_path):
    settings = make_settings(tmp_path)
    migrate(settings.database_url)
    sessions, start = session_factory(settings.database_url), datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
    with sessions.begin() as db:
        for n in range(3):
            notices.notify(db, recipient=notices.SUBJECT, key="A", title=f"第{n}条", body="…", at=start + timedelta(hours=n))
        notices.notify(db, recipient=notices.DEPARTMENT, key="A", title="单位", body="…", at=start)
        with pytest.raises(ValueError):
            notices.notify(db, recipient="everyone", key="A", title="x", body="x")
    with sessions() as db:
        assert [n.title for n in notices.notices_for(db, notices.SUBJECT, "A")] == ["第2条", "第1条", "第0条"]
        assert [n.title for n in notices.notices_for(db, notices.DEPARTMENT, "A")] == ["单位"]
        assert notices.notices_for(db, notices.SUBJECT, "B") == []
