"""Signed tree heads kept by witnesses: every tamper class is caught, and the first leaf named.

Each test writes a small log (4 actions: a raise and two progress reports each, in turn, so
streams interleave: 12 events), signs its head into a folder witness with a key the store never
sees, tampers with SQL as someone with database access could, and verifies against the witness.
Notification ids (both stores number from 1): action k (0-3) is raised at k + 1, and its two
reports at 4 + k + 1 and 8 + k + 1 (4 raises, then a round of 4 reports, then another).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lif_core.audit.heads import KeySigner, seal_head, stored_heads
from lif_core.audit.hooks import audit_plugins, hookimpl
from lif_core.audit.treecheck import FirstLeaf
from lif_core.audit.verify import verify
from lif_core.audit.witness import FileWitness, FolderWitness, open_witness
from lif_core.domain import Action
from lif_core.errors import StoreError
from lif_core.eventlog import log
from lif_core.eventlog.codec import chain_hash, split_state, stored_state
from lif_core.eventlog.log import events_table, notification_column
from lif_core.eventlog.store import Store

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def _signer() -> KeySigner:
    return KeySigner(KEY, "auditor-test")


def _log(store: Store) -> list[Action]:
    actions = [
        Action.raise_action(
            reference=f"ACT-2025-W{k:03d}",
            description="Refresh the escalation policy",
            owner_agency="LSCP",
            due=date(2025, 9, 30),
            raised_on=date(2025, 3, 1),
            actor="test:witness",
        )
        for k in range(4)
    ]
    for action in actions:
        store.save(action)
    for round_ in ("Draft agreed.", "Consulted on."):
        for action in actions:
            action.progress(round_, "amber", "test:witness")
            store.save(action)
    return actions


def _stream(action: Action) -> str:
    return str(action.id)


def _sealed(store: Store, tmp_path: Path) -> tuple[list[Action], FolderWitness]:
    actions = _log(store)
    witness = FolderWitness(tmp_path / "witness")
    witness.publish(seal_head(store, _signer()))
    return actions, witness


def _check(store: Store, witness: Any) -> tuple[bool, FirstLeaf | None, list[str]]:
    heads = [(witness.name, h) for h in witness.heads()]
    report = verify(store, None, heads, _signer().public_key().hex())
    assert report.tree is not None
    return (
        report.ok,
        report.tree.first,
        report.tree.problems + [c.what for c in report.tree.heads if not c.ok],
    )


def _where(store: Store, stream: str, version: int) -> str:
    value: Any = UUID(stream).hex if store.dialect == "sqlite" else UUID(stream)
    return f"originator_id = {'?'} AND originator_version = {version}", value  # type: ignore[return-value]


def _sql(store: Store, statement: str, params: tuple[Any, ...] = ()) -> None:
    with store.transaction() as tx:
        tx.execute(
            statement.replace("EVENTS", events_table(store)).replace(
                "NID", notification_column(store)
            ),
            params,
        )


def _state_at(store: Store, nid: int) -> tuple[str, int, str, bytes]:
    with store.read() as tx:
        [(n, stream, version, topic, state)] = log.rows_after(tx, store, nid - 1, 1)
    assert n == nid
    return stream, version, topic, state


def test_an_intact_log_extends_every_head_and_the_store_copy_is_kept(
    store: Store, tmp_path: Path
) -> None:
    actions, witness = _sealed(store, tmp_path)
    actions[0].progress("Closed off.", "green", "test:witness")
    store.save(actions[0])
    witness.publish(seal_head(store, _signer()))  # a second head, at 13 events
    ok, first, problems = _check(store, witness)
    assert (ok, first, problems) == (True, None, [])
    assert [h.tree_size for h in witness.heads()] == [12, 13]
    assert [h.tree_size for h in stored_heads(store)] == [12, 13]


def test_a_changed_event_is_named(store: Store, tmp_path: Path) -> None:
    actions, witness = _sealed(store, tmp_path)
    _, _, _, state = _state_at(store, 6)  # action 1's first report
    _sql(store, "UPDATE EVENTS SET state = ? WHERE NID = 6", (state.replace(b"Draft", b"Final"),))
    ok, first, _ = _check(store, witness)
    assert not ok and first is not None
    assert (first.notification_id, first.stream_id, first.version) == (6, _stream(actions[1]), 2)
    assert "altered" in first.what


def test_a_changed_event_with_its_hash_recomputed_is_named(store: Store, tmp_path: Path) -> None:
    _actions, witness = _sealed(store, tmp_path)
    _, _, _, prev = _state_at(store, 3)  # action 2, version 1
    stream, version, topic, state = _state_at(store, 7)  # action 2, version 2
    body, _ = split_state(state)
    forged = body.replace(b"Draft", b"Final")
    digest = chain_hash(split_state(prev)[1], stream, version, topic, forged)
    _sql(store, "UPDATE EVENTS SET state = ? WHERE NID = 7", (stored_state(forged, digest),))
    report = verify(store, None, [(witness.name, h) for h in witness.heads()])
    # The chain alone blames the next event of the stream (11: its predecessor's hash changed);
    # the tree names the event that was changed.
    assert [(p.notification_id, p.version) for p in report.problems] == [(11, 3)]
    assert report.tree is not None and report.tree.first is not None
    assert (report.tree.first.notification_id, report.tree.first.version) == (7, 2)
    assert not report.ok


def test_an_inserted_event_is_named(store: Store, tmp_path: Path) -> None:
    _actions, witness = _sealed(store, tmp_path)
    stream, _version, topic, state = _state_at(store, 12)
    copy = UUID(int=UUID(stream).int ^ 1)
    oid: Any = copy.hex if store.dialect == "sqlite" else copy
    _sql(
        store,
        "INSERT INTO EVENTS (originator_id, originator_version, topic, state) VALUES (?, 1, ?, ?)",
        (oid, topic, state),
    )
    ok, first, _ = _check(store, witness)
    assert not ok and first is not None
    assert (first.notification_id, first.stream_id, first.version) == (13, str(copy), 1)
    assert "inserted" in first.what


def test_swapped_events_are_named_at_the_first(store: Store, tmp_path: Path) -> None:
    actions, witness = _sealed(store, tmp_path)
    four, nine = _state_at(store, 4)[3], _state_at(store, 9)[3]
    _sql(store, "UPDATE EVENTS SET state = ? WHERE NID = 4", (nine,))
    _sql(store, "UPDATE EVENTS SET state = ? WHERE NID = 9", (four,))
    ok, first, _ = _check(store, witness)
    assert not ok and first is not None
    assert (first.notification_id, first.stream_id, first.version) == (4, _stream(actions[3]), 1)


@pytest.mark.parametrize(
    ("case", "deleted", "named"),
    [
        ("a middle event", "NID = 6", (6, 1, 2)),  # action 1, version 2
        ("the log's last event", "NID = 12", (12, 3, 3)),  # action 3, version 3
        ("a stream's last version", "NID = 10", (10, 1, 3)),  # action 1, version 3
        ("a whole stream", "originator_id = ?", (3, 2, 1)),  # action 2: 3, 7, 11
    ],
)
def test_a_deletion_is_named(
    store: Store, tmp_path: Path, case: str, deleted: str, named: tuple[int, int, int]
) -> None:
    actions, witness = _sealed(store, tmp_path)
    params: tuple[Any, ...] = ()
    if "originator_id" in deleted:
        params = (actions[2].id.hex if store.dialect == "sqlite" else actions[2].id,)
    _sql(store, f"DELETE FROM EVENTS WHERE {deleted}", params)
    ok, first, _problems = _check(store, witness)
    assert not ok and first is not None, case
    nid, action, version = named
    assert (first.notification_id, first.stream_id, first.version) == (
        nid,
        _stream(actions[action]),
        version,
    )
    assert "deleted" in first.what


def test_deleted_seal_rows_do_not_hide_a_deleted_event(store: Store, tmp_path: Path) -> None:
    _actions, witness = _sealed(store, tmp_path)
    _sql(store, "DELETE FROM EVENTS WHERE NID = 12")
    _sql(store, "DELETE FROM lif_tree_heads")
    _sql(store, "DELETE FROM lif_seals")
    assert stored_heads(store) == []
    ok, first, _ = _check(store, witness)
    assert not ok and first is not None and first.notification_id == 12


def test_a_rewritten_tree_and_seal_rows_are_caught_by_the_witness(
    store: Store, tmp_path: Path
) -> None:
    _actions, witness = _sealed(store, tmp_path)
    _sql(store, "DELETE FROM EVENTS WHERE NID = 5")
    # The attacker rebuilds the stored tree over the altered log and signs a head of their own.
    _sql(store, "DELETE FROM lif_merkle_state")
    _sql(store, "DELETE FROM lif_tree_heads")
    seal_head(store, KeySigner(Ed25519PrivateKey.generate(), "someone"))
    ok, _, problems = _check(store, witness)
    assert not ok
    assert any("rewritten too" in p for p in problems), problems


def test_a_forged_head_in_the_witness_fails(store: Store, tmp_path: Path) -> None:
    _, witness = _sealed(store, tmp_path)
    [path] = (tmp_path / "witness").glob("head-*.json")
    path.write_text(
        path.read_text()
        .replace('"tree_size":12', '"tree_size":11')
        .replace('"tree_size": 12', '"tree_size": 11')
    )
    ok, _, problems = _check(store, witness)
    assert not ok
    assert any("signature does not verify" in p for p in problems)


def test_an_append_after_the_last_event_was_deleted_is_refused(
    store: Store, tmp_path: Path
) -> None:
    actions, _ = _sealed(store, tmp_path)
    _sql(store, "DELETE FROM EVENTS WHERE NID = 12")
    actions[0].progress("After the deletion.", "green", "test:witness")
    if store.dialect == "sqlite":  # SQLite numbers the next event 12 again: below the tree's end
        with pytest.raises(StoreError, match="no longer ends where its Merkle tree does"):
            store.save(actions[0])
    else:  # PostgreSQL's sequence goes on: 13, after the tree's end; the audit names the gap
        store.save(actions[0])
        ok, first, _ = _check(store, FolderWitness(tmp_path / "witness"))
        assert not ok and first is not None and first.notification_id == 12


def test_a_file_witness_and_a_plugin_witness_keep_heads(store: Store, tmp_path: Path) -> None:
    _log(store)
    kept: list[Any] = []

    class Notary:
        name = "notary"

        def publish(self, head: Any) -> None:
            kept.append(head)

        def heads(self) -> list[Any]:
            return list(kept)

    class Plugin:
        @staticmethod
        @hookimpl
        def register_witnesses(register: Any) -> None:
            register("notary", lambda argument: Notary())

    from lif_core.audit import hooks

    hooks.add_plugin(Plugin())
    try:
        assert audit_plugins() is not None
        notary = open_witness("plugin:notary")
        jsonl = open_witness(str(tmp_path / "heads.jsonl"))
        assert isinstance(jsonl, FileWitness)
        head = seal_head(store, _signer())
        for w in (notary, jsonl):
            w.publish(head)
            assert _check(store, w)[0]
        _sql(store, "DELETE FROM EVENTS WHERE NID = 1")
        for w in (notary, jsonl):
            ok, first, _ = _check(store, w)
            assert not ok and first is not None and first.notification_id == 1
    finally:
        hooks._extra.clear()


def test_the_cli_signs_publishes_and_verifies_against_a_witness(
    store_url: str, tmp_path: Path
) -> None:
    from audit_history import done, lif_for

    lif = lif_for(store_url)
    with Store(store_url) as store:
        _log(store)
    key = tmp_path / "keys" / "signing.pem"
    key.parent.mkdir()
    public = done(lif("audit", "keygen", "--out", str(key), "--json"))
    public_key = __import__("json").loads(public.stdout)["public_key"]
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert lif("audit", "keygen", "--out", str(key)).exit_code == 1  # never overwritten
    witness = tmp_path / "witness"
    sealed = done(lif("audit", "seal", "--key", str(key), "--witness", str(witness)))
    assert "signed the tree head of 12 events" in sealed.stdout
    # Witnesses keep signed heads only: no key, no publishing.
    assert lif("audit", "seal", "--witness", str(witness)).exit_code == 1
    ok = done(lif("audit", "verify", "--against", str(witness), "--public-key", public_key))
    assert "extends all 1 signed head(s)" in ok.stdout
    with Store(store_url) as store:
        _sql(store, "DELETE FROM EVENTS WHERE NID = 8")
    bad = lif("audit", "verify", "--against", str(witness), "--public-key", public_key)
    assert bad.exit_code == 1
    assert "first differing leaf 7:" in bad.stderr
    assert "(notification 8): it is gone from the log: deleted" in bad.stderr
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw().hex()
    wrong_key = lif("audit", "verify", "--against", str(witness), "--public-key", other)
    assert "not the key given" in wrong_key.stderr
