"""References and evidence: finding the item a human reference names, the next free one, what is cited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from lif_core.domain import Action, Learning, Measure, Partner, Priority, SourceRecord
from lif_core.domain.base import LifAggregate
from lif_core.errors import NotFoundError, RefusedError
from lif_core.eventlog.codec import plain
from lif_core.eventlog.store import Store

__all__ = [
    "cite_evidence",
    "event_summary",
    "find_reference",
    "next_reference",
    "resolve",
]

_PREFIX = {Learning: "LRN", Action: "ACT", Measure: "MEA"}
_CREATED: dict[type[LifAggregate], type[Any]] = {
    Learning: Learning.Identified,
    Action: Action.Raised,
    Measure: Measure.Defined,
    Partner: Partner.Added,
    Priority: Priority.Set,
}


def event_summary(event: Any) -> dict[str, Any]:
    """What was recorded, as plain JSON-able data (for ``--json`` and the CLI's confirmation)."""
    data = {k: v for k, v in vars(event).items() if not k.startswith("_")}
    out: dict[str, Any] = {
        "event_id": str(data.pop("event_id")),
        "type": type(event).__qualname__,
        "stream_id": str(data.pop("originator_id")),
        "version": data.pop("originator_version"),
        "recorded_at": data.pop("timestamp").isoformat(),
    }
    data.pop("originator_topic", None)
    out.update({k: plain(v) for k, v in data.items()})
    return out


def _references(store: Store, cls: type[LifAggregate]) -> list[str]:
    created = _CREATED[cls]
    from eventsourcing.utils import get_topic

    topic = get_topic(created)
    refs = []
    for n in store.iter_notifications(topics=[topic]):
        refs.append(store.decode(n).reference)
    return refs


def next_reference(store: Store, cls: type[LifAggregate], year: int) -> str:
    """The next free ``LRN-YYYY-NNN`` / ``ACT-YYYY-NNN`` reference."""
    prefix = f"{_PREFIX[cls]}-{year}-"
    numbers = [
        int(m.group(1))
        for r in _references(store, cls)
        if (m := re.fullmatch(re.escape(prefix) + r"(\d+)", r))
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def find_reference(store: Store, cls: type[LifAggregate], reference: str) -> Any:
    """Load the aggregate a human reference names, or fail with near matches."""
    stream_id = cls.stream_id(reference)
    try:
        return store.get(cls, stream_id, label=reference)
    except NotFoundError:
        import difflib

        known = _references(store, cls)
        near = difflib.get_close_matches(reference, known, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(near)}?" if near else ""
        raise NotFoundError(f"{reference} does not exist.{hint}") from None


def resolve(store: Store, reference: str) -> Any:
    """A learning item, action or measure by reference (the prefix says which)."""
    for cls, prefix in _PREFIX.items():
        if reference.upper().startswith(prefix + "-"):
            return find_reference(store, cls, reference)
    for cls in _PREFIX:
        try:
            return store.get(cls, cls.stream_id(reference), label=reference)
        except NotFoundError:
            continue
    raise NotFoundError(
        f"{reference} is not a learning item (LRN-…), action (ACT-…) or measure (MEA-…) reference"
    )


def cite_evidence(store: Store, evidence: Sequence[str]) -> list[str]:
    """The causation of a decision citing ``evidence`` (source record ids): the event id of each
    record's current version, so a later revision of the evidence shows against the decision."""
    causation = []
    for item in evidence:
        try:
            stream_id = UUID(item)
        except ValueError:
            raise RefusedError(
                f"evidence {item!r} is not a source record id (a UUID; `lif status` and the projections show them)"
            ) from None
        store.get(SourceRecord, stream_id, label=f"source record {item}")
        last = store.recorder.select_events(stream_id, desc=True, limit=1)[0]
        causation.append(str(store.decode(last).event_id))
    return causation
