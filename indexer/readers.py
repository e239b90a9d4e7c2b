"""Reading source files: CSV (UTF-8 with or without BOM, or GBK/GB18030, detected), XLSX and
JSON Lines. Each reader yields (line number, {header: cell}) so rejections can name the line, or
(line number, BadRow) for a data line that cannot be read as a row: it is rejected, never dropped.

A data line is a CSV record (one physical line, or several when a quoted field holds line breaks),
a sheet row or a JSON line after the header that holds something. Blank lines — only spaces, or
only empty cells — are not data lines: they are skipped and counted nowhere. So for every file read
to its end, accepted + rejected = data lines."""
from __future__ import annotations

import csv
import itertools
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Union
from xml.etree import ElementTree

from credit.catalog import header_key
from indexer.validate import Problem

SUFFIXES = (".csv", ".xlsx", ".jsonl", ".ndjson")
WHOLE_ROW = "（整行）"   # the field named by a problem that is not one column's


@dataclass(frozen=True)
class BadRow:
    """A data line rejected as read. `cells` is what could be read of it ({header: cell}, maybe
    nothing): the report files the rejection under its source department."""
    problem: Problem
    cells: dict = field(default_factory=dict)


Row = tuple[int, Union[dict, BadRow]]


class Nested(str):
    """A JSON Lines value that is an object or an array, as JSON text: in a catalogue column it
    rejects its row (indexer/validate_chunks.py), where it would be stored as text nobody wrote;
    in a column the catalogue does not know it is dropped with the column."""


class LostDigits(str):
    """An XLSX number cell of 16 digits or more, as the digits it still holds: Excel keeps 15
    significant digits, so an ID number or a code typed into a number cell has lost its last ones
    (420102198506123456 → 420102198506123000). In a catalogue column it rejects its row as
    lost_digits (indexer/validate_chunks.py); in a column the catalogue does not know (a source
    system's own record id) it is dropped with the column, like any value there."""


class FileError(Exception):
    """The file as a whole cannot be read; nothing in it is ingested."""


def expand(paths: list[str]) -> list[Path]:
    """Files named (in the order given), and the source files inside folders named, in the order
    they arrived (modification time, then name): a row re-sent in a later file replaces the earlier.
    In a folder, hidden files and folders (.x, a Mac's ._x.csv beside each file) and Office's lock
    files (~$x.xlsx) are no source files. A folder that cannot be read is a bad path like one that
    does not exist; an empty one is no error (a drop folder nothing arrived in tonight): it adds no
    file, and a run that has none says so (indexer ingest). One whose files are all of other types gives
    those, to be refused."""
    files = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += sorted(_source_files(path, name), key=lambda p: (p.stat().st_mtime_ns, str(p)))
        elif path.is_file():
            files.append(path)
        elif path.exists():
            raise FileError(f"{name}：不是普通文件或目录（可能是管道或设备），无法导入")
        else:
            raise FileError(f"{name}：文件或目录不存在")
    return files


def _source_files(folder: Path, name: str) -> list[Path]:
    def unreadable(exc: OSError):
        raise FileError(f"{name}：无法读取目录 {exc.filename}（{exc.strerror}）")

    found, others = [], []
    for top, dirs, names in os.walk(folder, onerror=unreadable):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for p in (Path(top, n) for n in names if not n.startswith((".", "~$"))):
            if p.is_file():
                (found if p.suffix.lower() in SUFFIXES else others).append(p)
    # A folder whose files are all of another type (处罚.xls, an old Excel file) is not one nothing
    # arrived in: each is refused as a file named so is (不支持的文件类型), and the run does not end well.
    return found or others


def detect_encoding(head: bytes) -> str:
    """utf-8-sig when it decodes as UTF-8 (BOM or not), else GB18030 (a superset of GBK)."""
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8-sig"
        not_utf8 = exc.start
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise FileError("文件是UTF-16编码，请另存为UTF-8（或GBK）后重新报送") from exc
        # Neither as a whole (GB18030 reads nearly any bytes): a UTF-8 file with GBK lines pasted in.
        line = head[:not_utf8].count(b"\n") + 1
        raise FileError(f"无法识别文件编码（应为UTF-8或GBK/GB18030）：第{line}行起不是UTF-8，文件可能混用了UTF-8和GBK；"
                        "请统一另存为UTF-8后重新报送") from exc


