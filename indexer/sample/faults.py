"""The deliberately bad rows — each broken in exactly one way, under a reason code validation
gives — and the penalties departments re-send corrected or revoked."""
from __future__ import annotations

import re
from datetime import date, timedelta

from credit.catalog import Catalog
from credit.codes import SUBJECT_CODE_KEYS, USCC_ALPHABET, normalize_code, uscc_check_char
from indexer.validate import (
    BAD_AMOUNT,
    BAD_CITIZEN_ID,
    BAD_DATE,
    BAD_ENUM,
    BAD_USCC,
    FUTURE_DATE,
    MISSING_REQUIRED,
    NO_LEGAL_CODE,
    VALID_TO_BEFORE_FROM,
)

from .columns import Columns
from .penalties import amount, yuan
from .people import People
from .randomness import FastRandom
from .tables import table

# The reasons a row is broken for: validation's codes, in the order the weights below follow.
REASONS = (MISSING_REQUIRED, BAD_DATE, FUTURE_DATE, VALID_TO_BEFORE_FROM, BAD_AMOUNT, BAD_USCC, BAD_CITIZEN_ID,
           BAD_ENUM, NO_LEGAL_CODE)
# How often each reason is picked once a row is chosen to be bad: clerks mostly leave fields
# empty or mistype codes and dates.
_REASON_WEIGHTS = (25, 15, 8, 8, 8, 15, 8, 8, 5)

BAD_ROW_RATE = 0.03
# Until every reason (and every file) has a bad row, rows are made bad far more often, so even a
# 100-subject set covers them all; on large sets this changes the overall rate imperceptibly.
COVERAGE_RATE = 0.25
CORRECTION_RATE = 0.01
REVOCATION_SHARE = 0.3


