"""Tamper evidence: recompute every stream's hash chain, and check the log against seals."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from lif_core.domain.base import GENESIS, chain_hash, split_state
from lif_core.errors import VerificationError
from lif_core.store import Store

__all__ = ["Problem", "Seal", "VerifyReport", "latest_seal", "make_seal", "verify"]

PAGE = 5000


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the log, located."""

    notification_id: int
    stream_id: str
    stream_type: str
    version: int
    what: str

    def __str__(self) -> str:
        return f"{self.stream_type} {self.stream_id} version {self.version} (notification {self.notification_id}): {self.what}"


@dataclass(frozen=True, slots=True)
class Seal:
    """A chain head kept at a point in time: everything up to ``last_notification_id``."""

    seal_id: str
    created_at: str
    actor: str
    last_notification_id: int
    event_count: int
    digest: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> Seal:
        try:
            data = json.loads(text)
            return cls(**{k: data[k] for k in cls.__dataclass_fields__})
        except (ValueError, KeyError, TypeError) as exc:
            raise VerificationError(f"not a LIF seal: {exc}") from exc


@dataclass(slots=True)
class VerifyReport:
    events: int = 0
    streams: int = 0
    problems: list[Problem] = field(default_factory=list)
    seal: Seal | None = None
    seal_problem: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.seal_problem is None

    @property
    def first(self) -> Problem | None:
        return min(self.problems, key=lambda p: p.notification_id) if self.problems else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "streams": self.streams,
            "first_problem": asdict(self.first) if self.first else None,
            "problems": [asdict(p) for p in sorted(self.problems, key=lambda p: p.notification_id)],
            "seal": asdict(self.seal) if self.seal else None,
            "seal_problem": self.seal_problem,
        }


def _stream_type(topic: str) -> str:
    return topic.split(":", 1)[-1].split(".", 1)[0]


def _rows_by_stream(store: Store) -> Iterator[tuple[str, int, str, bytes, int]]:
    """(stream id, version, topic, state, notification id) in stream order, paged by keyset."""
    table, nid = store.events_table, store.id_column
    last: tuple[Any, int] | None = None
    while True:
        with store.read() as tx:
            if last is None:
                tx.execute(
                    f"SELECT originator_id, originator_version, topic, state, {nid} FROM {table} ORDER BY originator_id, originator_version LIMIT ?",
                    (PAGE,),
                )
            else:
                tx.execute(
                    f"SELECT originator_id, originator_version, topic, state, {nid} FROM {table} "
                    "WHERE originator_id > ? OR (originator_id = ? AND originator_version > ?) "
                    "ORDER BY originator_id, originator_version LIMIT ?",
                    (last[0], last[0], last[1], PAGE),
                )
            rows = tx.fetchall()
        if not rows:
            return
        for oid, version, topic, state, notification_id in rows:
            yield (
                str(UUID(str(oid))) if not isinstance(oid, UUID) else str(oid),
                int(version),
                topic,
                state.encode() if isinstance(state, str) else bytes(state),
                int(notification_id),
            )
        last = (rows[-1][0], int(rows[-1][1]))


def _digest(store: Store, stop: int) -> tuple[str, int, int]:
    """(digest, count, max id) over (notification id, hash) in log order up to ``stop``."""
    sha = hashlib.sha256()
    count = 0
    top = 0
    for n in store.iter_notifications(1, stop=stop, page=PAGE):
        sha.update(f"{n.id}:{split_state(n.state)[1]}\n".encode())
        count += 1
        top = n.id
    return sha.hexdigest(), count, top


def verify(store: Store, seal: Seal | None = None) -> VerifyReport:
    """Recompute every chain; with a seal, also prove nothing sealed was removed, added or reordered."""
    report = VerifyReport(seal=seal)
    stream: str | None = None
    prev_hash, prev_version, prev_nid = GENESIS, 0, 0
    for oid, version, topic, state, nid in _rows_by_stream(store):
        report.events += 1
        if oid != stream:
            stream, prev_hash, prev_version, prev_nid = oid, GENESIS, 0, 0
            report.streams += 1
        kind = _stream_type(topic)

        def problem(
            what: str, _oid: str = oid, _v: int = version, _n: int = nid, _k: str = kind
        ) -> None:
            report.problems.append(Problem(_n, _oid, _k, _v, what))

        if version != prev_version + 1:
            missing = (
                f"version {prev_version + 1}"
                if version == prev_version + 2
                else f"versions {prev_version + 1}-{version - 1}"
            )
            problem(f"{missing} of this stream is missing: an event was deleted")
        if nid < prev_nid:
            problem(
                f"it comes before version {prev_version} in the log (notification {prev_nid}): events were reordered"
            )
        body, stored = split_state(state)
        if not stored:
            problem("it carries no chain hash: it was not written by LIF (forged or inserted)")
        elif (
            version == prev_version + 1
            and chain_hash(prev_hash, oid, version, topic, body) != stored
        ):
            problem("its content does not match its hash: it was altered, swapped or forged")
        prev_hash, prev_version, prev_nid = stored or prev_hash, version, nid
    if seal is not None:
        digest, count, top = _digest(store, seal.last_notification_id)
        if top < seal.last_notification_id and count < seal.event_count:
            report.seal_problem = (
                f"the seal {seal.seal_id} covers events up to notification {seal.last_notification_id} "
                f"({seal.event_count} events) but the log now ends at {top} with {count}: sealed events were deleted"
            )
        elif count != seal.event_count:
            report.seal_problem = f"the seal {seal.seal_id} covers {seal.event_count} events; the log now has {count} in that range: events were deleted or inserted"
        elif digest != seal.digest:
            report.seal_problem = f"the log up to notification {seal.last_notification_id} no longer matches seal {seal.seal_id}: events were altered, inserted or reordered"
    return report


def make_seal(store: Store, actor: str) -> Seal:
    """Record a seal of the whole log as it is now, and return it (keep a copy outside)."""
    top = store.max_notification_id()
    digest, count, _ = _digest(store, top)
    seal = Seal(
        str(uuid4()), datetime.now(UTC).isoformat(timespec="seconds"), actor, top, count, digest
    )
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO lif_seals (seal_id, created_at, actor, last_notification_id, event_count, digest) VALUES (?, ?, ?, ?, ?, ?)",
            (
                seal.seal_id,
                seal.created_at,
                seal.actor,
                seal.last_notification_id,
                seal.event_count,
                seal.digest,
            ),
        )
    return seal


def latest_seal(store: Store) -> Seal | None:
    with store.read() as tx:
        row = tx.execute(
            "SELECT seal_id, created_at, actor, last_notification_id, event_count, digest FROM lif_seals ORDER BY last_notification_id DESC, created_at DESC LIMIT 1"
        ).fetchone()
    return Seal(*row) if row else None
