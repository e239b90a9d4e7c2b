"""Subject search (SPEC §5): what a name, part of a name or a code finds, in which order, with
which filters, facets and totals — the same on every engine."""
from __future__ import annotations

from datetime import timedelta

import pytest

from analyzers import analyze_query
from analyzers.names import highlight_subject
from credit.search import QueryError, SubjectQuery
from tests.conftest import TODAY
from tests.contract import oracle
from tests.contract.builders import ENV, MARKET, TAX
from tests.contract.world import (
    CHANGJIANG,
    CHANGJIANG_EQUIP,
    CHANGJIANG_OLD,
    CODES,
    GREE,
    GREE_SALES,
    GUANGGU,
    GUANGGU_DEV,
    GUANGMING,
    JIANGCHENG,
    PINGAN,
    PINGAN_PROPERTY,
    VANKE,
    WANJIA,
)


def names(page) -> list[str]:
    code_to_name = {code: name for name, code in CODES.items() if name != CHANGJIANG_OLD}
    return [code_to_name[h.doc["code"]] for h in page.hits]


def search(index, text="", **kw):
    return index.search_subjects(SubjectQuery(text=text, today=TODAY, **kw))


# -- ranking rules: the order is the rule's, so every engine must give exactly it ---------------

@pytest.mark.parametrize("text, expected", [
    # The exact full name first, then names holding it as a phrase.
    (GUANGGU, [GUANGGU]),
    # Core name (= the query) ≫ the query as a phrase ≫ the characters scattered.
    ("光谷科技", [GUANGGU, GUANGGU_DEV, GUANGMING]),
    ("光穀科技", [GUANGGU, GUANGGU_DEV, GUANGMING]),          # traditional characters
    ("  光谷 科技 ", [GUANGGU, GUANGGU_DEV, GUANGMING]),      # stray spaces
    # The phrase 武汉光谷 only in one name; the other has 武汉市光谷.
    ("武汉光谷", [GUANGGU_DEV, GUANGGU]),
    # Short names: the company whose core name it is comes first.
    ("平安银行", [PINGAN, PINGAN_PROPERTY]),
    ("格力电器", [GREE, GREE_SALES]),
    ("万  科Ａ", [VANKE, WANJIA]),                            # full-width, spaces, share class
    # A former name finds the subject, first when typed exactly.
    (CHANGJIANG_OLD, [CHANGJIANG, CHANGJIANG_EQUIP]),
    ("湖北长江新材料", [CHANGJIANG]),
])
def test_ranking_rules(world, text, expected):
    page = search(world, text)
    assert names(page) == expected
    assert page.total == len(expected)


def test_former_name_part_finds_the_subject(world):
    assert set(names(search(world, "长江化工"))) == {CHANGJIANG, CHANGJIANG_EQUIP}


def test_scores_never_increase(world):
    scores = [h.score for h in search(world, "科技", size=50).hits]
    assert scores == sorted(scores, reverse=True)


def test_hit_sets_and_totals_follow_the_character_rule(world, world_docs):
    for text in ("科技", "有限公司", "武汉", "银行", "电器", "光", "湖北长江", "不存在的名字"):
        q = SubjectQuery(text=text, today=TODAY, size=50)
        page = world.search_subjects(q)
        assert sorted(h.doc["code"] for h in page.hits) == oracle.subject_codes(world_docs, q), text
        assert page.total == len(page.hits)


def test_highlight_is_the_analyzers_highlight(world):
    for text in ("光谷科技", "万  科Ａ", CHANGJIANG_OLD):
        for hit in search(world, text).hits:
            shown = highlight_subject(hit.doc["name"], hit.doc["former_names"], analyze_query(text))
            assert (hit.highlight, hit.former, hit.former_highlight) == (shown.name, shown.former, shown.former_html)
    assert search(world, "光谷科技").hits[0].highlight == "武汉市<mark>光谷科技</mark>有限公司"
    assert search(world, "光谷科技").hits[0].former is None
    assert all(h.highlight is None for h in search(world).hits)


def test_text_without_characters_finds_nothing(world):
    page = search(world, "，。！")
    assert page.total == 0 and page.hits == []


# -- codes ------------------------------------------------------------------------------------

def test_code_lookup_is_exact(world):
    assert names(search(world, code=CODES[GUANGGU])) == [GUANGGU]
    assert names(search(world, code=CODES[JIANGCHENG])) == [JIANGCHENG]     # registration number
    assert search(world, code=CODES[GUANGGU][:-1] + "0").total == 0
    assert search(world, "平安", code=CODES[GUANGGU]).total == 0            # text and code both apply


# -- filters ----------------------------------------------------------------------------------

FILTERS = [
    {"kind": "licence"}, {"kind": "penalty"}, {"kind": "list"},
    {"department": MARKET}, {"department": TAX}, {"department": ENV},
    {"region": "420000"}, {"region": "420100"}, {"region": "420111"}, {"region": "440304"}, {"region": "110000"},
    {"date_from": TODAY - timedelta(days=60), "date_to": TODAY - timedelta(days=30)},
    {"date_from": TODAY - timedelta(days=20)},
    {"date_to": TODAY - timedelta(days=365)},
    {"kind": "penalty", "department": TAX},
    {"kind": "licence", "region": "420000", "date_from": TODAY - timedelta(days=75)},
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()))
def test_filters_without_text_list_subjects_by_code(world, world_docs, filters):
    q = SubjectQuery(today=TODAY, size=50, **filters)
    page = world.search_subjects(q)
    expected = oracle.subject_codes(world_docs, q)
    assert [h.doc["code"] for h in page.hits] == expected
    assert page.total == len(expected)


def test_filters_with_text(world):
    assert names(search(world, "光谷科技", region="420106")) == [GUANGGU_DEV]
    assert names(search(world, "光谷科技", kind="penalty")) == [GUANGGU, GUANGMING]
    assert names(search(world, "光谷科技", department=TAX)) == [GUANGMING]


def test_unknown_kind_is_a_query_error(world):
    with pytest.raises(QueryError):
        search(world, kind="award")


# -- facets -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, filters", [("", {}), ("科技", {}), ("", {"region": "420000"}), ("公司", {"kind": "list"})])
def test_facets(world, world_docs, text, filters):
    q = SubjectQuery(text=text, today=TODAY, facets=True, **filters)
    page = world.search_subjects(q)
    assert page.facets == {"kind": oracle.subject_kind_facet(world_docs, q),
                           "department": oracle.subject_department_facet(world_docs, q)}


def test_no_facets_unless_asked(world):
    assert search(world).facets == {}
