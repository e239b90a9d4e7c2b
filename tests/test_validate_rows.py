"""The fast paths of row validation give what checking every cell on its own gives."""
import random
from datetime import date

from credit.catalog import load_catalog
from indexer.validate import RowError, _check, _clean_row, clean_text, validate_row

ALPHABET = list("武汉光谷科技有限公司 　\t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2003\u3000\x00\x07\x7f\x9f\u202e\u2066\u2069０９Ａｚaz09-|,")


def test_a_row_is_cleaned_as_its_cells_are():
    rng = random.Random(1)
    for _ in range(20_000):
        raw = {f"c{i}": "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 6))) for i in range(rng.randint(0, 5))}
        assert _clean_row(raw) == {k: clean_text(v) for k, v in raw.items()}, raw
    assert _clean_row({"a": None, "b": 3, "c": " x "}) == {"a": "", "b": "3", "c": "x"}


def reference_row(kind, raw, today):
    """validate_row without its per-column memory of checked cells."""
    values, problems = {}, []
    texts = {k: clean_text(v) for k, v in raw.items()}
    for col in kind.columns:
        text = texts.get(col.key, "") or (col.default or "")
        if not text:
            continue
        value, problem = _check(col, text, texts, today)
        if problem:
            problems.append(problem)
        else:
            values[col.key] = value
    return values, problems


def test_remembered_cells_give_the_same_values_and_problems():
    catalog = load_catalog()
    kind = catalog.kinds["penalty"]
    cells = {"subject_type": ["法人及非法人组织", "个体工商户", "自然人", "公司"],
             "penalty_types": ["罚款", "罚款;警告", "罚款；没收违法所得", "杖刑"],
             "decided_on": ["2026-03-05", "2026/3/5", "2026年3月5日", "20260305", "2030-01-01", "昨天"],
             "fine_amount": ["1", "-1", "一万", "1,000.5"], "authority_code": ["11420000MB1234567X", "114200"],
             "severity": ["严重", "一般", "很严重"]}
    rng = random.Random(2)
    for today in (date(2026, 11, 22), date(2026, 3, 4)):
        for _ in range(500):
            raw = {k: rng.choice(v) for k, v in cells.items()}
            values, problems = reference_row(kind, raw, today)
            try:
                got = validate_row(kind, raw, today)
            except RowError as exc:
                assert [p for p in exc.problems if p in problems] == problems
            else:
                assert got == values and not problems
