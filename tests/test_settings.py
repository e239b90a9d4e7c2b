"""The settings: read from the environment when built, and documented in the README's tables."""
from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from credit.config import Settings, SettingsError

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_rows() -> dict[str, str]:
    """Each CREDIT_* variable named in a README table row → that row's default cell."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        for name in re.findall(r"CREDIT_[A-Z_]+", cells[0] if cells else ""):
            rows[name] = cells[1]
    return rows


def test_every_setting_with_a_variable_is_in_the_readme_with_its_default():
    rows = readme_rows()
    for setting in fields(Settings):
        if "env" in setting.metadata:
            name = setting.metadata["env"]
            assert name in rows, f"{name} is missing from the README's configuration tables"
            assert setting.metadata["shown"] in rows[name], f"{name}: the README says {rows[name]}"


def test_every_variable_the_readme_names_is_a_setting():
    names = {setting.metadata["env"] for setting in fields(Settings) if "env" in setting.metadata}
    named = set(re.findall(r"CREDIT_[A-Z_]+", README.read_text(encoding="utf-8")))
    assert named <= names, named - names


def test_the_environment_is_read_when_settings_are_built(monkeypatch, tmp_path):
    monkeypatch.setenv("CREDIT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CREDIT_INGEST_WORKERS", "3")
    monkeypatch.setenv("CREDIT_DATABASE_URL", "")   # empty counts as unset
    settings = Settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'credit.sqlite3'}"
    assert settings.embedded_search_path() == tmp_path / "search.tantivy"
    assert settings.ingest_workers == 3


def test_the_openapi_document_states_the_limits_the_portal_applies():
    from portal.api import openapi_document

    settings, document = Settings(), openapi_document()
    sizes = [document["components"]["parameters"]["size"]["schema"]["maximum"]] + [
        document["components"]["schemas"][name]["properties"]["size"]["maximum"]
        for name in ("SearchResults", "SubjectRecords", "ListEntries")]
    assert set(sizes) == {settings.max_page_size}
    texts = {document["components"]["parameters"][name]["schema"]["maxLength"] for name in ("q", "department", "list_name")}
    assert texts == {settings.max_text}


def test_limits_are_set_through_settings(tmp_path):
    """A portal built with other limits applies them: nothing reads a module constant instead."""
    from portal import create_app
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, max_page_size=5, max_text=4, result_window=40, max_url=300)
    client = create_app({"CREDIT_SETTINGS": settings, "TESTING": True}).test_client()
    assert client.get("/api/v1/search?q=光谷&size=5").json["size"] == 5
    too_many = client.get("/api/v1/search?q=光谷&size=6")
    assert too_many.status_code == 400 and "最大为5" in too_many.json["error"]["message"]
    assert "最多4个字符" in client.get("/api/v1/search?q=武汉光谷科技").json["error"]["message"]
    deep = client.get("/search?page=3&q=光谷")
    assert "前 40 条" in deep.get_data(as_text=True)
    assert client.get("/search?q=" + "a" * 300).status_code == 414


@pytest.mark.parametrize("name, value", [("CREDIT_SEARCH_TIMEOUT", "5s"), ("CREDIT_INGEST_WORKERS", "auto"),
                                         ("CREDIT_SESSION_IDLE_MINUTES", "30m")])
def test_a_value_that_does_not_parse_is_refused_naming_its_variable(monkeypatch, name, value):
    """As a SettingsError, which the indexer prints as one line (exit 2) and wsgi.py as gunicorn's
    reason to stop, rather than a bare ValueError at the end of a traceback."""
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"{name}.*{value}"):
        Settings()


@pytest.mark.parametrize("url", ["127.0.0.1:9200", "elasticsearch://127.0.0.1:9200", "embeded"])
def test_a_search_url_of_no_known_kind_is_a_settings_error(tmp_path, url):
    from credit.search import open_index
    from tests.conftest import make_settings

    with pytest.raises(SettingsError, match="CREDIT_SEARCH_URL"):
        open_index(make_settings(tmp_path, search_url=url))
