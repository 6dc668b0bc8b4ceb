"""Finding events by event id: an index that follows the log, rebuildable from it.

``lif_event_ids`` maps every event id (what ``causation`` lists) to where the event sits;
``lif_action_links`` maps each action to every learning item it answers (the one it was raised
against and each one added later), so a learning item's trail can name its actions without
reading every stream. Both follow the log
from the tracked position ``audit:event-ids`` in ``lif_tracking``; rows and position commit
in one transaction per batch, so a crash never leaves the index ahead of (or behind) what it
says it has read. They describe the log and are never a source of truth: the audit reads the
events themselves and checks their hashes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from lif_core.eventlog.codec import plain_decode, split_state, stored_event_id
from lif_core.eventlog.log import rows_after
from lif_core.eventlog.store import Store, Tx

__all__ = [
    "POSITION",
    "actions_against",
    "locate_events",
    "rebuild_event_ids",
    "sync_event_ids",
]

POSITION = "audit:event-ids"
BATCH = 20_000
_TABLES = [
    """CREATE TABLE IF NOT EXISTS lif_event_ids (
        event_id TEXT PRIMARY KEY, notification_id BIGINT NOT NULL, stream_id TEXT NOT NULL,
        version BIGINT NOT NULL)""",
    # One row per (action, learning item it answers): the item of Action.Raised ('' when it
    # was raised against none) and each of its Action.LearningAdded; ``linked_by`` says which.
    """CREATE TABLE IF NOT EXISTS lif_action_links (
        action_stream_id TEXT NOT NULL, action_reference TEXT NOT NULL,
        learning_reference TEXT NOT NULL, linked_by TEXT NOT NULL,
        notification_id BIGINT NOT NULL, PRIMARY KEY (action_stream_id, learning_reference))""",
    """CREATE INDEX IF NOT EXISTS lif_action_links_learning ON lif_action_links (learning_reference)""",
]
_RAISED = "Action.Raised"
_ADDED = "Action.LearningAdded"


def _ensure(tx: Tx) -> None:
    for statement in _TABLES:
        tx.execute(statement)


def _position(tx: Tx) -> int:
    row = tx.execute("SELECT position FROM lif_tracking WHERE name = ?", (POSITION,)).fetchone()
    return int(row[0]) if row else 0


def sync_event_ids(store: Store) -> int:
    """Bring the index up to the end of the log; returns how many events it read.

    An index already at the end of the log is not written to at all, so a store opened
    read-only (the web view) can still build trails once the index has caught up.
    """
    top = store.max_notification_id()
    with store.read() as tx:
        outdated = _links_outdated(tx)
        if not outdated and _position(tx) >= top:
            return 0
    with store.transaction() as tx:
        if outdated:
            # Made before an action could answer several items (one row per action): read
            # the log again into the new shape (the event ids already indexed stay).
            tx.execute("DROP TABLE lif_action_links")
            tx.execute("DELETE FROM lif_tracking WHERE name = ?", (POSITION,))
        _ensure(tx)
    read = 0
    while True:
        with store.transaction() as tx:
            start = _position(tx)
            rows = rows_after(tx, store, start, BATCH)
            if not rows:
                return read
            ids: list[tuple[Any, ...]] = []
            links: list[tuple[Any, ...]] = []
            added: list[tuple[Any, ...]] = []
            for n, stream, version, topic, state in rows:
                event_id = stored_event_id(state)
                if event_id is not None:
                    ids.append((event_id, n, stream, version))
                if topic.endswith(":" + _RAISED):
                    link = _action_link(state)
                    if link is not None:
                        links.append((stream, *link, n))
                elif topic.endswith(":" + _ADDED):
                    learning = _learning_added(state)
                    if learning is not None:
                        added.append((learning, n, stream))
            # Another process may have indexed the same rows meanwhile: the first one wins.
            tx.executemany(
                "INSERT INTO lif_event_ids (event_id, notification_id, stream_id, version) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                ids,
            )
            tx.executemany(
                "INSERT INTO lif_action_links (action_stream_id, action_reference, learning_reference, linked_by, notification_id) "
                f"VALUES (?, ?, ?, '{_RAISED}', ?) ON CONFLICT DO NOTHING",
                links,
            )
            # A LearningAdded event names no action reference: its Raised row (always earlier
            # in the log, so already written) gives it.
            tx.executemany(
                "INSERT INTO lif_action_links (action_stream_id, action_reference, learning_reference, linked_by, notification_id) "
                f"SELECT action_stream_id, action_reference, ?, '{_ADDED}', ? FROM lif_action_links "
                f"WHERE action_stream_id = ? AND linked_by = '{_RAISED}' ON CONFLICT DO NOTHING",
                added,
            )
            top = rows[-1][0]
            tx.execute(
                "INSERT INTO lif_tracking (name, position, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at "
                "WHERE lif_tracking.position < excluded.position",
                (POSITION, top, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            read += len(rows)


def _links_outdated(tx: Tx) -> bool:
    """Whether ``lif_action_links`` is of the shape with one row per action (no ``linked_by``)."""
    if tx.dialect == "postgresql":
        tx.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'lif_action_links' AND table_schema = current_schema()"
        )
    else:
        tx.execute("SELECT name FROM pragma_table_info('lif_action_links')")
    have = {str(r[0]) for r in tx.fetchall()}
    return bool(have) and "linked_by" not in have


def _decoded(state: bytes) -> dict[str, Any] | None:
    try:
        data = plain_decode(split_state(state)[0])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _action_link(state: bytes) -> tuple[str, str] | None:
    data = _decoded(state)
    if data is None or not isinstance(data.get("reference"), str):
        return None
    learning = data.get("learning_reference")
    return data["reference"], learning if isinstance(learning, str) else ""


def _learning_added(state: bytes) -> str | None:
    data = _decoded(state)
    learning = None if data is None else data.get("learning_reference")
    return learning if isinstance(learning, str) and learning else None


def rebuild_event_ids(store: Store) -> int:
    """Forget the index and read the whole log again (it is only ever derived from the log)."""
    with store.transaction() as tx:
        _ensure(tx)
        tx.execute("DELETE FROM lif_event_ids")
        tx.execute("DELETE FROM lif_action_links")
        tx.execute("DELETE FROM lif_tracking WHERE name = ?", (POSITION,))
    return sync_event_ids(store)


def locate_events(store: Store, event_ids: Iterable[str]) -> dict[str, tuple[int, str, int]]:
    """Event id -> (notification id, stream id, version), for the ids the index knows."""
    wanted = sorted({_canonical(e) for e in event_ids} - {""})
    found: dict[str, tuple[int, str, int]] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        with store.read() as tx:
            rows = tx.execute(
                "SELECT event_id, notification_id, stream_id, version FROM lif_event_ids "
                f"WHERE event_id IN ({','.join('?' * len(part))})",
                part,
            ).fetchall()
        found.update({r[0]: (int(r[1]), str(r[2]), int(r[3])) for r in rows})
    return found


def actions_against(store: Store, learning_reference: str) -> list[str]:
    """Stream ids of the actions that answer a learning item (raised against it or answering
    it as well), in the order they were linked to it."""
    with store.read() as tx:
        rows = tx.execute(
            "SELECT action_stream_id FROM lif_action_links WHERE learning_reference = ? "
            "ORDER BY notification_id",
            (learning_reference,),
        ).fetchall()
    return [str(r[0]) for r in rows]


def _canonical(event_id: str) -> str:
    try:
        return str(UUID(str(event_id)))
    except ValueError:
        return ""
