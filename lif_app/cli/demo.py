"""``lif demo``: the main job on the embedded default, end to end."""

from __future__ import annotations

import typer

from lif_app.cli._common import console, handle_errors, state
from lif_app.cli.app import app

__all__ = ["demo"]


@app.command()
@handle_errors
def demo() -> None:
    """Ingest every source's sample, run the policies, build the projections through Dagster, and summarise."""
    from lif_app.demo import run_demo

    summary = run_demo(state.store_url, console)
    if not summary["ok"]:
        raise typer.Exit(1)
