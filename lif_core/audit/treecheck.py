"""The log against its Merkle tree and against signed heads: what differs, and the first leaf.

:func:`verify <lif_core.audit.verify.verify>` hands every event's recomputed leaf to a
:class:`Leaves` as it checks the chains; :func:`check_tree` then compares, without trusting
the store:

- the log's root at each head's size with the head's signed root (signature checked, key pinned
  if the auditor gave one);
- the whole log with the tree the store kept (events added or removed outside LIF).

When something differs it bisects the log's tree against the stored one to the first leaf that
differs and names it (notification id, stream, version), saying whether the stored tree still
matches the head (then the name is what the head signed) or was rewritten too.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, overload

from lif_core.audit.heads import TreeHead
from lif_core.eventlog import tree
from lif_core.eventlog.log import event_type, rows_after
from lif_core.eventlog.merkle import Frontier, first_difference, root_of
from lif_core.eventlog.store import Store

__all__ = ["FirstLeaf", "HeadCheck", "LeafHashes", "Leaves", "TreeReport", "check_tree"]


_LEAF = 32  # bytes of one leaf hash (SHA-256)
_CHUNK = 1 << 16  # leaves hashed into a tree at a time (a list of bytes objects that long)
_MOVE = 1 << 20  # bytes moved at a time when closing up the gaps between notification ids


class Leaves:
    """Every event's leaf hash, recomputed from its content, by notification id.

    The hashes are kept 32 bytes each in one buffer (a ``bytes`` object each, in a list, took
    about 80 bytes an event: 800 MB of a 10-million-event log), with one byte an event saying
    which notification ids the log holds.
    """

    __slots__ = ("beyond", "buffer", "present", "top")

    def __init__(self, top: int) -> None:
        self.top = top
        # buffer[32 * (n - 1):32 * n]: the leaf of notification n, where present[n] is 1 (the
        # ids the log holds). verify writes both inline.
        self.buffer = bytearray(_LEAF * top)
        self.present = bytearray(top + 1)
        self.beyond: dict[int, bytes] = {}  # events numbered past ``top`` (written meanwhile)

    def add(self, nid: int, chain_hex: str) -> None:
        leaf = hashlib.sha256(b"\x00%d:%s" % (nid, chain_hex.encode("ascii", "replace"))).digest()
        if 0 < nid <= self.top:
            self.buffer[_LEAF * (nid - 1) : _LEAF * nid] = leaf
            self.present[nid] = 1
        else:
            self.beyond[nid] = leaf

    def in_order(self) -> tuple[array[int], LeafHashes]:
        """The notification ids the log holds and their leaves, in log order. Once only: the
        buffer is closed up over the gaps in place (no second copy of it)."""
        present, buffer, top = self.present, self.buffer, self.top
        nids = array("q")
        count = 0  # leaves closed up so far
        start = present.find(1, 1)
        while start != -1:
            end = present.find(0, start)
            end = top + 1 if end == -1 else end
            nids.extend(range(start, end))
            if count != start - 1:  # after a gap: move this run of ids down, a slice at a time
                source, target, stop = _LEAF * (start - 1), _LEAF * count, _LEAF * (end - 1)
                while source < stop:
                    step = min(_MOVE, stop - source)
                    buffer[target : target + step] = buffer[source : source + step]
                    source, target = source + step, target + step
            count += end - start
            start = present.find(1, end)
        del buffer[_LEAF * count :]
        self.present = bytearray()
        for n in sorted(self.beyond):
            nids.append(n)
            buffer += self.beyond[n]
        return nids, LeafHashes(buffer)


class LeafHashes(Sequence[bytes]):
    """Leaf hashes laid end to end in a buffer, read as a sequence of 32-byte ``bytes``."""

    __slots__ = ("_buffer",)

    def __init__(self, buffer: bytearray) -> None:
        self._buffer = buffer

    def __len__(self) -> int:
        return len(self._buffer) // _LEAF

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        size = len(self)
        if isinstance(index, slice):
            start, stop, step = index.indices(size)
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            data = bytes(self._buffer[_LEAF * start : _LEAF * max(start, stop)])
            return [data[i : i + _LEAF] for i in range(0, len(data), _LEAF)]
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError(f"leaf {index} of {size}")
        return bytes(self._buffer[_LEAF * index : _LEAF * (index + 1)])


def _root(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """The root of a tree over ``hashes[start:end]``, hashed a chunk at a time (flat memory)."""
    frontier = Frontier()
    for at in range(start, end, _CHUNK):
        frontier.extend(list(hashes[at : min(at + _CHUNK, end)]))
    return frontier.root()


@dataclass(frozen=True, slots=True)
class HeadCheck:
    head: dict[str, Any]
    witness: str
    ok: bool
    what: str


@dataclass(frozen=True, slots=True)
class FirstLeaf:
    """The first leaf where the log differs from its tree."""

    leaf_index: int
    notification_id: int
    stream_id: str
    stream_type: str
    version: int
    what: str

    def __str__(self) -> str:
        kind = f"{self.stream_type} " if self.stream_type else ""
        return (
            f"leaf {self.leaf_index}: {kind}{self.stream_id} version {self.version} "
            f"(notification {self.notification_id}): {self.what}"
        )


@dataclass(slots=True)
class TreeReport:
    leaves: int = 0
    tree_size: int | None = None
    heads: list[HeadCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    first: FirstLeaf | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and all(h.ok for h in self.heads)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "leaves": self.leaves,
            "tree_size": self.tree_size,
            "heads": [asdict(h) for h in self.heads],
            "problems": list(self.problems),
            "notes": list(self.notes),
            "first_differing_leaf": asdict(self.first) if self.first else None,
        }


def _roots_at(hashes: Sequence[bytes], sizes: Sequence[int]) -> dict[int, bytes]:
    frontier = Frontier()
    roots: dict[int, bytes] = {}
    for size in sorted(set(sizes)):
        if size > len(hashes):
            break
        for at in range(frontier.size, size, _CHUNK):  # a chunk at a time: flat memory
            frontier.extend(list(hashes[at : min(at + _CHUNK, size)]))
        roots[size] = frontier.root()
    return roots


def check_tree(
    store: Store,
    leaves: Leaves,
    heads: Sequence[tuple[str, TreeHead]] = (),
    public_key: str | None = None,
) -> TreeReport:
    """Compare the recomputed leaves with the stored tree and with ``(witness, head)`` pairs."""
    nids, hashes = leaves.in_order()
    report = TreeReport(leaves=len(hashes))
    with store.read() as tx:
        state = tree.load(tx)
    report.tree_size = state.size if state else None
    sizes = [h.tree_size for _, h in heads] + ([state.size] if state else [])
    roots = _roots_at(hashes, sizes)
    failed: list[TreeHead] = []
    for witness, head in heads:
        what, ok = _head_verdict(head, roots.get(head.tree_size), len(hashes), public_key)
        report.heads.append(HeadCheck(head.model_dump(), witness, ok, what))
        if not ok and head.signature_ok() and (public_key is None or head.public_key == public_key):
            failed.append(head)
    tree_differs = False
    if state is None:
        report.notes.append(
            "the store keeps no Merkle tree yet (a store made before it): `lif audit seal` builds it"
        )
        if heads:
            report.problems.append("there is no tree to compare the heads' leaves with")
    elif roots.get(state.size) != state.root or len(hashes) != state.size:
        tree_differs = True
        report.problems.append(
            f"the log ({len(hashes)} events) no longer matches the tree kept with it "
            f"({state.size} leaves): events were changed, added or removed outside LIF"
        )
    if failed or tree_differs:
        report.first = _first_leaf(store, nids, hashes, failed, report)
    return report


def _head_verdict(
    head: TreeHead, root: bytes | None, events: int, public_key: str | None
) -> tuple[str, bool]:
    if not head.signature_ok():
        return "its signature does not verify: the head was forged or altered", False
    if public_key is not None and head.public_key != public_key:
        return f"it is signed by key {head.public_key[:16]}…, not the key given", False
    if root is None:
        return (
            f"the log now holds {events} events, fewer than the {head.tree_size} this head signed: "
            "events were deleted",
            False,
        )
    if root != head.root:
        return (
            "the log's first events no longer hash to this head's root: events were changed, inserted, reordered or deleted",
            False,
        )
    return "the log extends this head", True


def _first_leaf(
    store: Store,
    nids: Sequence[int],
    hashes: Sequence[bytes],
    failed: list[TreeHead],
    report: TreeReport,
) -> FirstLeaf | None:
    stored: list[tree.StoredLeaf] = [leaf for page in tree.leaf_pages(store) for leaf in page]
    kept = [leaf.hash for leaf in stored]
    size = min(len(kept), len(hashes))
    index = first_difference(
        size, lambda a, b: _root(hashes, a, b), lambda a, b: root_of(kept[a:b])
    )
    if index is None:
        if len(kept) == len(hashes):
            return None
        index = size
    # Is the stored tree what the heads signed? Then the leaf it names is the signed one.
    trusted = [h for h in failed if _roots_at(kept, [h.tree_size]).get(h.tree_size) == h.root]
    untrusted = [h for h in failed if h not in trusted]
    if untrusted:
        good = [c.head["tree_size"] for c in report.heads if c.ok]
        bound = max(good, default=0)
        report.problems.append(
            f"the tree kept in the store does not match {len(untrusted)} head(s) either: it was "
            f"rewritten too. The first event that differs from the signed log is at or after leaf "
            f"{bound} (the largest head still matching) and before leaf "
            f"{min(h.tree_size for h in untrusted)}; the leaf named is where the log and the "
            "rewritten tree part"
        )
    ours = (nids[index], hashes[index]) if index < len(hashes) else None
    theirs = stored[index] if index < len(stored) else None
    if ours is not None and theirs is not None and ours[0] == theirs.notification_id:
        return _named(
            store,
            index,
            ours[0],
            "its content or hash differs from when it was added to the tree: altered, swapped or forged",
        )
    if ours is not None and (theirs is None or ours[0] < theirs.notification_id):
        return _named(
            store, index, ours[0], "it is in the log but not in the tree: inserted outside LIF"
        )
    assert theirs is not None
    return FirstLeaf(
        index,
        theirs.notification_id,
        theirs.stream_id,
        "",
        theirs.version,
        "it is gone from the log: deleted",
    )


def _named(store: Store, index: int, nid: int, what: str) -> FirstLeaf:
    with store.read() as tx:
        rows = rows_after(tx, store, nid - 1, 1)
    if not rows or rows[0][0] != nid:
        return FirstLeaf(index, nid, "?", "", 0, what)
    _, stream, version, topic, _ = rows[0]
    return FirstLeaf(index, nid, stream, event_type(topic).split(".", 1)[0], version, what)
