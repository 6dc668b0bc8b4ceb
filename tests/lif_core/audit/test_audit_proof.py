"""Proving one event against a kept seal, and checking the proof offline: a hash list, all of it."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest
from audit_history import REFERENCE, History, done, lif_for

from lif_core.audit.proof import check_proof, make_proof
from lif_core.audit.verify import Seal
from lif_core.domain import Learning
from lif_core.errors import NotFoundError, RefusedError
from lif_core.eventlog.log import events_table, hash_lines, notification_column

# check-proof must not open a store: this one does not exist.
NO_STORE = "postgresql://nobody@127.0.0.1:1/nothing"


def _stored(history: History, version: int) -> tuple[int, bytes]:
    with history.store() as store, store.read() as tx:
        param = Learning.stream_id(REFERENCE)
        row = tx.execute(
            f"SELECT {notification_column(store)}, state FROM {events_table(store)} "
            "WHERE originator_id = ? AND originator_version = ?",
            (param.hex if store.dialect == "sqlite" else param, version),
        ).fetchone()
    assert row is not None
    state = row[1]
    return int(row[0]), state.encode() if isinstance(state, str) else bytes(state)


def _hash_of(state: bytes) -> str:
    return state[-66:-2].decode()


def test_a_proof_carries_the_event_bytes_its_chain_and_the_sealed_hash_list(
    history: History,
) -> None:
    accepted = history.events["accepted"]["event_id"]
    with history.store() as store:
        proof = make_proof(store, accepted)
        lines = list(hash_lines(store, store.max_notification_id()))
    assert history.seal is not None
    nid, state = _stored(history, 3)
    assert proof["format"] == "lif-proof/1"
    assert "hash_list" in proof["about"]
    assert proof["event"] == {
        "event_id": accepted,
        "notification_id": nid,
        "stream_id": str(Learning.stream_id(REFERENCE)),
        "version": 3,
        "topic": "lif_core.domain.learning:Learning.Accepted",
        "state_b64": base64.b64encode(state).decode(),
    }
    assert proof["decoded"]["event_id"] == accepted
    assert proof["decoded"]["rationale"] == "Referrals rose in 2024."
    assert [(c["version"], c["notification_id"], c["hash"]) for c in proof["chain"]] == [
        (v, _stored(history, v)[0], _hash_of(_stored(history, v)[1])) for v in (1, 2)
    ]
    assert proof["seal"] == asdict(history.seal)
    assert proof["hash_list"] == [f"{n}:{h}" for n, h in lines]
    text = "".join(f"{line}\n" for line in proof["hash_list"])
    assert hashlib.sha256(text.encode()).hexdigest() == history.seal.digest
    assert len(proof["hash_list"]) == history.seal.event_count


def test_a_proof_checks_with_nothing_but_itself(history: History) -> None:
    with history.store() as store:
        proof = make_proof(store, history.events["accepted"]["event_id"])
    report = check_proof(json.loads(json.dumps(proof)), history.seal)
    assert report.ok, report.to_dict()
    assert [c.name for c in report.checks] == [
        "hash list reproduces the seal",
        "event id",
        "decoded view",
        "chain before the event",
        "version 1 in the sealed hash list",
        "version 2 in the sealed hash list",
        "event v3: content matches its hash",
        "event v3: in the sealed hash list",
        "event v3: predecessor in the sealed hash list",
        "kept seal",
    ]


def _failed(proof: dict[str, Any], kept: Seal | None = None) -> list[str]:
    report = check_proof(proof, kept)
    assert not report.ok
    return [c.name for c in report.checks if not c.ok]


def test_a_changed_byte_a_changed_hash_or_a_missing_link_fails_the_proof(
    history: History,
) -> None:
    with history.store() as store:
        proof = make_proof(store, history.events["accepted"]["event_id"])
    state = base64.b64decode(proof["event"]["state_b64"])
    forged = dict(proof, event=dict(proof["event"]))
    forged["event"]["state_b64"] = base64.b64encode(
        state.replace(b"Referrals rose", b"Referrals fell")
    ).decode()
    assert _failed(forged) == ["decoded view", "event v3: content matches its hash"]

    lines = list(proof["hash_list"])
    lines[0] = lines[0][:-1] + ("0" if lines[0][-1] != "0" else "1")
    failed = _failed(dict(proof, hash_list=lines))
    assert failed[0] == "hash list reproduces the seal"

    failed = _failed(dict(proof, chain=proof["chain"][:-1]))
    assert "chain before the event" in failed and "event v3: content matches its hash" in failed

    assert _failed({"format": "something else"}) == ["format"]


def test_a_proof_is_compared_with_the_seal_kept_outside(history: History) -> None:
    assert history.seal is not None
    with history.store() as store:
        proof = make_proof(store, history.events["accepted"]["event_id"])
    # An older kept seal: the first lines of the list must reproduce it.
    prefix = proof["hash_list"][:10]
    last = int(prefix[-1].split(":")[0])
    older = replace(
        history.seal,
        seal_id="kept-in-the-annual-report",
        last_notification_id=last,
        event_count=10,
        digest=hashlib.sha256("".join(f"{x}\n" for x in prefix).encode()).hexdigest(),
    )
    nid = proof["event"]["notification_id"]
    report = check_proof(proof, older)
    assert [c.name for c in report.checks if not c.ok] == (
        [] if nid <= last else ["covered by the kept seal"]
    )
    forged = replace(history.seal, digest="0" * 64)
    assert _failed(proof, forged) == ["kept seal"]
    newer = replace(history.seal, last_notification_id=history.seal.last_notification_id + 5)
    assert _failed(proof, newer) == ["kept seal"]


def test_prove_refuses_what_it_cannot_prove(history: History) -> None:
    assert history.seal is not None
    with history.store() as store:
        with pytest.raises(RefusedError, match="is not an event id"):
            make_proof(store, "not-an-id")
        with pytest.raises(NotFoundError, match="no event 00000000-0000-4000-8000-000000000000"):
            make_proof(store, "00000000-0000-4000-8000-000000000000")
        early = replace(history.seal, last_notification_id=1, event_count=1)
        with pytest.raises(RefusedError, match="is newer than seal"):
            make_proof(store, history.events["accepted"]["event_id"], early)


def test_lif_audit_prove_and_check_proof(history: History, tmp_path: Path) -> None:
    accepted = history.events["accepted"]["event_id"]
    out = tmp_path / "proof.json"
    result = done(history.lif("audit", "prove", accepted, "--out", str(out)))
    assert f"event {accepted}: Learning.Accepted v3 of stream" in result.stdout
    assert (
        "a hash list, not a Merkle proof" in result.stdout and "the proof checks" in result.stdout
    )
    saved = json.loads(out.read_text())
    as_json = json.loads(done(history.lif("audit", "prove", accepted, "--json")).stdout)
    assert as_json == saved

    offline = lif_for(NO_STORE)
    seal_file = tmp_path / "seal.json"
    assert history.seal is not None
    seal_file.write_text(history.seal.to_json())
    result = done(offline("audit", "check-proof", str(out), "--seal", str(seal_file)))
    assert "proven" in result.stdout and "✓ kept seal" in result.stdout
    report = json.loads(done(offline("audit", "check-proof", str(out), "--json")).stdout)
    assert report["ok"] is True and all(c["ok"] for c in report["checks"])

    saved["event"]["state_b64"] = base64.b64encode(
        base64.b64decode(saved["event"]["state_b64"]).replace(b"rose", b"fell")
    ).decode()
    out.write_text(json.dumps(saved))
    result = offline("audit", "check-proof", str(out))
    assert result.exit_code == 1
    assert "✗ event v3: content matches its hash" in result.stdout
    assert "NOT proven" in result.stderr
    result = offline("audit", "check-proof", str(tmp_path / "missing.json"))
    assert result.exit_code == 1 and "cannot read the proof" in result.stderr
