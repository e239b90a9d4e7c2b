"""What may never be collected is never stored: prohibited and unknown columns are dropped and
reported, minors' records are refused, and the row is kept as sent beside its normalized values."""
import json
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from credit.catalog import CATALOG_FILE, load_catalog
from credit.codes import id_check_char
from credit.models import row_as_sent
from credit.search import RecordQuery, open_index
from tests.conftest import ingest_into, make_settings
from tests.test_cli import indexer
from tests.test_ingest import COMPANY, TODAY, penalty_row, write_csv

CATALOG = load_catalog("default")
# Values of prohibited columns: none of them may be found anywhere after ingest.
SECRETS = {"宗教信仰": "某宗教甲乙丙", "月收入（元）": "88888.88", "既 往 病 史": "高血压丁戊己", "血型": "RH阴性庚辛",
           "房产": "洪山区某小区一栋壬癸"}


def citizen_id(born: str, region: str = "420102", seq: str = "123") -> str:
    body = region + born + seq
    return body + id_check_char(body)


def person_row(born: str, decided: str = "2026-03-05", doc_no: str = "鄂武市监罚〔2026〕7号", **over) -> dict:
    return penalty_row(**{"行政相对人名称": "李四", "行政相对人类别": "自然人", "行政相对人代码_1（统一社会信用代码）": "",
                          "证件类型": "身份证", "证件号码": citizen_id(born), "处罚决定日期": decided,
                          "行政处罚决定书文号": doc_no, **over})


def list_row(**over) -> dict:
    row = {"名单类型": "黑名单", "名单名称": "失信被执行人", "主体名称": "王五", "主体类别": "自然人",
           "证件号码": citizen_id("20090601"), "列入原因": "有履行能力而拒不履行",
           "认定依据": "《最高人民法院关于公布失信被执行人名单信息的若干规定》", "认定部门": "武汉市中级人民法院",
           "列入日期": "2026-05-01", "数据来源单位": "武汉市中级人民法院"}
    return {**row, **over}


def stored(settings) -> list[tuple[dict, dict | None]]:
    """(normalized values, row as sent) of every record, the row read back as the portal would."""
    conn = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"))
    rows = conn.execute('SELECT r."values", r.original, f.headers FROM records r '
                        "LEFT JOIN source_files f ON f.digest = r.source_digest ORDER BY r.identity").fetchall()
    return [(json.loads(v), row_as_sent(json.loads(v), json.loads(o or "null"), json.loads(h)) if h else None)
            for v, o, h in rows]


def instance_bytes(settings) -> bytes:
    """Every file of the instance (database, search index, their WAL files)."""
    folder = Path(settings.database_url.removeprefix("sqlite:///")).parent
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "instance")


# -- the catalogue ------------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["宗教信仰", "宗教", "基因信息", "指纹", "血型", "既往病史", "健康状况", "月收入",
                                    "月收入（元）", "月收入(元)", "年 收 入", "银行存款", "房产", "财产状况"])
def test_prohibited_headers_match_like_catalogue_headers(header):
    assert CATALOG.is_prohibited(header)


@pytest.mark.parametrize("header", ["罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）", "备注", "营业收入", "违法事实"])
def test_other_headers_are_not_prohibited(header):
    assert not CATALOG.is_prohibited(header)


def test_plan_sorts_a_files_headers_once():
    kind = CATALOG.kinds["penalty"]
    headers = ["行政相对人名称", "罚款金额", "宗教", "工资收入（元）", "联系人邮箱", "", "备注"]
    plan = CATALOG.plan_headers(kind, headers)
    assert plan.columns == {"行政相对人名称": "subject_name", "罚款金额": "fine_amount", "备注": "remarks"}
    assert (plan.prohibited, plan.unknown) == (("宗教", "工资收入（元）"), ("联系人邮箱",))


def test_plan_names_headers_that_fill_one_column():
    """The same name twice, or two names of one column: blank and unknown repeats are harmless."""
    headers = ["行政相对人代码_1", "备注", "行政相对人代码_1（统一社会信用代码）", "备注", "", "", "联系人", "联系人"]
    plan = CATALOG.plan_headers(CATALOG.kinds["penalty"], headers)
    assert plan.clashes == (("行政相对人代码_1", "行政相对人代码_1（统一社会信用代码）"), ("备注", "备注"))
    assert CATALOG.plan_headers(CATALOG.kinds["penalty"], ["备注", "", "", "联系人", "联系人"]).clashes == ()


def test_a_prohibited_name_may_not_be_a_catalogue_column(tmp_path):
    text = CATALOG_FILE.read_text(encoding="utf-8")
    clash = text.replace("prohibited_columns:\n", "prohibited_columns:\n  备注信息: [备注]\n", 1)
    path = tmp_path / "catalog.yaml"
    path.write_text(clash, encoding="utf-8")
    with pytest.raises(ValueError, match="备注"):
        load_catalog("default", str(path))


# -- prohibited and unknown columns -------------------------------------------------------------

