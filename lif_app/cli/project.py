"""``lif project`` and ``lif export``: bring the read tables up to date, rebuild, travel in time, export."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer
from rich.table import Table

from lif_app.cli._common import JsonOpt, console, handle_errors, open_store, print_json
from lif_app.cli.app import app
from lif_core.errors import ConfigError

__all__ = ["export", "project"]


def _when(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--as-of {value!r} is not a time like 2025-03-31T23:59:59Z") from None
    if moment.tzinfo is None:
        raise ConfigError(f"--as-of {value!r} needs a time zone, e.g. 2025-03-31T23:59:59Z")
    return moment


@app.command()
@handle_errors
def project(
    rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild every table from event one."),
    as_of: str = typer.Option(
        None, "--as-of", help="Build the tables as they were with only the events recorded by then."
    ),
    out: str = typer.Option(
        None, "--out", help="With --as-of: a SQLite file (or URL) to build into."
    ),
    reference_date: str = typer.Option(
        None,
        "--reference-date",
        help="Judge overdue and freshness against this date (default today).",
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Bring the projections up to date and print, per table, its rows and content checksum."""
    from projections import project as run

    ref = None
    if reference_date:
        try:
            ref = date.fromisoformat(reference_date)
        except ValueError:
            raise ConfigError(f"--reference-date {reference_date!r} is not a date") from None
    with open_store() as store:
        result = run(
            store,
            rebuild=rebuild,
            reference_date=ref,
            as_of=_when(as_of) if as_of else None,
            out=out,
        )
    if json_out:
        print_json(result.as_dict())
        return
    table = Table("table", "rows", "checksum")
    for name, info in sorted(result.tables.items()):
        table.add_row(name, str(info["rows"]), info["checksum"][:16])
    console.print(table)
    console.print(
        f"up to notification {result.position}" + (f"; written to {out}" if as_of else ""),
        highlight=False,
    )


@app.command()
@handle_errors
def export(
    table: str = typer.Argument(..., help="learning_register, action_status, impact_monitoring, …"),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet"),
    out: Path = typer.Option(..., "--out"),
) -> None:
    """Export a projection table to CSV or Parquet."""
    from projections import export_table

    with open_store() as store:
        count = export_table(store, table, fmt, out)
    console.print(f"wrote {count} rows of {table} to {out}", highlight=False)
