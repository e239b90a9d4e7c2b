"""Rebuilds without downtime: the old index answers until the new one is complete, a failed or
interrupted build changes nothing, writes made during a rebuild reach the new version, a second
rebuild is refused while one runs; on Elasticsearch, versions behind an alias, one atomic switch,
a lock, and bulk failures reported document by document."""
from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from credit.search import RecordQuery, SearchError, SubjectQuery
from credit.search.base import RebuildInProgress
from credit.search.embedded import EmbeddedIndex
from tests.conftest import TODAY, make_settings
from tests.contract import oracle
from tests.contract.world import CODES, GREE


def totals(index) -> tuple[int, int]:
    return (index.search_subjects(SubjectQuery(today=TODAY)).total,
            index.search_records(RecordQuery(today=TODAY)).total)


def world_totals(docs) -> tuple[int, int]:
    return len(oracle.subjects(docs)), len(oracle.records(docs))


def gree_docs(docs) -> list[dict]:
    return [d for d in docs if CODES[GREE] in (d.get("code"), d.get("subject_code"))]


# -- every engine -----------------------------------------------------------------------------

def test_rebuild_replaces_everything(world, world_docs):
    fresh = gree_docs(world_docs)
    assert world.rebuild(iter(fresh)) == len(fresh)
    assert totals(world) == world_totals(fresh)
    gone = next(d for d in world_docs if d not in fresh)
    assert world.get(gone["id"], TODAY) is None
    assert all(world.get(d["id"], TODAY) == d for d in fresh)


def test_searches_during_a_rebuild_see_the_old_index(world, world_docs):
    seen = []

    def docs():
        yield from world_docs[:5]
        seen.append(totals(world))    # halfway through the build
        yield from world_docs[5:]

    world.rebuild(docs())
    assert seen == [world_totals(world_docs)]


def test_a_failed_rebuild_changes_nothing(world, world_docs):
    def broken():
        yield from world_docs[:3]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        world.rebuild(broken())
    assert totals(world) == world_totals(world_docs)
    assert world.rebuild(iter(world_docs)) == len(world_docs)     # and the next one works
    assert totals(world) == world_totals(world_docs)


def in_thread(call, timeout: float = 60.0):
    """call() on another thread, as another process would; its result, or its exception raised here."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as exc:   # handed to the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still running after {timeout:g} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


class Changes:
    """Writes another process makes while a rebuild runs: a record corrected, one added, a record
    and a subject withdrawn."""

    def __init__(self, docs: list[dict]):
        records, subjects = oracle.records(docs), oracle.subjects(docs)
        self.changed = {**records[0], "title": records[0]["title"] + "（更正）"}
        self.added = {**records[1], "id": records[1]["id"] + "-new"}
        self.deleted = [records[2]["id"], subjects[-1]["id"]]
        self.before = docs

    def write(self, index) -> None:
        index.upsert([self.changed, self.added])
        index.delete(self.deleted)
        index.refresh()

    def after(self) -> list[dict]:
        kept = [self.changed if d["id"] == self.changed["id"] else d for d in self.before if d["id"] not in self.deleted]
        return kept + [self.added]

    def check(self, index) -> None:
        assert index.get(self.changed["id"], TODAY) == self.changed
        assert index.get(self.added["id"], TODAY) == self.added
        assert all(index.get(i, TODAY) is None for i in self.deleted)
        assert totals(index) == world_totals(self.after())


@pytest.mark.parametrize("moment", ["before_its_writes", "before_its_switch"])
def test_writes_during_a_rebuild_reach_the_new_version(world, world_docs, reopen, moment):
    """The rebuild's documents were read before the writes (they are the old ones): a later write
    wins over them, wherever it falls between the rebuild's start and its switch."""
    changes, other = Changes(world_docs), reopen(world)
    if hasattr(world, "bulk_chunk"):
        world.bulk_chunk = 4   # part of the rebuild reaches the new version before the writes

    def docs():
        if moment == "before_its_writes":
            in_thread(lambda: changes.write(other))
        yield from world_docs
        if moment == "before_its_switch":
            in_thread(lambda: changes.write(other))

    assert world.rebuild(docs()) == len(world_docs)
    changes.check(world)
    changes.check(reopen(world))   # as every other process sees it
    if not isinstance(world, EmbeddedIndex):
        world.refresh()
        assert world.health()["documents"] == len(changes.after())   # no tombstone left behind


