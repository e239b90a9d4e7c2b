"""The embedded engine's index: its fields, the tantivy document of a public document, and the
query builders — pure functions from query objects to tantivy queries, as es_queries.py is for
Elasticsearch, ranking alike (constants in ranking.py).

Every read goes through `public_only`, which adds the document type and the publicity window
(public_until >= the day asked about), so no caller can forget them. Names: one name per slot field
(chars_0/terms_0 the current name, then one slot per former name), so "all query characters in ONE
name" is a conjunction inside a slot and a disjunction over slots."""
from __future__ import annotations

import base64
from datetime import date

import orjson
import tantivy
from tantivy import Document, FieldType, Occur, Query

from analyzers import QueryTerms
from credit.catalog import RECORD_KINDS
from credit.search.base import QueryError, RecordQuery, SubjectQuery, check_kind
from credit.search.ranking import BOOST_CORE, BOOST_EXACT, BOOST_FORMER, BOOST_PHRASE, WEIGHT_CHARS, WEIGHT_TERMS

# One name per slot. A subject with more names than slots is found by its first NAME_SLOTS names
# (current name first); no real subject has had sixteen names.
NAME_SLOTS = 16

# Single-valued and multi-valued exact-match fields (raw tokenizer: the whole value is one term).
KEYWORDS = ("id", "doc_type", "kind", "subject_code", "list_type", "list_name", "department", "region",
            "code", "codes", "departments", "name_norm", "name_core", "former_norms")
# Keyword fields also kept column-wise: sorted on (code), counted in facets, or read back (id).
FAST_KEYWORDS = frozenset({"id", "kind", "subject_code", "department", "code", "departments"})
# ISO days, stored as integers YYYYMMDD (a missing day: no value, so no range matches it).
DAYS = ("decided_on", "public_until", "licence_until", "penalty_until", "list_until", "dates")
# Indexed only for the engine: the sort key of records, the code's sort keys (a subject's code, a
# record's subject code), a record's kind as a number, the used name slots.
RECORD_SORT, CODE_KEYS, KIND_KEY, SLOTS = "record_sort", ("code_key0", "code_key1", "code_key2"), "kind_key", "slots"
PAIR_MARK = "\x1f"
# Name slot fields: the two of credit.documents.NameTerms, and adjacent character pairs.
SLOT_FIELDS = ("chars", "terms", "pairs")
BODY = "body"


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in KEYWORDS:
        builder.add_text_field(name, fast=name in FAST_KEYWORDS, tokenizer_name="raw", index_option="basic")
    for name in DAYS:
        builder.add_integer_field(name, indexed=True, fast=True)
    builder.add_text_field(RECORD_SORT, fast=True, tokenizer_name="raw", index_option="basic")
    for name in CODE_KEYS:
        builder.add_unsigned_field(name, fast=True)
    builder.add_unsigned_field(KIND_KEY, fast=True)
    builder.add_text_field(SLOTS, tokenizer_name="raw", index_option="basic")
    for slot in range(NAME_SLOTS):
        # Characters and terms keep their frequencies (BM25); adjacent pairs of characters their
        # positions, for the phrase bonus (see `_phrase`).
        builder.add_text_field(f"chars_{slot}", tokenizer_name="whitespace", index_option="freq")
        builder.add_text_field(f"terms_{slot}", tokenizer_name="whitespace", index_option="freq")
        builder.add_text_field(f"pairs_{slot}", tokenizer_name="whitespace", index_option="position")
    builder.add_bytes_field(BODY, stored=True)
    return builder.build()


SCHEMA = schema()


def day(iso: str) -> int:
    return int(iso[:4] + iso[5:7] + iso[8:10])


def code_keys(code: str) -> tuple[int, int, int]:
    """Three integers that sort as the code does (UTF-8 bytes compare as the characters do), exact
    for codes of up to 24 bytes: a USCC has 18."""
    raw = code.encode()[:24].ljust(24, b"\0")
    return tuple(int.from_bytes(raw[i:i + 8], "big") for i in (0, 8, 16))


def record_sort_key(doc: dict) -> str:
    """Most recent first, then by id, as one ascending string."""
    return f"{99999999 - day(doc['decided_on']):08d}{doc['id']}"


