"""Synthetic source-department data (SPEC §3): deterministic, realistic, streamed to disk.

`generate()` writes what a Hubei credit centre receives from its source departments — licences,
penalties and list entries under the catalogue's Chinese column headers, in every accepted input
format — with ~3 % deliberately bad rows, re-sent corrections and revocations, and a manifest
saying exactly which rows are bad and why, so ingest can be tested against it. Free text carries
what masking must hide (ID, phone, card and account numbers, home addresses, sole traders'
operators' names) in the spellings clerks use, not only the plain one.

Everything is drawn from one seeded `random.Random` (never the global one) in a fixed order, so
a seed, a subject count and a date always give the same bytes. Rows are written as each subject
is made; besides the manifest's list of bad rows, the only state that grows with the data set is
a bit set of a few MB guarding unique names and codes (a million subjects: ~220 MB peak RSS).

The word lists and record templates are data (data/*.yaml, read by tables); the columns come
from the catalogue (credit.catalog), the check characters from credit.codes. Modules:
  generator                `generate()`: one subject after another, each one's rows written at once
  subjects, names, people  who the records are about: names, codes (codes), particulars; where they
                           are registered (regions); names and codes given out once (taken)
  licences, penalties, list_entries  the records, on what they share: records (the subject's
                           columns, templates), blanks, departments, dates
  faults, spellings        the deliberately bad rows and corrections; secrets as clerks spell them
  demo                     the records of the development identity provider's test identities
                           (idp/identities.json, data/demo.yaml): the same in every data set
  columns, writers         rows as the catalogue's cells; CSV (UTF-8, GB18030), JSON Lines, XLSX,
                           the manifest
  randomness               the one seeded generator and weighted draws
"""
from .faults import REASONS
from .generator import generate

__all__ = ["REASONS", "generate"]
