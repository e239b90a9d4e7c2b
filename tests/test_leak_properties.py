"""Personal data never leaks into a public document, however a source department wrote it (SPEC §4).

Secrets are written as an attacker would (tests/leakgen.py): grouped, prefixed, full-width,
traditional, with zero-width characters, into every shown text field of licences, penalties and
list entries of organisations, sole traders and natural persons. A secret leaks when its canonical
form can be found in any one string of any public document (`leakgen.leaks`)."""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, note, settings

from credit.codes import is_citizen_id, is_luhn_valid, is_uscc, luhn_check_digit
from credit.documents import subject_documents
from credit.regions import region_label, region_path
from credit.search import RecordQuery, SubjectQuery, open_index
from indexer.validate import identity, subject_key, validate_row
from tests import leakgen
from tests.conftest import TODAY, ingest_into, make_settings, walk
from tests.contract.builders import Row
from tests.leakgen import ORG, PERSON, SOLE_TRADER, Secret, full_width, with_id_check

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def publish_rows(rows: list[tuple[str, dict]], catalog) -> list[dict]:
    """Every public document of these rows, built the way ingest builds them."""
    by_subject: dict[str, list[Row]] = defaultdict(list)
    for kind_name, raw in rows:
        kind = catalog.kinds[kind_name]
        values = validate_row(kind, raw, TODAY)
        key = subject_key(values)
        by_subject[key].append(Row(identity(kind, values), kind_name, key, values["subject_type"], values))
    return [doc for key, records in by_subject.items() for doc in subject_documents(key, records, catalog, TODAY).docs]


def unlawful(docs: list[dict], catalog) -> list[str]:
    """Ids of natural persons' documents that may not be public at all."""
    return [d["id"] for d in docs if d.get("subject_type") == PERSON
            and (d["kind"] != "list" or not catalog.natural_persons_public(d.get("list_name") or ""))]


def assert_nothing_recoverable(docs: list[dict], secrets: list[Secret]) -> None:
    found = leakgen.leaks(docs, secrets)
    assert not found, f"{len(found)} leak(s):\n" + "\n".join(found[:40])


# -- the property --------------------------------------------------------------------------------------

@PROPERTY
@given(case=leakgen.subject_cases(TODAY))
def test_no_secret_is_recoverable_from_any_public_document(case, catalog):
    note("rows:\n" + "\n".join(f"{kind}: {raw!r}" for kind, raw in case.rows))
    docs = publish_rows(case.rows, catalog)
    assert_nothing_recoverable(docs, case.secrets)
    assert not unlawful(docs, catalog)


@PROPERTY
@given(text=leakgen.strategy(leakgen.filler_text))
def test_ordinary_text_is_shown_exactly_as_written(text, catalog):
    fields = _fields(sole_trader_licence(content=text, remarks=text), catalog)
    assert (fields["content"], fields["remarks"]) == (text, text)
    assert _fields(organisation_penalty(facts=text), catalog)["facts"] == text


# -- a real ingest ---------------------------------------------------------------------------------------

def indexed_documents(settings) -> list[dict]:
    """Every document the index answers with, and every term the index holds (its name fields and
    lookup fields too), one dict per term."""
    index = open_index(settings)
    try:
        docs = [hit.doc for hit in walk(index.search_records, RecordQuery(size=100, today=TODAY))]
        docs += [hit.doc for hit in walk(index.search_subjects, SubjectQuery(size=100, today=TODAY))]
        terms = [{"doc_type": f"field {field}", "id": number, "term": term}
                 for number, (field, term) in enumerate(index.indexed_terms())]
    finally:
        index.close()
    return docs + terms


def test_no_secret_is_recoverable_after_a_real_ingest(tmp_path, catalog, monkeypatch):
    monkeypatch.setenv("CREDIT_INGEST_WORKERS", "1")
    cases = leakgen.data_set(seed=11, rows=300, today=TODAY)
    leakgen.write_csvs(tmp_path / "source", cases, catalog)
    settings = make_settings(tmp_path)
    report = ingest_into(settings, [str(tmp_path / "source")])
    assert report.total("rejected") == 0, report.rejections[:5]
    docs = indexed_documents(settings)
    records = [d for d in docs if d.get("doc_type") == "record"]
    assert {d["subject_type"] for d in records} == {ORG, SOLE_TRADER, PERSON} and len(records) > 150
    assert_nothing_recoverable(docs, [s for case in cases for s in case.secrets])
    assert not unlawful(records, catalog)