def index_fields(doc: dict) -> dict:
    """The tantivy fields of a public document (credit.documents), its body as bytes: the one
    definition behind both forms a document is written in (`to_document`, `to_json`)."""
    out: dict = {}
    get = doc.get
    for name in KEYWORDS:
        value = get(name)
        if value is None:
            continue
        if isinstance(value, list):
            value = [v for v in value if v is not None]
            if not value:
                continue
            out[name] = value
        else:
            out[name] = [value]
    for name in DAYS:
        value = get(name)
        if value:
            values = [day(v) for v in value if v] if isinstance(value, list) else [day(value)]
            if values:
                out[name] = values
    if doc["doc_type"] == "record":
        out[RECORD_SORT] = [record_sort_key(doc)]
        # Counted per subject and kind from these columns (EmbeddedIndex.record_counts).
        out[KIND_KEY] = [RECORD_KINDS.index(doc["kind"])]
        if doc.get("subject_code"):
            out.update(zip(CODE_KEYS, ([key] for key in code_keys(doc["subject_code"])), strict=True))
    else:
        out.update(zip(CODE_KEYS, ([key] for key in code_keys(doc["code"])), strict=True))
        names = doc["names"][:NAME_SLOTS]
        out[SLOTS] = _SLOT_NUMBERS[:len(names)]
        for (chars, terms, paired), name in zip(_SLOT_FIELDS, names):
            out[chars] = [name["chars"]]
            out[terms] = [name["terms"]]
            out[paired] = [" ".join(pairs(name["chars"].split()))]
    out[BODY] = [orjson.dumps(doc)]
    return out


# Each name slot's fields, and the slots' numbers as the slots field holds them.
_SLOT_FIELDS = [(f"chars_{slot}", f"terms_{slot}", f"pairs_{slot}") for slot in range(NAME_SLOTS)]
_SLOT_NUMBERS = [str(slot) for slot in range(NAME_SLOTS)]


def to_document(doc: dict) -> Document:
    """The tantivy document of a public document (credit.documents)."""
    return Document.from_dict(index_fields(doc), SCHEMA)


def to_json(doc: dict) -> str:
    """The same document as tantivy's JSON (IndexWriter.add_json: bytes as base64), a string that
    crosses from the process that builds it to the one that writes it for little."""
    fields = index_fields(doc)
    fields[BODY] = [base64.b64encode(fields[BODY][0]).decode()]
    return orjson.dumps(fields).decode()


# -- queries: pure functions from query objects to tantivy queries ----------------------------

def term(field: str, value) -> Query:
    return Query.term_query(SCHEMA, field, value)


# Up to this many values, `one_of` asks for each term on its own: a term set query walks the term
# dictionary (0.3–0.4 ms for 20 codes among 100,000 subjects, against 0.05 ms for 20 term queries),
# which pays off only for many values.
FEW_TERMS = 256


def one_of(field: str, values: list) -> Query:
    """Documents whose `field` holds any of `values` (a keyword field)."""
    values = list(values)
    if len(values) == 1:
        return term(field, values[0])
    if len(values) <= FEW_TERMS:
        return Query.boolean_query([(Occur.Should, term(field, v)) for v in values])
    return Query.term_set_query(SCHEMA, field, values)


def all_of(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Must, q) for q in queries])


def any_of(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])


def since(field: str, today: date) -> Query:
    return Query.range_query(SCHEMA, field, FieldType.Integer, day(today.isoformat()), None)


def days_between(field: str, date_from: date | None, date_to: date | None) -> list[Query]:
    if not (date_from or date_to):
        return []
    return [Query.range_query(SCHEMA, field, FieldType.Integer, day(date_from.isoformat()) if date_from else None,
                              day(date_to.isoformat()) if date_to else None)]


def public_only(doc_types: tuple[str, ...], today: date, filters: list[Query] = ()) -> Query:
    """THE filter of every read: only this type of document, only inside its publicity window
    (public_until >= the day asked about), and what the caller asked for. It scores nothing.

    A record leaves every answer on the day after its window even before `indexer expire` runs."""
    kinds = one_of("doc_type", doc_types)
    return Query.const_score_query(all_of([kinds, since("public_until", today), *filters]), 0.0)


def subject_filters(query: SubjectQuery) -> list[Query]:
    filters = []
    if query.kind:
        check_kind(query.kind)
        # A subject "has a public record of this kind" while that kind's last public day lasts.
        filters.append(since(f"{query.kind}_until", query.today))
    for field, value in (("codes", query.code), ("departments", query.department), ("region", query.region)):
        if value:
            filters.append(term(field, value))
    return filters + days_between("dates", query.date_from, query.date_to)