def headers_and_rows(path: Path, max_field: int, compact: bool = False) -> tuple[list[str], Iterator[Row]]:
    """The header and the rows of a source file; a field longer than max_field characters
    (Settings.ingest_max_field) rejects its row. `compact`: a CSV row comes as its list of cells
    (under the headers by position, as many as it has) rather than a {header: cell} dict — the
    smaller thing to send to a worker; cells_by_header turns it into the dict."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _csv(path, max_field, compact)
        if suffix == ".xlsx":
            return _xlsx(path, max_field)
        if suffix in (".jsonl", ".ndjson"):
            return _jsonl(path, max_field)
    except OSError as exc:   # no permission, a file gone meanwhile: this file is refused, the run goes on
        raise FileError(f"{path.name}：无法读取（{exc.strerror or exc}）") from exc
    raise FileError(f"{path.name}：不支持的文件类型（支持 CSV、XLSX、JSON Lines）")


class _Unnamed:
    """The columns of a file without a header: blank headers, and whatever lies past the last one."""

    def __init__(self, headers: list[str]):
        self.width = max((i + 1 for i, h in enumerate(headers) if h), default=0)
        self.blanks = tuple(i for i, h in enumerate(headers[:self.width]) if not h)

    def problem(self, cells: list, hint: str) -> Problem | None:
        """A value in such a column: which column it belongs to cannot be known (padding is fine)."""
        if len(cells) <= self.width and not self.blanks:
            return None
        stray = [i for i in (*self.blanks, *range(self.width, len(cells))) if i < len(cells) and str(cells[i]).strip()]
        if not stray:
            return None
        return Problem(WHOLE_ROW, "extra_cells", f"第{stray[0] + 1}列没有表头却有值“{str(cells[stray[0]])[:20]}”，"
                                                 f"无法确定它属于哪一列{hint}")


_KEPT_OF_LONG = 200   # characters of an over-long cell the report keeps


def _cut_long(cells: dict, max_field: int) -> dict:
    """A rejected row's cells as the quality report keeps them: an over-long one cut to its start,
    so that a file of such rows cannot make a report of gigabytes (held whole in memory and stored
    in one row of ingest_runs)."""
    return {h: v[:_KEPT_OF_LONG] + "…（超长，已截断）" if type(v) is str and len(v) > max_field else v
            for h, v in cells.items()}


def _too_long(header: str | None, max_field: int) -> Problem:
    what = header or "该行有字段"
    return Problem(header or WHOLE_ROW, "field_too_long",
                   f"字段过长：{what}超过{max_field}个字符，该行未导入；请核对该字段（或拆分内容）后重新报送")


# -- CSV ------------------------------------------------------------------------------------------

class _Lines:
    """A text file's physical lines as csv.reader takes them: numbered, and those of the record
    being read kept, so a record can be told apart from the lines it was read from."""

    def __init__(self, fh):
        self._fh, self.number, self.record = fh, 0, []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._fh)
        self.number += 1
        self.record.append(line)
        return line

    def start(self) -> int:
        """The number of the first physical line of the record being read."""
        return self.number - len(self.record) + 1


def cells_by_header(headers, cells: list) -> dict:
    """A compact row as the {header: cell} dict the reader gives otherwise."""
    return dict(zip(headers, cells))


def _csv(path: Path, max_field: int, compact: bool = False) -> tuple[list[str], Iterator[Row]]:
    with path.open("rb") as fh:
        encoding = detect_encoding(fh.read(1 << 20))
    fh = path.open(encoding=encoding, newline="")
    lines = _Lines(fh)
    reader = csv.reader(lines)
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        fh.close()
        raise FileError(f"{path.name}：文件为空") from None
    except UnicodeDecodeError as exc:
        fh.close()
        raise FileError(f"{path.name}：编码错误（{exc.reason}）") from exc
    except csv.Error as exc:
        fh.close()
        raise FileError(f"{path.name}：表头无法按CSV读取（{exc}）") from exc

    unnamed = _Unnamed(headers)

    def rows() -> Iterator[Row]:
        # The csv module enforces the limit as it reads (a field past it raises csv.Error), so no
        # row pays for a check of its own; the process-wide setting is put back when the file ends.
        saved = csv.field_size_limit(max_field)
        try:
            with fh:
                while True:
                    lines.record = []
                    try:
                        cells = next(reader)
                    except StopIteration:
                        return
                    except csv.Error as exc:
                        yield from _unreadable(lines, len(headers), max_field, exc)
                        continue
                    yield from _record(lines, headers, unnamed, cells, compact)
        except UnicodeDecodeError as exc:
            raise FileError(f"{path.name} 第{lines.number + 1}行附近编码错误（{exc.reason}）") from exc
        finally:
            csv.field_size_limit(saved)
    return headers, rows()


def _record(lines: _Lines, headers: list[str], unnamed: _Unnamed, cells: list[str], compact: bool) -> Iterator[Row]:
    start = lines.start()
    if len(lines.record) > 1 and _swallowed(lines.record, len(headers)):
        opened = next((h for h, c in zip(headers, cells) if "\n" in c and h), WHOLE_ROW)
        yield from _swallowed_rows(lines, start, opened)
    elif any(c.strip() for c in cells):
        if header := _repeated_header(cells, headers, start):
            yield start, BadRow(header)   # no cells: they would name a department "数据来源单位"
        elif problem := unnamed.problem(cells, "（可能是某个字段里的逗号没有加引号，各列因此错位）"):
            yield start, BadRow(problem, dict(zip(headers, cells)))
        else:
            yield start, cells if compact else dict(zip(headers, cells))


def _repeated_header(cells: list, headers: list[str], line: int) -> Problem | None:
    """The header again (files joined one after another, each with its header, maybe its BOM):
    no data line, and rejected as such, not as a row whose every value is wrong."""
    first = str(cells[0]).strip().lstrip("\ufeff")
    if first != headers[0] or [header_key(str(c)) for c in cells] != [header_key(h) for h in headers]:
        return None
    return Problem(WHOLE_ROW, "repeated_header", f"第{line}行是重复的表头（文件可能由几个文件拼接而成），不是数据行，"
                                                  "未导入；删除该行即可")


def _swallowed(record: list[str], width: int) -> bool:
    """Whether a record read across several physical lines took in whole rows. A quoted field that
    legitimately holds line breaks (an address, paragraphs of 违法事实) adds lines of text to one
    row: at most its first and last line carry the row's own delimiters. A stray quote at the start
    of a field makes every line it swallows a complete row, delimiters and all: two lines each
    with a whole row's delimiters mark it."""
    need = max(width - 1, 1)
    return sum(line.count(",") >= need for line in record) >= 2


