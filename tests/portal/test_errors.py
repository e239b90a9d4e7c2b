"""Error pages: a clean page (or JSON error) for every failure, never a traceback."""
from __future__ import annotations

import base64
import io
import re
from dataclasses import replace

import pytest

from credit.search import SearchError, SearchIndex
from tests.portal import mini
from tests.portal.conftest import portal_app
from tests.portal.test_pages import text

TRACEBACK_SIGNS = ("Traceback", "File \"", "ZeroDivisionError", "werkzeug", "sqlite3")


class DownIndex(SearchIndex):
    """An engine that cannot answer: every read fails as Elasticsearch does when it is down."""

    def _down(self, *args, **kwargs):
        raise SearchError("connection refused")

    upsert = delete = refresh = get = search_subjects = search_records = record_counts = rebuild = expire = _down

    def health(self) -> dict:
        return {"ok": False, "engine": "down", "error": "connection refused"}


@pytest.fixture()
def broken_app(mini_instance):
    app = portal_app(mini_instance)

    @app.get("/boom")
    def boom():
        return 1 / 0

    @app.get("/api/v1/boom")
    def api_boom():
        return 1 / 0

    return app


def test_unexpected_error_is_a_clean_500_page_and_is_logged(broken_app, caplog):
    response = broken_app.test_client().get("/boom")
    assert response.status_code == 500
    html = text(response)
    assert "系统出错了" in html and "返回首页" in html
    assert not any(sign in html for sign in TRACEBACK_SIGNS)
    assert "ZeroDivisionError" in caplog.text  # the log has what the page hides


def test_a_database_error_is_logged_without_the_values_it_was_sent(mini_instance, caplog):
    """A failed statement's parameters (an ID number, a name, a query log entry) never reach the log:
    the traceback names the statement, not the personal data it carried."""
    from sqlalchemy import text as sql

    from portal import login

    app = portal_app(mini_instance, PROPAGATE_EXCEPTIONS=False)
    sent = {"n": "42011119860415123X"}   # not on the line the traceback quotes

    @app.get("/db-boom")
    def db_boom():
        with login.sessions()() as session:
            session.execute(sql("SELECT * FROM no_such_table WHERE id_number = :n"), sent)

    response = app.test_client().get("/db-boom")
    assert response.status_code == 500
    assert "no_such_table" in caplog.text             # the log still says what failed
    assert "42011119860415123X" not in caplog.text


def test_unexpected_api_error_is_a_json_500(broken_app):
    response = broken_app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": {"code": "internal_error", "message": "系统内部错误，请稍后再试"}}


@pytest.fixture()
def down_app(mini_instance):
    app = portal_app(mini_instance)
    app.extensions["credit_index"] = DownIndex()
    return app


@pytest.mark.parametrize("url", ["/", "/search?q=光谷", f"/subjects/{mini.GUANGGU[1]}", "/lists/red",
                                 "/records/abc"])
def test_search_engine_down_is_a_503_page(down_app, url):
    response = down_app.test_client().get(url)
    assert response.status_code == 503
    assert "检索服务暂时不可用，请稍后再试" in text(response)
    assert not any(sign in text(response) for sign in TRACEBACK_SIGNS)


def test_search_engine_down_is_a_json_503(down_app):
    response = down_app.test_client().get("/api/v1/search?q=光谷")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "search_unavailable"


def test_health_reports_the_engine_and_nothing_internal(client, down_app):
    ok = client.get("/healthz")
    assert ok.status_code == 200 and ok.get_json() == {"ok": True, "engine": "embedded"}
    down = down_app.test_client().get("/healthz")
    assert down.status_code == 503 and down.get_json() == {"ok": False, "engine": "down"}


