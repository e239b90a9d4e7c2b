"""Writing and reading documents: upsert, replace, delete, get (inside the window only), expire,
record counts."""
from __future__ import annotations

from datetime import timedelta

from credit.search import RecordQuery, SubjectQuery
from tests.conftest import TODAY
from tests.contract import oracle
from tests.contract.world import CHANGJIANG, CODES, GUANGGU


def _subject(docs, name):
    return next(d for d in docs if d["doc_type"] == "subject" and d["code"] == CODES[name])


def _penalty(docs, name):
    return next(d for d in docs if d["doc_type"] == "record" and d["kind"] == "penalty"
                and d["subject_code"] == CODES[name])


def test_upsert_then_get_returns_the_document(world, world_docs):
    for doc in world_docs:
        assert world.get(doc["id"], TODAY) == doc


def test_upsert_replaces_by_id(world, world_docs):
    doc = {**_subject(world_docs, GUANGGU), "region_name": "湖北省武汉市洪山区（更正）"}
    assert world.upsert([doc]) == 1
    world.refresh()
    assert world.get(doc["id"], TODAY)["region_name"] == "湖北省武汉市洪山区（更正）"
    page = world.search_subjects(SubjectQuery(today=TODAY, size=100))
    assert page.total == len(oracle.subjects(world_docs))   # replaced, not added


def test_delete_removes_and_ignores_unknown_ids(world, world_docs):
    doc = _subject(world_docs, GUANGGU)
    world.delete([doc["id"], "no-such-document"])
    world.refresh()
    assert world.get(doc["id"], TODAY) is None
    page = world.search_subjects(SubjectQuery(text=GUANGGU, today=TODAY))
    assert CODES[GUANGGU] not in [h.doc["code"] for h in page.hits]
    world.delete([])


def test_get_only_inside_the_publicity_window(world, world_docs):
    doc = _penalty(world_docs, GUANGGU)                 # a 1-year window
    last_day = TODAY.fromisoformat(doc["public_until"])
    assert world.get(doc["id"], last_day) == doc
    assert world.get(doc["id"], last_day + timedelta(days=1)) is None
    assert world.get("no-such-document", TODAY) is None


def test_windows_apply_to_every_query_before_expire_runs(world, world_docs):
    later = TODAY.fromisoformat(_penalty(world_docs, GUANGGU)["public_until"]) + timedelta(days=1)
    q = SubjectQuery(kind="penalty", today=later, size=100)
    codes = [h.doc["code"] for h in world.search_subjects(q).hits]
    assert sorted(codes) == oracle.subject_codes(world_docs, q)
    assert CODES[GUANGGU] not in codes
    rq = RecordQuery(kinds=("penalty",), today=later, size=100)
    assert [h.doc["id"] for h in world.search_records(rq).hits] == oracle.record_ids(world_docs, rq)


def test_expire_deletes_what_left_its_window(world, world_docs):
    later = TODAY + timedelta(days=400)
    gone = [d for d in world_docs if d["public_until"] < later.isoformat()]
    assert gone, "the world should hold records whose window ends within 400 days"
    assert world.expire(later) == len(gone)
    for doc in gone:
        assert world.get(doc["id"], TODAY) is None      # deleted, not merely filtered
    kept = [d for d in world_docs if d not in gone]
    assert all(world.get(d["id"], TODAY) == d for d in kept)
    assert world.expire(later) == 0


def test_record_counts(world, world_docs):
    codes = [CODES[GUANGGU], CODES[CHANGJIANG], "91420100MA0000000X"]
    assert world.record_counts(codes, TODAY) == oracle.counts(world_docs, codes, TODAY)
    assert world.record_counts(codes, TODAY)[CODES[CHANGJIANG]] == {"licence": 1, "penalty": 1, "list": 1}
    later = TODAY.fromisoformat(_penalty(world_docs, GUANGGU)["public_until"]) + timedelta(days=1)
    assert world.record_counts([CODES[GUANGGU]], later) == {CODES[GUANGGU]: {"licence": 1}}
    assert world.record_counts([], TODAY) == {}


def test_health(index):
    health = index.health()
    assert health["ok"] is True and health["engine"] in ("embedded", "elasticsearch")


def test_writing_everything_again_changes_nothing(world, world_docs):
    assert world.upsert(world_docs) == len(world_docs)
    world.refresh()
    assert world.search_subjects(SubjectQuery(today=TODAY)).total == len(oracle.subjects(world_docs))
    assert world.search_records(RecordQuery(today=TODAY)).total == len(oracle.records(world_docs))



def test_record_counts_tell_apart_codes_alike_in_their_first_24_characters(world, world_docs):
    penalty = _penalty(world_docs, GUANGGU)
    first, second = "91420100MA4K" + "0" * 12 + "A1", "91420100MA4K" + "0" * 12 + "B2"
    docs = [{**penalty, "id": f"alike-{n}", "subject_code": code}
            for n, code in enumerate((first, second, second))]
    world.upsert(docs)
    world.refresh()
    expected = {first: {"penalty": 1}, second: {"penalty": 2}, **oracle.counts(world_docs, [CODES[GUANGGU]], TODAY)}
    assert world.record_counts([first, second, CODES[GUANGGU]], TODAY) == expected
