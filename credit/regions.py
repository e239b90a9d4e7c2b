"""Administrative divisions (GB/T 2260) for the region filter: a code's 6-digit division
(characters 3–8 of a USCC, the first 6 of a registration number) and its parents."""
from __future__ import annotations

# The table belongs to analyzers, whose tokenizer needs the same names and depends on nothing here.
from analyzers.regions import GROUPINGS, region_names


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
    parts = [names[c] for c in codes if names[c] not in GROUPINGS]
    return "".join(parts)
