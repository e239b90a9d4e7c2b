"""When the engine is down or slow: SearchError within the configured timeout (never a hang), the
portal answers 503 with a friendly message and /healthz says so, and service resumes by itself
when the engine is back — tested by stopping the stand-in in the middle of a test."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from analyzers import analyze_query
from credit.db import migrate
from credit.search import SearchError, SubjectQuery
from tests.conftest import TODAY, make_settings
from tests.contract.world import GUANGGU
from tests.helpers import answers, free_port

TIMEOUT = 1.5   # CREDIT_SEARCH_TIMEOUT for these tests
SLACK = 1.0     # process and scheduling overhead on a busy 2-core CI machine


class Blackhole:
    """A server that accepts connections and never answers: an engine too slow to be useful."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.closed = True
        self.sock.close()
        for conn in self.held:
            conn.close()


def elastic_index(url: str, tmp_path, **overrides):
    from credit.search.elastic import ElasticIndex

    settings = make_settings(tmp_path, search_url=url, search_timeout=TIMEOUT, search_retries=2, **overrides)
    return ElasticIndex.from_settings(settings)


def timed(call):
    analyze_query("光谷")   # jieba loads its dictionary on first use (~1 s): not the engine's time
    start = time.monotonic()
    try:
        call()
    except SearchError as exc:
        return time.monotonic() - start, exc
    raise AssertionError("expected SearchError")


def test_a_slow_engine_fails_within_the_timeout(tmp_path):
    hole = Blackhole()
    index = elastic_index(hole.url, tmp_path)
    try:
        elapsed, exc = timed(lambda: index.search_subjects(SubjectQuery(text="光谷", today=TODAY)))
        assert elapsed < TIMEOUT + SLACK, elapsed     # timed-out reads are not retried
        assert "超时" in str(exc)
        start = time.monotonic()
        health = index.health()
        assert health["ok"] is False and health["engine"] == "elasticsearch"
        assert time.monotonic() - start < TIMEOUT + SLACK
    finally:
        index.close()
        hole.close()


def test_an_unreachable_engine_fails_at_once(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    index = elastic_index(url, tmp_path)
    try:
        elapsed, exc = timed(lambda: index.search_subjects(SubjectQuery(text="光谷", today=TODAY)))
        assert elapsed < TIMEOUT, elapsed
        assert "无法连接" in str(exc)
        assert index.health()["ok"] is False
    finally:
        index.close()


class NotElasticsearch:
    """A web server that answers 404 to everything: CREDIT_SEARCH_URL pointing at the wrong service,
    or at a proxy path that does not lead to Elasticsearch."""

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class NotFound(BaseHTTPRequestHandler):
            def _answer(self):
                body = b"<html><body>Not Found</body></html>"
                self.send_response(404)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_url_that_is_not_elasticsearch_is_not_healthy(tmp_path):
    """Only Elasticsearch's own "no such index" means "nothing indexed yet": any other 404 is a wrong
    URL, and /healthz must not report ok while every page answers 503."""
    server = NotElasticsearch()
    index = elastic_index(server.url, tmp_path)
    try:
        health = index.health()
        assert health["ok"] is False and health["engine"] == "elasticsearch"
        assert "404" in health["error"]
    finally:
        index.close()
        server.close()


@pytest.fixture
def standin(elastic):
    if elastic is None or elastic.standin is None:
        pytest.skip("stopping the engine mid-test needs the noida-db stand-in started by this test session")
    yield elastic.standin
    if not answers(elastic.url):
        elastic.standin.start_service()   # whatever the test did, leave the engine running


def test_engine_stopped_mid_test_then_back(standin, make_index, world_docs):
    index = make_index("elasticsearch", search_timeout=TIMEOUT)
    index.upsert(world_docs)
    index.refresh()
    query = SubjectQuery(text=GUANGGU, today=TODAY)
    assert index.search_subjects(query).hits[0].doc["name"] == GUANGGU

    standin.stop_service()
    elapsed, _exc = timed(lambda: index.search_subjects(query))
    assert elapsed < TIMEOUT + SLACK
    assert index.health()["ok"] is False
    with pytest.raises(SearchError):
        index.upsert(world_docs[:1])

    standin.start_service()
    # The same object, no reconnect call: the next query simply works again.
    assert index.search_subjects(query).hits[0].doc["name"] == GUANGGU
    assert index.health()["ok"] is True


def test_portal_answers_503_while_the_engine_is_down(standin, elastic, make_index, world_docs, tmp_path):
    portal = pytest.importorskip("portal")
    if not hasattr(portal, "create_app"):
        pytest.skip("the portal has no create_app yet")
    index = make_index("elasticsearch", search_timeout=TIMEOUT)   # only to name a fresh prefix
    index.upsert(world_docs)
    index.refresh()
    settings = make_settings(tmp_path, search_url=elastic.url, search_prefix=index.prefix,
                             search_timeout=TIMEOUT)
    migrate(settings.database_url)
    app = portal.create_app({"TESTING": True, "CREDIT_SETTINGS": settings, "TODAY": TODAY,
                             "RATELIMIT_ANONYMOUS": "100000/minute"})
    client = app.test_client()
    assert client.get("/search", query_string={"q": "光谷科技"}).status_code == 200
    assert client.get("/healthz").status_code == 200

    standin.stop_service()
    # An answer given in the last minute is reused, engine or not; anything else needs the engine.
    assert client.get("/search", query_string={"q": "光谷科技"}).status_code == 200
    start = time.monotonic()
    page = client.get("/search", query_string={"q": "武汉光谷"})
    assert time.monotonic() - start < TIMEOUT + SLACK
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "检索服务暂时不可用" in text and "Traceback" not in text
    api = client.get("/api/v1/search", query_string={"q": "光谷"})
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "search_unavailable"
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["ok"] is False and health.get_json()["engine"] == "elasticsearch"

    standin.start_service()
    assert client.get("/search", query_string={"q": "武汉光谷"}).status_code == 200   # refused while down
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("prefix", ["Credit", "-credit", "_credit", "+credit", ".credit", "credit public", "credit*",
                                    "credit/x", "credit,x", "credit:x", 'credit"x', "c" * 201, ""])
def test_an_index_prefix_elasticsearch_would_refuse_is_refused_at_start_up(prefix, tmp_path):
    with pytest.raises(ValueError, match="CREDIT_SEARCH_PREFIX 无效"):
        make_settings(tmp_path, search_prefix=prefix)


def test_the_portal_does_not_start_with_a_bad_index_prefix(monkeypatch):
    from portal import create_app

    monkeypatch.setenv("CREDIT_SEARCH_PREFIX", "Credit-Public")
    with pytest.raises(ValueError, match="小写字母"):
        create_app({"TESTING": True})


@pytest.mark.parametrize("prefix", ["credit", "credit-test_2.b+c", "9credit"])
def test_index_prefixes_elasticsearch_accepts(prefix, tmp_path):
    assert make_settings(tmp_path, search_prefix=prefix).search_prefix == prefix
