"""What licences, penalties and list entries share: the workshop of parts they are made with,
the subject's columns, dates, document numbers and the choice of templates."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from credit.catalog import Catalog

from .blanks import PLATE_LETTERS, Blanks, blank_makers
from .codes import noisy_code
from .departments import Departments
from .names import Names
from .people import People
from .randomness import FastRandom, Weighted
from .regions import Regions, short
from .subjects import Subject
from .tables import table

# Template `kinds`: the subjects a template applies to.
KIND_LETTERS = {"org": "o", "sole": "s", "person": "p"}


@dataclass
class Workshop:
    """The parts every record maker draws on; one per data set, all on one random generator."""
    rng: FastRandom
    today: date
    catalog: Catalog
    regions: Regions
    names: Names
    people: People
    departments: Departments


class RecordMaker:
    def __init__(self, shop: Workshop):
        self.rng, self.today, self.today_ord = shop.rng, shop.today, shop.today.toordinal()
        self.regions, self.names, self.people, self.departments = shop.regions, shop.names, shop.people, shop.departments
        labels = shop.catalog.subject_types
        self.type_labels = {"org": labels["organisation"], "sole": labels["sole_trader"], "person": labels["person"]}
        self.blank_makers = blank_makers(shop.rng, shop.regions, shop.names, shop.people)
        self.general_domains = tuple(table("organisations")["general_domains"].items())
        self._number_parts: dict[str, list[str]] = {}
        self._templates: dict[tuple, tuple[dict[str, tuple], Weighted, dict]] = {}

    def days_ago(self, low: int, high: int) -> date:
        return date.fromordinal(self.today_ord - self.rng.randrange(low, high))

    def blanks(self, subject: Subject, decided: date, **known) -> Blanks:
        return Blanks(self.blank_makers, decided=decided, region=subject.region, **known)

    def fill_number(self, pattern: str, **known) -> str:
        """A number of the pattern: '#' a digit, '@' a letter, braces the known parts."""
        parts = self._number_parts.get(pattern)
        if parts is None:
            parts = self._number_parts[pattern] = [p for p in re.split(r"(#+|@)", pattern) if p]
        return "".join(self.rng.digits(len(p)) if p[0] == "#" else self.rng.choice(PLATE_LETTERS) if p == "@"
                       else p.format(**known) if "{" in p else p for p in parts)

    def _templates_for(self, table: dict, subject: Subject) -> tuple[dict[str, tuple], Weighted, dict]:
        """(domain → templates that apply to this kind of subject, the general domains among
        them, a cache of own domains by line of business), only domains with a department
        serving the subject's city; cached per subject type and city."""
        key = (subject.type, subject.region[:4])
        if key not in self._templates:
            letter = KIND_LETTERS[subject.type]
            found = {d: tuple(t for t in ts if letter in t.kinds) for d, ts in table.items()
                     if self.departments.serving(d, subject.region)}
            available = {d: ts for d, ts in found.items() if ts}
            general = [(d, w) for d, w in self.general_domains if d in available] or [(d, 1) for d in available]
            self._templates[key] = available, Weighted(general), {}
        return self._templates[key]

    def template(self, table: dict, subject: Subject):
        """(domain, template): mostly from the subject's own line of business, sometimes from anywhere."""
        available, general, own_by_domains = self._templates_for(table, subject)
        own = own_by_domains.get(subject.domains)
        if own is None:
            own = own_by_domains[subject.domains] = [d for d in subject.domains if d in available]
        domain = self.rng.choice(own) if own and self.rng.random() < 0.7 else general.draw(self.rng)
        return domain, self.rng.choice(available[domain])

    def subject_columns(self, subject: Subject) -> dict:
        """The 行政相对人 columns shared by licences and penalties."""
        r = self.rng
        name = subject.name + (" " if r.random() < 0.005 else "")
        row = {"subject_name": name, "subject_type": self.type_labels[subject.type]}
        if subject.type == "person":
            row.update(id_type="身份证", id_no=noisy_code(r, subject.person_id))
            return row
        if subject.uscc:
            row["code_uscc"] = noisy_code(r, subject.uscc)
            if r.random() < 0.08:   # older systems still send the codes the USCC replaced
                row["code_org"] = subject.uscc[8:17]
                row["code_tax"] = subject.uscc[2:17]
        else:
            row["code_regno"] = subject.regno
        if subject.form == "inst" and r.random() < 0.3:
            row["code_inst"] = f"事证第1{subject.region}{r.digits(5)}号"
        if subject.form == "social" and r.random() < 0.3:
            row["code_social"] = f"{short(self.regions.city(subject.region))}民证字第{r.digits(6)}号"
        if r.random() < 0.9:
            row["legal_rep"] = subject.person
            if r.random() < 0.5:
                row.update(legal_rep_id_type="身份证", legal_rep_id_no=noisy_code(r, subject.person_id))
        if subject.type == "sole" and r.random() < 0.7:
            row.update(id_type="身份证", id_no=noisy_code(r, subject.person_id))
        return row
