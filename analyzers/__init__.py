"""Chinese text analysis: the one place that turns text into search terms.

Used at index time and at query time by every search backend, so both sides always agree."""
from analyzers.names import NameTerms, QueryTerms, analyze_name, analyze_query, highlight
from analyzers.normalize import normalize

__all__ = ["NameTerms", "QueryTerms", "analyze_name", "analyze_query", "highlight", "normalize"]
