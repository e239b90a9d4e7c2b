"""Whether a record is public and until when (SPEC §4), from the catalogue's profile.

`until` is the last day the record may be shown (inclusive); on the next day it leaves every
public page, the public API and the public index, whether or not `indexer expire` has run."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from credit.catalog import PERSON, Catalog
from credit.dates import add_months, parse_date

FOREVER = date(9999, 12, 31)


@dataclass(frozen=True)
class Publicity:
    public: bool
    state: str                 # what the subject and staff read: 公示中, 已过公示期, 不予公示（简易程序）…
    until: date | None = None  # last public day when public (or when it was, for expired records)


def _hidden(state: str) -> Publicity:
    return Publicity(False, state)


def _window(until: date, today: date) -> Publicity:
    return Publicity(True, "公示中", until) if until >= today else Publicity(False, "已过公示期", until)


def is_revoked(values: dict, catalog: Catalog) -> bool:
    """Whether the row marks the record 撤销 (catalogue `revoked`): a marker in one of its fields,
    once the phrases that deny or only ask for revocation (不予撤销, 申请撤销…) are set aside; or a
    revocation asked for and granted (撤销申请已获批准) where nothing is denied."""
    rule = catalog.revoked
    for name in rule["fields"]:
        text = str(values.get(name) or "")
        if not any(m in text for m in rule["markers"]):
            continue
        kept = _without(text, rule.get("not_markers", ()))
        unasked = _without(kept, rule.get("asked", ()))
        if any(m in unasked for m in rule["markers"]):
            return True
        if kept == text and unasked != kept and any(g in unasked for g in rule.get("granted", ())):
            return True
    return False


def _without(text: str, phrases) -> str:
    for phrase in phrases:
        text = text.replace(phrase, "")
    return text


def _severity(values: dict, catalog: Catalog) -> dict:
    return catalog.profile["penalty"]["severity"][values.get("severity") or "一般"]


def _penalty_window(values: dict, catalog: Catalog) -> tuple[date, date | None]:
    """(the profile's last allowed public day for the penalty's severity, the row's 公示截止期 when
    it counts) — whether or not that severity is published at all."""
    rules = catalog.profile["penalty"]
    longest = add_months(parse_date(values["decided_on"]), _severity(values, catalog)["max_months"]) - timedelta(days=1)
    deadline = parse_date(values.get("publicity_until")) if rules["deadline_column_wins"] else None
    return longest, deadline


def penalty_until(values: dict, catalog: Catalog) -> date | None:
    """Last public day of a penalty, or None when its severity is not published at all. An earlier
    公示截止期 wins; a later one is capped, since publicity past the maximum is a ground for objection."""
    if not _severity(values, catalog)["publish"]:
        return None
    longest, deadline = _penalty_window(values, catalog)
    return min(deadline, longest) if deadline else longest


def publicity_cap(values: dict, catalog: Catalog) -> date | None:
    """The day a penalty's 公示截止期 is cut back to, or None when it is within the profile's maximum."""
    if not _severity(values, catalog)["publish"]:
        return None
    longest, deadline = _penalty_window(values, catalog)
    return longest if deadline and deadline > longest else None


def _last_day(kind: str, values: dict, catalog: Catalog) -> date:
    """The last day of the record's window: as published, or as it would be, were it published."""
    if kind == "list":
        return date.min if values.get("removed_on") else parse_date(values.get("valid_to")) or FOREVER
    if kind == "licence":
        return add_months(parse_date(values["valid_to"]), catalog.profile["licence"]["months_after_validity"])
    longest, deadline = _penalty_window(values, catalog)
    return min(deadline, longest) if deadline else longest


def ended(kind: str, values: dict, catalog: Catalog, today: date, *, revoked: bool = False,
          repaired: bool = False, withdrawn: str | None = None) -> bool:
    """Whether a record's time is over for good — revoked, withdrawn after repair or by an
    objection's outcome, removed from its list, or past the window it has (or would have, were it
    published: a natural person's record, a simple-procedure penalty). Such a record is its
    subject's and staff's alone (SPEC §6)."""
    return revoked or repaired or bool(withdrawn) or _last_day(kind, values, catalog) < today


def publicity(kind: str, values: dict, catalog: Catalog, today: date, *, revoked: bool = False,
              repaired: bool = False, suspended: bool = False, withdrawn: str | None = None) -> Publicity:
    """`withdrawn`: why an objection's outcome took the record out of publicity (credit.objections)."""
    if revoked:
        return _hidden("已撤销")
    if repaired:
        return _hidden("已信用修复，停止公示")
    if withdrawn:
        return _hidden(withdrawn)
    if suspended:
        return _hidden("异议核查中，暂停公示")
    if kind == "list":
        return _list_publicity(values, catalog, today)
    if values.get("subject_type") == PERSON:
        return _hidden(f"{PERSON}信息不公开")
    if kind == "licence":
        return _window(_last_day(kind, values, catalog), today)
    return _penalty_publicity(values, catalog, today)


def _penalty_publicity(values: dict, catalog: Catalog, today: date) -> Publicity:
    rules = catalog.profile["penalty"]
    if values.get("procedure") in rules["unpublished_procedures"]:
        return _hidden(f"不予公示（{values['procedure']}）")
    if set(values.get("penalty_types") or ()) <= set(rules["unpublished_if_only"]):
        return _hidden("不予公示（仅" + "、".join(values.get("penalty_types") or ()) + "）")
    until = penalty_until(values, catalog)
    if until is None:
        return _hidden(f"不予公示（{values.get('severity') or '一般'}违法）")
    return _window(until, today)


def _list_publicity(values: dict, catalog: Catalog, today: date) -> Publicity:
    if values.get("removed_on"):
        return _hidden("已移出名单")
    if values.get("subject_type") == PERSON and not catalog.natural_persons_public(values.get("list_name", "")):
        return _hidden(f"该名单不公开{PERSON}")
    return _window(parse_date(values.get("valid_to")) or FOREVER, today)


def withheld(kind: str, values: dict, catalog: Catalog, arrived: date, *, revoked: bool = False) -> str | None:
    """Why a record was not published when it arrived on `arrived` (the state its subject reads:
    不予公示（简易程序）, 自然人信息不公开, 已过公示期…), or None when it was: stored at ingest
    (Record.withheld) for the statistics."""
    state = publicity(kind, values, catalog, arrived, revoked=revoked)
    return None if state.public else state.state[:64]


def _withdrawals(record) -> dict:
    """The ways a stored record (credit.models.Record, or a row shaped like it) left publicity."""
    return {"revoked": record.revoked, "repaired": record.repaired_on is not None,
            "withdrawn": getattr(record, "withdrawn", None)}


def of_record(record, catalog: Catalog, today: date) -> Publicity:
    """`publicity` of a stored record, with everything that took it out of publicity."""
    return publicity(record.kind, record.values, catalog, today, suspended=record.objection == "suspended",
                     **_withdrawals(record))


def record_ended(record, catalog: Catalog, today: date) -> bool:
    """`ended` of a stored record."""
    return ended(record.kind, record.values, catalog, today, **_withdrawals(record))
