"""Penalties (行政处罚) from the templates of data/penalties.yaml: facts, types, fines and the
wording of the decision."""
from __future__ import annotations

from bisect import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, cached_property

from .blanks import Blanks
from .licences import LicenceTemplate, licence_templates
from .randomness import Weighted
from .records import RecordMaker, Workshop
from .subjects import Subject
from .tables import table


@dataclass(frozen=True)
class PenaltyTemplate:
    violation: str
    facts: tuple[str, ...]
    basis: str
    types: tuple[tuple[str, int], ...]   # (处罚类别 joined by ";", weight)
    kinds: str

    @cached_property
    def weighted_types(self) -> Weighted:
        return Weighted(self.types)


@cache
def penalty_templates() -> dict[str, tuple[PenaltyTemplate, ...]]:
    """Domain → its penalty templates."""
    return {domain: tuple(PenaltyTemplate(**{**t, "facts": tuple(t["facts"]), "types": tuple(t["types"].items())})
                          for t in templates)
            for domain, templates in table("penalties")["templates"].items()}


def amount(value: float | None) -> str:
    """万元 as departments write them: 0.5, 12, 3.25."""
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def yuan(wan: float | None) -> str:
    return str(round((wan or 0) * 10_000))


class Penalties(RecordMaker):
    def __init__(self, shop: Workshop):
        super().__init__(shop)
        wording = table("penalties")
        self.round_fines = tuple(wording["round_fines"])
        self.serious_types = frozenset(wording["serious_types"])
        self.phrases = {kind: (tuple(spec), ()) if isinstance(spec, list) else (tuple(spec["texts"]), tuple(spec["n"]))
                        for kind, spec in wording["content_phrases"].items()}
        self.remarks = tuple(table("blanks")["words"]["remark"])

    def make(self, subject: Subject) -> dict:
        r = self.rng
        domain, tpl = self.template(penalty_templates(), subject)
        dept = self.departments.pick(domain, subject.region)
        # Recent years hold more records; a good share is already past its publicity window.
        decided = self.days_ago(0, 365) if r.random() < 0.4 else self.days_ago(365, 1826)
        simple = r.random() < 0.10
        types = r.choice(("警告", "罚款")) if simple else tpl.weighted_types.draw(r)
        type_set = types.split(";")
        fine = self._fine(subject, simple) if "罚款" in type_set else None
        confiscated = self._confiscated(type_set)
        authority, authority_code = self.departments.authority(dept, subject.region)
        blanks = self.blanks(subject, decided, party=self._party(subject))
        row = self.subject_columns(subject)
        row.update(
            doc_no=self.departments.doc_no(dept, "简罚" if simple else "罚", decided.year),
            violation_type=tpl.violation, facts=self._facts(subject, tpl, blanks), basis=tpl.basis,
            penalty_types=types, content=self._content(subject, domain, type_set, fine, confiscated),
            fine_amount=amount(fine), confiscated_amount=amount(confiscated),
            suspended_licence=self._suspended_licence(subject, domain, type_set, decided),
            decided_on=decided, authority=authority, authority_code=authority_code,
            source_dept=dept.name, source_dept_code=dept.code)
        self._extras(row, subject, type_set, fine, simple, blanks)
        return row

    def _extras(self, row: dict, subject: Subject, type_set: list[str], fine: float | None,
                simple: bool, blanks: Blanks) -> None:
        """Severity, procedure, the optional date columns and remarks."""
        r = self.rng
        decided = row["decided_on"]
        if r.random() >= 0.10:      # left empty in ~10 % of rows: the catalogue default applies
            row["severity"] = self._severity(type_set, fine, simple)
        if r.random() >= 0.10:
            row["procedure"] = "简易程序" if simple else "普通程序"
        if r.random() < 0.10:
            row["publicity_until"] = decided + timedelta(days=r.choice((182, 365, 730, 1095)))
        if r.random() < 0.25 or {"暂扣许可证件", "限制从业", "限制开展生产经营活动"} & set(type_set):
            row["penalty_valid_until"] = decided + timedelta(days=r.choice((90, 180, 365, 730, 1095)))
        if r.random() < 0.15:
            row["remarks"] = r.choice(self.remarks).format_map(blanks)

    def _party(self, subject: Subject) -> str:
        """How the facts name the subject; a 个体工商户's operator is named half the time."""
        if subject.type == "person":
            return f"当事人{subject.name}"
        if subject.type == "sole" and self.rng.random() < 0.5:
            return f"当事人{self.people.named(subject)}"
        return subject.name if self.rng.random() < 0.6 else "当事人"

    def _facts(self, subject: Subject, tpl: PenaltyTemplate, blanks: Blanks) -> str:
        facts = self.rng.choice(tpl.facts).format_map(blanks)
        if subject.type != "org" and self.rng.random() < 0.3:
            # ID and phone numbers and a home address in free text, as clerks write them: masking must find them
            return f"{facts}当事人{self.people.named(subject)}（{self.people.particulars(subject)}）对上述事实无异议。"
        return facts

    def _fine(self, subject: Subject, simple: bool) -> float:
        """Fines in 万元: on-the-spot fines are capped by law (200 元 for a person, 3000 元 for an
        organisation); others spread over 0.05–500 万元, mostly round figures."""
        r = self.rng
        if simple:
            return r.choice((0.005, 0.01, 0.02) if subject.type == "person" else (0.05, 0.1, 0.2, 0.3))
        if subject.type == "person":
            return r.choice((0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 3))
        if subject.type == "sole":
            return r.choice((0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5))
        value = min(500, 10 ** r.triangular(-1.3, 2.7, -0.3))
        if r.random() < 0.6:
            return self.round_fines[bisect(self.round_fines, value) - 1]
        return round(value, 4 if value < 1 else 2)

    def _confiscated(self, type_set: list[str]) -> float | None:
        if "没收违法所得" in type_set or ("没收非法财物" in type_set and self.rng.random() < 0.5):
            return round(10 ** self.rng.uniform(-2, 1.7), 4)
        return None

    def _severity(self, type_set: list[str], fine: float | None, simple: bool) -> str:
        r = self.rng.random()
        if simple:
            return "轻微" if r < 0.6 else "一般"
        if self.serious_types & set(type_set) or (fine or 0) >= 50:
            return "严重" if r < 0.85 else "一般"
        if (fine or 0) >= 5:
            return "一般" if r < 0.8 else "严重"
        return "轻微" if r < 0.2 else "一般" if r < 0.9 else "严重"

    def _content(self, subject: Subject, domain: str, type_set: list[str], fine: float | None,
                 confiscated: float | None) -> str:
        phrases = (self._phrase(t, subject, domain, fine, confiscated) for t in type_set)
        return "决定给予当事人如下行政处罚：" + "，".join(phrases) + "。"

    def _phrase(self, penalty_type: str, subject: Subject, domain: str, fine: float | None,
                confiscated: float | None) -> str:
        """The type's phrase; its blanks are made as the text reaches them, drawing in that order."""
        texts, n = self.phrases[penalty_type]
        text = texts[0] if len(texts) == 1 else self.rng.choice(texts)
        if "{" not in text:
            return text
        return text.format_map(Blanks({
            "n": lambda _: self.rng.choice(n), "fine": lambda _: yuan(fine), "confiscated": lambda _: yuan(confiscated),
            "cert": lambda _: self._sanctioned_cert(domain), "person": lambda _: self.people.named(subject)}))

    @staticmethod
    def _sanctioned_licence(domain: str) -> LicenceTemplate | None:
        """The licence a domain's penalties suspend or revoke: its first numbered certificate."""
        return next((t for t in licence_templates().get(domain, ()) if t.cert and t.number), None)

    def _sanctioned_cert(self, domain: str) -> str:
        tpl = self._sanctioned_licence(domain)
        return tpl.cert if tpl else "营业执照"

    def _suspended_licence(self, subject: Subject, domain: str, type_set: list[str], decided: date) -> str:
        """暂扣或吊销证照名称及编号: 食品经营许可证（JY14201110012345）."""
        tpl = self._sanctioned_licence(domain)
        if tpl is None or not {"暂扣许可证件", "吊销许可证件"} & set(type_set):
            return ""
        number = self.fill_number(tpl.number, r=subject.region, y=decided.year - 2,
                                  u=subject.uscc or subject.regno, id=subject.person_id)
        return f"{tpl.cert}（{number}）"
