"""What a query must answer, worked out in plain Python from the documents themselves.

An engine-independent statement of the interface's filter and order rules, so the contract
tests compare every engine with the same expectation rather than one engine with another."""
from __future__ import annotations

from collections import Counter
from datetime import date

from analyzers import analyze_query
from credit.search import RecordQuery, SubjectQuery


def subjects(docs: list[dict]) -> list[dict]:
    return [d for d in docs if d["doc_type"] == "subject"]


def records(docs: list[dict]) -> list[dict]:
    return [d for d in docs if d["doc_type"] == "record"]


def _in_range(day: str, date_from: date | None, date_to: date | None) -> bool:
    return (not date_from or day >= date_from.isoformat()) and (not date_to or day <= date_to.isoformat())


def name_matches(doc: dict, text: str) -> bool:
    """Every required character of the query occurs in one name (the current or one former name),
    never some in one name and the rest in another."""
    required = set(analyze_query(text).required_chars)
    return any(required <= set(name["chars"].split()) for name in doc["names"])


def subject_matches(doc: dict, q: SubjectQuery) -> bool:
    today = q.today.isoformat()
    return (doc["public_until"] >= today
            and (not q.text or name_matches(doc, q.text))
            and (not q.kind or (doc[f"{q.kind}_until"] or "") >= today)
            and (not q.code or q.code in doc["codes"])
            and (not q.department or q.department in doc["departments"])
            and (not q.region or q.region in doc["region"])
            and (not (q.date_from or q.date_to) or any(_in_range(d, q.date_from, q.date_to) for d in doc["dates"])))


def subject_codes(docs: list[dict], q: SubjectQuery) -> list[str]:
    """Codes of the subjects a query finds, in code order (the order of a query without text)."""
    return sorted(d["code"] for d in subjects(docs) if subject_matches(d, q))


def subject_kind_facet(docs: list[dict], q: SubjectQuery) -> dict[str, int]:
    today = q.today.isoformat()
    found = [d for d in subjects(docs) if subject_matches(d, q)]
    counts = {k: sum((d[f"{k}_until"] or "") >= today for d in found) for k in ("licence", "penalty", "list")}
    return {k: n for k, n in counts.items() if n}


def top(counter: Counter, n: int = 20) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


def subject_department_facet(docs: list[dict], q: SubjectQuery) -> dict[str, int]:
    return top(Counter(dep for d in subjects(docs) if subject_matches(d, q) for dep in d["departments"]))


def record_matches(doc: dict, q: RecordQuery) -> bool:
    return (doc["public_until"] >= q.today.isoformat()
            and all(not want or doc[field] == want for field, want in (
                ("subject_code", q.subject_code), ("list_type", q.list_type), ("list_name", q.list_name),
                ("department", q.department)))
            and (not q.kinds or doc["kind"] in q.kinds)
            and (not q.region or q.region in doc["region"])
            and _in_range(doc["decided_on"], q.date_from, q.date_to))


def record_ids(docs: list[dict], q: RecordQuery) -> list[str]:
    """Ids of the records a query finds, most recent first, then by id."""
    found = sorted((d for d in records(docs) if record_matches(d, q)), key=lambda d: d["id"])
    return [d["id"] for d in sorted(found, key=lambda d: d["decided_on"], reverse=True)]


def record_facets(docs: list[dict], q: RecordQuery) -> dict[str, dict[str, int]]:
    found = [d for d in records(docs) if record_matches(d, q)]
    return {"kind": top(Counter(d["kind"] for d in found)), "department": top(Counter(d["department"] for d in found))}


def counts(docs: list[dict], codes: list[str], today: date) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {c: {} for c in codes}
    for d in records(docs):
        if d["subject_code"] in out and d["public_until"] >= today.isoformat():
            out[d["subject_code"]][d["kind"]] = out[d["subject_code"]].get(d["kind"], 0) + 1
    return out
