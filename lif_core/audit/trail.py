"""The trail behind a learning item, action, measure or source record: every event, the evidence
under it (or, for a source record, the decisions that cite it), proven.

:func:`build_trail` reads what it needs from the store (the item's stream, the streams of the
source records its events cite, the first events of related items) and hands the stored rows
to :func:`assemble`, a pure function: a pack carries the same rows, so ``lif audit check-pack``
rebuilds the very same trail from proven bytes on a machine without the database.

Long because the trail's shape (the dataclasses a pack stores and rebuilds) sits beside the pure
assembly that fills it and the reads that gather its rows: one definition, read in one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from lif_core.audit.index import actions_against, locate_events, sync_event_ids
from lif_core.audit.verify import Seal, check_streams, latest_seal
from lif_core.audit.words import describe, rationale, valid_time
from lif_core.decisions import find_reference, resolve
from lif_core.domain import Action, Learning, Measure, SourceRecord
from lif_core.domain.base import LifAggregate, LifEvent
from lif_core.errors import NotFoundError
from lif_core.eventlog.log import StoredRow, read_streams
from lif_core.eventlog.store import Store
from lif_core.privacy.vault import DataKeys, sealed_key, sealed_values

__all__ = [
    "Evidence",
    "Integrity",
    "Provenance",
    "RecordVersion",
    "Related",
    "Trail",
    "TrailEvent",
    "TrailInput",
    "assemble",
    "build_trail",
    "find_item",
]

KINDS: dict[str, type[LifAggregate]] = {"learning": Learning, "action": Action, "measure": Measure}
_PREFIXES = {"LRN-": "learning", "ACT-": "action", "MEA-": "measure"}
_RAISED, _ADDED = "Action.Raised", "Action.LearningAdded"
_META = ("timestamp", "event_id", "actor", "causation", "correlation", "originator_topic")


@dataclass(frozen=True, slots=True)
class Integrity:
    """Whether an event's hash verifies in its chain, and whether a seal covers it."""

    intact: bool
    problems: tuple[str, ...]
    sealed: bool

    @property
    def words(self) -> str:
        chain = "hash verifies in its chain" if self.intact else "; ".join(self.problems)
        return f"{chain}; {'covered by the seal' if self.sealed else 'not covered by a seal'}"


@dataclass(frozen=True, slots=True)
class TrailEvent:
    """One event of the item, in order: what happened, when (both clocks), who, why, on what."""

    notification_id: int
    stream_id: str
    version: int
    event_id: str
    type: str
    summary: str
    recorded_at: str
    valid_time: str | None
    actor: str
    rationale: str | None
    correlation: str | None
    causation: tuple[str, ...]
    cites: tuple[str, ...]
    data: dict[str, Any]
    integrity: Integrity
    corrects: str | None = None
    corrected_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a source record version came from, stamped by the host at ingestion."""

    origin: str | None
    origin_sha256: str | None
    locator: dict[str, Any]
    plugin: str | None
    distribution: str | None
    plugin_version: str | None
    run_id: str | None
    actor: str


@dataclass(frozen=True, slots=True)
class RecordVersion:
    """One version of a cited stream (a source record, usually)."""

    event_id: str
    notification_id: int
    version: int
    type: str
    summary: str
    recorded_at: str
    valid_time: str | None
    attributes: dict[str, Any]
    changes: dict[str, Any] | None
    reason: str | None
    content_hash: str | None
    provenance: Provenance | None
    integrity: Integrity


@dataclass(frozen=True, slots=True)
class Evidence:
    """A cited event: the version a decision rested on, where it came from, what came after."""

    event_id: str
    status: str  # current | revised | withdrawn | event | missing
    note: str
    cited_by: tuple[str, ...]
    stream_id: str | None = None
    stream_type: str | None = None
    source: str | None = None
    record_kind: str | None = None
    record_key: str | None = None
    cited: RecordVersion | None = None
    later: tuple[RecordVersion, ...] = ()


@dataclass(frozen=True, slots=True)
class Related:
    """An item linked to this one: actions raised against a learning item, an action's learning."""

    relation: str
    reference: str
    stream_id: str
    found: bool
    summary: str = ""
    recorded_at: str | None = None
    actor: str | None = None
    integrity: Integrity | None = None


