"""Ingest publishes what it has just validated without reading it back, and what it publishes is
exactly what a rebuild from the database gives: for a fresh database, for files arriving into one
that already holds some of their subjects, with corrections, and for a sole trader whose operator
is named on one record only (masked on all of them)."""
from datetime import date

import pytest

from credit.catalog import load_catalog
from credit.db import migrate, session_factory
from credit.search import open_index
from indexer.publisher import all_subject_keys, build_chunk
from indexer.sample import generate
from tests.conftest import ingest_into, make_settings
from tests.test_ingest import COMPANY, penalty_row, uscc, write_csv

TODAY = date(2026, 11, 22)


def published_as_rebuilt(settings, today=TODAY) -> int:
    """Every document a rebuild from the database makes is in the index as it would write it,
    and every one it hides is absent. Returns the number of documents compared."""
    keys = all_subject_keys(session_factory(settings.database_url))
    docs, hidden, _n = build_chunk(settings.database_url, load_catalog(settings.catalog).profile_name, keys, today)
    index = open_index(settings)
    try:
        for doc in docs:
            assert index.get(doc["id"], today) == doc, doc["id"]
        for doc_id in hidden:
            assert index.get(doc_id, today) is None, doc_id
    finally:
        index.close()
    return len(docs)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    generate(folder, subjects=300, seed=21, today=TODAY)
    return folder


def test_a_fresh_database_gets_what_a_rebuild_would_give(tmp_path, sample):
    settings = make_settings(tmp_path / "instance")
    report = ingest_into(settings, [str(sample)], TODAY).as_json()
    assert report["replaced"] > 0   # the sample's corrections file corrects rows of earlier files
    assert published_as_rebuilt(settings) == report["indexed"]


def test_files_into_a_database_holding_their_subjects(tmp_path, sample):
    settings = make_settings(tmp_path / "instance")
    ingest_into(settings, [str(sample / "lists.csv")], TODAY)
    ingest_into(settings, [str(sample / "penalties.csv")], TODAY)
    report = ingest_into(settings, [str(sample)], TODAY).as_json()
    assert report["unchanged"] > 0
    assert published_as_rebuilt(settings) == report["indexed"]


def test_a_sole_traders_operator_named_on_one_record_is_masked_on_all(tmp_path):
    settings = make_settings(tmp_path / "instance")
    trader = uscc("92420111MA4K12345")
    common = {"行政相对人名称": "武汉市洪山区欧阳小明便利店", "行政相对人类别": "个体工商户",
              "行政相对人代码_1（统一社会信用代码）": trader}
    named = penalty_row(**common, **{"法定代表人": "欧阳小明", "行政处罚决定书文号": "1号"})
    unnamed = penalty_row(**common, **{"法定代表人": "", "行政处罚决定书文号": "2号",
                                       "违法事实": "经营者欧阳小明销售过期食品"})
    ingest_into(settings, [str(write_csv(tmp_path / "p.csv", [named, unnamed]))], TODAY)
    assert published_as_rebuilt(settings) == 3
    index = open_index(settings)
    facts = [index.get(r.public_id, TODAY)["fields"]["facts"] for r in stored(settings) if r.values["doc_no"] == "2号"]
    index.close()
    assert facts and "欧阳小明" not in facts[0] and "欧阳**" in facts[0]


def test_a_correction_moving_a_record_to_another_subject(tmp_path):
    settings = make_settings(tmp_path / "instance")
    other = uscc("91420100MA4K99999")
    ingest_into(settings, [str(write_csv(tmp_path / "a.csv", [penalty_row()]))], TODAY)
    moved = penalty_row(**{"行政相对人名称": "武汉市另一家科技有限公司", "行政相对人代码_1（统一社会信用代码）": other})
    report = ingest_into(settings, [str(write_csv(tmp_path / "b.csv", [moved]))], TODAY).as_json()
    assert report["replaced"] == 1 and report["removed_from_index"] >= 1
    assert published_as_rebuilt(settings) == 2
    index = open_index(settings)
    assert index.get(f"s-{COMPANY}", TODAY) is None and index.get(f"s-{other}", TODAY) is not None
    index.close()


