"""Inclusion and consistency proofs against signed heads: small, and checked with no database."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lif_core.audit.heads import KeySigner, seal_head
from lif_core.audit.inclusion import (
    check_consistency,
    check_inclusion,
    prove_consistency,
    prove_inclusion,
)
from lif_core.domain import Action
from lif_core.errors import RefusedError
from lif_core.eventlog import log
from lif_core.eventlog.store import Store

SIGNER = KeySigner(Ed25519PrivateKey.from_private_bytes(bytes(32)), "auditor-test")
KEY = SIGNER.public_key().hex()


def _action(k: int) -> Action:
    return Action.raise_action(
        reference=f"ACT-2025-P{k:03d}",
        description="Refresh the escalation policy",
        owner_agency="LSCP",
        due=date(2025, 9, 30),
        raised_on=date(2025, 3, 1),
        actor="test:proofs",
    )


def _event_ids(store: Store) -> dict[int, str]:
    with store.read() as tx:
        rows = log.rows_after(tx, store, 0, 1000)
    return {r[0]: log.StoredRow(*r).data()["event_id"] for r in rows}


def _failed(report: Any) -> list[str]:
    return [c.name for c in report.checks if not c.ok]


def test_an_event_is_proven_against_a_head_in_a_few_hashes(store: Store) -> None:
    for k in range(70):
        store.save(_action(k))
    head = seal_head(store, SIGNER)
    ids = _event_ids(store)
    proof = prove_inclusion(store, ids[42])
    assert proof["leaf_index"] == 41 and proof["head"]["tree_size"] == 70
    # 70 leaves: the path to leaf 41 has 7 hashes (ceil(log2 70) = 7; 41 is in the full 64-leaf
    # left subtree: 6 steps inside it, and the 6-leaf right subtree's root).
    assert len(proof["inclusion"]) == 7
    assert check_inclusion(proof, head, KEY).ok
    # Round trip through JSON, as an auditor receives it.
    again = json.loads(json.dumps(proof))
    assert check_inclusion(again).ok

    forged = json.loads(json.dumps(proof))
    state = base64.b64decode(forged["event"]["state_b64"]).replace(b"LSCP", b"NHSE")
    forged["event"]["state_b64"] = base64.b64encode(state).decode()
    forged["decoded"]["owner_agency"] = "NHSE"
    assert _failed(check_inclusion(forged)) == ["content matches its hash"]
    moved = {**proof, "leaf_index": 40}
    assert _failed(check_inclusion(moved)) == ["in the signed tree"]
    other = KeySigner(Ed25519PrivateKey.generate(), "someone").public_key().hex()
    assert _failed(check_inclusion(proof, None, other)) == ["head: signing key"]
    bent = {**proof, "head": {**proof["head"], "root_hash": "0" * 64}}
    assert "head: signature" in _failed(check_inclusion(bent))


def test_an_event_newer_than_the_head_is_refused(store: Store) -> None:
    store.save(_action(0))
    seal_head(store, SIGNER)
    store.save(_action(1))
    with pytest.raises(RefusedError, match="no signed tree head covers it yet"):
        prove_inclusion(store, _event_ids(store)[2])


def test_the_newer_log_is_proven_to_extend_the_older(store: Store) -> None:
    for k in range(5):
        store.save(_action(k))
    old = seal_head(store, SIGNER)
    for k in range(5, 13):
        store.save(_action(k))
    new = seal_head(store, SIGNER)
    proof = prove_consistency(store, old)
    assert (proof["old"]["tree_size"], proof["new"]["tree_size"]) == (5, 13)
    assert check_consistency(json.loads(json.dumps(proof)), KEY).ok
    assert prove_consistency(store, new, old)["old"]["tree_size"] == 5  # either order
    swapped = {**proof, "consistency": list(reversed(proof["consistency"]))}
    assert _failed(check_consistency(swapped)) == ["the new log extends the old"]


def test_a_gap_in_notification_ids_does_not_misplace_a_leaf(pg_url: str) -> None:
    with Store(pg_url) as store:
        store.save(_action(0))
        with pytest.raises(RuntimeError), store.transaction() as tx:  # takes number 2, rolled back
            log.append(store, tx, _action(1).collect_events())
            raise RuntimeError("rolled back")
        store.save(_action(2))
        seal_head(store, SIGNER)
        ids = _event_ids(store)
        assert sorted(ids) == [1, 3]
        proof = prove_inclusion(store, ids[3])
    assert proof["leaf_index"] == 1
    assert check_inclusion(proof).ok


def test_the_cli_proves_and_checks_with_no_store(store_url: str, tmp_path: Path) -> None:
    from audit_history import done, lif_for

    with Store(store_url) as store:
        for k in range(3):
            store.save(_action(k))
        ids = _event_ids(store)
    key = tmp_path / "key.pem"
    key.write_text("00" * 32)
    lif = lif_for(store_url)
    done(lif("audit", "seal", "--key", str(key), "--out", str(tmp_path / "head-3.json")))
    done(lif("audit", "prove", ids[2], "--out", str(tmp_path / "proof.json")))
    with Store(store_url) as store:
        store.save(_action(9))
    done(lif("audit", "seal", "--key", str(key), "--out", str(tmp_path / "head-4.json")))
    done(
        lif(
            "audit", "consistency", str(tmp_path / "head-3.json"), "--out", str(tmp_path / "c.json")
        )
    )
    nowhere = lif_for("postgresql://nobody@127.0.0.1:1/nothing")
    checked = done(
        nowhere("audit", "check-proof", str(tmp_path / "proof.json"), "--public-key", KEY)
    )
    assert "proven" in checked.stdout
    assert "proven" in done(nowhere("audit", "check-proof", str(tmp_path / "c.json"))).stdout
    assert json.loads((tmp_path / "proof.json").read_text())["leaf_index"] == 1
    kept_elsewhere = nowhere(
        "audit",
        "check-proof",
        str(tmp_path / "proof.json"),
        "--head",
        str(tmp_path / "head-4.json"),
    )
    assert kept_elsewhere.exit_code == 1 and "kept head" in kept_elsewhere.stdout


def test_a_pack_carries_the_signed_head_and_inclusion_proofs(store: Store, tmp_path: Path) -> None:
    from lif_core.audit.pack import check_pack, write_pack

    actions = [_action(k) for k in range(40)]
    for action in actions:
        store.save(action)
    actions[7].progress("Draft agreed.", "amber", "test:proofs")
    store.save(actions[7])
    head = seal_head(store, SIGNER)
    summary = write_pack(store, "ACT-2025-P007", tmp_path / "pack", actor="test:proofs")
    pack = tmp_path / "pack"
    assert summary["head"]["tree_size"] == 41
    assert (pack / "head.json").is_file() and not (pack / "hash-list.txt").exists()
    doc = json.loads((pack / "inclusion.json").read_text())
    # Action 7's two events: raised 8th (notification 8), reported last (41).
    assert [e["notification_id"] for e in doc["leaves"]] == [8, 41]
    assert check_pack(pack, kept_head=head, public_key=KEY).ok
    other = KeySigner(Ed25519PrivateKey.generate(), "someone").public_key().hex()
    assert _failed(check_pack(pack, public_key=other)) == ["head: signing key"]
    # A path changed, even with the manifest recomputed, is caught.
    doc["leaves"][0]["path"][0] = "00" * 32
    (pack / "inclusion.json").write_text(json.dumps(doc))
    assert "in the signed tree" in _failed(check_pack(pack))
    # A signed pack without its audit paths is a named failed check, not "No such file".
    (pack / "inclusion.json").unlink()
    missing = check_pack(pack)
    assert _failed(missing)[-1] == "inclusion.json"
    assert missing.checks[-1].detail.startswith("missing from the pack")
