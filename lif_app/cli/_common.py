"""What every command shares: the store it opens, the actor, output as text or JSON, exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from lif_core.actors import cli_actor
from lif_core.errors import LifError
from lif_core.eventlog.store import Store

__all__ = [
    "ActorOpt",
    "JsonOpt",
    "console",
    "err",
    "handle_errors",
    "open_store",
    "print_json",
    "state",
]

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    store_url: str | None = None


state = _State()

JsonOpt = typer.Option(False, "--json", help="Print what was done as JSON.")
ActorOpt = typer.Option(
    None,
    "--actor",
    help="Who is acting, recorded as cli:NAME (default: LIF_ACTOR, else the OS user).",
)


@contextmanager
def open_store() -> Iterator[Store]:
    store = Store(state.store_url)
    try:
        yield store
    finally:
        store.close()


def actor(given: str | None) -> str:
    return cli_actor(given)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def handle_errors(func: F) -> F:
    """Turn a LifError into a one-line message on stderr and its exit code (1 refused, 2 usage)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LifError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]