class Faults:
    """Breaks rows now and then, every reason a kind can have before settling to the usual rate."""

    def __init__(self, rng: FastRandom, today: date, catalog: Catalog, columns: Columns, people: People):
        self.rng, self.today_ord, self.columns, self.people = rng, today.toordinal(), columns, people
        self.organisation = catalog.subject_types["organisation"]
        faults = table("faults")
        self.bad_dates, self.bad_amounts = tuple(faults["bad_dates"]), tuple(faults["bad_amounts"])
        self.bad_enum_values = {kind: self._wrong_values(cols, faults["bad_enum_values"])
                                for kind, cols in columns.by_key.items()}
        # Each breaker breaks a row in its one way and returns the column key, or None when the
        # row has nothing to break that way.
        self._breakers = dict(zip(REASONS, (
            self._missing_required, self._bad_date, self._future_date, self._valid_to_before_from,
            self._bad_amount, self._bad_uscc, self._bad_citizen_id, self._bad_enum, self._no_legal_code)))
        self.kind_reasons = {kind: [r for r in REASONS if self._fits(r, kind)] for kind in columns.keys}
        self._uncovered = {kind: list(reasons) for kind, reasons in self.kind_reasons.items()}

    @staticmethod
    def _wrong_values(cols: dict, typed: dict) -> dict[str, list[str]]:
        """Column key → the wrong values clerks type into it that the catalogue does not accept."""
        return {key: [v for v in typed[key] if v not in col.values and v not in col.aliases]
                for key, col in cols.items() if col.type in ("enum", "enum_multi") and key in typed}

    def _fits(self, reason: str, kind: str) -> bool:
        """Whether rows of the kind have columns to break that way."""
        of, keys = self.columns.of, self.columns.keys[kind]
        return {
            MISSING_REQUIRED: bool(of(kind, required=True)),
            BAD_DATE: bool(of(kind, type="date")),
            FUTURE_DATE: bool(of(kind, type="date", future=False)),
            VALID_TO_BEFORE_FROM: "valid_from" in keys and "valid_to" in keys,
            BAD_AMOUNT: bool(of(kind, type="amount")),
            BAD_USCC: bool(of(kind, type="uscc")),
            BAD_CITIZEN_ID: bool(of(kind, type="citizen_id")),
            BAD_ENUM: bool(self.bad_enum_values[kind]),
            NO_LEGAL_CODE: all(k in keys for k in SUBJECT_CODE_KEYS),
        }[reason]

    def maybe_break(self, kind: str, row: dict, file_has_bad: bool) -> tuple[str, str] | None:
        """Now and then break the row in exactly one way; (reason, column key) or None."""
        uncovered = self._uncovered[kind]
        rate = COVERAGE_RATE if uncovered or not file_has_bad else BAD_ROW_RATE
        if self.rng.random() >= rate:
            return None
        weighted = [(r, w) for r, w in zip(REASONS, _REASON_WEIGHTS) if r in self.kind_reasons[kind]]
        for reason in [*uncovered, self.rng.pick(weighted), *self.kind_reasons[kind]]:
            column = self._breakers[reason](kind, row)
            if column:
                for reasons in self._uncovered.values():
                    if reason in reasons:
                        reasons.remove(reason)
                return reason, column
        return None

    def _filled(self, kind: str, row: dict, **props) -> list[str]:
        return [k for k in self.columns.of(kind, **props) if row.get(k)]

    def _missing_required(self, kind: str, row: dict) -> str | None:
        keys = self._filled(kind, row, required=True)
        if not keys:
            return None
        key = self.rng.choice(keys)
        row[key] = ""
        return key

    def _bad_date(self, kind: str, row: dict) -> str | None:
        keys = [k for k in self._filled(kind, row, type="date") if isinstance(row[k], date)]
        if not keys:
            return None
        key = self.rng.choice(keys)
        day = row[key]
        row[key] = self.rng.choice(self.bad_dates).format(y=day.year, m=day.month, d=day.day)
        return key

    def _future_date(self, kind: str, row: dict) -> str | None:
        keys = self._filled(kind, row, type="date", future=False)
        if not keys:
            return None
        key = self.rng.choice(keys)
        row[key] = date.fromordinal(self.today_ord + self.rng.randrange(1, 400))
        if key == "decided_on" and row.get("removed_on"):
            row["removed_on"] = ""    # else 移出日期 would precede 列入日期: a second fault
        return key

    def _valid_to_before_from(self, kind: str, row: dict) -> str | None:
        start = row.get("valid_from")
        if not isinstance(start, date) or "valid_to" not in self.columns.keys[kind]:
            return None
        row["valid_to"] = start - timedelta(days=self.rng.randrange(1, 720))
        return "valid_to"

    def _bad_amount(self, kind: str, row: dict) -> str | None:
        keys = self.columns.of(kind, type="amount")
        if not keys:
            return None
        filled = [k for k in keys if row.get(k)]
        key = self.rng.choice(filled or keys)
        row[key] = f"-{row[key]}" if row.get(key) and self.rng.random() < 0.5 else self.rng.choice(self.bad_amounts)
        return key

    def _bad_uscc(self, kind: str, row: dict) -> str | None:
        """A mistyped code: wrong check character, a letter O or I for a digit, a character
        lost, or two swapped (GB 32100's check catches every adjacent swap)."""
        key = next((k for k in ("code_uscc", "authority_code") if row.get(k) and k in self.columns.by_key[kind]), None)
        if key is None:
            return None
        code = normalize_code(row[key])
        while True:
            typo = self._uscc_typo(code)
            if typo != code and (len(typo) != 18 or any(c not in USCC_ALPHABET for c in typo)
                                 or uscc_check_char(typo[:17]) != typo[17]):
                row[key] = typo
                return key

    def _uscc_typo(self, code: str) -> str:
        r, i = self.rng, self.rng.randrange(2, 16)
        style = r.randrange(4)
        if style == 0:
            return code[:17] + r.choice(USCC_ALPHABET.replace(code[17], ""))
        if style == 1:
            return code[:i] + r.choice("OI") + code[i + 1:]
        if style == 2:
            return code[:i] + code[i + 1:]
        return code[:i] + code[i + 1] + code[i] + code[i + 2:]

    def _bad_citizen_id(self, kind: str, row: dict) -> str | None:
        keys = self._filled(kind, row, type="citizen_id")
        if keys:
            key = self.rng.choice(keys)
            number = normalize_code(row[key])
        elif "legal_rep_id_no" in self.columns.by_key[kind] and row.get("legal_rep"):
            key, number = "legal_rep_id_no", self.people.citizen_id()
            row["legal_rep_id_type"] = "身份证"
        else:
            return None
        style = self.rng.randrange(3)
        if style == 0:
            row[key] = number[:17] + self.rng.choice("0123456789X".replace(number[17], ""))
        elif style == 1:
            row[key] = number[:17]
        else:
            row[key] = number[:6] + number[8:17]       # a 15-digit first-generation number
        return key

    def _bad_enum(self, kind: str, row: dict) -> str | None:
        values = self.bad_enum_values[kind]
        keys = [k for k in values if row.get(k) and values[k]]
        if not keys:
            return None
        key = self.rng.choice(keys)
        wrong = self.rng.choice(values[key])
        multi = self.columns.by_key[kind][key].type == "enum_multi"
        row[key] = f"{row[key]};{wrong}" if multi and self.rng.random() < 0.5 else wrong
        return key

    def _no_legal_code(self, kind: str, row: dict) -> str | None:
        if row.get("subject_type") != self.organisation or not all(k in self.columns.by_key[kind] for k in SUBJECT_CODE_KEYS):
            return None
        for key in SUBJECT_CODE_KEYS:
            row[key] = ""
        return SUBJECT_CODE_KEYS[0]


class Corrections:
    """Penalties re-sent (same department code and 文号) corrected or revoked: at least one of
    each even in a small sample, then about one penalty in a hundred."""

    def __init__(self, rng: FastRandom):
        self.rng = rng
        faults = table("faults")
        self.revoked_remark, self.corrected_facts = faults["revoked_remark"], faults["corrected_facts"]
        self.corrections = self.revocations = 0

    def maybe_resend(self, row: dict) -> dict | None:
        """The row as re-sent, or None."""
        rate = COVERAGE_RATE if not (self.corrections and self.revocations) else CORRECTION_RATE
        if self.rng.random() >= rate:
            return None
        fixed = dict(row)
        if self.revocations == 0 or (self.corrections and self.rng.random() < REVOCATION_SHARE):
            fixed["remarks"] = self.revoked_remark
            self.revocations += 1
        else:
            self._correct(fixed)
            self.corrections += 1
        return fixed

    def _correct(self, row: dict) -> None:
        r = self.rng
        if row.get("fine_amount") and r.random() < 0.6:
            old = float(row["fine_amount"])
            new = old * r.choice((0.5, 0.8, 1.5, 2))
            new = new if new <= 500 else old / 2
            row["fine_amount"] = amount(new)
            row["content"] = re.sub(r"罚款人民币\d+元", f"罚款人民币{yuan(new)}元", row["content"])
        else:
            row["facts"] = f"{row['facts']}{self.corrected_facts}"
