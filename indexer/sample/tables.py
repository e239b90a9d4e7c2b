"""The generator's word lists and record templates (data/*.yaml), each file read once."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).with_name("data")
# libyaml reads the templates several times faster than the pure-Python loader (same result).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def table(name: str) -> dict:
    """data/<name>.yaml as loaded; shared, so callers copy what they change."""
    return yaml.load((DATA_DIR / f"{name}.yaml").read_text(encoding="utf-8"), Loader=_LOADER)


def chars(text: str) -> str:
    """A run of single characters written over several lines: the characters alone."""
    return "".join(text.split())


def words(text: str) -> tuple[str, ...]:
    """Whitespace-separated words, first occurrence kept."""
    return tuple(dict.fromkeys(text.split()))


def domains_by_word(mapping: dict) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """{word: [domain, …]} → ((word, (domain, …)), …): domains as tuples, for cache keys."""
    return tuple((word, tuple(domains)) for word, domains in mapping.items())
