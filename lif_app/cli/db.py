"""``lif db harden``: make the events table append-only for the application's role (PostgreSQL)."""

from __future__ import annotations

import typer

from lif_app.cli._common import JsonOpt, console, handle_errors, open_store, print_json
from lif_app.cli.app import app
from lif_core.eventlog.log import harden, harden_statements

__all__ = ["db_app"]

db_app = typer.Typer(help="The database itself: hardening (docs/audit.md).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("harden")
@handle_errors
def db_harden(
    app_role: str = typer.Option(
        ...,
        "--app-role",
        help="The role the platform runs as (it may only insert and select events).",
    ),
    sql: bool = typer.Option(
        False, "--sql", help="Print the SQL only (for a migration); change nothing."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Run as the tables' owner (LIF_STORE's user): the application role may then only insert
    and select on the events table, and a trigger refuses updates, deletes and truncation from
    any role but the owner. Run it again after an upgrade adds tables."""
    with open_store() as store:
        statements = harden_statements(store, app_role) if sql else harden(store, app_role)
    if json_out:
        print_json({"applied": not sql, "app_role": app_role, "statements": statements})
    elif sql:
        print(";\n\n".join(statements) + ";")
    else:
        console.print(
            f"[green]hardened[/]: {app_role} may only insert and select on the events table "
            f"({len(statements)} statements applied)",
            highlight=False,
        )
