"""A Merkle tree over the log, RFC 9162's way: hashes, compact ranges, proofs and their checks.

Pure code, no database: the tree's storage is :mod:`lif_core.eventlog.tree`'s, and an auditor's
checks (:func:`verify_inclusion`, :func:`verify_consistency`, :func:`root_from_frontier`) need
nothing but this module's functions and ``hashlib``.

- **Hashes** (RFC 9162 section 2.1.1): a leaf is ``SHA-256(0x00 || data)``, an interior node
  ``SHA-256(0x01 || left || right)``; a tree of ``n`` leaves splits at the largest power of two
  below ``n`` (:func:`split`). The leaf data of the LIF log is ``"<notification id>:<chain hash>"``
  (:func:`event_leaf`): the chain hash commits to the event's stream, version, type, stored body
  and its stream predecessor's hash.
- **Compact range** (:class:`Frontier`): the roots of the perfect subtrees a tree of ``n`` leaves
  is made of, one per set bit of ``n``; appending a leaf merges at most ``log2 n`` of them, so
  keeping the tree costs O(log n) per event whatever the log's size. It also yields the
  perfect nodes it completes, which the store keeps (from level :data:`STORED_FROM` up) so that
  proofs read O(log n) stored hashes.
- **Proofs**: :func:`inclusion_proof` (PATH) and :func:`consistency_proof` (SUBPROOF) over any
  :class:`Nodes` source; checked by :func:`verify_inclusion` and :func:`verify_consistency`
  (RFC 9162 sections 2.1.3.2 and 2.1.4.2).
- **Naming a difference**: :func:`first_difference` bisects two trees to the first leaf where
  they differ.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

__all__ = [
    "STORED_FROM",
    "Frontier",
    "MemoryTree",
    "Nodes",
    "consistency_proof",
    "event_leaf",
    "first_difference",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_from_frontier",
    "root_of",
    "split",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
]

STORED_FROM = 6
"""The lowest level whose perfect nodes the store keeps (64 leaves); lower ones are hashed from
the leaves when a proof needs them (at most 64 leaves read)."""

_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()
"""The root of the empty tree (RFC 9162: the hash of the empty string)."""


def leaf_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def event_leaf(notification_id: int, chain_hash: str) -> bytes:
    """The leaf hash of one event: its notification id and chain hash (hex), as ``"n:hash"``."""
    return _sha256(b"\x00%d:%s" % (notification_id, chain_hash.encode("ascii", "replace"))).digest()


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n`` > 1): where RFC 9162 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The root of a tree over these leaf hashes (RFC 9162's MTH, by a compact range)."""
    frontier = Frontier()
    frontier.extend(leaves)
    return frontier.root()


class Frontier:
    """The compact range of a tree: the roots of its perfect subtrees, largest first."""

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError(f"a tree of {size} leaves has {bin(size).count('1')} frontier hashes")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; the perfect nodes completed (``(level, index, hash)``, level ≥ 1)."""
        made: list[tuple[int, int, bytes]] = []
        hashes = self.hashes
        node = leaf
        size = self.size
        level = 0
        while size & 1:
            node = _sha256(b"\x01" + hashes.pop() + node).digest()
            size >>= 1
            level += 1
            made.append((level, size, node))  # the node's index at its level: size after shifting
        hashes.append(node)
        self.size += 1
        return made

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add many leaf hashes (nothing reported: the quick path for recomputing a root)."""
        self.grow(leaves if isinstance(leaves, list) else list(leaves), keep_from=64)

    def grow(self, leaves: list[bytes], keep_from: int = 1) -> list[tuple[int, int, bytes]]:
        """Add many leaf hashes at once, a level at a time; the perfect nodes completed at
        levels ≥ ``keep_from``, as :meth:`append` reports them (level by level, not leaf by leaf).

        What :meth:`append` does for each leaf, with each level's hashes made by one
        comprehension over pairs rather than one loop step per merge: the same nodes, the same
        compact range (a test holds them equal), about a quarter fewer steps of Python.
        """
        if not leaves:
            return []
        start = self.size
        end = start + len(leaves)
        sha256 = _sha256
        # The old compact range by level: one hash per set bit of ``start``, largest first.
        old = dict(
            zip(
                (b for b in range(start.bit_length() - 1, -1, -1) if start >> b & 1),
                self.hashes,
                strict=True,
            )
        )
        tails: dict[int, bytes] = {}  # per level, the new unpaired node (the new compact range)
        made: list[tuple[int, int, bytes]] = []
        level, first, nodes = 0, start, leaves
        while nodes:
            if first & 1:  # the left sibling of the first new node is in the compact range
                nodes = [old[level], *nodes]
                first -= 1
            if len(nodes) & 1:
                tails[level] = nodes[-1]
            pairs = zip(nodes[0::2], nodes[1::2], strict=False)  # an odd last node waits
            nodes = [sha256(b"\x01" + a + b).digest() for a, b in pairs]
            level += 1
            first >>= 1
            if level >= keep_from and nodes:
                made.extend((level, first + i, node) for i, node in enumerate(nodes))
        self.hashes = [
            tails[b] if b in tails else old[b]
            for b in range(end.bit_length() - 1, -1, -1)
            if end >> b & 1
        ]
        self.size = end
        return made

    def root(self) -> bytes:
        return root_from_frontier(self.hashes)

    def copy(self) -> Frontier:
        return Frontier(self.size, self.hashes)