def test_prohibited_columns_never_stored_indexed_or_reported(tmp_path, settings):
    good = {**penalty_row(), **SECRETS, "联系人邮箱": "clerk@example.cn"}
    bad = {**penalty_row(**{"处罚决定日期": "2026-13-45", "行政处罚决定书文号": "2"}), **SECRETS, "联系人邮箱": "x"}
    path = write_csv(tmp_path / "p.csv", [good, bad])
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    assert (data["accepted"], data["rejected"]) == (1, 1)
    assert data["files"][0]["dropped_columns"] == {"prohibited": list(SECRETS), "unknown": ["联系人邮箱"]}

    [(values, original)] = stored(settings)
    assert original == penalty_row()                       # known columns only, exactly as sent
    assert set(values) <= {c.key for c in CATALOG.kinds["penalty"].columns}
    report_text = json.dumps(data, ensure_ascii=False)
    everything = instance_bytes(settings)
    assert "武汉市光谷科技有限公司".encode() in everything  # the search below would find them
    for secret in [*SECRETS.values(), "clerk@example.cn"]:
        assert secret not in report_text
        assert secret.encode() not in everything


def test_jsonl_keys_first_met_in_a_later_row_are_sorted_too(tmp_path, settings):
    first = penalty_row()
    later = {**penalty_row(**{"行政处罚决定书文号": "2"}), "备注": "已整改", "指纹信息": "指纹ABC123", "车牌": "鄂A12345"}
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (first, later)) + "\n", encoding="utf-8")
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    assert data["accepted"] == 2
    assert data["files"][0]["dropped_columns"] == {"prohibited": ["指纹信息"], "unknown": ["车牌"]}
    remarks = {v["doc_no"]: (v.get("remarks"), o.get("备注")) for v, o in stored(settings)}
    assert remarks["2"] == ("已整改", "已整改")             # a known key is read wherever it first appears
    assert b"ABC123" not in instance_bytes(settings)


def test_file_without_extra_columns_reports_none(tmp_path, settings):
    path = write_csv(tmp_path / "p.csv", [penalty_row()])
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    assert data["files"][0]["dropped_columns"] == {"prohibited": [], "unknown": []}


def test_cli_names_dropped_columns(tmp_path):
    path = write_csv(tmp_path / "p.csv", [{**penalty_row(), "宗教信仰": "某宗教甲乙丙", "联系人邮箱": "a@b.cn"}])
    run = indexer("ingest", str(path), instance=tmp_path / "instance")
    assert run.returncode == 0, run.stderr
    assert "已丢弃禁止采集的列（未保存）：宗教信仰" in run.stdout
    assert "未识别的列（不在数据目录中，未保存）：联系人邮箱" in run.stdout
    assert "某宗教甲乙丙" not in run.stdout + run.stderr


# -- minors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("born,decided,adult", [
    ("20100501", "2026-03-05", False),
    ("20080305", "2026-03-05", False),   # the 18th birthday itself: 年满18周岁 from the next day
    ("20080304", "2026-03-05", True),
    ("20080229", "2026-02-28", False),   # born on 29 February: the birthday falls on 28 February
    ("20080229", "2026-03-01", True),
    ("19900307", "2026-03-05", True),
])
def test_natural_person_must_be_adult_on_the_decision_date(tmp_path, settings, born, decided, adult):
    path = write_csv(tmp_path / "p.csv", [person_row(born, decided)])
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    assert (data["accepted"], data["rejected"]) == ((1, 0) if adult else (0, 1))
    if not adult:
        [rejection] = data["rejections"]
        assert (rejection["line"], rejection["field"], rejection["code"]) == (2, "证件号码", "under_age")
        assert "处罚决定日期" in rejection["reason"] and decided in rejection["reason"]
        assert "未满18周岁" in rejection["reason"] and citizen_id(born) not in rejection["reason"]
        assert data["files"][0]["rejected_by_reason"] == {"under_age": 1}
        assert stored(settings) == []


def test_minor_check_needs_a_resident_id_number(tmp_path, settings):
    passport = person_row("20100501", 证件类型="护照", 证件号码="E12345678")
    path = write_csv(tmp_path / "p.csv", [passport])
    assert ingest_into(settings, [str(path)], TODAY).as_json()["accepted"] == 1


def test_minor_check_is_for_natural_persons_only(tmp_path, settings):
    """A 个体工商户 whose operator's ID number is that of a minor is the business's record."""
    trader = person_row("20100501", 行政相对人类别="个体工商户", 行政相对人名称="武汉市洪山区李四便利店")
    path = write_csv(tmp_path / "p.csv", [trader])
    assert ingest_into(settings, [str(path)], TODAY).as_json()["accepted"] == 1


def test_minor_on_a_list_is_refused(tmp_path, settings):
    path = write_csv(tmp_path / "l.csv", [list_row(), list_row(主体名称="赵六", 证件号码=citizen_id("19800101"))])
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    assert (data["accepted"], data["rejected"]) == (1, 1)
    assert data["rejections"][0]["code"] == "under_age" and "列入日期" in data["rejections"][0]["reason"]
    assert [v["subject_name"] for v, _o in stored(settings)] == ["赵六"]


