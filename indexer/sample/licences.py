"""Licences (行政许可) from the templates of data/licences.yaml."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from .dates import LONG_TERM, plus_years
from .records import RecordMaker
from .subjects import Subject
from .tables import table


@dataclass(frozen=True)
class LicenceTemplate:
    category: str
    doc_name: str
    cert: str
    contents: tuple[str, ...]
    years: int              # validity; 0 = long-term
    number: str
    kinds: str


@cache
def licence_templates() -> dict[str, tuple[LicenceTemplate, ...]]:
    """Domain → its licence templates."""
    return {domain: tuple(LicenceTemplate(**{**t, "contents": tuple(t["contents"])}) for t in templates)
            for domain, templates in table("licences").items()}


class Licences(RecordMaker):
    def make(self, subject: Subject, before: date | None = None) -> dict:
        """A licence of the subject; decided before `before` when given."""
        r = self.rng
        domain, tpl = self.template(licence_templates(), subject)
        dept = self.departments.pick(domain, subject.region)
        if before:
            decided = before - timedelta(days=r.randrange(180, 1500))
        else:
            decided = self.days_ago(0, 1800) if r.random() < 0.7 else self.days_ago(1800, 4400)
        valid_from = decided + timedelta(days=r.randrange(0, 20)) if r.random() < 0.2 else decided
        valid_to = LONG_TERM if tpl.years == 0 else plus_years(valid_from, tpl.years) - timedelta(days=1)
        invalid = r.random() < (0.5 if valid_to < self.today else 0.05)
        authority, authority_code = self.departments.authority(dept, subject.region)
        content = r.choice(tpl.contents)
        row = self.subject_columns(subject)
        row.update(
            doc_name=tpl.doc_name, doc_no=self.departments.doc_no(dept, "许", decided.year),
            licence_category=tpl.category, cert_name=tpl.cert,
            licence_no=self.fill_number(tpl.number, r=subject.region, y=decided.year,
                                        u=subject.uscc or subject.regno, id=subject.person_id),
            content=content.format_map(self.blanks(subject, decided)) if "{" in content else content,
            decided_on=decided, valid_from=valid_from, valid_to=valid_to,
            authority=authority, authority_code=authority_code, status="2" if invalid else "1",
            source_dept=dept.name, source_dept_code=dept.code)
        if r.random() < (0.4 if subject.type == "sole" else 0.05):
            row["remarks"] = self._remark(subject)
        return row

    def _remark(self, subject: Subject) -> str:
        """A contact or the applicant's bank account in 备注; for a sole trader, the operator's
        particulars from the application."""
        people = self.people
        if subject.type == "sole":
            return f"经营者：{people.named(subject)}，{people.particulars(subject)}"
        if self.rng.random() < 0.3:
            return f"基本存款账户：{people.bank_branch(subject.region)}，账号：{people.spell('card', people.account())}"
        return f"联系人：{subject.person or self.names.person()}，联系电话：{people.phone()}"
