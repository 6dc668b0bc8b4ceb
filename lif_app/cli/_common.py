"""What every command shares: the store it opens, the actor, output as text or JSON, exit codes."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from lif_core.actors import cli_actor
from lif_core.errors import ConfigError, LifError
from lif_core.eventlog.store import Store

__all__ = [
    "ActorOpt",
    "JsonOpt",
    "console",
    "err",
    "handle_errors",
    "open_store",
    "parse_day",
    "parse_time",
    "print_json",
    "state",
]

PIPED_WIDTH = 200
"""The width of tables written to a pipe or a file (no screen to fit): rows stay whole for
``grep`` and ``less`` instead of being squeezed to 80 columns. ``COLUMNS`` still wins."""


def _width(stream: Any) -> int | None:
    if os.environ.get("COLUMNS") or (hasattr(stream, "isatty") and stream.isatty()):
        return None  # a terminal (or a width asked for): rich finds it
    return PIPED_WIDTH


console = Console(soft_wrap=True, width=_width(sys.stdout))
err = Console(stderr=True, soft_wrap=True, width=_width(sys.stderr))

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


# --- dates and times given on the command line ---------------------------------------------------


def parse_day(value: str, option: str) -> date:
    """A day given as ``option`` (2025-03-31)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} {value!r} is not a date like 2025-03-31") from None


def parse_time(value: str, option: str) -> datetime:
    """A point in time given as ``option``: a time with its zone (2025-03-31T23:59:59Z), or a
    day, meaning the end of that day (UTC)."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time.max, tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"{option} {value!r} is not a day (2025-03-31) or a time (2025-03-31T23:59:59Z)"
        ) from None
    if moment.tzinfo is None:
        raise ConfigError(f"{option} {value!r} needs a time zone, e.g. 2025-03-31T23:59:59Z")
    return moment
