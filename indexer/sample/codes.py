"""Codes with their check characters (the checks themselves are credit.codes'), and codes as
clerks type them."""
from __future__ import annotations

import random

from credit.codes import id_check_char, luhn_check_digit, regno_check_char, uscc_check_char

_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_FULL_WIDTH_TABLE = str.maketrans({c: chr(ord(c) + 0xFEE0)
                                   for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+-.()"})
CODE_NOISE_RATE = 0.03


def org_code(body8: str) -> str:
    """GB 11714 organisation code: 8 characters and a check character (also USCC positions 9–17)."""
    check = 11 - sum(int(c, 36) * w for c, w in zip(body8, _ORG_CODE_WEIGHTS)) % 11
    return body8 + ("X" if check == 10 else "0" if check == 11 else str(check))


def with_uscc_check(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def with_regno_check(first14: str) -> str:
    return first14 + regno_check_char(first14)


def with_id_check(first17: str) -> str:
    return first17 + id_check_char(first17)


def with_luhn_check(body: str) -> str:
    """A card number: the ISO/IEC 7812 (Luhn) check digit appended."""
    return body + luhn_check_digit(body)


def dept_code(name: str, region: str) -> str:
    """A department's USCC (11 = 机关), fixed by its name so it is the same for every seed."""
    digits = random.Random(f"dept:{name}").randrange(10 ** 7)
    return with_uscc_check(f"11{region}{org_code(f'0{digits:07d}')}")


def full_width(text: str) -> str:
    return text.translate(_FULL_WIDTH_TABLE)


def noisy_code(rng: random.Random, code: str) -> str:
    """Now and then a code as clerks type it: lower case, full width or with stray spaces —
    all valid again after normalization."""
    if not code or rng.random() >= CODE_NOISE_RATE:
        return code
    style = rng.randrange(3)
    if style == 0 and any(c.isalpha() for c in code):
        return code.lower()
    if style == 1:
        return code.translate(_FULL_WIDTH_TABLE)
    cut = rng.randrange(1, len(code))
    return f" {code[:cut]} {code[cut:]}"
