"""The staff console (portal/console.py, portal/public_stats.py, portal/metrics.py): who opens which
page, a department clerk kept to its department's rejected rows, exports a spreadsheet cannot turn
into formulas, the query-log viewer logging its own reads and verifying the chain, the status page,
/metrics only for the configured addresses, searches counted per day, and the public /stats."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from credit import querylog
from credit.db import session_factory
from credit.querylog import QueryLogEntry
from credit.searchcount import SearchCount
from portal import charts
from tests.conftest import TODAY, ingest_into, make_settings
from tests.portal import mini
from tests.portal.conftest import portal_app
from tests.portal.realname import (
    AUDITOR,
    ENV_CLERK,
    ORG_A,
    PERSON,
    REVIEWER,
    STAFF_ADMIN,
    TAX_CLERK,
    csrf_token,
    log_in,
    make_staff,
)

FORMULA = '=HYPERLINK("http://evil.example/","点此")'


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """The mini data set, then a run with rejected rows of two departments (one carrying a formula),
    then a run with the tax department's rows only."""
    folder = tmp_path_factory.mktemp("console")
    settings = make_settings(folder)
    ingest_into(settings, [str(mini.write(folder / "source", TODAY))], today=TODAY)
    bad = folder / "bad"
    bad.mkdir()
    who = mini._subject(mini.GUANGGU)
    mini._write(bad, "penalties.csv", "penalty", [
        {**mini._penalty(who, 501, TODAY, dept=mini.DEPT_ENV), "decided_on": "2024-13-45", "facts": FORMULA},
        {**mini._penalty(who, 502, TODAY, dept=mini.DEPT_ENV), "penalty_types": "打板子"},
        {**mini._penalty(who, 503, TODAY, dept=mini.DEPT_TAX), "decided_on": "明天"},
        mini._penalty(who, 504, TODAY, dept=mini.DEPT_TAX),
    ])
    report = ingest_into(settings, [str(bad)], today=TODAY)
    assert report.total("rejected") == 3
    tax = folder / "tax"
    tax.mkdir()
    mini._write(tax, "penalties.csv", "penalty", [
        {**mini._penalty(who, 601, TODAY, dept=mini.DEPT_TAX), "decided_on": "x"}])
    ingest_into(settings, [str(tax)], today=TODAY)
    make_staff(settings)
    return settings


@pytest.fixture(scope="module")
def app(instance):
    return portal_app(instance)


def as_(app, identity, **environ):
    client = app.test_client()
    if environ:
        client.environ_base.update(environ)
    log_in(client, identity)
    return client


def log_entries(settings, how=querylog.ACTION) -> list[QueryLogEntry]:
    with session_factory(settings.database_url)() as db:
        return list(db.scalars(select(QueryLogEntry).where(QueryLogEntry.how == how).order_by(QueryLogEntry.seq)))


PAGES = ["/admin/runs", "/admin/runs/2", "/admin/runs/2/rejections.csv", "/admin/runs/2/rejections.xlsx",
         "/admin/stats", "/admin/stats.csv", "/admin/stats/monthly.svg", "/admin/log", "/admin/status"]


# -- who opens what -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_log_in_and_a_subject_is_refused(app, path):
    answer = app.test_client().get(path)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    refused = as_(app, ORG_A).get(path)
    assert refused.status_code == 403 and "Traceback" not in refused.get_data(as_text=True)


@pytest.mark.parametrize("who, opens, refused", [
    (STAFF_ADMIN, PAGES, []),
    (AUDITOR, PAGES, []),
    (REVIEWER, PAGES[:7], ["/admin/log", "/admin/status"]),
    (ENV_CLERK, PAGES[:7], ["/admin/log", "/admin/status"]),
])
def test_each_role_opens_its_pages_only(app, who, opens, refused):
    client = as_(app, who)
    home = client.get("/admin").get_data(as_text=True)
    for path in opens:
        assert client.get(path).status_code == 200, path
    for path in refused:
        assert client.get(path).status_code == 403, path
        assert f'href="{path}"' not in home
    assert client.post("/admin/log/verify", data={"csrf_token": csrf_token(client, "/admin")}).status_code == \
        (200 if "/admin/log" in opens else 403)


