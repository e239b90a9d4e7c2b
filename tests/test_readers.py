"""Reading source files: every data line comes out either as a row or as a rejection naming its
line; nothing is dropped on the way, nothing stops the file."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from openpyxl import Workbook

from credit.catalog import load_catalog
from credit.config import Settings
from indexer.readers import WHOLE_ROW, BadRow, FileError, headers_and_rows
from indexer.validate import clean_text
from tests.test_ingest import penalty_row

CATALOG = load_catalog("default")


def csv_lines(rows: list[dict]) -> list[str]:
    """The physical lines of a CSV file of these rows, header first."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().splitlines(keepends=True)


def numbered(n: int) -> list[dict]:
    return [penalty_row(**{"行政处罚决定书文号": f"{i}号"}) for i in range(1, n + 1)]


def read(path, max_field: int = Settings().ingest_max_field) -> list[tuple[int, object]]:
    return list(headers_and_rows(path, max_field)[1])


def doc_nos(rows) -> dict[int, str]:
    return {line: row["行政处罚决定书文号"] for line, row in rows if not isinstance(row, BadRow)}


def bad(rows) -> dict[int, BadRow]:
    return {line: row for line, row in rows if isinstance(row, BadRow)}


# -- CSV: quotes, long fields, blank lines ---------------------------------------------------------

def test_stray_quote_rejects_the_lines_it_swallowed_and_names_where_it_opened(tmp_path):
    lines = csv_lines(numbered(7))
    lines[2] = lines[2].replace(",发布虚假广告,", ',"发布虚假广告,', 1)    # a stray quote on line 3
    lines[5] = lines[5].replace(",罚款,", ',"罚款",', 1)              # the next quote (line 6) closes it
    (tmp_path / "p.csv").write_text("".join(lines), encoding="utf-8")
    rows = read(tmp_path / "p.csv")
    assert doc_nos(rows) == {2: "1号", 7: "6号", 8: "7号"}
    rejected = bad(rows)
    assert sorted(rejected) == [3, 4, 5, 6]
    problem = rejected[4].problem
    assert (problem.field, problem.code) == ("违法事实", "unbalanced_quote")
    assert "第3行" in problem.reason and "第3至6行" in problem.reason


def test_quote_never_closed_rejects_every_line_to_the_end(tmp_path):
    lines = csv_lines(numbered(4))
    lines[3] = lines[3].replace(",虚假宣传,", ',"虚假宣传,', 1)
    (tmp_path / "p.csv").write_text("".join(lines), encoding="utf-8")
    rows = read(tmp_path / "p.csv")
    assert doc_nos(rows) == {2: "1号", 3: "2号"} and sorted(bad(rows)) == [4, 5]
    assert bad(rows)[5].problem.field == "违法行为类型"


def test_legitimate_multiline_fields_are_one_row(tmp_path):
    """Paragraphs of text, even with a comma or two, are a field holding line breaks, not rows."""
    rows = numbered(3)
    rows[1]["违法事实"] = "经查：\n一、发布虚假广告, 误导消费者；\n二、拒不改正。\n"
    rows[2]["违法事实"] = "第一段\n\n第三段"
    (tmp_path / "p.csv").write_text("".join(csv_lines(rows)), encoding="utf-8")
    got = read(tmp_path / "p.csv")
    assert doc_nos(got) == {2: "1号", 3: "2号", 7: "3号"}   # each row named by the line it starts on
    assert [row["违法事实"] for _line, row in got][1:] == [rows[1]["违法事实"], rows[2]["违法事实"]]


def test_field_past_the_limit_rejects_its_row_only(tmp_path):
    rows = numbered(4)
    rows[1]["违法事实"] = "长" * 200
    rows[2]["违法事实"] = "多行\n" + "长" * 200 + "\n结尾"     # a quoted field: its lines go with it
    (tmp_path / "p.csv").write_text("".join(csv_lines(rows)), encoding="utf-8")
    got = read(tmp_path / "p.csv", max_field=100)
    assert doc_nos(got) == {2: "1号", 7: "4号"}
    assert sorted(bad(got)) == [3, 4]
    assert {b.problem.code for b in bad(got).values()} == {"field_too_long"}
    assert "字段过长" in bad(got)[3].problem.reason and "100" in bad(got)[3].problem.reason


