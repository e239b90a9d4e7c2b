"""The JSON API: same content as the pages, documented shapes, consistent errors."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
from openapi_spec_validator import validate as validate_spec

from portal.api import openapi_document
from tests.portal import mini
from tests.portal.conftest import portal_app
from tests.portal.openapi_check import PREFIX, operation_path, validate_response
from tests.portal.test_pages import renamed_app, results_names, text


@pytest.fixture()
def api(client):
    """GET an API URL, check the answer against the OpenAPI document, return (status, JSON)."""
    def get(path, **params):
        response = client.get(PREFIX + path, query_string=params)
        assert response.mimetype == "application/json"
        validate_response("GET", PREFIX + path, response.status_code, response.get_json())
        return response.status_code, response.get_json()
    return get


def test_openapi_document_is_valid_and_served(client):
    validate_spec(openapi_document())
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json() == openapi_document()


def test_every_api_route_is_documented_and_every_documented_path_exists(app):
    routes = {(re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX)), method.lower())
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in openapi_document()["paths"].items() for method in item}
    assert routes == documented


def test_every_operation_documents_the_refusals_any_request_may_get():
    """Too long a URL, too large headers or body are refused before routing, on every path."""
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            assert {"413", "414", "431"} <= set(operation["responses"]), (method, path)


@pytest.mark.parametrize("method, path", [("POST", "/api/v1/oauth/token"), ("POST", "/api/v1/authorized"),
                                          ("GET", "/api/v1/search")])
def test_an_over_large_body_is_a_documented_answer(mini_instance, method, path):
    client = portal_app(replace(mini_instance, max_body_bytes=1000)).test_client()
    response = client.open(path, method=method, data=b"x" * 1001, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "body_too_large"
    validate_response(method, path, 413, response.get_json())


def test_search_answers_total_items_next_with_counts(api):
    status, body = api("/search", q="光谷")
    assert status == 200
    assert body["total"] == 1 and body["next"] is None
    item = body["items"][0]
    assert (item["code"], item["name"]) == (mini.GUANGGU[1], mini.GUANGGU[0])
    assert item["highlight"] == "武汉市<mark>光谷</mark>科技有限公司"
    assert item["counts"] == {"licences": 2, "penalties": 1, "list_entries": 1}


PASTED = {"bom": "\ufeff{}", "zwsp": "{}\u200b", "embedding": "\u202a{}\u202c", "lrm": "\u200e{}",
          "isolate": "\u2068{}\u2069", "mongolian vowel separator": "\u180e{}"}


@pytest.mark.parametrize("pasted", list(PASTED.values()), ids=list(PASTED))
def test_a_code_pasted_with_invisible_characters_is_looked_up_as_a_code(api, pasted):
    status, body = api("/search", q=pasted.format(mini.GUANGGU[1]))
    assert status == 200 and body["by_code"] is True
    assert [(i["code"], i["name"]) for i in body["items"]] == [(mini.GUANGGU[1], mini.GUANGGU[0])]
    status, body = api(f"/subjects/{pasted.format(mini.GUANGGU[1])}")
    assert status == 200 and body["code"] == mini.GUANGGU[1]
    wrong = mini.GUANGGU[1][:17] + ("0" if mini.GUANGGU[1][17] != "0" else "1")
    status, body = api("/search", q=pasted.format(wrong))
    assert status == 400 and body["error"]["code"] == "invalid_code" and "校验" in body["error"]["message"]


def test_search_cursor_walks_every_result_once(api):
    seen, after = [], None
    while True:
        _, body = api("/search", q="商贸", size=7, **({"after": after} if after else {}))
        seen += [i["code"] for i in body["items"]]
        after = body["next"]
        if not after:
            break
    assert len(seen) == len(set(seen)) == 25
    _, paged = api("/search", q="商贸", size=7, page=2)
    assert [i["code"] for i in paged["items"]] == seen[7:14]


def test_list_facets_only_when_asked_for(api):
    _, red = api("/lists/red", facets="true")
    assert red["facets"]["department"] == {mini.DEPT_TAX[0]: 1, mini.DEPT_MARKET[0]: 1}
    assert "facets" not in api("/lists/red")[1]


def test_search_and_page_agree(client, api):
    for q in ("商贸", "光谷科技", "武汉 便利店", mini.PINGAN[1]):
        _, body = api("/search", q=q)
        html = text(client.get("/search", query_string={"q": q}))
        assert [i["name"] for i in body["items"]] == results_names(html), q
        assert f"<strong>{body['total']}</strong> 个主体" in html


def test_subject_and_profile_agree(client, api):
    status, body = api(f"/subjects/{mini.GUANGGU[1]}")
    assert status == 200
    assert body["name"] == mini.GUANGGU[0] and body["former_names"] == []
    assert body["counts"] == {"licences": 2, "penalties": 1, "list_entries": 1}
    assert body["more"] == {"licences": None, "penalties": None, "list_entries": None}
    html = text(client.get(f"/subjects/{mini.GUANGGU[1]}"))
    for section in ("licences", "penalties", "list_entries"):
        for record in body[section]:
            assert f'href="/records/{record["id"]}"' in html
    assert {r["kind"] for r in body["licences"]} == {"licence"}
    assert body["penalties"][0]["public_until"] and body["penalties"][0]["objection"] is False


def test_subject_records_are_paged(api):
    status, body = api(f"/subjects/{mini.GUANGGU[1]}/records", kind="licence", size=1)
    assert status == 200 and body["total"] == 2 and len(body["items"]) == 1 and body["next"]
    _, rest = api(f"/subjects/{mini.GUANGGU[1]}/records", kind="licence", size=1, after=body["next"])
    assert rest["items"][0]["id"] != body["items"][0]["id"]
    assert api(f"/subjects/{mini.GUANGGU[1]}/records", kind="fine")[0] == 400


def test_sole_trader_is_masked_in_the_api(api):
    _, body = api(f"/subjects/{mini.SHOP[1]}")
    licence = body["licences"][0]
    assert licence["fields"]["legal_rep"] == "张*"
    assert licence["fields"]["remarks"] == "经营者张*，联系电话***"
    assert "legal_rep_id_no" not in licence["fields"]


def test_lists_answer_current_entries(api):
    status, body = api("/lists/red")
    assert status == 200 and body["total"] == 2 and body["list_type"] == "red"
    assert {i["list_name"] for i in body["items"]} == {"A级纳税人", "守合同重信用企业"}
    _, only = api("/lists/red", list_name="A级纳税人")
    assert [i["subject_name"] for i in only["items"]] == [mini.GUANGGU[0]]
    _, black = api("/lists/black")
    debtor = next(i for i in black["items"] if i["subject_type"] == "自然人")
    assert debtor["subject_code"] is None and debtor["public_until"] is None
    assert debtor["fields"]["id_no"] == mini.DEBTOR[1][:6] + "********" + mini.DEBTOR[1][-4:]


def test_record_detail(api):
    _, subject = api(f"/subjects/{mini.CHANGJIANG[1]}")
    record_id = subject["penalties"][0]["id"]
    status, record = api(f"/records/{record_id}")
    assert status == 200 and record == subject["penalties"][0]
    assert record["fields"]["severity"] == "严重"


@pytest.mark.parametrize("path, params, status, code", [
    ("/search", {}, 400, "missing_query"),
    ("/search", {"q": mini.GUANGGU[1][:17] + ("0" if mini.GUANGGU[1][17] != "0" else "1")}, 400, "invalid_code"),
    ("/search", {"q": "光谷", "page": 100000}, 400, "invalid_query"),
    ("/search", {"q": "光谷", "after": "not-a-cursor"}, 400, "invalid_query"),
    ("/search", {"q": "光谷", "size": 1000}, 400, "invalid_input"),
    ("/search", {"q": "光谷", "kind": "fine"}, 400, "invalid_kind"),
    ("/search", {"q": "光" * 101}, 400, "invalid_input"),
    ("/subjects/" + mini.uscc("91420100MA4K99999"), {}, 404, "subject_not_found"),
    ("/subjects/hello!", {}, 400, "invalid_code"),
    ("/lists/green", {}, 404, "list_not_found"),
    ("/records/nope", {}, 404, "record_not_found"),
])
def test_errors_are_documented_objects(api, path, params, status, code):
    got_status, body = api(path, **params)
    assert (got_status, body["error"]["code"]) == (status, code)
    assert body["error"]["message"]


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing/here")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_operation_path_prefers_literal_segments():
    assert operation_path("/api/v1/openapi.json") == "/openapi.json"
    assert operation_path("/api/v1/subjects/X/records") == "/subjects/{code}/records"


def test_long_profile_sections_say_where_the_rest_is(short_sections):
    path = f"{PREFIX}/subjects/{mini.GUANGGU[1]}"
    body = short_sections.get(path).get_json()
    validate_response("GET", path, 200, body)
    assert len(body["licences"]) == 1 and body["counts"]["licences"] == 2
    assert body["more"]["penalties"] is None
    rest = short_sections.get(body["more"]["licences"]).get_json()
    assert [r["id"] for r in rest["items"]] != [body["licences"][0]["id"]] and len(rest["items"]) == 1


def test_search_items_and_subjects_carry_their_list_memberships(api):
    _, body = api("/search", q="长江建设")
    item = next(i for i in body["items"] if i["code"] == mini.CHANGJIANG[1])
    assert item["lists"] == [{"type": "black", "type_label": "黑名单", "name": "严重违法失信企业"}]
    assert (item["matched_former_name"], item["former_highlight"]) == (None, None)
    _, pingan = api("/search", q=mini.PINGAN[1])
    assert pingan["items"][0]["lists"] == [{"type": "red", "type_label": "红名单", "name": "守合同重信用企业"}]
    _, subject = api(f"/subjects/{mini.CHANGJIANG[1]}")
    assert subject["lists"] == item["lists"]
    _, trader = api(f"/subjects/{mini.TRADERS[0][1]}")
    assert trader["lists"] == []


def test_page_errors_keep_the_api_wording(api):
    _, zero = api("/search", q="光谷", page=0)
    assert zero["error"] == {"code": "invalid_input", "message": "参数 page 应为正整数"}
    _, deep = api("/search", q="光谷", page=100000)
    assert "after 游标" in deep["error"]["message"]   # the API can walk on with the cursor


def test_search_says_which_former_name_matched(mini_instance, catalog, tmp_path):
    from tests.contract.test_one_name import RENAMED, RENAMED_OLD

    app = renamed_app(mini_instance, catalog, tmp_path)
    body = app.test_client().get(PREFIX + "/search", query_string={"q": "安信"}).get_json()
    validate_response("GET", PREFIX + "/search", 200, body)
    item = next(i for i in body["items"] if i["name"] == RENAMED)
    assert item["highlight"] == RENAMED
    assert item["matched_former_name"] == RENAMED_OLD
    assert item["former_highlight"] == "武汉<mark>安信</mark>科技有限公司"
    assert item["lists"] == [{"type": "black", "type_label": "黑名单", "name": "严重违法失信企业"}]
    app.extensions["credit_index"].close()
