"""The Merkle tree against a naive RFC 9162 implementation written here, from the RFC's text."""

from __future__ import annotations

import hashlib

import pytest

from lif_core.eventlog import merkle

# --- the naive implementation: RFC 9162 section 2.1, recursion on lists, nothing shared --------


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(d: list[bytes]) -> bytes:
    if not d:
        return _h(b"")
    if len(d) == 1:
        return _h(b"\x00" + d[0])
    k = _k(len(d))
    return _h(b"\x01" + naive_mth(d[:k]) + naive_mth(d[k:]))


def naive_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*naive_path(m, d[:k]), naive_mth(d[k:])]
    return [*naive_path(m - k, d[k:]), naive_mth(d[:k])]


def naive_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [naive_mth(d)]
    k = _k(n)
    if m <= k:
        return [*naive_subproof(m, d[:k], b), naive_mth(d[k:])]
    return [*naive_subproof(m - k, d[k:], False), naive_mth(d[:k])]


def _data(n: int) -> list[bytes]:
    return [f"{i + 1}:{i * 7919:064x}".encode() for i in range(n)]


def _tree(d: list[bytes]) -> merkle.MemoryTree:
    return merkle.MemoryTree(merkle.leaf_hash(x) for x in d)


# --- tests -------------------------------------------------------------------------------------


def test_known_roots() -> None:
    # The empty tree is sha256 of nothing; one empty leaf is sha256(0x00).
    assert merkle.root_of([]).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.root_of([merkle.leaf_hash(b"")]).hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    # Leaves "a" and "b": the node prefix 0x01 over the two leaf hashes, computed in the test.
    a, b = _h(b"\x00a"), _h(b"\x00b")
    assert merkle.root_of([merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")]) == _h(b"\x01" + a + b)


def test_event_leaf_is_the_leaf_of_its_line() -> None:
    assert merkle.event_leaf(12, "ab" * 32) == _h(b"\x00" + b"12:" + b"ab" * 32)


@pytest.mark.parametrize("n", [*range(1, 70), 127, 128, 129, 200])
def test_roots_and_every_subtree_match_the_naive_tree(n: int) -> None:
    d = _data(n)
    tree = _tree(d)
    assert tree.root() == naive_mth(d)
    assert merkle.root_of([merkle.leaf_hash(x) for x in d]) == naive_mth(d)
    for size in range(1, n + 1):
        assert tree.root(size) == naive_mth(d[:size])


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 8, 9, 16, 31, 33, 64, 65, 100])
def test_inclusion_proofs_match_the_naive_path_and_check(n: int) -> None:
    d = _data(n)
    tree = _tree(d)
    for size in {n, max(1, n // 2), max(1, n - 1)}:
        root = naive_mth(d[:size])
        for m in range(size):
            proof = merkle.inclusion_proof(tree, m, size)
            assert proof == naive_path(m, d[:size])
            leaf = merkle.leaf_hash(d[m])
            assert merkle.verify_inclusion(leaf, m, size, proof, root)
            # Any other leaf, index, size or a changed step fails.
            assert not merkle.verify_inclusion(merkle.leaf_hash(b"x"), m, size, proof, root)
            if size > 1:
                assert not merkle.verify_inclusion(leaf, (m + 1) % size, size, proof, root)
                bent = [bytes(32), *proof[1:]]
                assert not merkle.verify_inclusion(leaf, m, size, bent, root)
            assert not merkle.verify_inclusion(leaf, m, size, [*proof, bytes(32)], root)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64, 70])
def test_consistency_proofs_match_the_naive_subproof_and_check(n: int) -> None:
    d = _data(n)
    tree = _tree(d)
    new_root = naive_mth(d)
    for m in range(1, n + 1):
        proof = merkle.consistency_proof(tree, m, n)
        assert proof == naive_subproof(m, d, True)
        old_root = naive_mth(d[:m])
        assert merkle.verify_consistency(m, n, old_root, new_root, proof)
        # A changed old tree (a leaf altered, removed or reordered) does not verify.
        changed = [*d[: m - 1], b"altered"]
        assert not merkle.verify_consistency(m, n, naive_mth(changed), new_root, proof)
        if m < n:
            assert not merkle.verify_consistency(m, n, old_root, naive_mth([*d[:-1], b"x"]), proof)
            if proof:
                assert not merkle.verify_consistency(
                    m, n, old_root, new_root, [bytes(32), *proof[1:]]
                )