def report_texts(settings) -> list[dict]:
    """The text of every subject's public credit report (PDF), as a reader's tools extract it."""
    import io

    from pypdf import PdfReader

    from portal import create_app

    app = create_app({"TESTING": True, "CREDIT_SETTINGS": settings, "TODAY": TODAY,
                      "RATELIMIT_ANONYMOUS": "100000/minute"})
    client = app.test_client()
    codes = [hit.doc["code"] for hit in walk(app.extensions["credit_index"].search_subjects,
                                             SubjectQuery(size=100, today=TODAY))]
    docs = []
    for code in codes:
        response = client.get(f"/subjects/{code}/report.pdf")
        assert response.status_code == 200, code
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
        docs.append({"doc_type": "report", "id": code, "text": text})
    return docs


def test_no_secret_is_recoverable_from_the_public_credit_reports(tmp_path, catalog, monkeypatch):
    monkeypatch.setenv("CREDIT_INGEST_WORKERS", "1")
    cases = leakgen.data_set(seed=12, rows=60, today=TODAY)
    leakgen.write_csvs(tmp_path / "source", cases, catalog)
    settings = make_settings(tmp_path, ratelimit_reports="100000/minute")
    report = ingest_into(settings, [str(tmp_path / "source")])
    assert report.total("rejected") == 0, report.rejections[:5]
    docs = report_texts(settings)
    assert len(docs) > 10
    assert_nothing_recoverable(docs, [s for case in cases for s in case.secrets])

# -- one spelling at a time, so a failure names it ------------------------------------------------------

OPERATOR = "张小明"
SHOP_CODE = leakgen.uscc("92", "420111", "MA4K3B7C9")
ID = with_id_check("42010219900307123")
ID_X = next(n for n in (with_id_check(f"42010619851122{s:03d}") for s in range(1000)) if n.endswith("X"))
ID15 = "420102850307123"
MOBILE = "13912345678"
def luhn(body: str) -> str:
    return body + luhn_check_digit(body)


CARD, CARD13, AMEX = luhn("622202123456789"), luhn("400123456789"), luhn("37123456789012")
ACCOUNT = "88020156473905"
ADDRESS, ROAD = "武汉市洪山区樱桃路12号3栋2单元501室", "樱桃路12号"


def _groups(number: str, sizes, sep: str) -> str:
    return sep.join(leakgen.split(number, sizes))