@dataclass(frozen=True, slots=True)
class Trail:
    """The whole history behind one item, with the integrity of every event shown."""

    reference: str
    kind: str
    stream_id: str
    generated_at: str
    seal: dict[str, Any] | None
    events: tuple[TrailEvent, ...]
    evidence: tuple[Evidence, ...]
    related: tuple[Related, ...]

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def problems(self) -> list[str]:
        """Every integrity problem shown anywhere in the trail, located."""
        found = [
            f"{e.type} v{e.version} (notification {e.notification_id}): {p}"
            for e in self.events
            for p in e.integrity.problems
        ]
        for ev in self.evidence:
            for version in (ev.cited, *ev.later):
                if version is not None:
                    found += [
                        f"cited {version.type} v{version.version} (notification {version.notification_id}): {p}"
                        for p in version.integrity.problems
                    ]
            if ev.status == "missing":
                found.append(f"cited event {ev.event_id}: {ev.note}")
        for rel in self.related:
            if rel.integrity is not None:
                found += [f"{rel.reference}: {p}" for p in rel.integrity.problems]
        return found

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(json.dumps(asdict(self)))
        data["intact"] = self.intact
        data["problems"] = self.problems
        return data


@dataclass(frozen=True, slots=True)
class TrailInput:
    """Everything :func:`assemble` needs: stored rows and where the index says cited events are."""

    reference: str
    kind: str
    stream_id: str
    generated_at: str
    rows: tuple[StoredRow, ...]
    cited_streams: dict[str, str] = field(default_factory=dict)
    related_streams: tuple[str, ...] = ()
    seal: Seal | None = None
    #: The data keys the rows' sealed values are under that were destroyed (name: when), so the
    #: trail says "erased" where it would say "sealed". Key states live beside the log, not in
    #: it; a pack carries them as they stood when it was made.
    erased: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "kind": self.kind,
            "stream_id": self.stream_id,
            "generated_at": self.generated_at,
            "rows": [r.to_dict() for r in self.rows],
            "cited_streams": dict(sorted(self.cited_streams.items())),
            "related_streams": list(self.related_streams),
            **({"erased": dict(sorted(self.erased.items()))} if self.erased else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], seal: Seal | None) -> TrailInput:
        return cls(
            reference=str(data["reference"]),
            kind=str(data["kind"]),
            stream_id=str(data["stream_id"]),
            generated_at=str(data["generated_at"]),
            rows=tuple(StoredRow.from_dict(r) for r in data["rows"]),
            cited_streams={str(k): str(v) for k, v in data["cited_streams"].items()},
            related_streams=tuple(str(s) for s in data["related_streams"]),
            seal=seal,
            erased={str(k): str(v) for k, v in (data.get("erased") or {}).items()},
        )


# --- reading the store ------------------------------------------------------------------------


def find_item(store: Store, reference: str) -> tuple[str, str]:
    """(kind, stream id) of a reference, without replaying it; a clear error with near matches.

    A reference is ``LRN-…``, ``ACT-…`` or ``MEA-…``, or a source record: ``SOURCE/KIND/KEY``
    (the key may itself hold slashes) or the record's id (the UUID decisions cite).
    """
    record = _source_record(store, reference)
    if record is not None:
        return "source-record", record
    kinds = [k for p, k in _PREFIXES.items() if reference.upper().startswith(p)] or list(KINDS)
    for kind in kinds:
        stream = KINDS[kind].stream_id(reference)
        if store.exists(stream):
            return kind, str(stream)
    if len(kinds) == 1:
        find_reference(store, KINDS[kinds[0]], reference)  # raises, naming near matches
    resolve(store, reference)  # raises: not a reference of any kind
    raise NotFoundError(f"{reference} does not exist")  # pragma: no cover - resolve raised


def _source_record(store: Store, reference: str) -> str | None:
    """The stream of the source record ``reference`` names (None: it names no source record)."""
    try:
        stream = UUID(reference)
    except ValueError:
        parts = reference.split("/", 2)
        if len(parts) != 3 or not all(p.strip() for p in parts):
            return None
        source, kind, key = parts
        stream = SourceRecord.record_id(source, kind, key)
        if not store.exists(stream):
            raise NotFoundError(
                f"no source record of the kind {kind!r} with the key {key!r} from the source "
                f"{source!r}: check the three parts (SOURCE/KIND/KEY, as the read tables show "
                "them), or give the record's id"
            ) from None
        return str(stream)
    first = store.recorder.select_events(stream, limit=1)
    if not first:
        raise NotFoundError(f"no stream {reference} in the log")
    if not first[0].topic.startswith(get_topic(SourceRecord) + "."):
        raise NotFoundError(
            f"{reference} is the id of a {first[0].topic.rsplit(':', 1)[-1].split('.')[0]} "
            "stream, not of a source record: give a learning item, action or measure by its "
            "reference (LRN-…, ACT-…, MEA-…)"
        )
    return str(stream)


