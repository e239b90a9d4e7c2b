"""Administrative divisions (GB/T 2260) for the region filter: a code's 6-digit division
(characters 3–8 of a USCC, the first 6 of a registration number) and its parents."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

REGIONS_FILE = Path(__file__).with_name("data") / "regions.tsv"


@lru_cache(maxsize=1)
def region_names() -> dict[str, str]:
    rows = (line.split("\t") for line in REGIONS_FILE.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#"))
    return {code: name for code, name in rows}


def division_of(code: str) -> str | None:
    """The 6-digit division code inside a USCC or a 15-digit registration number."""
    digits = code[2:8] if len(code) == 18 else code[:6] if len(code) == 15 else ""
    return digits if digits.isdigit() and digits[:2] + "0000" in region_names() else None


def region_path(code: str) -> list[str]:
    """Province, prefecture and county codes that exist, broadest first ([] when unknown)."""
    division = division_of(code)
    if not division:
        return []
    names = region_names()
    candidates = [division[:2] + "0000", division[:4] + "00", division]
    return list(dict.fromkeys(c for c in candidates if c in names))


def region_label(codes: list[str]) -> str:
    names = region_names()
    parts = [names[c] for c in codes if names[c] not in ("市辖区", "县", "省直辖县级行政区划")]
    return "".join(parts)
