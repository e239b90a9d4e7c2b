"""The blanks of the record templates ({addr}, {when}, {money} …), each made on first use."""
from __future__ import annotations

from datetime import timedelta

from .dates import chinese
from .names import Names
from .people import People
from .randomness import FastRandom
from .regions import Regions
from .tables import table

PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


class Blanks(dict):
    """Template blanks made on first use, so a template pays only for the blanks it has."""

    def __init__(self, makers: dict, **known):
        super().__init__(known)
        self._makers = makers

    def __missing__(self, key: str) -> str:
        value = self[key] = self._makers[key](self)
        return value


def blank_makers(rng: FastRandom, regions: Regions, names: Names, people: People) -> dict:
    """Blank → how to make it from the blanks known (decided, region); words of blanks.yaml first."""
    r, vocabulary = rng, table("blanks")
    words = {key: tuple(values) for key, values in vocabulary["words"].items()}
    highways = tuple(vocabulary["highways"])

    def word(key):
        return lambda b: r.choice(words[key])

    def plate(b):
        return "鄂A" + "".join(r.choices(PLATE_LETTERS + "0123456789", k=5))

    makers = {key: word(key) for key in words}
    makers.update({
        "when": lambda b: chinese(b["decided"] - timedelta(days=r.randrange(10, 200))),
        "addr": lambda b: f"{regions.place(b['region'])}{r.choice(people.roads)}{r.randrange(1, 999)}号",
        "n": lambda b: str(r.randrange(2, 60)),
        "money": lambda b: str(r.randrange(300, 200_000)),
        "equip_code": lambda b: f"3110{b['region']}{b['decided'].year}{r.digits(4)}",
        "conc": lambda b: str(r.randrange(35, 400)),
        "year": lambda b: str(b["decided"].year - 1),
        "next_year": lambda b: str(b["decided"].year),
        "period": lambda b: f"{b['decided'].year - 1}年{r.randrange(1, 13)}月",
        "project": lambda b: f"{regions.county(b['region']) or regions.city(b['region'])}{names.trade_name()}"
                             f"{r.choice(words['project_type'])}",
        "contract": lambda b: str(r.randrange(80, 20_000)),
        "batch": lambda b: f"{b['decided'].year % 100:02d}{r.digits(6)}",
        "plate": plate,
        "road": lambda b: r.choice(highways) + f"K{r.randrange(10, 999)}处",
        "weight": lambda b: str(r.randrange(49, 121)),
        "over": lambda b: str(r.randrange(10, 150)),
        "location": lambda b: f"{regions.place(b['region'])}{names.trade_name()}村",
        "area": lambda b: str(r.randrange(80, 30_000)),
        "county": lambda b: regions.place(b["region"]),
        "paid": lambda b: chinese(b["decided"] + timedelta(days=r.randrange(3, 30))),
        "person": lambda b: names.person(),
        "mobile": lambda b: people.spell("mobile", people.mobile()),
        "landline": lambda b: people.spell("landline", people.landline()),
        "phone": lambda b: people.phone(),
        "card": lambda b: people.spell("card", people.card()),
        "account": lambda b: people.spell("card", people.account()),
        "bank": lambda b: people.bank_branch(b["region"]),
    })
    return makers
