"""From full records to the public documents the search index holds (masked, windowed, tokenized),
and the shape of those documents (RecordDocument, SubjectDocument), which every engine stores.

This is the only producer of public documents: whatever it leaves out can never be shown. A
subject's documents are always rebuilt together from all of its records, so a correction, a
revocation or an expiry anywhere in its history is reflected everywhere at once."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable, NamedTuple, Protocol, TypedDict

from analyzers import analyze_name
from analyzers.normalize import normalize
from credit.catalog import PERSON, SOLE_TRADER, Catalog, Column
from credit.codes import holds_citizen_id, mask_id_number, registered_code
from credit.ids import subject_doc_id
from credit.masking import mask_person_name, scrub
from credit.publicity import FOREVER, of_record
from credit.regions import region_label, region_path

# The shape of the public documents, the one definition the Elasticsearch mapping
# (credit/search/mapping.py) and the embedded engine's tables follow (tests/contract/test_document_shape.py
# holds them to it). Every field is kept in the stored body (Elasticsearch _source, the embedded
# engine's JSON body) and mapped in Elasticsearch; the embedded engine copies the fields it filters,
# sorts or matches on into columns. BODY_ONLY fields are never searched by either engine: shown only.
BODY_ONLY = frozenset({"fields", "lists", "latest", "untils"})
# Texts an objection's outcome adds to a record's shown fields, beside the catalogue's columns.
OBJECTION_NOTES = ("statement", "correction_note")


class RecordDocument(TypedDict):
    id: str                    # the record's public id
    doc_type: str              # "record"
    kind: str                  # licence | penalty | list
    subject_code: str | None   # registered code; None for natural persons (no public subject page)
    subject_name: str
    subject_type: str
    list_type: str | None      # the list's slug (list entries only)
    list_name: str | None
    department: str
    department_code: str
    region: list[str]          # province, prefecture and county division codes
    decided_on: str            # ISO day
    public_until: str          # last public day, ISO (FOREVER when open-ended)
    title: str
    objection: bool            # an objection is pending
    fields: dict[str, str]     # body only: the catalogue's shown columns, masked


class NameTerms(TypedDict):
    terms: str                 # jieba search-mode terms, space-separated
    chars: str                 # single characters, space-separated


class ListEntry(TypedDict):
    type: str
    type_label: str
    name: str
    until: str


class SubjectDocument(TypedDict):
    id: str                    # subject_doc_id(code)
    doc_type: str              # "subject"
    code: str
    name: str                  # current name
    former_names: list[str]
    codes: list[str]           # every registered code
    subject_type: str
    region: list[str]
    region_name: str
    name_norm: str
    name_core: str
    former_norms: list[str]
    names: list[NameTerms]     # current name first, then former names
    departments: list[str]
    dates: list[str]           # decision days of its public records
    licence_until: str | None  # last public day of any licence / penalty / list entry
    penalty_until: str | None
    list_until: str | None
    public_until: str
    lists: list[ListEntry]     # body only: the lists it is on, shown in results
    latest: dict[str, list[list[str]]]  # body only: kind → [[decision day, last public day], …] (see _latest)
    untils: dict[str, list[str]]  # body only: kind → the last public day of each public record, latest first


class RecordLike(Protocol):
    identity: str
    public_id: str
    kind: str
    subject_key: str
    subject_type: str
    values: dict
    revoked: bool
    objection: str | None
    repaired_on: date | None
    # withdrawn, statement and correction_note (credit.models.Record) are read when present


def private_names(records: Iterable[RecordLike]) -> tuple[str, ...]:
    """Personal names the public may not see, from every record of a subject: a sole trader's
    operator, named on one record, is masked on all of them (list entries carry no operator)."""
    names = set()
    for record in records:
        values = record.values
        if values.get("subject_type") != SOLE_TRADER:
            continue
        if values.get("legal_rep"):
            names.update(_person_names(values["legal_rep"]))
        # A sole trader registered under the operator's own name (张三, 罗 晓 静, 谢婷（个体工商户）)
        # has no other name to show.
        elif _is_person_name(own := _own_name(values.get("subject_name", ""))):
            names.update(_person_names(own))
    return tuple(sorted(n for n in names if n))


# How clerks write an operator: 经营者：刘丽萍, 刘丽萍（经营者）, 黄伟、黄晓燕, 黄俊杰和黄雅琴, 覃冬梅等,
# 阿依古丽·买买提, 热依拉-吐尔逊.
_NAME_LABEL = re.compile(r"^(?:经营者|经营人|负责人|业主|店主|户主|投资人|法定代表人|法人代表|法人)(?:姓名)?[:：]?")
_BRACKETED = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
_NAME_SEPARATORS = re.compile(r"[、，,;；/|&＆]+")
_NAME_JOINERS = re.compile(r"[和及与]")
_NAME_DOTS = re.compile(r"[·•.．・･‧\-－—_]+")
_ETC = re.compile(r"等人?$")
_OWN_NAME_AFFIXES = re.compile(r"^个体(?:工商)?户|个体(?:工商)?户$|[（(【\[](?:个体(?:工商)?户?|经营者)[）)】\]]$")


def _person_names(text: str) -> list[str]:
    """The names an operator cell holds: each name, and each part of a name written in parts (a
    dot or dash between them, spaces between parts of two or more characters, or 和/及/与 between
    two names — a name with 和 in it stays whole too)."""
    out = []
    for part in _NAME_SEPARATORS.split(text):
        words = part.split()
        name = _ETC.sub("", _NAME_LABEL.sub("", _BRACKETED.sub("", "".join(words))))
        if not name:
            continue
        out.append(name)
        for pieces in (_NAME_DOTS.split(name), _NAME_JOINERS.split(name), words):
            pieces = [p for p in pieces if p]
            if len(pieces) > 1 and all(len(p) >= 2 for p in pieces):
                out += pieces
    return out


def _own_name(subject_name: str) -> str:
    """A sole trader's registered name without what says it is one (个体户谢梦瑶, 谢婷（个体工商户）,
    個體工商戶（谢梦蝶）), in the normalized form names are masked in."""
    name = _OWN_NAME_AFFIXES.sub("", normalize(subject_name))
    return name[1:-1] if name[:1] in "（(【[" and name[-1:] in "）)】]" else name


def _is_person_name(name: str) -> bool:
    """Whether a sole trader's registered name is a person's: up to four characters, or Chinese
    parts joined by dots or dashes (阿依古丽·买买提, 热依拉-吐尔逊)."""
    pieces = _NAME_DOTS.split(name)
    return 0 < len(name) <= 4 or len(pieces) > 1 and all(p and all("\u4e00" <= c <= "\u9fff" for c in p) for p in pieces)


def _display(col: Column, value, values: dict, catalog: Catalog, private: tuple[str, ...]):
    if value == "" or value == []:
        return None
    if col.public == "id_masked":
        # Lists published by law name natural persons, their number masked; the number of anyone
        # else's entry (an organisation's representative, a sole trader's operator) is not shown.
        return mask_id_number(str(value)) if values.get("subject_type") == PERSON else None
    if col.public == "person" and values.get("subject_type") == SOLE_TRADER:
        return mask_person_name(str(value), catalog)
    if isinstance(value, list):
        return "；".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    if col.type == "code" and holds_citizen_id(str(value)):
        return None   # a citizen ID number in a registered-code column (a sole trader's tax number)
    if col.type != "text":
        return col.label(str(value))  # dates, codes and enumerations were validated: nothing to scrub
    return _scrubbed(value, catalog, private)


# Many shown texts repeat from record to record (departments, authorities, legal bases, licence
# contents): each is scrubbed once per process while the distinct texts met fit in the table.
_SCRUBBED: dict[tuple[str, tuple[str, ...], Catalog], str] = {}
_SCRUBBED_MAX = 20_000


def _scrubbed(text: str, catalog: Catalog, private: tuple[str, ...]) -> str:
    key = (text, private, catalog)
    shown = _SCRUBBED.get(key)
    if shown is None:
        if len(_SCRUBBED) >= _SCRUBBED_MAX:
            _SCRUBBED.clear()
        shown = _SCRUBBED[key] = scrub(text, catalog, private)
    return shown


def public_subject_code(record: RecordLike) -> str | None:
    """Only a registered code is ever a public key: natural persons (and a sole trader known only
    by its operator's ID number) have no public subject page."""
    if record.subject_type == PERSON:
        return None
    return registered_code(record.values) or None


def record_document(record: RecordLike, catalog: Catalog, today: date,
                    private: tuple[str, ...] = ()) -> RecordDocument | None:
    """The public document of one record, or None when it may not be shown today. `private`
    adds personal names to mask that other records of the subject hold."""
    values = record.values
    pub = of_record(record, catalog, today)
    if not pub.public:
        return None
    kind = catalog.kinds[record.kind]
    if values.get("subject_type") == SOLE_TRADER:
        private = tuple(sorted(set(private) | set(private_names([record]))))
    fields = {}
    for col in kind.shown_columns:
        value = values.get(col.key)
        if value is not None:
            shown = _display(col, value, values, catalog, private)
            if shown is not None:
                fields[col.key] = shown
    for key in OBJECTION_NOTES:   # a kept record's statement, a correction's note (credit.objections)
        if note := getattr(record, key, None):
            fields[key] = scrub(note, catalog, private)
    if pub.until and fields.get("publicity_until", "") > pub.until.isoformat():
        fields["publicity_until"] = pub.until.isoformat()  # a deadline past the rules is shown as capped
    code = public_subject_code(record)
    list_type = values.get("list_type")
    doc: RecordDocument = {
        "id": record.public_id,
        "doc_type": "record",
        "kind": record.kind,
        "subject_code": code,
        "subject_name": fields["subject_name"],
        "subject_type": values["subject_type"],
        "list_type": catalog.list_slug(list_type) if list_type else None,
        "list_name": fields.get("list_name"),
        "department": fields.get("source_dept", ""),
        "department_code": values.get("source_dept_code") or "",
        "region": region_path(code) if code else [],
        "decided_on": values[kind.date_field],
        "public_until": pub.until.isoformat() if pub.until else FOREVER.isoformat(),
        "title": fields.get("doc_no") or fields.get("list_name") or "",
        "objection": record.objection == "pending",
        "fields": fields,
    }
    return doc


@dataclass
class SubjectDocs:
    # every public document of the subject (records, then the subject entry)
    docs: list[RecordDocument | SubjectDocument]
    hidden: list[str]    # ids of its documents that may not be shown (to delete from the index)


def _names_by_recency(docs: Iterable[dict]) -> list[str]:
    """Current name first (from the most recent public record), then former names."""
    dated = sorted(((d["decided_on"], d["subject_name"]) for d in docs if d["subject_code"]), reverse=True)
    return list(dict.fromkeys(name for _, name in dated))


def _latest(dated: list[tuple[str, str]]) -> list[list[str]]:
    """[[decision day, last public day], …] newest first, keeping only the records that stay public
    longer than every newer one: on any day, the first entry still public is the most recent
    record of the kind public that day (usually one or two entries)."""
    kept, outlasts = [], ""
    for decided_on, until in sorted(dated, reverse=True):
        if until > outlasts:
            kept.append([decided_on, until])
            outlasts = until
    return kept


def latest_public(doc: dict, kind: str, today: date) -> str | None:
    """The decision day of a subject's most recent record of `kind` public on `today`, or None
    (none, or a document written before subject documents carried it)."""
    for decided_on, until in doc.get("latest", {}).get(kind, []):
        if until >= today.isoformat():
            return decided_on
    return None


def public_counts(doc: dict, today: date) -> dict[str, int] | None:
    """{kind: how many of a subject's records are public on `today`}, from its subject document
    (the records' last public days, latest first), or None for a document written before subject
    documents carried them."""
    untils = doc.get("untils")
    if untils is None:
        return None
    day, counts = today.isoformat(), {}
    for kind, days in untils.items():
        n = next((i for i, until in enumerate(days) if until < day), len(days))
        if n:
            counts[kind] = n
    return counts


class RecordPart(NamedTuple):
    """What a subject's documents need of one of its records: its public document (None when it
    may not be shown today), built with the subject's private names, and its codes."""
    public_id: str
    doc: RecordDocument | None
    registered_code: str          # registered_code(values): "" when it has none
    public_code: str | None       # public_subject_code(record)


def record_part(record: RecordLike, catalog: Catalog, today: date, private: tuple[str, ...] = ()) -> RecordPart:
    return RecordPart(record.public_id, record_document(record, catalog, today, private),
                      registered_code(record.values), public_subject_code(record))


def subject_documents(code: str, records: list[RecordLike], catalog: Catalog, today: date) -> SubjectDocs:
    """All public documents of one subject: its public records and its searchable subject entry."""
    private = private_names(records)
    return assemble_subject(code, [record_part(r, catalog, today, private) for r in records], catalog)


def assemble_subject(code: str, parts: list[RecordPart], catalog: Catalog) -> SubjectDocs:
    """The subject's documents from its records' parts, in the order of its records. Ingest builds
    the parts of the rows it has just validated (indexer/validate_chunks.py) and calls this, as
    subject_documents does for records read from the database: one way to a subject's entry."""
    docs = {p.doc["id"]: p.doc for p in parts if p.doc}
    hidden = [p.public_id for p in parts if p.public_id not in docs]
    public = [d for d in docs.values() if d["subject_code"] == code]
    if not public:
        # Only a registered code names a subject entry; an ID number never reaches the index.
        if any(p.public_code == code for p in parts):
            hidden.append(subject_doc_id(code))
        return SubjectDocs(list(docs.values()), hidden)
    names = _names_by_recency(docs.values())
    analyses = [analyze_name(n) for n in names]
    until, lists, latest, untils = {}, {}, {}, {}
    for d in public:
        until[d["kind"]] = max(until.get(d["kind"], ""), d["public_until"])
        latest.setdefault(d["kind"], []).append((d["decided_on"], d["public_until"]))
        untils.setdefault(d["kind"], []).append(d["public_until"])
        if d["kind"] == "list":
            key = (d["list_type"], d["list_name"] or "")
            lists[key] = max(lists.get(key, ""), d["public_until"])
    region = region_path(code)
    subject: SubjectDocument = {
        "id": subject_doc_id(code),
        "doc_type": "subject",
        "code": code,
        "name": names[0],
        "former_names": names[1:],
        "codes": sorted({p.registered_code for p in parts} - {""}),
        "subject_type": public[0]["subject_type"],
        "region": region,
        "region_name": region_label(region),
        "name_norm": analyses[0].norm,
        "name_core": analyses[0].core,
        "former_norms": [a.norm for a in analyses[1:]],
        # One entry per name, current first: every engine asks each name for the query on its own.
        "names": [{"terms": " ".join(a.terms), "chars": " ".join(a.chars)} for a in analyses],
        "departments": sorted({d["department"] for d in public}),
        "dates": sorted({d["decided_on"] for d in public}),
        "licence_until": until.get("licence"),
        "penalty_until": until.get("penalty"),
        "list_until": until.get("list"),
        "public_until": max(until.values()),
        # The lists it is on (labelled as the catalogue names them, like every enumeration), shown
        # in results without opening the profile; each with its last public day, so a reader drops
        # an entry whose window ended before the next publish.
        "lists": [{"type": t, "type_label": catalog.list_types[t], "name": n, "until": u}
                  for (t, n), u in sorted(lists.items())],
        # The day of its most recent public record of each kind (the batch API's "latest penalty"),
        # with its last public day so a reader skips a record whose window ended before the next
        # publish. Indexes written before this field existed lack it: readers treat it as unknown.
        "latest": {kind: _latest(dated) for kind, dated in sorted(latest.items())},
        # What results and batch answers count per kind (public_counts), without a search of the
        # records: on any day, the records still public are those whose last public day has not passed.
        "untils": {kind: sorted(days, reverse=True) for kind, days in sorted(untils.items())},
    }
    return SubjectDocs([*docs.values(), subject], hidden)
