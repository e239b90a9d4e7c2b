"""Portal fixtures: apps over the mini data set (exact assertions) and over the generated sample."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from portal import create_app
from tests.conftest import TODAY, ingest_into, make_settings
from tests.portal import mini

# Generous enough that no test but the rate-limit tests ever meets it.
NO_LIMIT = "100000/minute"


@pytest.fixture(scope="session")
def mini_instance(tmp_path_factory):
    """Settings of an instance holding the mini data set, ingested on TODAY."""
    folder = tmp_path_factory.mktemp("mini")
    settings = make_settings(folder)
    report = ingest_into(settings, [str(mini.write(folder / "source", TODAY))], today=TODAY)
    assert report.total("rejected") == 0, report.rejections
    return settings


def portal_app(settings, today: date = TODAY, **config):
    return create_app({"TESTING": True, "CREDIT_SETTINGS": settings, "TODAY": today,
                       "RATELIMIT_ANONYMOUS": NO_LIMIT, **config})


@pytest.fixture(scope="session")
def app(mini_instance):
    return portal_app(mini_instance)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def short_sections(mini_instance):
    """A client of an app whose profiles show one record per kind."""
    return portal_app(replace(mini_instance, section_size=1)).test_client()
