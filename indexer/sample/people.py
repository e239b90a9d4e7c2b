"""Natural persons' particulars as case files hold them: ID numbers, phones, bank cards and
accounts, home addresses — what masking must hide wherever free text carries it."""
from __future__ import annotations

from datetime import date

from .codes import with_id_check, with_luhn_check
from .names import Names
from .randomness import FastRandom
from .regions import Regions
from .spellings import Spellings
from .tables import table
from .taken import Taken

# Natural persons are adults on every decision the sample dates (up to 4,400 days back): records of
# minors are rejected at ingest, and the sample's only rejected rows are the ones it breaks on purpose.
_FIRST_BIRTH, _LAST_BIRTH = date(1950, 1, 1).toordinal(), date(1995, 12, 31).toordinal()


class People:
    def __init__(self, rng: FastRandom, regions: Regions, taken: Taken, names: Names, spellings: Spellings):
        self.rng, self.regions, self.taken, self.names = rng, regions, taken, names
        self.spell = spellings.spell
        words = table("people")
        self.mobile_prefixes, self.roads = tuple(words["mobile_prefixes"]), tuple(words["roads"])
        self.address_words, self.banks = tuple(words["address_words"]), tuple(words["banks"])
        self.card_iins = tuple(words["card_iins"].items())
        self.account_prefixes = tuple(words["account_prefixes"])

    def citizen_id(self, region: str | None = None) -> str:
        r = self.rng
        region = region or (r.choice(self.regions.home) if r.random() < 0.85
                            else r.choice(self.regions.elsewhere))
        born = date.fromordinal(r.randrange(_FIRST_BIRTH, _LAST_BIRTH + 1))
        return with_id_check(f"{region}{born.year}{born.month:02d}{born.day:02d}{r.digits(3)}")

    def unique_citizen_id(self, region: str) -> str:
        while True:
            number = self.citizen_id(region if self.rng.random() < 0.7 else None)
            if self.taken.claim(number):
                return number

    def mobile(self) -> str:
        return self.rng.choice(self.mobile_prefixes) + self.rng.digits(8)

    def landline(self) -> str:
        return "027-8" + self.rng.digits(7)

    def phone(self) -> str:
        """A contact number in free text: mostly a mobile, now and then an office landline."""
        if self.rng.random() < 0.6:
            return self.spell("mobile", self.mobile())
        return self.spell("landline", self.landline())

    def card(self) -> str:
        iin, length = self.rng.choice(self.card_iins)
        return with_luhn_check(iin + self.rng.digits(length - len(iin) - 1))

    def account(self) -> str:
        """A settlement account number: 17 digits without a check digit a reader could test."""
        return self.rng.choice(self.account_prefixes) + self.rng.digits(13)

    def bank_branch(self, region: str) -> str:
        """中国农业银行武汉洪山支行: a bank's branch where the subject is registered."""
        return f"{self.rng.choice(self.banks)}{self.regions.city(region)[:2]}{self.regions.county(region)[:2]}支行"

    def home_address(self, region: str) -> str:
        """Where a person lives, as a case file writes it: a flat in town or a house in a village,
        now and then with a stray space after the district."""
        r, regions = self.rng, self.regions
        province, city = regions.province(region), regions.city(region)
        prefix = province + (city if city != province else "") + regions.county(region)
        if r.random() < 0.6:
            rest = (f"{r.choice(self.roads)}{r.randrange(1, 999)}号{r.randrange(1, 30)}栋{r.randrange(1, 6)}单元"
                    f"{r.randrange(1, 33)}{r.randrange(1, 9):02d}室")
        else:
            rest = f"{self.names.trade_name()}村{r.randrange(1, 13)}组{r.randrange(1, 80)}号"
        return f"{prefix} {rest}" if r.random() < 0.1 else prefix + rest

    def named(self, subject) -> str:
        """The person behind a subject as free text names them; a sole trader's operator in any
        spelling, since only masking stands between that name and the public."""
        if subject.type == "sole":
            return self.spell("name", subject.person)
        return subject.person or subject.name

    def particulars(self, subject) -> str:
        """身份证号码：…，住址：…，联系电话：… of a party, as a case file records them."""
        r = self.rng
        parts = [f"身份证号码：{self.spell('id', subject.person_id)}"]
        if r.random() < 0.5:
            parts.append(f"{r.choice(self.address_words)}：{self.home_address(subject.region)}")
        parts.append(f"联系电话：{self.spell('mobile', self.mobile())}")
        return "，".join(parts)