def test_an_auditor_reads_but_decides_nothing(app, instance):
    auditor = as_(app, AUDITOR)
    token = csrf_token(auditor, "/admin/log")
    before = len(log_entries(instance))
    answer = auditor.post("/admin/staff", data={"csrf_token": token, "key": AUDITOR.id_number, "name": "吴审计",
                                                "roles": ["admin"]})
    assert answer.status_code == 403
    for path in PAGES:   # the console has nothing to post but the chain check
        assert auditor.post(path, data={"csrf_token": token}).status_code == 405
    assert len(log_entries(instance)) == before


# -- ingest quality -------------------------------------------------------------------------------

def test_reviewer_sees_every_departments_rejected_rows_with_file_line_field_and_reason(app):
    page = as_(app, REVIEWER).get("/admin/runs/2").get_data(as_text=True)
    assert page.count("penalties.csv") >= 4
    assert mini.DEPT_ENV[0] in page and mini.DEPT_TAX[0] in page
    assert "处罚决定日期" in page and "处罚类别" in page


def test_a_department_clerk_sees_only_its_own_departments_rows(app):
    env = as_(app, ENV_CLERK)
    page = env.get("/admin/runs/2").get_data(as_text=True)
    assert mini.DEPT_ENV[0] in page and mini.DEPT_TAX[0] not in page and "明天" not in page
    assert "共 2 处" in page
    exported = env.get("/admin/runs/2/rejections.csv").get_data(as_text=True)
    assert mini.DEPT_ENV[1] in exported and mini.DEPT_TAX[1] not in exported
    # Asking for the other department's rows by filter changes nothing; its own run is not there at all.
    assert "共 0 处" in env.get(f"/admin/runs/2?department={mini.DEPT_TAX[1]}").get_data(as_text=True)
    assert env.get("/admin/runs/3").status_code == 404
    assert env.get("/admin/runs/3/rejections.xlsx").status_code == 404
    listing = env.get("/admin/runs").get_data(as_text=True)
    assert "/admin/runs/2" in listing and "/admin/runs/3" not in listing
    tax = as_(app, TAX_CLERK)
    assert tax.get("/admin/runs/3").status_code == 200
    assert FORMULA not in tax.get("/admin/runs/2/rejections.csv").get_data(as_text=True)


def test_an_export_of_rejected_rows_is_kept_in_the_log(app, instance):
    """The rows as sent hold personal numbers and names: each export is a staff action in the log."""
    before = len(log_entries(instance))
    assert as_(app, REVIEWER).get("/admin/runs/2/rejections.xlsx").status_code == 200
    env = as_(app, ENV_CLERK)
    exported = env.get("/admin/runs/2/rejections.csv?reason=bad_date").get_data(as_text=True)
    logged = log_entries(instance)[before:]
    assert [e.querier_id for e in logged] == [REVIEWER.id_number, ENV_CLERK.id_number]
    assert logged[0].reason.startswith("导出第2次导入被拒绝的行（XLSX，")
    rows = len(exported.strip().splitlines()) - 1
    assert rows > 0
    assert logged[1].reason == f"导出第2次导入被拒绝的行（CSV，{rows}行；原因=bad_date）"
    assert env.get("/admin/runs/3/rejections.csv").status_code == 404
    assert len(log_entries(instance)) == before + 2   # nothing exported, nothing logged


def test_an_exports_filters_are_logged_cleaned(app, instance):
    """The filters typed into the URL go into the log's entry: no NUL (PostgreSQL refuses it, a 500)
    and no direction override making the entry read otherwise to the auditor."""
    before = len(log_entries(instance))
    reviewer = as_(app, REVIEWER)
    assert reviewer.get("/admin/runs/2/rejections.csv?department=%00x&reason=bad%E2%80%AE_date").status_code == 200
    [logged] = log_entries(instance)[before:]
    assert logged.reason == "导出第2次导入被拒绝的行（CSV，0行；部门=x，原因=bad_date）"


