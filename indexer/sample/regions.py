"""Where subjects are registered: GB/T 2260 divisions (analyzers.regions) as names are written."""
from __future__ import annotations

import random

from analyzers.regions import places


class Regions:
    """GB/T 2260 names and the county-level codes subjects are registered in."""

    def __init__(self):
        self.names = places()
        counties = [c for c in self.names if not c.endswith("00") and c[:2] not in ("71", "81", "82")]
        self.wuhan = [c for c in counties if c.startswith("4201")]
        self.hubei = [c for c in counties if c.startswith("42") and not c.startswith("4201")]
        self.elsewhere = [c for c in counties if not c.startswith("42")]
        self.home = self.wuhan + self.hubei

    def draw(self, rng: random.Random) -> str:
        """A subject's county: most in Wuhan or elsewhere in Hubei, some from other provinces."""
        r = rng.random()
        return rng.choice(self.wuhan if r < 0.45 else self.hubei if r < 0.88 else self.elsewhere)

    def province(self, code: str) -> str:
        return self.names[code[:2] + "0000"]

    def city(self, code: str) -> str:
        """The prefecture-level name, or the province for municipalities and 省直辖 counties."""
        return self.names.get(code[:4] + "00") or self.province(code)

    def county(self, code: str) -> str:
        return self.names.get(code, "")

    def place(self, code: str) -> str:
        """How a shop or an institution names its place: 武汉市洪山区, 大冶市, 京山县."""
        county = self.county(code)
        if not county:
            return self.city(code)
        return self.city(code) + county if county.endswith("区") else county


def short(name: str) -> str:
    """湖北省 → 湖北, 武汉市 → 武汉, 广西壮族自治区 → 广西: the form used inside company names."""
    if name.endswith("自治区"):
        return "内蒙古" if name.startswith("内蒙古") else name[:2]
    if name.endswith(("省", "市")) and len(name) > 2:
        return name[:-1]
    return name
