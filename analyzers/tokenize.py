"""jieba tokenization in search mode with the portal's user dictionary (regions of China and
company-form words), so 武汉市 / 有限公司 are single terms and their parts are terms too.

The segmenter is jieba-rs (the `rjieba` binding), loaded with jieba's own dictionary file and the
same user words, so its terms are jieba's: tests/test_tokenize_identity.py compares the two over
the real names when they are present. Measured here on ~150,000 real names: 145 µs per name with
jieba, 24 µs with jieba-rs, identical terms for every one."""
from __future__ import annotations

import importlib.util
import re
import sys
from functools import lru_cache
from pathlib import Path

from analyzers.regions import places

_COMPANY_FORMS = Path(__file__).with_name("company_forms.txt")
# jieba's main dictionary (word, frequency, part of speech per line): the one both segmenters use.
# Found without importing jieba, whose import loads its HMM tables (~19 MB per process) that
# nothing here uses.
JIEBA_DICTIONARY = Path(importlib.util.find_spec("jieba").submodule_search_locations[0]) / "dict.txt"
REGION_FREQ, COMPANY_FORM_FREQ = 20000, 50000
# A term is a run of CJK characters or of ASCII letters/digits; punctuation never is.
_TERM = re.compile(r"^[\w\u3400-\u9fff]+$")
_ADMIN_SUFFIX = re.compile(r"(省|市|自治州|地区|盟|自治县|县|区|旗|自治区|特别行政区)$")
# Holds the frequency jieba counts twice (see _segmenter); private-use characters, never in a name.
_BALANCE_WORD = "\ue000\ue000"


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


def user_words() -> list[tuple[str, int]]:
    """The portal's words and the frequencies they are added with, in the order they are added."""
    return [(w, REGION_FREQ) for w in region_words()] + [(w, COMPANY_FORM_FREQ) for w in company_forms()]


def _jieba_rs() -> type:
    """rjieba's segmenter class. Importing the `rjieba` package builds a default segmenter with
    jieba-rs's own dictionary (~30 MB and 0.25 s per process) that is never used here, so the class
    is taken from its compiled module alone, registered under its usual name (a later `import
    rjieba` elsewhere finds it there and builds its default then)."""
    if "rjieba" in sys.modules:
        return sys.modules["rjieba"].Jieba
    native = sys.modules.get("rjieba.rjieba")
    if native is None:
        folder = Path(importlib.util.find_spec("rjieba").submodule_search_locations[0])
        spec = importlib.util.spec_from_file_location("rjieba.rjieba", next(folder.glob("rjieba.*so")))
        native = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(native)
        sys.modules["rjieba.rjieba"] = native
    return native.Jieba


@lru_cache(maxsize=1)
def _segmenter():
    """jieba-rs with jieba's dictionary and the user words. The two differ in one piece of
    bookkeeping: when a word is added again (a user word already in the dictionary), jieba adds
    its new frequency to the total and keeps the old one counted too, while jieba-rs replaces it.
    The total scales every word's probability, so the difference is added back as the frequency of
    a word no name contains, which makes the totals, and so every segmentation, the same."""
    seg = _jieba_rs().empty()
    freq: dict[str, int] = {}
    counted_twice = 0

    def add(word: str, count: int, tag: str | None = None) -> None:
        nonlocal counted_twice
        counted_twice += freq.get(word, 0)
        freq[word] = count
        seg.add_word(word, count, tag)

    with JIEBA_DICTIONARY.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if parts:
                add(parts[0], int(parts[1]), parts[2] if len(parts) > 2 else None)
    for word, count in user_words():
        add(word, count)
    if counted_twice:
        seg.add_word(_BALANCE_WORD, counted_twice, None)
    return seg


def load() -> None:
    """Load the dictionary now (about a second), e.g. before forking workers or serving."""
    _segmenter()


def terms(normalized: str) -> list[str]:
    """Search-mode jieba terms of already-normalized text, in order, punctuation dropped.

    No HMM guessing of unknown words: on ~85k real names with listed companies' short names as
    queries it left top-3 unchanged (88.8%) and halves the cost per name (170 → 100 µs); unknown
    trade names still match through the single-character field."""
    return [t for t in _segmenter().cut_for_search(normalized, False) if _TERM.match(t)]


_CHARS = re.compile(r"[\u3400-\u9fff]|[0-9a-z]+")


def chars(normalized: str) -> list[str]:
    """The character sequence used for abbreviation matching: each CJK character is a token,
    a run of ASCII letters/digits is one token."""
    return _CHARS.findall(normalized)
