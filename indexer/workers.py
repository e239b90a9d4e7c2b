"""CPU-bound ingest work (row validation, building public documents) spread over processes.

The database and the index are written by the parent process only; workers read the database
(SQLite allows concurrent readers) and return plain data. With one worker everything runs in
the calling process."""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Callable, Iterable, Iterator

from credit.catalog import Catalog, HeaderPlan, Kind, load_catalog
from credit.config import Settings
from credit.db import engine_for, session_factory
from credit.publish import publish_subject
from credit.search import SearchIndex, open_index
from indexer.readers import BadRow
from indexer.validate import Problem, RowError, publicity_note, validate_row

PR_SET_PDEATHSIG = 1   # linux/prctl.h


def default_workers() -> int:
    return int(os.environ.get("CREDIT_INGEST_WORKERS") or os.cpu_count() or 1)


class _InProcess(Executor):
    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def _fresh_process(parent: int) -> None:
    _die_with(parent)
    # Ctrl-C reaches the whole process group: the parent stops the run and the pool, while a worker
    # stopping on its own would only break the pool and print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Connections opened before the fork belong to the parent.
    engine_for.cache_clear()
    _index.cache_clear()


def _die_with(parent: int) -> None:
    """End this worker when the parent ends, however it ends (kill -9 included): a worker left
    behind would go on writing to the index. The kernel sees to it on Linux; elsewhere, or should
    that fail, a thread watching for the parent to change does, within a second."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    except (OSError, AttributeError):   # no prctl: not Linux
        pass
    if os.getppid() != parent:   # the parent died before the signal was asked for
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()


def _watch_parent(parent: int, every: float = 1.0) -> None:
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)


def executor(workers: int) -> Executor:
    if workers <= 1:
        return _InProcess()
    # fork: workers start with jieba's dictionary already loaded by the parent.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_fresh_process,
                               initargs=(os.getpid(),))


def ordered_map(pool: Executor, fn: Callable, items: Iterable, window: int = 8) -> Iterator:
    """Like pool.map, but keeps at most `window` tasks in flight, so a million-row file is never
    held in memory at once."""
    pending: deque[Future] = deque()
    for item in items:
        pending.append(pool.submit(fn, *item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


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


def build_chunk(database_url: str, profile: str, keys: list[str], today: date):
    """(documents, hidden ids, number of subjects) of these subjects, read from the database."""
    from indexer.publisher import records_by_subject

    catalog = load_catalog(profile)
    with session_factory(database_url)() as session:
        grouped = records_by_subject(session, keys)
    docs, hidden = [], []
    for key in keys:
        out = publish_subject(key, grouped.get(key, []), catalog, today)
        docs += out.docs
        hidden += out.hidden
    return docs, hidden, len(keys)


@lru_cache(maxsize=4)
def _index(settings: Settings) -> SearchIndex:
    return open_index(settings)


def publish_chunk(settings: Settings, profile: str, keys: list[str], today: date):
    """Build these subjects' documents and write them to the search index from this worker, so
    building and writing run on every core (the engine serializes concurrent writers itself).
    Returns (written, refused, removed, number of subjects)."""
    docs, hidden, subjects = build_chunk(settings.database_url, profile, keys, today)
    index = _index(settings)
    written = index.upsert(docs)
    index.delete(hidden)
    return written, len(docs) - written, len(hidden), subjects
