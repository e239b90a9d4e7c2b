"""One data set: subjects made one by one, each one's records written as it is made."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from tqdm import tqdm

from credit.catalog import load_catalog

from .columns import Columns
from .dates import OTHER_DATE_STYLES
from .demo import DemoRecords
from .departments import Departments
from .faults import Corrections, Faults
from .licences import Licences
from .list_entries import ListEntries
from .names import Names
from .penalties import Penalties
from .people import People
from .randomness import FastRandom, counts
from .records import Workshop
from .regions import Regions
from .spellings import Spellings
from .subjects import Subject, Subjects
from .taken import Taken
from .writers import Sink, open_files, stamp_arrival, write_manifest

# Rows per subject: index = count, value = weight. Means ≈ 1.5 licences per organisation and
# 0.6 penalties per subject once the "at least one record" rule is applied.
_LICENCE_COUNTS = {"org": counts(14, 50, 22, 9, 3, 2), "sole": counts(25, 60, 15), "person": counts(85, 15)}
_PENALTY_COUNTS = {"org": counts(62, 24, 9, 4, 1), "sole": counts(55, 35, 10), "person": counts(30, 60, 10)}
_MANY_PENALTIES_RATE = 0.005       # the few organisations with a long record, for profile pages
# Expected rows per subject of each kind, to size the small extra-format files.
_ROWS_PER_SUBJECT = {"licence": 1.45, "penalty": 0.6, "list": 0.06}
EXTRA_FILE_ROWS = (20, 300)        # bounds of each small extra-format file
OTHER_DATE_STYLE_RATE = 0.08


def generate(out_dir: str | Path, subjects: int = 1000, seed: int = 1, today: date | None = None,
             progress: bool = False) -> dict:
    """Write a synthetic data set in the source-department format into `out_dir` and return its
    manifest (also written to out_dir/manifest.json).

    Same seed, subject count and `today` → byte-identical files. All dates are relative to
    `today` (default: the real today)."""
    if subjects < 1:
        raise ValueError("subjects must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    generator = Generator(out, subjects, seed, today or date.today())
    try:
        for _ in tqdm(range(subjects), desc="样例数据", unit="主体", file=sys.stderr, disable=not progress):
            generator.subject_records()
        generator.demo_records()
    finally:
        generator.close()
    manifest = generator.manifest()
    write_manifest(out, manifest)
    stamp_arrival(out, list(manifest["files"]), generator.today)
    return manifest


class Generator:
    def __init__(self, out: Path, subjects: int, seed: int, today: date):
        self.rng = rng = FastRandom(seed)
        self.seed, self.subjects, self.today = seed, subjects, today
        catalog, regions, taken = load_catalog(), Regions(), Taken(3 * subjects)
        departments = Departments(rng, regions)
        self.demo = DemoRecords(catalog, departments, today)
        self.demo.claim(taken)
        names = Names(rng, regions, taken)
        people = People(rng, regions, taken, names, Spellings(rng, catalog.scrub["compound_surnames"]))
        self.subject_maker = Subjects(rng, regions, taken, names, people)
        shop = Workshop(rng, today, catalog, regions, names, people, departments)
        self.licences, self.penalties, self.lists = Licences(shop), Penalties(shop), ListEntries(shop)
        self.columns = Columns(catalog)
        self.faults = Faults(rng, today, catalog, self.columns, people)
        self.resent = Corrections(rng)
        self.bad_rows: list[dict] = []
        self.bulk, self.extra, self.corrections_sink = open_files(out, self.columns.headers, today)
        self.extra_quota = min(EXTRA_FILE_ROWS[1], max(EXTRA_FILE_ROWS[0], subjects // 10))
        self.extra_share = {k: min(0.5, self.extra_quota / (subjects * rate)) for k, rate in _ROWS_PER_SUBJECT.items()}

    def _sinks(self) -> list[Sink]:
        return [*self.bulk.values(), *self.extra.values(), self.corrections_sink]

    def close(self) -> None:
        for sink in self._sinks():
            sink.close()

    def manifest(self) -> dict:
        order = {sink.path.name: i for i, sink in enumerate(self._sinks())}
        return {
            "seed": self.seed,
            "subjects": self.subjects,
            "today": self.today.isoformat(),
            # In the order to ingest them: corrections.csv re-sends rows of the penalty files, so
            # it must come after them (it would sort first in a folder listing).
            "files": {s.path.name: {"kind": s.kind, "rows": s.rows} for s in self._sinks()},
            "bad_rows": sorted(self.bad_rows, key=lambda b: (order[b["file"]], b["line"])),
            "corrections": self.resent.corrections,
            "revocations": self.resent.revocations,
        }

    def subject_records(self) -> None:
        """Make one subject and write its records."""
        rng = self.rng
        subject = self.subject_maker.make()
        records = [("licence", self.licences.make(subject)) for _ in range(_LICENCE_COUNTS[subject.type].draw(rng))]
        penalties = _PENALTY_COUNTS[subject.type].draw(rng)
        if subject.type == "org" and rng.random() < _MANY_PENALTIES_RATE:
            penalties = rng.randrange(5, 16)
        records += [("penalty", self.penalties.make(subject)) for _ in range(penalties)]
        records += [("list", self.lists.make(subject, name)) for name in self.lists.lists_for(subject)]
        if not records:
            records.append(("penalty", self.penalties.make(subject)) if subject.type == "person"
                           else ("licence", self.licences.make(subject)))
        if subject.former_name:
            self._rename(subject, records)
        for kind, row in records:
            self._emit(kind, row)

    def demo_records(self) -> None:
        """The demo identities' records (demo.py), after all others in the bulk files; a revoked
        one re-sent in the corrections file like the random revocations."""
        for kind, row, revoked in self.demo.rows():
            self.bulk[kind].write(self.columns.cells(kind, row, date.isoformat))
            if revoked:
                self.corrections_sink.write(self.columns.cells(kind, revoked, date.isoformat))
                self.resent.revocations += 1

    def _rename(self, subject: Subject, records: list[tuple[str, dict]]) -> None:
        """Records decided before the change carry the former name, later ones the new name."""
        days = sorted({row["decided_on"] for _, row in records})
        if len(days) < 2:
            records.append(("licence", self.licences.make(subject, before=days[0])))
            days.insert(0, records[-1][1]["decided_on"])
        switch = days[self.rng.randrange(1, len(days))]
        for _, row in records:
            if row["decided_on"] < switch:
                for key, value in row.items():
                    if isinstance(value, str) and subject.name in value:
                        row[key] = value.replace(subject.name, subject.former_name)

    def _emit(self, kind: str, row: dict) -> None:
        sink = self._sink_for(kind)
        bad = self.faults.maybe_break(kind, row, file_has_bad=bool(sink.bad))
        line = sink.write(self._render(kind, row))
        if bad:
            reason, column = bad
            sink.bad += 1
            self.bad_rows.append({"file": sink.path.name, "line": line, "reason": reason,
                                  "column": self.columns.by_key[kind][column].header})
        elif kind == "penalty":
            resent = self.resent.maybe_resend(row)
            if resent is not None:
                self.corrections_sink.write(self._render("penalty", resent))

    def _sink_for(self, kind: str) -> Sink:
        extra = self.extra[kind]
        if extra.rows < self.extra_quota and self.rng.random() < self.extra_share[kind]:
            return extra
        return self.bulk[kind]

    def _render(self, kind: str, row: dict) -> list[str]:
        """Most rows write dates as 2024-03-05, a few in other styles."""
        rng = self.rng
        style = date.isoformat if rng.random() >= OTHER_DATE_STYLE_RATE else rng.choice(OTHER_DATE_STYLES)
        return self.columns.cells(kind, row, style)
