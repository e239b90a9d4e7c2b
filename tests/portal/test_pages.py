"""The public pages, over the mini data set: what each page says, not only that it answers."""
from __future__ import annotations

import re
from datetime import timedelta

from tests.conftest import TODAY
from tests.portal import mini
from tests.portal.conftest import portal_app


def text(response) -> str:
    return response.get_data(as_text=True)


def results_names(html: str) -> list[str]:
    """Subject names in a results page, in order, without the <mark> tags."""
    return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'class="result-name"><a [^>]+>(.*?)</a>', html)]


def test_home_has_search_box_latest_items_and_list_links(client):
    html = text(client.get("/"))
    assert '<html lang="zh-CN">' in html
    assert '<label for="q">' in html and 'name="q"' in html
    for slug in ("red", "black", "focus"):
        assert f'href="/lists/{slug}"' in html
    # Newest licence and newest penalty, each with its department.
    assert mini.PINGAN[0] in html and "鄂武市监许〔" in html
    assert "武市监罚〔" in html and mini.DEPT_ENV[0] in html


def test_search_highlights_the_matched_part_and_counts_public_records(client):
    html = text(client.get("/search", query_string={"q": "光谷科技"}))
    assert "<title>“光谷科技”的查询结果 - 信用信息公示查询平台</title>" in html
    assert "武汉市<mark>光谷科技</mark>有限公司" in html
    assert mini.GUANGGU[1] in html
    counts = re.search(r'<ul class="counts".*?</ul>', html, re.DOTALL).group(0)
    # 2 licences, 1 penalty, 1 list entry: exactly the public ones.
    assert re.findall(r"<strong>(\d+)</strong>", counts) == ["2", "1", "1"]


def test_highlight_is_the_only_markup_taken_from_data(app, client):
    html = text(client.get("/search", query_string={"q": "<script>光谷"}))
    assert "<script>光谷" not in html and "&lt;script&gt;光谷" in html


def test_search_by_code_is_exact_and_normalized(client):
    lower_spaced = " " + mini.PINGAN[1].lower()[:9] + " " + mini.PINGAN[1].lower()[9:]
    html = text(client.get("/search", query_string={"q": lower_spaced}))
    assert "按代码精确查询" in html
    assert results_names(html) == [mini.PINGAN[0]]


def test_search_code_with_wrong_check_character_says_so(client):
    wrong = mini.PINGAN[1][:17] + ("0" if mini.PINGAN[1][17] != "0" else "1")
    response = client.get("/search", query_string={"q": wrong})
    assert response.status_code == 400
    assert "该统一社会信用代码校验位错误" in text(response)
    assert f'value="{wrong}"' in text(response)  # left in the box, to be corrected


def test_empty_result_suggests_a_shorter_name(client):
    html = text(client.get("/search", query_string={"q": "光谷科技咨询"}))
    assert "没有找到" in html
    assert '试试更短的名称：<a href="/search?q=' in html and ">光谷科技</a>" in html


def test_search_pagination_last_page_and_past_the_end(client):
    first = text(client.get("/search", query_string={"q": "商贸"}))
    assert "共找到 <strong>25</strong> 个主体" in first
    assert len(results_names(first)) == 20
    assert 'rel="next"' in first and 'aria-label="第2页"' in first
    last = text(client.get("/search", query_string={"q": "商贸", "page": 2}))
    assert len(results_names(last)) == 5
    assert 'rel="next"' not in last and 'rel="prev"' in last
    assert set(results_names(first)).isdisjoint(results_names(last))
    beyond = client.get("/search", query_string={"q": "商贸", "page": 3})
    assert beyond.status_code == 200
    assert "第3页没有内容" in text(beyond) and "回到最后一页（第2页）" in text(beyond)


def test_search_too_deep_or_bad_page_is_a_400_page(client):
    deep = client.get("/search", query_string={"q": "商贸", "page": 100000})
    assert deep.status_code == 400 and "页码过深" in text(deep)
    assert client.get("/search", query_string={"q": "商贸", "page": "x"}).status_code == 400


def test_search_filters_offer_departments_and_regions(client):
    html = text(client.get("/search", query_string={"q": "武汉", "region": "420100"}))
    for department in (mini.DEPT_MARKET[0], mini.DEPT_TAX[0], mini.DEPT_ENV[0]):
        assert f'<option value="{department}">' in html
    assert '<option value="420100" selected>武汉市</option>' in html