def test_a_second_rebuild_is_refused_at_once(world, world_docs, reopen):
    refused = []

    def docs():
        with pytest.raises(RebuildInProgress) as exc:
            in_thread(lambda: reopen(world).rebuild(iter(world_docs)), timeout=30)   # opened meanwhile
        refused.append(str(exc.value))
        yield from world_docs

    assert world.rebuild(docs()) == len(world_docs)
    assert refused and "另一个检索索引重建正在进行" in refused[0]
    assert totals(world) == world_totals(world_docs)


CRASH = """
import json, os, sys
from credit.config import Settings
from credit.search import open_index

settings, docs = json.load(sys.stdin)

def read_then_die():
    yield from docs
    os._exit(9)   # as under kill -9: no except, no finally, locks and files left as they are

open_index(Settings(**settings)).rebuild(read_then_die())
"""


def test_an_interrupted_rebuild_leaves_the_live_version_and_nothing_in_the_way(
        world, world_docs, tmp_path, engine_settings):
    settings = {**engine_settings(world), "database_url": f"sqlite:///{tmp_path / 'credit.sqlite3'}"}
    died = subprocess.run([sys.executable, "-c", CRASH], input=json.dumps([settings, world_docs]), text=True,
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, timeout=120)
    assert died.returncode == 9, died.stderr
    assert totals(world) == world_totals(world_docs)       # the live version still serves
    changes = Changes(world_docs)
    changes.write(world)                                   # and takes writes
    changes.check(world)
    if not isinstance(world, EmbeddedIndex):
        expire_lock(world)   # as its ten minutes passing would (the kernel frees the embedded lock at once)
    assert world.rebuild(iter(changes.after())) == len(changes.after())
    changes.check(world)
    if isinstance(world, EmbeddedIndex):
        assert embedded_versions(world) == ["search-0.sqlite3.v3"]   # the crashed one's file is gone
    else:
        assert versions(world) == {f"{world.prefix}-public-v3": [f"{world.prefix}-public"]}


def embedded_versions(index) -> list[str]:
    return sorted(p.name for p in index.path.parent.glob(index.path.name + ".v*") if p.name[-1].isdigit())


def expire_lock(index) -> None:
    long_ago = datetime.now(timezone.utc) - timedelta(hours=2)
    index.client.update(index=f"{index.prefix}-locks", id="rebuild", refresh=True,
                        doc={"expires_at": long_ago.isoformat()})


# -- Elasticsearch: versions, alias, lock, bulk failures --------------------------------------

@pytest.fixture
def es(make_index, world_docs):
    index = make_index("elasticsearch")
    index.upsert(world_docs)
    index.refresh()
    return index


def versions(index) -> dict[str, list[str]]:
    """{index name: its aliases} of every index of this prefix."""
    found = index.client.indices.get_alias(index=f"{index.prefix}-public*").body
    return {name: sorted(info["aliases"]) for name, info in sorted(found.items())}


def test_first_use_creates_version_1_behind_the_alias(es):
    assert versions(es) == {f"{es.prefix}-public-v1": [f"{es.prefix}-public"]}


def test_rebuild_builds_the_next_version_switches_and_drops_the_old(es, world_docs):
    es.rebuild(iter(world_docs))
    assert versions(es) == {f"{es.prefix}-public-v2": [f"{es.prefix}-public"]}
    es.rebuild(iter(gree_docs(world_docs)))
    assert versions(es) == {f"{es.prefix}-public-v3": [f"{es.prefix}-public"]}
    settings = es.client.indices.get_settings(index=f"{es.prefix}-public-v3").body
    assert settings[f"{es.prefix}-public-v3"]["settings"]["index"].get("refresh_interval") in (None, "1s")


def test_a_failed_rebuild_leaves_the_alias_and_no_half_built_index(es, world_docs):
    def broken():
        yield from world_docs
        raise RuntimeError("the database went away")

    before = versions(es)
    with pytest.raises(RuntimeError):
        es.rebuild(broken())
    assert versions(es) == before
    assert es.client.count(index=f"{es.prefix}-locks")["count"] == 0    # the lock was released


def test_leftovers_of_a_crashed_rebuild_are_cleaned_by_the_next(es, world_docs, tmp_path):
    from credit.search import mapping

    es.client.indices.create(index=f"{es.prefix}-public-v7", mappings=mapping.MAPPINGS,
                             settings=mapping.index_settings(make_settings(tmp_path, es_replicas=0)))
    es.rebuild(iter(world_docs))
    assert versions(es) == {f"{es.prefix}-public-v8": [f"{es.prefix}-public"]}


