"""The event envelope: one event of the log as the JSON message the relay publishes.

The shape is documented (with this JSON Schema) in docs/kafka.md; a test keeps the two equal
and validates every envelope the relay publishes against it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from pydantic import BaseModel

from lif_core.domain import STREAM_TYPES
from lif_core.store import Store

__all__ = ["ENVELOPE_SCHEMA", "ENVELOPE_VERSION", "encode_envelopes", "envelope", "stream_key"]

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
            "description": "A person, plugin:NAME@VERSION or policy:NAME.",
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


def _plain(value: Any) -> Any:
    """JSON for the values events hold besides the JSON types (the transcoder's own types)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"an event holds a {type(value).__name__}, which has no JSON form")


_ENCODER = json.JSONEncoder(
    default=_plain, ensure_ascii=False, separators=(",", ":"), check_circular=False
)


def envelope(notification: Notification, event: Any) -> dict[str, Any]:
    """The envelope of one stored event (``event`` is ``store.decode(notification)``)."""
    state = vars(event)
    type_name = notification.topic.rpartition(":")[2]
    out: dict[str, Any] = {
        "envelope_version": ENVELOPE_VERSION,
        "notification_id": notification.id,
        "event_id": str(state["event_id"]),
        "stream_type": type_name.partition(".")[0],
        "stream_id": str(notification.originator_id),
        "version": notification.originator_version,
        "type": type_name,
        "recorded_at": state["timestamp"].isoformat(),
    }
    for name in ("valid_from", "valid_to"):
        if name in state:
            value = state[name]
            out[name] = None if value is None else value.isoformat()
    out["actor"] = state["actor"]
    out["causation"] = [str(c) for c in state["causation"]]
    out["correlation"] = state["correlation"]
    out["data"] = {k: v for k, v in state.items() if k not in _ENVELOPE_FIELDS}
    out["hash"] = state["hash"]
    return out


def stream_key(notification: Notification) -> bytes:
    """The message key: the stream id, so a stream's events share a partition and keep order."""
    return str(notification.originator_id).encode()


def encode_envelopes(store: Store, notifications: Sequence[Notification]) -> list[bytes]:
    """Decode a page of the log and encode each event's envelope as UTF-8 JSON."""
    encode = _ENCODER.encode
    return [encode(envelope(n, store.decode(n))).encode() for n in notifications]
