"""The ``lif`` command: one Typer app, a sub-app per area of the platform."""

from __future__ import annotations

import logging
import os

import typer

from lif_app.cli._common import state

__all__ = ["app", "main"]

app = typer.Typer(
    name="lif",
    help="LIF platform: ingest sources of learning, record decisions, project, audit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    store: str = typer.Option(
        None,
        "--store",
        envvar="LIF_STORE",
        help="Store URL: sqlite:///path.db or postgresql://user@host:port/db",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what happens."),
) -> None:
    state.store_url = store
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def main() -> None:
    os.environ.setdefault("DAGSTER_TELEMETRY_ENABLED", "false")
    app()


# Each module adds its commands to `app` when imported; this list is the table of contents.
from lif_app.cli import (  # noqa: E402  (they import `app` from here)
    audit,
    audit_log,
    db,
    decide,
    demo,
    ingest,
    kafka,
    partners,
    plugins,
    policies,
    privacy,
    project,
    status,
    web,
)

COMMAND_MODULES = [
    audit,
    audit_log,
    db,
    decide,
    demo,
    ingest,
    kafka,
    partners,
    plugins,
    policies,
    privacy,
    project,
    status,
    web,
]
