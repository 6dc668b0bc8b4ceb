"""The Merkle tree's tables: its leaves, its stored perfect nodes and its compact range.

The tree is kept in the same transaction as the events it covers
(:func:`lif_core.eventlog.log.append_rows` calls :func:`extend`), over the log in notification
order. What is stored is only what keeps appends O(log n) and proofs O(log n) reads:

- ``lif_merkle_leaves``: the leaves, 64 to a row (a row per leaf cost a third of a batch's write
  rate on SQLite): their hashes (:func:`~lif_core.eventlog.merkle.event_leaf`), notification
  ids, streams (16 bytes each) and versions (to name an event that is gone), each packed in
  one column;
- ``lif_merkle_nodes``: the perfect subtrees' roots from level
  :data:`~lif_core.eventlog.merkle.STORED_FROM` (64 leaves) up, about one row per 32 leaves;
- ``lif_merkle_state``: one row, the tree's size, last notification id and compact range.

A store made before the tree has no state row: appends leave the tree alone until
``lif audit seal`` builds it over the whole log once (:func:`lif_core.eventlog.log.build_tree`).
The hashing is :mod:`lif_core.eventlog.merkle`'s; nothing here trusts these tables: the audit
recomputes every leaf from the events and compares roots with signed heads kept elsewhere.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from lif_core.eventlog.merkle import STORED_FROM, Frontier, root_of

if TYPE_CHECKING:
    from lif_core.eventlog.store import Store, Tx

__all__ = [
    "CHUNK",
    "StoredLeaf",
    "StoredNodes",
    "TreeState",
    "create_statements",
    "extend",
    "extend_columns",
    "leaf_at",
    "leaf_index_of",
    "leaf_pages",
    "load",
    "reset",
    "start",
]

STATE = "log"
CHUNK = 1 << STORED_FROM
"""Leaves a row of ``lif_merkle_leaves`` holds (one stored perfect node's worth)."""


def create_statements(dialect: str) -> list[str]:
    """The tree's tables."""
    blob = "BLOB" if dialect == "sqlite" else "BYTEA"
    clustered = " WITHOUT ROWID" if dialect == "sqlite" else ""
    return [
        f"""CREATE TABLE IF NOT EXISTS lif_merkle_leaves (
            chunk BIGINT PRIMARY KEY, hashes {blob} NOT NULL, notification_ids {blob} NOT NULL,
            streams {blob} NOT NULL, versions {blob} NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS lif_merkle_nodes (
            level INTEGER NOT NULL, node_index BIGINT NOT NULL, hash {blob} NOT NULL,
            PRIMARY KEY (level, node_index)){clustered}""",
        """CREATE TABLE IF NOT EXISTS lif_merkle_state (
            name TEXT PRIMARY KEY, size BIGINT NOT NULL, last_notification_id BIGINT NOT NULL,
            frontier TEXT NOT NULL)""",
    ]


def start(tx: Tx) -> None:
    """Keep the tree of a new store (no events yet) from its first event on."""
    tx.execute(
        "INSERT INTO lif_merkle_state (name, size, last_notification_id, frontier) "
        "SELECT ?, 0, 0, '' WHERE NOT EXISTS (SELECT 1 FROM lif_merkle_state WHERE name = ?)",
        (STATE, STATE),
    )


@dataclass(slots=True)
class TreeState:
    """The tree as last committed: its size, last notification id and compact range."""

    size: int
    last_notification_id: int
    frontier: Frontier

    @property
    def root(self) -> bytes:
        return self.frontier.root()


def load(tx: Tx) -> TreeState | None:
    """The tree's state inside ``tx``; None if this store's tree was never built."""
    row = tx.execute(
        "SELECT size, last_notification_id, frontier FROM lif_merkle_state WHERE name = ?",
        (STATE,),
    ).fetchone()
    if row is None:
        return None
    size, last, text = int(row[0]), int(row[1]), str(row[2])
    hashes = [bytes.fromhex(text[i : i + 64]) for i in range(0, len(text), 64)]
    return TreeState(size, last, Frontier(size, hashes))


@dataclass(slots=True)
class _Chunk:
    hashes: bytearray
    nids: array[int]
    streams: bytearray
    versions: array[int]


def _streams16(streams: bytes, count: int) -> bytes:
    """A chunk's stream ids as 16 bytes each (the first trees of 2026-12-06 kept 32 hex digits)."""
    if len(streams) == 32 * count and count:
        return bytes.fromhex(streams.decode("ascii"))
    return streams


def _open_chunk(tx: Tx, size: int) -> _Chunk:
    """The chunk the next leaf goes into (the stored partial one, or a new one)."""
    if size % CHUNK:
        row = tx.execute(
            "SELECT hashes, notification_ids, streams, versions FROM lif_merkle_leaves WHERE chunk = ?",
            (size // CHUNK,),
        ).fetchone()
        if row is not None:
            nids = array("q", bytes(row[1]))
            return _Chunk(
                bytearray(row[0]),
                nids,
                bytearray(_streams16(bytes(row[2]), len(nids))),
                array("q", bytes(row[3])),
            )
    return _Chunk(bytearray(), array("q"), bytearray(), array("q"))


def extend(
    store: Store, tx: Tx, state: TreeState, leaves: Sequence[tuple[int, Any, int, str]]
) -> None:
    """Add events ``(notification id, stream id as stored, version, chain hash)``, in log
    order, inside ``tx``."""
    if leaves:
        nids, streams, versions, chains = zip(*leaves, strict=True)
        extend_columns(store, tx, state, nids, streams, versions, chains)


def _stream_bytes(streams: Sequence[Any]) -> bytes:
    """Stream ids as 16 bytes each (UUIDs on PostgreSQL, 32 hex digits on SQLite), in C."""
    try:
        if set(map(len, streams)) == {32}:  # 32 hex digits each (a UUID has no len())
            return bytes.fromhex("".join(streams))
    except (TypeError, ValueError):
        pass
    # UUIDs (PostgreSQL): a stream's events come together, as one object; its ``int`` is a
    # plain slot (``bytes`` is a property in Python).
    out: list[bytes] = []
    last: Any = None
    raw = b""
    for s in streams:
        if s is not last:
            last, raw = s, (s if type(s) is UUID else UUID(str(s))).int.to_bytes(16, "big")
        out.append(raw)
    return b"".join(out)


def extend_columns(
    store: Store,
    tx: Tx,
    state: TreeState,
    nids: Sequence[int],
    streams: Sequence[Any],
    versions: Sequence[int],
    chains: Sequence[str],
) -> None:
    """:func:`extend` with the events' fields as columns (the append's hot path: each step
    below is one comprehension or one C call over the batch)."""
    if not nids:
        return
    sha256 = hashlib.sha256
    leaves = [sha256(f"\x00{n}:{c}".encode()).digest() for n, c in zip(nids, chains, strict=True)]
    frontier = state.frontier
    start = frontier.size
    node_rows = frontier.grow(leaves, STORED_FROM)  # the stored levels' new nodes
    size = frontier.size
    hashes = frontier.hashes
    # The leaves 64 to a row: the stored partial chunk first, then whole ones.
    first = start - start % CHUNK
    old = _open_chunk(tx, start)
    blob = bytes(old.hashes) + b"".join(leaves)
    all_nids = array("q", old.nids)
    all_nids.extend(nids)
    all_streams = bytes(old.streams) + _stream_bytes(streams)
    all_versions = array("q", old.versions)
    all_versions.extend(versions)
    chunk_rows = [
        (
            (first + i) // CHUNK,
            blob[32 * i : 32 * (i + CHUNK)],
            all_nids[i : i + CHUNK].tobytes(),
            all_streams[16 * i : 16 * (i + CHUNK)],
            all_versions[i : i + CHUNK].tobytes(),
        )
        for i in range(0, len(all_nids), CHUNK)
    ]
    if start % CHUNK:  # the partial chunk is written again, whole
        tx.execute("DELETE FROM lif_merkle_leaves WHERE chunk = ?", (start // CHUNK,))
    _insert(
        store,
        tx,
        "lif_merkle_leaves (chunk, hashes, notification_ids, streams, versions)",
        ["int8", "bytea", "bytea", "bytea", "bytea"],
        chunk_rows,
    )
    _insert(
        store,
        tx,
        "lif_merkle_nodes (level, node_index, hash)",
        ["int4", "int8", "bytea"],
        node_rows,
    )
    state.size = size
    state.last_notification_id = nids[-1]
    tx.execute(
        "UPDATE lif_merkle_state SET size = ?, last_notification_id = ?, frontier = ? WHERE name = ?",
        (size, state.last_notification_id, b"".join(hashes).hex(), STATE),
    )


def _insert(
    store: Store, tx: Tx, into: str, types: list[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Rows into a table: COPY on PostgreSQL (its executemany costs a round trip's worth a row
    here), one executemany on SQLite."""
    if not rows:
        return
    if store.dialect == "postgresql":
        with tx.cursor.copy(f"COPY {into} FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(types))
        tx.cursor.executemany(f"INSERT INTO {into} VALUES ({marks})", rows)


def reset(tx: Tx) -> TreeState:
    """Empty the tree (to build it again over the whole log) and return its empty state."""
    tx.execute("DELETE FROM lif_merkle_leaves")
    tx.execute("DELETE FROM lif_merkle_nodes")
    tx.execute("DELETE FROM lif_merkle_state WHERE name = ?", (STATE,))
    tx.execute(
        "INSERT INTO lif_merkle_state (name, size, last_notification_id, frontier) VALUES (?, 0, 0, '')",
        (STATE,),
    )
    return TreeState(0, 0, Frontier())


@dataclass(frozen=True, slots=True)
class StoredLeaf:
    """One leaf as the tree stored it: where it is, which event it was, its hash."""

    index: int
    notification_id: int
    stream_id: str
    version: int
    hash: bytes


def _unpack(row: Sequence[Any]) -> list[StoredLeaf]:
    chunk, hashes, nids_raw, streams, versions_raw = row
    nids, versions = array("q", bytes(nids_raw)), array("q", bytes(versions_raw))
    hashes, streams = bytes(hashes), _streams16(bytes(streams), len(nids))
    base = int(chunk) * CHUNK
    return [
        StoredLeaf(
            base + i,
            nids[i],
            str(UUID(bytes=streams[i * 16 : i * 16 + 16])),
            versions[i],
            hashes[i * 32 : i * 32 + 32],
        )
        for i in range(len(nids))
    ]


_COLUMNS = "chunk, hashes, notification_ids, streams, versions"


def leaf_pages(store: Store) -> Iterator[list[StoredLeaf]]:
    """The stored leaves in order, a page (of 64 chunks) at a time."""
    position = -1
    while True:
        with store.read() as tx:
            rows = tx.execute(
                f"SELECT {_COLUMNS} FROM lif_merkle_leaves WHERE chunk > ? ORDER BY chunk LIMIT 64",
                (position,),
            ).fetchall()
        if not rows:
            return
        yield [leaf for row in rows for leaf in _unpack(row)]
        position = int(rows[-1][0])


def leaf_at(tx: Tx, index: int) -> StoredLeaf | None:
    """One stored leaf, by index."""
    row = tx.execute(
        f"SELECT {_COLUMNS} FROM lif_merkle_leaves WHERE chunk = ?", (index // CHUNK,)
    ).fetchone()
    if row is None:
        return None
    found = _unpack(row)
    return found[index % CHUNK] if index % CHUNK < len(found) else None


def leaf_index_of(tx: Tx, notification_id: int, size: int) -> int | None:
    """The leaf index of an event, by notification id (a bisection over the stored chunks:
    ids rise with the index, with gaps where a database skipped numbers)."""
    low, high = 0, (size - 1) // CHUNK if size else -1
    while low <= high:
        middle = (low + high) // 2
        row = tx.execute(
            f"SELECT {_COLUMNS} FROM lif_merkle_leaves WHERE chunk = ?", (middle,)
        ).fetchone()
        if row is None:
            return None
        nids = array("q", bytes(row[2]))
        if notification_id < nids[0]:
            high = middle - 1
        elif notification_id > nids[-1]:
            low = middle + 1
        else:
            found = [i for i, n in enumerate(nids) if n == notification_id]
            return middle * CHUNK + found[0] if found else None
    return None


class StoredNodes:
    """The stored tree as a proof reads it (:class:`~lif_core.eventlog.merkle.Nodes`), in ``tx``."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self._cache: dict[tuple[int, int], bytes] = {}

    def perfect(self, level: int, index: int) -> bytes:
        key = (level, index)
        found = self._cache.get(key)
        if found is not None:
            return found
        if level >= STORED_FROM:
            row = self.tx.execute(
                "SELECT hash FROM lif_merkle_nodes WHERE level = ? AND node_index = ?", key
            ).fetchone()
            if row is None:
                raise LookupError(f"the stored tree has no node at level {level}, index {index}")
            found = bytes(row[0])
        else:
            width = 1 << level
            first = index * width
            row = self.tx.execute(
                "SELECT hashes FROM lif_merkle_leaves WHERE chunk = ?", (first // CHUNK,)
            ).fetchone()
            blob = bytes(row[0]) if row is not None else b""
            at = (first % CHUNK) * 32
            part = blob[at : at + width * 32]
            if len(part) != width * 32:
                raise LookupError(f"the stored tree lacks leaves {first}-{first + width - 1}")
            found = root_of([part[i : i + 32] for i in range(0, len(part), 32)])
        self._cache[key] = found
        return found
