"""Text normalization: NFKC (full-width → half-width), traditional → simplified, case-folded,
no whitespace. Names are compared, tokenized and matched only in this form."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_SPACES = re.compile(r"\s+")
_T2S = opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub("", text)
    return _T2S.convert(text).casefold()