def _decision_topics() -> list[str]:
    return [
        get_topic(value)
        for aggregate in KINDS.values()
        for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, LifEvent)
    ]


def _citing_streams(store: Store, event_ids: set[str]) -> list[str]:
    """The learning items, actions and measures with a decision citing one of ``event_ids``."""
    wanted = [e.encode() for e in event_ids]
    found: list[str] = []
    for notification in store.iter_notifications(topics=_decision_topics()):
        if not any(e in notification.state for e in wanted):  # most decisions cite none
            continue
        event = store.decode(notification)
        if {str(c) for c in (event.causation or ())} & event_ids:
            stream = str(event.originator_id)
            if stream not in found:
                found.append(stream)
    return found


def gather(store: Store, reference: str, seal: Seal | None = None) -> TrailInput:
    """Read from the store what the trail of ``reference`` rests on."""
    kind, stream_id = find_item(store, reference)
    sync_event_ids(store)
    item_rows = read_streams(store, [stream_id])
    item_data = [r.data() for r in item_rows]
    own_ids = {str(d.get("event_id")) for d in item_data}
    causes = {c for d in item_data for c in _causation(d)} - own_ids
    located = locate_events(store, causes)
    cited_streams = {event_id: where[1] for event_id, where in located.items()}
    related: list[str] = []
    if kind == "source-record":
        related = _citing_streams(store, own_ids)
        first = item_data[0] if item_data else {}
        reference = f"{first.get('source')}/{first.get('record_kind')}/{first.get('record_key')}"
    elif kind == "learning":
        related = actions_against(store, reference)
    elif kind == "action" and item_rows:
        related = [str(Learning.stream_id(n)) for n in _answered(item_rows, item_data)]
    cited_rows = read_streams(store, set(cited_streams.values()))
    cited_set = set(cited_streams.values())
    related_rows = _first_events(
        read_streams(store, set(related) - cited_set - {stream_id}), reference
    )
    rows = tuple(item_rows + cited_rows + related_rows)
    return TrailInput(
        reference=reference,
        kind=kind,
        stream_id=stream_id,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        rows=rows,
        cited_streams=cited_streams,
        related_streams=tuple(related),
        seal=seal if seal is not None else latest_seal(store),
        erased=_erased_keys(store, rows),
    )


def _answered(rows: Sequence[StoredRow], data: Sequence[dict[str, Any]]) -> list[str]:
    """The learning items an action's events say it answers: Raised's, then each LearningAdded."""
    names: list[str] = []
    for row, d in zip(rows, data, strict=True):
        if row.type in (_RAISED, _ADDED):
            name = d.get("learning_reference")
            if isinstance(name, str) and name and name not in names:
                names.append(name)
    return names


def _first_events(rows: Sequence[StoredRow], reference: str) -> list[StoredRow]:
    """Of each related stream, its first event, and for an action that answers ``reference``
    through a later LearningAdded, every event up to that one: the least that proves the link
    (whole from the first, as the hash chain is checked)."""
    upto: dict[str, int] = {}
    for r in rows:
        named = r.type == _ADDED and r.data().get("learning_reference") == reference
        if named and r.stream_id not in upto:
            upto[r.stream_id] = r.version
    return [r for r in rows if r.version <= upto.get(r.stream_id, 1)]


def _erased_keys(store: Store, rows: Iterable[StoredRow]) -> dict[str, str]:
    """Of the data keys the rows' sealed values are under, those destroyed, and when (no key
    is opened: whether a key was destroyed is read from the key table)."""
    names = {
        n
        for r in rows
        if not r.type.startswith("IngestionRun.")
        for value in sealed_values(r.data())
        if (n := sealed_key(value))
    }
    if not names:
        return {}
    states = DataKeys(store).states(names)
    return {name: str(at) for name, (gone, at, _) in states.items() if gone}


def build_trail(store: Store, reference: str, *, seal: Seal | None = None) -> Trail:
    """The trail of a learning item, action or measure (``LRN-…``, ``ACT-…``, ``MEA-…``), or of
    a source record (``SOURCE/KIND/KEY`` or its id)."""
    return assemble(gather(store, reference, seal))


# --- assembling (pure) ------------------------------------------------------------------------


