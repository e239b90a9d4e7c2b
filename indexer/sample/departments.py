"""Source departments (data/departments.yaml), each with a USCC fixed by its name, and the
authorities and document numbers of their decisions."""
from __future__ import annotations

from dataclasses import dataclass

from .codes import dept_code
from .randomness import FastRandom
from .regions import Regions
from .tables import table


@dataclass(frozen=True)
class Dept:
    name: str
    region: str
    abbr: str
    domain: str
    code: str
    office_pattern: str | None


class Departments:
    def __init__(self, rng: FastRandom, regions: Regions):
        self.rng, self.regions = rng, regions
        self.all = [Dept(d["name"], d["region"], d["abbr"], d["domain"], dept_code(d["name"], d["region"]), d.get("offices"))
                    for d in table("departments")["departments"]]
        self._choices: dict[tuple[str, str], tuple] = {}
        self._offices: dict[str, str] = {}
        self._counters: dict[str, int] = {}

    def serving(self, domain: str, region: str) -> tuple[list[Dept], list[Dept]]:
        """(the subject's city departments, provincial ones) of a domain; both empty when no
        department serves the place (a Wuhan-only bureau does not act in Yichang)."""
        key = (domain, region[:4])
        if key not in self._choices:
            of_domain = [d for d in self.all if d.domain == domain]
            local = [d for d in of_domain if d.region[:4] == region[:4]]
            provincial = [d for d in of_domain if d.region.endswith("0000")]
            self._choices[key] = (local, provincial) if local or provincial else ()
        return self._choices[key]

    def pick(self, domain: str, region: str) -> Dept:
        """The subject's own city department when there is one, else a provincial one."""
        local, provincial = self.serving(domain, region)
        return self.rng.choice(local if local and (not provincial or self.rng.random() < 0.85) else provincial)

    def authority(self, dept: Dept, region: str) -> tuple[str, str]:
        """(name, USCC) of the deciding authority: the department, or now and then its district
        office where the subject is registered."""
        district = self.regions.county(region)
        if not (dept.office_pattern and region[:4] == dept.region[:4] and district.endswith("区")
                and self.rng.random() < 0.25):
            return dept.name, dept.code
        name = dept.office_pattern.format(city=self.regions.city(region), district=district)
        if name not in self._offices:
            self._offices[name] = dept_code(name, region)
        return name, self._offices[name]

    def doc_no(self, dept: Dept, tag: str, year: int) -> str:
        """鄂武市监罚〔2023〕56号: numbered per department, tag and year, so never repeated."""
        key = f"{dept.abbr}{tag}〔{year}〕"
        # Starting somewhere into the year and skipping a few numbers looks like a real register.
        previous = self._counters.get(key) or self.rng.randrange(1, 200)
        self._counters[key] = number = previous + self.rng.randint(1, 3)
        return f"{key}{number}号"
