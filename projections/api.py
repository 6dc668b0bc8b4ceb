"""What the CLI and Dagster call: bring projections up to date, rebuild, travel in time, export."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from lif_core.errors import ConfigError, NotFoundError, RefusedError
from lif_core.eventlog.store import Store
from lif_core.plugins.declared import Declared
from projections import (
    action_status,
    candidates,
    catalogue,
    impact_monitoring,
    learning_reach,
    learning_register,
    narratives,
    partners,
    priorities,
    review_register,
)
from projections.engine import (
    Column,
    Context,
    ProjectionRun,
    Table,
    as_written,
    drifted,
    run_projections,
)

__all__ = [
    "ALL",
    "TABLES",
    "TableDrifted",
    "check_tables",
    "context_for",
    "export_table",
    "neutralise_cell",
    "project",
    "table_checksums",
]

ALL = [
    learning_register,
    action_status,
    impact_monitoring,
    catalogue,
    candidates,
    partners,
    learning_reach,
    priorities,
    narratives,
    review_register,
]
TABLES: dict[str, Table] = {t.name: t for m in ALL for t in m.TABLES}


def context_for(
    reference_date: date | None = None, *, sources: dict[str, dict[str, Any]] | None = None
) -> Context:
    """The rendering context: the reference date and, from the installed plugins, each source's
    cadence and what its records mean for learning (its loop declarations)."""
    from lif_core.plugins.host import load_plugins

    loaded = list(load_plugins())
    if sources is None:
        sources = {
            s.name: {
                "title": s.source.title,
                "provider": s.source.provider,
                "cadence": s.source.cadence,
            }
            for s in loaded
        }
    return Context(
        reference_date=reference_date or date.today(),
        sources=sources,
        local_authority=os.environ.get("LIF_LOCAL_AUTHORITY", "Leeds"),
        declared=Declared.of(s.source for s in loaded),
    )


def project(
    store: Store,
    *,
    rebuild: bool = False,
    reference_date: date | None = None,
    as_of: datetime | None = None,
    out: str | None = None,
    context: Context | None = None,
) -> ProjectionRun:
    """Bring all projections up to date; ``rebuild`` from event one; ``as_of`` into ``out``."""
    if as_of is not None:
        if out is None:
            raise ConfigError(
                "--as-of needs --out: a SQLite file (sqlite:///path.db) or a PostgreSQL URL with ?schema="
            )
        target_url = out if "://" in out else f"sqlite:///{Path(out).resolve()}"
        ctx = context or context_for(reference_date or as_of.astimezone(UTC).date())
        with Store(target_url) as target:
            return run_projections(store, ALL, ctx, until=as_of, target=target)
    ctx = context or context_for(reference_date)
    return run_projections(store, ALL, ctx, rebuild=rebuild)


class TableDrifted(RefusedError):
    """A read table was changed outside ``lif project``: it is not published until rebuilt."""


def check_tables(tx: Any, names: Sequence[str] | None = None) -> None:
    """Refuse (naming them) the read tables whose rows differ from their recorded checksum.

    Every reader that publishes (``lif report``, ``lif export``, ``lif serve``) calls this
    before it reads, in the same transaction, so what it publishes is what ``lif project``
    built. ``names``: the tables to check (default: every one).
    """
    tables = [TABLES[n] for n in names] if names is not None else list(TABLES.values())
    found = drifted(tx, tables)
    if found:
        raise TableDrifted(
            "; ".join(str(d) for d in found)
            + ". It is not published: run `lif project` to rebuild it from the log"
            " (it reports the tables it repaired)."
        )


def table_checksums(store: Store) -> dict[str, dict[str, Any]]:
    with store.read() as tx:
        rows = tx.execute(
            "SELECT name, rows, checksum, reference_date, position FROM lif_projection_tables ORDER BY name"
        ).fetchall()
    return {
        r[0]: {"rows": r[1], "checksum": r[2], "reference_date": r[3], "position": r[4]}
        for r in rows
    }


def projected_position(store: Store) -> int:
    """The notification id every projection has reached (0 before the first run)."""
    with store.read() as tx:
        row = tx.execute(
            "SELECT MIN(position), COUNT(*) FROM lif_tracking WHERE name LIKE ?", ("projection:%",)
        ).fetchone()
    if not row or not row[1] or int(row[1]) < len(ALL):
        return 0
    return int(row[0])


# What a spreadsheet reads as the start of a formula (or, for tab and carriage return, what
# some spreadsheets strip before reading one): the cells OWASP's "CSV injection" note names.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a leading ``'`` before a formula-like text.

    Numbers (ints, floats, and text that is wholly a number, such as ``-3.5``) stay numbers: a
    spreadsheet evaluates them to themselves. Everything else starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets the apostrophe spreadsheets hide and read as
    "this is text" (the usual convention, documented in docs/projections.md).
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value if value.strip() == value else "'" + value


def _arrow_value(value: Any, column: Column) -> Any:
    written = as_written(value, column)
    if written is None:
        return None
    if column.type == "DATE":
        return date.fromisoformat(written)
    if column.type == "TIMESTAMP":
        return datetime.fromisoformat(written)
    if column.type == "BOOLEAN":
        return bool(written)
    return written


def _arrow_table(spec: Table, rows: Sequence[Sequence[Any]]) -> Any:
    """The rows as an Arrow table of native types: date32, timestamp[us, UTC], bool, int64,
    float64, and JSON as Arrow's JSON type (UTF-8 text marked as JSON)."""
    import pyarrow as pa

    json_type = pa.json_() if hasattr(pa, "json_") else pa.string()
    arrow_types = {
        "TEXT": pa.string(),
        "INTEGER": pa.int64(),
        "REAL": pa.float64(),
        "BOOLEAN": pa.bool_(),
        "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us", tz="UTC"),
        "JSON": json_type,
    }
    arrays = []
    for i, column in enumerate(spec.columns):
        values = [_arrow_value(r[i], column) for r in rows]
        kind = arrow_types[column.type]
        if column.type == "JSON" and kind != pa.string():
            arrays.append(pa.ExtensionArray.from_storage(kind, pa.array(values, pa.string())))
        else:
            arrays.append(pa.array(values, type=kind))
    fields = [
        pa.field(c.name, a.type, metadata={"description": c.description})
        for c, a in zip(spec.columns, arrays, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def export_table(store: Store, table: str, fmt: str, out: Path, *, neutralise: bool = True) -> int:
    """Write a projection table to CSV or Parquet; written to a temporary file, then renamed (never half a file).

    ``neutralise`` (CSV only, on by default): cells a spreadsheet would evaluate as a formula
    are written as text (:func:`neutralise_cell`); off, every cell is written as stored.
    """
    if table not in TABLES:
        raise NotFoundError(f"no projection table {table!r}; tables: {', '.join(sorted(TABLES))}")
    if fmt not in ("csv", "parquet"):
        raise ConfigError(f"--format must be csv or parquet, not {fmt!r}")
    spec = TABLES[table]
    names = [c.name for c in spec.columns]
    with store.read() as tx:
        check_tables(tx, [table])
        rows = tx.execute(
            f"SELECT {', '.join(names)} FROM {table} ORDER BY {', '.join(spec.key)}"
        ).fetchall()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        if fmt == "csv":
            # Each cell in the one form the table is written and hashed in, whichever database
            # it comes from: ISO dates and UTC times, flags as 1 or 0, JSON as compact text.
            cells = [
                [as_written(v, c) for v, c in zip(row, spec.columns, strict=True)] for row in rows
            ]
            with open(tmp, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(names)
                writer.writerows(
                    [[neutralise_cell(v) for v in row] for row in cells] if neutralise else cells
                )
        else:
            import pyarrow.parquet as pq

            pq.write_table(_arrow_table(spec, rows), tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(rows)
