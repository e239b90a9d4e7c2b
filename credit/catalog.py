"""The catalogue (catalog.yaml) as Python objects: record kinds, columns, list names, and the
publicity profile in force. Every rule about what is public lives in the YAML, not here."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from analyzers.normalize import ZERO_WIDTH

CATALOG_FILE = Path(__file__).with_name("catalog.yaml")
_BRACKETED = re.compile(r"\(.*\)$")
_DROP_ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH))


def header_key(header: str) -> str:
    """How a file's column header is compared: NFKC, no spaces or zero-width characters (a BOM
    included, wherever it is), bracketed part optional."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", (header or "").translate(_DROP_ZERO_WIDTH)))


def _key_forms(header: str) -> set[str]:
    """A header's key with and without its bracketed part."""
    key = header_key(header)
    return {key, _BRACKETED.sub("", key)}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str = "text"
    required: bool = False
    future: bool = False
    public: str = "shown"
    values: tuple[str, ...] = ()
    aliases: dict = field(default_factory=dict, hash=False)
    labels: dict = field(default_factory=dict, hash=False)
    default: str | None = None
    id_type_column: str | None = None

    def label(self, value: str) -> str:
        return self.labels.get(value, value)


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    identity: tuple[str, ...]
    date_field: str
    columns: tuple[Column, ...]

    @property
    def required_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.required]

    def column(self, key: str) -> Column:
        return self._by_key[key]

    @cached_property
    def shown_columns(self) -> tuple[Column, ...]:
        """Columns that may appear publicly in some form (everything but `never`)."""
        return tuple(c for c in self.columns if c.public != "never")

    @cached_property
    def _by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    def match_headers(self, headers: list[str]) -> dict[int, Column]:
        """Position in the file → catalogue column; unknown headers are left out."""
        wanted = {}
        for col in self.columns:
            full = header_key(col.header)
            wanted.setdefault(full, col)
            wanted.setdefault(_BRACKETED.sub("", full), col)
        return {i: wanted[header_key(h)] for i, h in enumerate(headers) if header_key(h) in wanted}


@dataclass(frozen=True)
class HeaderPlan:
    """What becomes of each column of one file: read as a catalogue column, or never stored."""
    headers: tuple[str, ...]       # every header, as in the file
    columns: dict[str, str]        # header as in the file → column key
    prohibited: tuple[str, ...]    # headers the measures forbid collecting
    unknown: tuple[str, ...]       # headers the catalogue does not know
    # Pairs of headers that name one catalogue column (the same name twice, or two names of it):
    # which one holds the value cannot be known, so such a file is refused.
    clashes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    actor: str                     # reviewer | department | subject
    days: int                      # working days from the step's start to its deadline
    actions: dict = field(default_factory=dict, hash=False)   # action → next step or "outcome:NAME"
    on_missed: str = "flag"        # "flag", or "outcome:NAME" done by the deadlines command


@dataclass(frozen=True)
class Procedure:
    """One city's objection procedure (catalog.yaml `objection_procedures`), as data."""
    name: str
    label: str
    start: dict = field(hash=False)        # request kind → first step
    steps: dict = field(hash=False)        # name → Step
    outcomes: dict = field(hash=False)     # name → {label, effect, statement}
    suspend: bool = True
    positive: dict = field(default_factory=dict, hash=False)


def _procedure(name: str, spec: dict) -> Procedure:
    steps = {key: Step(name=key, **value) for key, value in spec["steps"].items()}
    outcomes = spec["outcomes"]
    for step in steps.values():
        for target in [*step.actions.values(), step.on_missed]:
            known = outcomes if target.startswith("outcome:") else {**steps, "flag": None}
            if target.removeprefix("outcome:") not in known:
                raise ValueError(f"objection procedure {name}: step {step.name} leads to unknown {target!r}")
    return Procedure(name=name, label=spec["label"], start=spec["start"], steps=steps, outcomes=outcomes,
                     suspend=bool(spec.get("suspend", True)), positive=spec.get("positive") or {})


