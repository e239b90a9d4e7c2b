"""The analyzers' fast paths give exactly what the slow ones gave: jieba-rs with jieba's dictionary
gives jieba's terms, and the dictionary look-ups of core_name strip what the region and
company-form alternations stripped. Over every real name when the real data is present (it may
not be committed), and always over names built from the dictionaries' own words."""
import csv
import random
import re
from functools import lru_cache
from pathlib import Path

import jieba
import pytest

from analyzers import analyze_query, normalize
from analyzers.names import _BRACKETS, _SHARE_CLASS, _STOCK_PREFIX, _affixes, core_name
from analyzers.tokenize import _TERM, company_forms, region_words, terms, user_words

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
# (file, columns holding names of companies, former names or short names)
NAME_COLUMNS = [
    ("enterprise_registration/enterprise_names_uscc_80k.csv", ["企业名称"]),
    ("enterprise_registration/enterprise_registration_sample_20k.csv", ["企业名称"]),
    ("listed_company_names/listed_companies_short_full_uscc.csv",
     ["证券简称_szse_2025", "扩位证券简称_sse_2025", "证券简称_sse_2025", "证券简称_tushare_2024",
      "证券简称_chainkg_2021", "公司全称"]),
    ("szse_sse_stock_lists/szse_A股列表.csv", ["公司全称", "A股简称"]),
    ("szse_sse_stock_lists/sse_GPLIST.csv", ["证券简称", "扩位证券简称"]),
    ("tushare_stock_basic/stock_basic.csv", ["name"]),
    ("tushare_stock_basic/namechange.csv", ["name"]),
    ("dishonest_persons_baidu_sample/dishonest_flat.csv", ["iname"]),
]


def real_names() -> list[str]:
    if not REAL.is_dir():
        pytest.skip("real data not present (../shared/data/real)")
    names = set()
    for file, columns in NAME_COLUMNS:
        path = REAL / file
        if not path.exists():
            continue
        with path.open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                names.update(row[c] for c in columns if row.get(c))
    return sorted(names)


@lru_cache(maxsize=1)
def jieba_tokenizer() -> jieba.Tokenizer:
    """What the analyzers used before: jieba itself, with the same user words."""
    tok = jieba.Tokenizer()
    tok.initialize()
    for word, freq in user_words():
        tok.add_word(word, freq=freq)
    return tok


def jieba_terms(normalized: str) -> list[str]:
    return [t for t in jieba_tokenizer().cut_for_search(normalized, HMM=False) if _TERM.match(t)]


@lru_cache(maxsize=1)
def alternations() -> tuple[re.Pattern, re.Pattern]:
    regions = sorted((normalize(r) for r in region_words()), key=len, reverse=True)
    forms = sorted((normalize(f) for f in company_forms()), key=len, reverse=True)
    return (re.compile("^(?:" + "|".join(map(re.escape, regions)) + ")+"),
            re.compile("(?:" + "|".join(map(re.escape, forms)) + ")+$"))


def regex_core_name(norm: str) -> str:
    prefix, suffix = alternations()
    base = suffix.sub("", _BRACKETS.sub("", norm)) or _BRACKETS.sub("", norm)
    rest = prefix.sub("", base)
    return rest if len(rest) > 2 else base


def built_names(n: int, seed: int = 7) -> list[str]:
    """Names made of region words, company forms, brackets, Latin letters and digits, in any order."""
    rng = random.Random(seed)
    regions, forms = region_words(), company_forms()
    pieces = list("光谷科技振业格力电器()（）有限公司集团·-&abcAB12３")
    out = []
    for _ in range(n):
        parts = [rng.choice((rng.choice(regions), rng.choice(forms), rng.choice(pieces)))
                 for _ in range(rng.randint(0, 7))]
        out.append("".join(parts))
    return out


def test_terms_are_jiebas_on_real_names():
    names = real_names()
    assert len(names) > 50_000
    differ = [(n, terms(norm), jieba_terms(norm)) for n in names
              if terms(norm := normalize(n)) != jieba_terms(norm)]
    assert differ == [], f"{len(differ)} of {len(names)} real names segmented differently, e.g. {differ[:3]}"


def test_terms_are_jiebas_on_built_names():
    names = built_names(5000)
    assert [terms(normalize(n)) for n in names] == [jieba_terms(normalize(n)) for n in names]


def test_user_words_are_single_terms():
    # A word jieba's dictionary already holds (湖北 is in it) and one it does not: both as jieba.
    for name in ("湖北省武汉市光谷科技股份有限公司", "洪山区某某经营部", "新疆生产建设兵团第八师石河子市"):
        assert terms(normalize(name)) == jieba_terms(normalize(name))


def test_core_name_is_the_alternations_on_real_names():
    names = real_names()
    differ = [(n, core_name(norm), regex_core_name(norm)) for n in names
              if core_name(norm := normalize(n)) != regex_core_name(norm)]
    assert differ == [], f"{len(differ)} real names differ, e.g. {differ[:3]}"


def test_core_name_and_query_forms_are_the_alternations_on_built_names():
    _prefix, suffix = alternations()
    for name in built_names(20_000, seed=11):
        norm = normalize(name)
        assert core_name(norm) == regex_core_name(norm), name
        assert (_affixes().strip_forms(norm) or norm) == (suffix.sub("", norm) or norm), name
        bare = _SHARE_CLASS.sub("", _STOCK_PREFIX.sub("", norm))
        assert analyze_query(name).core == regex_core_name(bare), name
