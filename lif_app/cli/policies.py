"""``lif policies run``: turn what the plugins declare into Learning and Action events, once.

The same function the Dagster ``policies`` asset calls (:func:`lif_core.policies.run_policies`):
every policy reads what is new since its position; a second run writes nothing.
"""

from __future__ import annotations

import typer
from rich.table import Table

from lif_app.cli._common import JsonOpt, console, handle_errors, open_store, print_json
from lif_app.cli.app import app

__all__ = ["policies_app"]

policies_app = typer.Typer(
    help="Run the policies: declared learning and actions -> Learning and Action events.",
    no_args_is_help=True,
)
app.add_typer(policies_app, name="policies")


@policies_app.command("run")
@handle_errors
def run(json_out: bool = JsonOpt) -> None:
    """Run every policy once over what is new in the log (safe to repeat: a rerun writes nothing)."""
    from lif_core.policies import POLICIES, run_policies

    with open_store() as store:
        result = run_policies(store)
    if json_out:
        print_json(result.as_dict())
        return
    table = Table("policy", "events read", "events written", "conflicts", "position")
    for name in POLICIES:
        table.add_row(
            name,
            str(result.events_read.get(name, 0)),
            str(result.events_written.get(name, 0)),
            str(result.conflicts.get(name, 0)),
            str(result.position.get(name, 0)),
        )
    console.print(table)
    if any(result.conflicts.values()):
        console.print(
            "conflicts are kept in the policy_conflicts table: a source disagreed with a recorded "
            "decision, or the domain refused the change",
            highlight=False,
        )
