"""The batch lookups every engine answers alike (SearchIndex.get_many, subjects_named): many
documents by id, and subjects by exact current or former name — the base class's defaults on the
embedded engine, single requests on Elasticsearch."""
from __future__ import annotations

from datetime import timedelta

import pytest

from credit.documents import latest_public
from credit.ids import subject_doc_id
from tests.conftest import TODAY
from tests.contract import builders
from tests.contract.builders import licence, penalty, uscc

TWIN = "武汉同名贸易有限公司"
TWINS = [uscc("91", "420100", 301), uscc("91", "420100", 302)]
OLD, NEW, RENAMED = "武汉旧名科技有限公司", "武汉新名科技有限公司", uscc("91", "420100", 303)
ONLY, ONLY_CODE = "武汉独家科技有限公司", uscc("91", "420100", 304)
GONE = uscc("91", "420100", 305)


@pytest.fixture
def subjects(index, catalog):
    rows = [licence(TWIN, TWINS[0], 30), licence(TWIN, TWINS[1], 40), licence(OLD, RENAMED, 400),
            licence(NEW, RENAMED, 20), licence(ONLY, ONLY_CODE, 10), penalty(ONLY, ONLY_CODE, 50),
            penalty(ONLY, ONLY_CODE, 90)]
    docs = builders.publish_rows(rows, catalog, TODAY)
    assert index.upsert(docs) == len(docs)
    index.refresh()
    return index


def test_get_many_reads_public_documents_by_id_and_leaves_out_the_rest(subjects):
    ids = [subject_doc_id(ONLY_CODE), subject_doc_id(GONE), subject_doc_id(TWINS[0]), subject_doc_id(ONLY_CODE)]
    found = subjects.get_many(ids, TODAY)
    assert set(found) == {subject_doc_id(ONLY_CODE), subject_doc_id(TWINS[0])}
    assert found[subject_doc_id(ONLY_CODE)] == subjects.get(subject_doc_id(ONLY_CODE), TODAY)
    assert subjects.get_many([], TODAY) == {}


def test_subjects_named_matches_current_and_former_names_exactly(subjects):
    named = subjects.subjects_named([TWIN, OLD, NEW, ONLY, "独家科技", "武汉没有这家有限公司", ""], TODAY, limit=5)
    codes = {name: sorted(d["code"] for d in docs) for name, docs in named.items()}
    assert codes == {TWIN: sorted(TWINS), OLD: [RENAMED], NEW: [RENAMED], ONLY: [ONLY_CODE], "独家科技": [],
                     "武汉没有这家有限公司": [], "": []}
    assert len(subjects.subjects_named([TWIN], TODAY, limit=1)[TWIN]) == 1


def test_a_name_many_subjects_share_does_not_crowd_out_the_other_names(subjects, catalog):
    """Each name gets its own `limit`: a name borne by more subjects than the rest of the batch
    (codes sorting first) still leaves every other name its subjects."""
    crowd = "武汉市众多同名商行"
    rows = [licence(crowd, uscc("91", "420100", 200 + n), 10) for n in range(20)]
    docs = builders.publish_rows(rows, catalog, TODAY)
    assert subjects.upsert(docs) == len(docs)
    subjects.refresh()
    named = subjects.subjects_named([crowd, ONLY, OLD, TWIN], TODAY, limit=3)
    assert {name: [d["code"] for d in docs] for name, docs in named.items()} == {
        crowd: [uscc("91", "420100", 200 + n) for n in range(3)], ONLY: [ONLY_CODE], OLD: [RENAMED],
        TWIN: TWINS}


def test_subject_documents_carry_the_day_of_their_latest_record_of_each_kind(subjects):
    doc = subjects.get(subject_doc_id(ONLY_CODE), TODAY)
    day = lambda ago: (TODAY - timedelta(days=ago)).isoformat()
    assert latest_public(doc, "penalty", TODAY) == day(50) and latest_public(doc, "licence", TODAY) == day(10)
    assert latest_public(doc, "list", TODAY) is None
    assert latest_public({k: v for k, v in doc.items() if k != "latest"}, "penalty", TODAY) is None