def test_search_filters_narrow_the_results(client):
    by_kind = results_names(text(client.get("/search", query_string={"q": "武汉", "kind": "penalty"})))
    assert mini.GUANGGU[0] in by_kind and mini.TRADERS[0][0] not in by_kind
    by_dept = results_names(text(client.get("/search", query_string={"q": "武汉", "department": mini.DEPT_ENV[0]})))
    assert by_dept == [mini.GUANGGU[0]]
    day = (TODAY - timedelta(days=40)).isoformat()  # 光谷's second licence, and nothing else that day
    by_date = results_names(text(client.get("/search", query_string={"q": "武汉", "date_from": day, "date_to": day})))
    assert by_date == [mini.GUANGGU[0]]
    assert results_names(text(client.get("/search", query_string={"q": "平安", "region": "420000"}))) == []
    assert results_names(text(client.get("/search", query_string={"q": "平安", "region": "440300"}))) == [mini.PINGAN[0]]
    assert client.get("/search", query_string={"q": "平安", "date_from": "2024-13-01"}).status_code == 400


def test_profile_shows_identity_and_every_public_record(client):
    html = text(client.get(f"/subjects/{mini.GUANGGU[1]}"))
    assert "<title>武汉市光谷科技有限公司 - 信用信息公示查询平台</title>" in html
    assert 'aria-label="面包屑导航"' in html and '<span aria-current="page">武汉市光谷科技有限公司</span>' in html
    assert "统一社会信用代码" in html and mini.GUANGGU[1] in html and "湖北省武汉市" in html
    assert html.count('class="record"') == 4
    assert "鄂武市监许〔" in html and "A级纳税人" in html
    # The penalty shows the end of its publicity window.
    penalty_until = (TODAY - timedelta(days=100)).replace(year=TODAY.year + 1) - timedelta(days=1)
    assert f"<dt>公示截止</dt><dd>{penalty_until.isoformat()}</dd>" in html


def test_profile_labels_come_from_the_catalogue(client, catalog):
    html = text(client.get(f"/subjects/{mini.CHANGJIANG[1]}"))
    for key in ("violation_type", "penalty_types", "content"):
        assert f"<dt>{catalog.kinds['penalty'].column(key).header}</dt>" in html
    assert "未按规定安装污染物排放自动监测设备" not in html  # facts are on the detail page only
    assert "违反大气污染防治法" in html


def test_profile_omits_what_is_not_public(client):
    html = text(client.get(f"/subjects/{mini.CHANGJIANG[1]}"))
    assert "〔" in html
    # Simple-procedure and warning-only penalties are never public; only one of three shows.
    assert html.count('class="record"') == 2  # the severe penalty and the black-list entry
    assert "3号" not in html and "4号" not in html


def test_sole_trader_operator_name_is_masked_in_its_licences_and_penalties(client):
    html = text(client.get(f"/subjects/{mini.SHOP[1]}"))
    assert "武汉市洪山区张*便利店" in html
    detail_links = re.findall(r'href="(/records/[^"]+)">[^<]*〔', html)
    assert len(detail_links) == 2
    details = "".join(text(client.get(link)) for link in detail_links)
    assert "张*" in details and "联系电话***" in details
    assert "张三" not in details and mini.PHONE not in details and mini.SHOP_OPERATOR_ID not in details
    ouyang = text(client.get(f"/subjects/{mini.OUYANG[1]}"))
    assert "欧阳**" in ouyang and "欧阳小明" not in ouyang


def test_sole_trader_name_stays_masked_on_its_profile(client):
    """The list entry of the shop carries no operator name of its own; the profile must still
    never show the unmasked shop name (e.g. as a former name)."""
    html = text(client.get(f"/subjects/{mini.SHOP[1]}"))
    assert "张三" not in html


def test_natural_person_records_are_not_public(client):
    assert "共找到 <strong>0</strong> 个主体" in text(client.get("/search", query_string={"q": "王五"}))
    assert "王五" not in text(client.get("/lists/black"))
    home = text(client.get("/"))
    assert "〕666号" not in home and "〕888号" not in home  # 王五's licence and penalty


