"""The ``lif`` command: one Typer app, a sub-app per area of the platform."""

from __future__ import annotations

import importlib
import logging
import os

import typer

from lif_core.cli._common import state

__all__ = ["app", "main"]

app = typer.Typer(
    name="lif",
    help="LIF platform: ingest sources of learning, record decisions, project, audit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module adds its commands to `app` when imported; the list is the table of contents.
COMMAND_MODULES = [
    "lif_core.cli.status",
    "lif_core.cli.decide",
    "lif_core.cli.audit",
    "lif_core.cli.ingest",
    "lif_core.cli.plugins",
    "lif_core.cli.project",
    "lif_core.cli.kafka",
    "lif_core.cli.web",
    "lif_core.cli.demo",
]


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


def _load() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name)


def main() -> None:
    os.environ.setdefault("DAGSTER_TELEMETRY_ENABLED", "false")
    _load()
    app()


_load()
