"""Ingest: formats and encodings, row validation, corrections, refusal of bad files, idempotence."""
import csv
import json
import math
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
    assert json.loads(before[0][1])["fine_amount"] == "2"   # the row as sent, corrected too
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
    [run] = runs(settings)
    assert run["status"] == "interrupted" and run["finished_at"] is not None and run["accepted"] == 20
    assert (run["report"]["status"], run["report"]["interrupted_by"]) == ("interrupted", "KeyboardInterrupt")
    assert run["report"]["files"][0]["accepted"] == 20 and run["report"]["indexed"] == 0
    monkeypatch.setattr(ingest_module.Ingester, "_store", store)
    report = Ingester(settings, load_catalog(), today=TODAY, batch=10, workers=1, progress=False).run([str(path)])
    assert (report.as_json()["accepted"], report.as_json()["unchanged"]) == (50, 20)
    assert [(r["status"], r["accepted"]) for r in runs(settings)] == [("interrupted", 20), ("finished", 50)]
    assert len(records(settings)) == 50
    hits = open_index(settings).search_subjects(SubjectQuery(text="光谷科技", today=TODAY)).hits
    assert open_index(settings).record_counts([hits[0].doc["code"]], TODAY)[hits[0].doc["code"]] == {"penalty": 50}


# -- every data line accounted for ---------------------------------------------------------------

def assert_every_line_accounted(file_report: dict, data_lines: int):
    """accepted + rejected = data lines (blank lines are none), in every file report."""
    assert file_report["error"] is None
    assert file_report["lines"] == data_lines
    assert file_report["accepted"] + file_report["rejected"] == data_lines
    assert sum(file_report["rejected_by_reason"].values()) >= file_report["rejected"]


def doc_numbers(settings) -> set[str]:
    return {json.loads(values)["doc_no"] for _i, _n, values in records(settings)}


def test_csv_report_accounts_for_every_data_line(tmp_path, settings):
    rows = [penalty_row(**{"行政处罚决定书文号": f"{n}号"}) for n in range(1, 9)]
    rows[1]["处罚决定日期"] = "不是日期"
    rows[6]["违法事实"] = "x" * 200_000                       # past the csv module's own limit
    path = write_csv(tmp_path / "p.csv", rows)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].replace(",发布虚假广告,", ',"发布虚假广告,', 1)   # a stray quote …
    lines[5] = lines[5].replace(",罚款,", ',"罚款",', 1)                # … closed on the next line
    lines.insert(3, "\n")                                                 # blank lines: no data lines
    lines.append(" , ,\n")
    path.write_text("".join(lines), encoding="utf-8")
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    [file_report] = data["files"]
    assert_every_line_accounted(file_report, 8)
    assert file_report["rejected_by_reason"] == {"bad_date": 1, "unbalanced_quote": 2, "field_too_long": 1}
    assert {(r["line"], r["code"]) for r in data["rejections"]} == {
        (3, "bad_date"), (6, "unbalanced_quote"), (7, "unbalanced_quote"), (9, "field_too_long")}
    assert "第6行" in data["rejections"][1]["reason"] and "第6至7行" in data["rejections"][1]["reason"]
    assert doc_numbers(settings) == {"1号", "3号", "6号", "8号"}


def test_xlsx_report_accounts_for_every_data_line(tmp_path, settings):
    row = penalty_row()
    book = Workbook()
    book.active.append(list(row))
    for n, over in enumerate([{}, {"行政相对人名称": "=1+1"}, None, {"处罚类别": "罚金"}, {"违法事实": "长" * 101}], 1):
        book.active.append([None] * len(row) if over is None else list(penalty_row(**{"行政处罚决定书文号": f"{n}号", **over}).values()))
    book.save(tmp_path / "p.xlsx")
    settings = make_settings(tmp_path / "instance", ingest_max_field=100)
    data = ingest_into(settings, [str(tmp_path / "p.xlsx")], TODAY).as_json()
    [file_report] = data["files"]
    assert_every_line_accounted(file_report, 4)
    assert file_report["rejected_by_reason"] == {"formula": 1, "bad_enum": 1, "field_too_long": 1}
    formula = next(r for r in data["rejections"] if r["code"] == "formula")
    assert (formula["line"], formula["field"]) == (3, "行政相对人名称") and "单元格含公式" in formula["reason"]
    assert [name for _i, name, _v in records(settings)] == ["武汉市光谷科技有限公司"]   # never "2"
    assert data["departments"]["武汉市市场监督管理局"] == {"accepted": 1, "rejected": 3}


