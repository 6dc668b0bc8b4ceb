"""verify's leaves, kept 32 bytes each in one buffer: given back in log order over any gaps."""

from __future__ import annotations

import hashlib

import pytest

from lif_core.audit.treecheck import LeafHashes, Leaves, _root, _roots_at
from lif_core.eventlog.merkle import root_of


def _leaf(nid: int, chain: str) -> bytes:
    # RFC 9162's leaf hash of the data "<nid>:<chain hash>", made here with hashlib directly.
    return hashlib.sha256(b"\x00" + f"{nid}:{chain}".encode()).digest()


def test_leaves_come_back_in_log_order_closed_up_over_the_gaps_with_later_events_last() -> None:
    # A log whose top was 9 when verify began: notifications 1, 2, 5, 6, 7 and 9 (3, 4 and 8
    # were never committed), added in stream order, then 11 and 10, written while verify read.
    leaves = Leaves(9)
    added = [7, 1, 9, 5, 2, 6, 11, 10]
    for nid in added:
        leaves.add(nid, f"{nid:064x}")
    nids, hashes = leaves.in_order()
    # Held ids in order, then the later ones in order: 1, 2, 5, 6, 7, 9, 10, 11.
    assert list(nids) == [1, 2, 5, 6, 7, 9, 10, 11]
    assert len(hashes) == 8
    expected = [_leaf(n, f"{n:064x}") for n in (1, 2, 5, 6, 7, 9, 10, 11)]
    assert [hashes[i] for i in range(8)] == expected
    assert hashes[-1] == expected[7]
    assert hashes[2:5] == expected[2:5]
    assert hashes[::3] == [expected[0], expected[3], expected[6]]
    assert list(hashes) == expected
    with pytest.raises(IndexError):
        hashes[8]


def test_a_log_without_gaps_is_read_in_place() -> None:
    leaves = Leaves(3)
    for nid in (3, 1, 2):
        leaves.add(nid, "ab")
    nids, hashes = leaves.in_order()
    assert list(nids) == [1, 2, 3]
    assert list(hashes) == [_leaf(1, "ab"), _leaf(2, "ab"), _leaf(3, "ab")]


def test_roots_hashed_a_chunk_at_a_time_equal_the_root_of_the_whole_list() -> None:
    # 150,001 leaves: more than two chunks of 65,536, and not a power of two.
    count = 150_001
    buffer = bytearray()
    plain = []
    for n in range(count):
        leaf = hashlib.sha256(n.to_bytes(4, "big")).digest()
        buffer += leaf
        plain.append(leaf)
    hashes = LeafHashes(buffer)
    whole = root_of(plain)
    assert _root(hashes, 0, count) == whole
    assert _root(hashes, 70_000, 140_000) == root_of(plain[70_000:140_000])
    roots = _roots_at(hashes, [3, 65_536, count, count + 1])
    assert roots == {3: root_of(plain[:3]), 65_536: root_of(plain[:65_536]), count: whole}
