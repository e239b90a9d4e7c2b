"""The catalogue's columns per record kind (credit.catalog), and a row as the cells of a file."""
from __future__ import annotations

from datetime import date

from credit.catalog import Catalog, Column


class Columns:
    """Column order, headers and properties per kind, as the writers and the faults need them."""

    def __init__(self, catalog: Catalog):
        self.keys = {name: [c.key for c in kind.columns] for name, kind in catalog.kinds.items()}
        self.headers = {name: [c.header for c in kind.columns] for name, kind in catalog.kinds.items()}
        self.by_key: dict[str, dict[str, Column]] = {name: {c.key: c for c in kind.columns}
                                                     for name, kind in catalog.kinds.items()}
        self._date_index = {name: [i for i, c in enumerate(kind.columns) if c.type == "date"]
                            for name, kind in catalog.kinds.items()}

    def of(self, kind: str, **props) -> list[str]:
        """Keys of the columns with all of these properties (required=True, type="date" …)."""
        return [k for k, c in self.by_key[kind].items() if all(getattr(c, p) == v for p, v in props.items())]

    def cells(self, kind: str, row: dict, date_style) -> list:
        """Cells in catalogue order, dates written in `date_style`."""
        get = row.get
        cells = [get(key, "") for key in self.keys[kind]]
        for i in self._date_index[kind]:
            if cells[i].__class__ is date:
                cells[i] = date_style(cells[i])
        return cells
