"""Every setting and limit, named and documented once. Those with an environment variable (CREDIT_*)
are read when Settings() is built, at the start of the app or command; tests pass values instead.

The README's configuration tables are checked against this module (tests/test_settings.py)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
# Elasticsearch index names are lowercase, refuse \ / * ? " < > | , # : and spaces, and may not
# start with - _ + (nor ., which marks hidden indices). 200 characters leave room for the
# "-public-v12" suffixes within the 255-byte limit.
SEARCH_PREFIX = re.compile(r"[a-z0-9][a-z0-9._+-]{0,199}")


DEV_SECRET_KEY = "dev-only-not-secret"


class SettingsError(ValueError):
    """A setting from the environment that cannot work; the message says which and why."""


def setting(name: str, default: Any, parse: Callable[[Any], Any] = str, shown: str | None = None):
    """A field read from the environment variable `name` (an empty variable counts as unset).
    `shown` is its default as the README states it, when that is not the literal default."""
    return field(default_factory=lambda: _parsed(name, os.environ.get(name) or default, parse),
                 metadata={"env": name, "shown": f"`{default}`" if shown is None else shown})


def _parsed(name: str, value: Any, parse: Callable[[Any], Any]) -> Any:
    # A value that does not parse stops start-up naming its variable (not a bare ValueError).
    try:
        return parse(value)
    except (TypeError, ValueError):
        kind = {int: "整数", _workers: "整数", float: "数字"}.get(parse, "有效的值")
        raise SettingsError(f"环境变量 {name}={value!r} 无效：应为{kind}") from None


def _workers(value: str | None) -> int:
    return int(value) if value is not None else os.cpu_count() or 1


@dataclass(frozen=True)
class Settings:
    # -- storage and engine ----------------------------------------------------------------------
    # Where the embedded defaults keep their files (database, search file, ingest lock).
    instance_path: Path = setting("CREDIT_INSTANCE_PATH", ROOT / "instance", Path, shown="`instance/`")
    # Empty: a SQLite file under instance_path.
    database_url: str = setting("CREDIT_DATABASE_URL", "", shown="`sqlite:///instance/credit.sqlite3`")
    # "embedded" (a tantivy index under instance/: the pointer file search.tantivy and its version
    # folders beside it), "embedded:///path/to/pointer", or an Elasticsearch URL (http:// or https://).
    search_url: str = setting("CREDIT_SEARCH_URL", "embedded")
    # Index (Elasticsearch) or table-name prefix, so several deployments or test runs can share an engine.
    search_prefix: str = setting("CREDIT_SEARCH_PREFIX", "credit")
    catalog: str = setting("CREDIT_CATALOG", "default")

    # -- ingest and publishing -------------------------------------------------------------------
    # Rows written to the database per transaction: what a crash can lose at most is one batch.
    ingest_batch: int = setting("CREDIT_INGEST_BATCH", "2000", int)
    # Characters one field of a source file may hold (every format); a row with a longer field is
    # rejected as 字段过长 and the rest of the file read on.
    ingest_max_field: int = setting("CREDIT_INGEST_MAX_FIELD", "32768", int)
    # Processes that validate rows and build public documents (1: all in the calling process).
    ingest_workers: int = setting("CREDIT_INGEST_WORKERS", None, _workers, shown="number of CPUs")
    # Subjects per database query and per index write when publishing.
    # Each chunk is one commit of the embedded index; fewer, larger commits leave tantivy fewer
    # segments to merge: at 100,000 subjects ingest took 58.8 s with 1,000, 44.2 s with 5,000
    # and 49.6 s with 10,000 (bench/ingest.py, quiet 2-core machine).
    publish_chunk: int = 5000

    # -- Elasticsearch (when search_url is http(s)://…; several nodes may be listed, comma-separated)
    # Authentication: an API key (the base64 "id:key" string Elasticsearch prints), or a user name
    # and password; user:password@ in the URL works too. Empty = no authentication.
    es_api_key: str = setting("CREDIT_ES_API_KEY", "", shown="—")
    es_username: str = setting("CREDIT_ES_USERNAME", "", shown="—")
    es_password: str = setting("CREDIT_ES_PASSWORD", "", shown="—")
    # PEM file of the CA that signed the cluster's HTTPS certificate (empty = the system's CAs).
    es_ca_certs: str = setting("CREDIT_ES_CA_CERTS", "", shown="—")
    # Seconds a search may take before it fails with SearchError (the portal answers 503): a slow
    # engine must not hold every portal worker. Timed-out reads are not retried for the same reason.
    search_timeout: float = setting("CREDIT_SEARCH_TIMEOUT", "5", float)
    # Seconds one bulk write or index-management call may take: the indexer can wait, readers cannot.
    search_write_timeout: float = setting("CREDIT_SEARCH_WRITE_TIMEOUT", "120", float)
    # Retries of a request that failed to connect or got 429/502/503/504 (bulk items rejected
    # with 429 are retried as many times, with backoff).
    search_retries: int = setting("CREDIT_SEARCH_RETRIES", "2", int)
    # Shards and replicas of each new index version (read at the next `indexer reindex`).
    es_shards: int = setting("CREDIT_ES_SHARDS", "1", int)
    es_replicas: int = setting("CREDIT_ES_REPLICAS", "1", int)
    # Documents, and bytes, per bulk request. Elastic's tuning guide says to start at 1,000-5,000
    # documents or 5-15 MB and measure. Public documents average ~1.1 KB, so 1,000 are ~1 MB: the
    # small end, which keeps a resent request cheap. The noida-db stand-in cannot settle it (flat
    # from 500 to 5,000); measure on the real cluster with `bench/ingest_elastic.py --chunks
    # 500,1000,5000` before raising it. The byte cap guards against unusually large records.
    es_bulk_chunk: int = 1000
    es_bulk_max_bytes: int = 10 * 1024 * 1024
    # Candidate values each shard sends for a facet, so that the facet_size most frequent are
    # exact across shards (Elasticsearch's own default, size × 1.5 + 10, can miss some).
    es_facet_shard_size: int = 500

    # -- search, the same on every engine -----------------------------------------------------
    # Deepest result a page number reaches (Elasticsearch's index.max_result_window, applied at the
    # next reindex); deeper pages are read with the `after` cursor each page returns.
    result_window: int = 10_000
    # Values per facet (departments, record kinds) when a search asks for facets.
    facet_size: int = 20
    # Embedded engine: seconds a write waits for the index's one writer (another process's write,
    # or a rebuild's switch) before it fails with SearchError instead of hanging.
    embedded_write_wait: float = 120.0

    # -- portal ------------------------------------------------------------------------------------
    # Signs the session cookie (and keys authorization codes unless auth_code_key is set): set a
    # long random value in production.
    secret_key: str = setting("CREDIT_SECRET_KEY", DEV_SECRET_KEY, shown="a development value")
    site_name: str = setting("CREDIT_SITE_NAME", "信用信息公示查询平台")
    # The province whose prefectures the region filter offers (GB/T 2260 code).
    home_region: str = setting("CREDIT_HOME_REGION", "420000")
    # One budget per client address, shared by every page and API route (anti-scraping).
    ratelimit_anonymous: str = setting("CREDIT_RATELIMIT_ANONYMOUS", "60/minute;1000/hour")
    # memory:// counts per worker process; use redis://… so the limit holds across workers.
    ratelimit_storage_url: str = setting("CREDIT_RATELIMIT_STORAGE_URL", "memory://")
    # How many reverse proxies in front of the portal append to X-Forwarded-For; 0 ignores
    # the header entirely, so a client cannot pick its own rate-limit key.
    trusted_proxies: int = setting("CREDIT_TRUSTED_PROXIES", "0", int)
    # Results per page unless the API asks for another size, and the most it may ask for.
    page_size: int = 20
    max_page_size: int = 100
    # Characters in a search box or filter value.
    max_text: int = 100
    # Characters in an `after` cursor: the engines' cursors are under 120. Longer ones are refused
    # before decoding (a long one could nest arrays deeper than the JSON parser's stack).
    max_cursor: int = 300
    # The portal's own limits on a request, below gunicorn's (gunicorn.conf.py), so that an
    # over-long request is refused in the portal's words and not by gunicorn's plain English page.
    # The longest request the pages and API make (every filter at max_text, percent-encoded
    # Chinese) is under 3 KB; 8 KB of headers is what common reverse proxies pass.
    max_url: int = 4096            # bytes of path and query string, as sent
    max_header_bytes: int = 8192   # all header names and values together
    max_header_fields: int = 64
    # Bytes any request body may hold, refused with 413 before anything reads it: just above the
    # largest body the portal takes (an objection's or repair's files at their default caps, 5 × 5 MB
    # and the form: ~25.3 MB; a batch is 1 MB). Forms with files and the batch API have tighter
    # limits of their own (portal/uploads.py, batch_max_bytes); raise this with theirs.
    max_body_bytes: int = setting("CREDIT_MAX_BODY_BYTES", "27262976", int)
    # Records per kind on a profile; the rest are on the subject's records page.
    section_size: int = 20
    # Newest licences, and newest penalties, on the home page.
    latest_size: int = 8

    # -- real-name access (SPEC §6) ---------------------------------------------------------------
    # Production: session cookies only over HTTPS, the development identity provider refuses to
    # start, and the development secret key is refused.
    production: bool = setting("CREDIT_PRODUCTION", "0", lambda v: str(v).lower() in ("1", "true", "yes"))
    # The OpenID Connect provider (its issuer URL; discovery at /.well-known/openid-configuration).
    # Empty: no login; /login says so.
    oidc_issuer: str = setting("CREDIT_OIDC_ISSUER", "", shown="—")
    oidc_client_id: str = setting("CREDIT_OIDC_CLIENT_ID", "credit-portal")
    oidc_client_secret: str = setting("CREDIT_OIDC_CLIENT_SECRET", "", shown="—")
    oidc_scope: str = setting("CREDIT_OIDC_SCOPE", "openid profile")
    # Which ID-token claims carry the verified identity: providers name them differently.
    oidc_claim_uscc: str = setting("CREDIT_OIDC_CLAIM_USCC", "uscc")
    oidc_claim_id_number: str = setting("CREDIT_OIDC_CLAIM_ID_NUMBER", "id_number")
    oidc_claim_name: str = setting("CREDIT_OIDC_CLAIM_NAME", "name")
    oidc_claim_subject_type: str = setting("CREDIT_OIDC_CLAIM_SUBJECT_TYPE", "subject_type")
    # A session ends after this many minutes without a request, and this many hours after login.
    session_idle_minutes: int = setting("CREDIT_SESSION_IDLE_MINUTES", "30", int)
    session_max_hours: int = setting("CREDIT_SESSION_MAX_HOURS", "8", int)
    # Key of the HMAC under which authorization codes are stored (empty: the secret key). Changing
    # it invalidates every code issued.
    auth_code_key: str = setting("CREDIT_AUTH_CODE_KEY", "", shown="the secret key")
    # Wrong authorization-code tries allowed per querier (real-name login): the first limit slows a
    # guesser, the second blocks it. Only refused tries count; none are counted per subject, so one
    # querier's wrong tries never lock out the holders of a subject's valid codes.
    ratelimit_code_tries: str = setting("CREDIT_RATELIMIT_CODE_TRIES", "5/minute;20/day")
    # Years the query log is kept (the measures: 2 in one city, 5 in another).
    query_log_years: int = setting("CREDIT_QUERY_LOG_YEARS", "5", int)

    # -- credit reports (PDF) --------------------------------------------------------------------
    # The issuing credit centre, named on every report.
    report_issuer: str = setting("CREDIT_REPORT_ISSUER", "信用信息中心")
    # The portal's public address, for the QR code and link to /verify/<number> printed on a
    # report (empty: the address the request came to, which behind a proxy may be an inner one).
    report_base_url: str = setting("CREDIT_REPORT_BASE_URL", "", shown="—")
    # Reports per client address, on top of the anonymous budget every request counts against:
    # a report costs ~50-500 ms of CPU where a page costs a few.
    ratelimit_reports: str = setting("CREDIT_RATELIMIT_REPORTS", "10/minute;200/day")
    # Records of one kind a report lists at most (the newest); the summary still counts them all.
    report_max_records: int = 1000

    # -- credit repair (SPEC §8) ---------------------------------------------------------------------
    # Proof files one repair application may carry, and bytes each may hold (PDF, JPEG or PNG). A
    # request larger than all of them together (plus the form) is refused with 413 unread.
    repair_max_files: int = setting("CREDIT_REPAIR_MAX_FILES", "5", int)
    repair_max_bytes: int = setting("CREDIT_REPAIR_MAX_BYTES", "5242880", int)
    # Characters of the credit commitment (信用承诺书) a subject submits, and of a refusal's reason.
    repair_max_text: int = 5000

    # -- batch lookup for credit service institutions (SPEC §7) -----------------------------------
    # Minutes a bearer token from POST /api/v1/oauth/token stays valid. Suspending or deleting a
    # client stops its tokens at once whatever this says: every request checks the client.
    institution_token_minutes: int = setting("CREDIT_INSTITUTION_TOKEN_MINUTES", "15", int)
    # Bytes a batch request body may hold: 1,000 names of 100 Chinese characters, JSON-escaped
    # (\uXXXX, 6 bytes each), are ~620 KB; 1 MB leaves room and refuses anything larger unread.
    batch_max_bytes: int = setting("CREDIT_BATCH_MAX_BYTES", "1048576", int)
    # Items per batch request (SPEC §7), and the candidates shown for an ambiguous name.
    batch_max_items: int = 1000
    batch_candidates: int = 5
    # The calendar day of the daily item quota: China Standard Time, where the contracts are read.
    quota_timezone: str = "Asia/Shanghai"

    # -- objections, checks and positive-record removal (SPEC §8) ---------------------------------
    # The objection procedure in force (catalog.yaml `objection_procedures`); empty: the one the
    # publicity profile names.
    objection_procedure: str = setting("CREDIT_OBJECTION_PROCEDURE", "", shown="the profile's")
    # Evidence files one objection may carry, and bytes each may hold (PDF, JPEG or PNG).
    objection_max_files: int = setting("CREDIT_OBJECTION_MAX_FILES", "5", int)
    objection_max_bytes: int = setting("CREDIT_OBJECTION_MAX_BYTES", "5242880", int)
    # E-mail copies of the on-site notices (empty host: on-site only).
    smtp_host: str = setting("CREDIT_SMTP_HOST", "", shown="—")
    smtp_port: int = setting("CREDIT_SMTP_PORT", "25", int)
    smtp_user: str = setting("CREDIT_SMTP_USER", "", shown="—")
    smtp_password: str = setting("CREDIT_SMTP_PASSWORD", "", shown="—")
    smtp_from: str = setting("CREDIT_SMTP_FROM", "", shown="—")
    smtp_starttls: bool = setting("CREDIT_SMTP_STARTTLS", "0", lambda v: str(v).lower() in ("1", "true", "yes"))

    # -- staff console and operations (portal/console.py, portal/metrics.py) ----------------------
    # Client addresses /metrics answers (comma-separated addresses or networks); others get 404.
    metrics_allow: str = setting("CREDIT_METRICS_ALLOW", "127.0.0.1")
    # Working days from a decision to its record reaching the portal that count as on time.
    timely_workdays: int = setting("CREDIT_TIMELY_WORKDAYS", "7", int)

    # -- portal caches (per worker) --------------------------------------------------------------
    # Name searches: an ingest shows in search within search_ttl seconds; search_cache answers
    # (a few MB) are kept. A size or lifetime of 0 turns a cache off.
    search_cache: int = setting("CREDIT_SEARCH_CACHE", "2048", int)
    search_ttl: float = 60
    # Answers about the whole index take long to count on a large one and change only with an
    # ingest: measured at 100,000 subjects, the newest licences take ~200 ms and the department
    # counts ~500 ms. The newest records and the list totals share latest_ttl.
    latest_cache: int = 8
    latest_ttl: float = 60
    departments_cache: int = 16
    departments_ttl: float = 600

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.instance_path / 'credit.sqlite3'}")
        if self.production and (self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32):
            raise SettingsError("CREDIT_PRODUCTION=1 时必须设置 CREDIT_SECRET_KEY（至少32个字符的随机值）：它签名登录会话，"
                                "未设置 CREDIT_AUTH_CODE_KEY 时也是授权码的密钥")
        # Checked at start-up, not at the first index request, where the engine's own refusal
        # would come back as "search unavailable".
        if not SEARCH_PREFIX.fullmatch(self.search_prefix):
            raise SettingsError(f"CREDIT_SEARCH_PREFIX 无效：{self.search_prefix!r}。索引名前缀只能包含小写字母、数字和 . _ + -，"
                             "须以小写字母或数字开头，最长200个字符（Elasticsearch 索引命名规则）")

    def embedded_search_path(self) -> Path:
        if self.search_url == "embedded":
            return self.instance_path / "search.tantivy"
        return Path(self.search_url.removeprefix("embedded://"))
