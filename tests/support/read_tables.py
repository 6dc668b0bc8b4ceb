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


def rows_written(store: Any, table: str, sql: str) -> list[dict[str, Any]]:
    """The rows ``sql`` selects from the read table ``table``, each value as it is written."""
    with store.read() as tx:
        query = tx.execute(sql)
        cursor = getattr(query.cursor, "sqlite_cursor", query.cursor)
        names = [d[0] for d in cursor.description]
        return [written(table, names, r) for r in query.fetchall()]


def printed_cells(output: str, title: str) -> list[list[str]]:
    """The cells of each body line of the table titled ``title`` in a console's output (the
    demo's printed tables: rich's box characters)."""
    body = output.split(title, 1)[1].split("└", 1)[0].split("┡", 1)[1].splitlines()[1:]
    return [[c.strip() for c in line.strip().strip("│").split("│")] for line in body]
