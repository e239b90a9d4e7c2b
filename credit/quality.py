"""Ingest quality reports for staff (SPEC §3.4): an ingest run's rejected rows, filtered by department
and reason, and exported as CSV (UTF-8 with a BOM, so Excel opens it as such) or XLSX, so a clerk can
fix the rows and send them again.

An exported cell that a spreadsheet would read as a formula (it begins with =, +, -, @, a tab or a
carriage return) is neutralised with a leading apostrophe: a source file's cell never runs in the
clerk's Excel."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from credit.codes import normalize_code

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REASON_LABELS = {
    "missing_required": "必填项为空", "bad_date": "日期无法识别", "future_date": "日期在未来",
    "valid_to_before_from": "有效期至早于有效期自", "bad_amount": "金额不是非负数", "bad_uscc": "统一社会信用代码错误",
    "bad_citizen_id": "身份证号码错误", "bad_enum": "取值不在规定范围", "no_legal_code": "缺少法人代码",
    "not_json_object": "不是JSON对象", "unbalanced_quote": "引号不成对", "field_too_long": "字段过长",
    "formula": "单元格含公式", "extra_cells": "多出的单元格", "duplicate_column": "重复的列",
    "repeated_header": "重复的表头行", "garbled_text": "含乱码",
    "nested_value": "值为JSON对象或数组", "lost_digits": "长数字已丢失末尾几位",
}
FIXED = ["文件", "行号", "字段", "原因代码", "原因", "数据来源单位", "数据来源单位统一社会信用代码"]


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Filter:
    department_code: str | None = None   # a department clerk's own: always applied
    department: str | None = None        # chosen on the page (code or name)
    reason: str | None = None

    def keeps(self, row: dict) -> bool:
        code = normalize_code(row.get("department_code") or "")
        if self.department_code is not None and code != self.department_code:
            return False
        if self.department and self.department not in (code, row.get("department")):
            return False
        return not self.reason or row.get("code") == self.reason


def rejections(report: dict, only: Filter) -> list[dict]:
    return [row for row in report.get("rejections") or () if only.keeps(row)]


def departments(report: dict, own: str | None = None, names: dict[str, str] | None = None) -> dict[str, dict]:
    """Per-department counts of a run (by name, as the report keeps them); a clerk's own only."""
    per = report.get("departments") or {}
    if own is None:
        return per
    wanted = {(names or {}).get(own)} | {r.get("department") for r in report.get("rejections") or ()
                                          if normalize_code(r.get("department_code") or "") == own}
    return {name: counts for name, counts in per.items() if name in wanted}


def reasons_of(rows: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in rows:
        out[row.get("code") or ""] = out.get(row.get("code") or "", 0) + 1
    return dict(sorted(out.items()))


def table(rows: list[dict]) -> list[list[str]]:
    """Header and rows: where and why, then the row's cells as sent (every column any row had)."""
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row.get("row") or {} if c not in columns]
    out = [FIXED + columns]
    for row in rows:
        cells = row.get("row") or {}
        out.append([row.get("file", "").rsplit("/", 1)[-1], str(row.get("line", "")), row.get("field") or "",
                    row.get("code") or "", row.get("reason") or "", row.get("department") or "",
                    row.get("department_code") or "", *(cells.get(c, "") for c in columns)])
    return [[neutralise(cell) for cell in line] for line in out]


def to_csv(lines: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[neutralise(cell) if isinstance(cell, str) else cell for cell in line] for line in lines])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(lines: list[list], title: str = "被拒绝的行") -> bytes:
    from openpyxl import Workbook  # only for an export, not in every worker at start

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for line in lines:
        # Strings are written as text cells: a neutralised formula stays text (openpyxl would read
        # a string beginning with "=" as a formula otherwise).
        sheet.append([_text_cell(sheet, cell) for cell in line])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=neutralise(value))
    cell.data_type = "s"
    return cell