def test_jsonl_report_accounts_for_every_data_line(tmp_path, settings):
    good = [json.dumps(penalty_row(**{"行政处罚决定书文号": f"{n}号"}), ensure_ascii=False) for n in (1, 2, 3)]
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(["[\"不是对象的第一行\"]", good[0], "", "{坏的JSON", "42", good[1], '"文本"', good[2]]) + "\n\n",
                    encoding="utf-8")
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    [file_report] = data["files"]
    assert_every_line_accounted(file_report, 7)
    assert file_report["rejected_by_reason"] == {"not_json_object": 4}
    assert [(r["line"], r["reason"][:11]) for r in data["rejections"]] == [
        (1, "第1行不是JSON对象"), (4, "第4行不是JSON对象"), (5, "第5行不是JSON对象"), (7, "第7行不是JSON对象")]
    assert doc_numbers(settings) == {"1号", "2号", "3号"}


def test_field_limit_is_a_setting(tmp_path):
    rows = [penalty_row(), penalty_row(**{"行政处罚决定书文号": "2号", "违法事实": "长" * 50})]
    path = write_csv(tmp_path / "p.csv", rows)
    settings = make_settings(tmp_path / "instance", ingest_max_field=40)
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    assert [(r["line"], r["code"]) for r in data["rejections"]] == [(3, "field_too_long")]
    assert "字段过长" in data["rejections"][0]["reason"] and "40" in data["rejections"][0]["reason"]
    assert doc_numbers(settings) == {"鄂武市监罚〔2026〕1号"}


# -- columns named twice ---------------------------------------------------------------------------

@pytest.mark.parametrize("first,second", [("行政相对人代码_1", "行政相对人代码_1（统一社会信用代码）"),
                                          ("违法事实", "违法事实")])
def test_two_headers_of_one_column_refuse_the_file(tmp_path, settings, first, second):
    row = penalty_row()
    del row["行政相对人代码_1（统一社会信用代码）"]
    header = [first, *row, second] if first != second else [*row, second]
    values = [COMPANY, *row.values(), "91420100MA4K00000X"] if first != second else [*row.values(), "另一份事实"]
    path = tmp_path / "p.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, values])
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    error = data["files"][0]["error"]
    assert f"“{first}”" in error and (second in error if first != second else "出现了两次" in error)
    assert data["accepted"] == 0 and records(settings) == []


def test_jsonl_keys_of_one_column(tmp_path, settings):
    """The first object's keys are the file's header; a later line naming one column twice is rejected."""
    first = penalty_row()
    twice = {**penalty_row(**{"行政处罚决定书文号": "2号"}), "行政相对人代码_1": COMPANY}
    alone = {k if k != "行政相对人代码_1（统一社会信用代码）" else "行政相对人代码_1": v
             for k, v in penalty_row(**{"行政处罚决定书文号": "3号"}).items()}
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (first, twice, alone)) + "\n", encoding="utf-8")
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    [rejection] = data["rejections"]
    assert (rejection["line"], rejection["code"]) == (2, "duplicate_column")
    assert "行政相对人代码_1（统一社会信用代码）" in rejection["reason"] and "“行政相对人代码_1”" in rejection["reason"]
    assert doc_numbers(settings) == {"鄂武市监罚〔2026〕1号", "3号"}

    both = tmp_path / "both.jsonl"
    both.write_text(json.dumps(twice, ensure_ascii=False) + "\n", encoding="utf-8")
    assert "是同一列" in ingest_into(settings, [str(both)], TODAY).as_json()["files"][0]["error"]


def test_jsonl_lone_surrogates_reject_their_row_as_garbled_and_stop_nothing(tmp_path, settings):
    """JSON may escape half of a UTF-16 pair ("\\ud800") that no UTF-8 text can hold: such a line
    stopped the whole ingest with a TypeError. The half becomes U+FFFD, and a row holding one is
    rejected as garbled text, as any cell a program could not decode is; the other rows go in."""
    from credit.search import RecordQuery, open_index

    broken = penalty_row(**{"行政处罚决定书文号": "2号", "违法事实": "发布\ud800虚假广告\udfff"})
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (penalty_row(), broken)) + "\n", encoding="utf-8")
    assert "\\ud800" in path.read_text(encoding="utf-8")
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    assert (data["accepted"], data["rejected"]) == (1, 1)
    assert data["files"][0]["rejected_by_reason"] == {"garbled_text": 1}
    assert [json.loads(values)["doc_no"] for _identity, _name, values in records(settings)] == [penalty_row()["行政处罚决定书文号"]]
    assert len(open_index(settings).search_records(RecordQuery(today=TODAY)).hits) == 1


