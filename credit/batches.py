"""Cutting a stream into lists of at most `size` items (database transactions, bulk requests)."""
from __future__ import annotations

from itertools import islice
from typing import Iterable, Iterator


def chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
