"""Tamper evidence: recompute every stream's hash chain, and check the log against seals."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from lif_core.audit.heads import TreeHead
from lif_core.audit.treecheck import Leaves, TreeReport, check_tree
from lif_core.errors import VerificationError
from lif_core.eventlog.codec import (
    _END,
    _SPLICE,
    _SPLICE_AT,
    GENESIS,
    chain_hash,
    intact_hash,
    split_state,
)
from lif_core.eventlog.log import StoredRow, event_type, hash_lines, pages_by_stream, stream_text
from lif_core.eventlog.store import Store

__all__ = [
    "Problem",
    "Seal",
    "VerifyReport",
    "check_link",
    "check_streams",
    "latest_seal",
    "make_seal",
    "verify",
]


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
    tree: TreeReport | None = None

    @property
    def ok(self) -> bool:
        return (
            not self.problems and self.seal_problem is None and (self.tree is None or self.tree.ok)
        )

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
            "tree": self.tree.as_dict() if self.tree else None,
        }


def _stream_type(topic: str) -> str:
    return event_type(topic).split(".", 1)[0]


_NO_PROBLEM: tuple[str, ...] = ()


def check_link(
    prev_hash: str,
    prev_version: int,
    prev_nid: int,
    stream_id: str,
    version: int,
    topic: str,
    state: bytes,
    nid: int,
) -> tuple[tuple[str, ...], str]:
    """What is wrong with one event, given its stream's previous event; and the hash it carries.

    ``prev_version`` 0 (with :data:`GENESIS`) for the first event. No problems means the event
    is where it should be and its content matches its hash.
    """
    in_place = version == prev_version + 1
    if in_place and nid >= prev_nid:
        stored = intact_hash(prev_hash, stream_id, version, topic, state)
        if stored:
            return _NO_PROBLEM, stored
    body, stored = split_state(state)
    problems: list[str] = []
    if not in_place:
        missing = (
            f"version {prev_version + 1}"
            if version == prev_version + 2
            else f"versions {prev_version + 1}-{version - 1}"
        )
        problems.append(f"{missing} of this stream is missing: an event was deleted")
    if nid < prev_nid:
        problems.append(
            f"it comes before version {prev_version} in the log (notification {prev_nid}): events were reordered"
        )
    if not stored:
        problems.append("it carries no chain hash: it was not written by LIF (forged or inserted)")
    elif in_place and chain_hash(prev_hash, stream_id, version, topic, body) != stored:
        problems.append("its content does not match its hash: it was altered, swapped or forged")
    return tuple(problems), stored


def check_streams(rows: Sequence[StoredRow]) -> dict[int, tuple[str, ...]]:
    """Per notification id, what is wrong with that event in its stream (nothing: intact).

    ``rows`` must hold each stream whole from its first event (as
    :func:`~lif_core.eventlog.log.read_streams` gives them); the rules are :func:`check_link`'s.
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


def _digest(store: Store, stop: int) -> tuple[str, int, int]:
    """(digest, count, max id) over (notification id, hash) in log order up to ``stop``."""
    sha = hashlib.sha256()
    count = 0
    top = 0
    for nid, hash_ in hash_lines(store, stop):
        sha.update(f"{nid}:{hash_}\n".encode())
        count += 1
        top = nid
    return sha.hexdigest(), count, top


def verify(
    store: Store,
    seal: Seal | None = None,
    heads: Sequence[tuple[str, TreeHead]] = (),
    public_key: str | None = None,
) -> VerifyReport:
    """Recompute every chain and every Merkle leaf; compare the log with the tree kept with it
    and with signed heads ``(witness, head)`` (and a legacy seal); name the first leaf that
    differs (:func:`lif_core.audit.treecheck.check_tree`)."""
    report = VerifyReport(seal=seal)
    leaves = Leaves(store.max_notification_id())
    add_leaf, buffer, present = leaves.add, leaves.buffer, leaves.present
    top, sha256 = leaves.top, hashlib.sha256
    splice, splice_at, end = _SPLICE, _SPLICE_AT, _END
    raw_stream: Any = None
    stream = ""
    prev_hash, prev_version, prev_nid = GENESIS, 0, 0
    events = streams = 0
    for rows in pages_by_stream(store):
        events += len(rows)
        for raw_oid, version, topic, state, nid in rows:
            if raw_oid != raw_stream:
                raw_stream, text = raw_oid, stream_text(raw_oid)
                if text != stream:
                    stream = text
                    prev_hash, prev_version, prev_nid = GENESIS, 0, 0
                    streams += 1
            if type(state) is not bytes:
                state = state.encode() if isinstance(state, str) else bytes(state)
            # check_link's intact case (codec.intact_hash), inline: it runs once per event of
            # the whole log. Both databases give the version and notification id as ints.
            if version == prev_version + 1 and nid >= prev_nid:
                cut = state.rfind(splice)
                if cut >= 0 and state.endswith(end):
                    stored = state[cut + splice_at : -2].decode("ascii", "replace")
                    sha = sha256(f"{prev_hash}|{stream}|{version}|{topic}|".encode())
                    sha.update(state[:cut])
                    sha.update(b"}")
                    if stored and sha.hexdigest() == stored:
                        if 0 < nid <= top:  # Leaves.add, inline
                            buffer[32 * nid - 32 : 32 * nid] = sha256(
                                f"\x00{nid}:{stored}".encode()
                            ).digest()
                            present[nid] = 1
                        else:
                            add_leaf(nid, stored)
                        prev_hash, prev_version, prev_nid = stored, version, nid
                        continue
            version, nid = int(version), int(nid)
            problems, stored = check_link(
                prev_hash, prev_version, prev_nid, stream, version, topic, state, nid
            )
            # The leaf of what this content hashes to (not of the hash it carries).
            add_leaf(nid, chain_hash(prev_hash, stream, version, topic, split_state(state)[0]))
            for what in problems:
                report.problems.append(Problem(nid, stream, _stream_type(topic), version, what))
            prev_hash, prev_version, prev_nid = stored or prev_hash, version, nid
    report.events, report.streams = events, streams
    report.tree = check_tree(store, leaves, heads, public_key)
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
