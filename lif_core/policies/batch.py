"""One policy transaction: the aggregates it touched, the conflicts and aliases it found."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from lif_core.domain import Learning
from lif_core.domain.base import LifAggregate
from lif_core.errors import NotFoundError, RefusedError
from lif_core.eventlog.log import append
from lif_core.eventlog.store import Store, Tx
from lif_core.plugins.declared import Declared
from lif_core.plugins.loop import (
    as_date,
    pick,
)
from lif_core.privacy.vault import Sealed, seal

__all__ = ["Batch", "Handler", "attempt", "before", "find_learning", "meta", "stated_on", "text"]


@dataclass(slots=True)
class Batch:
    """Aggregates touched in one transaction (cached, since our own writes are not yet visible)."""

    store: Store
    tx: Tx
    policy: str
    cache: dict[UUID, LifAggregate] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    written: int = 0
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)
    # The data key (name, key) of the record being read, when it holds sealed text: what the
    # policy carries over from it into other events is sealed under the same key, so that
    # erasing the record erases every copy (set per record event by the runner).
    sealing: tuple[str, bytes] | None = None

    def sealed(self, text: str) -> str | Sealed:
        """A text taken from the record being read, as the events written from it carry it."""
        if self.sealing is None:
            return text
        name, data_key = self.sealing
        return seal(data_key, name, text)

    @property
    def actor(self) -> str:
        return f"policy:{self.policy}"

    def load(self, cls: type[LifAggregate], reference: str) -> Any:
        stream = cls.stream_id(reference)
        if stream not in self.cache:
            try:
                self.cache[stream] = self.store.get(cls, stream, label=reference)
            except NotFoundError:
                return None
        return self.cache[stream]

    def keep(self, agg: LifAggregate) -> None:
        self.cache[agg.id] = agg

    def conflict(self, evidence: str, target: str, message: str) -> None:
        self.conflicts.append((evidence, target, message))

    def alias(self, alias: str) -> str | None:
        if alias in self.aliases:
            return self.aliases[alias]
        row = self.tx.execute(
            "SELECT reference FROM policy_learning_aliases WHERE alias = ?", (alias,)
        ).fetchone()
        return str(row[0]) if row else None

    def flush(self) -> None:
        events = [e for agg in self.cache.values() for e in agg.collect_events()]
        append(self.store, self.tx, events)
        self.written += len(events)
        for alias, reference in self.aliases.items():
            self.tx.execute(
                "INSERT INTO policy_learning_aliases (alias, reference) VALUES (?, ?) ON CONFLICT (alias) DO NOTHING",
                (alias, reference),
            )


Handler = Callable[[Batch, Any, Declared], None]


def attempt(batch: Batch, evidence: str, target: str, command: Callable[[], Any]) -> None:
    try:
        command()
    except RefusedError as exc:
        batch.conflict(evidence, target, f"not applied: {exc}")


def before(event: Any) -> dict[str, Any]:
    """The record's attributes as its previous version stated them (empty for a first one)."""
    changes = getattr(event, "changes", None)
    if not changes:
        return {}
    return {**event.attributes, **{k: v["from"] for k, v in changes.items()}}


def meta(event: Any) -> dict[str, Any]:
    return {"causation": [str(event.event_id)], "correlation": event.correlation}


def stated_on(how: Any, attributes: dict[str, Any], fallback: date) -> date:
    return as_date(pick(how, attributes)) or fallback


def text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def find_learning(batch: Batch, references: Sequence[str]) -> Any:
    """The item any of ``references`` names: by a recorded alias, or as its own reference."""
    for reference in references:
        known = batch.alias(reference)
        item = batch.load(Learning, known or reference)
        if item is not None:
            return item
    return None
