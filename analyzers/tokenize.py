"""jieba tokenization in search mode with the portal's user dictionary (regions of China and
company-form words), so 武汉市 / 有限公司 are single terms and their parts are terms too."""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

import jieba

from analyzers.regions import places

_COMPANY_FORMS = Path(__file__).with_name("company_forms.txt")
# A term is a run of CJK characters or of ASCII letters/digits; punctuation never is.
_TERM = re.compile(r"^[\w\u3400-\u9fff]+$")
_ADMIN_SUFFIX = re.compile(r"(省|市|自治州|地区|盟|自治县|县|区|旗|自治区|特别行政区)$")

jieba.setLogLevel(logging.WARNING)


def region_words() -> list[str]:
    """Place names and their short forms (湖北省 → 湖北, 洪山区 → 洪山)."""
    names = set()
    for name in places().values():
        names.add(name)
        short = _ADMIN_SUFFIX.sub("", name)
        if len(short) >= 2:
            names.add(short)
    return sorted(names)


def company_forms() -> list[str]:
    return [w for w in _COMPANY_FORMS.read_text(encoding="utf-8").split() if w]


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    tok.initialize()
    for word in region_words():
        tok.add_word(word, freq=20000)
    for word in company_forms():
        tok.add_word(word, freq=50000)
    return tok


def terms(normalized: str) -> list[str]:
    """Search-mode jieba terms of already-normalized text, in order, punctuation dropped.

    No HMM guessing of unknown words: on ~85k real names with listed companies' short names as
    queries it left top-3 unchanged (88.8%) and halves the cost per name (170 → 100 µs); unknown
    trade names still match through the single-character field."""
    return [t for t in _tokenizer().cut_for_search(normalized, HMM=False) if _TERM.match(t)]


def chars(normalized: str) -> list[str]:
    """The character sequence used for abbreviation matching: each CJK character is a token,
    a run of ASCII letters/digits is one token."""
    return re.findall(r"[\u3400-\u9fff]|[0-9a-z]+", normalized)
