"""A full report's record digest (credit.reports.record_digest) changes with everything that changes
what the report would say: an objection's outcome too — a withdrawal, a statement, a correction's note."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from credit import reports
from credit.catalog import load_catalog
from credit.db import session_factory
from credit.models import Record
from tests.conftest import TODAY, ingest_into, make_settings
from tests.portal import mini

KINDS = ("licence", "penalty", "list")


@pytest.mark.parametrize("change", [{"withdrawn": "已撤回：信源单位未按期答复"}, {"statement": "本公司另有说明"},
                                    {"correction_note": "经异议核查更正"}, {"objection": "pending"}])
def test_an_objections_outcome_changes_the_digest(tmp_path, change):
    settings = make_settings(tmp_path)
    ingest_into(settings, [str(mini.write(tmp_path / "source", TODAY))], today=TODAY)
    catalog, sessions, key = load_catalog(), session_factory(settings.database_url), mini.GUANGGU[1]
    with sessions() as db:
        before = reports.record_digest(db, catalog, key, KINDS, TODAY)
        assert reports.record_digest(db, catalog, key, KINDS, TODAY) == before
    with sessions.begin() as db:
        record = db.scalars(select(Record).where(Record.subject_key == key)).first()
        for column, value in change.items():
            setattr(record, column, value)
    with sessions() as db:
        assert reports.record_digest(db, catalog, key, KINDS, TODAY) != before