@dataclass(frozen=True, eq=False)
class Catalog:
    kinds: dict[str, Kind]
    subject_types: dict[str, str]
    list_types: dict[str, str]          # slug → 名单类型
    list_names: dict[str, dict]
    scrub: dict
    revoked: dict
    profile_name: str
    profile: dict
    prohibited: frozenset[str]     # header keys of the columns that may not be collected
    calendar_file: Path | None = None   # holidays and 调休 for years chinese-calendar lacks
    procedures: dict = field(default_factory=dict)   # objection procedures by name

    def procedure(self, name: str | None = None) -> Procedure:
        """The objection procedure `name` (CREDIT_OBJECTION_PROCEDURE), else the one the profile names."""
        chosen = name or self.profile.get("objection_procedure")
        if chosen not in self.procedures:
            raise ValueError(f"unknown objection procedure {chosen!r}; known: {', '.join(self.procedures)}")
        return self.procedures[chosen]

    @cached_property
    def calendar(self):
        """The working-day calendar deadlines are counted in (credit.workdays)."""
        from credit.workdays import load_calendar
        return load_calendar(self.calendar_file)

    def is_prohibited(self, header: str) -> bool:
        return not _key_forms(header).isdisjoint(self.prohibited)

    def plan_headers(self, kind: Kind, headers: list[str]) -> HeaderPlan:
        """Sort a file's headers (once per file). Prohibited wins over everything, so a forbidden
        column is never stored; blank headers name no column and are left out of the report."""
        named = list(dict.fromkeys(h for h in headers if h.strip()))
        prohibited = tuple(h for h in named if self.is_prohibited(h))
        positions = kind.match_headers(headers)
        matched = {headers[i]: col.key for i, col in positions.items() if headers[i] not in prohibited}
        unknown = tuple(h for h in named if h not in matched and h not in prohibited)
        return HeaderPlan(tuple(headers), matched, prohibited, unknown, _clashes(headers, positions))

    def detect_kind(self, headers: list[str]) -> str | None:
        """The kind whose required headers the file has most completely (all of them, ideally)."""
        def coverage(kind: Kind) -> float:
            found = {c.key for c in kind.match_headers(headers).values()}
            return sum(c.key in found for c in kind.columns if c.required) / len(kind.required_headers)
        best = max(self.kinds.values(), key=coverage)
        return best.name if coverage(best) >= 0.5 else None

    def list_slug(self, list_type: str) -> str:
        return self._slugs[list_type]

    @cached_property
    def _slugs(self) -> dict[str, str]:
        return {v: k for k, v in self.list_types.items()}

    def natural_persons_public(self, list_name: str) -> bool:
        return bool(self.list_names.get(list_name, {}).get("natural_persons", False))


def _clashes(headers: list[str], positions: dict[int, Column]) -> tuple[tuple[str, str], ...]:
    """(first header, later header) for each later header naming a column an earlier one names."""
    first: dict[str, str] = {}
    clashes = []
    for i, col in positions.items():
        if col.key in first:
            clashes.append((first[col.key], headers[i]))
        else:
            first[col.key] = headers[i]
    return tuple(clashes)


def _prohibited(names: dict, kinds: dict[str, Kind]) -> frozenset[str]:
    """Keys of the prohibited column names and their aliases; none may be a catalogue column."""
    keys = {k for name, aliases in (names or {}).items() for h in [name, *(aliases or ())] for k in _key_forms(h)}
    keys.discard("")
    clash = sorted({c.header for kind in kinds.values() for c in kind.columns if _key_forms(c.header) & keys})
    if clash:
        raise ValueError(f"prohibited_columns names catalogue columns: {', '.join(clash)}")
    return frozenset(keys)


def _kind(name: str, spec: dict) -> Kind:
    columns = [Column(**{**c, "values": tuple(str(v) for v in c.get("values", ()))})
               for c in spec["columns"] + spec.get("extra_columns", [])]
    return Kind(name=name, label=spec["label"], identity=tuple(spec["identity"]),
                date_field=spec["date_field"], columns=tuple(columns))


@lru_cache(maxsize=8)
def load_catalog(profile: str = "default", path: str | None = None) -> Catalog:
    source = Path(path or CATALOG_FILE)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    if profile not in data["profiles"]:
        raise ValueError(f"unknown catalogue profile {profile!r}; known: {', '.join(data['profiles'])}")
    kinds = {name: _kind(name, spec) for name, spec in data["kinds"].items()}
    return Catalog(
        kinds=kinds,
        subject_types=data["subject_types"],
        list_types=data["list_types"],
        list_names=data["list_names"],
        scrub=data["scrub"],
        revoked=data["revoked"],
        profile_name=profile,
        profile=data["profiles"][profile],
        prohibited=_prohibited(data.get("prohibited_columns"), kinds),
        calendar_file=source.with_name(data["calendar"]) if data.get("calendar") else None,
        procedures={n: _procedure(n, spec) for n, spec in (data.get("objection_procedures") or {}).items()},
    )


# The record kinds, in catalogue order; profiles change rules, never kinds, and the search index
# has a publicity-window field per kind.
RECORD_KINDS: tuple[str, ...] = tuple(load_catalog().kinds)
# The subject types (the values of the subject_type column) the rules single out, by their role.
ORGANISATION, PERSON, SOLE_TRADER = (load_catalog().subject_types[role]
                                     for role in ("organisation", "person", "sole_trader"))
