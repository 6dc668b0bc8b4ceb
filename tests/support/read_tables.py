"""Read-table rows as tests compare them: each value in the one form it is written and hashed in
(ISO text dates and UTC times, flags 1/0, JSON text), whichever database holds the table —
PostgreSQL gives dates, times, booleans and JSON natively, SQLite gives the text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections import TABLES
from projections.engine import as_written


def written(table: str, names: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    columns = {c.name: c for c in TABLES[table].columns}
    return {
        name: as_written(value, columns[name]) if name in columns else value
        for name, value in zip(names, row, strict=True)
    }


def written_tuple(table: str, names: Sequence[str], row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(written(table, names, row).values())
