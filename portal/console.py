"""The staff console under /admin (issue 14): ingest quality reports with their rejected rows (and
CSV/XLSX exports to fix and resend), double-publicity statistics with charts, the query-log viewer
with chain verification, and the operations status page.

Who sees what: reviewers, auditors and admins every run and every department's figures; a
department clerk only its own department's rejected rows and figures; the query log is the
auditors' (and admins'); the status page the admins' and auditors'. Nothing here decides anything:
an auditor's pages are read-only. Reading the query log is itself a staff action in the log's chain
(credit.staff.audit, how = "action"): it is not a read of a subject's non-public record, which is
what how = "staff" entries name, but who looked at which part of the log must be on record all the same."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from cachetools import TTLCache
from flask import Blueprint, Flask, Response, current_app, render_template, request
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from credit import quality, querylog, staff, stats, typed
from credit.codes import is_citizen_id, mask_id_number, normalize_code
from credit.models import CHINA, IngestRun, aware
from credit.querylog import QueryLogEntry
from portal import admin, charts, current, login
from portal.admin import member, staff_required
from portal.errors import PortalError
from portal.extensions import limiter
from portal.present import catalog

bp = Blueprint("console", __name__, url_prefix="/admin")

QUALITY = (staff.REVIEWER, staff.DEPARTMENT, staff.AUDITOR)
STATS = (staff.REVIEWER, staff.DEPARTMENT, staff.AUDITOR)
LOG = (staff.AUDITOR,)
STATUS = (staff.ADMIN, staff.AUDITOR)
PAGE_SIZE = 50
PUBLIC_TTL = 300   # seconds the public statistics are kept per worker


def init_app(app: Flask) -> None:
    from portal import metrics, public_stats

    app.register_blueprint(bp)
    app.register_blueprint(public_stats.bp)
    metrics.init_app(app)
    # Registered before the app's security headers (portal/__init__.py), so it runs after them.
    app.after_request(chart_policy)
    admin.section(app, "数据导入质量报告", "console.runs", *QUALITY, note="各单位接收与拒绝情况；被拒绝的行可导出修改后重报")
    admin.section(app, "双公示统计", "console.stats_page", *STATS, note="按月、按单位；7个工作日内公示的比例")
    admin.section(app, "查询日志", "console.log_page", *LOG, note="查阅本身记入日志；可校验哈希链")
    admin.section(app, "运行状态", "console.status", *STATUS)


# -- shared helpers -----------------------------------------------------------------------------

@dataclass
class Page:
    """What macros.pagination needs."""
    page: int
    total: int
    size: int = PAGE_SIZE

    @property
    def last_page(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def start(self) -> int:
        return (self.page - 1) * self.size


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise PortalError(400, "bad_page", "页码应为1至100000之间的整数")
    return int(raw)


def _arg(name: str, limit: int = 100) -> str:
    # Cleaned as every typed line: a filter's value goes into the query log (an export's, a log
    # read's entry), where PostgreSQL refuses a NUL and a direction override would make it misread.
    value = typed.line(request.args.get(name))
    if len(value) > limit:
        raise PortalError(400, "bad_parameter", f"参数 {name} 过长（最多{limit}个字符）")
    return value


def _own_department() -> str | None:
    """A department clerk's department code; None for the roles that see every department."""
    who = member()
    return None if who.has(staff.REVIEWER, staff.AUDITOR) else who.department_code or ""


