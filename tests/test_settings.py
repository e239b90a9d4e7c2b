"""The settings: read from the environment when built, and documented in the README's tables."""
from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from credit.config import Settings

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
    assert settings.embedded_search_path() == tmp_path / "search.sqlite3"
    assert settings.ingest_workers == 3
