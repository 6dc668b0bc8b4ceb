"""``lif partner list|check``: the partner register, and the agency names that resolve to no partner.

(``lif partner add|alias|retire`` are decisions: :mod:`lif_app.cli.decide` makes them from the
decision table.)
"""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from lif_app.cli._common import JsonOpt, console, err, handle_errors, open_store, print_json
from lif_app.cli.decide import partner_app
from lif_core.decisions.partners import partner_directory
from projections import project

__all__ = ["partner_check", "partner_list"]


@partner_app.command("list")
@handle_errors
def partner_list(json_out: bool = JsonOpt) -> None:
    """List the partners: short name, full name and every other name each goes by."""
    with open_store() as store:
        directory = partner_directory(store)
    rows = [
        {
            "reference": ref,
            "name": name,
            "status": "retired" if ref in directory.retired else "active",
        }
        for ref, name in directory.names.items()
    ]
    if json_out:
        print_json(rows)
        return
    table = Table("short name", "full name", "status")
    for row in rows:
        table.add_row(escape(row["reference"]), escape(row["name"]), row["status"])
    console.print(table)


@partner_app.command("check")
@handle_errors
def partner_check(json_out: bool = JsonOpt) -> None:
    """Bring the read tables up to date and list every agency name that resolves to no partner,
    with the close matches (exit 1 when there is one): add an alias or correct the source.

    With no partner in the register it warns that nothing is checked: decisions and ingestion
    take agency names as written until the first `lif partner add`."""
    with open_store() as store:
        if not partner_directory(store).names:
            err.print(
                "[yellow]warning:[/] the partner register is empty, so no agency name is "
                "checked: decisions and ingested files take names as written. "
                "`lif partner add` switches the check on (docs/partnership.md).",
                highlight=False,
            )
        project(store)
        with store.read() as tx:
            rows = tx.execute(
                "SELECT name, used_as, uses, items, close_matches FROM agency_names "
                "WHERE resolved = 0 ORDER BY name, used_as"
            ).fetchall()
    found = [
        {"name": r[0], "used_as": r[1], "uses": r[2], "items": r[3], "close_matches": r[4]}
        for r in rows
    ]
    if json_out:
        print_json(found)
    elif not found:
        console.print("[green]every agency name resolves to a partner[/]")
    else:
        table = Table("name as written", "used as", "uses", "items", "close matches")
        for row in found:
            table.add_row(*(escape(str(row[k] or "")) for k in row))
        console.print(table)
    if found:
        raise typer.Exit(1)