@dataclass(slots=True)
class _Decoded:
    row: StoredRow
    data: dict[str, Any]
    integrity: Integrity

    @property
    def event_id(self) -> str:
        return str(self.data.get("event_id") or "")

    @property
    def recorded_at(self) -> str:
        return str(self.data.get("timestamp") or "")


def assemble(source: TrailInput) -> Trail:
    """The trail, from stored rows alone (deterministic: the same rows give the same trail)."""
    problems = check_streams(source.rows)
    last = source.seal.last_notification_id if source.seal else 0
    decoded: dict[int, _Decoded] = {}
    by_stream: dict[str, list[_Decoded]] = {}
    by_event: dict[str, _Decoded] = {}
    for row in sorted(source.rows, key=lambda r: (r.stream_id, r.version)):
        found = problems.get(row.notification_id, ())
        d = _Decoded(
            row, row.data(), Integrity(not found, tuple(found), 0 < row.notification_id <= last)
        )
        decoded[row.notification_id] = d
        by_stream.setdefault(row.stream_id, []).append(d)
        if d.event_id:
            by_event.setdefault(d.event_id, d)
    own = by_stream.get(source.stream_id, [])
    own_ids = {d.event_id for d in own}
    corrected_by: dict[str, list[str]] = {}
    for d in own:
        if d.row.type.endswith(".Corrected") and d.data.get("corrects"):
            corrected_by.setdefault(str(d.data["corrects"]), []).append(d.event_id)
    events = tuple(_event(d, own_ids, by_event, corrected_by, source.erased) for d in own)
    citing: dict[str, list[TrailEvent]] = {}
    for event in events:
        for cited in event.cites:
            citing.setdefault(cited, []).append(event)
    evidence = tuple(
        _evidence(event_id, citing[event_id], source, by_event, by_stream)
        for event_id in sorted(citing, key=lambda e: (citing[e][0].version, e))
    )
    related = tuple(_related(source, by_stream, own))
    return Trail(
        reference=source.reference,
        kind=source.kind,
        stream_id=source.stream_id,
        generated_at=source.generated_at,
        seal=asdict(source.seal) if source.seal else None,
        events=events,
        evidence=evidence,
        related=related,
    )


def _causation(data: dict[str, Any]) -> tuple[str, ...]:
    value = data.get("causation")
    return tuple(str(c) for c in value) if isinstance(value, list) else ()


def _event(
    d: _Decoded,
    own_ids: set[str],
    by_event: dict[str, _Decoded],
    corrected_by: dict[str, list[str]],
    erased: dict[str, str],
) -> TrailEvent:
    data = d.data
    causation = _causation(data)
    corrects = str(data["corrects"]) if d.row.type.endswith(".Corrected") else None
    target = by_event.get(corrects or "")
    label = f"version {target.row.version} ({target.row.type})" if target else ""
    return TrailEvent(
        notification_id=d.row.notification_id,
        stream_id=d.row.stream_id,
        version=d.row.version,
        event_id=d.event_id,
        type=d.row.type,
        summary=describe(d.row.type, data, label, erased),
        recorded_at=d.recorded_at,
        valid_time=valid_time(d.row.type, data),
        actor=str(data.get("actor") or ""),
        rationale=rationale(data, erased),
        correlation=None if data.get("correlation") is None else str(data["correlation"]),
        causation=causation,
        cites=tuple(c for c in causation if c not in own_ids),
        data={k: v for k, v in data.items() if k not in _META},
        integrity=d.integrity,
        corrects=corrects,
        corrected_by=tuple(corrected_by.get(d.event_id, ())),
    )


def _version(d: _Decoded, erased: dict[str, str]) -> RecordVersion:
    data = d.data
    prov = data.get("provenance")
    provenance = None
    if isinstance(prov, dict):
        locator = prov.get("locator")
        provenance = Provenance(
            origin=_opt(prov.get("origin")),
            origin_sha256=_opt(prov.get("origin_sha256")),
            locator=dict(locator) if isinstance(locator, dict) else {},
            plugin=_opt(prov.get("plugin")),
            distribution=_opt(prov.get("distribution")),
            plugin_version=_opt(prov.get("plugin_version")),
            run_id=_opt(prov.get("run_id")),
            actor=str(data.get("actor") or ""),
        )
    attributes = data.get("attributes")
    changes = data.get("changes")
    return RecordVersion(
        event_id=d.event_id,
        notification_id=d.row.notification_id,
        version=d.row.version,
        type=d.row.type,
        summary=describe(d.row.type, data, erased=erased),
        recorded_at=d.recorded_at,
        valid_time=valid_time(d.row.type, data),
        attributes=dict(attributes) if isinstance(attributes, dict) else {},
        changes=dict(changes) if isinstance(changes, dict) else None,
        reason=_opt(data.get("reason")),
        content_hash=_opt(data.get("content_hash")),
        provenance=provenance,
        integrity=d.integrity,
    )


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def _from(version: RecordVersion) -> str:
    prov = version.provenance
    if prov is None or not prov.origin:
        return ""
    where = ", ".join(f"{k} {v}" for k, v in sorted(prov.locator.items()))
    name = prov.origin.replace("\\", "/").rsplit("/", 1)[-1]
    return f" from {name}" + (f" ({where})" if where else "")