def _second_handle(es, elastic, tmp_path):
    from credit.search.elastic import ElasticIndex

    return ElasticIndex.from_settings(make_settings(tmp_path, search_url=elastic.url, search_prefix=es.prefix))


def test_the_lock_refuses_a_concurrent_rebuild(es, world_docs, elastic, tmp_path):
    from credit.search.elastic import RebuildInProgress

    other = _second_handle(es, elastic, tmp_path)   # another process, as far as the lock can tell
    refused = []

    def docs():
        yield from world_docs[:5]
        with pytest.raises(RebuildInProgress) as exc:
            other.rebuild(iter(world_docs))
        refused.append(str(exc.value))
        yield from world_docs[5:]

    try:
        assert es.rebuild(docs()) == len(world_docs)
        assert refused and "重建" in refused[0]
        assert versions(es) == {f"{es.prefix}-public-v2": [f"{es.prefix}-public"]}   # the refused one built nothing
        assert other.rebuild(iter(world_docs)) == len(world_docs)                      # free again afterwards
    finally:
        other.close()


def test_an_expired_lock_is_taken_over(es, world_docs):
    long_ago = datetime.now(timezone.utc) - timedelta(hours=2)
    es.client.indices.create(index=f"{es.prefix}-locks")
    es.client.index(index=f"{es.prefix}-locks", id="rebuild", refresh=True,
                    document={"owner": "crashed-host:1", "acquired_at": long_ago.isoformat(),
                              "expires_at": (long_ago + timedelta(minutes=10)).isoformat()})
    assert es.rebuild(iter(world_docs)) == len(world_docs)


def test_many_documents_go_in_several_bulk_chunks(es, world_docs):
    subject = oracle.subjects(world_docs)[0]
    docs = [{**subject, "id": f"s-X{i:05d}", "code": f"X{i:05d}", "codes": [f"X{i:05d}"]}
            for i in range(es.bulk_chunk * 2 + 7)]
    assert es.rebuild(iter(docs)) == len(docs)
    assert es.search_subjects(SubjectQuery(today=TODAY)).total == len(docs)


def _broken(world_docs) -> list[dict]:
    subject = oracle.subjects(world_docs)[0]
    return [{**subject, "id": "s-BAD1", "code": "BAD1", "unexpected_field": "x"},       # strict mapping
            {**subject, "id": "s-BAD2", "code": "BAD2", "dates": ["2024-13-45"]}]       # not a date


def test_bulk_reports_each_failed_document_and_keeps_the_rest(make_index, world_docs, caplog):
    index = make_index("elasticsearch")
    docs = world_docs[:4] + _broken(world_docs) + world_docs[4:]
    with caplog.at_level(logging.ERROR, logger="credit.search.elastic"):
        written = index.upsert(docs)
    index.refresh()
    assert written == len(world_docs)                     # counts what reached the index
    logged = caplog.text
    assert "s-BAD1" in logged and "strict_dynamic_mapping_exception" in logged
    assert "s-BAD2" in logged and "2024-13-45" in logged
    assert "共 2 条文档" in logged
    assert index.get("s-BAD1", TODAY) is None
    assert totals(index) == world_totals(world_docs)


def test_a_rebuild_with_failed_documents_is_abandoned(es, world_docs, caplog):
    before = versions(es)
    with caplog.at_level(logging.ERROR, logger="credit.search.elastic"):
        with pytest.raises(SearchError, match="重建中止"):
            es.rebuild(iter(world_docs + _broken(world_docs)))
    assert "s-BAD1" in caplog.text
    assert versions(es) == before
    assert totals(es) == world_totals(world_docs)


def test_embedded_lock_refuses_a_concurrent_rebuild(tmp_path, world_docs):
    from credit.search.base import RebuildInProgress
    from credit.search.embedded import EmbeddedIndex

    index = EmbeddedIndex(tmp_path / "search.tantivy")
    other = EmbeddedIndex(tmp_path / "search.tantivy")

    def docs():
        with pytest.raises(RebuildInProgress):
            other.rebuild(iter(world_docs))
        yield from world_docs

    assert index.rebuild(docs()) == len(world_docs)
    assert other.rebuild(iter(world_docs)) == len(world_docs)
    versions = sorted(p.name for p in tmp_path.glob("search.tantivy.v*") if p.name[-1].isdigit())
    assert versions == ["search.tantivy.v3"]  # old versions are removed after the switch
