"""``lif status``: what the store holds, at a glance."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from lif_app.cli._common import JsonOpt, console, handle_errors, open_store, print_json
from lif_app.cli.app import app
from lif_core.audit.verify import latest_seal
from lif_core.eventlog.log import count_events
from lif_core.eventlog.store import Store

__all__ = ["status", "store_status"]


def store_status(store: Store) -> dict[str, Any]:
    """Store URL (masked), events, streams per type, last notification id, last seal."""
    events, streams = count_events(store)
    seal = latest_seal(store)
    return {
        "store": store.url.masked,
        "events": events,
        "streams": streams,
        "last_notification_id": store.max_notification_id(),
        "last_seal": None
        if seal is None
        else {
            "seal_id": seal.seal_id,
            "created_at": seal.created_at,
            "last_notification_id": seal.last_notification_id,
        },
    }


@app.command()
@handle_errors
def status(json_out: bool = JsonOpt) -> None:
    """Show the store URL, events, streams per type, last notification id and last seal."""
    with open_store() as store:
        info = store_status(store)
    if json_out:
        print_json(info)
        return
    console.print(f"[bold]store[/]  {escape(info['store'])}", highlight=False)
    console.print(
        f"[bold]events[/] {info['events']}   [bold]last notification[/] {info['last_notification_id']}"
    )
    table = Table("stream type", "streams", title=None)
    for kind, count in info["streams"].items():
        table.add_row(kind, str(count))
    console.print(table)
    seal = info["last_seal"]
    console.print(
        "[bold]last seal[/] "
        + (
            f"{seal['seal_id']} at {seal['created_at']} (up to notification {seal['last_notification_id']})"
            if seal
            else "none yet (`lif audit seal`)"
        ),
        highlight=False,
    )
