"""Personal data that arrives where an organisation's data is expected (SPEC §4): a citizen ID
number in a registered-code column, an operator written with a label or as several names, a
sole trader registered under its operator's name, a list entry's number for someone who is not a
natural person, a clerk's telephone number in a department's name."""
import json
from types import SimpleNamespace

import pytest

from credit import stats
from credit.catalog import load_catalog
from credit.codes import holds_citizen_id, registered_code, regno_check_char
from credit.db import session_factory
from credit.documents import subject_documents
from credit.search import RecordQuery, SubjectQuery, open_index
from tests.conftest import TODAY, ingest_into, make_settings
from tests.portal.mini import citizen_id, uscc
from tests.test_ingest import DEPT, penalty_row, write_csv
from tests.test_leak_properties import indexed_documents

DEFAULT = load_catalog("default")
OPERATOR_ID = citizen_id("42010219850612345")
SHOP = uscc("92420111MA4K77777")


def regno(body14: str) -> str:
    return body14 + regno_check_char(body14)


@pytest.mark.parametrize("code, personal", [
    (OPERATOR_ID, True),
    (OPERATOR_ID + "01", True),                    # a sole trader's tax number: the operator's, and two digits
    ("420102850612123", True),                     # a 15-digit ID number (birth date 1985-06-12)
    (regno("42010285061212"), False),              # a valid registration number, whatever its digits look like
    (SHOP, False),
    ("420102" + "19851340" + "1234", False),       # no birth date: month 13
    ("420102-19850612-345" + OPERATOR_ID[-1], True),   # separators a clerk typed
    ("SFZ" + OPERATOR_ID + "(个体)", True),
    (OPERATOR_ID + "0001", True),
    ("42010285061212301", True),                   # a 15-digit ID number and two digits
    ("MA4K12345", False),
    ("", False),
])
def test_which_code_cells_hold_a_citizen_id_number(code, personal):
    assert holds_citizen_id(code) is personal


def test_a_code_column_holding_an_id_number_is_never_the_public_code():
    assert registered_code({"code_tax": OPERATOR_ID}) == ""
    assert registered_code({"code_regno": OPERATOR_ID, "code_org": "MA4K12345"}) == "MA4K12345"
    assert registered_code({"code_uscc": SHOP, "code_tax": OPERATOR_ID}) == SHOP


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "instance")


def published(settings) -> str:
    return json.dumps(indexed_documents(settings), ensure_ascii=False)


def test_an_id_number_in_a_code_column_reaches_no_public_document(tmp_path, settings):
    codes = {"行政相对人代码_2（工商注册号）": "", "行政相对人代码_4（税务登记号）": "", "法定代表人": ""}
    only_id = penalty_row(**{**codes, "行政相对人名称": "洪山区国华副食店", "行政相对人类别": "个体工商户",
                             "行政相对人代码_1（统一社会信用代码）": "", "行政相对人代码_4（税务登记号）": OPERATOR_ID,
                             "法定代表人": "陈国华", "行政处罚决定书文号": "罚1"})
    beside_uscc = penalty_row(**{**codes, "行政处罚决定书文号": "罚2",
                                 "行政相对人代码_2（工商注册号）": "420111197912034567"})
    report = ingest_into(settings, [str(write_csv(tmp_path / "p.csv", [only_id, beside_uscc]))], TODAY).as_json()
    assert report["accepted"] == 2
    text = published(settings)
    assert OPERATOR_ID not in text and "420111197912034567" not in text
    assert OPERATOR_ID[:10] not in text and "4201111979" not in text
    index = open_index(settings)
    # The shop has no public subject page (no code it may be known by); its penalty stays public.
    [shop] = [h.doc for h in index.search_records(RecordQuery(today=TODAY)).hits if h.doc["title"] == "罚1"]
    assert shop["subject_code"] is None and shop["subject_name"] == "洪山区**副食店"
    assert index.search_subjects(SubjectQuery(code=OPERATOR_ID, today=TODAY)).total == 0
    # The company keeps its USCC as its public code; the ID number beside it is not shown.
    [company] = index.search_subjects(SubjectQuery(text="光谷科技", today=TODAY)).hits
    assert company.doc["codes"] == [penalty_row()["行政相对人代码_1（统一社会信用代码）"]]


def test_a_registration_number_stays_public(tmp_path, settings):
    code = regno("42010285061212")
    row = penalty_row(**{"行政相对人代码_1（统一社会信用代码）": "", "行政相对人代码_2（工商注册号）": code})
    ingest_into(settings, [str(write_csv(tmp_path / "p.csv", [row]))], TODAY)
    [hit] = open_index(settings).search_subjects(SubjectQuery(text="光谷科技", today=TODAY)).hits
    assert hit.doc["code"] == code


