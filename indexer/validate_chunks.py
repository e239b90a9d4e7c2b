"""A file's rows validated a chunk at a time, in a pool worker (indexer/pool.py): the header plan,
keys a JSON Lines row brings that the first row did not, and what of the row as sent to keep.
Each row is checked by indexer/validate.py; each accepted row comes back ready to store (its
database columns, JSON already encoded) and to publish (its public document, built here from the
values just validated and kept in the run's spool, indexer/spool.py), so the parent only writes
rows and nothing is read back from the database to publish what was just stored."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import orjson

from credit.catalog import Catalog, HeaderPlan, Kind, load_catalog
from credit.codes import registered_code
from credit.documents import private_names, public_subject_code, record_document
from credit.ids import new_public_id
from credit.publicity import is_revoked, withheld
from credit.stats import arrival_workdays
from indexer import spool
from indexer.readers import BadRow, LostDigits, Nested, cells_by_header
from indexer.validate import Problem, RowError, identity, publicity_note, subject_key, validate_row


class Fresh(NamedTuple):
    """An accepted row, as the parent stores, counts and publishes it."""
    line: int
    identity: str
    kind: str
    subject_key: str
    department: str               # 数据来源单位 as given: the report counts by it
    public_id: str                # a new record's; a correction keeps the stored one
    subject_name: str
    subject_type: str
    source_dept_code: str
    decided_on: str               # ISO day
    values: str                   # JSON
    original: str                 # JSON (the cells not stored as written)
    revoked: bool
    doc: spool.DocRef | None      # its public document as a new record (None: not shown today)
    private: tuple[str, ...]      # personal names it holds that are masked (credit.documents.private_names)
    registered_code: str
    public_code: str | None
    withheld: str | None = None   # why it is not published on arrival (credit.publicity.withheld)
    arrival_workdays: int | None = None   # from its decision to today (credit.stats.arrival_workdays)


class _New(NamedTuple):
    """A validated row as the record it becomes when nothing is stored under its identity yet
    (credit.documents.RecordLike)."""
    identity: str
    public_id: str
    kind: str
    subject_key: str
    subject_type: str
    values: dict
    revoked: bool
    objection: str | None = None
    repaired_on: date | None = None


@dataclass
class Checked:
    """One chunk of rows, validated."""
    accepted: list[Fresh] = field(default_factory=list)
    rejected: list[tuple[int, list[Problem], dict]] = field(default_factory=list)  # (line, problems, raw)
    notes: list[tuple[int, Problem]] = field(default_factory=list)          # accepted, but noted
    prohibited: list[str] = field(default_factory=list)  # headers first met in this chunk's rows
    unknown: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # header as written → column key, all met so far


def validate_chunk(profile: str, kind_name: str, plan: HeaderPlan, chunk: list, today: date,
                   spool_folder: str | None = None) -> Checked:
    """Validate a chunk of (line, cells) rows, reading only the catalogue's columns of the file;
    with a spool folder, the accepted rows' public documents are built and kept there."""
    catalog = load_catalog(profile)
    kind = catalog.kinds[kind_name]
    out, columns, seen = Checked(), plan.columns, set(plan.headers)
    accepted: list[tuple[int, dict, dict]] = []
    aliased = False   # whether two of the keys met so far name one column (files with such headers are refused)
    headers = plan.headers
    for line, cells in chunk:
        if type(cells) is list:   # a compact CSV row: its cells under the file's headers by position
            cells = cells_by_header(headers, cells)
        elif type(cells) is BadRow:   # rejected as read
            out.rejected.append((line, [cells.problem], {columns[h]: v for h, v in cells.cells.items() if h in columns}))
            continue
        if not cells.keys() <= seen:  # a JSON Lines row may bring keys the first row did not have
            columns = _more_columns(catalog, kind, columns, [h for h in cells if h not in seen], out)
            seen.update(cells)
            aliased = len(set(columns.values())) < len(columns)
        raw = {columns[h]: v for h, v in cells.items() if h in columns}
        if aliased and (clash := _clash(kind, cells, columns)):
            out.rejected.append((line, [clash], raw))
            continue
        if marked := [key for key, value in raw.items() if type(value) in _MARKED]:   # as read, in a catalogue column
            out.rejected.append((line, [_MARKED[type(raw[key])](kind, key, raw[key]) for key in marked], raw))
            continue
        try:
            values = validate_row(kind, raw, today)
        except RowError as exc:
            out.rejected.append((line, exc.problems, raw))
            continue
        accepted.append((line, values, _differing(cells, columns, values)))
        note = publicity_note(kind, values, catalog)
        if note:
            out.notes.append((line, note))
    out.columns = columns
    out.accepted = _fresh(catalog, kind, accepted, today, spool_folder)
    return out


