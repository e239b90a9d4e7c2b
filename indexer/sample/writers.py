"""The files a data set is written to — CSV in UTF-8 (with and without BOM) and GB18030, JSON
Lines, XLSX — and its manifest, all byte for byte the same for the same seed."""
from __future__ import annotations

import csv
import io
import json
import os
import re
from datetime import date, datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook


class Sink:
    """One output file. `write` returns the line number a reader will report for the row."""
    first_line = 2               # header on line 1

    def __init__(self, path: Path, kind: str):
        self.path, self.kind = path, kind
        self.rows = 0
        self.bad = 0

    def write(self, values: list[str]) -> int:
        self._write(values)
        self.rows += 1
        return self.first_line + self.rows - 1


class CsvSink(Sink):
    def __init__(self, path: Path, kind: str, headers: list[str], encoding: str):
        super().__init__(path, kind)
        self._fh = path.open("w", encoding=encoding, newline="")
        self._writer = csv.writer(self._fh)
        self._writer.writerow(headers)

    def _write(self, values):
        self._writer.writerow(values)

    def close(self):
        self._fh.close()


class JsonlSink(Sink):
    first_line = 1               # no header line

    def __init__(self, path: Path, kind: str, headers: list[str]):
        super().__init__(path, kind)
        self._headers = headers
        self._fh = path.open("w", encoding="utf-8", newline="")

    def _write(self, values):
        self._fh.write(json.dumps(dict(zip(self._headers, values)), ensure_ascii=False) + "\n")

    def close(self):
        self._fh.close()


class XlsxSink(Sink):
    def __init__(self, path: Path, kind: str, headers: list[str], stamp: date):
        super().__init__(path, kind)
        self._stamp = stamp
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("名单信息")
        self._sheet.append(headers)

    def _write(self, values):
        self._sheet.append([v or None for v in values])

    def close(self):
        buffer = io.BytesIO()
        self._book.save(buffer)
        _restamp_zip(buffer.getvalue(), self.path, self._stamp)


def _restamp_zip(data: bytes, path: Path, stamp: date) -> None:
    """openpyxl stamps the archive entries and docProps/core.xml with the wall clock; rewrite
    them with `stamp` so the same seed gives the same bytes."""
    when = f"{stamp.isoformat()}T00:00:00Z".encode()
    with ZipFile(io.BytesIO(data)) as src, ZipFile(path, "w", ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + when, content)
            entry = ZipInfo(info.filename, date_time=(stamp.year, stamp.month, stamp.day, 0, 0, 0))
            entry.compress_type = ZIP_DEFLATED
            dst.writestr(entry, content)


def open_files(out: Path, headers: dict[str, list[str]], today: date) -> tuple[dict, dict, Sink]:
    """(bulk file per kind, small extra-format file per kind, corrections file)."""
    bulk = {"licence": CsvSink(out / "licences.csv", "licence", headers["licence"], "utf-8-sig"),
            "penalty": CsvSink(out / "penalties.csv", "penalty", headers["penalty"], "utf-8"),
            "list": CsvSink(out / "lists.csv", "list", headers["list"], "utf-8")}
    extra = {"licence": JsonlSink(out / "licences.jsonl", "licence", headers["licence"]),
             "penalty": CsvSink(out / "penalties_gbk.csv", "penalty", headers["penalty"], "gb18030"),
             "list": XlsxSink(out / "lists.xlsx", "list", headers["list"], today)}
    return bulk, extra, CsvSink(out / "corrections.csv", "penalty", headers["penalty"], "utf-8")


def write_manifest(out: Path, manifest: dict) -> None:
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def stamp_arrival(out: Path, names: list[str], today: date) -> None:
    """Modification times in the order the files 'arrived' (the manifest's order, corrections
    last): a folder is ingested in arrival order, so a re-sent row replaces the original."""
    base = int(datetime.combine(today, datetime.min.time()).timestamp()) + 9 * 3600
    for minute, name in enumerate(names):
        os.utime(out / name, (base + 60 * minute, base + 60 * minute))