def _download(body: bytes, name: str, mimetype: str) -> Response:
    # content_type, not mimetype: given a text/* mimetype, Response adds "; charset=utf-8" a second time.
    return Response(body, content_type=mimetype, headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"})


# -- ingest quality -----------------------------------------------------------------------------

@bp.get("/runs")
@staff_required(*QUALITY)
def runs():
    page = Page(_page_number(), 0)
    own = _own_department()
    with login.sessions()() as db:
        if own is None:
            page.total = db.scalar(select(func.count()).select_from(IngestRun)) or 0
            rows = db.execute(select(IngestRun.id, IngestRun.started_at, IngestRun.finished_at, IngestRun.status,
                                     IngestRun.accepted, IngestRun.rejected, IngestRun.replaced)
                              .order_by(IngestRun.id.desc()).offset(page.start).limit(page.size)).all()
            listed = [dict(r._mapping) for r in rows]
        else:
            listed = _department_runs(db, own)
            page.total = len(listed)
            listed = listed[page.start:page.start + page.size]
    return render_template("console/runs.html", runs=listed, results=page, own=own)


def _department_runs(db, own: str) -> list[dict]:
    """The runs holding a clerk's department's rows, with that department's counts only."""
    names = stats.department_names(db)
    out = []
    for run in db.scalars(select(IngestRun).order_by(IngestRun.id.desc()).limit(500)):
        mine = quality.departments(run.report or {}, own, names)
        if not mine:
            continue
        total = {k: sum(c.get(k, 0) for c in mine.values()) for k in ("accepted", "rejected", "replaced")}
        out.append({"id": run.id, "started_at": run.started_at, "finished_at": run.finished_at, "status": run.status,
                    **total})
    return out


@bp.get("/runs/<int:run_id>")
@staff_required(*QUALITY)
def run_detail(run_id: int):
    run, report, rows, only = _run_rows(run_id)
    page = Page(_page_number(), len(rows))
    own = _own_department()
    with login.sessions()() as db:
        names = stats.department_names(db)
    all_rows = quality.rejections(report, quality.Filter(department_code=own))
    return render_template("console/run.html", run=run, report=report, own=own,
                           files=report.get("files", []) if own is None else [],
                           departments=quality.departments(report, own, names),
                           rows=rows[page.start:page.start + page.size], results=page, only=only,
                           reasons=quality.reasons_of(all_rows), reason_labels=quality.REASON_LABELS,
                           department_choices=sorted({(r.get("department_code") or "", r.get("department") or "")
                                                      for r in all_rows}))


@bp.get("/runs/<int:run_id>/rejections.<fmt>")
@staff_required(*QUALITY)
def run_export(run_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise PortalError(404, "not_found", "只提供 CSV 和 XLSX 格式")
    _run, _report, rows, only = _run_rows(run_id)
    lines = quality.table(rows)
    name = f"ingest-{run_id}-rejected.{fmt}"
    # Rejected rows are no records, so no read of the gate, but they are the rows as sent, personal
    # numbers and names included: who took them away, and which, is kept in the log's chain.
    wanted = "，".join(f"{label}={value}" for label, value in (("部门", only.department), ("原因", only.reason)) if value)
    with login.sessions().begin() as db:
        staff.audit(db, admin.actor(), f"导出第{run_id}次导入被拒绝的行（{fmt.upper()}，{len(rows)}行"
                                       f"{'；' + wanted if wanted else ''}）", at=login.now(), address=request.remote_addr)
    if fmt == "csv":
        return _download(quality.to_csv(lines), name, "text/csv; charset=utf-8")
    return _download(quality.to_xlsx(lines), name,
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _run_rows(run_id: int):
    with login.sessions()() as db:
        run = db.get(IngestRun, run_id)
    if run is None:
        raise PortalError(404, "not_found", "没有这次导入")
    report = run.report or {}
    only = quality.Filter(department_code=_own_department(), department=_arg("department", 64) or None,
                          reason=_arg("reason", 64) or None)
    if only.department_code is not None:
        with login.sessions()() as db:
            names = stats.department_names(db)
        if not quality.departments(report, only.department_code, names):
            # A run without the clerk's department's rows is not theirs: answered as an unknown run.
            raise PortalError(404, "not_found", "没有这次导入")
    return run, report, quality.rejections(report, only), only


# -- statistics ---------------------------------------------------------------------------------

def _year() -> int:
    raw = request.args.get("year", "")
    if not raw:
        return current.today().year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise PortalError(400, "bad_year", "年份应为2000至2100之间的整数")
    return int(raw)


def compute(*, public_only: bool, year: int | None = None) -> stats.Stats:
    """The year's figures; the public ones are kept a few minutes per worker, so anonymous visitors
    (a page and its three charts each) cannot make the database count over and over."""
    year = year or _year()
    if public_only:
        cache = current_app.extensions.setdefault("credit_public_stats", TTLCache(maxsize=32, ttl=PUBLIC_TTL))
        key = (year, current.today())
        if key not in cache:
            cache[key] = _compute(public_only=True, year=year)
        return cache[key]
    return _compute(public_only=False, year=year)


def _compute(*, public_only: bool, year: int) -> stats.Stats:
    settings = current.settings()
    with login.sessions()() as db:
        result = stats.compute(db, catalog(), year, limit=settings.timely_workdays,
                               public_only=public_only)
    own = None if public_only else _own_department()
    if own is not None:
        result.cells = {k: v for k, v in result.cells.items() if k[1] == own}
        result.rejected = {k: v for k, v in result.rejected.items() if k[1] == own}
        result.departments = {k: v for k, v in result.departments.items() if k == own}
    return result


@bp.get("/stats")
@staff_required(*STATS)
def stats_page():
    result = compute(public_only=False)
    return render_template("console/stats.html", stats=result, staff_view=True, kinds=stats.KINDS,
                           kind_labels=stats.KIND_LABELS, share=stats.share, Cell=stats.Cell,
                           chart_endpoint="console.stats_chart", csv_endpoint="console.stats_csv")


@bp.get("/stats.csv")
@staff_required(*STATS)
def stats_csv():
    result = compute(public_only=False)
    return _download(quality.to_csv(stats.csv_rows(result)), f"stats-{result.year}.csv", "text/csv; charset=utf-8")


@bp.get("/stats/<name>.svg")
@staff_required(*STATS)
def stats_chart(name: str):
    return chart_response(name, compute(public_only=False))


def chart_response(name: str, result: stats.Stats) -> Response:
    draw = charts.CHARTS.get(name)
    if draw is None:
        raise PortalError(404, "not_found", "没有这张图表")
    response = Response(draw(result), mimetype="image/svg+xml")
    response.headers["X-Chart"] = "1"   # _chart_policy gives it the policy an SVG's own styles need
    return response


def chart_policy(response: Response) -> Response:
    """An SVG chart carries its styles inline: its own response allows those, and nothing else.
    Registered after the app's security headers are set, so it has the last word on charts only."""
    if response.headers.pop("X-Chart", None):
        response.headers["Content-Security-Policy"] = charts.CSP
    return response


# -- query log ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogFilter:
    subject: str = ""
    querier: str = ""
    how: str = ""
    since: date | None = None
    until: date | None = None

    def described(self) -> str:
        parts = [f"主体={self.subject}" if self.subject else "", f"查询人={self.querier}" if self.querier else "",
                 f"方式={self.how}" if self.how else "", f"自{self.since}" if self.since else "",
                 f"至{self.until}" if self.until else ""]
        return "，".join(p for p in parts if p) or "全部"


LOG_HOWS = (*querylog.HOWS, querylog.ACTION, querylog.PRUNE)


def _log_filter() -> LogFilter:
    how = _arg("how", 16)
    if how and how not in LOG_HOWS:
        raise PortalError(400, "bad_parameter", f"查询方式应为 {'、'.join(LOG_HOWS)} 之一")
    return LogFilter(subject=_arg("subject", 64), querier=_arg("querier", 64), how=how,
                     since=_day("since"), until=_day("until"))


def _day(name: str) -> date | None:
    raw = _arg(name, 10)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise PortalError(400, "bad_date", f"{name} 应为 YYYY-MM-DD 格式的日期") from None


def _log_query(only: LogFilter):
    q = select(QueryLogEntry)
    if only.subject:
        key = normalize_code(only.subject)
        q = q.where((QueryLogEntry.subject_key == key) | (QueryLogEntry.subject_name == only.subject))
    if only.querier:
        key = normalize_code(only.querier)
        q = q.where((QueryLogEntry.querier_id == key) | (QueryLogEntry.querier_name == only.querier))
    if only.how:
        q = q.where(QueryLogEntry.how == only.how)
    if only.since:
        q = q.where(QueryLogEntry.at >= datetime.combine(only.since, time(0), CHINA).astimezone(timezone.utc))
    if only.until:
        q = q.where(QueryLogEntry.at < datetime.combine(only.until + timedelta(days=1), time(0), CHINA)
                    .astimezone(timezone.utc))
    return q


@bp.get("/log")
@staff_required(*LOG)
def log_page():
    only, page = _log_filter(), Page(_page_number(), 0)
    query = _log_query(only)
    with login.sessions().begin() as db:
        page.total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        entries = list(db.scalars(query.order_by(QueryLogEntry.seq.desc()).offset(page.start).limit(page.size)))
        shown = [_entry_view(e) for e in entries]
        # Logged after the entries are read, in the same transaction: the page never shows its own entry.
        staff.audit(db, admin.actor(), f"查阅查询日志（{only.described()}；第{page.page}页，{len(entries)}条）",
                    items=[f"log:{e.seq}" for e in entries][:PAGE_SIZE], at=login.now(), address=request.remote_addr)
    return render_template("console/log.html", entries=shown, results=page, only=only, hows=LOG_HOWS,
                           how_labels=HOW_LABELS, check=None)


HOW_LABELS = {"self": "本人查询", "code": "授权码查询", "institution": "信用服务机构", "staff": "工作人员查阅",
              querylog.ACTION: "工作人员操作", querylog.PRUNE: "日志清理"}


def _entry_view(e: QueryLogEntry) -> dict:
    local = aware(e.at).astimezone(CHINA)
    return {"seq": e.seq, "at": f"{local:%Y-%m-%d %H:%M:%S}", "querier": e.querier_name,
            "querier_id": _masked(e.querier_id), "how": e.how, "subject": e.subject_name,
            "subject_key": _masked(e.subject_key), "item_count": len(e.items or ()), "reason": _masked_in(e.reason),
            "address": e.address or "", "times": e.times, "hash": e.hash[:12]}


def _masked(key: str) -> str:
    """A citizen ID number is shown as first 6 + ******** + last 4; codes of organisations whole."""
    return mask_id_number(key) if key and is_citizen_id(key) else key


# An 18-character run standing alone in free text: a reason may hold an ID number (a staff reader's
# stated purpose, the filter a log read was made with, as typed), masked like the ID columns.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def _masked_in(text: str) -> str:
    return _ID_IN_TEXT.sub(lambda m: _masked(m.group().upper()), text)


@bp.post("/log/verify")
@staff_required(*LOG)
@limiter.limit("6/minute")
def log_verify():
    """Runs credit.querylog.check, as `python -m indexer verify-log` does, and records that it was run."""
    with login.sessions()() as db:
        result = querylog.check(db)
    outcome = (f"哈希链完整：已校验 {result.checked} 条，链头第 {result.head_seq} 条" if not result.problems
               else f"哈希链校验未通过：{len(result.problems)} 处问题（已检查 {result.checked} 条）")
    with login.sessions().begin() as db:
        staff.audit(db, admin.actor(), f"校验查询日志哈希链：{outcome}", at=login.now(), address=request.remote_addr)
    return render_template("console/log.html", entries=[], results=Page(1, 0), only=LogFilter(), hows=LOG_HOWS,
                           how_labels=HOW_LABELS, check=result, outcome=outcome)


# -- operations ---------------------------------------------------------------------------------

@bp.get("/status")
@staff_required(*STATUS)
def status():
    return render_template("console/status.html", database=_database(), search=_search(), limiter=_limiter(),
                           last_run=_last_run())


def _database() -> dict:
    try:
        with login.sessions()() as db:
            revision = db.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            records = db.scalar(text("SELECT count(*) FROM records"))
        return {"ok": True, "engine": db.get_bind().dialect.name, "revision": "、".join(revision), "records": records}
    except SQLAlchemyError as exc:
        return {"ok": False, "error": type(exc).__name__}


def _search() -> dict:
    health = dict(current.index().health())
    path = health.get("path")
    if path and Path(path).exists():
        # The embedded engine's current version folder (search.tantivy.vN): its name is the index
        # version, and it is written once, by the rebuild that made it.
        folder = Path(path)
        health["version"] = folder.name.rsplit(".", 1)[-1]
        health["rebuilt"] = datetime.fromtimestamp(folder.stat().st_mtime, CHINA).strftime("%Y-%m-%d %H:%M")
    elif health.get("index"):
        health["version"] = health["index"]
    return health


def _limiter() -> dict:
    storage = limiter.storage
    try:
        return {"ok": bool(storage.check()), "url": type(storage).__name__}
    except Exception as exc:   # noqa: BLE001 — the page reports any failure of the store, never raises
        return {"ok": False, "url": type(storage).__name__, "error": type(exc).__name__}


def _last_run() -> dict | None:
    with login.sessions()() as db:
        run = db.execute(select(IngestRun.id, IngestRun.started_at, IngestRun.finished_at, IngestRun.status,
                                IngestRun.accepted, IngestRun.rejected, IngestRun.replaced)
                         .order_by(IngestRun.id.desc()).limit(1)).first()
    return dict(run._mapping) if run else None
