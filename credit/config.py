"""Settings from the environment (CREDIT_*), with working defaults for the embedded mode."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path


def env(name: str, default: str) -> str:
    """A setting from the environment; an empty variable counts as unset."""
    return os.environ.get(name) or default


INSTANCE = Path(env("CREDIT_INSTANCE_PATH", str(Path(__file__).resolve().parent.parent / "instance")))
# Elasticsearch index names are lowercase, refuse \ / * ? " < > | , # : and spaces, and may not
# start with - _ + (nor ., which marks hidden indices). 200 characters leave room for the
# "-public-v12" suffixes within the 255-byte limit.
SEARCH_PREFIX = re.compile(r"[a-z0-9][a-z0-9._+-]{0,199}")


class SettingsError(ValueError):
    """A setting from the environment that cannot work; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: env("CREDIT_DATABASE_URL", f"sqlite:///{INSTANCE / 'credit.sqlite3'}"))
    # "embedded" (a SQLite FTS5 file under instance/), "embedded:///path/to/file", or an
    # Elasticsearch URL (http:// or https://).
    search_url: str = field(default_factory=lambda: env("CREDIT_SEARCH_URL", "embedded"))
    # Index (Elasticsearch) or table-name prefix, so several deployments or test runs can share an engine.
    search_prefix: str = field(default_factory=lambda: env("CREDIT_SEARCH_PREFIX", "credit"))
    catalog: str = field(default_factory=lambda: env("CREDIT_CATALOG", "default"))
    # Rows written to the database per transaction: what a crash can lose at most is one batch.
    ingest_batch: int = field(default_factory=lambda: int(env("CREDIT_INGEST_BATCH", "2000")))
    # Characters one field of a source file may hold (every format); a row with a longer field is
    # rejected as 字段过长 and the rest of the file read on.
    ingest_max_field: int = field(default_factory=lambda: int(env("CREDIT_INGEST_MAX_FIELD", "32768")))

    # Elasticsearch (when CREDIT_SEARCH_URL is http(s)://…; several nodes may be listed, comma-separated).
    # Authentication: an API key (the base64 "id:key" string Elasticsearch prints), or a user name
    # and password; user:password@ in the URL works too. Empty = no authentication.
    es_api_key: str = field(default_factory=lambda: env("CREDIT_ES_API_KEY", ""))
    es_username: str = field(default_factory=lambda: env("CREDIT_ES_USERNAME", ""))
    es_password: str = field(default_factory=lambda: env("CREDIT_ES_PASSWORD", ""))
    # PEM file of the CA that signed the cluster's HTTPS certificate (empty = the system's CAs).
    es_ca_certs: str = field(default_factory=lambda: env("CREDIT_ES_CA_CERTS", ""))
    # Seconds a search may take before it fails with SearchError (the portal answers 503): a slow
    # engine must not hold every portal worker. Timed-out reads are not retried for the same reason.
    search_timeout: float = field(default_factory=lambda: float(env("CREDIT_SEARCH_TIMEOUT", "5")))
    # Seconds one bulk write or index-management call may take: the indexer can wait, readers cannot.
    search_write_timeout: float = field(default_factory=lambda: float(env("CREDIT_SEARCH_WRITE_TIMEOUT", "120")))
    # Retries of a request that failed to connect or got 429/502/503/504 (bulk items rejected
    # with 429 are retried as many times, with backoff).
    search_retries: int = field(default_factory=lambda: int(env("CREDIT_SEARCH_RETRIES", "2")))
    # Shards and replicas of each new index version (read at the next `indexer reindex`).
    es_shards: int = field(default_factory=lambda: int(env("CREDIT_ES_SHARDS", "1")))
    es_replicas: int = field(default_factory=lambda: int(env("CREDIT_ES_REPLICAS", "1")))

    def __post_init__(self) -> None:
        # Checked at start-up, not at the first index request, where the engine's own refusal
        # would come back as "search unavailable".
        if not SEARCH_PREFIX.fullmatch(self.search_prefix):
            raise SettingsError(f"CREDIT_SEARCH_PREFIX 无效：{self.search_prefix!r}。索引名前缀只能包含小写字母、数字和 . _ + -，"
                             "须以小写字母或数字开头，最长200个字符（Elasticsearch 索引命名规则）")

    def embedded_search_path(self) -> Path:
        if self.search_url == "embedded":
            return INSTANCE / "search.sqlite3"
        return Path(self.search_url.removeprefix("embedded://"))