def test_jsonl_bad_byte_past_the_detected_part_refuses_the_file_as_csv_does(tmp_path, settings):
    """The encoding is told from the file's first megabyte; a byte further on that it cannot decode
    stopped the whole ingest with a UnicodeDecodeError. The file is refused, the line named."""
    good = json.dumps(penalty_row(), ensure_ascii=False).encode()
    bad = json.dumps(penalty_row(**{"违法事实": "发布XX广告"}), ensure_ascii=False).encode().replace(b"XX", b"\xed\xa0\x80")
    path = tmp_path / "p.jsonl"
    path.write_bytes(good + b"\n" + b"\n" * (1 << 20) + bad + b"\n")
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    assert "编码错误" in data["files"][0]["error"] and "p.jsonl 第" in data["files"][0]["error"]


# -- control characters ---------------------------------------------------------------------------

def test_control_characters_never_stored_in_values_or_published(tmp_path, settings):
    from credit.search import RecordQuery, open_index

    # Bidirectional overrides and isolates too: "武汉\u202e司公限有技科" reads on the page as another name.
    dirty = penalty_row(**{"行政相对人名称": "武汉市光谷\x00科技\u202e有限公司\x07",
                           "违法事实": "发布\x1b虚假\x0b广告\x9f\u2067经营\u2069\u202a者\u202c"})
    path = write_csv(tmp_path / "p.csv", [dirty])
    assert ingest_into(settings, [str(path)], TODAY).as_json()["accepted"] == 1
    [(_identity, name, values)] = records(settings)
    assert name == "武汉市光谷科技有限公司" and json.loads(values)["facts"] == "发布虚假 广告经营者"
    [hit] = open_index(settings).search_records(RecordQuery(today=TODAY)).hits
    published = json.dumps(hit.doc, ensure_ascii=False)
    assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                   for c in published)
    assert hit.doc["subject_name"] == "武汉市光谷科技有限公司"


# -- a correction moving a record to another subject ------------------------------------------------

def test_moving_the_only_record_away_unlists_the_old_subject(tmp_path, settings):
    from credit.ids import subject_doc_id
    from credit.search import SubjectQuery, open_index

    other = uscc("91420100MA4K54321")
    ingest_into(settings, [str(write_csv(tmp_path / "a.csv", [penalty_row()]))], TODAY)
    assert open_index(settings).get(subject_doc_id(COMPANY), TODAY) is not None
    moved = penalty_row(**{"行政相对人名称": "武汉市江汉贸易有限公司", "行政相对人代码_1（统一社会信用代码）": other})
    data = ingest_into(settings, [str(write_csv(tmp_path / "b.csv", [moved]))], TODAY).as_json()
    assert data["replaced"] == 1 and data["removed_from_index"] >= 1
    index = open_index(settings)
    assert index.get(subject_doc_id(COMPANY), TODAY) is None
    assert index.search_subjects(SubjectQuery(text="光谷科技", today=TODAY)).total == 0
    assert index.search_subjects(SubjectQuery(code=COMPANY, today=TODAY)).total == 0
    [hit] = index.search_subjects(SubjectQuery(text="江汉贸易", today=TODAY)).hits
    assert hit.doc["code"] == other and index.record_counts([other], TODAY)[other] == {"penalty": 1}


def test_moving_one_of_several_records_keeps_the_old_subject(tmp_path, settings):
    from credit.ids import subject_doc_id
    from credit.search import open_index

    second = penalty_row(**{"行政处罚决定书文号": "2号"})
    ingest_into(settings, [str(write_csv(tmp_path / "a.csv", [penalty_row(), second]))], TODAY)
    moved = penalty_row(**{"行政相对人代码_1（统一社会信用代码）": uscc("91420100MA4K54321")})
    ingest_into(settings, [str(write_csv(tmp_path / "b.csv", [moved]))], TODAY)
    index = open_index(settings)
    assert index.get(subject_doc_id(COMPANY), TODAY) is not None
    assert index.record_counts([COMPANY], TODAY)[COMPANY] == {"penalty": 1}


