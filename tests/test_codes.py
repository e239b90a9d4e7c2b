"""GB 32100-2015 and GB 11643 check characters, on real codes where the real data is present."""
import csv
from pathlib import Path

import pytest

from credit.codes import (
    USCC_ALPHABET,
    id_check_char,
    id_problem,
    is_citizen_id,
    is_uscc,
    looks_like_code,
    mask_id_number,
    normalize_code,
    uscc_check_char,
    uscc_problem,
)

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
# Published examples: 平安银行 and 哈尔滨泰富电气 (from the sample files' SOURCE notes).
KNOWN_VALID = ["91440300192185379H", "91230199744190927K"]


def real_codes(limit: int = 5000) -> list[str]:
    path = REAL / "listed_company_names" / "listed_companies_short_full_uscc.csv"
    if not path.exists():
        pytest.skip("real data not present (../shared/data/real)")
    with path.open(encoding="utf-8") as fh:
        return [r["统一社会信用代码_匹配"] for r in csv.DictReader(fh) if r["统一社会信用代码_匹配"]][:limit]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_are_valid(code):
    assert is_uscc(code)


def test_real_listed_company_codes_are_valid():
    codes = real_codes()
    assert len(codes) > 1000
    assert all(is_uscc(c) for c in codes)


def test_every_single_character_corruption_is_caught():
    for code in KNOWN_VALID + real_codes(200):
        for pos in range(18):
            for ch in USCC_ALPHABET:
                if ch != code[pos]:
                    corrupted = code[:pos] + ch + code[pos + 1:]
                    assert not is_uscc(corrupted), corrupted


def test_problems_name_the_fault():
    assert "18位" in uscc_problem("9144030019218537")
    assert "非法字符" in uscc_problem("91440300192185379I")  # I is not in the alphabet
    assert "校验位" in uscc_problem("91440300192185379J")


def test_normalization_before_validation():
    assert normalize_code(" ９１４４０３００１９２１８５３７９ｈ ") == "91440300192185379H"
    assert normalize_code("9144 0300 1921 8537 9h") == "91440300192185379H"
    assert is_uscc(normalize_code("９１４４０３００１９２１８５３７９ｈ"))
    # Invisible characters pasted along: a BOM, zero-width space and joiner, direction marks, a soft hyphen.
    assert normalize_code("\ufeff\u202a9144\u200b0300\u00ad1921\u200d8537\u200e9h\u202c\u2060") == "91440300192185379H"
    # And whatever ingest and the portal's forms remove from a cell or a typed line (one code everywhere):
    # isolates (a phone wraps a copied number in U+2068…U+2069), the Mongolian vowel separator, controls.
    assert normalize_code("\u20689144\u180e0300\u20661921\x008537\x7f9h\u2069") == "91440300192185379H"
    # The Arabic letter mark and the invisible operators too.
    assert normalize_code("\u061c9144\u20610300\u20621921\u20638537\u20649h") == "91440300192185379H"


def test_uscc_check_char_matches_formula():
    body = "91440300192185379"
    values = [USCC_ALPHABET.index(c) for c in body]
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert uscc_check_char(body) == USCC_ALPHABET[(31 - sum(v * w for v, w in zip(values, weights)) % 31) % 31]


def test_citizen_id_check_digit():
    base = "11010519491231002"
    valid = base + id_check_char(base)
    assert valid == "11010519491231002X"  # the GB 11643 standard's own example
    assert is_citizen_id(valid)
    for pos in range(17):
        digit = str((int(valid[pos]) + 1) % 10)
        assert not is_citizen_id(valid[:pos] + digit + valid[pos + 1:])
    assert "校验位" in id_problem("110105194912310021")
    assert "18位" in id_problem("11010519491231")
    # Digits of other scripts are digits to str.isdigit and int(), and NFKC leaves them as they are:
    # written so, a valid-looking number would be a second key for one person.
    arabic = "".join(chr(0x660 + int(c)) if c.isdigit() else c for c in valid)
    assert normalize_code(arabic) == arabic and "非法字符" in id_problem(arabic)


def test_masked_id_hides_birth_date():
    assert mask_id_number("11010519491231002X") == "110105********002X"


@pytest.mark.parametrize("text,expected", [
    ("91440300192185379H", True), ("420100000012345", True), ("平安银行", False), ("9144", False)])
def test_looks_like_code(text, expected):
    assert looks_like_code(text) is expected
