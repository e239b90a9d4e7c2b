"""End to end: ingest a generated sample, then read the *whole* public index back through the
search interface and check it against the source files.

Nothing that must stay private is there (ID numbers, phone numbers, natural persons' records,
unpublished or expired penalties, unmasked operator names), and what must be public is."""
from __future__ import annotations

import csv
import json
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from credit.codes import normalize_code
from credit.dates import parse_date
from credit.db import session_factory
from credit.models import Record
from credit.search import RecordQuery, SubjectQuery, open_index
from indexer.validate import clean_text
from tests.conftest import TODAY, walk

ID_NUMBER = re.compile(r"(?<![0-9A-Z])\d{17}[\dX](?![0-9A-Z])")
MOBILE = re.compile(r"(?<![0-9A-Z])1[3-9]\d{9}(?![0-9A-Z])")



def source_rows(folder):
    """(file name, line, row) of every source row, whatever its format."""
    for path in sorted(folder.iterdir()):
        if path.suffix == ".csv":
            encoding = "gb18030" if "gbk" in path.name else "utf-8-sig"
            with path.open(encoding=encoding, newline="") as fh:
                reader = csv.DictReader(fh)
                for row in reader:
                    yield path.name, reader.line_num, row
        elif path.suffix == ".jsonl":
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                yield path.name, number, json.loads(line)
        elif path.suffix == ".xlsx":
            sheet = load_workbook(path, read_only=True).worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            headers = next(rows)
            for number, cells in enumerate(rows, start=2):
                yield path.name, number, {h: "" if c is None else str(c) for h, c in zip(headers, cells)}


@pytest.fixture(scope="module")
def everything(sample_instance):
    """All public documents, read page by page through the interface (cursor paging)."""
    settings, _report = sample_instance
    index = open_index(settings)
    docs = [h.doc for h in walk(index.search_records, RecordQuery(size=500, today=TODAY))]
    subjects = [h.doc for h in walk(index.search_subjects, SubjectQuery(size=500, today=TODAY))]
    assert len(docs) == index.search_records(RecordQuery(today=TODAY)).total
    return docs, subjects


@pytest.fixture(scope="module")
def sources(sample_dir):
    manifest = json.loads((sample_dir / "manifest.json").read_text(encoding="utf-8"))
    bad = {(b["file"], b["line"]) for b in manifest["bad_rows"]}
    return [(f, n, r) for f, n, r in source_rows(sample_dir) if (f, n) not in bad]


def private_values(sources):
    ids, phones, people, operators = set(), set(), set(), {}
    for _f, _n, row in sources:
        for header, value in row.items():
            value = str(value or "")
            ids |= {normalize_code(m) for m in ID_NUMBER.findall(normalize_code(value))
                    if "证件号码" in header or "证件" in header}
            phones |= set(MOBILE.findall(value))
        kind = row.get("行政相对人类别") or row.get("主体类别")
        if kind == "自然人" and "名单类型" not in row:
            people.add(row["行政相对人名称"].strip())
        if kind == "个体工商户" and row.get("法定代表人"):
            code = normalize_code(row.get("行政相对人代码_1（统一社会信用代码）") or "")
            operators.setdefault(code, set()).add(row["法定代表人"].strip())
    return ids, phones, people, operators


def test_nothing_private_in_the_public_index(everything, sources):
    docs, subjects = everything
    text = json.dumps(docs + subjects, ensure_ascii=False)
    ids, phones, people, operators = private_values(sources)
    assert ids and phones and people and operators  # the sample does hold private data
    leaked_ids = {i for i in ids if i in text}
    assert not leaked_ids
    assert not [p for p in phones if p in text]
    # A natural person may be named publicly by a list published by law, nowhere else.
    listed = {d["subject_name"] for d in docs if d["subject_type"] == "自然人" and d["kind"] == "list"}
    assert not [name for name in people - listed if len(name) >= 2 and f'"{name}"' in text]
    by_subject = {}
    for doc in docs + subjects:
        code = doc.get("subject_code") or doc.get("code")
        by_subject[code] = by_subject.get(code, "") + json.dumps(doc, ensure_ascii=False)
    assert not [(code, name) for code, names in operators.items() for name in names
                if len(name) >= 2 and name in by_subject.get(code, "")]
    for doc in docs:
        assert doc["subject_type"] != "自然人" or doc["kind"] == "list"
        assert doc["public_until"] >= TODAY.isoformat()
        if doc["kind"] == "penalty":
            fields = doc["fields"]
            assert fields["procedure"] != "简易程序"
            assert set(fields["penalty_types"].split("；")) - {"警告", "通报批评"}


def test_natural_persons_only_on_lists_that_publish_them(everything, sources, catalog):
    docs, _ = everything
    people = [d for d in docs if d["subject_type"] == "自然人"]
    expected = [r for _f, _n, r in sources if r.get("主体类别") == "自然人" and not r.get("移出日期")
                and catalog.natural_persons_public(r["名单名称"].strip())
                and (not r.get("有效期至") or parse_date(r["有效期至"]) >= TODAY)]
    assert len(people) == len(expected)
    for doc in people:
        assert catalog.natural_persons_public(doc["list_name"])
        assert doc["subject_code"] is None
        masked = doc["fields"].get("id_no")
        assert masked is None or re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", masked)