def _swallowed_rows(lines: _Lines, start: int, opened: str) -> Iterator[Row]:
    """Each data line of a swallowing record, rejected: what it held cannot be told apart."""
    end = start + len(lines.record) - 1
    problem = Problem(opened, "unbalanced_quote",
                      f"第{start}行{'' if opened == WHOLE_ROW else '“' + opened + '”列'}的引号没有配对，第{start}至{end}行"
                      f"被读成了同一个字段，这些行均未导入；请检查第{start}行的引号后重新报送")
    for number, text in enumerate(lines.record, start):
        if text.replace(",", "").replace('"', "").strip():   # blank lines are no data lines here either
            yield number, BadRow(problem)


def _unreadable(lines: _Lines, width: int, max_field: int, exc: csv.Error) -> Iterator[Row]:
    """A record the csv module gave up on (a field past the limit): it drops the rest of the
    physical line it was on and reads on from the next one."""
    start = lines.start()
    if len(lines.record) > 1 and _swallowed(lines.record, width):
        # A stray quote ran past the limit: the lines after this one are rows again.
        yield from _swallowed_rows(lines, start, WHOLE_ROW)
        return
    if "field larger than field limit" not in str(exc):
        yield start, BadRow(Problem(WHOLE_ROW, "unreadable", f"该行无法按CSV读取（{exc}）"))
        return
    _skip_quoted(lines)
    yield start, BadRow(_too_long(None, max_field))


