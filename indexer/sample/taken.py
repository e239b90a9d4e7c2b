"""Names and codes already given out, so every subject's are its own."""
from __future__ import annotations

import zlib


class Taken:
    """A bit set of CRC32 hashes: a few MB even for a million subjects. A hash collision only
    makes the generator draw again, so uniqueness holds."""

    def __init__(self, expected: int):
        size = 1 << max(16, (expected * 32).bit_length())
        self._mask = size - 1
        self._bits = bytearray(size >> 3)

    def claim(self, key: str) -> bool:
        h = zlib.crc32(key.encode()) & self._mask
        byte, bit = h >> 3, 1 << (h & 7)
        if self._bits[byte] & bit:
            return False
        self._bits[byte] |= bit
        return True

    def unique(self, make) -> str:
        """Draw from `make` until the result has not been given out before."""
        for _ in range(10_000):
            value = make()
            if self.claim(value):
                return value
        raise RuntimeError("synthetic name space exhausted; add words to the vocabulary")
