"""The event envelope: one event of the log as the JSON message the relay publishes.

The shape is documented (with this JSON Schema) in docs/kafka.md; a test keeps the two equal
and validates every envelope the relay publishes against it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from eventsourcing.persistence import Notification

from lif_core.domain import STREAM_TYPES
from lif_core.eventlog.codec import LifTranscoder, plain, plain_decode
from lif_core.eventlog.store import Store

__all__ = ["ENVELOPE_SCHEMA", "ENVELOPE_VERSION", "encode_envelopes", "envelope_of", "stream_key"]

ENVELOPE_VERSION = 1

# Fields of a stored event that the envelope carries under its own names, not in ``data``.
_ENVELOPE_FIELDS = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "event_id",
        "actor",
        "causation",
        "correlation",
        "hash",
        "valid_from",
        "valid_to",
        "_lif_body",
    }
)

_UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_DAY_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _day(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "anyOf": [{"type": "string", "pattern": _DAY_PATTERN}, {"type": "null"}],
    }


ENVELOPE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:lif:kafka:event-envelope:1",
    "title": "LIF event envelope, version 1",
    "description": "One event of the LIF event log, as the relay publishes it to Kafka.",
    "type": "object",
    "required": [
        "envelope_version",
        "notification_id",
        "event_id",
        "stream_type",
        "stream_id",
        "version",
        "type",
        "recorded_at",
        "actor",
        "causation",
        "correlation",
        "data",
        "hash",
    ],
    "additionalProperties": False,
    "properties": {
        "envelope_version": {
            "description": "The version of this envelope's shape.",
            "const": ENVELOPE_VERSION,
        },
        "notification_id": {
            "description": "Position in the log's one global order (increasing, may have gaps).",
            "type": "integer",
            "minimum": 1,
        },
        "event_id": {
            "description": "The event's own id; a redelivered event carries the same one.",
            "type": "string",
            "pattern": _UUID_PATTERN,
        },
        "stream_type": {
            "description": "The kind of stream (aggregate) the event belongs to.",
            "enum": list(STREAM_TYPES),
        },
        "stream_id": {
            "description": "The stream's id; also the message key.",
            "type": "string",
            "pattern": _UUID_PATTERN,
        },
        "version": {
            "description": "The event's position in its stream, from 1, without gaps.",
            "type": "integer",
            "minimum": 1,
        },
        "type": {
            "description": "Stream type and event name, e.g. SourceRecord.Recorded.",
            "type": "string",
            "pattern": "^[A-Za-z]+\\.[A-Za-z]+$",
        },
        "recorded_at": {
            "description": "Recorded (transaction) time, ISO 8601 with offset.",
            "type": "string",
            "format": "date-time",
        },
        "valid_from": _day("Valid time: first day the fact is about (events that have one)."),
        "valid_to": _day("Valid time: last day of the period, or null for a single day."),
        "actor": {
            "description": "A person at the command line (cli:NAME) or signed in to the web view (web:{iss, sub, name, role, agency} as JSON), plugin:NAME@VERSION or policy:NAME.",
            "type": "string",
            "minLength": 1,
        },
        "causation": {
            "description": "Ids of the events that led to this one.",
            "type": "array",
            "items": {"type": "string"},
        },
        "correlation": {
            "description": "The run or command the event belongs to.",
            "type": ["string", "null"],
        },
        "data": {
            "description": "The event's own fields (dates, ids and decimals as strings).",
            "type": "object",
        },
        "hash": {
            "description": "The event's chain hash (lif audit verify recomputes it).",
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
        },
    },
}


_ENCODER = json.JSONEncoder(
    default=plain, ensure_ascii=False, separators=(",", ":"), check_circular=False
)


def _text(value: Any) -> Any:
    """A stored date, date-time or UUID as envelope text (already text on the direct path)."""
    if value is None or isinstance(value, str):
        return value
    return plain(value)


def _from_state(notification: Notification, state: Mapping[str, Any]) -> dict[str, Any]:
    type_name = notification.topic.rpartition(":")[2]
    out: dict[str, Any] = {
        "envelope_version": ENVELOPE_VERSION,
        "notification_id": notification.id,
        "event_id": _text(state["event_id"]),
        "stream_type": type_name.partition(".")[0],
        "stream_id": str(notification.originator_id),
        "version": notification.originator_version,
        "type": type_name,
        "recorded_at": _text(state["timestamp"]),
    }
    for name in ("valid_from", "valid_to"):
        if name in state:
            out[name] = _text(state[name])
    out["actor"] = state["actor"]
    out["causation"] = [str(c) for c in state["causation"]]
    out["correlation"] = state["correlation"]
    out["data"] = {k: v for k, v in state.items() if k not in _ENVELOPE_FIELDS}
    out["hash"] = state["hash"]
    return out


def envelope_of(notification: Notification, event: Any) -> dict[str, Any]:
    """The envelope of one stored event (``event`` is ``store.decode(notification)``)."""
    return _from_state(notification, vars(event))


def _direct(store: Store) -> bool:
    """Whether stored states are the codec's JSON as it is (no cipher, no compression), so
    that :func:`~lif_core.eventlog.codec.plain_decode` reads them without the domain classes."""
    mapper = store.app.mapper
    return (
        mapper.cipher is None
        and mapper.compressor is None
        and isinstance(mapper.transcoder, LifTranscoder)
    )


def stream_key(notification: Notification) -> bytes:
    """The message key: the stream id, so a stream's events share a partition and keep order."""
    return str(notification.originator_id).encode()


def encode_envelopes(store: Store, notifications: Sequence[Notification]) -> list[bytes]:
    """Encode a page of the log as envelopes, UTF-8 JSON (the same bytes as :func:`envelope_of`
    of each decoded event would give)."""
    encode = _ENCODER.encode
    direct = _direct(store)
    out = []
    for n in notifications:
        state = plain_decode(n.state) if direct else vars(store.decode(n))
        out.append(encode(_from_state(n, state)).encode())
    return out
