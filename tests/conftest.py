"""Shared fixtures: a generated sample data set and a fresh instance (database + embedded index)
built from it. Nothing is mocked: the sample goes through the real ingest."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from credit.catalog import load_catalog
from credit.config import Settings
from credit.db import migrate
from credit.models import china_today

SAMPLE_SUBJECTS = 400
TODAY = china_today()


def walk(search, query) -> list:
    """Every hit of a query, page after page through the `after` cursors."""
    hits, after = [], None
    while True:
        page = search(query if after is None else replace(query, after=after))
        hits += page.hits
        if page.next_after is None:
            return hits
        after = page.next_after


def make_settings(folder: Path, **overrides) -> Settings:
    values = {"database_url": f"sqlite:///{folder / 'credit.sqlite3'}",
              "search_url": f"embedded://{folder / 'search.tantivy'}"}
    return Settings(**{**values, **overrides})


def ingest_into(settings: Settings, paths: list[str], today: date = TODAY):
    from indexer.ingest import Ingester

    migrate(settings.database_url)
    ingester = Ingester(settings, load_catalog(settings.catalog), today=today, progress=False)
    return ingester.run(paths)


@pytest.fixture(scope="session")
def catalog():
    return load_catalog("default")


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    from indexer.sample import generate

    out = tmp_path_factory.mktemp("sample")
    generate(out, subjects=SAMPLE_SUBJECTS, seed=7, today=TODAY)
    return out


@pytest.fixture(scope="session")
def sample_instance(sample_dir, tmp_path_factory):
    """(settings, ingest report) of an instance holding the whole sample. Treat as read-only."""
    settings = make_settings(tmp_path_factory.mktemp("instance"))
    report = ingest_into(settings, [str(sample_dir)])
    return settings, report


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL server from Debian's packages (or CREDIT_TEST_POSTGRES_URL)."""
    from tests.postgres import postgres_server

    with postgres_server() as url:
        if url is None:
            pytest.skip("PostgreSQL is not installed (apt-get install postgresql) and CREDIT_TEST_POSTGRES_URL is unset")
        yield url
