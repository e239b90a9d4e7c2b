"""Error pages: a clean page (or JSON error) for every failure, never a traceback."""
from __future__ import annotations

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

    upsert = delete = get = search_subjects = search_records = record_counts = rebuild = expire = _down

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
