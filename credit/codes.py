"""Identifier validation: unified social credit codes (GB 32100-2015) and citizen
ID numbers (GB 11643-1999), after the normalization clerks' files need."""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from credit.typed import INVISIBLE

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

# Spaces, and every invisible character (credit.typed.INVISIBLE: the BOM leading an exported file's
# first cell, zero-width spaces, direction marks and isolates, controls), so a code the access gate
# or an ingest reads is a code to the search and the batch as well.
_SPACES = re.compile(r"[\s\u3000\u00a0]+|" + INVISIBLE.pattern)
USCC_SHAPE = re.compile(r"^[0-9A-Z]{18}$")
REGNO_SHAPE = re.compile(r"^\d{13}$|^\d{15}$")


def normalize_code(value: str | None) -> str:
    """Full-width to half-width, no spaces (visible or not), upper case: what every code is compared as."""
    if not value:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value)).upper()


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


@lru_cache(maxsize=65536)  # department codes repeat on every row
def uscc_problem(code: str) -> str | None:
    """None when `code` (already normalized) is a valid USCC, else a reason a clerk can act on."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位，实为{len(code)}位"
    bad = sorted({c for c in code if c not in _USCC_VALUE})
    if bad:
        return f"统一社会信用代码含非法字符：{''.join(bad)}"
    if uscc_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误"
    return None


def is_uscc(code: str) -> bool:
    return uscc_problem(code) is None


def regno_check_char(first14: str) -> str:
    """Check digit of a 15-digit business registration number (GB 32100's predecessor): ISO 7064 MOD 11,10."""
    p = 10
    for c in first14:
        p = ((p + int(c)) % 10 or 10) * 2 % 11
    return str((11 - p) % 10)


def luhn_check_digit(body: str) -> str:
    """The check digit bank card numbers end with (ISO/IEC 7812, the Luhn algorithm)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str(-total % 10)


def is_luhn_valid(number: str) -> bool:
    return len(number) > 1 and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def id_problem(number: str) -> str | None:
    """None when `number` (already normalized) is a valid 18-character citizen ID number."""
    if len(number) != 18:
        return f"身份证号码应为18位，实为{len(number)}位"
    # ASCII digits only: str.isdigit (and int) take other scripts' digits too, which NFKC keeps.
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        return "身份证号码含非法字符"
    if id_check_char(number[:17]) != number[17]:
        return "身份证号码校验位错误"
    return None


def is_citizen_id(number: str) -> bool:
    return id_problem(number) is None


@lru_cache(maxsize=4096)
def birth_date_ok(yyyymmdd: str) -> bool:
    """Whether eight digits are a day from 1900 to today, as a citizen ID number's birth date is."""
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return 1900 <= born.year and born <= date.today()


def holds_citizen_id(code: str) -> bool:
    """Whether a registered-code cell (normalized) holds a citizen ID number: 18 characters with a
    birth date, or a 15-digit one (born 1920–1999) that is no valid registration number — wherever
    they stand among the cell's digits, whatever separates them (420102-19700107-123X, a sole
    trader's tax number: the operator's and two more digits, SFZ420102…). Personal data: never a
    public identifier, never shown. A valid USCC is a code, whatever its digits look like."""
    if is_uscc(code):
        return False
    digits = _NOT_ID_CHARACTER.sub("", code)
    if any(birth_date_ok(m.group(1)[6:14]) for m in _ID18.finditer(digits)):
        return True
    old = digits[:15]   # an old number leads the cell (the digits after it are a tax number's own)
    return (15 <= len(digits) <= 18 and old.isdigit() and "20" <= old[6:8] and birth_date_ok("19" + old[6:12])
            and not (len(digits) == 15 and regno_check_char(old[:14]) == old[14]))


_NOT_ID_CHARACTER = re.compile(r"[^0-9X]")
_ID18 = re.compile(r"(?=(\d{17}[\dX]))")


def looks_like_code(text: str) -> bool:
    """Does a search input look like a code (to be looked up exactly) rather than a name?"""
    return bool(USCC_SHAPE.match(text) or REGNO_SHAPE.match(text))


def mask_id_number(number: str) -> str:
    """First 6 + ******** + last 4: the birth date is never shown."""
    return number[:6] + "********" + number[-4:] if len(number) == 18 else "*" * len(number)


# Catalogue keys of a subject's registered codes, most authoritative first.
SUBJECT_CODE_KEYS = ("code_uscc", "code_regno", "code_org", "code_tax", "code_inst", "code_social")


def registered_code(values: dict) -> str:
    """The subject's public identifier: its USCC, else another registered code ('' if none); never
    a citizen ID number a clerk put in a code column (the USCC column is validated as one)."""
    return next((code for k in SUBJECT_CODE_KEYS
                 if (code := str(values.get(k) or "")) and (k == "code_uscc" or not holds_citizen_id(code))), "")
