"""The application functions: record a declared decision — load, check, decide, save — in one place.

The CLI, the web forms and scripts call :func:`decide` and :func:`create`; none of them loads or
saves an item itself. A decision is all or nothing: a refusal (a domain rule, a missing item, bad
evidence, a stale version) raises before anything is written.

Optimistic concurrency, twice over: a caller that showed a person the item at some version (a web
form) passes ``expected_version`` and is refused, with what changed since, if the item has moved
on; and two decisions saved at the same moment cannot both land (the store refuses the second).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from pydantic import BaseModel

from lif_core.actors import describe
from lif_core.decisions.declarations import Context, Creation, Decision
from lif_core.decisions.partners import check_names
from lif_core.decisions.references import (
    cite_evidence,
    event_summary,
    find_reference,
    next_reference,
)
from lif_core.errors import ConcurrencyError, ConfigError, RefusedError
from lif_core.eventlog.store import Store

__all__ = ["Recorded", "create", "decide"]

Arguments = Mapping[str, Any] | BaseModel


@dataclass(frozen=True)
class Recorded:
    """What a decision recorded: the item's reference and the events it wrote, in order."""

    reference: str
    events: tuple[Any, ...]

    @property
    def version(self) -> int:
        """The version the item is at now."""
        return int(self.events[-1].originator_version)

    def summaries(self) -> list[dict[str, Any]]:
        """The events as plain JSON-able data."""
        return [event_summary(event) for event in self.events]


def decide(
    store: Store,
    decision: Decision,
    reference: str,
    arguments: Arguments,
    *,
    actor: str,
    expected_version: int | None = None,
) -> Recorded:
    """Record ``decision`` on the item ``reference`` names, by ``actor``.

    ``arguments``: text or values by argument name, or the declaration's model.
    ``expected_version``: the version the decision was made on; a later one is refused.
    """
    args = decision.parse(arguments)
    who = _who(actor)
    item = find_reference(store, decision.aggregate, reference)
    if expected_version is not None:
        _expect(store, item, reference, expected_version)
    _check_references(store, decision, args)
    context = Context(store, reference, who, cite_evidence(store, decision.cited(args)), _run())
    decision.record(item, args, context)
    events = tuple(item.pending_events)
    store.save(item)
    return Recorded(reference=str(item.reference), events=events)


def create(store: Store, creation: Creation, arguments: Arguments, *, actor: str) -> Recorded:
    """Record ``creation`` (identify a learning item, raise an action), by ``actor``."""
    args = creation.parse(arguments)
    who = _who(actor)
    _check_references(store, creation, args)
    cls = creation.aggregate
    reference = args.ref or next_reference(store, cls, getattr(args, creation.dated_by).year)
    if store.exists(cls.stream_id(reference)):
        raise RefusedError(f"{reference} already exists")
    context = Context(store, reference, who, cite_evidence(store, creation.cited(args)), _run())
    item = creation.start(args, context)
    events = tuple(item.pending_events)
    store.save(item)
    return Recorded(reference=reference, events=events)


def _who(actor: str) -> str:
    if not actor.strip():
        raise ConfigError("a decision needs an actor: who decides")
    return actor.strip()


def _run() -> str:
    """The correlation id of one decision (a person's decision is a run of its own)."""
    return str(uuid4())


def _check_references(store: Store, declaration: Creation | Decision, args: Any) -> None:
    for cls, reference in declaration.references(args):
        find_reference(store, cls, reference)
    check_names(store, declaration, args)


def _expect(store: Store, item: Any, reference: str, expected: int) -> None:
    """Refuse a decision made on a version the item has moved on from, saying what changed."""
    if item.version == expected:
        return
    if expected > item.version:
        raise ConcurrencyError(
            f"{reference} is at v{item.version}: there is no v{expected} to decide on"
        )
    later: list[Any] = list(store.app.repository.event_store.get(item.id, gt=expected))
    changes = "; ".join(
        f"v{e.originator_version} {type(e).__qualname__} by {describe(e.actor)} at {e.timestamp:%Y-%m-%d %H:%M}"
        for e in later
    )
    raise ConcurrencyError(
        f"{reference} changed after v{expected}, the version this decision was made on: "
        f"{changes}. Nothing was written; look at it again and decide."
    )