def test_filters_by_reason_and_department(app):
    reviewer = as_(app, REVIEWER)
    assert "共 1 处" in reviewer.get("/admin/runs/2?reason=bad_enum").get_data(as_text=True)
    assert "共 1 处" in reviewer.get(f"/admin/runs/2?department={mini.DEPT_TAX[1]}").get_data(as_text=True)
    assert reviewer.get("/admin/runs/2?page=0").status_code == 400
    assert reviewer.get("/admin/runs/2?reason=" + "x" * 5000).status_code in (400, 414)
    assert reviewer.get("/admin/runs/999").status_code == 404
    assert reviewer.get("/admin/runs/2/rejections.exe").status_code == 404


def test_exports_neutralise_formulas_in_csv_and_xlsx(app):
    reviewer = as_(app, REVIEWER)
    raw = reviewer.get("/admin/runs/2/rejections.csv?department=" + mini.DEPT_ENV[1])
    assert raw.data.startswith("\ufeff".encode()) and "attachment" in raw.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(raw.data.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + FORMULA in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    book = load_workbook(io.BytesIO(reviewer.get("/admin/runs/2/rejections.xlsx").data))
    values = [c for row in book.active.iter_rows() for c in row]
    found = [c for c in values if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert found and all(c.value == "'" + FORMULA and c.data_type == "s" for c in found)
    assert not any(isinstance(c.value, str) and c.value.startswith("=") for c in values)


# -- statistics ----------------------------------------------------------------------------------

def test_staff_statistics_show_reasons_and_a_clerk_only_its_department(app):
    page = as_(app, REVIEWER).get(f"/admin/stats?year={TODAY.year}").get_data(as_text=True)
    assert "不予公示" in page and "<table" in page and "monthly.svg" in page
    env = as_(app, ENV_CLERK).get("/admin/stats.csv").get_data(as_text=True)
    assert mini.DEPT_MARKET[0] not in env
    assert as_(app, REVIEWER).get("/admin/stats?year=abc").status_code == 400


def test_public_statistics_show_published_figures_only(app):
    client = app.test_client()
    page = client.get("/stats").get_data(as_text=True)
    assert page.count("<img") == 3 and "<table" in page
    assert "不予公示" not in page and "许可报送" not in page and "被拒绝" not in page
    response = client.get("/stats.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"   # the charset said once
    exported = response.get_data(as_text=True)
    assert "不予公示" not in exported and "被拒绝" not in exported
    chart = client.get("/stats/monthly.svg")
    assert chart.mimetype == "image/svg+xml" and chart.headers["Content-Security-Policy"] == charts.CSP
    assert b"<script" not in chart.data and b"WenQuanYi Zen Hei" in chart.data
    assert client.get("/stats/nothing.svg").status_code == 404
    assert "script-src 'none'" in client.get("/stats").headers["Content-Security-Policy"]


def test_public_figures_leave_out_the_records_that_are_not_published(app, instance):
    with session_factory(instance.database_url)() as db:
        from credit import stats
        from credit.catalog import load_catalog
        catalog = load_catalog("default")
        everything = stats.compute(db, catalog, TODAY.year).total()
        public = stats.compute(db, catalog, TODAY.year, public_only=True).total()
    assert public.received == public.published == everything.published < everything.received


# -- query log -----------------------------------------------------------------------------------

def test_reading_the_log_is_logged_and_filters_work(app, instance):
    auditor = as_(app, AUDITOR)
    before = len(log_entries(instance))
    page = auditor.get("/admin/log?how=action").get_data(as_text=True)
    assert "工作人员操作" in page and AUDITOR.id_number not in page
    logged = log_entries(instance)[before:]
    assert len(logged) == 1 and logged[0].querier_id == AUDITOR.id_number and "查阅查询日志" in logged[0].reason
    assert "方式=action" in logged[0].reason
    since = date(2000, 1, 1).isoformat()
    assert "共 0 条" in auditor.get(f"/admin/log?until={since}").get_data(as_text=True)
    assert auditor.get("/admin/log?how=nonsense").status_code == 400
    assert auditor.get("/admin/log?since=yesterday").status_code == 400


def test_verify_chain_runs_the_command_lines_check_and_is_logged(app, instance):
    auditor = as_(app, AUDITOR)
    assert auditor.post("/admin/log/verify").status_code == 400            # no form token
    before = len(log_entries(instance))
    answer = auditor.post("/admin/log/verify", data={"csrf_token": csrf_token(auditor, "/admin")})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "哈希链完整" in text
    with session_factory(instance.database_url)() as db:
        assert querylog.check(db).problems == []
    logged = log_entries(instance)[before:]
    assert len(logged) == 1 and "校验查询日志哈希链" in logged[0].reason


# -- operations ----------------------------------------------------------------------------------

def test_status_shows_database_search_engine_rate_limit_store_and_last_ingest(app):
    page = as_(app, STAFF_ADMIN).get("/admin/status").get_data(as_text=True)
    assert "迁移版本 0013" in page and "文档" in page and "索引版本" in page and "第 3 次" in page
    assert page.count("正常") >= 3


def test_healthz_stays_minimal(app):
    assert set(app.test_client().get("/healthz").get_json()) == {"ok", "engine"}


def test_metrics_only_for_configured_addresses(app):
    refused = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert refused.status_code == 404 and b"credit_" not in refused.data
    body = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    for name in ("credit_http_requests_total", "credit_http_request_seconds", "credit_ingest_rows",
                 "credit_records", "credit_ingest_runs"):
        assert name in body


def test_quota_refusals_and_searches_are_counted(instance):
    app = portal_app(instance, RATELIMIT_ANONYMOUS="3/minute")
    app.extensions["credit_search_counter"].every = 0   # write at once, for the test
    client = app.test_client()
    answers = []
    for _ in range(5):
        answer = client.get("/search?q=光谷")
        answers.append(answer.status_code)
        answer.close()   # as a WSGI server does once the answer is sent: the counts are written then
    assert answers[:3] == [200] * 3 and 429 in answers
    body = app.test_client().get("/metrics").get_data(as_text=True)
    refused = [line for line in body.splitlines() if line.startswith('credit_quota_refusals_total{endpoint="public.search"}')]
    assert refused and float(refused[0].split()[-1]) >= 1
    assert "credit_search_seconds_count" in body
    with session_factory(instance.database_url)() as db:
        assert db.get(SearchCount, TODAY).searches >= 3


def test_metrics_allow_accepts_networks(tmp_path):
    from credit.config import Settings
    settings = make_settings(tmp_path, metrics_allow="10.0.0.0/8, ::1")
    app = portal_app(settings)
    assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404
    assert Settings().metrics_allow == "127.0.0.1"


def test_the_log_shows_id_numbers_masked_in_reasons_too(app, instance):
    """An ID number typed as a filter is kept in the log read's own entry, and a staff reader's
    stated purpose may hold one: the viewer shows it masked there too, as in the ID columns."""
    auditor = as_(app, AUDITOR)
    person = PERSON.id_number
    assert auditor.get(f"/admin/log?subject={person}").status_code == 200
    reviewer = as_(app, REVIEWER)
    page = reviewer.post("/admin/subject", data={"subject": person, "purpose": f"核查 {person} 的异议",
                                                 "csrf_token": csrf_token(reviewer, "/admin/subject")})
    assert page.status_code == 200
    page = auditor.get("/admin/log").get_data(as_text=True)
    assert f"主体={person[:6]}********{person[-4:]}" in page and f"核查 {person[:6]}" in page
    assert person not in page
    # and each row says how many items its entry names (the log read of an empty page: none)
    assert f"<td>查阅查询日志（主体={person[:6]}********{person[-4:]}；第1页，0条）</td><td>0</td>" in page