def stored(settings):
    from sqlalchemy import select

    from credit.models import Record
    migrate(settings.database_url)
    with session_factory(settings.database_url)() as session:
        return list(session.scalars(select(Record)))


def test_a_correction_moving_a_record_within_a_first_load(tmp_path):
    settings = make_settings(tmp_path / "instance")
    other = uscc("91420100MA4K99999")
    first = write_csv(tmp_path / "a.csv", [penalty_row()])
    moved = penalty_row(**{"行政相对人名称": "武汉市另一家科技有限公司", "行政相对人代码_1（统一社会信用代码）": other})
    report = ingest_into(settings, [str(first), str(write_csv(tmp_path / "b.csv", [moved]))], TODAY).as_json()
    assert report["replaced"] == 1
    assert published_as_rebuilt(settings) == 2
    index = open_index(settings)
    assert index.get(f"s-{COMPANY}", TODAY) is None and index.get(f"s-{other}", TODAY) is not None
    index.close()


# -- the records table's plain indexes on a first load -----------------------------------------

PLAIN_INDEXES = {"ix_records_subject_key", "ix_records_subject_name", "ix_records_stats", "ix_records_department"}


def record_indexes(settings) -> set[str]:
    from sqlalchemy import inspect

    from credit.db import engine_for
    return {index["name"] for index in inspect(engine_for(settings.database_url)).get_indexes("records")}


def indexes_while_loading(monkeypatch, settings, fail: bool = False) -> list[set[str]]:
    """The records table's indexes as each file of a run begins (and, with `fail`, the run
    breaks down in its first file)."""
    from indexer.ingest import Ingester

    seen, ingest_file = [], Ingester._ingest_file

    def watched(self, *args):
        seen.append(record_indexes(settings))
        if fail:
            raise OSError("disk unplugged")
        return ingest_file(self, *args)
    monkeypatch.setattr(Ingester, "_ingest_file", watched)
    return seen


def test_a_first_load_builds_the_plain_indexes_after_its_rows(tmp_path, sample, monkeypatch):
    settings = make_settings(tmp_path / "instance")
    seen = indexes_while_loading(monkeypatch, settings)
    report = ingest_into(settings, [str(sample)], TODAY).as_json()
    assert seen and all(not (PLAIN_INDEXES & indexes) for indexes in seen)
    assert PLAIN_INDEXES <= record_indexes(settings)
    assert published_as_rebuilt(settings) == report["indexed"]

    seen.clear()   # into a database that holds records, they are kept up to date as rows arrive
    ingest_into(settings, [str(sample / "lists.csv")], TODAY)
    assert seen and all(PLAIN_INDEXES <= indexes for indexes in seen)


def test_the_indexes_come_back_after_a_failed_or_killed_first_load(tmp_path, sample, monkeypatch):
    from sqlalchemy import text

    from credit.db import engine_for
    settings = make_settings(tmp_path / "instance")
    indexes_while_loading(monkeypatch, settings, fail=True)
    with pytest.raises(OSError, match="unplugged"):
        ingest_into(settings, [str(sample / "lists.csv")], TODAY)
    assert PLAIN_INDEXES <= record_indexes(settings)

    monkeypatch.undo()
    ingest_into(settings, [str(sample / "lists.csv")], TODAY)
    with engine_for(settings.database_url).begin() as conn:   # what a run killed mid-load leaves
        conn.execute(text("DROP INDEX ix_records_subject_key"))
    seen = indexes_while_loading(monkeypatch, settings)
    ingest_into(settings, [str(sample / "penalties.csv")], TODAY)
    assert seen and all(PLAIN_INDEXES <= indexes for indexes in seen)
