"""Ingest: formats and encodings, row validation, corrections, refusal of bad files, idempotence."""
import csv
import json
import sqlite3
from datetime import date

import pytest
from openpyxl import Workbook

from credit.codes import id_check_char, uscc_check_char
from tests.conftest import ingest_into, make_settings

TODAY = date(2026, 11, 22)


def uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)


DEPT = uscc("11420000MB1234567")
COMPANY = uscc("91420100MA4K12345")


def penalty_row(**over) -> dict:
    row = {"行政相对人名称": "武汉市光谷科技有限公司", "行政相对人类别": "法人及非法人组织",
           "行政相对人代码_1（统一社会信用代码）": COMPANY, "行政处罚决定书文号": "鄂武市监罚〔2026〕1号",
           "违法行为类型": "虚假宣传", "违法事实": "发布虚假广告", "处罚依据": "《广告法》第五十五条",
           "处罚类别": "罚款", "处罚内容": "罚款1万元", "罚款金额（万元）": "1", "处罚决定日期": "2026-03-05",
           "处罚机关": "武汉市市场监督管理局", "处罚机关统一社会信用代码": DEPT, "数据来源单位": "武汉市市场监督管理局",
           "数据来源单位统一社会信用代码": DEPT}
    return {**row, **over}


def write_csv(path, rows, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def records(settings):
    conn = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"))
    return conn.execute("SELECT identity, subject_name, \"values\" FROM records ORDER BY identity").fetchall()


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "instance")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_detected(tmp_path, settings, encoding):
    path = write_csv(tmp_path / "p.csv", [penalty_row()], encoding)
    report = ingest_into(settings, [str(path)], TODAY)
    assert report.as_json()["accepted"] == 1
    assert records(settings)[0][1] == "武汉市光谷科技有限公司"


def test_xlsx_and_jsonl(tmp_path, settings):
    book = Workbook()
    sheet = book.active
    row = penalty_row()
    sheet.append(list(row))
    sheet.append(list(row.values()))
    book.save(tmp_path / "p.xlsx")
    second = penalty_row(**{"行政处罚决定书文号": "鄂武市监罚〔2026〕2号"})
    (tmp_path / "p.jsonl").write_text(json.dumps(second, ensure_ascii=False) + "\n", encoding="utf-8")
    report = ingest_into(settings, [str(tmp_path)], TODAY).as_json()
    assert report["accepted"] == 2 and report["rejected"] == 0


def test_rejections_name_file_line_field_and_reason(tmp_path, settings):
    rows = [penalty_row(),
            penalty_row(**{"处罚决定日期": "2026-13-45", "行政处罚决定书文号": "2"}),
            penalty_row(**{"罚款金额（万元）": "-3", "行政处罚决定书文号": "3"}),
            penalty_row(**{"行政相对人代码_1（统一社会信用代码）": COMPANY[:-1] + "0", "行政处罚决定书文号": "4"}),
            penalty_row(**{"处罚类别": "罚金", "行政处罚决定书文号": "5"}),
            penalty_row(**{"违法事实": "", "行政处罚决定书文号": "6"})]
    path = write_csv(tmp_path / "p.csv", rows)
    report = ingest_into(settings, [str(path)], TODAY).as_json()
    assert (report["accepted"], report["rejected"]) == (1, 5)
    got = {(r["line"], r["code"]) for r in report["rejections"]}
    assert got == {(3, "bad_date"), (4, "bad_amount"), (5, "bad_uscc"), (6, "bad_enum"), (7, "missing_required")}
    assert all(r["file"] == str(path) and r["field"] and r["reason"] for r in report["rejections"])


def test_normalizes_instead_of_rejecting(tmp_path, settings):
    messy = penalty_row(**{"行政相对人代码_1（统一社会信用代码）": " " + COMPANY.lower().replace("9", "９", 1),
                           "处罚决定日期": "2026年3月5日", "处罚类别": " 罚款；没收违法所得 "})
    path = write_csv(tmp_path / "p.csv", [messy])
    assert ingest_into(settings, [str(path)], TODAY).as_json()["accepted"] == 1
    values = json.loads(records(settings)[0][2])
    assert values["code_uscc"] == COMPANY and values["decided_on"] == "2026-03-05"
    assert values["penalty_types"] == ["罚款", "没收违法所得"]


