"""A file's rows validated a chunk at a time, in a pool worker (indexer/pool.py): the header plan,
keys a JSON Lines row brings that the first row did not, and what of the row as sent to keep.
Each row is checked by indexer/validate.py; this module returns plain data for the parent to store."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from credit.catalog import Catalog, HeaderPlan, Kind, load_catalog
from indexer.readers import BadRow
from indexer.validate import Problem, RowError, publicity_note, validate_row


@dataclass
class Checked:
    """One chunk of rows, validated."""
    accepted: list[tuple[int, dict, dict]] = field(default_factory=list)    # (line, values, original)
    rejected: list[tuple[int, list[Problem], dict]] = field(default_factory=list)  # (line, problems, raw)
    notes: list[tuple[int, Problem]] = field(default_factory=list)          # accepted, but noted
    prohibited: list[str] = field(default_factory=list)  # headers first met in this chunk's rows
    unknown: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # header as written → column key, all met so far


def validate_chunk(profile: str, kind_name: str, plan: HeaderPlan, chunk: list, today: date) -> Checked:
    """Validate a chunk of (line, cells) rows, reading only the catalogue's columns of the file."""
    catalog = load_catalog(profile)
    kind = catalog.kinds[kind_name]
    out, columns, seen = Checked(), plan.columns, set(plan.headers)
    aliased = False   # whether two of the keys met so far name one column (files with such headers are refused)
    for line, cells in chunk:
        if type(cells) is BadRow:   # rejected as read
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
        try:
            values = validate_row(kind, raw, today)
        except RowError as exc:
            out.rejected.append((line, exc.problems, raw))
            continue
        out.accepted.append((line, values, _differing(cells, columns, values)))
        note = publicity_note(kind, values, catalog)
        if note:
            out.notes.append((line, note))
    out.columns = columns
    return out


def _differing(cells: dict, columns: dict[str, str], values: dict) -> dict:
    """The cells not stored as written in `values` (most are: names, free text, ISO dates), by column
    key; None marks a column the row lacked. See credit.models.row_as_sent."""
    out = {}
    for header, key in columns.items():
        cell = cells.get(header)
        if type(cell) is str and (cell == values[key] if key in values else cell == ""):
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


def _jsonable(cell) -> str:
    """A cell as read that is not text, storable as JSON: spreadsheet dates become ISO strings."""
    return cell.isoformat() if hasattr(cell, "isoformat") else str(cell)
