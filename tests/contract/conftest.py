"""The contract suite runs every test against every search engine.

Elasticsearch: the node at ELASTICSEARCH_URL when set; otherwise this session starts the noida-db
stand-in itself on a free 127.0.0.1 port and stops it at the end. Without either, the
Elasticsearch half is skipped (with the reason). Each test gets its own index prefix, and every
index it made is deleted afterwards."""
from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from credit.search import SearchIndex
from credit.search.embedded import EmbeddedIndex
from tests.conftest import TODAY, make_settings
from tests.contract import builders
from tests.contract.world import world_rows
from tests.helpers import answers, free_port, wait_until_up

BACKENDS = ("embedded", "elasticsearch")
START_TIMEOUT = 30.0


class StandIn:
    """The noida-db stand-in, started by this test session (never someone else's server)."""

    def __init__(self, exe: str, data_dir: Path):
        self.exe, self.data_dir = exe, data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(data_dir.parent / "noida-db.log", "wb")
        # Its own process group: `noida-db` is a launcher whose server is a child process.
        self.process = subprocess.Popen(
            [exe, "start", "--only", "elasticsearch", "--elasticsearch-port", str(self.port),
             "--data-dir", str(data_dir)], stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)

    def _command(self, *args: str) -> None:
        subprocess.run([self.exe, *args, "--data-dir", str(self.data_dir)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)

    def _service(self, verb: str) -> None:
        self._command(verb, "elasticsearch")

    def stop_service(self) -> None:
        """Stop Elasticsearch mid-test (the server process stays; data is kept)."""
        self._service("stop")

    def start_service(self) -> None:
        self._service("start")
        if not wait_until_up(self.url, START_TIMEOUT):
            raise RuntimeError("noida-db did not answer again after restart")

    def close(self) -> None:
        """`noida-db down` stops the server; if it did not, end this session's process group."""
        try:
            self._command("down")
            self.process.wait(timeout=10)
        except (subprocess.SubprocessError, OSError):
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        finally:
            self.log.close()


@dataclass
class Elastic:
    url: str
    label: str
    standin: StandIn | None   # None when the node is external (ELASTICSEARCH_URL)


def _noida_exe() -> str | None:
    return shutil.which("noida-db") or next(
        (str(p) for p in [Path(sys.executable).with_name("noida-db")] if p.exists()), None)


@pytest.fixture(scope="session")
def run_prefix() -> str:
    """Index names of this run start with this, so runs sharing a node never meet."""
    return f"contract-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def elastic(tmp_path_factory, run_prefix):
    """The Elasticsearch node of this session, or None when there is none (tests then skip)."""
    url = os.environ.get("ELASTICSEARCH_URL")
    if url:
        yield Elastic(url.rstrip("/"), f"Elasticsearch at {url}", None)
        if answers(url):   # whatever a failed teardown left behind
            delete_indices(url, run_prefix)
        return
    exe = _noida_exe()
    if exe is None:
        yield None
        return
    standin = StandIn(exe, tmp_path_factory.mktemp("noida") / "data")
    try:
        yield Elastic(standin.url, "noida-db stand-in", standin) if wait_until_up(standin.url, START_TIMEOUT) else None
    finally:
        standin.close()


_counter = itertools.count(1)


def delete_indices(url: str, prefix: str) -> None:
    """Delete every index named prefix-*, one by one (ES 8 refuses wildcard deletes)."""
    from elasticsearch import Elasticsearch

    with Elasticsearch(url, request_timeout=30) as client:
        for name in client.indices.get_alias(index=f"{prefix}-*", allow_no_indices=True).body:
            client.indices.delete(index=name)


@pytest.fixture
def make_index(request, elastic, run_prefix, tmp_path):
    """make_index(backend, **settings) → a fresh, empty SearchIndex; closed and deleted afterwards."""
    made: list[tuple[SearchIndex, str | None]] = []

    def make(backend: str, **overrides) -> SearchIndex:
        if backend == "embedded":
            index = EmbeddedIndex(tmp_path / f"search-{len(made)}.sqlite3", make_settings(tmp_path, **overrides))
            made.append((index, None))
            return index
        if elastic is None:
            pytest.skip("Elasticsearch: ELASTICSEARCH_URL is not set and the noida-db stand-in is not available")
        from credit.search.elastic import ElasticIndex

        prefix = f"{run_prefix}-{next(_counter)}"
        settings = make_settings(tmp_path, search_url=elastic.url, search_prefix=prefix, es_replicas=0, **overrides)
        index = ElasticIndex.from_settings(settings)
        made.append((index, prefix))
        return index

    yield make
    for index, prefix in made:
        index.close()
        if prefix and answers(elastic.url):   # if the node is down, the end of the run cleans up
            delete_indices(elastic.url, prefix)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def index(backend, make_index) -> SearchIndex:
    return make_index(backend)


@pytest.fixture(scope="session")
def world_docs(catalog) -> list[dict]:
    """The hand-made data set of world.py, as published documents."""
    return builders.publish_rows(world_rows(), catalog, TODAY)


@pytest.fixture
def world(index, world_docs) -> SearchIndex:
    assert index.upsert(world_docs) == len(world_docs)
    index.refresh()
    return index


@pytest.fixture
def engine_settings(elastic, tmp_path):
    """engine_settings(index) → the Settings fields that open the same index elsewhere (another
    handle, another process)."""
    def settings(index: SearchIndex) -> dict:
        if isinstance(index, EmbeddedIndex):
            return {"search_url": f"embedded://{index.path}"}
        return {"search_url": elastic.url, "search_prefix": index.prefix, "es_replicas": 0}
    return settings


@pytest.fixture
def reopen(engine_settings, tmp_path):
    """reopen(index) → another handle on the same index, as another process opens it; closed afterwards."""
    from credit.search import open_index

    opened: list[SearchIndex] = []

    def make(index: SearchIndex) -> SearchIndex:
        opened.append(open_index(make_settings(tmp_path, **engine_settings(index))))
        return opened[-1]

    yield make
    for index in opened:
        index.close()