def root_from_frontier(hashes: Sequence[bytes]) -> bytes:
    """A tree's root from its compact range (largest subtree first)."""
    if not hashes:
        return EMPTY_ROOT
    node = hashes[-1]
    for left in reversed(hashes[:-1]):
        node = node_hash(left, node)
    return node


class Nodes(Protocol):
    """Where a proof reads the tree: the hash of a perfect subtree, by level and index."""

    def perfect(self, level: int, index: int) -> bytes:
        """The root of leaves ``index * 2**level`` to ``(index + 1) * 2**level - 1``."""
        ...


def subtree_hash(nodes: Nodes, start: int, end: int) -> bytes:
    """RFC 9162's MTH of leaves ``start`` to ``end - 1`` (``start`` aligned as MTH splits)."""
    n = end - start
    if n <= 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        level = n.bit_length() - 1
        return nodes.perfect(level, start >> level)
    k = split(n)
    return node_hash(subtree_hash(nodes, start, start + k), subtree_hash(nodes, start + k, end))


def inclusion_proof(nodes: Nodes, index: int, size: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162's PATH)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append(subtree_hash(nodes, start + k, end))
            end = start + k
        else:
            path.append(subtree_hash(nodes, start, start + k))
            start += k
    path.reverse()
    return path


def consistency_proof(nodes: Nodes, old: int, new: int) -> list[bytes]:
    """The proof that the tree of ``new`` leaves extends the one of ``old`` (RFC 9162's PROOF)."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from {old} to {new} leaves")
    proof: list[bytes] = []

    def sub(m: int, start: int, end: int, whole: bool) -> None:
        n = end - start
        if m == n:
            if not whole:
                proof.append(subtree_hash(nodes, start, end))
            return
        k = split(n)
        if m <= k:
            sub(m, start, start + k, whole)
            proof.append(subtree_hash(nodes, start + k, end))
        else:
            sub(m - k, start + k, end, False)
            proof.append(subtree_hash(nodes, start, start + k))

    if old < new:
        sub(old, 0, new, True)
    return proof


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2: does ``proof`` put ``leaf`` at ``index`` of the tree ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2: does ``proof`` show the ``new`` tree extends the ``old`` one?"""
    if old < 1 or old > new:
        return False
    if old == new:
        return not proof and old_root == new_root
    items = list(proof)
    if old & (old - 1) == 0:  # old is a power of two: its root is the proof's implicit start
        items.insert(0, old_root)
    if not items:
        return False
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = items[0]
    for c in items[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


class MemoryTree:
    """A whole tree in memory (every level), for benches, tests and an auditor's own copy."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        self.frontier = Frontier()
        for leaf in leaves:
            self.append(leaf)

    @property
    def size(self) -> int:
        return self.frontier.size

    def append(self, leaf: bytes) -> None:
        self.levels[0].append(leaf)
        for level, _, node in self.frontier.append(leaf):
            if level == len(self.levels):
                self.levels.append([])
            self.levels[level].append(node)

    def perfect(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        return subtree_hash(self, 0, self.size if size is None else size)


def first_difference(
    size: int, ours: Callable[[int, int], bytes], theirs: Callable[[int, int], bytes]
) -> int | None:
    """The first leaf (index) below ``size`` where two trees differ, by bisection; None if equal.

    ``ours(start, end)`` and ``theirs(start, end)`` give each tree's MTH of leaves ``start`` to
    ``end - 1``. Each step compares the left part (as RFC 9162 splits) and goes into the first
    part that differs: O(log n) comparisons.
    """
    start, end = 0, size
    if end <= 0 or ours(start, end) == theirs(start, end):
        return None
    while end - start > 1:
        k = split(end - start)
        if ours(start, start + k) != theirs(start, start + k):
            end = start + k
        else:
            start += k
    return start
