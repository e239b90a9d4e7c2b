"""Subjects: organisations (companies, branches, cooperatives, institutions, social
organisations), sole traders (个体工商户) and natural persons, each with unique name and code."""
from __future__ import annotations

from dataclasses import dataclass

from credit.codes import USCC_ALPHABET

from .codes import org_code, with_regno_check, with_uscc_check
from .names import Names
from .people import People
from .randomness import FastRandom, Weighted
from .regions import Regions
from .tables import domains_by_word, table
from .taken import Taken

RENAME_RATE = 0.02
_RENAMEABLE_SHARE = 0.85 * 0.85    # companies and branches among all subjects: only they rename


@dataclass
class Subject:
    type: str                    # org | sole | person
    form: str                    # company, branch, coop, inst, social; "" for persons
    name: str
    region: str
    domains: tuple[str, ...]
    uscc: str = ""
    regno: str = ""
    person: str = ""             # legal representative, operator, or the natural person
    person_id: str = ""
    former_name: str = ""


class Subjects:
    def __init__(self, rng: FastRandom, regions: Regions, taken: Taken, names: Names, people: People):
        self.rng, self.regions, self.taken, self.names, self.people = rng, regions, taken, names, people
        orgs = table("organisations")
        self.org_forms = Weighted(((f["form"], f["uscc_prefix"]), f["weight"]) for f in orgs["org_forms"])
        self.shops = domains_by_word(orgs["shops"])
        self.person_domains = tuple(orgs["person_domains"])

    def make(self) -> Subject:
        r = self.rng.random()
        region = self.regions.draw(self.rng)
        if r < 0.05:
            number = self.people.unique_citizen_id(region)
            return Subject("person", "", self.names.person(), region, self.person_domains, person_id=number)
        if r < 0.15:
            return self._sole_trader(region)
        return self._organisation(region)

    def _uscc(self, prefix: str, region: str, form: str) -> str:
        """Positions 9–17 are an organisation code: new registrations get MA…/MJ… codes,
        older ones their pre-2015 numeric organisation code."""
        r = self.rng
        if form == "social":
            body = "MJ" + "".join(r.choices(USCC_ALPHABET[:10], k=6))
        elif form == "inst" or r.random() < 0.3:
            body = ("4" if form == "inst" else str(r.randrange(1, 10))) + r.digits(7)
        else:
            body = "MA" + "".join(r.choices(USCC_ALPHABET, k=6))
        return with_uscc_check(f"{prefix}{region}{org_code(body)}")

    def _organisation(self, region: str) -> Subject:
        form, prefix = self.org_forms.draw(self.rng)
        name, domains = self.names.organisation(form, region)
        subject = Subject("org", form, name, region, domains, person=self.names.person(),
                          person_id=self.people.citizen_id())
        if self.rng.random() < 0.03:
            subject.regno = self.taken.unique(lambda: with_regno_check(f"{region}0{self.rng.digits(7)}"))
        else:
            subject.uscc = self.taken.unique(lambda: self._uscc(prefix, region, form))
        if form in ("company", "branch") and self.rng.random() < RENAME_RATE / _RENAMEABLE_SHARE:
            subject.former_name = self.names.organisation(form, region)[0]
        return subject

    def _sole_trader(self, region: str) -> Subject:
        operator = self.names.person()
        shop, domains = self.rng.choice(self.shops)
        place = self.regions.place(region)

        def name() -> str:
            r = self.rng.random()
            if r < 0.7:
                return f"{place}{operator}{shop}"
            if r < 0.85:
                return f"{self.regions.county(region) or place}{self.names.trade_name()}{shop}"
            return operator
        subject = Subject("sole", "", self.taken.unique(name), region, domains, person=operator,
                          person_id=self.people.unique_citizen_id(region))
        subject.uscc = self.taken.unique(lambda: self._uscc("92", region, "sole"))
        return subject
