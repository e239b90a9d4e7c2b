"""What each item of an institution's batch is (SPEC §7): a subject found by its code or its exact
name, with its public profile summary; or why not.

Statuses, per item and in the order sent:
* found — a registered code of a public subject, or a name that exactly one subject bears;
* not_found — a well-formed code no public subject has, or a name no subject bears exactly;
* invalid_code — an 18-character code whose check character or alphabet is wrong (the reason says which);
* ambiguous — a name that several subjects bear equally well: their current or a former name
  normalizes (analyzers.analyze_query(text).norm) to exactly the query's normalized form. A name
  is matched exactly or not at all: a batch answers for a named subject, it does not search.

A whole batch takes a fixed number of index requests whatever its size: the codes in one
`get_many`, the names in one `subjects_named`; the counts are read from the subject documents
(`subject_counts`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from credit import typed
from credit.catalog import RECORD_KINDS
from credit.codes import USCC_SHAPE, looks_like_code, normalize_code, uscc_problem
from credit.documents import latest_public
from credit.ids import subject_doc_id
from credit.search import SearchIndex, SubjectQuery
from portal.lookups import SECTIONS, memberships

FOUND, NOT_FOUND, INVALID_CODE, AMBIGUOUS = "found", "not_found", "invalid_code", "ambiguous"


@dataclass
class Item:
    input: str
    status: str
    subject: dict | None = None       # the found subject's document
    reason: str | None = None         # why a code is invalid
    candidates: list[dict] | None = None

    def logged(self) -> str:
        """The item as the query log lists it: its outcome and the subject's code, or what was sent."""
        return f"{self.status}:{self.subject['code'] if self.subject else self.input}"


def resolve(index: SearchIndex, inputs: list[str], today: date, candidates: int) -> list[Item]:
    """Every input's item, in order."""
    items: list[Item] = []
    codes: dict[int, str] = {}
    names: dict[int, str] = {}
    for n, raw in enumerate(inputs):
        # Cleaned as ingest cleaned the stored names (no controls, no direction embeddings or isolates,
        # which a name copied from a phone or a web page brings along): a name is matched exactly.
        text = typed.line(raw)
        code = normalize_code(text)
        items.append(Item(input=raw, status=NOT_FOUND))
        if looks_like_code(code):
            if USCC_SHAPE.match(code) and (problem := uscc_problem(code)):
                items[n].status, items[n].reason = INVALID_CODE, f"该{problem}"
            else:
                codes[n] = code
        else:
            names[n] = text
    by_id = index.get_many([subject_doc_id(c) for c in codes.values()], today)
    for n, code in codes.items():
        doc = by_id.get(subject_doc_id(code)) or _by_other_code(index, code, today)
        if doc is not None:
            items[n].status, items[n].subject = FOUND, doc
    named = index.subjects_named(list(names.values()), today, limit=candidates + 1)
    for n, name in names.items():
        found = named.get(name, [])
        if len(found) == 1:
            items[n].status, items[n].subject = FOUND, found[0]
        elif found:
            items[n].status = AMBIGUOUS
            items[n].candidates = [{"code": d["code"], "name": d["name"]} for d in found[:candidates]]
    return items


def _by_other_code(index: SearchIndex, code: str, today: date) -> dict | None:
    """A subject known by an older registered code (a registration number before its USCC): the
    profile's own code is the newest, so these few are looked up one by one."""
    page = index.search_subjects(SubjectQuery(code=code, size=1, today=today))
    return page.hits[0].doc if page.hits else None


def answers(index: SearchIndex, items: list[Item], today: date) -> list[dict]:
    """The items as the API shows them; found ones with their public profile summary."""
    counts = index.subject_counts(list({i.subject["code"]: i.subject for i in items if i.subject}.values()), today)
    return [_answer(item, counts, today) for item in items]


def _answer(item: Item, counts: dict[str, dict[str, int]], today: date) -> dict:
    answer: dict = {"input": item.input, "status": item.status}
    if item.reason:
        answer["reason"] = item.reason
    if item.candidates is not None:
        answer["candidates"] = item.candidates
    if item.subject:
        answer["subject"] = summary(item.subject, counts.get(item.subject["code"], {}), today)
    return answer


def summary(doc: dict, counts: dict[str, int], today: date) -> dict:
    """A subject's public profile in brief: code, names, counts per kind, list memberships, and the
    day of its latest public penalty (null when it has none, or when the index was built before
    documents carried that day: `python -m indexer reindex` fills it in)."""
    return {
        "code": doc["code"],
        "name": doc["name"],
        "former_names": doc.get("former_names", []),
        "subject_type": doc.get("subject_type"),
        "region_name": doc.get("region_name") or None,
        "counts": {SECTIONS[kind]: counts.get(kind, 0) for kind in RECORD_KINDS},
        "lists": memberships(doc, today),
        "latest_penalty": latest_public(doc, "penalty", today),
    }
