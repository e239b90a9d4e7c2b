"""Masking (SPEC §4): personal names, ID numbers and phone numbers never reach a public page.

The patterns and surname list are catalogue data; this module only applies them."""
from __future__ import annotations

import re
from functools import lru_cache

from credit.catalog import Catalog


def mask_person_name(name: str, catalog: Catalog) -> str:
    """张三 → 张*, 欧阳小明 → 欧阳**: the surname stays, every other character is hidden."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    compound = catalog.scrub["compound_surnames"]
    keep = 2 if len(name) > 2 and name[:2] in compound else 1
    return name[:keep] + "*" * (len(name) - keep)


_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=8)
def _pattern(catalog: Catalog) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in catalog.scrub["patterns"]))


def scrub(text: str, catalog: Catalog, private_names: tuple[str, ...] = ()) -> str:
    """Text with ID/phone numbers replaced and the given personal names masked wherever they occur."""
    if not text:
        return text
    # Every pattern needs a run of digits: text without one is left as it is, cheaply.
    if _DIGIT.search(text):
        text = _pattern(catalog).sub(catalog.scrub["replacement"], text)
    # Longest first, so 欧阳小明 is masked before a shorter name inside it could be.
    for name in sorted({n for n in private_names if n and len(n) >= 2}, key=len, reverse=True):
        text = text.replace(name, mask_person_name(name, catalog))
    return text
