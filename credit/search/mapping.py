"""The Elasticsearch index, as code: names, settings and the strict mapping of the documents
credit/documents.py builds (RecordDocument and SubjectDocument share one index, told apart by
`doc_type`, so one alias switch swaps both at once).

Every term comes from analyzers/: names arrive as space-separated jieba terms and single
characters, and Elasticsearch only splits them on spaces. It needs no Chinese plugin, and the
index side and query side can never tokenize differently."""
from __future__ import annotations

from credit.config import Settings

# The analyzer of pre-tokenized text: split on whitespace, nothing else. No lowercase or ASCII
# folding filters: analyzers.normalize already case-folded and NFKC-normalized every term, and a
# second normalization here would be a second tokenizer that could drift from the first.
PRETOKENIZED = "pretokenized"

# Exact values: codes, enumerations, departments, normalized names compared whole.
KEYWORD = {"type": "keyword"}
# Shown on pages but never searched, filtered or sorted on: no inverted index, no doc values
# (they stay in _source, which is all a page needs).
DISPLAY = {"type": "keyword", "index": False, "doc_values": False}
# credit/documents.py writes ISO days (2024-03-05); strict_date refuses anything else, so a malformed date
# is a reported bulk failure rather than a silently misread value.
DATE = {"type": "date", "format": "strict_date"}

PROPERTIES = {
    # -- both kinds of document
    "id": KEYWORD,                 # the sort tie-breaker: sorting on _id needs fielddata, disabled in ES 8
    "doc_type": KEYWORD,           # record | subject
    "subject_type": KEYWORD,
    "region": KEYWORD,             # province, prefecture and county division codes
    "public_until": DATE,          # last public day: every read filters on it (es_queries.public_only)
    # -- record documents
    "kind": KEYWORD,
    "subject_code": KEYWORD,
    "subject_name": DISPLAY,
    "list_type": KEYWORD,
    "list_name": KEYWORD,
    "department": KEYWORD,
    "department_code": KEYWORD,
    "decided_on": DATE,
    "title": DISPLAY,
    "objection": {"type": "boolean"},
    # The catalogue's columns, already masked: shown, never searched. Not mapped field by field,
    # so a city that adds a column to its catalogue needs no mapping change ("dynamic": "strict"
    # does not reach inside a disabled object).
    "fields": {"type": "object", "enabled": False},
    # -- subject documents
    "code": KEYWORD,
    "codes": KEYWORD,              # every registered code (USCC, registration number …): exact lookup
    # The name is shown from _source; its highlight is made by analyzers.highlight from the same
    # query terms on every engine (Elasticsearch's highlighter would mark the whitespace-joined
    # tokens of name_chars, not the name as written).
    "name": DISPLAY,
    "former_names": DISPLAY,
    "region_name": DISPLAY,
    "name_norm": KEYWORD,          # exact full name → BOOST_EXACT
    "name_core": KEYWORD,          # exact core name (short name) → BOOST_CORE
    "former_norms": KEYWORD,       # exact former name → BOOST_FORMER
    # One nested document per name (current and former), so that "every query character in the
    # name" is asked of each name on its own: with all names in one multi-valued field, 安信 found
    # a subject whose current name held only 信 and whose former name only 安. Nested rather than
    # per-name fields (name_0, name_1 …): the number of former names has no bound, and nested
    # keeps one query clause and a fixed mapping. It costs one hidden Lucene document per name
    # (most subjects have one name), and the query must say `nested` (es_queries.name_match does).
    "names": {"type": "nested", "properties": {
        # jieba search-mode terms. Only term frequencies are needed (BM25, no phrase queries on
        # terms), so positions are not indexed: a smaller index.
        "terms": {"type": "text", "analyzer": PRETOKENIZED, "index_options": "freqs"},
        # Single characters, with positions for the contiguous-phrase bonus.
        "chars": {"type": "text", "analyzer": PRETOKENIZED},
    }},
    # The lists the subject is on ({type, name, until}): shown, never searched.
    "lists": {"type": "object", "enabled": False},
    # The day of its most recent public record per kind ({kind: day}): shown, never searched.
    "latest": {"type": "object", "enabled": False},
    # The last public day of each of its public records per kind ({kind: [day, …]}): counted, never searched.
    "untils": {"type": "object", "enabled": False},
    "departments": KEYWORD,
    "dates": DATE,                 # decision days of the subject's public records (date filter)
    "licence_until": DATE,         # last public day of any licence / penalty / list entry (kind filter)
    "penalty_until": DATE,
    "list_until": DATE,
}

MAPPINGS = {"dynamic": "strict", "properties": PROPERTIES}


def index_settings(settings: Settings) -> dict:
    """Settings of a live index version.

    BM25 keeps Elasticsearch's defaults (k1=1.2, b=0.75), which are also tantivy's, so both engines
    weigh term frequency and name length alike; the ranking rules of SPEC §5 come from the
    constant-score bonuses in es_queries.py, which dwarf any BM25 difference."""
    return {
        "number_of_shards": settings.es_shards,
        "number_of_replicas": settings.es_replicas,
        # The same deepest offset the interface enforces (base.check_depth): deeper pages go
        # through search_after, never through `from`.
        "max_result_window": settings.result_window,
        "analysis": {"analyzer": {PRETOKENIZED: {"type": "custom", "tokenizer": "whitespace"}}},
    }


# While a new version is being built nobody reads it: no periodic refresh (each one writes a small
# segment to merge later) and no replicas (copying finished segments once is cheaper than indexing
# every document twice). Both are restored before the alias switches to it.
BUILD_SETTINGS = {"refresh_interval": "-1", "number_of_replicas": 0}


def live_settings(replicas: int) -> dict:
    return {"refresh_interval": None, "number_of_replicas": replicas}  # None: back to the default (1s)


# The rebuild lock: one small document in its own index (see elastic.RebuildLock). A copy on
# every node that has room for one, none on a single node (so a one-node cluster stays green).
LOCK_SETTINGS = {"number_of_shards": 1, "auto_expand_replicas": "0-1"}
LOCK_MAPPINGS = {"dynamic": "strict", "properties": {
    "owner": KEYWORD,
    "acquired_at": {"type": "date"},
    "expires_at": {"type": "date"},
}}


def alias_name(prefix: str) -> str:
    """What every reader and writer uses; it points at exactly one version."""
    return f"{prefix}-public"


def version_name(prefix: str, version: int) -> str:
    return f"{alias_name(prefix)}-v{version}"


def version_pattern(prefix: str) -> str:
    return f"{alias_name(prefix)}-v*"


def version_number(prefix: str, index: str) -> int | None:
    tail = index.removeprefix(alias_name(prefix) + "-v")
    return int(tail) if tail != index and tail.isdigit() else None


def lock_name(prefix: str) -> str:
    return f"{prefix}-locks"
