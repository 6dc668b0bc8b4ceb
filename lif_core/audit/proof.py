"""Proving one event against a kept seal, and checking such a proof offline (no database).

A seal's digest is sha256 over the lines ``"<notification id>:<hash>\\n"`` of every event up
to the seal, in log order (:func:`lif_core.eventlog.log.hash_lines`). That is a *hash list*, not a
Merkle tree: proving that an event is included means handing over every line of the list
(about 72 bytes per sealed event, hashes only — no content), so the checker can recompute the
digest. It is still a complete proof: sha256 cannot be steered to give the same digest for a
different list, so a list that reproduces the kept digest *is* the sealed list, and an event
whose stored bytes hash (with its stream predecessor's hash) to a line of it is exactly the
event that was sealed. A Merkle proof would be smaller (logarithmic) but needs seals that commit
to a tree root; the seals already kept and published commit to the list, so the list it is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from uuid import UUID

from lif_core.audit.index import locate_events, sync_event_ids
from lif_core.audit.verify import Seal, latest_seal
from lif_core.errors import NotFoundError, RefusedError, VerificationError
from lif_core.eventlog.codec import GENESIS, chain_hash, split_state
from lif_core.eventlog.log import StoredRow, hash_lines, read_streams
from lif_core.eventlog.store import Store

__all__ = [
    "FORMAT",
    "Check",
    "ProofReport",
    "check_hash_list",
    "check_kept_seal",
    "check_proof",
    "check_readable",
    "hash_list_text",
    "make_proof",
    "parse_hash_list",
]

FORMAT = "lif-proof/1"
ABOUT = (
    "Proof that one event of a LIF event log is exactly as it was when the seal was made. "
    "Check it with `lif audit check-proof FILE [--seal KEPT_SEAL]`, or by hand: "
    "(1) sha256 of the hash_list lines, each followed by a newline, equals seal.digest; "
    "(2) sha256(prev_hash|stream_id|version|topic|body) equals the event's hash, where body is "
    'the stored bytes (state_b64) with their last field, "hash", removed and prev_hash is '
    "the last hash in chain (64 zeros for version 1); "
    "(3) 'notification_id:hash' of the event and of each chain entry is a line of hash_list; "
    "(4) seal.digest equals the digest of a seal you kept outside the system."
)


@dataclass(frozen=True, slots=True)
class Check:
    """One thing checked, whether it held, and what was found."""

    name: str
    ok: bool
    detail: str


@dataclass(slots=True)
class ProofReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [asdict(c) for c in self.checks]}


def hash_list_text(lines: Iterable[tuple[int, str]]) -> str:
    """The exact text a seal's digest is over."""
    return "".join(f"{nid}:{hash_}\n" for nid, hash_ in lines)


def parse_hash_list(lines: Sequence[str]) -> dict[int, str]:
    """``["12:ab…", …]`` -> {12: "ab…"}; refuses a list out of order or malformed."""
    found: dict[int, str] = {}
    last = 0
    for number, line in enumerate(lines, 1):
        nid_text, sep, hash_ = line.partition(":")
        if not sep or not nid_text.isdigit() or int(nid_text) <= last:
            raise VerificationError(
                f"line {number} of the hash list ({line[:80]!r}) is not 'notification_id:hash' in increasing order"
            )
        last = int(nid_text)
        found[last] = hash_
    return found


def check_hash_list(report: ProofReport, lines: Sequence[str], seal: Seal) -> dict[int, str]:
    """The list reproduces the seal's digest and count; returns it as {notification id: hash}."""
    digest = hashlib.sha256("".join(f"{line}\n" for line in lines).encode()).hexdigest()
    try:
        listed = parse_hash_list(lines)
    except VerificationError as exc:
        report.add("hash list", False, str(exc))
        return {}
    within = not listed or max(listed) <= seal.last_notification_id
    ok = digest == seal.digest and len(lines) == seal.event_count and within
    report.add(
        "hash list reproduces the seal",
        ok,
        f"{len(lines)} lines, sha256 {digest}; the seal says {seal.event_count} events up to notification "
        f"{seal.last_notification_id}, digest {seal.digest}"
        + ("" if ok else ": they differ, so this is not the sealed log"),
    )
    return listed if ok else {}


def check_kept_seal(
    report: ProofReport, lines: Sequence[str], seal: Seal, kept: Seal, newest: int
) -> None:
    """The seal in hand agrees with one kept outside the system (equal, or a prefix of it)."""
    if kept.last_notification_id > seal.last_notification_id:
        report.add(
            "kept seal",
            False,
            f"the kept seal {kept.seal_id} covers up to notification {kept.last_notification_id}, "
            f"beyond this proof's seal ({seal.last_notification_id}); make the proof with --seal and the kept seal",
        )
        return
    prefix = [line for line in lines if int(line.partition(":")[0]) <= kept.last_notification_id]
    digest = hashlib.sha256("".join(f"{line}\n" for line in prefix).encode()).hexdigest()
    ok = digest == kept.digest and len(prefix) == kept.event_count
    detail = (
        f"the first {len(prefix)} lines reproduce the kept seal {kept.seal_id} (digest {kept.digest})"
        if ok
        else f"the hash list does not reproduce the kept seal {kept.seal_id}: the log or this file was changed"
    )
    report.add("kept seal", ok, detail)
    if ok and newest > kept.last_notification_id:
        report.add(
            "covered by the kept seal",
            False,
            f"notification {newest} is newer than the kept seal (up to {kept.last_notification_id}): "
            "it is proven against a later seal only",
        )


