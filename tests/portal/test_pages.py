"""The public pages, over the mini data set: what each page says, not only that it answers."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

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


def test_search_too_deep_or_bad_page_is_a_400_page_in_the_readers_words(client):
    deep = client.get("/search", query_string={"q": "商贸", "page": 100000})
    assert deep.status_code == 400
    assert "网页只能翻看前 10000 条。请用筛选条件（如数据来源单位、地区、日期）缩小范围后再查看。" in text(deep)
    assert "after" not in text(deep) and "游标" not in text(deep)   # API words, not a page's
    deep_list = client.get("/lists/red", query_string={"page": 100000})
    assert deep_list.status_code == 400 and "请用筛选条件" in text(deep_list)
    for page in ("0", "x"):
        bad = client.get("/search", query_string={"q": "商贸", "page": page})
        assert bad.status_code == 400
        assert "页码应为从 1 开始的整数。请从第 1 页开始浏览。" in text(bad) and "参数 page" not in text(bad)
    assert "页码应为从 1 开始的整数" in text(client.get("/lists/red", query_string={"page": 0}))


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


def test_long_profile_sections_link_to_all_records(short_sections):
    client = short_sections
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


# -- what a first-time user needs to see at once ---------------------------------------------------

def result_block(html: str, name: str) -> str:
    """The search result of one subject, by its name as shown."""
    for block in html.split('<li class="result">')[1:]:
        if name in re.sub(r"<[^>]+>", "", block.split("</h3>")[0]):
            return block
    raise AssertionError(f"{name} is not among the results")


def test_search_results_say_which_list_a_subject_is_on_and_its_colour(client):
    black = result_block(text(client.get("/search", query_string={"q": "长江建设"})), mini.CHANGJIANG[0])
    flag = '<li class="flag flag-black"><strong>黑名单</strong> · 严重违法失信企业</li>'
    assert flag in black
    assert black.index(flag) < black.index('class="counts"')   # before the counts, not below them
    red = result_block(text(client.get("/search", query_string={"q": "平安银行"})), mini.PINGAN[0])
    # Only the entry still on the list (the removed A级纳税人 entry is not).
    assert re.findall(r'<li class="flag flag-(\w+)"><strong>(.+?)</strong> · (.+?)</li>', red) == \
        [("red", "红名单", "守合同重信用企业")]
    shop = result_block(text(client.get("/search", query_string={"q": "便利店"})), "便利店")
    assert '<li class="flag flag-focus"><strong>重点关注名单</strong> · 经营异常名录</li>' in shop
    plain = result_block(text(client.get("/search", query_string={"q": "测试00商贸"})), mini.TRADERS[0][0])
    assert "list-flags" not in plain


def test_profile_header_shows_list_memberships(client):
    html = text(client.get(f"/subjects/{mini.CHANGJIANG[1]}"))
    header = html[html.index('<header class="profile-head">'):html.index("</header>", html.index("profile-head"))]
    assert '<li class="flag flag-black"><strong>黑名单</strong> · 严重违法失信企业</li>' in header
    guanggu = text(client.get(f"/subjects/{mini.GUANGGU[1]}"))
    assert '<li class="flag flag-red"><strong>红名单</strong> · A级纳税人</li>' in guanggu


def test_memberships_are_worst_first_and_end_with_their_window():
    from portal.lookups import memberships

    doc = {"lists": [{"type": "red", "type_label": "红名单", "name": "A级纳税人", "until": "2030-01-01"},
                     {"type": "focus", "type_label": "重点关注名单", "name": "经营异常名录", "until": "2030-01-01"},
                     {"type": "black", "type_label": "黑名单", "name": "失信被执行人", "until": "2026-03-31"}]}
    assert [m["type"] for m in memberships(doc, TODAY.replace(year=2026, month=3, day=31))] == ["black", "focus", "red"]
    assert [m["type"] for m in memberships(doc, TODAY.replace(year=2026, month=4, day=1))] == ["focus", "red"]
    assert memberships({}, TODAY) == []   # a subject entry written before memberships were recorded


def test_home_list_cards_show_their_entry_counts(client):
    html = text(client.get("/"))
    tiles = dict(re.findall(r'<li class="tile tile-(\w+)">.*?<span class="tile-count"><strong>(\d+)</strong> 条列入信息',
                            html, re.DOTALL))
    # 红: 光谷, 平安 (守合同); 黑: 长江, 赵六 (失信被执行人; 王五's entry is not public); 重点关注: the shop.
    assert tiles == {"red": "2", "black": "2", "focus": "1"}


def test_too_many_requests_page_says_when_to_try_again(mini_instance):
    client = portal_app(mini_instance, RATELIMIT_ANONYMOUS="1/minute").test_client()
    assert client.get("/").status_code == 200
    refused = client.get("/lists/red")
    assert refused.status_code == 429
    wait = int(re.search(r"请在 (\d+) 秒后再试。", text(refused)).group(1))
    assert abs(wait - int(refused.headers["Retry-After"])) <= 1 and 0 < wait <= 60


def test_codes_and_document_numbers_are_kept_whole(client):
    black = text(client.get("/lists/black"))
    assert f'<dd class="whole">{mini.CHANGJIANG[1]}</dd>' in black
    profile = text(client.get(f"/subjects/{mini.CHANGJIANG[1]}"))
    assert f'<dd class="code">{mini.CHANGJIANG[1]}</dd>' in profile
    assert '<h3 class="record-title whole">' in profile                   # titled by its document number
    link = re.search(r'<a href="(/records/[^"]+)">武市监罚〔', profile).group(1)
    detail = text(client.get(link))
    assert re.search(r'<dt>行政处罚决定书文号</dt><dd class="whole">武市监罚〔\d+〕2号</dd>', detail)
    assert f'<dd class="whole">{mini.DEPT_ENV[1]}</dd>' in detail       # the department's code
    assert '<dt>违法事实</dt><dd>' in detail                                  # text wraps as text
    assert re.search(r'<a href="/records/[^"]+" class="whole">', text(client.get("/")))


def renamed_app(settings, catalog, folder):
    """The portal over the renamed subjects of the contract suite (where a former name matches)."""
    from credit.search.embedded import EmbeddedIndex
    from tests.contract import builders, test_one_name

    index = EmbeddedIndex(folder / "search.tantivy")
    index.upsert(builders.publish_rows(test_one_name.rows(), catalog, TODAY))
    index.refresh()
    app = portal_app(settings)
    app.extensions["credit_index"] = index
    return app


@pytest.fixture()
def renamed_client(mini_instance, catalog, tmp_path):
    app = renamed_app(mini_instance, catalog, tmp_path)
    yield app.test_client()
    app.extensions["credit_index"].close()


def test_a_former_name_match_is_marked_and_labelled(renamed_client):
    from tests.contract.test_one_name import CURRENT, RENAMED, SPLIT

    html = text(renamed_client.get("/search", query_string={"q": "安信"}))
    assert sorted(results_names(html)) == sorted([CURRENT, RENAMED])   # not 湖北信达建材 (信 and 安 in two names)
    assert SPLIT not in html
    renamed = result_block(html, RENAMED)
    assert f'{RENAMED}</a></h3>' in renamed and "<mark>" not in renamed.split("</h3>")[0]   # nothing marked
    assert '<p class="former former-match">曾用名：武汉<mark>安信</mark>科技有限公司</p>' in renamed
    current = result_block(html, CURRENT)
    assert "<mark>安信</mark>证券股份有限公司" in current and "former-match" not in current


def test_former_names_are_escaped_and_only_the_matched_one_marked():
    from portal.present import _former_names

    item = {"former_names": ["武汉<b>甲</b>商行", "丙&丁有限公司"], "matched_former_name": "丙&丁有限公司",
            "former_highlight": "<mark>丙</mark>&amp;丁有限公司"}
    assert _former_names(item) == "武汉&lt;b&gt;甲&lt;/b&gt;商行；<mark>丙</mark>&amp;丁有限公司"
    item["matched_former_name"] = None
    assert _former_names(item) == "武汉&lt;b&gt;甲&lt;/b&gt;商行；丙&amp;丁有限公司"
