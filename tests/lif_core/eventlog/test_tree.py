"""The Merkle tree is kept with the log, in the same transaction, on both stores."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from lif_core.domain import Action
from lif_core.eventlog import log, merkle, tree
from lif_core.eventlog.store import Store


def _naive_root(lines: list[bytes]) -> bytes:
    """RFC 9162's MTH, recursively, over leaf data (independent of lif_core.eventlog.merkle)."""
    if not lines:
        return hashlib.sha256(b"").digest()
    if len(lines) == 1:
        return hashlib.sha256(b"\x00" + lines[0]).digest()
    k = 1
    while k * 2 < len(lines):
        k *= 2
    return hashlib.sha256(b"\x01" + _naive_root(lines[:k]) + _naive_root(lines[k:])).digest()


def _lines(store: Store) -> list[bytes]:
    return [f"{n}:{h}".encode() for n, h in log.hash_lines(store, 2**62)]


def _state(store: Store) -> tree.TreeState:
    with store.read() as tx:
        state = tree.load(tx)
    assert state is not None
    return state


def _actions(n: int, start: int = 0) -> list[Action]:
    return [
        Action.raise_action(
            reference=f"ACT-2025-T{i:05d}",
            description="Add the child's view to the conference template",
            owner_agency="Children's Social Care",
            due=date(2025, 9, 30),
            raised_on=date(2025, 3, 1),
            actor="test:tree",
        )
        for i in range(start, start + n)
    ]


def test_every_append_keeps_the_tree_in_step_with_the_log(store: Store) -> None:
    batch = _actions(70)
    with store.transaction() as tx:  # a batch through the log's append
        log.append(store, tx, [e for a in batch for e in a.collect_events()])
    for action in batch[:5]:  # single decisions through store.save
        action.progress("Draft agreed.", "amber", "test:tree")
        store.save(action)
    store.save(*_actions(3, start=100))
    lines = _lines(store)
    assert len(lines) == 70 + 5 + 3
    state = _state(store)
    assert state.size == 78
    assert state.root == _naive_root(lines)
    with store.read() as tx:
        nodes = tree.StoredNodes(tx)
        # The stored perfect node of level 6 (leaves 0-63) is that subtree's root.
        assert nodes.perfect(6, 0) == _naive_root(lines[:64])
        for index in (0, 41, 63, 64, 77):
            proof = merkle.inclusion_proof(nodes, index, 78)
            leaf = hashlib.sha256(b"\x00" + lines[index]).digest()
            assert merkle.verify_inclusion(leaf, index, 78, proof, state.root)
        proof = merkle.consistency_proof(nodes, 70, 78)
    assert merkle.verify_consistency(70, 78, _naive_root(lines[:70]), state.root, proof)


def test_a_failed_append_leaves_the_tree_as_it_was(store: Store) -> None:
    store.save(*_actions(2))
    before = _state(store)
    with pytest.raises(RuntimeError), store.transaction() as tx:
        log.append(store, tx, [e for a in _actions(4, start=10) for e in a.collect_events()])
        raise RuntimeError("crash half-way")
    after = _state(store)
    assert (after.size, after.root) == (before.size, before.root) == (2, _naive_root(_lines(store)))


def test_a_store_made_before_the_tree_gets_it_built_once(store: Store) -> None:
    store.save(*_actions(5))
    with store.transaction() as tx:  # as a store written before the tree: no tree at all
        tx.execute("DELETE FROM lif_merkle_state")
        tx.execute("DELETE FROM lif_merkle_leaves")
    store.save(*_actions(2, start=50))  # appends leave a store without a tree alone
    with store.read() as tx:
        assert tree.load(tx) is None
    state = log.build_tree(store)
    assert state.size == 7
    assert state.root == _naive_root(_lines(store))
    store.save(*_actions(1, start=60))  # and from then on keep it
    assert _state(store).root == _naive_root(_lines(store))


def test_a_chunk_kept_with_hex_stream_ids_still_reads_and_grows(store: Store) -> None:
    """The first trees (earlier the same day) kept stream ids as 32 hex digits a leaf."""
    store.save(*_actions(3))
    with store.transaction() as tx:
        [(streams,)] = tx.execute("SELECT streams FROM lif_merkle_leaves").fetchall()
        hexed = bytes(streams).hex().encode()  # 16 bytes a leaf -> 32 hex digits a leaf
        tx.execute("UPDATE lif_merkle_leaves SET streams = ?", (hexed,))
    store.save(*_actions(2, start=10))
    with store.read() as tx:
        leaves = [tree.leaf_at(tx, i) for i in range(5)]
    assert [leaf.notification_id for leaf in leaves if leaf] == [1, 2, 3, 4, 5]
    ids = [str(a.id) for a in _actions(3)] + [str(a.id) for a in _actions(2, start=10)]
    assert [leaf.stream_id for leaf in leaves if leaf] == ids
    assert _state(store).root == _naive_root(_lines(store))
