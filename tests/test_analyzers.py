"""Normalization and tokenization: the same terms at index time and at query time."""
from analyzers import analyze_name, analyze_query, highlight, normalize
from analyzers.names import core_name
from analyzers.tokenize import terms


def test_normalize_width_case_traditional_spaces():
    assert normalize("万  科Ａ") == "万科a"
    assert normalize("光穀科技") == "光谷科技"
    assert normalize("臺灣ＡＢＣ（集團）") == "台湾abc(集团)"


def test_region_and_company_form_terms_from_user_dictionary():
    t = terms(normalize("湖北省武汉市光谷科技股份有限公司"))
    assert {"湖北省", "武汉市", "光谷", "科技", "股份有限公司"} <= set(t)


def test_core_name_strips_regions_and_company_forms():
    assert core_name(normalize("珠海格力电器股份有限公司")) == "格力电器"
    assert core_name(normalize("湖北省武汉市光谷科技有限公司")) == "光谷科技"
    assert core_name(normalize("深圳市振业(集团)股份有限公司")) == "深圳市振业"
    assert core_name(normalize("平安银行股份有限公司")) == "平安银行"   # 平安 is also a county's name
    assert core_name(normalize("广州酒家集团股份有限公司")) == "广州酒家"


def test_query_and_name_agree():
    name = analyze_name("武汉市光谷科技有限公司")
    for text in ("光谷科技", "武汉光谷", "光穀科技", "光 谷 科 技"):
        q = analyze_query(text)
        assert set(q.required_chars) <= set(name.chars), text


def test_stock_decorations_are_optional():
    q = analyze_query("*ST康美")
    assert q.required_chars == ("康", "美")
    assert analyze_query("万  科Ａ").core == "万科"


def test_highlight_marks_matched_part_and_escapes():
    assert highlight("武汉市光谷科技<有限>公司", analyze_query("光穀科技")) == \
        "武汉市<mark>光谷科技</mark>&lt;有限&gt;公司"


def test_highlight_maps_matches_back_through_spaces_and_expanding_characters():
    # A space inside the match stays unmarked; ㈱ (NFKC: (株)) and ﬁ (fi) are marked whole.
    assert highlight("光谷 科技公司", analyze_query("光谷科技")) == "<mark>光谷</mark> <mark>科技</mark>公司"
    assert highlight("㈱光谷", analyze_query("光谷")) == "㈱<mark>光谷</mark>"
    assert highlight("ﬁ光谷&科技", analyze_query("fi光谷")) == "<mark>ﬁ光谷</mark>&amp;科技"
    assert highlight("光谷\u200b科技", analyze_query("光谷科技")) == "<mark>光谷</mark>\u200b<mark>科技</mark>"


def test_highlight_prefers_the_query_in_one_piece():
    assert highlight("武汉市武昌区第五小学", analyze_query("武汉")) == "<mark>武汉</mark>市武昌区第五小学"
    assert highlight("Ｔ光穀科技", analyze_query("光谷科技")) == "Ｔ<mark>光穀科技</mark>"
    # Scattered characters (an abbreviation) are marked one by one.
    assert highlight("深圳市振业集团", analyze_query("深振业")) == "<mark>深</mark>圳市<mark>振业</mark>集团"
