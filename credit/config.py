"""Settings from the environment (CREDIT_*), with working defaults for the embedded mode."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

INSTANCE = Path(os.environ.get("CREDIT_INSTANCE_PATH", Path(__file__).resolve().parent.parent / "instance"))


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: _env("CREDIT_DATABASE_URL", f"sqlite:///{INSTANCE / 'credit.sqlite3'}"))
    # "embedded" (a SQLite FTS5 file under instance/), "embedded:///path/to/file", or an
    # Elasticsearch URL (http:// or https://).
    search_url: str = field(default_factory=lambda: _env("CREDIT_SEARCH_URL", "embedded"))
    # Index (Elasticsearch) or table-name prefix, so several deployments or test runs can share an engine.
    search_prefix: str = field(default_factory=lambda: _env("CREDIT_SEARCH_PREFIX", "credit"))
    catalog: str = field(default_factory=lambda: _env("CREDIT_CATALOG", "default"))
    # Rows written to the database per transaction: what a crash can lose at most is one batch.
    ingest_batch: int = field(default_factory=lambda: int(_env("CREDIT_INGEST_BATCH", "2000")))

    def embedded_search_path(self) -> Path:
        if self.search_url == "embedded":
            return INSTANCE / "search.sqlite3"
        return Path(self.search_url.removeprefix("embedded://"))
