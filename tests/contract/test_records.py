"""Record search: list pages (red / black / focus), subject profiles, department, region and
date filters, facets — most recent first on every engine."""
from __future__ import annotations

from datetime import timedelta

import pytest

from credit.search import RecordQuery
from tests.conftest import TODAY
from tests.contract import oracle
from tests.contract.builders import ENV, MARKET, TAX
from tests.contract.world import CHANGJIANG, CODES, PINGAN

QUERIES = [
    {},
    {"list_type": "black"}, {"list_type": "red"}, {"list_type": "focus"},
    {"list_name": "A级纳税人"},
    {"kinds": ("list",)}, {"kinds": ("licence", "penalty")},
    {"subject_code": CODES[CHANGJIANG]},
    {"subject_code": CODES[PINGAN], "kinds": ("licence",)},
    {"department": TAX}, {"department": ENV, "kinds": ("penalty",)}, {"department": MARKET},
    {"region": "420000"}, {"region": "440304"},
    {"date_from": TODAY - timedelta(days=50), "date_to": TODAY - timedelta(days=20)},
    {"date_to": TODAY - timedelta(days=100)},
]


@pytest.mark.parametrize("filters", QUERIES, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "all")
def test_record_search(world, world_docs, filters):
    q = RecordQuery(today=TODAY, size=50, facets=True, **filters)
    page = world.search_records(q)
    expected = oracle.record_ids(world_docs, q)
    assert [h.doc["id"] for h in page.hits] == expected
    assert page.total == len(expected)
    assert page.facets == oracle.record_facets(world_docs, q)


def test_profile_lists_a_subjects_records_newest_first(world):
    page = world.search_records(RecordQuery(subject_code=CODES[CHANGJIANG], today=TODAY))
    assert [h.doc["kind"] for h in page.hits] == ["list", "penalty", "licence"]
    assert page.hits[-1].doc["subject_name"] == "武汉长江化工有限公司"   # the record keeps the name it was given under


def test_black_list_page(world):
    page = world.search_records(RecordQuery(list_type="black", today=TODAY))
    assert [(h.doc["subject_code"], h.doc["list_name"]) for h in page.hits] == [(CODES[CHANGJIANG], "严重违法失信企业")]