def _when(recorded_at: str, decisions: list[str]) -> str:
    """Where a later version falls against the decisions that cited the earlier one."""
    one = len(decisions) == 1
    if recorded_at > max(decisions):
        return "after the decision" if one else "after them"
    if recorded_at < min(decisions):
        return "before the decision" if one else "before them"
    return "between them"


def _evidence(
    event_id: str,
    citing: list[TrailEvent],
    source: TrailInput,
    by_event: dict[str, _Decoded],
    by_stream: dict[str, list[_Decoded]],
) -> Evidence:
    cited_by = tuple(e.event_id for e in citing)
    d = by_event.get(event_id)
    if d is None:
        stream = source.cited_streams.get(event_id)
        where = (
            f"the index last saw it in stream {stream}, which no longer holds it: it was deleted or altered"
            if stream
            else "no event with this id is in the log"
        )
        return Evidence(event_id, "missing", where, cited_by, stream_id=stream)
    stream_rows = by_stream.get(d.row.stream_id, [])
    later = tuple(_version(x, source.erased) for x in stream_rows if x.row.version > d.row.version)
    cited = _version(d, source.erased)
    is_record = d.row.stream_type == "SourceRecord"
    data = d.data
    if not is_record:
        status, note = "event", f"cites {d.row.type} v{d.row.version} of stream {d.row.stream_id}"
    else:
        total = stream_rows[-1].row.version if stream_rows else d.row.version
        who = "this decision" if len(citing) == 1 else f"these {len(citing)} decisions"
        note = f"{who} cited version {d.row.version} of {total}{_from(cited)}"
        status = "current"
        for v in later:
            when = _when(v.recorded_at, [e.recorded_at for e in citing])
            if v.type.endswith(".Withdrawn"):
                status = "withdrawn"
                note += f"; withdrawn on {v.recorded_at} ({when}): {v.reason}"
            else:
                status = "revised"
                note += f"; version {v.version} arrived on {v.recorded_at} ({when}){_from(v)}: {v.summary}"
        if not later:
            note += "; it is still the current version"
    return Evidence(
        event_id=event_id,
        status=status,
        note=note,
        cited_by=cited_by,
        stream_id=d.row.stream_id,
        stream_type=d.row.stream_type,
        source=_opt(data.get("source")) if is_record else None,
        record_kind=_opt(data.get("record_kind")) if is_record else None,
        record_key=_opt(data.get("record_key")) if is_record else None,
        cited=cited,
        later=later,
    )


def _related(
    source: TrailInput, by_stream: dict[str, list[_Decoded]], own: list[_Decoded]
) -> list[Related]:
    own_learning = {
        str(Learning.stream_id(name)): name
        for name in _answered([d.row for d in own], [d.data for d in own])
    }
    out = []
    for stream in source.related_streams:
        events = by_stream.get(stream, [])
        first = next((d for d in events if d.row.version == 1), None)
        if first is None:
            named = own_learning.get(stream, "") if source.kind == "action" else ""
            out.append(Related(_relation(source.kind), named, stream, False))
            continue
        data = first.data
        reference = str(data.get("reference") or "")
        if source.kind == "learning" and source.reference not in _answered(
            [d.row for d in events], [d.data for d in events]
        ):
            continue
        out.append(
            Related(
                relation=_relation(source.kind),
                reference=reference,
                stream_id=stream,
                found=True,
                summary=describe(first.row.type, data, erased=source.erased),
                recorded_at=first.recorded_at,
                actor=str(data.get("actor") or ""),
                integrity=first.integrity,
            )
        )
    return out


def _relation(kind: str) -> str:
    if kind == "source-record":
        return "an item whose decisions cite this record"
    return (
        "action that answers this learning item"
        if kind == "learning"
        else "the learning item this action answers"
    )
