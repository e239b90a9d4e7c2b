"""Public documents built by pool workers while they validate, kept in files until the run
publishes them: each worker appends to a file of its own, and only (file, offset, length) travels
back to the parent, and on to whichever worker publishes the subject.

A folder per run (`Spool`), removed when the run ends, or when the next one starts."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NamedTuple

import orjson


class DocRef(NamedTuple):
    file: str
    offset: int
    length: int


_writers: dict[str, object] = {}   # folder → this process's open file in it
_readers: dict[str, int] = {}      # file → descriptor


def write(folder: str, docs: list[dict | None]) -> list[DocRef | None]:
    """Append these documents to this process's file in `folder`; None stays None."""
    fh = _writers.get(folder)
    if fh is None:
        fh = _writers[folder] = open(os.path.join(folder, f"{os.getpid()}.docs"), "ab")  # noqa: SIM115
    name, refs = fh.name, []
    offset = fh.tell()
    for doc in docs:
        if doc is None:
            refs.append(None)
            continue
        data = orjson.dumps(doc)
        fh.write(data)
        refs.append(DocRef(name, offset, len(data)))
        offset += len(data)
    fh.flush()   # before the refs reach another process
    return refs


def read(ref: DocRef) -> dict:
    fd = _readers.get(ref.file)
    if fd is None:
        fd = _readers[ref.file] = os.open(ref.file, os.O_RDONLY)
    return orjson.loads(os.pread(fd, ref.length, ref.offset))


def forget() -> None:
    """Close what this process has open (a forked worker inherits its parent's entries)."""
    for fh in _writers.values():
        fh.close()
    for fd in _readers.values():
        os.close(fd)
    _writers.clear()
    _readers.clear()


class Spool:
    """The run's folder. One ingest runs at a time per database (its lock), so the folder has a
    fixed place per database: whatever a killed run left in it is cleared when the next one starts."""

    def __init__(self, folder: Path):
        forget()
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder = str(folder)

    def close(self) -> None:
        forget()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