def test_field_past_the_csv_modules_own_limit(tmp_path):
    rows = numbered(3)
    rows[1]["违法事实"] = "x" * 200_000    # past csv.field_size_limit()'s default of 131072
    (tmp_path / "p.csv").write_text("".join(csv_lines(rows)), encoding="utf-8")
    got = read(tmp_path / "p.csv")
    assert doc_nos(got) == {2: "1号", 4: "3号"} and bad(got)[3].problem.code == "field_too_long"
    assert csv.field_size_limit() == 131072   # the process-wide setting is put back


def test_stray_quote_running_past_the_limit_gives_the_rows_after_it_back(tmp_path):
    lines = csv_lines(numbered(60))
    lines[2] = lines[2].replace(",发布虚假广告,", ',"发布虚假广告,', 1)
    (tmp_path / "p.csv").write_text("".join(lines), encoding="utf-8")
    got = read(tmp_path / "p.csv", max_field=2000)   # about ten rows' worth
    swallowed = sorted(bad(got))
    assert swallowed[0] == 3 and len(swallowed) > 2
    assert {b.problem.code for b in bad(got).values()} == {"unbalanced_quote"}
    assert sorted(doc_nos(got)) == [2] + list(range(swallowed[-1] + 1, 62))   # read on after it
    assert len(got) == 60


def test_values_past_the_header_are_rejected(tmp_path):
    lines = csv_lines(numbered(3))
    lines[2] = lines[2].rstrip("\n") + ",多出来的值\n"
    lines[3] = lines[3].rstrip("\n") + ",,\n"                # empty trailing cells are harmless
    (tmp_path / "p.csv").write_text("".join(lines), encoding="utf-8")
    got = read(tmp_path / "p.csv")
    assert doc_nos(got) == {2: "1号", 4: "3号"} and bad(got)[3].problem.code == "extra_cells"
    assert bad(got)[3].cells["数据来源单位"] == "武汉市市场监督管理局"   # filed under its department


def test_blank_lines_are_not_data_lines(tmp_path):
    lines = csv_lines(numbered(2))
    (tmp_path / "p.csv").write_text(lines[0] + "\n" + lines[1] + " , ,\n\n" + lines[2] + "\n", encoding="utf-8")
    assert doc_nos(read(tmp_path / "p.csv")) == {3: "1号", 6: "2号"} and not bad(read(tmp_path / "p.csv"))


# -- JSON Lines ----------------------------------------------------------------------------------

def test_a_header_repeated_inside_the_file_is_said_to_be_one(tmp_path):
    """Files joined one after another (the second with its BOM): the header met again is rejected
    as what it is, not as a row whose every value is wrong."""
    first, second = csv_lines(numbered(2)), csv_lines(numbered(3)[2:])
    path = tmp_path / "p.csv"
    path.write_bytes("".join(first).encode("utf-8-sig") + "".join(second).encode("utf-8-sig"))
    got = read(path)
    assert doc_nos(got) == {2: "1号", 3: "2号", 5: "3号"}
    [(line, row)] = bad(got).items()
    assert (line, row.problem.code, row.cells) == (4, "repeated_header", {})
    assert "第4行是重复的表头" in row.problem.reason


def test_a_file_mixing_utf8_and_gbk_names_the_line_where_it_changes(tmp_path):
    lines = csv_lines(numbered(3))
    path = tmp_path / "p.csv"
    path.write_bytes("".join(lines[:3]).encode() + lines[3].encode("gbk"))
    with pytest.raises(FileError, match="第4行起不是UTF-8，文件可能混用了UTF-8和GBK"):
        read(path)
    path.write_text("".join(lines), encoding="utf-16")
    with pytest.raises(FileError, match="文件是UTF-16编码"):
        read(path)