def test_not_found_and_method_not_allowed(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "您访问的页面不存在" in text(page) and 'name="q"' in text(page)
    assert client.post("/search").status_code == 405
    assert client.post("/api/v1/search").get_json()["error"]["code"] == "method_not_allowed"


def test_error_pages_have_titles(client):
    assert "<title>未找到 - 信用信息公示查询平台</title>" in text(client.get("/no/such/page"))


def test_pages_forbid_scripts_and_framing(client):
    for url in ("/", "/no/such/page", "/api/v1/search?q=光谷"):
        headers = client.get(url).headers
        assert "script-src 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"


# -- input that once reached a parser unguarded -------------------------------------------------

def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The documented JSON error: {"error": {"code", "message"}}, with a Chinese message."""
    assert response.status_code == status and response.is_json, response.get_data(as_text=True)[:200]
    error = response.get_json()["error"]
    assert set(error) == {"code", "message"} and re.search(r"[\u4e00-\u9fff]", error["message"])
    if code:
        assert error["code"] == code
    return error


# str.isdigit() accepts these, int() does not.
UNICODE_DIGITS = ["²", "①", "⑴", "１２", "٣"]


@pytest.mark.parametrize("value", UNICODE_DIGITS + ["9" * 1000, "1e3", "+5", "-1", " "])
@pytest.mark.parametrize("name", ["page", "size"])
def test_odd_numbers_are_a_400_on_the_api(client, name, value):
    response = client.get("/api/v1/search", query_string={"q": "光谷", name: value})
    if value == " ":
        assert response.status_code == 200   # blank: the default
    else:
        assert_error(response, 400)


@pytest.mark.parametrize("url", ["/search?q=光谷&page={}", "/lists/red?page={}",
                                 f"/subjects/{mini.GUANGGU[1]}/records?kind=licence&page={{}}"])
@pytest.mark.parametrize("value", UNICODE_DIGITS)
def test_odd_page_numbers_are_a_400_page(client, url, value):
    response = client.get(url.format(value))
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "页码" in text(response) and not any(sign in text(response) for sign in TRACEBACK_SIGNS)


def _message(response) -> str:
    """What an HTML page says went wrong."""
    return re.search(r'(?:role="alert"|class="error-message")>(.*?)<', text(response), re.DOTALL).group(1)


def test_a_page_number_too_long_to_read_is_too_deep(client):
    too_long = client.get("/search", query_string={"q": "商贸", "page": "9" * 30})
    too_deep = client.get("/search", query_string={"q": "商贸", "page": 100000})
    assert too_long.status_code == too_deep.status_code == 400 and _message(too_long) == _message(too_deep)
    assert client.get("/search", query_string={"q": "商贸", "page": "0" * 30 + "1"}).status_code == 200


MALFORMED_CURSORS = {
    "list in a list": _cursor('[[1],"x"]'),
    "integer beyond 64 bits": _cursor(f'[{10 ** 30},"x"]'),
    "infinity": _cursor('[1e400,"x"]'),
    "NaN": _cursor('[NaN,"x"]'),
    "null": _cursor('[null,"x"]'),
    "boolean": _cursor('[true,"x"]'),
    "object": _cursor('{"a":1}'),
    "string": _cursor('"x"'),
    "nested deep": _cursor("[" * 200 + "]" * 200),
    "nested too deep to be a cursor": _cursor("[" * 3000 + "]" * 3000),
    "not base64": "!!!",
    "not JSON": _cursor("not json"),
    "not UTF-8": base64.urlsafe_b64encode(b"\xff\xfe").decode(),
}


@pytest.mark.parametrize("cursor", MALFORMED_CURSORS.values(), ids=MALFORMED_CURSORS.keys())
@pytest.mark.parametrize("url", ["/api/v1/search?q=光谷", "/api/v1/lists/red?x=1",
                                 f"/api/v1/subjects/{mini.GUANGGU[1]}/records?kind=licence"])
def test_malformed_cursors_are_a_400(client, url, cursor):
    response = client.get(f"{url}&after={cursor}")
    status = 414 if len(cursor) > 4000 else 400   # the longest is refused for its length alone
    assert_error(response, status, "invalid_query" if status == 400 else "uri_too_long")


# -- over-long requests and odd paths: answered by the portal, in its words ----------------------

def test_an_over_long_url_is_a_414_in_the_portals_words(client):
    long_q = "光" * 2000   # percent-encoded: 18 KB
    api = assert_error(client.get("/api/v1/search", query_string={"q": long_q}), 414, "uri_too_long")
    assert "过长" in api["message"]
    page = client.get("/search", query_string={"q": long_q})
    assert page.status_code == 414 and "请求地址过长" in text(page) and "返回首页" in text(page)


def test_the_longest_request_of_the_pages_is_not_too_long(client):
    filled = {"q": "光" * 100, "department": "局" * 100, "region": "420100", "kind": "licence",
              "date_from": "2020-01-01", "date_to": "2030-01-01", "page": "1"}
    assert client.get("/search", query_string=filled).status_code == 200
    assert client.get("/api/v1/search", query_string={**filled, "size": "100"}).status_code == 200


@pytest.mark.parametrize("headers", [{"X-Big": "a" * 9000}, {f"X-Many-{i}": "1" for i in range(80)},
                                     {f"X-Part-{i}": "v" * 200 for i in range(50)}],
                         ids=["one large", "too many", "large together"])
def test_over_large_headers_are_a_431_in_the_portals_words(client, headers):
    assert_error(client.get("/api/v1/search?q=光谷", headers=headers), 431, "headers_too_large")
    page = client.get("/search?q=光谷", headers=headers)
    assert page.status_code == 431 and "请求头过大" in text(page)


def test_an_over_large_body_is_a_413_in_the_portals_words(mini_instance):
    """Refused before anything reads it (a login check, a form token, multipart parsing), on every path."""
    client = portal_app(replace(mini_instance, max_body_bytes=1000)).test_client()
    body = b"x" * 1001
    assert_error(client.post("/api/v1/authorized", data=body, content_type="application/json"), 413, "body_too_large")
    assert_error(client.post("/api/v1/search", data=body), 413, "body_too_large")
    page = client.post("/authorized", data={"subject": "x", "file": (io.BytesIO(body), "x.pdf")},
                       content_type="multipart/form-data")
    assert page.status_code == 413 and "请求体过大" in text(page) and "返回首页" in text(page)
    assert client.post("/api/v1/authorized", data=b"x" * 1000, content_type="application/json").status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/subjects/%2F", "/api/v1/subjects/%2F/records?kind=licence",
                                  "/api/v1/subjects/a%2F..%2F..%2Fb", "/api/v1//search?q=光谷", "/api//v1/lists/red",
                                  "/api/v1/search/", "/api/v1/records/%2F%2F", "/api", "/api/", "/api/v2/search"])
def test_odd_paths_under_api_answer_json(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404) and "Location" not in response.headers
    assert_error(response, response.status_code)


def test_a_database_that_does_not_answer_is_a_503_and_an_unhealthy_portal(mini_instance):
    """The database down (here: a PostgreSQL server nobody listens for) is said as a passing state,
    503 with the portal's message, as a search engine's is; /healthz says so too. A bad statement on
    a database that answers stays the portal's fault (the test above: 500)."""
    gone = replace(mini_instance, database_url="postgresql+psycopg://credit@127.0.0.1:9/credit")
    client = portal_app(gone, PROPAGATE_EXCEPTIONS=False).test_client()
    page = client.get("/stats")
    assert page.status_code == 503 and "数据服务暂时不可用" in text(page) and "Traceback" not in text(page)
    assert client.get("/healthz").status_code == 503 and client.get("/healthz").get_json()["ok"] is False
    healthy = portal_app(mini_instance).test_client().get("/healthz")
    assert healthy.status_code == 200 and healthy.get_json() == {"ok": True, "engine": "embedded"}


def test_a_database_busy_past_its_timeout_is_a_503_and_an_unmigrated_one_unhealthy(mini_instance, tmp_path):
    """SQLite busy (another process holding its lock past the timeout) is a passing state as a server
    down is: 503. A database never migrated answers nothing the portal can use: /healthz says so,
    in JSON as always."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    path = tmp_path / "locked.sqlite3"
    holder, waiter = sqlite3.connect(path, timeout=0), sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        waiter.execute("SELECT 1 FROM sqlite_master")
    except sqlite3.OperationalError as exc:
        busy = exc
    assert busy.sqlite_errorcode == sqlite3.SQLITE_BUSY
    app = portal_app(mini_instance, PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/v1/busy")
    def busy_view():
        raise OperationalError("UPDATE records SET objection = ?", ("pending",), busy)

    answer = app.test_client().get("/api/v1/busy")
    assert answer.status_code == 503 and answer.get_json()["error"]["code"] == "database_unavailable"
    empty = replace(mini_instance, database_url=f"sqlite:///{tmp_path}/never-migrated.sqlite3")
    health = portal_app(empty).test_client().get("/healthz")
    assert health.status_code == 503 and health.get_json() == {"ok": False, "engine": "embedded"}
