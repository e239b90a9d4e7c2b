"""The demo identities' records: the subjects of the development identity provider's test
identities (idp/identities.json) with the records of data/demo.yaml, so that each one logs in to
the demo and finds its own record — public, not published and why, window ended, revoked, list
entries current and removed. The same rows in every data set whatever the seed and the number of
subjects; only the dates move with `today`. They are written after the random subjects' rows and
are never broken."""
from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Iterator

from credit.catalog import Catalog
from credit.config import ROOT

from .codes import dept_code
from .dates import LONG_TERM, plus_years
from .departments import Departments
from .tables import table
from .taken import Taken

IDENTITIES = ROOT / "idp" / "identities.json"
# Keys of demo.yaml that are not catalogue columns.
_SPEC_KEYS = {"kind", "dept", "doc", "days_ago", "years", "removed_days_ago", "revoked"}


def identities() -> dict[str, dict]:
    return json.loads(IDENTITIES.read_text(encoding="utf-8"))


class DemoRecords:
    def __init__(self, catalog: Catalog, departments: Departments, today: date):
        self.catalog, self.today = catalog, today
        self.departments = {d.name: d for d in departments.all}
        self.identities = identities()
        self.revoked_remark = table("faults")["revoked_remark"]

    def claim(self, taken: Taken) -> None:
        """Keep the random subjects off the demo subjects' names and codes."""
        for identity in self.identities.values():
            claims, person = identity["claims"], identity.get("representative", {})
            for value in (claims["name"], claims.get("uscc"), claims.get("id_number"), person.get("id_number")):
                if value:
                    taken.claim(value)

    def rows(self) -> Iterator[tuple[str, dict, dict | None]]:
        """(kind, row, the row as re-sent revoked or None) for every demo record."""
        for key, records in table("demo").items():
            identity = self.identities[key]
            for spec in records:
                row = self._row(spec, identity)
                yield spec["kind"], row, {**row, "remarks": self.revoked_remark} if spec.get("revoked") else None

    def _row(self, spec: dict, identity: dict) -> dict:
        claims, person = identity["claims"], identity.get("representative", {})
        decided = self.today - timedelta(days=spec["days_ago"])
        dept = self.departments[spec["dept"]]
        words = {"name": claims["name"], "person": person.get("name", ""), "year": decided.year - 1}
        row = {k: v.format_map(words) if isinstance(v, str) else v for k, v in spec.items() if k not in _SPEC_KEYS}
        row.update(subject_name=claims["name"], subject_type=claims["subject_type"], decided_on=decided,
                   source_dept=dept.name)
        if spec["kind"] == "list":
            row.update(list_type=self.catalog.list_names[row["list_name"]]["type"], authority=dept.name,
                       code_uscc=claims.get("uscc", ""), id_no=claims.get("id_number", ""))
            if spec.get("years"):
                row["valid_to"] = plus_years(decided, spec["years"]) - timedelta(days=1)
            if spec.get("removed_days_ago"):
                row["removed_on"] = self.today - timedelta(days=spec["removed_days_ago"])
            return row
        word, number = spec["doc"]
        row.update(doc_no=f"{dept.abbr}{word}〔{decided.year}〕{number}号", authority=dept.name,
                   authority_code=dept.code, source_dept_code=dept.code)
        if "uscc" in claims:
            row.update(code_uscc=claims["uscc"], legal_rep=person["name"])
            sole = claims["subject_type"] == self.catalog.subject_types["sole_trader"]
            row.update(zip(("id_type", "id_no") if sole else ("legal_rep_id_type", "legal_rep_id_no"),
                           ("身份证", person["id_number"])))
        else:
            row.update(id_type="身份证", id_no=claims["id_number"])
        if spec["kind"] == "licence":
            years = spec["years"]
            row.update(valid_from=decided, status="1",
                       valid_to=plus_years(decided, years) - timedelta(days=1) if years else LONG_TERM)
        return row


def staff_grants() -> list[dict]:
    """The development identities that are credit centre staff: their roles, and for a department's
    clerk the code of its department (as the data sets give it), for `indexer staff add-demo`."""
    departments = {d["name"]: dept_code(d["name"], d["region"]) for d in table("departments")["departments"]}
    grants = []
    for identity in identities().values():
        if "staff" in identity:
            claims, spec = identity["claims"], identity["staff"]
            grants.append({"key": claims["id_number"], "name": claims["name"], "roles": spec["roles"],
                           "department_code": departments[spec["department"]] if spec.get("department") else None})
    return grants
