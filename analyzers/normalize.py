"""Text normalization: NFKC (full-width → half-width), zero-width characters removed, traditional →
simplified, case-folded, no whitespace. Names are compared, tokenized and matched only in this form.

`folded` gives the same normalization character by character, with a map back to the original
text, so a match found in the normalized form can be masked in the text as it was written."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_SPACES = re.compile(r"\s+")
_T2S = opencc.OpenCC("t2s")
# Invisible characters that NFKC keeps: a name with one inside must still be the name. Soft hyphen,
# Mongolian vowel separator, zero-width space, non-joiner and joiner, the direction marks (LRM, RLM,
# ALM), word joiner and the invisible operators, BOM.
ZERO_WIDTH = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u061c\u2060\u2061\u2062\u2063\u2064\ufeff"
_DROP_ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH))
_HAS_ZERO_WIDTH = re.compile(f"[{ZERO_WIDTH}]")


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text.translate(_DROP_ZERO_WIDTH))
    text = _SPACES.sub("", text)
    return _T2S.convert(text).casefold()


class _CharTable(dict):
    """`normalize` of each character, as a str.translate table filled as characters are met;
    `uneven` holds those that do not become exactly one character (spaces, ligatures …)."""

    def __init__(self):
        super().__init__()
        self.uneven: set[str] = set()

    def __missing__(self, code: int) -> str:
        piece = self[code] = normalize(chr(code))
        if len(piece) != 1:
            self.uneven.add(chr(code))
        return piece


_CHARS = _CharTable()


def each_normalized(text: str) -> str | None:
    """The text with each character normalized on its own, when every character stays exactly
    one character (position i of the result is character i of the text); None otherwise."""
    view = text.translate(_CHARS)
    return view if len(view) == len(text) and _CHARS.uneven.isdisjoint(text) else None


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    return unicodedata.normalize("NFKC", char).translate(_DROP_ZERO_WIDTH).casefold()


def folded(text: str, keep_spaces: bool = True) -> tuple[str, list[int] | None]:
    """(view, owner): the text normalized as `normalize` does (whitespace kept unless asked
    otherwise), and for each character of the view the index of the original character it came
    from. owner is None when the view is the text itself (the common case, checked cheaply)."""
    if (unicodedata.is_normalized("NFKC", text) and not _HAS_ZERO_WIDTH.search(text)
            and (keep_spaces or not _SPACES.search(text))):
        view = _T2S.convert(text)
        if len(view) == len(text):
            lowered = view.casefold()
            if len(lowered) == len(view):
                return lowered, None
    pieces = [_fold_char(ch) for ch in text]
    if not keep_spaces:
        pieces = ["" if piece.isspace() else piece for piece in pieces]
    owner = [i for i, piece in enumerate(pieces) for _ in piece]
    view = "".join(pieces)
    simplified = _T2S.convert(view)
    if len(simplified) != len(view):  # a phrase conversion changed the length: convert char by char
        simplified = "".join(_T2S.convert(ch) if len(_T2S.convert(ch)) == 1 else ch for ch in view)
    return simplified, owner