def test_sole_trader_operators_are_masked(everything, sources):
    docs, _ = everything
    traders = [d for d in docs if d["subject_type"] == "个体工商户" and d["fields"].get("legal_rep")]
    assert traders
    for doc in traders:
        assert re.fullmatch(r"[\u4e00-\u9fff]{1,2}\*+", doc["fields"]["legal_rep"])


def test_everything_that_should_be_public_is_there(everything, sources):
    """An independent reading of the rules on clear cases: recent ordinary fines on organisations,
    valid licences, current list entries of organisations."""
    docs, subjects = everything
    titles = {(d["kind"], d["department_code"] or d["department"], d["title"]) for d in docs}
    corrected = {(r["数据来源单位统一社会信用代码"], r["行政处罚决定书文号"])
                 for f, _n, r in sources if f == "corrections.csv"}
    expected = []
    for f, _n, row in sources:
        if row.get("行政相对人类别") != "法人及非法人组织" or f == "corrections.csv":
            continue
        dept = normalize_code(row.get("数据来源单位统一社会信用代码", ""))
        if "行政处罚决定书文号" in row:
            decided = parse_date(row["处罚决定日期"])
            if (row.get("程序类型") != "简易程序" and "罚款" in row["处罚类别"] and not row.get("公示截止期")
                    and decided >= TODAY - timedelta(days=300) and (dept, row["行政处罚决定书文号"].strip()) not in corrected
                    and "撤销" not in row.get("备注", "")):
                expected.append(("penalty", dept, row["行政处罚决定书文号"].strip()))
        elif "行政许可决定文书号" in row:
            if parse_date(row["有效期至"]) >= TODAY:
                expected.append(("licence", dept, row["行政许可决定文书号"].strip()))
    assert len(expected) > 100
    missing = [e for e in expected if e not in titles]
    assert not missing, missing[:5]
    listed = {n for d in docs if d["kind"] == "list" for n in [d["subject_name"]]}
    current = [r["主体名称"].strip() for f, _n, r in sources if "名单类型" in r and r.get("主体类别") == "法人及非法人组织"
               and not r.get("移出日期") and (not r.get("有效期至") or parse_date(r["有效期至"]) >= TODAY)]
    assert current and not [n for n in current if n not in listed]
    assert {d["code"] for d in subjects} >= {d["subject_code"] for d in docs if d["subject_code"]}


def test_report_matches_manifest(sample_instance, sample_dir):
    _settings, report = sample_instance
    manifest = json.loads((sample_dir / "manifest.json").read_text(encoding="utf-8"))
    data = report.as_json()
    assert data["rejected"] == len(manifest["bad_rows"])
    got = {(r["file"].rsplit("/", 1)[-1], r["line"]) for r in data["rejections"]}
    assert got == {(b["file"], b["line"]) for b in manifest["bad_rows"]}
    by_line = {}
    for r in data["rejections"]:
        by_line.setdefault((r["file"].rsplit("/", 1)[-1], r["line"]), set()).add(r["code"])
    wrong = [b for b in manifest["bad_rows"] if b["reason"] not in by_line[(b["file"], b["line"])]]
    assert not wrong, wrong[:5]
    assert data["replaced"] >= manifest["corrections"]


def test_expired_records_leave_without_expire_run(sample_instance):
    """Tomorrow's queries drop what ends today, before `indexer expire` has touched the index."""
    settings, _ = sample_instance
    index = open_index(settings)
    ending = index.search_records(RecordQuery(size=500, today=TODAY)).hits
    last_days = {h.doc["public_until"] for h in ending}
    day = min(last_days)
    tomorrow = date.fromisoformat(day) + timedelta(days=1)
    later = index.search_records(RecordQuery(size=10_000 - 1, today=tomorrow))
    assert all(h.doc["public_until"] >= tomorrow.isoformat() for h in later.hits)
    assert later.total < index.search_records(RecordQuery(today=TODAY)).total


def test_corrections_and_revocations_win(everything, sources, sample_instance):
    """corrections.csv arrives last: its rows replace the originals, revocations leave publicity."""
    docs, _ = everything
    settings, _report = sample_instance
    with session_factory(settings.database_url)() as session:
        stored = {r.identity: r for r in session.scalars(select(Record).where(Record.kind == "penalty"))}
    by_title = {(d["department_code"], d["title"]): d for d in docs if d["kind"] == "penalty"}
    corrections = [r for f, _n, r in sources if f == "corrections.csv"]
    assert corrections
    revoked = [r for r in corrections if "撤销" in r.get("备注", "")]
    assert revoked
    for row in corrections:
        key = (normalize_code(row["数据来源单位统一社会信用代码"]), row["行政处罚决定书文号"].strip())
        record = stored[f"penalty|{key[0]}|{key[1]}"]
        # Stored as cleaned at ingest (full-width letters and digits half-width, spaces trimmed).
        assert record.values.get("remarks", "") == clean_text(row.get("备注", ""))
        assert record.values["facts"] == clean_text(row["违法事实"])
        if row in revoked:
            assert record.revoked
            assert key not in by_title, key
        elif key in by_title and row.get("罚款金额（万元）"):
            assert float(by_title[key]["fields"]["fine_amount"]) == float(row["罚款金额（万元）"])
