"""Policies: what the plugins declare their records mean, turned into decisions nobody should retype.

Two policies follow the log, each from its own position: ``learning`` reads every source record
whose kind declares learning (:class:`~lif_core.plugins.LearningDeclaration`) and ``actions``
every record whose kind declares actions (:class:`~lif_core.plugins.ActionDeclaration`). They
record Learning and Action events with ``actor = policy:NAME`` and ``causation`` = the source
record's event; the events, the new position and any conflicts are written in ONE transaction,
so a crash and rerun writes nothing twice, and a second run over nothing new writes nothing. No
source is named here: a third-party plugin's declarations are read exactly as a built-in's.

A policy never overrides a person: when a source disagrees with a recorded human decision, or
the domain refuses the change, the disagreement is kept in ``policy_conflicts``.

Stores made before these policies existed were followed by one policy per source, named after
it (``policy:SOURCE``): what such a policy already read is not read again (docs/design.md,
"Migration: the learning loop").
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from lif_core.domain import SourceRecord
from lif_core.errors import ConcurrencyError
from lif_core.eventlog.log import lock_for_append
from lif_core.eventlog.store import Store, Tx
from lif_core.plugins.declared import Declared
from lif_core.policies.actions import run_actions
from lif_core.policies.batch import Batch as _Batch
from lif_core.policies.batch import Handler
from lif_core.policies.learning import run_learning
from lif_core.privacy.vault import DataKeys, sealed_key

__all__ = ["POLICIES", "PolicyRun", "declared_now", "pending", "run_policies"]

log = logging.getLogger(__name__)
BATCH = 500
_TOPICS = [
    get_topic(SourceRecord.Recorded),
    get_topic(SourceRecord.Revised),
    get_topic(SourceRecord.Withdrawn),
]
_CONFLICTS = (
    "CREATE TABLE IF NOT EXISTS policy_conflicts (policy TEXT NOT NULL, evidence_event_id TEXT NOT NULL, "
    "target TEXT NOT NULL, message TEXT NOT NULL, recorded_at TEXT NOT NULL, PRIMARY KEY (policy, evidence_event_id, target))"
)
_ALIASES = "CREATE TABLE IF NOT EXISTS policy_learning_aliases (alias TEXT PRIMARY KEY, reference TEXT NOT NULL)"


POLICIES: dict[str, Handler] = {"learning": run_learning, "actions": run_actions}


@dataclass(slots=True)
class PolicyRun:
    events_read: dict[str, int] = field(default_factory=dict)
    events_written: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, int] = field(default_factory=dict)
    position: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "events_read": self.events_read,
            "events_written": self.events_written,
            "conflicts": self.conflicts,
            "position": self.position,
        }


def _position(tx: Tx, name: str) -> int:
    row = tx.execute(
        "SELECT position FROM lif_tracking WHERE name = ?", (f"policy:{name}",)
    ).fetchone()
    return int(row[0]) if row else 0


def _already_read(tx: Tx, declared: Declared) -> dict[str, int]:
    """Source -> the position its own per-source policy (before the loop contract) reached."""
    rows = tx.execute("SELECT name, position FROM lif_tracking").fetchall()
    named = {
        str(name).removeprefix("policy:"): int(position)
        for name, position in rows
        if str(name).startswith("policy:")
    }
    return {n: p for n, p in named.items() if n in declared.sources and n not in POLICIES}


def declared_now() -> Declared:
    """The declarations of the installed plugins."""
    from lif_core.plugins.host import load_plugins

    return Declared.of(s.source for s in load_plugins())


def _run_one(
    store: Store, name: str, handler: Handler, declared: Declared, result: PolicyRun
) -> None:
    with store.transaction() as tx:
        tx.execute(_CONFLICTS)
        tx.execute(_ALIASES)
    keys = DataKeys(store, preload=True)  # one for the whole run: read once, not once a batch
    while True:
        with store.transaction() as tx:
            lock_for_append(store, tx)
            start = _position(tx, name)
            legacy = _already_read(tx, declared)
            notes = store.notifications(start + 1, BATCH, topics=_TOPICS)
            if not notes:
                result.position[name] = start
                return
            batch = _Batch(store, tx, name)
            for n in notes:
                event = store.decode(n)
                if n.id <= legacy.get(event.source, 0):
                    continue  # the source's own policy read it before the loop contract
                kind = declared.kind(event.source, event.record_kind)
                if kind is None:
                    continue
                if (name == "learning" and kind.learning is None) or (
                    name == "actions" and kind.actions is None
                ):
                    continue
                result.events_read[name] = result.events_read.get(name, 0) + 1
                batch.sealing = _sealing(event, keys)
                handler(batch, opened(event, keys, kind.personal_fields), declared)
            batch.flush()
            now = datetime.now(UTC).isoformat(timespec="seconds")
            tx.executemany(
                "INSERT INTO policy_conflicts (policy, evidence_event_id, target, message, recorded_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(name, ev, target, msg, now) for ev, target, msg in batch.conflicts],
            )
            tx.execute(
                "INSERT INTO lif_tracking (name, position, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
                (f"policy:{name}", notes[-1].id, now),
            )
            result.events_written[name] = result.events_written.get(name, 0) + batch.written
            result.conflicts[name] = result.conflicts.get(name, 0) + len(batch.conflicts)


def _sealing(event: Any, keys: DataKeys) -> tuple[str, bytes] | None:
    """The live data key a record's event seals its fields under (None: none, or erased)."""
    for value in (getattr(event, "attributes", None) or {}).values():
        name = sealed_key(value)
        if name is not None:
            data_key = keys.key(name)
            return None if data_key is None else (name, data_key)
    return None