def _skip_quoted(lines: _Lines) -> None:
    """Read on to the end of a long quoted field whose start the csv module gave up on, so its
    remaining lines are not read as rows: inside quotes the record's quote marks are odd in number
    (a quote within a quoted field is doubled)."""
    quotes = sum(line.count('"') for line in lines.record)
    while quotes % 2:
        try:
            quotes += next(lines).count('"')
        except StopIteration:
            return
        lines.record.clear()   # not kept: the field may be very long


# -- XLSX -----------------------------------------------------------------------------------------

# A part of a workbook that inflates more than this (and past _INFLATED_MIN bytes) is refused
# unread: worksheets compress 5–20 times, a cell of one character repeated hundreds of times more,
# and openpyxl holds a cell's whole text in memory (300 KB of file made 600 MB).
_MAX_RATIO, _INFLATED_MIN = 100, 16 << 20


def _xlsx(path: Path, max_field: int) -> tuple[list[str], Iterator[Row]]:
    from openpyxl import load_workbook
    _check_inflation(path)
    try:
        # Formulas as written, not their cached results: a formula cell is refused (a cached value
        # is whatever the last program to save the file computed, or nothing at all).
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileError(f"{path.name}：不是有效的XLSX文件（{exc}）{_what_it_is(path)}") from exc
    # The one sheet holding anything (an empty first sheet before it is fine): rows on a second
    # sheet would otherwise go unread and uncounted, so a workbook with several is refused. A hidden
    # sheet is no second sheet of data when a visible one holds them: templates keep the values of
    # their drop-down lists (行政相对人类别, 许可类别…) on one, which the clerk never sees.
    for sheet in book.worksheets:
        # Read to the sheet's last row, not to the end its <dimension> claims: openpyxl's read-only
        # mode stops there, and a writer that recorded too small a one would have rows left unread.
        sheet.reset_dimensions()
    visible = [sheet for sheet in book.worksheets if sheet.sheet_state == "visible"]
    filled = ([sheet for sheet in visible if _holds_anything(sheet)]
              or [sheet for sheet in book.worksheets if _holds_anything(sheet)])
    if len(filled) != 1:
        book.close()
        if not filled:
            raise FileError(f"{path.name}：工作表为空")
        raise FileError(f"{path.name}：有{len(filled)}个工作表含内容（{'、'.join(s.title for s in filled)}），每个文件只导入"
                        "一个工作表；请把数据放在一个工作表中（说明等其他工作表删除或另存），或分成几个文件后重新报送")
    it = filled[0].iter_rows()
    first = next(it)
    headers = ["" if c.value is None else str(c.value).strip() for c in first]
    unnamed = _Unnamed(headers)

    def rows() -> Iterator[Row]:
        try:
            for number, cells in enumerate(it, start=2):
                row = _sheet_row(cells, headers, unnamed, max_field)
                if row is not None:
                    yield number, row
        finally:
            book.close()
    return headers, rows()


