"""The sample-data generator (indexer/sample/): same seed → same bytes; every row valid except
the ones the manifest names, and those bad exactly in the way it says; every input format."""
from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from credit.codes import is_citizen_id, is_uscc, normalize_code
from indexer.sample import REASONS, generate

TODAY = date(2025, 6, 30)
CATALOG = yaml.safe_load((Path(__file__).resolve().parent.parent / "credit" / "catalog.yaml").read_text("utf-8"))
ENCODINGS = {"licences.csv": "utf-8-sig", "penalties_gbk.csv": "gb18030"}
CODE_HEADERS = [c["header"] for c in CATALOG["kinds"]["licence"]["columns"] if c["key"].startswith("code_")]


def columns(kind: str) -> list[dict]:
    spec = CATALOG["kinds"][kind]
    return spec["columns"] + spec.get("extra_columns", [])


def headers(kind: str) -> list[str]:
    return [c["header"] for c in columns(kind)]


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(line as a reader reports it, {header: cell})]) of a CSV, JSON Lines or XLSX file."""
    if path.suffix == ".jsonl":
        objects = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return list(objects[0]) if objects else [], [(i, o) for i, o in enumerate(objects, start=1)]
    if path.suffix == ".xlsx":
        sheet = load_workbook(path, read_only=True).active
        values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        return values[0], [(i, dict(zip(values[0], row))) for i, row in enumerate(values[1:], start=2)]
    with path.open(encoding=ENCODINGS.get(path.name, "utf-8"), newline="") as fh:
        reader = csv.reader(fh)
        head = next(reader)
        return head, [(reader.line_num, dict(zip(head, row))) for row in reader]


def parse_date(text: str) -> date | None:
    """The four formats SPEC §3.4 accepts."""
    text = unicodedata.normalize("NFKC", text).strip()
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})|(\d{4})/(\d{1,2})/(\d{1,2})|(\d{4})年(\d{1,2})月(\d{1,2})日|(\d{4})(\d{2})(\d{2})", text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups() if g)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def problems(kind: str, row: dict[str, str]) -> set[str]:
    """Reason keys of a row under SPEC §3.4, checked here independently of the indexer."""
    found, dates = set(), {}
    for col in columns(kind):
        text = (row.get(col["header"]) or "").strip()
        if not text:
            if col.get("required"):
                found.add("missing_required")
            continue
        kind_of = col.get("type")
        if kind_of == "date":
            day = parse_date(text)
            if day is None:
                found.add("bad_date")
            elif day > TODAY and not col.get("future"):
                found.add("future_date")
            dates[col["key"]] = day
        elif kind_of == "amount":
            try:
                if float(normalize_code(text)) < 0:
                    found.add("bad_amount")
            except ValueError:
                found.add("bad_amount")
        elif kind_of == "uscc" and not is_uscc(normalize_code(text)):
            found.add("bad_uscc")
        elif kind_of == "citizen_id" and not is_citizen_id(normalize_code(text)):
            found.add("bad_citizen_id")
        elif kind_of in ("enum", "enum_multi"):
            allowed = set(map(str, col["values"])) | set(col.get("aliases", {}))
            parts = re.split(r"[;；]", text) if kind_of == "enum_multi" else [text]
            if any(p.strip() not in allowed for p in parts):
                found.add("bad_enum")
    if dates.get("valid_from") and dates.get("valid_to") and kind == "licence" and dates["valid_to"] < dates["valid_from"]:
        found.add("valid_to_before_from")
    if kind != "list" and row.get(headers(kind)[1], "").strip() == CATALOG["subject_types"]["organisation"]:
        first, others = row.get(CODE_HEADERS[0], ""), [row.get(h, "").strip() for h in CODE_HEADERS[1:]]
        if not first.strip() and not any(others):
            found.add("no_legal_code")
    return found


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    manifest = generate(out, subjects=1000, seed=11, today=TODAY)
    files = {name: read_rows(out / name) for name in manifest["files"]}
    return out, manifest, files


def good_rows(sample, kind: str | None = None):
    _out, manifest, files = sample
    bad = {(b["file"], b["line"]) for b in manifest["bad_rows"]}
    for name, (_head, rows) in files.items():
        if kind in (None, manifest["files"][name]["kind"]):
            yield from ((name, row) for line, row in rows if (name, line) not in bad)


def test_manifest_row_counts_match_the_files(sample):
    out, manifest, files = sample
    assert set(manifest["files"]) == {"licences.csv", "penalties.csv", "lists.csv", "penalties_gbk.csv",
                                      "licences.jsonl", "lists.xlsx", "corrections.csv"}
    for name, info in manifest["files"].items():
        assert len(files[name][1]) == info["rows"] > 0, name
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert manifest["corrections"] + manifest["revocations"] == manifest["files"]["corrections.csv"]["rows"]


def test_headers_are_the_catalogue_headers(sample):
    _out, manifest, files = sample
    for name, (head, rows) in files.items():
        expected = headers(manifest["files"][name]["kind"])
        assert head == expected, name
        if name.endswith(".jsonl"):
            assert all(list(row) == expected for _line, row in rows)


def test_encodings(sample):
    out, _manifest, _files = sample
    assert (out / "licences.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for name in ("penalties.csv", "lists.csv", "corrections.csv"):
        (out / name).read_bytes().decode("utf-8")
        assert not (out / name).read_bytes().startswith(b"\xef\xbb\xbf")
    gbk = (out / "penalties_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    assert "行政处罚决定书文号" in gbk.decode("gb18030")


def test_every_reason_is_present_with_exact_lines(sample):
    _out, manifest, files = sample
    assert {b["reason"] for b in manifest["bad_rows"]} == set(REASONS)
    rows = sum(info["rows"] for info in manifest["files"].values())
    assert 0.02 < len(manifest["bad_rows"]) / rows < 0.05
    lines = {name: {line for line, _row in file_rows} for name, (_head, file_rows) in files.items()}
    assert all(b["line"] in lines[b["file"]] for b in manifest["bad_rows"])
    assert len({(b["file"], b["line"]) for b in manifest["bad_rows"]}) == len(manifest["bad_rows"])
    # bad rows in the small formats too, so their line numbering is exercised
    assert {"licences.jsonl", "lists.xlsx", "penalties_gbk.csv"} <= {b["file"] for b in manifest["bad_rows"]}


def test_bad_rows_are_bad_exactly_as_stated_and_all_others_valid(sample):
    _out, manifest, files = sample
    stated = {(b["file"], b["line"]): b for b in manifest["bad_rows"]}
    for name, (_head, rows) in files.items():
        kind = manifest["files"][name]["kind"]
        for line, row in rows:
            bad = stated.get((name, line))
            assert problems(kind, row) == ({bad["reason"]} if bad else set()), (name, line, row)
            if bad:
                assert bad["column"] in headers(kind)


def test_codes_in_good_rows_are_valid_after_normalization(sample):
    uscc_headers = {c["header"] for kind in CATALOG["kinds"] for c in columns(kind) if c.get("type") == "uscc"}
    id_headers = {c["header"] for kind in CATALOG["kinds"] for c in columns(kind) if c.get("type") == "citizen_id"}
    messy = 0
    for _name, row in good_rows(sample):
        for header, value in row.items():
            if value and header in uscc_headers | id_headers:
                code = normalize_code(value)
                assert is_uscc(code) if header in uscc_headers else is_citizen_id(code), (header, value)
                messy += code != value
    assert messy > 10   # lower case, full width and stray spaces do occur


def test_small_sample_still_covers_every_reason(tmp_path):
    manifest = generate(tmp_path, subjects=100, seed=3, today=TODAY)
    assert {b["reason"] for b in manifest["bad_rows"]} == set(REASONS)
    assert manifest["corrections"] >= 1 and manifest["revocations"] >= 1
    for name, info in manifest["files"].items():
        _head, rows = read_rows(tmp_path / name)
        assert len(rows) == info["rows"]
        by_line = dict(rows)
        for bad in (b for b in manifest["bad_rows"] if b["file"] == name):
            assert problems(info["kind"], by_line[bad["line"]]) == {bad["reason"]}


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    first = generate(tmp_path / "a", subjects=200, seed=5, today=TODAY)
    second = generate(tmp_path / "b", subjects=200, seed=5, today=TODAY)
    other = generate(tmp_path / "c", subjects=200, seed=6, today=TODAY)
    assert first == second
    for name in [*first["files"], "manifest.json"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    for name in ("licences.csv", "penalties.csv", "lists.xlsx"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes(), name
    assert other["seed"] == 6 and other["today"] == TODAY.isoformat()


def test_corrections_resend_earlier_penalties(sample):
    _out, manifest, files = sample
    key_headers = ("数据来源单位统一社会信用代码", "行政处罚决定书文号")
    originals = {tuple(row[h] for h in key_headers): row
                 for name in ("penalties.csv", "penalties_gbk.csv") for _line, row in files[name][1]}
    revoked = changed = 0
    for _line, row in files["corrections.csv"][1]:
        original = originals[tuple(row[h] for h in key_headers)]
        if row["备注"] == "该处罚决定已撤销":
            revoked += 1
        else:
            changed += 1
            assert (row["罚款金额（万元）"], row["违法事实"]) != (original["罚款金额（万元）"], original["违法事实"])
        assert row["行政相对人名称"] == original["行政相对人名称"]
    assert (changed, revoked) == (manifest["corrections"], manifest["revocations"])


def test_document_numbers_unique_per_department(sample):
    for kind, doc in (("licence", "行政许可决定文书号"), ("penalty", "行政处罚决定书文号")):
        keys = Counter((row["数据来源单位统一社会信用代码"], row[doc])
                       for name, row in good_rows(sample, kind) if name != "corrections.csv")
        assert keys and max(keys.values()) == 1, kind


def test_subjects_look_like_a_provincial_register(sample):
    subject_type = {}
    names = defaultdict(set)
    for _name, row in good_rows(sample):
        name = (row.get("行政相对人名称") or row.get("主体名称")).strip()
        kind_of = row.get("行政相对人类别") or row.get("主体类别")
        code = normalize_code(row.get("行政相对人代码_1（统一社会信用代码）") or row.get("统一社会信用代码")
                              or row.get("行政相对人代码_2（工商注册号）") or row.get("证件号码"))
        subject_type[code] = kind_of
        names[code].add(name)
    shares = Counter(subject_type.values())
    total = sum(shares.values())
    assert 0.78 < shares["法人及非法人组织"] / total < 0.92
    assert 0.06 < shares["个体工商户"] / total < 0.14
    assert 0.02 < shares["自然人"] / total < 0.09
    # names are unique per subject (natural persons may share a name); ~2 % renamed subjects
    owners = defaultdict(set)
    for code, subject_names in names.items():
        if subject_type[code] != "自然人":
            for name in subject_names:
                owners[name].add(code)
    assert all(len(codes) == 1 for codes in owners.values())
    renamed = sum(len(n) > 1 for n in names.values())
    assert 5 <= renamed <= 40
    prefixes = Counter(code[:2] for code, t in subject_type.items() if t != "自然人" and is_uscc(code))
    assert {"91", "92", "93", "12", "51"} <= set(prefixes)
    assert any(re.fullmatch(r"\d{15}", code) for code in subject_type)      # 工商注册号 only


def test_records_cover_the_catalogue_and_the_publicity_cases(sample):
    licences = [row for _n, row in good_rows(sample, "licence")]
    penalties = [row for n, row in good_rows(sample, "penalty") if n != "corrections.csv"]
    entries = [row for _n, row in good_rows(sample, "list")]
    enum = {c["key"]: c for kind in CATALOG["kinds"] for c in columns(kind) if c.get("values")}

    assert {r["许可类别"] for r in licences} == set(enum["licence_category"]["values"])
    assert {r["当前状态"] for r in licences} == {"1", "2"}
    assert any(parse_date(r["有效期至"]) < date(TODAY.year - 3, 1, 1) for r in licences)

    types = Counter(t for r in penalties for t in r["处罚类别"].split(";"))
    assert set(types) == set(enum["penalty_types"]["values"])
    assert {"警告", "通报批评"} <= {r["处罚类别"] for r in penalties}
    assert any(";" in r["处罚类别"] for r in penalties)
    assert 0.05 < sum(r["程序类型"] == "简易程序" for r in penalties) / len(penalties) < 0.15
    assert 0.05 < sum(not r["严重程度"] for r in penalties) / len(penalties) < 0.15
    assert {"轻微", "一般", "严重"} <= {r["严重程度"] for r in penalties}
    assert 0.05 < sum(bool(r["公示截止期"]) for r in penalties) / len(penalties) < 0.15
    fines = [float(r["罚款金额（万元）"]) for r in penalties if r["罚款金额（万元）"]]
    assert min(fines) > 0 and max(fines) <= 500
    decided = [parse_date(r["处罚决定日期"]) for r in penalties]
    assert any((TODAY - d).days > 3 * 365 for d in decided) and any((TODAY - d).days < 365 for d in decided)

    for row in entries:
        assert CATALOG["list_names"][row["名单名称"]]["type"] == row["名单类型"]
        if row["移出日期"]:
            assert parse_date(row["列入日期"]) <= parse_date(row["移出日期"]) <= TODAY
    assert {r["名单类型"] for r in entries} == set(CATALOG["list_types"].values())
    assert any(r["主体类别"] == "自然人" and r["证件号码"] for r in entries)


def test_free_text_carries_what_masking_must_hide(sample):
    penalties = [row for _n, row in good_rows(sample, "penalty")]
    text = " ".join(r["违法事实"] + r["备注"] for r in penalties)
    assert re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)
    assert re.search(r"027-8\d{7}", text)
    assert re.search(r"(?<!\d)\d{17}[\dX](?!\d)", text)
    operators = [r for r in penalties if r["行政相对人类别"] == "个体工商户" and r["法定代表人"]]
    assert any(r["法定代表人"] in r["违法事实"] for r in operators)


def test_dates_come_in_every_accepted_format(sample):
    shapes = Counter()
    for _name, row in good_rows(sample):
        for header in ("许可决定日期", "处罚决定日期", "列入日期"):
            value = row.get(header, "")
            if value:
                shapes[re.sub(r"\d", "9", value)[:8]] += 1
    assert {"9999-99-", "99999999"} <= set(shapes)
    assert any("/" in s for s in shapes) and any("年" in s for s in shapes)
    assert shapes["9999-99-"] / sum(shapes.values()) > 0.8


def test_progress_bar_goes_to_stderr(tmp_path, capsys):
    generate(tmp_path, subjects=100, seed=1, today=TODAY, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "100/100" in captured.err
