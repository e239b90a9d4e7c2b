"""Credit list entries (红名单, 黑名单, 重点关注名单) under the catalogue's list names, filled by the
rules of data/lists.yaml."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from .blanks import Blanks
from .codes import noisy_code
from .dates import plus_years
from .departments import Dept
from .records import KIND_LETTERS, RecordMaker, Workshop
from .subjects import Subject
from .tables import table

# Share of subjects on a list (≈ 5 % overall); courts list many natural persons as 失信被执行人.
_LIST_RATES = {"org": 0.05, "sole": 0.05, "person": 0.15}


@dataclass(frozen=True)
class ListRule:
    domain: str
    reasons: tuple[str, ...]
    basis: str
    years: int | None       # usual length of the entry; None = until removed
    kinds: str
    weight: int


def _rule(spec: dict) -> ListRule:
    return ListRule(**{**spec, "reasons": tuple(spec["reasons"])})


@cache
def list_rules() -> tuple[dict[str, ListRule], ListRule]:
    """(rule per list name, the rule of list names without one)."""
    rules = table("lists")
    return {name: _rule(spec) for name, spec in rules["rules"].items()}, _rule(rules["default"])


class ListEntries(RecordMaker):
    def __init__(self, shop: Workshop):
        super().__init__(shop)
        self.list_names = shop.catalog.list_names
        self.rules, self.default_rule = list_rules()
        self.address_words = shop.people.address_words

    def lists_for(self, subject: Subject) -> list[str]:
        """~5 % of subjects are on a list, a few on two; organisations without a USCC are not."""
        if (subject.type != "person" and not subject.uscc) or self.rng.random() >= _LIST_RATES[subject.type]:
            return []
        letter = KIND_LETTERS[subject.type]
        choices = [(name, self._rule(name).weight) for name in self.list_names if letter in self._rule(name).kinds]
        if not choices:
            return []
        first = self.rng.pick(choices)
        rest = [c for c in choices if c[0] != first]
        return [first, self.rng.pick(rest)] if rest and self.rng.random() < 0.15 else [first]

    def _rule(self, name: str) -> ListRule:
        return self.rules.get(name, self.default_rule)

    def make(self, subject: Subject, list_name: str) -> dict:
        r = self.rng
        rule = self._rule(list_name)
        dept = self.departments.pick(rule.domain, subject.region)
        decided = self.days_ago(0, 1826)
        blanks = self.blanks(subject, decided, list_name=list_name)
        row = {"list_type": self.list_names[list_name]["type"], "list_name": list_name,
               "subject_name": subject.name, "subject_type": self.type_labels[subject.type],
               "reason": self._reason(subject, rule, blanks), "basis": rule.basis,
               "authority": self._authority(rule, dept, subject), "decided_on": decided,
               "source_dept": dept.name}
        if subject.uscc:
            row["code_uscc"] = noisy_code(self.rng, subject.uscc)
        if subject.type == "person":
            row["id_no"] = noisy_code(self.rng, subject.person_id)
        if rule.years and r.random() < 0.75:
            row["valid_to"] = plus_years(decided, rule.years) - timedelta(days=1)
        if r.random() < 0.15 and (self.today - decided).days > 31:
            row["removed_on"] = decided + timedelta(days=r.randrange(30, (self.today - decided).days))
        return row

    def _reason(self, subject: Subject, rule: ListRule, blanks: Blanks) -> str:
        """列入原因; a court clerk now and then copies a debtor's home address and phone from the
        case file into it, which the public list (it names natural persons) must not show."""
        reason = self.rng.choice(rule.reasons).format_map(blanks)
        if subject.type == "person" and rule.domain == "court" and self.rng.random() < 0.5:
            reason += (f"（被执行人{self.rng.choice(self.address_words)}：{self.people.home_address(subject.region)}，"
                       f"联系电话：{self.people.phone()}）")
        return reason

    def _authority(self, rule: ListRule, dept: Dept, subject: Subject) -> str:
        """Courts decide 失信被执行人 locally; other lists are decided by the department."""
        if rule.domain == "court":
            county = self.regions.county(subject.region)
            local = f"{self.regions.city(subject.region)}{county}" if county.endswith("区") else county
            return f"{local}人民法院" if self.rng.random() < 0.7 else f"{self.regions.city(subject.region)}中级人民法院"
        return self.departments.authority(dept, subject.region)[0]