def write_jsonl(path, lines: list[str]):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("line,what", [("{不是JSON", "无法解析为JSON"), ("[1, 2]", "数组"), ("42", "数字"),
                                       ('"文本"', "字符串"), ("null", "null")])
def test_a_line_that_is_not_an_object_is_said_to_be_so(tmp_path, line, what):
    good = [json.dumps(r, ensure_ascii=False) for r in numbered(2)]
    path = write_jsonl(tmp_path / "p.jsonl", [good[0], line, good[1]])
    got = read(path)
    assert doc_nos(got) == {1: "1号", 3: "2号"}
    problem = bad(got)[2].problem
    assert (problem.field, problem.code) == (WHOLE_ROW, "not_json_object")
    assert problem.reason.startswith("第2行不是JSON对象") and what in problem.reason


def test_a_first_line_that_is_not_an_object_does_not_refuse_the_file(tmp_path):
    good = [json.dumps(r, ensure_ascii=False) for r in numbered(2)]
    path = write_jsonl(tmp_path / "p.jsonl", ["[\"表头\"]", "", good[0], good[1]])
    headers, rows = headers_and_rows(path, Settings().ingest_max_field)
    assert "行政处罚决定书文号" in headers
    got = list(rows)
    assert doc_nos(got) == {3: "1号", 4: "2号"} and bad(got)[1].problem.code == "not_json_object"


def test_a_file_with_no_object_is_refused(tmp_path):
    with pytest.raises(FileError, match="没有带字段的JSON对象"):
        headers_and_rows(write_jsonl(tmp_path / "p.jsonl", ["[1]", "2", "x"]), Settings().ingest_max_field)


def test_a_key_twice_in_one_line_is_rejected(tmp_path):
    row = json.dumps(penalty_row(), ensure_ascii=False)
    path = write_jsonl(tmp_path / "p.jsonl", [row, row[:-1] + ', "备注": "甲", "备注": "乙"}'])
    problem = bad(read(path))[2].problem
    assert (problem.field, problem.code) == ("备注", "duplicate_column")


def test_jsonl_field_past_the_limit(tmp_path):
    long = penalty_row(**{"违法事实": "长" * 101, "行政处罚决定书文号": "2号"})
    path = write_jsonl(tmp_path / "p.jsonl", [json.dumps(r, ensure_ascii=False) for r in (penalty_row(), long)])
    problem = bad(read(path, max_field=100))[2].problem
    assert (problem.field, problem.code) == ("违法事实", "field_too_long")


def test_a_rejected_rows_over_long_cell_is_kept_cut(tmp_path):
    """The report keeps a rejected row's cells for the clerk, but not a cell of megabytes: a file
    of such rows would make a report of gigabytes."""
    long = penalty_row(**{"违法事实": "长" * 1_000_000, "行政处罚决定书文号": "2号"})
    path = write_jsonl(tmp_path / "p.jsonl", [json.dumps(long, ensure_ascii=False)])
    sheet = write_xlsx(tmp_path / "p.xlsx", [list(long), list(long.values())])
    for got in (bad(read(path, max_field=1000))[1], bad(read(sheet, max_field=1000))[2]):
        assert got.problem.code == "field_too_long"
        assert got.cells["违法事实"] == "长" * 200 + "…（超长，已截断）"
        assert got.cells["行政处罚决定书文号"] == "2号"


# -- XLSX ----------------------------------------------------------------------------------------