def record_filters(query: RecordQuery) -> list[Query]:
    filters = [term(field, value) for field, value in (
        ("subject_code", query.subject_code), ("list_type", query.list_type), ("list_name", query.list_name),
        ("department", query.department), ("region", query.region)) if value]
    if query.kinds:
        filters.append(one_of("kind", query.kinds))
    return filters + days_between("decided_on", query.date_from, query.date_to)


def _bonus(query: Query, boost: float) -> Query:
    """A fixed score when `query` matches, whatever BM25 says: the ranking rules of SPEC §5."""
    return Query.const_score_query(query, boost)


def pairs(chars: list[str] | tuple[str, ...]) -> list[str]:
    """Each character with the next, as one token (PAIR_MARK between them, which no analyzed
    character holds and the whitespace tokenizer does not split on)."""
    return [a + PAIR_MARK + b for a, b in zip(chars, chars[1:])]


def _phrase(slot: int, chars: tuple[str, ...]) -> Query:
    """The characters as one contiguous run in the name of `slot`: its adjacent pairs at
    consecutive positions. The same as a phrase of characters, and far cheaper: a pair is rare where
    a character is common (武汉: one pair's postings instead of two characters' positions), and a
    two-character query is one term."""
    if len(chars) == 1:
        return term(f"chars_{slot}", chars[0])
    tokens = pairs(chars)
    return term(f"pairs_{slot}", tokens[0]) if len(tokens) == 1 else Query.phrase_query(SCHEMA, f"pairs_{slot}", tokens)


def _weighted(query: Query, weight: float) -> Query:
    # A boost of 1 changes no score: left out, the query tree is one level shallower (each level
    # is copied again by every query built around it).
    return query if weight == 1.0 else Query.boost_query(query, weight)


def name_query(q: QueryTerms, slots: int, wanted: Query) -> Query:
    """Which subjects a typed name finds among those `wanted` matches (public_only's filter), and
    how well: all query characters required in one name (a slot: the current or one former name);
    BM25 over that name's jieba terms (weight 2) and characters (weight 1), the best name
    counting; constant bonuses for the exact name, an exact former name, the exact core name and
    the characters as one phrase in one name. The Elasticsearch engine builds the same
    (es_queries.name_match). The filter is a clause of the same boolean query, scoring nothing,
    rather than a query wrapped around it: the tree is built (and copied) once."""
    per_name = []
    for slot in range(slots):
        clauses = [(Occur.Must, _weighted(term(f"chars_{slot}", c), WEIGHT_CHARS)) for c in q.required_chars]
        clauses += [(Occur.Should, _weighted(term(f"terms_{slot}", t), WEIGHT_TERMS)) for t in q.terms]
        per_name.append(Query.boolean_query(clauses))
    match = per_name[0] if len(per_name) == 1 else Query.disjunction_max_query(per_name)
    bonuses = [_bonus(term("name_norm", q.norm), BOOST_EXACT), _bonus(term("former_norms", q.norm), BOOST_FORMER),
               _bonus(any_of([_phrase(slot, q.phrase) for slot in range(slots)]), BOOST_PHRASE)]
    if q.core:
        bonuses.append(_bonus(term("name_core", q.core), BOOST_CORE))
    return Query.boolean_query([(Occur.Must, match), (Occur.Must, wanted), *((Occur.Should, b) for b in bonuses)])


def greater_than(field: str, value: str) -> Query:
    """Keyword values sorting after `value` (a cursor's), as one regular expression over the term
    dictionary: a common prefix, then a greater character, or `value` itself continued."""
    if len(value) > 200:   # no code or record id is this long: a forged cursor
        raise QueryError("翻页游标无效")

    def lit(text: str) -> str:
        return "".join(f"\\x{{{ord(ch):X}}}" for ch in text)
    options = [f"{lit(value[:i])}[\\x{{{ord(ch) + 1:X}}}-\\x{{10FFFF}}].*" for i, ch in enumerate(value)
               if ord(ch) < 0x10FFFF]
    options.append(f"{lit(value)}.+")
    try:
        return Query.regex_query(SCHEMA, field, "|".join(options))
    except ValueError as exc:   # a character the regular expression cannot hold (a lone surrogate)
        raise QueryError("翻页游标无效") from exc