def _fresh(catalog: Catalog, kind: Kind, accepted: list[tuple[int, dict, dict]], today: date,
           spool_folder: str | None) -> list[Fresh]:
    records = [_New(identity(kind, values), new_public_id(), kind.name, subject_key(values), values["subject_type"],
                    values, is_revoked(values, catalog)) for _line, values, _original in accepted]
    privates = [private_names([r]) for r in records]
    # Built with the record's own private names: the parent publishes from these only subjects
    # whose records all hold the same ones (else it rebuilds them from the database).
    refs = (spool.write(spool_folder, [record_document(r, catalog, today, p) for r, p in zip(records, privates)])
            if spool_folder else [None] * len(records))
    dumps = orjson.dumps
    return [Fresh(line, r.identity, r.kind, r.subject_key, values.get("source_dept", ""), r.public_id, values["subject_name"],
                  r.subject_type, str(values.get("source_dept_code") or values.get("source_dept") or ""),
                  values[kind.date_field], dumps(values).decode(), dumps(original).decode(), r.revoked, ref,
                  private, registered_code(values), public_subject_code(r),
                  # A record with a document is public today, the day it arrived: nothing is withheld.
                  None if ref else withheld(r.kind, values, catalog, today, revoked=r.revoked),
                  arrival_workdays(catalog.calendar, date.fromisoformat(values[kind.date_field]), today))
            for (line, values, original), r, private, ref in zip(accepted, records, privates, refs)]


def _differing(cells: dict, columns: dict[str, str], values: dict) -> dict:
    """The cells not stored as written in `values` (most are: names, free text, ISO dates), by column
    key; None marks a column the row lacked. See credit.models.row_as_sent."""
    out, get = {}, values.get
    for header, key in columns.items():
        cell = cells.get(header)
        if type(cell) is str and cell == get(key, ""):   # a value is never "": a missing key is an empty cell
            continue
        out[key] = cell if cell is None or type(cell) is str else _jsonable(cell)
    return out


def _more_columns(catalog: Catalog, kind: Kind, columns: dict[str, str], headers: list[str],
                  out: Checked) -> dict[str, str]:
    plan = catalog.plan_headers(kind, headers)
    out.prohibited += plan.prohibited
    out.unknown += plan.unknown
    return {**columns, **plan.columns}


def _clash(kind: Kind, cells: dict, columns: dict[str, str]) -> Problem | None:
    """Two keys of one JSON Lines row that name the same column: which value holds cannot be known."""
    first: dict[str, str] = {}
    for header in cells:
        key = columns.get(header)
        if key is None:
            continue
        if key in first:
            name = kind.column(key).header
            return Problem(name, "duplicate_column", f"“{first[key]}”和“{header}”是同一列（{name}），无法确定以哪个值为准")
        first[key] = header
    return None


def _nested(kind: Kind, key: str, value: str) -> Problem:
    name = kind.column(key).header
    what = "对象" if value.startswith("{") else "数组"
    return Problem(name, "nested_value", f"{name}的值是JSON{what}（{value[:50]}），应为文字或数字；请写成一段文字"
                                         "（多个处罚类别用“;”隔开）后重新报送")


def _lost_digits(kind: Kind, key: str, value: str) -> Problem:
    name = kind.column(key).header
    return Problem(name, "lost_digits", f"{name}是{len(value.lstrip('-'))}位的数值单元格，Excel只保留15位有效数字，"
                                        "末尾几位已丢失；请把该列设为“文本”格式、重新录入原值后重新报送")


_MARKED = {Nested: _nested, LostDigits: _lost_digits}


def _jsonable(cell) -> str:
    """A cell as read that is not text, storable as JSON: spreadsheet dates become ISO strings."""
    return cell.isoformat() if hasattr(cell, "isoformat") else str(cell)