def write_xlsx(path, rows: list[list]):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_formula_cells_are_rejected_not_read_as_their_result(tmp_path):
    row = penalty_row()
    formula = {**row, "行政相对人名称": "=1+1", "行政处罚决定书文号": "2号"}
    text = {**row, "行政处罚决定书文号": "3号"}
    book = Workbook()
    for values in (list(row), list(row.values()), list(formula.values()), list(text.values())):
        book.active.append(values)
    cell = book.active.cell(row=4, column=list(row).index("违法事实") + 1)
    cell.value, cell.data_type = "=不是公式的文字", "s"        # text that merely starts with =
    book.save(tmp_path / "p.xlsx")
    got = read(tmp_path / "p.xlsx")
    assert doc_nos(got) == {2: row["行政处罚决定书文号"], 4: "3号"}
    assert dict(got)[4]["违法事实"] == "=不是公式的文字"
    problem = bad(got)[3].problem
    assert (problem.field, problem.code) == ("行政相对人名称", "formula")
    assert "单元格含公式" in problem.reason and "=1+1" in problem.reason


def test_xlsx_blank_rows_extra_cells_and_long_fields(tmp_path):
    row = penalty_row()
    header, values = list(row), list(row.values())
    path = write_xlsx(tmp_path / "p.xlsx", [header, values, [None] * len(header), values + [None, "多余"],
                                            [v if h != "违法事实" else "长" * 101 for h, v in row.items()], values])
    got = read(path, max_field=100)
    assert sorted(doc_nos(got)) == [2, 6]   # row 3 is blank: no data line
    assert {line: b.problem.code for line, b in bad(got).items()} == {4: "extra_cells", 5: "field_too_long"}


def test_rows_on_a_second_sheet_are_never_left_unread(tmp_path):
    """Only one sheet is read: a workbook with data on several is refused whole (else the rows of
    the others would go uncounted); an empty sheet before the data is no sheet with data."""
    row = penalty_row()
    book = Workbook()
    book.active.title = "说明"
    data = book.create_sheet("数据")
    data.append(list(row))
    data.append(list(row.values()))
    book.save(tmp_path / "empty-first.xlsx")
    assert doc_nos(read(tmp_path / "empty-first.xlsx")) == {2: row["行政处罚决定书文号"]}

    book.create_sheet("2025年").append(list(row))
    book.save(tmp_path / "two.xlsx")
    with pytest.raises(FileError, match="有2个工作表含内容（数据、2025年）"):
        read(tmp_path / "two.xlsx")


def test_a_hidden_sheet_of_drop_down_values_does_not_refuse_the_workbook(tmp_path):
    """Templates keep their drop-down lists' values on a hidden sheet: the clerk sees one sheet, and
    it is read; a second visible sheet with content still refuses the workbook."""
    row = penalty_row()
    book = Workbook()
    book.active.append(list(row))
    book.active.append(list(row.values()))
    values = book.create_sheet("字典")
    for value in ("法人及非法人组织", "自然人", "个体工商户"):
        values.append([value])
    values.sheet_state = "hidden"
    book.save(tmp_path / "template.xlsx")
    assert doc_nos(read(tmp_path / "template.xlsx")) == {2: row["行政处罚决定书文号"]}

    book.create_sheet("2025年").append(list(row))
    book.save(tmp_path / "two.xlsx")
    with pytest.raises(FileError, match="有2个工作表含内容（Sheet、2025年）"):
        read(tmp_path / "two.xlsx")


def test_rows_past_the_sheets_recorded_dimension_are_read(tmp_path):
    """openpyxl's read-only mode stops at the end the sheet's <dimension> claims: a writer that
    recorded too small a one must not have the rows after it go unread and uncounted."""
    rows = numbered(5)
    path = write_xlsx(tmp_path / "ok.xlsx", [list(rows[0])] + [list(r.values()) for r in rows])
    with zipfile.ZipFile(path) as book, zipfile.ZipFile(tmp_path / "p.xlsx", "w") as out:
        for item in book.infolist():
            data = book.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:O2"', data)
            out.writestr(item, data)
    assert sorted(doc_nos(read(tmp_path / "p.xlsx")).values()) == [f"{i}号" for i in range(1, 6)]