NUMBER_SPELLINGS = [
    # label, text written into 备注, the secret's canonical forms
    ("id-plain", f"经查{ID}，", ID),
    ("id-spaces-6-8-4", f"证件 {_groups(ID, (6, 8, 4), ' ')} 。", ID),
    ("id-dashes", f"号码{_groups(ID, (6, 8, 4), '-')}", ID),
    ("id-dots", f"号码{_groups(ID, (6, 4, 4, 4), '.')}", ID),
    ("id-full-width-digits", f"号码{full_width(ID)}", ID),
    ("id-full-width-separators", f"号码{_groups(full_width(ID), (6, 8, 4), '－')}", ID),
    ("id-ideographic-spaces", f"号码{_groups(ID, (6, 8, 4), chr(0x3000))}", ID),
    ("id-after-sfz", f"当事人sfz{ID}，", ID),
    ("id-after-身份证号-colon", f"身份证号:{ID}", ID),
    ("id-trailing-X", f"身份证号码{ID_X}", ID_X),
    ("id-trailing-lower-x", f"身份证号码{ID_X[:-1]}x", ID_X),
    ("id-full-width-X", f"身份证号码{full_width(ID_X)}", ID_X),
    ("id-15-digits", f"原身份证号{ID15}", ID15),
    ("id-15-digits-grouped", f"原身份证号{_groups(ID15, (6, 6, 3), ' ')}", ID15),
    ("mobile-plain", f"联系人{MOBILE}，", MOBILE),
    ("mobile-spaces", f"联系人{_groups(MOBILE, (3, 4, 4), ' ')}", MOBILE),
    ("mobile-dashes", f"联系人{_groups(MOBILE, (3, 4, 4), '-')}", MOBILE),
    ("mobile-dots", f"联系人{_groups(MOBILE, (3, 4, 4), '.')}", MOBILE),
    ("mobile-4-4-3", f"联系人{_groups(MOBILE, (4, 4, 3), '-')}", MOBILE),
    ("mobile-ideographic-spaces", f"联系人{_groups(MOBILE, (3, 4, 4), chr(0x3000))}", MOBILE),
    ("mobile-+86", f"联系人+86{MOBILE}", MOBILE),
    ("mobile-+86-spaced", f"联系人+86 {_groups(MOBILE, (3, 4, 4), ' ')}", MOBILE),
    ("mobile-0086", f"联系人0086-{MOBILE}", MOBILE),
    ("mobile-86", f"联系人86{MOBILE}", MOBILE),
    ("mobile-full-width", f"联系人{full_width('+86 139-1234-5678')}", MOBILE),
    ("mobile-after-tel", f"tel{MOBILE}", MOBILE),
    ("landline-parentheses", "联系(027)87654321", ("2787654321", "87654321")),
    ("landline-full-width-parentheses", "联系（027）87654321", ("2787654321", "87654321")),
    ("landline-dash-space", "联系027-8765 4321", ("2787654321", "87654321")),
    ("landline-space", "联系027 87654321", ("2787654321", "87654321")),
    ("landline-plain", "联系02787654321", ("2787654321", "87654321")),
    ("landline-+86", "联系+86-27-87654321", ("2787654321", "87654321")),
    ("landline-full-width", f"联系{full_width('027-87654321')}", ("2787654321", "87654321")),
    ("landline-4-digit-area-7-digit-local", "联系0716-8765432", ("7168765432", "8765432")),
    ("landline-010", "联系010-87654321", ("1087654321", "87654321")),
    ("local-after-电话", "电话：87654321", "87654321"),
    ("local-after-座机", "座机 8765-4321", "87654321"),
    ("local-after-联系方式", "联系方式87654321", "87654321"),
    ("local-after-联系电话", "联系电话:8765 4321", "87654321"),
    ("local-after-手机", "手机 87654321", "87654321"),
    ("local-after-传真", "传真：8765432", "8765432"),
    ("local-after-电话-later-in-clause", "电话号码为本店座机8765 4321", "87654321"),
    ("card-plain", f"转账至{CARD}", CARD),
    ("card-spaced", f"转账至{_groups(CARD, (4, 4, 4, 4), ' ')}", CARD),
    ("card-dashes", f"转账至{_groups(CARD, (4, 4, 4, 4), '-')}", CARD),
    ("card-full-width", f"转账至{full_width(_groups(CARD, (4, 4, 4, 4), ' '))}", CARD),
    ("card-13-digits", f"转账至{CARD13}", CARD13),
    ("card-15-digits", f"转账至{AMEX}", AMEX),
    ("account-after-账号", f"账号：{_groups(ACCOUNT, (4, 4, 4, 2), ' ')}", ACCOUNT),
    ("account-after-帐号", f"帐号{ACCOUNT}", ACCOUNT),
    ("account-after-账户", f"账户 {_groups(ACCOUNT, (7, 7), '-')}", ACCOUNT),
    ("account-after-卡号", f"卡号：{ACCOUNT}", ACCOUNT),
    ("account-after-银行卡", f"银行卡{ACCOUNT}", ACCOUNT),
    ("account-after-开户行", f"开户行：工商银行武汉分行 {ACCOUNT}", ACCOUNT),
    ("account-8-digits", "账号：8802 0156", "88020156"),
    ("address-after-住址", f"住址：{ADDRESS}，经查", ROAD),
    ("address-after-家庭住址", f"家庭住址{ADDRESS}", ROAD),
    ("address-after-居住地址", f"居住地址为{ADDRESS}；", ROAD),
    ("address-after-居住地", f"居住地 {ADDRESS}。", ROAD),
    ("address-after-户籍地", f"户籍地：{ADDRESS}", ROAD),
    ("address-traditional", "住址：武漢市洪山區櫻桃路12號3棟", ROAD),
    ("address-full-width-digits", f"住址：武汉市洪山区樱桃路{full_width('12')}号", ROAD),
]

NAME_SPELLINGS = [
    # label, the operator as the 法定代表人 column holds it, text written into 备注
    ("name-plain", "张小明", "张小明"),
    ("name-spaces", "张小明", "张 小 明"),
    ("name-ideographic-space", "张小明", "张\u3000小明"),
    *((f"name-zero-width-U+{ord(zw):04X}", "张小明", f"张{zw}小明") for zw in leakgen.ZERO_WIDTH),
    ("name-traditional", "张小明", "張小明"),
    ("name-traditional-in-the-column", "張小明", "张小明"),
    ("name-spaced-in-the-column", "张 小明", "张小明"),
    ("name-compatibility-characters", "张小明", "张⼩明"),
    ("name-given-alone", "张小明", "小明"),
    ("name-given-alone-traditional", "陈国华", "國華"),
    ("name-traditional-陳國華", "陈国华", "陳國華"),
    ("name-two-characters-traditional", "刘丽", "劉麗"),
    ("name-compound-surname", "欧阳小明", "欧阳小明"),
    ("name-compound-surname-given-alone", "欧阳小明", "小明"),
]


