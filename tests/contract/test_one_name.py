"""A query's characters must all be found in one name — the current name or one former name —
never some in one and the rest in another; a subject found through a former name says which."""
from __future__ import annotations

import pytest

from credit.search import SubjectQuery
from tests.conftest import TODAY
from tests.contract import builders
from tests.contract.builders import licence, list_entry, uscc

# 信 only in the current name, 安 only in the former one: 安信 must not find it.
SPLIT, SPLIT_OLD = "湖北信达建材有限公司", "武汉安达建材有限公司"
# 安信 only in the former name: found, through that name.
RENAMED, RENAMED_OLD = "武汉华宇科技有限公司", "武汉安信科技有限公司"
# 安信 in the current name.
CURRENT = "安信证券股份有限公司"
CODES = {SPLIT: uscc("91", "420100", 201), RENAMED: uscc("91", "420100", 202), CURRENT: uscc("91", "440304", 203)}


def rows() -> list[tuple[str, dict]]:
    """Each subject's older record carries its former name; the newer ones its current name."""
    return [licence(SPLIT_OLD, CODES[SPLIT], 400), licence(SPLIT, CODES[SPLIT], 30),
            licence(RENAMED_OLD, CODES[RENAMED], 500), list_entry(RENAMED, CODES[RENAMED], 20),
            licence(CURRENT, CODES[CURRENT], 40)]


@pytest.fixture
def renamed(index, catalog):
    docs = builders.publish_rows(rows(), catalog, TODAY)
    assert index.upsert(docs) == len(docs)
    index.refresh()
    return index


def found(index, text: str) -> dict:
    page = index.search_subjects(SubjectQuery(text=text, today=TODAY, size=50))
    assert page.total == len(page.hits)
    return {hit.doc["code"]: hit for hit in page.hits}


def test_characters_split_across_two_names_find_nothing(renamed):
    hits = found(renamed, "安信")
    assert CODES[SPLIT] not in hits
    assert set(hits) == {CODES[RENAMED], CODES[CURRENT]}


def test_a_match_in_a_former_name_is_found_and_says_which_name(renamed):
    hit = found(renamed, "安信")[CODES[RENAMED]]
    assert hit.doc["name"] == RENAMED and hit.doc["former_names"] == [RENAMED_OLD]
    assert hit.former == RENAMED_OLD
    assert hit.former_highlight == "武汉<mark>安信</mark>科技有限公司"
    assert hit.highlight == RENAMED              # nothing marked in a name that does not match


def test_a_match_in_the_current_name_is_not_labelled_former(renamed):
    hit = found(renamed, "安信")[CODES[CURRENT]]
    assert hit.highlight == "<mark>安信</mark>证券股份有限公司"
    assert hit.former is None and hit.former_highlight is None


def test_each_name_finds_its_subject_on_its_own(renamed):
    by_current = found(renamed, "信达")[CODES[SPLIT]]
    assert by_current.former is None and by_current.highlight == "湖北<mark>信达</mark>建材有限公司"
    by_former = found(renamed, "安达")[CODES[SPLIT]]
    assert by_former.former == SPLIT_OLD and by_former.former_highlight == "武汉<mark>安达</mark>建材有限公司"
    assert set(found(renamed, "信达建材")) == {CODES[SPLIT]}
    assert found(renamed, "安达信") == {}        # 安达 in one name, 信 in the other
