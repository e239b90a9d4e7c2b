"""Text that people type into the portal's forms (reasons, statements, replies, commitments), cleaned
as ingest cleans a source file's cells: control characters removed — and, since such text may be
published beside a record, the bidirectional overrides that would make it read otherwise than it
was written."""
from __future__ import annotations

import re

# C0 and C1 control characters other than white space (ingest removes them from every cell too).
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
# Those and the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): text
# that would read otherwise than it was written (ingest removes these from every cell as well).
INVISIBLE = re.compile(CONTROL.pattern[:-1] + r"\u202a-\u202e\u2066-\u2069]")
_INVISIBLE_IN_BLOCK = re.compile(INVISIBLE.pattern[:-1] + r"\x0b\x0c\x1c-\x1f]")   # a block keeps its line breaks


def line(value: str | None) -> str:
    """One line: invisible characters removed, each run of white space one space."""
    return " ".join(INVISIBLE.sub("", value or "").split())


def block(value: str | None) -> str:
    """Several lines (a commitment's text): invisible characters removed, the lines kept."""
    return _INVISIBLE_IN_BLOCK.sub("", value or "").strip()