def test_frontier_reports_perfect_nodes_at_their_index() -> None:
    d = _data(9)
    frontier = merkle.Frontier()
    made = [node for x in d for node in frontier.append(merkle.leaf_hash(x))]
    # 9 leaves: 4 nodes at level 1, 2 at level 2, 1 at level 3 (4 + 2 + 1 = 7).
    assert [(level, index) for level, index, _ in made] == [
        (1, 0),
        (1, 1),
        (2, 0),
        (1, 2),
        (1, 3),
        (2, 1),
        (3, 0),
    ]
    assert dict(((lv, i), h) for lv, i, h in made)[(3, 0)] == naive_mth(d[:8])
    assert frontier.root() == naive_mth(d)
    again = merkle.Frontier(frontier.size, frontier.hashes)
    again.extend([merkle.leaf_hash(b"ten")])
    assert again.root() == naive_mth([*d, b"ten"])


@pytest.mark.parametrize(
    "cuts", [(1, 1, 1), (3, 5, 64, 1), (63, 2, 70), (64, 64, 1), (0, 129, 0, 7)]
)
def test_growing_a_batch_at_once_makes_what_one_leaf_at_a_time_makes(cuts: tuple[int, ...]) -> None:
    """Frontier.grow (a level at a time, as the append does) against the naive tree: the same
    root after each batch, and every perfect node it reports is that subtree's naive root."""
    d = _data(sum(cuts))
    grown = merkle.Frontier()
    made: dict[tuple[int, int], bytes] = {}
    done = 0
    for cut in cuts:
        batch = [merkle.leaf_hash(x) for x in d[done : done + cut]]
        for level, index, node in grown.grow(batch):
            assert (level, index) not in made  # each node is reported once, when completed
            made[level, index] = node
        done += cut
        assert grown.size == done
        assert grown.root() == naive_mth(d[:done])
    # Every perfect subtree inside the leaves was completed, and only those: level 1 has
    # done // 2 nodes, level 2 done // 4, ... (e.g. 136 leaves: 68 + 34 + 17 + 8 + 4 + 2 + 1).
    expected = {(lv, i) for lv in range(1, 12) for i in range(done >> lv)}
    assert set(made) == expected
    for (level, index), node in made.items():
        width = 1 << level
        assert node == naive_mth(d[index * width : (index + 1) * width])
    # The compact range is the one the per-leaf append keeps (what an older store saved), so a
    # tree stored by either goes on under the other.
    one_by_one = merkle.Frontier()
    for x in d:
        one_by_one.append(merkle.leaf_hash(x))
    assert grown.hashes == one_by_one.hashes
    resumed = merkle.Frontier(one_by_one.size, one_by_one.hashes)
    resumed.grow([merkle.leaf_hash(b"next")])
    assert resumed.root() == naive_mth([*d, b"next"])
    high = grown.grow([merkle.leaf_hash(b"x")], keep_from=6)
    assert all(level >= 6 for level, _, _ in high)


def test_first_difference_bisects_to_the_first_changed_leaf() -> None:
    d = _data(37)
    for changed_at in (0, 1, 16, 31, 32, 36):
        e = list(d)
        e[changed_at] = b"changed"
        if changed_at + 3 < len(e):
            e[changed_at + 3] = b"also changed"
        ours, theirs = _tree(e), _tree(d)
        found = merkle.first_difference(
            37,
            lambda s, t, x=ours: merkle.subtree_hash(x, s, t),  # type: ignore[misc]
            lambda s, t, x=theirs: merkle.subtree_hash(x, s, t),  # type: ignore[misc]
        )
        assert found == changed_at
    same = _tree(d)
    assert (
        merkle.first_difference(
            37,
            lambda s, t: merkle.subtree_hash(same, s, t),
            lambda s, t: merkle.subtree_hash(same, s, t),
        )
        is None
    )