def runs(settings) -> list[dict]:
    conn = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"))
    conn.row_factory = sqlite3.Row
    rows = conn.execute("SELECT status, finished_at, accepted, replaced, report FROM ingest_runs ORDER BY id").fetchall()
    return [{**dict(r), "report": json.loads(r["report"])} for r in rows]


def test_rerun_after_an_interruption_reports_each_replacement_once(tmp_path, settings, monkeypatch):
    """A file correcting its own rows further down: the run cut short stored the first version;
    the rerun replaces it once. Run again, the file changes nothing, not even back and forth."""
    import indexer.ingest as ingest_module
    from credit.catalog import load_catalog
    from credit.db import migrate
    from indexer.ingest import Ingester

    rows = [penalty_row(**{"行政处罚决定书文号": f"{n}号"}) for n in range(1, 31)]
    rows[25] = penalty_row(**{"行政处罚决定书文号": "1号", "罚款金额（万元）": "2"})   # line 27 corrects line 2
    rows[27] = penalty_row(**{"行政处罚决定书文号": "3号", "罚款金额（万元）": "5"})   # line 29 corrects line 4
    rows[28] = penalty_row(**{"行政处罚决定书文号": "3号", "罚款金额（万元）": "6"})   # line 30 corrects it again
    path = write_csv(tmp_path / "p.csv", rows)
    store = ingest_module.Ingester._store

    def store_then_interrupt(self, *args):
        store(self, *args)
        raise KeyboardInterrupt

    def ingester():
        return Ingester(settings, load_catalog(), today=TODAY, batch=10, workers=1, progress=False)

    migrate(settings.database_url)
    monkeypatch.setattr(ingest_module.Ingester, "_store", store_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        ingester().run([str(path)])
    monkeypatch.setattr(ingest_module.Ingester, "_store", store)
    rerun = ingester().run([str(path)]).as_json()
    assert (rerun["accepted"], rerun["replaced"], rerun["unchanged"]) == (30, 3, 10)
    assert rerun["departments"]["武汉市市场监督管理局"]["replaced"] == 3
    fines = {v["doc_no"]: v["fine_amount"] for v in (json.loads(r[2]) for r in records(settings))}
    assert len(fines) == 27 and (fines["1号"], fines["3号"]) == (2.0, 6.0)

    before = stamps(settings)
    again = ingester().run([str(path)]).as_json()
    assert (again["replaced"], again["unchanged"]) == (0, 30)
    assert stamps(settings) == before
    assert [r["replaced"] for r in runs(settings)] == [0, 3, 0]


def test_a_changed_file_under_the_same_name_is_weighed_afresh(tmp_path, settings):
    """What a later line of a file once said does not hold back a new file of the same name."""
    path = tmp_path / "p.csv"
    write_csv(path, [penalty_row(**{"行政处罚决定书文号": "2号"}), penalty_row(**{"罚款金额（万元）": "2"})])
    ingest_into(settings, [str(path)], TODAY)
    write_csv(path, [penalty_row(**{"罚款金额（万元）": "3"})])     # line 2 now corrects what line 3 said
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    assert data["replaced"] == 1
    fines = {v["doc_no"]: v["fine_amount"] for v in (json.loads(r[2]) for r in records(settings))}
    assert fines["鄂武市监罚〔2026〕1号"] == 3.0


def licence_row(**over) -> dict:
    row = {"行政相对人名称": "武汉市光谷科技有限公司", "行政相对人类别": "法人及非法人组织",
           "行政相对人代码_1（统一社会信用代码）": COMPANY, "行政许可决定文书名称": "食品经营许可决定书",
           "行政许可决定文书号": "鄂武市监许〔2026〕1号", "许可类别": "普通", "许可内容": "食品销售",
           "许可决定日期": "2026-01-05", "有效期自": "2026-01-05", "有效期至": "2031-01-04",
           "许可机关": "武汉市市场监督管理局", "许可机关统一社会信用代码": DEPT, "当前状态": "1",
           "数据来源单位": "武汉市市场监督管理局", "数据来源单位统一社会信用代码": DEPT}
    return {**row, **over}


def test_a_licence_valid_until_9999_is_public_and_stops_nothing(tmp_path, settings):
    """9999-12-31 is how departments write 长期有效: its window past the validity runs beyond the
    calendar, which must not stop the run."""
    from credit.search import open_index
    from credit.search.base import SubjectQuery

    rows = [licence_row(**{"有效期至": "9999-12-31"}),
            licence_row(**{"行政许可决定文书号": "2号", "有效期至": "9998-06-30"})]
    data = ingest_into(settings, [str(write_csv(tmp_path / "l.csv", rows))], TODAY).as_json()
    assert (data["status"], data["accepted"], data["rejected"]) == ("finished", 2, 0)
    index = open_index(settings)
    hits = index.search_subjects(SubjectQuery(text="光谷科技", today=TODAY)).hits
    assert [h.doc["code"] for h in hits] == [COMPANY]


def test_amounts_that_are_no_number_are_rejected_and_written_forms_are_read(tmp_path, settings):
    """NaN and Infinity are no amounts (they would be stored as nothing); a comma that is no
    thousands separator is not dropped (1,5 is no 15); the forms clerks and spreadsheets write are read."""
    fine = "罚款金额（万元）"
    sent = {"A": "NaN", "B": "Infinity", "C": "1e400", "D": "1,5", "E": "1_000", "F": "٣",
            "G": "1,000", "H": "１０", "I": "-0", "J": "1e3", "K": " 2,500.5 ", "L": ".5"}
    rows = [penalty_row(**{"行政处罚决定书文号": doc, fine: amount}) for doc, amount in sent.items()]
    data = ingest_into(settings, [str(write_csv(tmp_path / "p.csv", rows))], TODAY).as_json()
    reasons = {r["line"]: r["reason"] for r in data["rejections"]}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7]
    assert all(r["code"] == "bad_amount" for r in data["rejections"])
    assert reasons[2] == "罚款金额（万元）“NaN”不是数字" and "千位分隔符" in reasons[5]
    fines = {v["doc_no"]: v["fine_amount"] for v in (json.loads(r[2]) for r in records(settings))}
    assert fines == {"G": 1000.0, "H": 10.0, "I": 0.0, "J": 1000.0, "K": 2500.5, "L": 0.5}
    assert math.copysign(1, fines["I"]) == 1   # shown as 0, not -0


