"""Reading source files: CSV (UTF-8 with or without BOM, or GBK/GB18030, detected), XLSX and
JSON Lines. Each reader yields (line number, {header: cell}) so rejections can name the line."""
from __future__ import annotations

import csv
import itertools
import json
import re
import zipfile
from pathlib import Path
from typing import Iterator
from xml.etree import ElementTree

SUFFIXES = (".csv", ".xlsx", ".jsonl", ".ndjson")
Row = tuple[int, dict[str, str]]


class FileError(Exception):
    """The file as a whole cannot be read; nothing in it is ingested."""


def expand(paths: list[str]) -> list[Path]:
    """Files named (in the order given), and the source files inside folders named, in the order
    they arrived (modification time, then name): a row re-sent in a later file replaces the earlier."""
    files = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()]
            files += sorted(found, key=lambda p: (p.stat().st_mtime_ns, str(p)))
        elif path.is_file():
            files.append(path)
        else:
            raise FileError(f"{name}：文件或目录不存在")
    return files


def detect_encoding(head: bytes) -> str:
    """utf-8-sig when it decodes as UTF-8 (BOM or not), else GB18030 (a superset of GBK)."""
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8-sig"
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise FileError("无法识别文件编码（应为UTF-8或GBK/GB18030）") from exc


def headers_and_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv(path)
    if suffix == ".xlsx":
        return _xlsx(path)
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl(path)
    raise FileError(f"{path.name}：不支持的文件类型（支持 CSV、XLSX、JSON Lines）")


def _csv(path: Path) -> tuple[list[str], Iterator[Row]]:
    with path.open("rb") as fh:
        encoding = detect_encoding(fh.read(1 << 20))
    fh = path.open(encoding=encoding, newline="")
    reader = csv.reader(fh)
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        fh.close()
        raise FileError(f"{path.name}：文件为空") from None
    except UnicodeDecodeError as exc:
        fh.close()
        raise FileError(f"{path.name}：编码错误（{exc.reason}）") from exc

    def rows() -> Iterator[Row]:
        with fh:
            try:
                for cells in reader:
                    if any(c.strip() for c in cells):
                        yield reader.line_num, dict(zip(headers, cells))
            except UnicodeDecodeError as exc:
                raise FileError(f"{path.name} 第{reader.line_num + 1}行附近编码错误（{exc.reason}）") from exc
    return headers, rows()


def _xlsx(path: Path) -> tuple[list[str], Iterator[Row]]:
    from openpyxl import load_workbook
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileError(f"{path.name}：不是有效的XLSX文件（{exc}）") from exc
    sheet = book.worksheets[0]
    it = sheet.iter_rows(values_only=True)
    first = next(it, None)
    if first is None:
        book.close()
        raise FileError(f"{path.name}：工作表为空")
    headers = ["" if h is None else str(h).strip() for h in first]

    def rows() -> Iterator[Row]:
        try:
            for number, cells in enumerate(it, start=2):
                values = ["" if c is None else c if not isinstance(c, float) or not c.is_integer() else int(c)
                          for c in cells]
                if any(str(v).strip() for v in values):
                    yield number, {h: v if hasattr(v, "isoformat") else str(v) for h, v in zip(headers, values)}
        finally:
            book.close()
    return headers, rows()


def _jsonl(path: Path) -> tuple[list[str], Iterator[Row]]:
    with path.open("rb") as fh:
        encoding = detect_encoding(fh.read(1 << 20))
    fh = path.open(encoding=encoding)
    lines = ((n, line) for n, line in enumerate(fh, start=1) if line.strip())
    first = next(lines, None)
    if first is None:
        fh.close()
        raise FileError(f"{path.name}：文件为空")
    try:
        headers = list(json.loads(first[1]))
    except (json.JSONDecodeError, TypeError) as exc:
        fh.close()
        raise FileError(f"{path.name}：第{first[0]}行不是JSON对象，无法确定字段") from exc

    def rows() -> Iterator[Row]:
        with fh:
            for number, line in itertools.chain([first], lines):
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    obj = None
                # A line that is not a JSON object is a row with nothing in it: validation rejects it.
                cells = obj if isinstance(obj, dict) else {}
                yield number, {k: "" if v is None else v if isinstance(v, str) else str(v) for k, v in cells.items()}
    return headers, rows()


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