def _check_row(
    report: ProofReport,
    row: StoredRow,
    prev: tuple[int, str] | None,
    listed: Mapping[int, str],
    label: str,
) -> None:
    """One event's link to its predecessor recomputes, and both are lines of the sealed list."""
    body, stored = split_state(row.state)
    prev_hash = GENESIS if prev is None else prev[1]
    computed = chain_hash(prev_hash, row.stream_id, row.version, row.topic, body)
    ok = bool(stored) and computed == stored
    report.add(
        f"{label}: content matches its hash",
        ok,
        f"recomputed {computed}, stored {stored or '(none)'}"
        + ("" if ok else ": the content was altered, or the chain entry before it is wrong"),
    )
    included = listed.get(row.notification_id) == stored and bool(stored)
    report.add(
        f"{label}: in the sealed hash list",
        included,
        f"notification {row.notification_id}"
        + (" is a line of the list" if included else " with this hash is not a line of the list"),
    )
    if prev is not None:
        prev_in = listed.get(prev[0]) == prev[1]
        report.add(
            f"{label}: predecessor in the sealed hash list",
            prev_in,
            f"notification {prev[0]}" + (" is a line" if prev_in else " is not a line of the list"),
        )


def check_readable(report: ProofReport, row: StoredRow, claimed: str, copy: Any) -> None:
    """The stored bytes carry the event id a proof names, and its readable copy is theirs."""
    decoded = row.data()
    report.add(
        "event id",
        decoded.get("event_id") == claimed,
        f"the stored bytes carry event id {decoded.get('event_id')}; the proof names {claimed}",
    )
    report.add(
        "decoded view",
        decoded == copy,
        "the readable copy is what the stored bytes say"
        if decoded == copy
        else "the readable copy in the proof differs from the stored bytes: trust the bytes",
    )


def make_proof(store: Store, event_id: str, seal: Seal | None = None) -> dict[str, Any]:
    """Everything needed to check one event against a seal without the database."""
    try:
        wanted = str(UUID(event_id))
    except ValueError:
        raise RefusedError(f"{event_id!r} is not an event id (a UUID)") from None
    sync_event_ids(store)
    where = locate_events(store, [wanted]).get(wanted)
    if where is None:
        raise NotFoundError(
            f"no event {wanted} in the log; `lif audit trail REF` lists the event ids of an item"
        )
    nid, stream, version = where
    seal = seal or latest_seal(store)
    if seal is None:
        raise RefusedError("no seal has been recorded yet: run `lif audit seal` first")
    if nid > seal.last_notification_id:
        raise RefusedError(
            f"event {wanted} (notification {nid}) is newer than seal {seal.seal_id} "
            f"(up to notification {seal.last_notification_id}): run `lif audit seal`, then prove again"
        )
    rows = [r for r in read_streams(store, [stream]) if r.version <= version]
    row = next((r for r in rows if r.version == version), None)
    if row is None or row.data().get("event_id") != wanted:
        raise VerificationError(
            f"event {wanted} is no longer at notification {nid} (version {version} of stream {stream}): "
            "it was deleted or altered; run `lif audit verify`"
        )
    chain = [
        {"version": r.version, "notification_id": r.notification_id, "hash": r.stored_hash}
        for r in rows
        if r.version < version
    ]
    lines = hash_list_text(hash_lines(store, seal.last_notification_id)).splitlines()
    return {
        "format": FORMAT,
        "about": ABOUT,
        "event": {"event_id": wanted, **row.to_dict()},
        "decoded": row.data(),
        "chain": chain,
        "seal": asdict(seal),
        "hash_list": lines,
    }


def check_proof(proof: Mapping[str, Any], kept: Seal | None = None) -> ProofReport:
    """Check a proof made by :func:`make_proof` with nothing but the proof (and a kept seal)."""
    report = ProofReport()
    if proof.get("format") != FORMAT:
        report.add(
            "format", False, f"not a LIF proof (format {proof.get('format')!r}, expected {FORMAT})"
        )
        return report
    try:
        seal = Seal.from_json(json.dumps(proof["seal"]))
        row = StoredRow.from_dict(proof["event"])
        chain = [
            (int(c["version"]), int(c["notification_id"]), str(c["hash"])) for c in proof["chain"]
        ]
        lines = [str(line) for line in proof["hash_list"]]
        claimed = str(proof["event"]["event_id"])
    except (KeyError, TypeError, ValueError, VerificationError) as exc:
        report.add("format", False, f"the proof is incomplete or malformed: {exc}")
        return report
    listed = check_hash_list(report, lines, seal)
    check_readable(report, row, claimed, proof.get("decoded"))
    versions = [v for v, _, _ in chain]
    nids = [n for _, n, _ in chain] + [row.notification_id]
    in_order = versions == list(range(1, row.version)) and nids == sorted(set(nids))
    report.add(
        "chain before the event",
        in_order,
        f"versions 1 to {row.version - 1} of stream {row.stream_id}, in log order"
        if in_order
        else f"the chain entries are not versions 1 to {row.version - 1} in log order",
    )
    for version, nid, hash_ in chain:
        ok = listed.get(nid) == hash_
        report.add(
            f"version {version} in the sealed hash list",
            ok,
            f"notification {nid}" + (" is a line" if ok else " with this hash is not a line"),
        )
    _check_row(
        report,
        row,
        (chain[-1][1], chain[-1][2]) if chain else None,
        listed,
        f"event v{row.version}",
    )
    if kept is not None:
        check_kept_seal(report, lines, seal, kept, row.notification_id)
    return report
