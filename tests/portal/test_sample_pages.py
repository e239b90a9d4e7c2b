"""Over the generated sample: search counts, profiles and the API agree for many subjects."""
from __future__ import annotations

import pytest

from portal.lookups import SECTIONS
from tests.portal.conftest import portal_app
from tests.portal.test_leaks import all_subject_codes

KINDS = {section: kind for kind, section in SECTIONS.items()}


@pytest.fixture(scope="module")
def sample_client(sample_instance):
    settings, _report = sample_instance
    return portal_app(settings).test_client()


def test_counts_in_search_equal_the_records_on_the_profile(sample_instance, sample_client):
    index = portal_app(sample_instance[0]).extensions["credit_index"]
    for code in all_subject_codes(index)[::8]:
        found = sample_client.get("/api/v1/search", query_string={"q": code}).get_json()
        assert found["total"] == 1 and found["items"][0]["code"] == code
        subject = sample_client.get(f"/api/v1/subjects/{code}").get_json()
        assert found["items"][0]["counts"] == subject["counts"]
        for section, n in subject["counts"].items():
            listed = sample_client.get(f"/api/v1/subjects/{code}/records",
                                       query_string={"kind": KINDS[section], "size": 100})
            assert listed.get_json()["total"] == n == len(listed.get_json()["items"])


def test_every_list_page_walks_to_its_end(sample_client):
    for slug in ("red", "black", "focus"):
        body = sample_client.get(f"/api/v1/lists/{slug}", query_string={"size": 5}).get_json()
        seen = [i["id"] for i in body["items"]]
        while body["next"]:
            body = sample_client.get(f"/api/v1/lists/{slug}", query_string={"size": 5, "after": body["next"]}).get_json()
            seen += [i["id"] for i in body["items"]]
        assert len(seen) == len(set(seen)) == body["total"] > 0
        assert all(i["list_type"] == slug for i in body["items"])
