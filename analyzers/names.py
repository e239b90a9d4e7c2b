"""What is indexed for a subject's name and what is asked for a typed query.

Ranking signals (identical in every backend): the exact normalized name, the exact core name
(name without region prefix and company form — what a short name usually is: 格力电器 for
珠海格力电器股份有限公司), the query's characters as one contiguous phrase, and BM25 over jieba
terms and over single characters (so abbreviations such as 深振业 still match)."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from analyzers.normalize import each_normalized, normalize
from analyzers.tokenize import chars, company_forms, region_words, terms

_BRACKETS = re.compile(r"\([^)]*\)")
# Stock-exchange decorations of short names: *ST / ST prefixes, A/B share-class suffixes.
_STOCK_PREFIX = re.compile(r"^\*?st")
_SHARE_CLASS = re.compile(r"(?<=[\u3400-\u9fff])[ab]$")
_SPECIAL = re.compile(r"[&<>\"']")   # what html.escape changes


@dataclass(frozen=True)
class NameTerms:
    norm: str
    core: str
    terms: tuple[str, ...]
    chars: tuple[str, ...]


@dataclass(frozen=True)
class QueryTerms:
    norm: str
    core: str
    terms: tuple[str, ...]
    required_chars: tuple[str, ...]  # every one must be in the name
    phrase: tuple[str, ...]          # bonus when they appear in this order, adjacent

    @property
    def empty(self) -> bool:
        return not self.required_chars


class _Affixes:
    """Region words and company forms (normalized), matched by dictionary look-ups of the name's
    leading and trailing slices: a few set look-ups per name where one alternation of ~6,000
    regions cost ~30 µs a name."""

    def __init__(self, regions: set[str], forms: set[str]):
        self.regions, self.forms = regions, forms
        self.region_lengths = sorted({len(r) for r in regions}, reverse=True)
        self.form_lengths = sorted({len(f) for f in forms})
        self.form_endings = tuple(forms)

    def strip_regions(self, text: str) -> str:
        """Without its leading regions: the longest region word that starts the text, then the
        longest that starts what is left, and so on."""
        regions, lengths = self.regions, self.region_lengths
        while True:
            for n in lengths:
                if n <= len(text) and text[:n] in regions:
                    text = text[n:]
                    break
            else:
                return text

    def strip_forms(self, text: str) -> str:
        """Without its trailing company forms: cut at the first position from which the rest of the
        text is a sequence of company forms (有限公司, 集团有限公司, 分公司有限公司 …)."""
        if not text.endswith(self.form_endings):
            return text
        forms, end = self.forms, len(text)
        ends_here = [False] * end + [True]   # ends_here[i]: text[i:] is a sequence of forms
        first = end
        for i in range(end - 1, -1, -1):
            for n in self.form_lengths:
                if i + n > end:
                    break
                if ends_here[i + n] and text[i:i + n] in forms:
                    ends_here[i] = True
                    first = i
                    break
        return text[:first]


@lru_cache(maxsize=1)
def _affixes() -> _Affixes:
    return _Affixes({normalize(r) for r in region_words()}, {normalize(f) for f in company_forms()})


def core_name(norm: str) -> str:
    """Name without leading regions, bracketed parts and trailing company forms.

    A region is kept when only one word would remain: in 平安银行 or 广州酒家 the "region" (平安区,
    广州) is the trade name itself."""
    affixes = _affixes()
    unbracketed = _BRACKETS.sub("", norm) if "(" in norm else norm
    base = affixes.strip_forms(unbracketed) or unbracketed
    rest = affixes.strip_regions(base)
    return rest if len(rest) > 2 else base


def analyze_name(name: str) -> NameTerms:
    norm = normalize(name)
    return NameTerms(norm=norm, core=core_name(norm), terms=tuple(terms(norm)), chars=tuple(chars(norm)))


def analyze_query(text: str) -> QueryTerms:
    """What a typed query asks for. A trailing company form (有限公司, 股份有限公司 …) is not
    required: it is in nearly every name, so requiring it narrows nothing and makes every engine
    walk the longest posting lists; the exact-name bonus still puts the exact form first."""
    norm = normalize(text)
    bare = _SHARE_CLASS.sub("", _STOCK_PREFIX.sub("", norm))
    asked = _affixes().strip_forms(bare) or bare
    seq = chars(asked)
    # Latin/digit runs are optional (share classes, English fragments); CJK characters are required.
    required = tuple(dict.fromkeys(c for c in seq if len(c) == 1 and not c.isascii())) or tuple(dict.fromkeys(seq))
    return QueryTerms(norm=norm, core=core_name(bare), terms=tuple(dict.fromkeys(terms(asked))),
                      required_chars=required, phrase=tuple(seq))


def highlight(name: str, query: QueryTerms) -> str:
    """The name, HTML-escaped, with what the query matched wrapped in <mark>: the query as typed
    where it occurs in one piece (光谷科技 in 武汉市光谷科技有限公司), else each of its characters."""
    joined = each_normalized(name)
    if joined is None:   # a character vanishes (a space) or expands: positions are mapped back
        pieces: Sequence[str] = [normalize(ch) for ch in name]
        owner: Sequence[int] = [i for i, piece in enumerate(pieces) for _ in piece]
        joined = "".join(pieces)
    else:
        pieces, owner = joined, range(len(name))
    phrase = "".join(query.phrase)
    marked: set[int] = set()
    start = joined.find(phrase) if phrase else -1
    while start >= 0:
        marked.update(owner[start:start + len(phrase)])
        start = joined.find(phrase, start + len(phrase))
    if not marked:
        wanted = {c for c in query.phrase if len(c) == 1} | set(query.required_chars)
        marked = {i for i, piece in enumerate(pieces) if piece in wanted}
    return _marked_html(name, marked)


@dataclass(frozen=True)
class SubjectHighlight:
    name: str                          # the current name, HTML-escaped, marked where it matched
    former: str | None = None          # the former name that matched, when the current one did not
    former_html: str | None = None     # that former name, HTML-escaped and marked


def holds_query(name: str, query: QueryTerms) -> bool:
    """Whether this one name holds every character the query requires: the rule every engine
    applies to each name on its own, so no match is pieced together from two names."""
    norm = normalize(name)
    if not all(c in norm for c in query.required_chars):
        return False
    # A Chinese character in the text is a token of it; a Latin or digit run must be a whole one.
    return all(not c.isascii() for c in query.required_chars) or set(query.required_chars) <= set(chars(norm))


def highlight_subject(name: str, former_names: Sequence[str], query: QueryTerms) -> SubjectHighlight:
    """What a result shows of a subject found by name. When only a former name holds the query,
    that name is the one marked (and shown as such), and the current name is left unmarked: a
    stray 信 marked in it would suggest a match that is not there."""
    if not holds_query(name, query):
        former = next((f for f in former_names if holds_query(f, query)), None)
        if former is not None:
            return SubjectHighlight(html.escape(name), former, highlight(former, query))
    return SubjectHighlight(highlight(name, query))


def _marked_html(text: str, marked: set[int]) -> str:
    """The text HTML-escaped, each run of marked positions in one <mark>."""
    escape = html.escape if _SPECIAL.search(text) else str
    out, last = [], 0
    for start, end in _runs(sorted(marked)):
        out += (escape(text[last:start]), "<mark>", escape(text[start:end]), "</mark>")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def _runs(positions: list[int]) -> list[list[int]]:
    """Sorted positions as [start, end) runs of consecutive ones."""
    runs: list[list[int]] = []
    for i in positions:
        if runs and runs[-1][1] == i:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    return runs