def _canonicals(secret) -> tuple[str, ...]:
    return (secret,) if isinstance(secret, str) else secret


def sole_trader_licence(operator: str = OPERATOR, **fields) -> tuple[str, dict]:
    return "licence", {
        "subject_name": "洪山区恒通便利店", "subject_type": SOLE_TRADER, "code_uscc": SHOP_CODE, "legal_rep": operator,
        "doc_name": "食品经营许可决定书", "doc_no": "鄂许〔2026〕1号", "licence_category": "普通",
        "content": "预包装食品销售", "decided_on": _ago(30), "valid_from": _ago(30), "valid_to": _ago(-900),
        "authority": leakgen.DEPARTMENTS[0], "authority_code": leakgen.DEPT_CODES[leakgen.DEPARTMENTS[0]],
        "status": "有效", "source_dept": leakgen.DEPARTMENTS[0], "source_dept_code": leakgen.DEPT_CODES[leakgen.DEPARTMENTS[0]],
        **fields}


def organisation_penalty(**fields) -> tuple[str, dict]:
    dept = leakgen.DEPARTMENTS[0]
    return "penalty", {
        "subject_name": "武汉恒通商贸有限公司", "subject_type": ORG, "code_uscc": leakgen.LEGIT_USCC,
        "doc_no": "武市监罚〔2026〕7号", "violation_type": "虚假宣传", "facts": "发布虚假广告", "basis": "《广告法》第五十五条",
        "penalty_types": "罚款", "content": "罚款人民币一万元", "decided_on": _ago(30), "authority": dept,
        "authority_code": leakgen.DEPT_CODES[dept], "source_dept": dept, "source_dept_code": leakgen.DEPT_CODES[dept],
        **fields}


def person_list_entry(name: str, number: str, list_name: str = "失信被执行人", **fields) -> tuple[str, dict]:
    return "list", {
        "list_type": "黑名单", "list_name": list_name, "subject_name": name, "subject_type": PERSON, "id_no": number,
        "reason": "拒不履行生效法律文书确定的义务", "basis": leakgen.LIST_BASES[1], "authority": "武汉市中级人民法院",
        "decided_on": _ago(30), "source_dept": "武汉市中级人民法院", **fields}


def _ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def _fields(row: tuple[str, dict], catalog) -> dict:
    (doc,) = [d for d in publish_rows([row], catalog) if d["doc_type"] == "record"]
    return doc["fields"]


@pytest.mark.parametrize("text, secret", [pytest.param(t, s, id=label) for label, t, s in NUMBER_SPELLINGS])
def test_number_and_address_spellings_are_masked(text, secret, catalog):
    docs = publish_rows([sole_trader_licence(remarks=text)], catalog)
    assert docs, "the record must stay public"
    assert_nothing_recoverable(docs, [Secret("spelling", text, text, _canonicals(secret))])


@pytest.mark.parametrize("operator, text", [pytest.param(o, t, id=label) for label, o, t in NAME_SPELLINGS])
def test_operator_name_spellings_are_masked(operator, text, catalog):
    name = leakgen.canonical_text(operator)
    docs = publish_rows([sole_trader_licence(operator, remarks=f"经营者{text}，责令改正", content=f"{text}经营")], catalog)
    assert docs, "the record must stay public"
    assert_nothing_recoverable(docs, [Secret("name", name, text, leakgen.name_canonicals(name))])
    shown = docs[0]["fields"]["legal_rep"]
    assert shown.startswith(operator[:leakgen.surname_length(name)]) and "*" in shown


def test_operator_is_masked_on_the_sole_traders_list_entry(catalog):
    entry = ("list", {"list_type": "重点关注名单", "list_name": "经营异常名录", "subject_name": "洪山区恒通便利店",
                      "subject_type": SOLE_TRADER, "code_uscc": SHOP_CODE, "reason": "经营者張 小明未按期年报",
                      "basis": "《企业信息公示暂行条例》", "authority": "武汉市市场监督管理局", "decided_on": _ago(10),
                      "source_dept": "武汉市市场监督管理局"})
    docs = publish_rows([sole_trader_licence(), entry], catalog)
    assert any(d.get("kind") == "list" for d in docs)
    assert_nothing_recoverable(docs, [Secret("name", OPERATOR, "張 小明", leakgen.name_canonicals(OPERATOR))])


def test_operator_registered_under_the_own_name_is_masked(catalog):
    docs = publish_rows([sole_trader_licence("", subject_name="張小明", remarks="张小明的店")], catalog)
    assert docs
    assert_nothing_recoverable(docs, [Secret("name", OPERATOR, "張小明", leakgen.name_canonicals(OPERATOR))])