# -- the original row ---------------------------------------------------------------------------

def test_original_row_kept_as_sent(tmp_path, settings):
    messy = penalty_row(**{"行政相对人代码_1（统一社会信用代码）": " " + COMPANY.lower(), "处罚决定日期": "2026年3月5日",
                           "处罚类别": " 罚款；没收违法所得 "})
    path = write_csv(tmp_path / "p.csv", [messy])
    ingest_into(settings, [str(path)], TODAY)
    [(values, original)] = stored(settings)
    assert original == messy
    assert (values["code_uscc"], values["decided_on"]) == (COMPANY, "2026-03-05")


def test_xlsx_cells_stored_as_json(tmp_path, settings):
    row = penalty_row(**{"处罚决定日期": datetime(2026, 3, 5), "罚款金额（万元）": 1.5})
    book = Workbook()
    book.active.append(list(row))
    book.active.append(list(row.values()))
    book.save(tmp_path / "p.xlsx")
    ingest_into(settings, [str(tmp_path / "p.xlsx")], TODAY)
    [(values, original)] = stored(settings)
    assert original["处罚决定日期"] == "2026-03-05T00:00:00" and original["罚款金额（万元）"] == "1.5"
    assert values["decided_on"] == "2026-03-05" and values["fine_amount"] == 1.5


def test_correction_replaces_original_and_same_values_leave_it(tmp_path, settings):
    ingest_into(settings, [str(write_csv(tmp_path / "a.csv", [penalty_row()]))], TODAY)
    corrected = penalty_row(**{"罚款金额（万元）": "2", "备注": "更正金额"})
    ingest_into(settings, [str(write_csv(tmp_path / "b.csv", [corrected]))], TODAY)
    assert stored(settings)[0][1] == corrected
    # The same values written another way are no correction: the record stays as it is.
    respelled = {**corrected, "处罚决定日期": "2026/3/5"}
    again = ingest_into(settings, [str(write_csv(tmp_path / "c.csv", [respelled]))], TODAY).as_json()
    assert (again["replaced"], again["unchanged"]) == (0, 1)
    assert stored(settings)[0][1] == corrected


# -- publicity deadlines past the rules ---------------------------------------------------------

def test_publicity_deadline_past_the_maximum_is_capped_and_noted(tmp_path, settings):
    rows = [penalty_row(**{"公示截止期": "2030-01-01", "严重程度": "一般"}),
            penalty_row(**{"公示截止期": "2026-12-31", "严重程度": "一般", "行政处罚决定书文号": "2"}),
            penalty_row(**{"公示截止期": "2031-01-01", "严重程度": "严重", "行政处罚决定书文号": "3"})]
    path = write_csv(tmp_path / "p.csv", rows)
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    assert data["accepted"] == 3 and data["files"][0]["publicity_capped"] == 2 and data["publicity_capped"] == 2
    notes = {n["line"]: n for n in data["notes"]}
    assert set(notes) == {2, 4}
    assert {(n["file"], n["field"], n["code"]) for n in notes.values()} == {(str(path), "公示截止期", "publicity_capped")}
    assert "2030-01-01" in notes[2]["text"] and "12个月" in notes[2]["text"] and "公示截至2027-03-04" in notes[2]["text"]
    assert "36个月" in notes[4]["text"] and "2029-03-04" in notes[4]["text"]
    # Kept as sent; shown only until the maximum.
    assert {v["doc_no"]: v["publicity_until"] for v, _o in stored(settings)}["鄂武市监罚〔2026〕1号"] == "2030-01-01"
    hits = open_index(settings).search_records(RecordQuery(size=10, today=TODAY)).hits
    assert sorted(h.doc["public_until"] for h in hits) == ["2026-12-31", "2027-03-04", "2029-03-04"]
    assert open_index(settings).search_records(RecordQuery(size=10, today=date(2027, 3, 5))).total == 1


def test_only_cells_written_otherwise_are_stored_twice(tmp_path, settings):
    """A row as sent is its normalized values plus the cells a clerk wrote otherwise: a clean row
    stores (nearly) nothing twice, a messy one exactly its messy cells."""
    clean, messy = penalty_row(), penalty_row(**{"行政处罚决定书文号": "2", "处罚决定日期": "2026年3月5日"})
    ingest_into(settings, [str(write_csv(tmp_path / "p.csv", [clean, messy]))], TODAY)
    conn = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"))
    kept = [json.loads(o) for (o,) in conn.execute("SELECT original FROM records ORDER BY source_line")]
    assert kept[1].get("decided_on") == "2026年3月5日" and "decided_on" not in kept[0]
    assert set(kept[0]) == {"penalty_types", "fine_amount"}   # a list and a number: not stored as written
    by_doc_no = lambda row: row["行政处罚决定书文号"]  # noqa: E731
    assert sorted((row for _values, row in stored(settings)), key=by_doc_no) == sorted([clean, messy], key=by_doc_no)
