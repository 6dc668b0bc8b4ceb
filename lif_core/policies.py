"""Policies: evidence in the log that implies decisions nobody should retype, recorded exactly once.

A policy follows the log from its own position. For each source-record event it cares about it
records Learning or Action events with ``actor = policy:NAME`` and ``causation`` = the evidence
event; the events, the new position and any conflicts are written in ONE transaction, so a
crash and rerun writes nothing twice. A policy never overrides a person: when a tracker export
disagrees with a recorded human decision, or the domain refuses the change, the disagreement is
kept in ``policy_conflicts`` for someone to resolve.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from lif_core.domain import Action, Learning, SourceRecord
from lif_core.domain.base import LifAggregate
from lif_core.errors import ConcurrencyError, NotFoundError, RefusedError
from lif_core.eventlog.log import append, lock_for_append
from lif_core.eventlog.store import Store, Tx

__all__ = ["POLICIES", "PolicyRun", "run_policies"]

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


@dataclass(slots=True)
class _Batch:
    """Aggregates touched in one transaction (cached, since our own writes are not yet visible)."""

    store: Store
    tx: Tx
    policy: str
    cache: dict[UUID, LifAggregate] = field(default_factory=dict)
    written: int = 0
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)

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

    def flush(self) -> None:
        events = [e for agg in self.cache.values() for e in agg.collect_events()]
        append(self.store, self.tx, events)
        self.written += len(events)


Handler = Callable[[_Batch, Any], None]


def _attempt(batch: _Batch, evidence: str, target: str, command: Callable[[], Any]) -> None:
    try:
        command()
    except RefusedError as exc:
        batch.conflict(evidence, target, f"not applied: {exc}")


# --- action-plans -> Action -------------------------------------------------------------------


def _action_plans(batch: _Batch, event: Any) -> None:
    evidence = str(event.event_id)
    meta = {"causation": [evidence], "correlation": event.correlation}
    if isinstance(event, SourceRecord.Withdrawn):
        batch.conflict(
            evidence,
            event.record_key,
            f"the row was removed from the tracker ({event.reason}); the action is unchanged: cancel or keep it by a decision",
        )
        return
    a = event.attributes
    ref = a["action_reference"]
    exported = event.valid_from
    action = batch.load(Action, ref)
    old = {k: v["from"] for k, v in getattr(event, "changes", {}).items()}
    if action is None:
        action = Action.raise_action(
            reference=ref,
            description=a["action"],
            owner_agency=a["owner_agency"],
            due=date.fromisoformat(a["due_date"]),
            raised_on=exported,
            learning_reference=(a.get("linked_learning") or [None])[0],
            actor=batch.actor,
            **meta,
        )
        batch.keep(action)
        old = {}
    elif "due_date" in old and action.due.isoformat() != a["due_date"]:
        if action.due.isoformat() != old["due_date"]:
            batch.conflict(
                evidence,
                ref,
                f"the tracker moved the due date from {old['due_date']} to {a['due_date']}, but it is {action.due} by a recorded decision: not applied",
            )
        else:
            _attempt(
                batch,
                evidence,
                ref,
                lambda: action.reschedule(
                    date.fromisoformat(a["due_date"]),
                    f"due date changed in the tracker export of {exported}",
                    batch.actor,
                    **meta,
                ),
            )
    note = a.get("progress_update")
    if note and (not old or "progress_update" in old) and action.status in ("open", "in-progress"):
        rag = (a.get("rag") or "").lower() or None
        _attempt(
            batch,
            evidence,
            ref,
            lambda: action.progress(
                note, rag if rag in ("red", "amber", "green", "blue") else None, batch.actor, **meta
            ),
        )
    status = a.get("status")
    if status == "complete" and action.status not in ("completed", "impact-verified"):
        _attempt(
            batch,
            evidence,
            ref,
            lambda: action.complete(exported, a.get("evidence"), batch.actor, **meta),
        )
    elif status == "cancelled" and action.status != "cancelled":
        _attempt(
            batch,
            evidence,
            ref,
            lambda: action.cancel(
                f"cancelled in the tracker export of {exported}", batch.actor, **meta
            ),
        )
    elif status in ("not-started", "in-progress") and action.status in (
        "completed",
        "cancelled",
        "impact-verified",
    ):
        batch.conflict(
            evidence,
            ref,
            f"the tracker says {status} but the action is {action.status}: not applied",
        )


# --- learning-log and practice-reviews -> Learning ---------------------------------------------


def _title(statement: str) -> str:
    first = statement.split(". ")[0].strip().rstrip(".")
    return first if len(first) <= 90 else first[:87].rstrip() + "…"


def _learning(batch: _Batch, event: Any, *, reference: str, source_kind: str) -> Any:
    evidence = str(event.event_id)
    a = event.attributes
    item = batch.load(Learning, reference)
    if item is None:
        item = Learning.identify(
            reference=reference,
            title=_title(a["learning"]),
            statement=a["learning"],
            themes=list(a.get("themes") or []),
            source_kind=source_kind,
            identified_on=date.fromisoformat(a["date_identified"]),
            actor=batch.actor,
            causation=[evidence],
            correlation=event.correlation,
        )
        batch.keep(item)
    elif isinstance(event, SourceRecord.Revised) and {"learning", "themes"} & set(event.changes):
        batch.conflict(
            evidence,
            reference,
            "the source changed the learning statement or themes; the register keeps the recorded wording until someone decides",
        )
    return item


def _learning_log(batch: _Batch, event: Any) -> None:
    if isinstance(event, SourceRecord.Withdrawn):
        batch.conflict(
            str(event.event_id),
            event.record_key,
            f"the item was removed from the learning log ({event.reason}); the register is unchanged",
        )
        return
    a = event.attributes
    item = _learning(
        batch, event, reference=a["reference"], source_kind=str(a.get("source") or "learning-log")
    )
    when = a.get("date_disseminated")
    if not when:
        return
    done = {(d["channel"], d["on"].isoformat()) for d in item.disseminations}
    evidence = str(event.event_id)

    def share(channel: str) -> Any:
        return item.disseminate(
            channel,
            date.fromisoformat(when),
            a.get("audience"),
            batch.actor,
            causation=[evidence],
            correlation=event.correlation,
        )

    for channel in a.get("dissemination_channels") or []:
        if (channel, when) not in done:
            _attempt(batch, evidence, item.reference, partial(share, channel))


def _practice_reviews(batch: _Batch, event: Any) -> None:
    if isinstance(event, SourceRecord.Withdrawn) or event.record_kind != "learning-point":
        return
    _learning(batch, event, reference=event.attributes["reference"], source_kind="practice-review")


POLICIES: dict[str, tuple[set[str], Handler]] = {
    "action-plans": ({"action-plans"}, _action_plans),
    "learning-log": ({"learning-log"}, _learning_log),
    "practice-reviews": ({"practice-reviews"}, _practice_reviews),
}


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


def _run_one(
    store: Store, name: str, sources: set[str], handler: Handler, result: PolicyRun
) -> None:
    with store.transaction() as tx:
        tx.execute(_CONFLICTS)
    while True:
        with store.transaction() as tx:
            lock_for_append(store, tx)
            start = _position(tx, name)
            notes = store.notifications(start + 1, BATCH, topics=_TOPICS)
            if not notes:
                result.position[name] = start
                return
            batch = _Batch(store, tx, name)
            for n in notes:
                event = store.decode(n)
                if event.source not in sources:
                    continue
                result.events_read[name] = result.events_read.get(name, 0) + 1
                handler(batch, event)
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


def run_policies(store: Store, names: Sequence[str] | None = None) -> PolicyRun:
    """Run every policy (or ``names``) up to the end of the log."""
    result = PolicyRun()
    for name, (sources, handler) in POLICIES.items():
        if names is not None and name not in names:
            continue
        for attempt in range(3):
            try:
                _run_one(store, name, sources, handler, result)
                break
            except IntegrityError as exc:
                # Someone recorded a decision on the same stream meanwhile: the batch was rolled
                # back whole; try again from the same position against the new state.
                if attempt == 2:
                    raise ConcurrencyError(
                        f"policy {name} kept colliding with concurrent decisions; run it again"
                    ) from exc
    return result
