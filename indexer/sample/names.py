"""Names: of people, and of organisations as a register holds them (湖北恒达建筑工程有限公司)."""
from __future__ import annotations

from .randomness import FastRandom, Weighted
from .regions import Regions, short
from .tables import chars, domains_by_word, table, words
from .taken import Taken

_COMPOSED_TRADE_SHARE = 0.3
_CN_NUMBERS = "一二三四五六七八九十"

Named = tuple[str, tuple[str, ...]]      # (name, the domains its records usually come from)


class Names:
    def __init__(self, rng: FastRandom, regions: Regions, taken: Taken):
        self.rng, self.regions, self.taken = rng, regions, taken
        people, orgs = table("names"), table("organisations")
        self.surnames, self.given = chars(people["surnames"]), chars(people["given"])
        self.compound_surnames = tuple(people["compound_surnames"])
        self.trade_names = words(people["trade_names"])
        self.trade_first, self.trade_second = chars(people["trade_first"]), chars(people["trade_second"])
        self.industries = domains_by_word(orgs["industries"])
        self.company_forms = Weighted(orgs["company_forms"].items())
        self.coop_products, self.coop_domains = tuple(orgs["coop_products"]), tuple(orgs["coop_domains"])
        self.institutions = domains_by_word(orgs["institutions"])
        self.numbered_institutions = tuple(orgs["numbered_institutions"])
        self.local_institutions = tuple(orgs["local_institutions"])
        self.social_topics, self.social_forms = tuple(orgs["social_topics"]), tuple(orgs["social_forms"])
        self.social_domains = tuple(orgs["social_domains"])
        self._makers = {"company": self.company, "branch": self.branch, "coop": self.coop,
                        "inst": self.institution, "social": self.social}

    def person(self) -> str:
        r = self.rng
        if r.random() < 0.015:
            surname = r.choice(self.compound_surnames)
        else:
            surname = self.surnames[int(len(self.surnames) * r.random() ** 2)]
        given = r.choice(self.given) if r.random() < 0.3 else r.choice(self.given) + r.choice(self.given)
        return surname + given

    def trade_name(self) -> str:
        r = self.rng
        if r.random() < _COMPOSED_TRADE_SHARE:
            return r.choice(self.trade_first) + r.choice(self.trade_second)
        return r.choice(self.trade_names)

    def organisation(self, form: str, region: str) -> Named:
        """A name of the form no other subject has."""
        drawn: list[Named] = []

        def name() -> str:
            drawn.append(self._makers[form](region))
            return drawn[-1][0]
        self.taken.unique(name)
        return drawn[-1]

    def _prefix(self, region: str) -> str:
        """How the registered place shows in a company name: 湖北, 武汉, 武汉市, 武汉市江汉区, 大冶 …"""
        regions, r = self.regions, self.rng.random()
        if r < 0.30:
            return short(regions.province(region))
        if r < 0.65:
            return short(regions.city(region))
        if r < 0.80:
            return regions.city(region)
        if r < 0.92:
            return regions.place(region)
        return ""

    def company(self, region: str) -> Named:
        r = self.rng
        trade = self.trade_name()
        industry, domains = r.choice(self.industries)
        form = self.company_forms.draw(r)
        prefix = self._prefix(region)
        if prefix and r.random() < 0.05:
            # 光谷（武汉）科技有限公司: the place in brackets after the trade name
            left, right = ("(", ")") if r.random() < 0.2 else ("（", "）")
            city = self.regions.city(region)
            place = short(city if city.endswith("市") else self.regions.province(region))
            return f"{trade}{left}{place}{right}{industry}{form}", domains
        return f"{prefix}{trade}{industry}{form}", domains

    def branch(self, region: str) -> Named:
        """湖北恒达建筑工程有限公司宜昌分公司: a parent registered in another city."""
        home = self.regions.draw(self.rng)
        while home[:4] == region[:4]:
            home = self.regions.draw(self.rng)
        parent, domains = self.company(home)
        county = self.regions.county(region)
        where = county.removesuffix("区") if county.endswith("区") and self.rng.random() < 0.5 else short(self.regions.city(region))
        return f"{parent}{where}分公司", domains

    def coop(self, region: str) -> Named:
        r = self.rng
        return f"{self.regions.place(region)}{self.trade_name()}{r.choice(self.coop_products)}专业合作社", self.coop_domains

    def institution(self, region: str) -> Named:
        r, place = self.rng, self.regions.place(region)
        roll = r.random()
        if roll < 0.4:
            suffix, domains = r.choice(self.institutions)
            return place + suffix, domains
        if roll < 0.6:
            return f"{place}第{r.choice(_CN_NUMBERS[1:])}{r.choice(self.numbered_institutions)}", ("health", "education")
        return f"{place}{self.trade_name()}{r.choice(self.local_institutions)}", ("education", "health")

    def social(self, region: str) -> Named:
        r = self.rng
        place = self.regions.place(region) if r.random() < 0.6 else self.regions.city(region)
        trade = self.trade_name() if r.random() < 0.5 else ""
        return f"{place}{trade}{r.choice(self.social_topics)}{r.choice(self.social_forms)}", self.social_domains