def test_time_travel_moves_records_out_of_publicity(mini_instance):
    """A penalty decided 360 days ago is public today and gone once its year is over."""
    today = text(portal_app(mini_instance).test_client().get(f"/subjects/{mini.PINGAN[1]}"))
    later = text(portal_app(mini_instance, TODAY + timedelta(days=10)).test_client().get(f"/subjects/{mini.PINGAN[1]}"))
    assert "武市监罚〔" in today and "武市监罚〔" not in later


def test_unknown_and_malformed_codes(client):
    unknown = client.get("/subjects/" + mini.uscc("91420100MA4K99999"))
    assert unknown.status_code == 404 and "未找到代码为" in text(unknown)
    wrong = client.get("/subjects/" + mini.GUANGGU[1][:17] + ("0" if mini.GUANGGU[1][17] != "0" else "1"))
    assert wrong.status_code == 400 and "校验位错误" in text(wrong)
    junk = client.get("/subjects/hello!")
    assert junk.status_code == 400 and "不是有效的统一社会信用代码" in text(junk)


def test_lists_show_current_entries_with_filters(client):
    red = text(client.get("/lists/red"))
    assert "<h1>红名单</h1>" in red
    # The filters offer this list's names and departments.
    assert '<option value="A级纳税人">' in red and f'<option value="{mini.DEPT_TAX[0]}">' in red
    assert f'<option value="{mini.DEPT_ENV[0]}">' not in red
    assert "共 <strong>2</strong> 条列入信息" in red  # the removed A级纳税人 entry of 平安 is gone
    assert "守合同重信用企业" in red
    only_a = text(client.get("/lists/red", query_string={"list_name": "A级纳税人"}))
    assert "共 <strong>1</strong> 条" in only_a and mini.GUANGGU[0] in only_a and mini.PINGAN[0] not in only_a
    by_dept = text(client.get("/lists/red", query_string={"department": mini.DEPT_MARKET[0]}))
    assert "共 <strong>1</strong> 条" in by_dept and mini.PINGAN[0] in by_dept
    recent = (TODAY - timedelta(days=85)).isoformat()
    assert "共 <strong>1</strong> 条" in text(client.get("/lists/red", query_string={"date_from": recent}))
    assert client.get("/lists/green").status_code == 404


def test_black_list_shows_natural_person_with_masked_id(client):
    html = text(client.get("/lists/black"))
    assert mini.DEBTOR[0] in html
    assert mini.DEBTOR[1][:6] + "********" + mini.DEBTOR[1][-4:] in html
    assert mini.DEBTOR[1] not in html


def test_record_detail_shows_all_public_fields_and_window(client):
    profile = text(client.get(f"/subjects/{mini.CHANGJIANG[1]}"))
    link = re.search(r'<a href="(/records/[^"]+)">武市监罚', profile).group(1)
    html = text(client.get(link))
    assert "未按规定安装污染物排放自动监测设备" in html and "<dt>严重程度</dt><dd>严重</dd>" in html
    assert "<dt>公示截止日期</dt>" in html
    assert client.get("/records/0000000000000000000f").status_code == 404
    assert client.get("/records/" + "s-" + mini.GUANGGU[1]).status_code == 404  # subject entries are not records


def test_every_page_has_landmarks_and_one_h1(client):
    for url in ("/", "/search?q=光谷", f"/subjects/{mini.GUANGGU[1]}", "/lists/focus", "/nope"):
        html = text(client.get(url))
        assert html.count("<h1") == 1, url
        for landmark in ("<header", "<nav", "<main", "<footer", 'class="skip-link" href="#main"'):
            assert landmark in html, (url, landmark)


def test_long_profile_sections_link_to_all_records(client, monkeypatch):
    monkeypatch.setattr("portal.queries.SECTION_SIZE", 1)
    html = text(client.get(f"/subjects/{mini.GUANGGU[1]}"))
    assert html.count('class="record"') == 3  # one per kind
    link = f"/subjects/{mini.GUANGGU[1]}/records?kind=licence"
    assert f'<a href="{link}">查看全部 2 条行政许可信息</a>' in html
    all_licences = text(client.get(link))
    assert all_licences.count('class="record"') == 2
    assert "<h1>武汉市光谷科技有限公司的行政许可信息</h1>" in all_licences
    assert f'<a href="/subjects/{mini.GUANGGU[1]}">武汉市光谷科技有限公司</a>' in all_licences  # breadcrumb
    assert "第2页没有内容" in text(client.get(link + "&page=2"))
    assert client.get(f"/subjects/{mini.GUANGGU[1]}/records?kind=fine").status_code == 400