def test_missing_required_column_refuses_whole_file(tmp_path, settings):
    row = penalty_row()
    del row["违法事实"]
    path = write_csv(tmp_path / "p.csv", [row])
    report = ingest_into(settings, [str(path)], TODAY).as_json()
    assert report["accepted"] == 0
    assert "违法事实" in report["files"][0]["error"]


def test_correction_replaces_and_rerun_is_idempotent(tmp_path, settings):
    first = write_csv(tmp_path / "a.csv", [penalty_row()])
    ingest_into(settings, [str(first)], TODAY)
    fixed = write_csv(tmp_path / "b.csv", [penalty_row(**{"罚款金额（万元）": "2"})])
    report = ingest_into(settings, [str(fixed)], TODAY).as_json()
    assert report["replaced"] == 1
    rows = records(settings)
    assert len(rows) == 1 and json.loads(rows[0][2])["fine_amount"] == 2.0
    before = stamps(settings)
    assert json.loads(before[0][1])["罚款金额（万元）"] == "2"   # the row as sent, corrected too
    again = ingest_into(settings, [str(fixed)], TODAY).as_json()
    assert (again["replaced"], again["unchanged"]) == (0, 1)
    assert len(records(settings)) == 1 and stamps(settings) == before


def stamps(settings):
    conn = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"))
    return conn.execute("SELECT updated_at, original, source_file FROM records ORDER BY identity").fetchall()


def test_natural_person_citizen_id_checked(tmp_path, settings):
    body = "42010219900307123"
    person = penalty_row(**{"行政相对人名称": "李四", "行政相对人类别": "自然人", "证件类型": "身份证",
                            "证件号码": body + id_check_char(body), "行政相对人代码_1（统一社会信用代码）": ""})
    wrong = {**person, "证件号码": body + ("0" if id_check_char(body) != "0" else "1"), "行政处罚决定书文号": "9"}
    path = write_csv(tmp_path / "p.csv", [person, wrong])
    report = ingest_into(settings, [str(path)], TODAY).as_json()
    assert (report["accepted"], report["rejected"]) == (1, 1)
    assert report["rejections"][0]["code"] == "bad_citizen_id"


def test_interrupted_ingest_keeps_committed_batches_and_rerun_completes(tmp_path, settings, monkeypatch):
    """Ctrl-C half-way: what was committed stays; running the same files again finishes the job
    and publishes everything, without duplicates."""
    import indexer.ingest as ingest_module
    from credit.catalog import load_catalog
    from credit.db import migrate
    from credit.search import SubjectQuery, open_index
    from indexer.ingest import Ingester

    rows = [penalty_row(**{"行政处罚决定书文号": f"鄂武市监罚〔2026〕{n}号"}) for n in range(1, 51)]
    path = write_csv(tmp_path / "p.csv", rows)
    store = ingest_module.Ingester._store
    calls = []

    def store_then_interrupt(self, *args):
        store(self, *args)
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(ingest_module.Ingester, "_store", store_then_interrupt)
    migrate(settings.database_url)
    ingester = Ingester(settings, load_catalog(), today=TODAY, batch=10, workers=1, progress=False)
    with pytest.raises(KeyboardInterrupt):
        ingester.run([str(path)])
    assert len(records(settings)) == 20          # two batches of ten were committed
    monkeypatch.setattr(ingest_module.Ingester, "_store", store)
    report = Ingester(settings, load_catalog(), today=TODAY, batch=10, workers=1, progress=False).run([str(path)])
    assert (report.as_json()["accepted"], report.as_json()["unchanged"]) == (50, 20)
    assert len(records(settings)) == 50
    hits = open_index(settings).search_subjects(SubjectQuery(text="光谷科技", today=TODAY)).hits
    assert open_index(settings).record_counts([hits[0].doc["code"]], TODAY)[hits[0].doc["code"]] == {"penalty": 50}