def _what_it_is(path: Path) -> str:
    """A hint for a file named .xlsx that is not one: most often a CSV or an old .xls renamed."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "；这是旧版Excel（.xls）文件，请在Excel中另存为.xlsx后重新报送"
    try:
        detect_encoding(head)
    except FileError:
        return ""
    return "；内容是文本（可能是改了扩展名的CSV），请把扩展名改为.csv后重新报送" if b"," in head and b"\x00" not in head else ""


def _check_inflation(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as book:
            parts = book.infolist()
    except (zipfile.BadZipFile, OSError):
        return   # load_workbook says what is wrong with it
    for part in parts:
        if part.file_size > _INFLATED_MIN and part.file_size > _MAX_RATIO * max(part.compress_size, 1):
            raise FileError(f"{path.name}：其中的 {part.filename} 解压后 {part.file_size >> 20} MB，是压缩后的"
                            f"{part.file_size // max(part.compress_size, 1)}倍，远超正常表格；文件可能已损坏或被构造，未导入，请重新导出")


def _holds_anything(sheet) -> bool:
    return any(c.value is not None and str(c.value).strip() for row in sheet.iter_rows() for c in row)


def _sheet_value(value):
    """A cell's value as read: whole numbers without the spreadsheet's .0, dates as they are."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return LostDigits(int(value)) if abs(value) >= 1e15 else int(value)
    return value


def _sheet_row(cells, headers: list[str], unnamed: _Unnamed, max_field: int) -> dict | BadRow | None:
    """One sheet row ({header: cell}), a BadRow, or None for a blank row."""
    values = [_sheet_value(c.value) for c in cells]
    if not any(str(v).strip() for v in values):
        return None
    row = {h: v if hasattr(v, "isoformat") or type(v) is LostDigits else str(v) for h, v in zip(headers, values)}
    problem = (_formula(cells, headers) or unnamed.problem(values, "")
               or next((_too_long(h, max_field) for h, v in row.items() if type(v) is str and len(v) > max_field), None))
    return BadRow(problem, _cut_long(row, max_field)) if problem else row


def _formula(cells, headers: list[str]) -> Problem | None:
    for i, cell in enumerate(cells):
        if cell.data_type == "f":
            name = headers[i] if i < len(headers) and headers[i] else f"第{i + 1}列"
            formula = getattr(cell.value, "text", cell.value)   # an array formula is an object
            return Problem(name, "formula", f"单元格含公式：{name}为公式“{formula}”，不导入公式的计算结果；"
                                            f"请把该列复制后“粘贴为数值”再重新报送")
    return None


# -- JSON Lines -----------------------------------------------------------------------------------

# Non-blank lines looked at for the first JSON object, whose keys name the file's columns: lines
# before it are rejected like any other line that is not an object, but a file with none among
# its first lines is no JSON Lines file, and is refused as a whole.
_JSONL_PROBE = 1000


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list) -> dict:
    obj = dict(pairs)
    if len(obj) < len(pairs):
        seen = set()
        raise _DuplicateKey(next(k for k, _v in pairs if k in seen or seen.add(k)))
    return obj


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys)
# Half of a UTF-16 pair escaped alone ("\ud800") decodes to no character: no UTF-8 text, database or
# document can hold it (it stopped the whole ingest). Like a byte a decoder cannot read, it becomes
# U+FFFD: the ingest goes on, and the row is rejected as garbled_text naming the broken field.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_TYPES = {list: "数组", str: "字符串", int: "数字", float: "数字", bool: "true/false", type(None): "null"}


def _json_row(number: int, line: str, max_field: int) -> dict | BadRow:
    try:
        obj = _DECODER.decode(line)
    except _DuplicateKey as exc:
        return BadRow(Problem(exc.key, "duplicate_column", f"第{number}行的键“{exc.key}”出现了不止一次，无法确定以哪个值为准"))
    except ValueError:
        obj = ValueError
    if not isinstance(obj, dict):
        what = "无法解析为JSON" if obj is ValueError else f"是{_JSON_TYPES.get(type(obj), 'JSON值')}"
        return BadRow(Problem(WHOLE_ROW, "not_json_object", f"第{number}行不是JSON对象（{what}）；每行应为一个"
                                                            "{\"列名\": \"值\", …} 形式的对象"))
    cells = {k: "" if v is None else v if isinstance(v, str) else Nested(json.dumps(v, ensure_ascii=False))
             if isinstance(v, (dict, list)) else str(v) for k, v in obj.items()}
    if "\\u" in line and any(map(_LONE_SURROGATE.search, itertools.chain(cells, cells.values()))):
        cells = {_LONE_SURROGATE.sub("\ufffd", k): type(v)(_LONE_SURROGATE.sub("\ufffd", v)) for k, v in cells.items()}
    if cells and max(map(len, cells.values())) > max_field:
        return BadRow(_too_long(next(k for k, v in cells.items() if len(v) > max_field), max_field),
                      _cut_long(cells, max_field))
    return cells