def test_natural_persons_licences_and_penalties_are_not_public(catalog):
    person = {"subject_name": "张小明", "subject_type": PERSON, "code_uscc": "", "legal_rep": "", "id_no": ID}
    licence = (sole_trader_licence(**person, doc_no="鄂许〔2026〕2号"))
    penalty = organisation_penalty(**person)
    assert publish_rows([licence, penalty], catalog) == []


def test_natural_persons_entry_on_an_unpublished_list_is_not_public(catalog):
    assert publish_rows([person_list_entry("张小明", ID, list_name="严重违法失信企业")], catalog) == []


def test_natural_persons_list_entry_shows_the_name_and_a_masked_id_only(catalog):
    reason = (f"被执行人王建新（身份证号{_groups(ID, (6, 8, 4), ' ')}）拒不履行，联系电话+86 139 1234 5678，"
              f"银行卡{_groups(CARD, (4, 4, 4, 4), '-')}，住址：{ADDRESS}")
    docs = publish_rows([person_list_entry("王建新", ID, reason=reason, basis=f"号码{full_width(ID)}")], catalog)
    (doc,) = docs
    assert doc["subject_name"] == "王建新" and doc["fields"]["id_no"] == ID[:6] + "********" + ID[-4:]
    secrets = [Secret("id", ID, reason, (ID,)), Secret("mobile", MOBILE, reason, (MOBILE,)),
               Secret("card", CARD, reason, (CARD,)), Secret("address", ADDRESS, reason, (ROAD,))]
    assert_nothing_recoverable(docs, secrets)


# -- what is not personal data stays as written ---------------------------------------------------------

@pytest.mark.parametrize("text", [*leakgen.LEGIT, f"于{leakgen.LEGIT_DATES[1]}依法{leakgen.LEGIT_AMOUNT}"],
                         ids=lambda t: t)
def test_legitimate_text_is_shown_exactly_as_written(text, catalog):
    sentence = f"经查，{text}，责令改正"
    fields = _fields(sole_trader_licence(content=sentence, remarks=text, licence_no=text), catalog)
    assert (fields["content"], fields["remarks"], fields["licence_no"]) == (sentence, text, text)
    fields = _fields(organisation_penalty(facts=sentence, doc_no=leakgen.LEGIT_DOC_NO), catalog)
    assert (fields["facts"], fields["doc_no"]) == (sentence, leakgen.LEGIT_DOC_NO)


# -- the generators make what they claim ------------------------------------------------------------------

def test_secret_characters_never_occur_in_public_text():
    regions = [region_label(region_path(leakgen.uscc("91", r, "000000001"))) for r in leakgen.REGIONS]
    public = set("".join((*leakgen.PUBLIC_STRINGS, *regions)))
    assert not set(leakgen.SECRET_CHARS) & public
    assert not set(leakgen.PUBLIC_SURNAMES + leakgen.PUBLIC_GIVEN) & set(leakgen.SECRET_CHARS)
    ascii_alnum = lambda c: c.isascii() and c.isalnum()
    assert not any(ascii_alnum(p[0]) or ascii_alnum(p[-1]) for p in leakgen.FILLER)
    assert not any(word in "".join(leakgen.FILLER)
                   for word in ("撤销", "电话", "手机", "账", "帐", "卡号", "住址", "户籍", "@", "qq", "微信", "住", "银行",
                                "结算户", "汇入", "拨打", "致电", "扣扣", "#"))


@PROPERTY
@given(case=leakgen.subject_cases(TODAY))
def test_generated_rows_are_valid_and_their_numbers_real(case, catalog):
    for kind_name, raw in case.rows:
        validate_row(catalog.kinds[kind_name], raw, TODAY)
    for secret in case.secrets:
        value = secret.value
        assert leakgen.canonical_text(secret.written), secret
        if secret.kind == "id":
            # × or * for the X, and a separator before it (…261-X), as clerks write it
            written = re.sub(r"[\W_]*[×*x]$", "x", leakgen.canonical_text(secret.written))
            assert is_citizen_id(value) and written.endswith(value.lower())
        elif secret.kind == "card":
            assert is_luhn_valid(value) and 13 <= len(value) <= 19
        elif secret.kind == "name":
            assert leakgen.canonical_text(secret.written).find(leakgen.canonical_text(secret.canonicals[-1])) >= 0
    assert all(is_uscc(raw["code_uscc"]) for _, raw in case.rows if raw.get("code_uscc"))