def test_invisible_characters_are_removed_from_cells_and_headers(tmp_path, settings):
    """A zero-width space or a BOM (pasted from a web page, or a second file's BOM) is invisible to
    the clerk: it neither rejects a row nor makes a document number another record's."""
    zw, bom = "\u200b", "\ufeff"
    rows = [penalty_row(**{"行政相对人名称": bom + "武汉市光谷科技有限公司", "处罚决定日期": bom + "2026-03-05",
                           "行政相对人代码_1（统一社会信用代码）": COMPANY + zw, "处罚类别": "罚款" + zw}),
            penalty_row(**{"行政处罚决定书文号": "鄂武市监罚〔2026〕1" + zw + "号", "罚款金额（万元）": "2",
                           "违法事实": "发布\u202e虚假广告"})]
    path = write_csv(tmp_path / "p.csv", rows)
    text = path.read_text(encoding="utf-8").replace("违法行为类型", "违法行为类型" + zw, 1)
    path.write_text(text, encoding="utf-8")
    data = ingest_into(settings, [str(path)], TODAY).as_json()
    assert (data["accepted"], data["rejected"], data["replaced"]) == (2, 0, 1), data["rejections"]
    assert data["files"][0]["dropped_columns"]["unknown"] == []
    [(identity, name, values)] = records(settings)
    assert identity == f"penalty|{DEPT}|鄂武市监罚〔2026〕1号" and name == "武汉市光谷科技有限公司"
    assert json.loads(values)["facts"] == "发布虚假广告"


def test_a_publicity_deadline_before_the_decision_is_rejected(tmp_path, settings):
    rows = [penalty_row(**{"处罚决定日期": "2026-03-05", "公示截止期": "2025-03-05"}),
            penalty_row(**{"行政处罚决定书文号": "2号", "处罚决定日期": "2026-03-05", "公示截止期": "2026-03-05"})]
    data = ingest_into(settings, [str(write_csv(tmp_path / "p.csv", rows))], TODAY).as_json()
    assert (data["accepted"], data["rejected"]) == (1, 1)
    [rejection] = data["rejections"]
    assert (rejection["line"], rejection["field"], rejection["code"]) == (2, "公示截止期", "bad_date")
    assert "早于处罚决定日期" in rejection["reason"]


