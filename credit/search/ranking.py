"""Ranking shared by both search engines (embedded.py and es_queries.py), so they rank alike:
exact name ≫ exact former name ≫ exact core name ≫ query as one contiguous phrase ≫ BM25 (terms
weighted twice the single characters)."""
from __future__ import annotations

BOOST_EXACT, BOOST_FORMER, BOOST_CORE, BOOST_PHRASE = 1000.0, 500.0, 100.0, 20.0
WEIGHT_TERMS, WEIGHT_CHARS = 2.0, 1.0
