"""``lif project`` and ``lif export``: bring the read tables up to date, rebuild, travel in time, export."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from lif_app.cli._common import (
    JsonOpt,
    console,
    err,
    handle_errors,
    open_store,
    parse_day,
    parse_time,
    print_json,
)
from lif_app.cli.app import app

__all__ = ["export", "project"]


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
    """Bring the projections up to date and print, per table, its rows and content checksum.

    Says so when the policies have source records they have not read yet (`lif policies run`).
    """
    from lif_core.policies import pending
    from projections import project as run

    ref = parse_day(reference_date, "--reference-date") if reference_date else None
    with open_store() as store:
        waiting = pending(store)
        result = run(
            store,
            rebuild=rebuild,
            reference_date=ref,
            as_of=parse_time(as_of, "--as-of") if as_of else None,
            out=out,
        )
    if waiting:
        counts = ", ".join(
            f"{name}: {count}{'+' if count >= 1000 else ''}" for name, count in waiting.items()
        )
        err.print(
            f"policies have unprocessed source-record events ({counts}): run `lif policies run` "
            "first, or the register and actions miss them",
            highlight=False,
        )
    if json_out:
        print_json({**result.as_dict(), "policies_pending": waiting})
        return
    for drift in result.repaired:
        console.print(
            f"[yellow]repaired:[/] {drift.table} had been changed outside `lif project` "
            f"(its rows hashed to {drift.actual[:16]}, {drift.recorded[:16]} was recorded); "
            "rebuilt from the log",
            highlight=False,
        )
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
    raw_cells: bool = typer.Option(
        False,
        "--raw-cells",
        help="CSV for programs, not spreadsheets: write cells starting with = + - @ as stored "
        "(by default they get a leading ' so a spreadsheet shows them as text).",
    ),
) -> None:
    """Export a projection table to CSV or Parquet."""
    from projections import export_table

    with open_store() as store:
        count = export_table(store, table, fmt, out, neutralise=not raw_cells)
    console.print(f"wrote {count} rows of {table} to {out}", highlight=False)
