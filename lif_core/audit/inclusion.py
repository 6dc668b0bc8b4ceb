"""Proofs of logarithmic size against signed tree heads, made from the store and checked without it.

- **Inclusion** (``lif-inclusion/1``, :func:`prove_inclusion`): one event's stored bytes, its
  stream predecessor's chain hash, its leaf index and the audit path to a signed head's root
  (about 20 hashes for a million events). :func:`check_inclusion` recomputes the event's chain
  hash from its bytes, the leaf ``SHA-256(0x00 || "<notification id>:<chain hash>")`` and the
  root from the path (RFC 9162 section 2.1.3.2), and checks the head's signature.
- **Consistency** (``lif-consistency/1``, :func:`prove_consistency`): two signed heads and the
  hashes that show the newer tree extends the older one: nothing the older head signed was
  removed, changed or reordered (RFC 9162 section 2.1.4.2; :func:`check_consistency`).

The checks use the proof alone (and, if given, the head or public key the auditor kept).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from lif_core.audit.heads import TreeHead, read_head, stored_heads
from lif_core.audit.index import locate_events, sync_event_ids
from lif_core.audit.proof import ProofReport, check_readable
from lif_core.errors import NotFoundError, RefusedError, VerificationError
from lif_core.eventlog import tree
from lif_core.eventlog.codec import GENESIS, chain_hash, split_state
from lif_core.eventlog.log import StoredRow, read_streams
from lif_core.eventlog.merkle import (
    consistency_proof,
    event_leaf,
    inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from lif_core.eventlog.store import Store

__all__ = [
    "CONSISTENCY",
    "INCLUSION",
    "check_consistency",
    "check_inclusion",
    "head_checks",
    "kept_head_check",
    "latest_head",
    "prove_consistency",
    "prove_inclusion",
]

INCLUSION = "lif-inclusion/1"
CONSISTENCY = "lif-consistency/1"
INCLUSION_ABOUT = (
    "Proof that one event is in the LIF event log a signed tree head covers. Check it with "
    "`lif audit check-proof FILE [--head KEPT_HEAD] [--public-key KEY]`, or by hand: "
    "(1) the head's Ed25519 signature over 'lif-tree-head/1\\n<tree_size>\\n<root_hash>\\n"
    "<timestamp>\\n<signer>\\n' verifies with public_key (and that is the key you expect); "
    '(2) body = the stored bytes (state_b64) with their last field, "hash", removed; '
    "sha256('<prev_hash>|<stream_id>|<version>|<topic>|' + body) equals that hash; "
    "(3) leaf = sha256(0x00 || '<notification_id>:<hash>'); "
    "(4) the audit path takes leaf at leaf_index to root_hash (RFC 9162 section 2.1.3.2)."
)
CONSISTENCY_ABOUT = (
    "Proof that the LIF event log under the new head extends the log under the old head: "
    "nothing the old head signed was removed, changed or reordered. Check it with "
    "`lif audit check-proof FILE`, or by RFC 9162 section 2.1.4.2 with both heads' roots; "
    "check both heads' signatures as for an inclusion proof."
)


def latest_head(store: Store, covering: int = 0) -> TreeHead:
    """The store's newest kept head over more than ``covering`` leaves."""
    heads = [h for h in stored_heads(store) if h.tree_size > covering]
    if not heads:
        raise RefusedError(
            "no signed tree head covers it yet: run `lif audit seal --key KEY` (then prove again), "
            "or give --head with a head a witness kept"
        )
    return heads[-1]


def _event(store: Store, event_id: str) -> StoredRow:
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
    rows = [r for r in read_streams(store, [stream]) if r.version in (version - 1, version)]
    row = next((r for r in rows if r.version == version), None)
    if row is None or row.data().get("event_id") != wanted or row.notification_id != nid:
        raise VerificationError(
            f"event {wanted} is no longer at notification {nid} (version {version} of stream "
            f"{stream}): it was deleted or altered; run `lif audit verify`"
        )
    return row


def prove_inclusion(store: Store, event_id: str, head: TreeHead | None = None) -> dict[str, Any]:
    """An inclusion proof of one event against ``head`` (default: the newest kept head)."""
    row = _event(store, event_id)
    prev = next(
        (r for r in read_streams(store, [row.stream_id]) if r.version == row.version - 1), None
    )
    prev_hash = GENESIS if prev is None else prev.stored_hash
    with store.read() as tx:
        state = tree.load(tx)
        if state is None:
            raise RefusedError("the store keeps no Merkle tree yet: run `lif audit seal` first")
        index = tree.leaf_index_of(tx, row.notification_id, state.size)
        if index is None:
            raise VerificationError(
                f"notification {row.notification_id} is not a leaf of the tree: it was written "
                "around LIF; run `lif audit verify`"
            )
        head = head or latest_head(store, index)
        if head.tree_size <= index:
            raise RefusedError(
                f"the event is leaf {index}, beyond the head of {head.tree_size} events: "
                "run `lif audit seal`, then prove again"
            )
        path = inclusion_proof(tree.StoredNodes(tx), index, head.tree_size)
    proof = {
        "format": INCLUSION,
        "about": INCLUSION_ABOUT,
        "event": {"event_id": str(UUID(event_id)), **row.to_dict()},
        "decoded": row.data(),
        "prev_hash": prev_hash,
        "leaf_index": index,
        "head": head.model_dump(),
        "inclusion": [h.hex() for h in path],
    }
    if not check_inclusion(proof).ok:
        raise VerificationError(
            f"the log as stored does not prove event {event_id} under the head of "
            f"{head.tree_size} events: the event or the tree was changed; run "
            "`lif audit verify --against WITNESS`"
        )
    return proof