def test_the_department_name_on_the_public_statistics_is_masked(tmp_path, settings):
    noted = "武汉市市场监督管理局（经办人手机13955556666）"
    rows = [penalty_row(**{"数据来源单位": noted, "处罚决定日期": f"{TODAY.year}-01-05"})]
    ingest_into(settings, [str(write_csv(tmp_path / "p.csv", rows))], TODAY)
    with session_factory(settings.database_url)() as db:
        public = stats.compute(db, DEFAULT, TODAY.year, public_only=True)
        staff = stats.compute(db, DEFAULT, TODAY.year)
    assert "13955556666" not in public.departments[DEPT] and public.departments[DEPT].startswith("武汉市市场监督管理局")
    assert staff.departments[DEPT] == noted


# -- documents built from records --------------------------------------------------------------------

def record(n: int, **values):
    values = {"subject_type": "个体工商户", "decided_on": "2026-03-05", "penalty_types": ["罚款"], "severity": "一般",
              "procedure": "普通程序", "code_uscc": SHOP, "doc_no": f"罚{n}", "source_dept": "市场监管局", **values}
    return SimpleNamespace(identity=str(n), public_id=f"p{n}", kind="penalty", subject_key=SHOP,
                           subject_type=values["subject_type"], values=values, revoked=False, objection=None,
                           repaired_on=None)


def shown(*records) -> str:
    return json.dumps(subject_documents(SHOP, list(records), DEFAULT, TODAY).docs, ensure_ascii=False)


@pytest.mark.parametrize("operator, remarks, hidden", [
    ("经营者：刘丽萍", "刘丽萍已整改", ["刘丽萍", "丽萍"]),
    ("刘丽萍（经营者）", "经营者刘丽萍已整改", ["刘丽萍"]),
    ("黄伟、黄晓燕", "经营者黄晓燕，黄伟", ["黄伟", "黄晓燕"]),
    ("阿依古丽·买买提", "经营者阿依古丽未按规定公示，买买提到场", ["阿依古丽", "买买提"]),
    ("阿依古丽·买买提", "经营者阿依古丽•买买提", ["阿依古丽", "买买提"]),
    ("黄俊杰和黄雅琴", "黄雅琴到场", ["黄雅琴"]),
    ("热依拉-吐尔逊", "经营者热依拉未按规定公示", ["热依拉"]),
    ("经营者姓名：覃海燕", "覃海燕已整改", ["覃海燕"]),
    ("覃冬梅 等", "覃冬梅已整改", ["覃冬梅"]),
    ("王和平", "王和平已整改", ["王和平"]),
])
def test_every_name_an_operator_cell_holds_is_masked(operator, remarks, hidden):
    text = shown(record(1, subject_name="洪山区丽萍餐馆", legal_rep=operator, remarks=remarks))
    assert not any(name in text for name in hidden), text


@pytest.mark.parametrize("name, hidden", [
    ("罗 晓 静", "晓"), ("欧阳 晓 静", "晓"), ("谢婷（个体工商户）", "婷"), ("个体户赵敏静", "敏"),
    ("阿依古丽·买买提", "依古丽"), ("谢雨欣个体户", "雨欣"), ("谢梦琪【个体工商户】", "梦琪"),
    ("个体工商户（谢梦蝶）", "梦蝶"), ("謝夢婷（個體工商戶）", "夢婷"),
])
def test_a_sole_trader_named_after_its_operator_shows_only_the_surname(name, hidden):
    text = shown(record(1, subject_name=name, facts=f"{name.split('（')[0]}销售过期食品"))
    assert hidden not in text, text


def test_a_shop_name_is_not_taken_for_a_person():
    assert "国华副食店" in shown(record(1, subject_name="洪山区国华副食店"))


def test_a_list_entry_shows_a_masked_number_for_natural_persons_only():
    def entry(subject_type: str):
        values = {"subject_type": subject_type, "decided_on": "2026-03-05", "list_type": "黑名单",
                  "list_name": "严重违法失信企业", "subject_name": "某某", "id_no": OPERATOR_ID, "code_uscc": SHOP,
                  "reason": "r", "basis": "b", "department": "d", "source_dept": "市场监管局", "doc_no": "L1"}
        return SimpleNamespace(identity="l", public_id="l1", kind="list", subject_key=SHOP, subject_type=subject_type,
                               values=values, revoked=False, objection=None, repaired_on=None)
    from credit.documents import record_document
    organisation = record_document(entry("法人及非法人组织"), DEFAULT, TODAY)
    assert organisation is not None and "id_no" not in organisation["fields"]
    debtor = entry("自然人")
    debtor.values["list_name"] = "失信被执行人"
    person = record_document(debtor, DEFAULT, TODAY)
    assert person is not None and person["fields"]["id_no"] == OPERATOR_ID[:6] + "********" + OPERATOR_ID[-4:]