def opened(event: Any, keys: DataKeys, personal: Sequence[str] = ()) -> Any:
    """A record's event as a policy reads it: its sealed values opened (``[erased]`` once
    erased), its personal fields ``[personal]`` (a copy; the stored event is unchanged)."""
    if not isinstance(event, SourceRecord.Recorded | SourceRecord.Revised):
        return event
    attributes = keys.published(event.attributes, personal)
    copy: Any = event  # typed Any: mypy does not see the library's events' dataclass fields
    if not isinstance(event, SourceRecord.Revised):
        return dataclasses.replace(copy, attributes=attributes)
    changes = {
        k: {
            "from": keys.published({k: v.get("from")}, personal)[k],
            "to": keys.published({k: v.get("to")}, personal)[k],
        }
        for k, v in event.changes.items()
    }
    return dataclasses.replace(copy, attributes=attributes, changes=changes)


def run_policies(
    store: Store, names: Sequence[str] | None = None, *, declared: Declared | None = None
) -> PolicyRun:
    """Run every policy (or ``names``) once, up to the end of the log.

    The learning policy runs first, so an action's evidence of impact finds its learning item.
    ``declared``: the plugins' declarations (default: the installed plugins').
    """
    declared = declared or declared_now()
    result = PolicyRun()
    for name, handler in POLICIES.items():
        if names is not None and name not in names:
            continue
        for attempt in range(3):
            try:
                _run_one(store, name, handler, declared, result)
                break
            except IntegrityError as exc:
                # Someone recorded a decision on the same stream meanwhile: the batch was rolled
                # back whole; try again from the same position against the new state.
                if attempt == 2:
                    raise ConcurrencyError(
                        f"policy {name} kept colliding with concurrent decisions; run it again"
                    ) from exc
    return result


def pending(store: Store, cap: int = 1000) -> dict[str, int]:
    """Policy -> source-record events past its position (counted up to ``cap``): what
    ``lif policies run`` would read. Empty when every policy is up to date."""
    out: dict[str, int] = {}
    top = store.max_notification_id()
    with store.read() as tx:
        starts = {name: _position(tx, name) for name in POLICIES}
    for name, start in starts.items():
        if start >= top:
            continue
        count = len(store.notifications(start + 1, cap, topics=_TOPICS))
        if count:
            out[name] = count
    return out