def test_a_workbook_that_inflates_like_a_zip_bomb_is_refused_unread(tmp_path):
    """20 MB of one character in one cell, in a file of 20 KB: openpyxl would hold it all."""
    path = write_xlsx(tmp_path / "ok.xlsx", [list(penalty_row()), list(penalty_row().values())])
    with zipfile.ZipFile(path) as book, zipfile.ZipFile(tmp_path / "p.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
        for item in book.infolist():
            data = book.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                cell = b'<row r="3"><c r="A3" t="inlineStr"><is><t>' + b"A" * (20 << 20) + b"</t></is></c></row>"
                data = data.replace(b"</sheetData>", cell + b"</sheetData>")
            out.writestr(item.filename, data)
    assert (tmp_path / "p.xlsx").stat().st_size < 100_000
    with pytest.raises(FileError, match="sheet1.xml 解压后 20 MB"):
        read(tmp_path / "p.xlsx")
    assert len(read(path)) == 1


def test_a_csv_or_an_xls_named_xlsx_is_said_to_be_one(tmp_path):
    (tmp_path / "p.xlsx").write_text("".join(csv_lines(numbered(1))), encoding="utf-8")
    with pytest.raises(FileError, match="可能是改了扩展名的CSV"):
        read(tmp_path / "p.xlsx")
    (tmp_path / "q.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(FileError, match=r"旧版Excel（\.xls）"):
        read(tmp_path / "q.xlsx")


def test_a_long_number_excel_cut_to_15_digits_is_said_to_be_so(tmp_path):
    """An ID number typed into a number cell: Excel stores 4.20102198506123E+17, its last digits gone.
    In a column the catalogue does not know (a source system's own record id) the number is dropped
    with the column and rejects nothing."""
    from tests.conftest import TODAY, ingest_into, make_settings

    row = {**penalty_row(**{"证件号码": "", "行政处罚决定书文号": "2号"}), "数据ID": 1.23456789012345e18}
    cut = {**row, "行政处罚决定书文号": "1号", "证件号码": 4.20102198506123e17}
    path = write_xlsx(tmp_path / "p.xlsx", [list(row), list(cut.values()), list(row.values())])
    data = ingest_into(make_settings(tmp_path), [str(path)], TODAY).as_json()
    assert (data["accepted"], data["rejected"]) == (1, 1)
    [rejection] = data["rejections"]
    assert (rejection["line"], rejection["field"], rejection["code"]) == (2, "证件号码", "lost_digits")
    assert "18位的数值单元格" in rejection["reason"] and "文本" in rejection["reason"]
    assert data["files"][0]["dropped_columns"]["unknown"] == ["数据ID"]


# -- control characters ------------------------------------------------------------------------

def test_control_characters_are_removed_before_anything_is_stored():
    assert clean_text("武汉\x00光谷\x07科技\x1b有限公司\x9f") == "武汉光谷科技有限公司"
    assert clean_text("\x00 第一段\x0b第二段\x85第三段 \x01") == "第一段 第二段 第三段"
    assert clean_text("\x00\x01") == ""


def test_a_joiner_inside_an_emoji_is_kept_and_removed_elsewhere():
    """A zero-width joiner makes 👨+👩+👧 one family emoji (a quoted advertisement in 违法事实):
    kept there; between letters, digits or CJK characters it is an invisible character like any other."""
    zwj = "\u200d"
    family, fire = zwj.join("👨👩👧"), "❤\ufe0f" + zwj + "🔥"
    assert clean_text(f"发布“{family}家庭套餐{fire}”广告") == f"发布“{family}家庭套餐{fire}”广告"
    assert clean_text(f"武{zwj}汉{zwj}👍 1{zwj}号 👍{zwj}") == "武汉👍 1号 👍"
    # Text typed into the portal's forms (reasons, statements) keeps its emoji the same way.
    from credit import typed

    assert typed.line(f"理由{family}\u202e{zwj}") == f"理由{family}"
    assert typed.block(f"第一行{fire}\n武{zwj}汉") == f"第一行{fire}\n武汉"
