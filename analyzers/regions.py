"""GB/T 2260 administrative divisions (code → name), read from the one copy of the table next to
this module: the tokenizer's user dictionary is built from it, and credit.regions reads it for the
region filter, so the two can never list different places."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

REGIONS_FILE = Path(__file__).with_name("regions.tsv")
# Entries that group counties rather than name a place: never a term, a label or a filter option.
GROUPINGS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@lru_cache(maxsize=1)
def region_names() -> dict[str, str]:
    """Every division, groupings included, by code."""
    rows = (line.split("\t") for line in REGIONS_FILE.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#"))
    return {code: name for code, name in rows}


def places() -> dict[str, str]:
    """The divisions that name a place, by code."""
    return {code: name for code, name in region_names().items() if name not in GROUPINGS}
