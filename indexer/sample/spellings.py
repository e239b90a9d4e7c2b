"""How clerks write secrets in free text besides the plain form: ID, phone, card and account
numbers and operators' names, each in the spellings masking must still find."""
from __future__ import annotations

import random
from functools import cache

import opencc

from .codes import full_width

# Share of the secrets written otherwise than plainly. Until each spelling has been written a few
# times, most secrets take one of those, so even a small sample has all that masking must find
# (and some of it on records that are public) besides plain ones.
SPELLING_RATE = 0.25
SPELLING_COVERAGE = 5
SPELLING_COVERAGE_RATE = 0.75
# The given name alone fits fewer names (not 张伟) and is the easiest to miss: written twice as
# often until covered.
_STYLE_COVERAGE = {"given_name": 2 * SPELLING_COVERAGE}


def _groups(text: str, sizes: tuple[int, ...], sep: str) -> str:
    """'13912345678', (3, 4), ' ' → '139 1234 5678': the last size repeats until the text ends."""
    parts, start = [], 0
    while start < len(text):
        size = sizes[min(len(parts), len(sizes) - 1)]
        parts.append(text[start:start + size])
        start += size
    return sep.join(parts)


def _landline_style(make):
    """A style of a landline written 027-87654321, given its area code and local number."""
    return lambda number: make(*number.split("-"))


# Each style returns None where it does not apply (a lower-case x needs an ID number ending in X).
_NUMBER_STYLES = {
    "id": {
        "spaced": lambda n: f"{n[:6]} {n[6:14]} {n[14:]}",
        "dashed": lambda n: f"{n[:6]}-{n[6:10]}-{n[10:14]}-{n[14:]}",
        "lettered": lambda n: f"sfz{n}",        # 身份证 abbreviated in pinyin, as some systems export it
        "full_width": full_width,
        "lower_x": lambda n: n.lower() if n.endswith("X") else None,
    },
    "mobile": {
        "plus86": lambda m: f"+86 {_groups(m, (3, 4), ' ')}",
        "0086": lambda m: f"0086-{m}",
        "86": lambda m: f"86-{m}",
        "dotted": lambda m: _groups(m, (3, 4), "."),
        "spaced": lambda m: _groups(m, (3, 4), " "),
        "full_width": full_width,
    },
    "landline": {
        "bracketed": _landline_style(lambda area, local: f"({area}){local}"),
        "plus86": _landline_style(lambda area, local: f"+86-{area[1:]}-{local}"),
        "spaced": _landline_style(lambda area, local: f"{area} {local}"),
        "split": _landline_style(lambda area, local: f"{area}-{local[:4]} {local[4:]}"),
        # Bare, as written after 联系电话 (every caller's label): the number alone is the phone.
        "local": _landline_style(lambda area, local: local),
        "full_width": full_width,
    },
    "card": {
        "grouped": lambda n: _groups(n, (4,), " "),
        "dashed": lambda n: _groups(n, (4,), "-"),
        "full_width": full_width,
    },
}


@cache
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def _traditional(name: str) -> str | None:
    """張小明: a name copied from a document in traditional characters."""
    spelled = _to_traditional().convert(name)
    return spelled if spelled != name else None


def _name_styles(compound_surnames: frozenset[str]) -> dict:
    """Styles of a person's name; where the surname ends is the catalogue's rule, as for masking."""
    def surname_length(name: str) -> int:
        return 2 if name[:2] in compound_surnames else 1

    def between(sep: str):
        return lambda name: name[:surname_length(name)] + sep + name[surname_length(name):]

    def given_name(name: str) -> str | None:
        """小明 for 张小明: how colleagues write the operator, when two characters or more."""
        given = name[surname_length(name):]
        return given if len(given) >= 2 else None

    return {"spaced": between(" "), "ideographic_space": between("\u3000"), "zero_width": between("\u200b"),
            "traditional": _traditional, "given_name": given_name}


class Spellings:
    """Spells secrets, writing every style a few times before settling to the usual rate."""

    def __init__(self, rng: random.Random, compound_surnames):
        self.rng = rng
        self._styles = {**_NUMBER_STYLES, "name": _name_styles(frozenset(compound_surnames))}
        self._unspelled = {kind: [s for s in styles for _ in range(_STYLE_COVERAGE.get(s, SPELLING_COVERAGE))]
                           for kind, styles in self._styles.items()}

    def spell(self, kind: str, value: str) -> str:
        """`value` (a number or an operator's name) as a clerk may write it in free text: mostly
        as it is, sometimes in another spelling of its kind."""
        r, uncovered = self.rng, self._unspelled[kind]
        spellings = {style: make(value) for style, make in self._styles[kind].items()}
        pending = [style for style in uncovered if spellings[style] is not None]
        if r.random() >= (SPELLING_COVERAGE_RATE if pending else SPELLING_RATE):
            return value
        style = r.choice(pending or [style for style, text in spellings.items() if text is not None])
        if style in uncovered:
            uncovered.remove(style)
        return spellings[style]
