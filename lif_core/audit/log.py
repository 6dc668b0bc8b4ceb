"""Stored events as the audit reads them: exact bytes, plain decoding, and each one's chain check.

Everything an auditor is shown is decoded from the stored bytes without the domain classes or
any plugin installed (dates, UUIDs and decimals as text), so a pack can be re-checked on a
machine that has only ``lif`` itself.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from lif_core.audit.verify import check_link, stream_text
from lif_core.eventlog.codec import GENESIS, split_state
from lif_core.eventlog.store import Store

__all__ = [
    "StoredRow",
    "check_streams",
    "plain_decode",
    "read_streams",
    "stream_param",
]

_PAGE = 500


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One stored event exactly as the database holds it."""

    notification_id: int
    stream_id: str
    version: int
    topic: str
    state: bytes

    @property
    def type(self) -> str:
        """``Learning.Accepted`` for ``lif_core.domain.learning:Learning.Accepted``."""
        return self.topic.split(":", 1)[-1]

    @property
    def stream_type(self) -> str:
        return self.type.split(".", 1)[0]

    @property
    def stored_hash(self) -> str:
        return split_state(self.state)[1]

    def data(self) -> dict[str, Any]:
        """The event's fields as plain JSON values (the chain hash left out)."""
        body, _ = split_state(self.state)
        try:
            decoded = plain_decode(body)
        except ValueError as exc:
            return {"_unreadable": f"the stored bytes are not valid JSON: {exc}"}
        return decoded if isinstance(decoded, dict) else {"_unreadable": "not a JSON object"}

    def to_dict(self) -> dict[str, Any]:
        return {
            "notification_id": self.notification_id,
            "stream_id": self.stream_id,
            "version": self.version,
            "topic": self.topic,
            "state_b64": base64.b64encode(self.state).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredRow:
        return cls(
            int(data["notification_id"]),
            str(data["stream_id"]),
            int(data["version"]),
            str(data["topic"]),
            base64.b64decode(data["state_b64"], validate=True),
        )


def _plain_object(obj: dict[str, Any]) -> Any:
    if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
        kind, data = obj["_type_"], obj["_data_"]
        if kind == "uuid_hex":
            return str(UUID(hex=data))
        if kind == "pydantic" and isinstance(data, dict):
            return data.get("data")
        return data  # dates, datetimes and decimals are stored as their ISO / decimal text
    return obj


def plain_decode(body: bytes) -> Any:
    """JSON as the LIF transcoder wrote it, with its typed values turned into plain text."""
    return json.loads(body.decode("utf-8"), object_hook=_plain_object)


def stream_param(store: Store, stream_id: str | UUID) -> Any:
    """A stream id as the events table holds it (32 hex digits on SQLite, a UUID on PostgreSQL)."""
    value = stream_id if isinstance(stream_id, UUID) else UUID(str(stream_id))
    return value.hex if store.dialect == "sqlite" else value


def read_streams(store: Store, stream_ids: Iterable[str]) -> list[StoredRow]:
    """Every stored event of these streams, in stream and version order (one query per 500)."""
    wanted = sorted({str(UUID(str(s))) for s in stream_ids})
    rows: list[StoredRow] = []
    table, nid = store.events_table, store.id_column
    for start in range(0, len(wanted), _PAGE):
        part = [stream_param(store, s) for s in wanted[start : start + _PAGE]]
        marks = ",".join("?" * len(part))
        with store.read() as tx:
            found = tx.execute(
                f"SELECT {nid}, originator_id, originator_version, topic, state FROM {table} "
                f"WHERE originator_id IN ({marks}) ORDER BY originator_id, originator_version",
                part,
            ).fetchall()
        for n, oid, version, topic, state in found:
            raw = state.encode() if isinstance(state, str) else bytes(state)
            rows.append(StoredRow(int(n), stream_text(oid), int(version), str(topic), raw))
    return rows


def check_streams(rows: Sequence[StoredRow]) -> dict[int, tuple[str, ...]]:
    """Per notification id, what is wrong with that event in its stream (nothing: intact).

    ``rows`` must hold each stream whole from its first event (as :func:`read_streams` gives
    them); the rules are those of ``lif audit verify`` (:func:`lif_core.audit.verify.check_link`).
    """
    by_stream: dict[str, list[StoredRow]] = {}
    for row in rows:
        by_stream.setdefault(row.stream_id, []).append(row)
    found: dict[int, tuple[str, ...]] = {}
    for stream_rows in by_stream.values():
        prev_hash, prev_version, prev_nid = GENESIS, 0, 0
        for row in sorted(stream_rows, key=lambda r: r.version):
            problems, stored = check_link(
                prev_hash,
                prev_version,
                prev_nid,
                row.stream_id,
                row.version,
                row.topic,
                row.state,
                row.notification_id,
            )
            found[row.notification_id] = problems
            prev_hash, prev_version, prev_nid = (
                stored or prev_hash,
                row.version,
                row.notification_id,
            )
    return found
