"""What `python -m indexer ingest` tells a first-time user, and the XLSX progress bar's total."""
from __future__ import annotations

import json
import shutil

from indexer.readers import estimate_rows
from tests.test_cli import indexer


def test_a_samples_deliberately_bad_rows_are_said_to_be_expected(tmp_path):
    data, instance = tmp_path / "data", tmp_path / "instance"
    assert indexer("sample", "--out", str(data), "--subjects", "80", "--seed", "5", instance=instance).returncode == 0
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    bad = len(manifest["bad_rows"])

    run = indexer("ingest", str(data), instance=instance)
    assert run.returncode == 0, run.stderr
    assert f"拒绝 {bad}，" in run.stdout
    assert (f"说明：这是生成的样例数据，其中 {bad} 行是故意写错的（见 manifest.json 中的 bad_rows），"
            "用来演示入库校验；以上拒绝的正是这些行，属预期结果。") in run.stdout

    # The same file outside its sample folder is just a file: no note.
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(data / "lists.csv", alone / "lists.csv")
    run = indexer("ingest", str(alone / "lists.csv"), instance=tmp_path / "other")
    assert run.returncode == 0, run.stderr
    assert "样例数据" not in run.stdout


def test_xlsx_progress_counts_the_sheets_rows(tmp_path):
    from openpyxl import Workbook

    data = tmp_path / "data"
    assert indexer("sample", "--out", str(data), "--subjects", "40", "--seed", "2", instance=tmp_path).returncode == 0
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    # openpyxl's write-only sheets record no dimension: the rows are counted (header included, as
    # a CSV's newlines are).
    assert estimate_rows(data / "lists.xlsx") == manifest["files"]["lists.xlsx"]["rows"] + 1
    book = Workbook()   # a sheet written the usual way records its dimension (A1:B1235)
    for n in range(1235):
        book.active.append([n, "行"])
    book.save(tmp_path / "dimension.xlsx")
    assert estimate_rows(tmp_path / "dimension.xlsx") == 1235
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    assert estimate_rows(tmp_path / "broken.xlsx") is None   # the reader will say what is wrong