def _jsonl(path: Path, max_field: int) -> tuple[list[str], Iterator[Row]]:
    with path.open("rb") as fh:
        encoding = detect_encoding(fh.read(1 << 20))
    fh = path.open(encoding=encoding)
    read = 0   # lines read: an undecodable byte past the part the encoding was detected from is named by it

    def numbered() -> Iterator[tuple[int, str]]:
        nonlocal read
        for read, line in enumerate(fh, start=1):
            if line.strip():
                yield read, line

    lines = numbered()
    before: list[Row] = []
    try:
        for number, line in itertools.islice(lines, _JSONL_PROBE):
            row = _json_row(number, line, max_field)
            before.append((number, row))
            keys = row.cells if type(row) is BadRow else row
            if keys:
                break
        else:
            fh.close()
            if not before:
                raise FileError(f"{path.name}：文件为空")
            raise FileError(f"{path.name}：前{len(before)}个非空行中没有带字段的JSON对象，无法确定字段"
                            "（JSON Lines 文件应每行一个JSON对象）")
    except UnicodeDecodeError as exc:
        fh.close()
        raise FileError(f"{path.name} 第{read + 1}行附近编码错误（{exc.reason}）") from exc

    def rows() -> Iterator[Row]:
        with fh:
            yield from before
            try:
                for number, line in lines:
                    yield number, _json_row(number, line, max_field)
            except UnicodeDecodeError as exc:   # as the CSV reader says it
                raise FileError(f"{path.name} 第{read + 1}行附近编码错误（{exc.reason}）") from exc
    return list(keys), rows()


def estimate_rows(path: Path) -> int | None:
    """Rows in a file, for the progress bar: a newline count, or an XLSX sheet's row count."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+[0-9]+(?::[A-Z]+([0-9]+))?"')
_ROW = re.compile(rb"<(?:\w{1,8}:)?row[\s>]")
_ROW_TAG_MAX = 16   # bytes the pattern above can span
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def _xlsx_rows(path: Path) -> int | None:
    """Rows of the first sheet (the one read), header included as in a CSV's newline count: its
    <dimension> when the writer recorded one (Excel does), else its <row> tags counted as the XML
    streams out of the archive (openpyxl's write-only mode records no dimension), a fraction of the
    cost of parsing the cells. None when it is not a readable workbook: the reader will say why."""
    try:
        with zipfile.ZipFile(path) as book, book.open(_first_sheet(book)) as sheet:
            head = sheet.read(1 << 16)
            if (found := _DIMENSION.search(head)) and found.group(1):
                return int(found.group(1))
            rows, carry = 0, b""
            for chunk in itertools.chain([head], iter(lambda: sheet.read(1 << 20), b"")):
                # A tag cut by a chunk's end is counted in the next round, from the carried bytes.
                text = carry + chunk
                cut = max(0, len(text) - _ROW_TAG_MAX)
                rows += sum(1 for tag in _ROW.finditer(text) if tag.start() < cut)
                carry = text[cut:]
            return rows + len(_ROW.findall(carry))
    except (zipfile.BadZipFile, KeyError, OSError, StopIteration, ElementTree.ParseError):
        return None


def _first_sheet(book: zipfile.ZipFile) -> str:
    """The archive path of the workbook's first sheet (as openpyxl's worksheets[0])."""
    first = ElementTree.fromstring(book.read("xl/workbook.xml")).find("m:sheets/m:sheet", _NS)
    if first is None:
        raise KeyError("no sheet")
    rel_id = first.get(f"{{{_NS['r']}}}id")
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels.iterfind("p:Relationship", _NS) if r.get("Id") == rel_id)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
