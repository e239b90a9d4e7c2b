"""Text that people type into the portal's forms (reasons, statements, replies, commitments), cleaned
as ingest cleans a source file's cells: control characters removed — and, since such text may be
published beside a record, the bidirectional overrides that would make it read otherwise than it
was written."""
from __future__ import annotations

import re

from analyzers.normalize import ZERO_WIDTH

# C0 and C1 control characters other than white space.
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
# Those, the zero-width characters a copy and paste brings along (analyzers.normalize.ZERO_WIDTH: a
# BOM, zero-width spaces, direction marks) and the bidirectional embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069), by which a text would read otherwise than it was written: the one
# list of what is removed from what people type, from every cell ingest reads (indexer.validate)
# and from every code compared (credit.codes.normalize_code).
INVISIBLE = re.compile(CONTROL.pattern[:-1] + ZERO_WIDTH + r"\u202a-\u202e\u2066-\u2069]")
# What is removed: all of those except a zero-width joiner between two pictographs, which makes them
# one emoji (👨‍👩‍👧 a family, ❤️‍🔥) that a quoted advertisement or a typed reason may hold.
_PICTOGRAPH = "\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
_EMOJI_JOINER = f"(?!(?<=[{_PICTOGRAPH}\ufe0f])\u200d(?=[{_PICTOGRAPH}]))"
REMOVED = re.compile(_EMOJI_JOINER + INVISIBLE.pattern)
_REMOVED_IN_BLOCK = re.compile(_EMOJI_JOINER + INVISIBLE.pattern[:-1] + r"\x0b\x0c\x1c-\x1f]")   # a block keeps its line breaks


def line(value: str | None) -> str:
    """One line: invisible characters removed, each run of white space one space."""
    return " ".join(REMOVED.sub("", value or "").split())


def block(value: str | None) -> str:
    """Several lines (a commitment's text): invisible characters removed, the lines kept."""
    return _REMOVED_IN_BLOCK.sub("", value or "").strip()