def test_a_date_that_is_a_spreadsheets_day_number_says_so(tmp_path, settings):
    rows = [penalty_row(**{"处罚决定日期": "46086"})]
    data = ingest_into(settings, [str(write_csv(tmp_path / "p.csv", rows))], TODAY).as_json()
    [rejection] = data["rejections"]
    assert rejection["code"] == "bad_date" and "Excel的日期序列号" in rejection["reason"]


def test_text_garbled_by_a_wrong_encoding_is_rejected_not_published(tmp_path, settings):
    """A GBK file once opened as UTF-8 and saved holds U+FFFD where characters were: the text is
    lost, and the row is rejected saying so rather than stored and published garbled."""
    garbled = "武汉市光谷科技有限公司".encode("gbk").decode("utf-8", "replace")
    rows = [penalty_row(**{"行政相对人名称": garbled}),
            penalty_row(**{"行政处罚决定书文号": "2号", "处罚类别": "罚款".encode("gbk").decode("utf-8", "replace")})]
    data = ingest_into(settings, [str(write_csv(tmp_path / "p.csv", rows))], TODAY).as_json()
    assert (data["accepted"], data["rejected"]) == (0, 2)
    assert [(r["line"], r["field"], r["code"]) for r in data["rejections"]] == [
        (2, "行政相对人名称", "garbled_text"), (3, "处罚类别", "garbled_text")]
    assert "乱码" in data["rejections"][0]["reason"] and records(settings) == []


def test_a_json_object_or_array_as_a_value_is_rejected_not_stored_as_text(tmp_path):
    """{"违法事实": {"a": "b"}} would otherwise be stored and published as "{'a': 'b'}"; numbers
    are read as the text they are."""
    base = penalty_row()
    rows = [{**base, "违法事实": {"内容": "发布虚假广告"}},
            {**base, "行政处罚决定书文号": "2号", "处罚类别": ["罚款", "警告"]},
            {**base, "行政处罚决定书文号": 3, "罚款金额（万元）": 1.5, "处罚决定日期": 20260305, "附件": {"x": 1}}]
    path = tmp_path / "p.jsonl"
    path.write_text("\ufeff" + "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    data = ingest_into(make_settings(tmp_path / "two-workers", ingest_workers=2), [str(path)], TODAY).as_json()
    assert (data["accepted"], data["rejected"]) == (1, 2)
    assert [(r["line"], r["field"], r["code"]) for r in data["rejections"]] == [
        (1, "违法事实", "nested_value"), (2, "处罚类别", "nested_value")]
    assert '["罚款", "警告"]' in data["rejections"][1]["reason"]
    assert data["rejections"][1]["row"]["处罚类别"] == '["罚款", "警告"]'


def test_a_remark_that_denies_or_asks_for_revocation_does_not_revoke(tmp_path, settings):
    """备注 不予撤销 or 当事人申请撤销 holds the word 撤销 but marks nothing revoked: the penalty stays
    public; 已撤销 re-sent revokes it at once."""
    from credit.search import open_index
    from credit.search.base import RecordQuery

    def public_doc_nos():
        hits = open_index(settings).search_records(RecordQuery(kinds=("penalty",), today=TODAY)).hits
        return sorted(h.doc["fields"]["doc_no"] for h in hits)

    rows = [penalty_row(**{"备注": "当事人申请撤销，复议维持原处罚决定"}),
            penalty_row(**{"行政处罚决定书文号": "2号", "备注": "不予撤销"}),
            penalty_row(**{"行政处罚决定书文号": "3号", "备注": "未撤销"})]
    ingest_into(settings, [str(write_csv(tmp_path / "p.csv", rows))], TODAY)
    assert public_doc_nos() == ["2号", "3号", "鄂武市监罚〔2026〕1号"]
    ingest_into(settings, [str(write_csv(tmp_path / "q.csv", [penalty_row(**{"备注": "经复议，已撤销"})]))], TODAY)
    assert public_doc_nos() == ["2号", "3号"]