def head_checks(report: ProofReport, head: TreeHead, label: str, public_key: str | None) -> None:
    report.add(
        f"{label}: signature",
        head.signature_ok(),
        f"{head.label()}, key {head.public_key}"
        + ("" if head.signature_ok() else ": the signature does not verify"),
    )
    if public_key is not None:
        same = head.public_key == public_key
        report.add(
            f"{label}: signing key",
            same,
            "the key you gave" if same else f"signed by {head.public_key}, not the key you gave",
        )


def kept_head_check(report: ProofReport, head: TreeHead, kept: TreeHead | None) -> None:
    """The head in hand is the one the auditor kept (a witness's)."""
    if kept is None:
        return
    same = (kept.tree_size, kept.root_hash) == (head.tree_size, head.root_hash)
    report.add(
        "kept head",
        same,
        f"the proof's head is the one you kept ({kept.tree_size} events, root {kept.root_hash[:16]}…)"
        if same
        else f"you kept a head of {kept.tree_size} events (root {kept.root_hash[:16]}…); the proof is "
        f"against {head.tree_size} (root {head.root_hash[:16]}…): prove against yours with --head, "
        "or check `lif audit consistency` between them",
    )


def check_inclusion(
    proof: Mapping[str, Any], kept: TreeHead | None = None, public_key: str | None = None
) -> ProofReport:
    """Check an inclusion proof with nothing but the proof (and a kept head or key)."""
    report = ProofReport()
    try:
        head = read_head(_json(proof["head"]), "the proof's head")
        row = StoredRow.from_dict(proof["event"])
        claimed = str(proof["event"]["event_id"])
        prev_hash = str(proof["prev_hash"])
        index = int(proof["leaf_index"])
        path = [bytes.fromhex(str(h)) for h in proof["inclusion"]]
    except (KeyError, TypeError, ValueError, VerificationError) as exc:
        report.add("format", False, f"the proof is incomplete or malformed: {exc}")
        return report
    head_checks(report, head, "head", public_key)
    check_readable(report, row, claimed, proof.get("decoded"))
    body, stored = split_state(row.state)
    computed = chain_hash(prev_hash, row.stream_id, row.version, row.topic, body)
    report.add(
        "content matches its hash",
        bool(stored) and computed == stored,
        f"recomputed {computed}, stored {stored or '(none)'}",
    )
    leaf = event_leaf(row.notification_id, stored)
    included = verify_inclusion(leaf, index, head.tree_size, path, head.root)
    report.add(
        "in the signed tree",
        included,
        f"leaf {index} (notification {row.notification_id}) and {len(path)} path hashes "
        + (
            f"give the head's root {head.root_hash[:16]}…"
            if included
            else "do not give the head's root: the event or the proof was changed"
        ),
    )
    kept_head_check(report, head, kept)
    return report


def prove_consistency(store: Store, old: TreeHead, new: TreeHead | None = None) -> dict[str, Any]:
    """Proof that ``new`` (default: the newest kept head) extends ``old``, from the stored tree."""
    new = new or latest_head(store)
    if old.tree_size > new.tree_size:
        old, new = new, old
    if old.tree_size < 1:
        raise RefusedError("the older head is of an empty log: there is nothing to prove")
    with store.read() as tx:
        hashes = consistency_proof(tree.StoredNodes(tx), old.tree_size, new.tree_size)
    proof = {
        "format": CONSISTENCY,
        "about": CONSISTENCY_ABOUT,
        "old": old.model_dump(),
        "new": new.model_dump(),
        "consistency": [h.hex() for h in hashes],
    }
    if not check_consistency(proof).ok:
        raise VerificationError(
            f"the stored tree does not show the head of {new.tree_size} events extending the head "
            f"of {old.tree_size}: the log or its tree was changed; run "
            "`lif audit verify --against WITNESS`"
        )
    return proof


def check_consistency(proof: Mapping[str, Any], public_key: str | None = None) -> ProofReport:
    report = ProofReport()
    try:
        old = read_head(_json(proof["old"]), "the proof's old head")
        new = read_head(_json(proof["new"]), "the proof's new head")
        hashes = [bytes.fromhex(str(h)) for h in proof["consistency"]]
    except (KeyError, TypeError, ValueError, VerificationError) as exc:
        report.add("format", False, f"the proof is incomplete or malformed: {exc}")
        return report
    head_checks(report, old, "old head", public_key)
    head_checks(report, new, "new head", public_key)
    ok = verify_consistency(old.tree_size, new.tree_size, old.root, new.root, hashes)
    report.add(
        "the new log extends the old",
        ok,
        f"{len(hashes)} hashes take the root of {old.tree_size} events to the root of "
        f"{new.tree_size}"
        + ("" if ok else ": they do not; something the old head signed was changed or removed"),
    )
    return report


def _json(value: Any) -> str:
    return json.dumps(value)
