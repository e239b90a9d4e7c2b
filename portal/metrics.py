"""Prometheus metrics at /metrics (prometheus-client), answered only to the addresses in
CREDIT_METRICS_ALLOW (everyone else gets the ordinary 404): requests and their latency per endpoint,
search latency, refusals for exceeding a rate limit or a quota (HTTP 429, from the anonymous limiter
and the institution quotas alike), public searches counted per day for the statistics, and, read
from the database at each scrape, the ingest runs and their rows.

Several gunicorn workers: with PROMETHEUS_MULTIPROC_DIR set (an empty folder the workers may write,
emptied before each start) every worker writes its figures there and a scrape adds them all up
(prometheus-client's multiprocess mode; gunicorn.conf.py tells it when a worker exits). Without it,
each scrape sees the one worker that answered it."""
from __future__ import annotations

import ipaddress
import os
import time

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from credit.db import session_factory
from credit.models import IngestRun, Record
from credit.searchcount import SearchCounter
from portal import current
from portal.errors import PortalError
from portal.extensions import limiter

REQUESTS = Counter("credit_http_requests_total", "HTTP requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram("credit_http_request_seconds", "Time to answer a request", ["endpoint"])
SEARCH_LATENCY = Histogram("credit_search_seconds", "Time to answer a public search (page or API)", ["endpoint"])
REFUSALS = Counter("credit_quota_refusals_total", "Requests refused with 429 (rate limit or institution quota)",
                   ["endpoint"])
# The searches the statistics count: a page or API search with a query.
SEARCHES = ("public.search", "api.search")


def init_app(app: Flask) -> None:
    settings = app.config["CREDIT_SETTINGS"]
    app.extensions["credit_metrics_allow"] = _networks(settings.metrics_allow)
    app.extensions["credit_search_counter"] = SearchCounter(session_factory(settings.database_url))
    app.before_request(_start)
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", limiter.exempt(metrics))


def _networks(spec: str) -> list:
    return [ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()]


def _start() -> None:
    g.metrics_start = time.perf_counter()


def _observe(response: Response) -> Response:
    endpoint = request.endpoint or "unmatched"
    if endpoint == "metrics":
        return response
    elapsed = time.perf_counter() - g.get("metrics_start", time.perf_counter())
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(elapsed)
    if response.status_code == 429:
        REFUSALS.labels(endpoint).inc()
    if endpoint in SEARCHES and response.status_code == 200 and request.args.get("q"):
        SEARCH_LATENCY.labels(endpoint).observe(elapsed)
        counter = current_app.extensions["credit_search_counter"]
        if counter.add(current.today()):
            response.call_on_close(counter.flush)   # after the answer has gone out
    return response


def allowed(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in net for net in current_app.extensions["credit_metrics_allow"])


def metrics():
    if not allowed(request.remote_addr):
        raise PortalError(404, "not_found", "您访问的页面不存在")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    return Response(generate_latest(_with_ingest(registry)), content_type=CONTENT_TYPE_LATEST)


class _Ingest:
    """Ingest figures read from the database at scrape time (the same in every worker)."""

    def __init__(self, url: str):
        self.url = url

    def collect(self):
        runs = GaugeMetricFamily("credit_ingest_runs", "Ingest runs by status", labels=["status"])
        rows = GaugeMetricFamily("credit_ingest_rows", "Rows of all ingest runs by outcome", labels=["outcome"])
        records = GaugeMetricFamily("credit_records", "Records stored, by kind", labels=["kind"])
        try:
            with session_factory(self.url)() as db:
                for status, n in db.execute(select(IngestRun.status, func.count()).group_by(IngestRun.status)):
                    runs.add_metric([status], n)
                totals = db.execute(select(func.sum(IngestRun.accepted), func.sum(IngestRun.rejected),
                                           func.sum(IngestRun.replaced))).one()
                for outcome, n in zip(("accepted", "rejected", "replaced"), totals):
                    rows.add_metric([outcome], n or 0)
                for kind, n in db.execute(select(Record.kind, func.count()).group_by(Record.kind)):
                    records.add_metric([kind], n)
        except SQLAlchemyError:
            return
        yield from (runs, rows, records)


def _with_ingest(registry):
    """The registry to expose plus the scrape-time ingest figures (a registry of its own, so the
    process-wide one is never changed)."""
    url = current.settings().database_url

    class _Both:
        def collect(self):
            yield from registry.collect()
            yield from _Ingest(url).collect()

    return _Both()
