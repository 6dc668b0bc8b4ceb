"""The events table: every SQL statement of ours on the library's events table, and stored events decoded.

The library (eventsourcing) makes the table and reads it through its recorder (``store.save``,
``store.get``, ``store.notifications``); every other statement on it is here, behind named
functions:

- **writing** in bulk inside a transaction: :func:`lock_for_append`, :func:`append`,
  :func:`append_rows` (``COPY`` on PostgreSQL, one ``executemany`` on SQLite), :func:`stored_row`;
- **reading** pages: in stream order (:func:`pages_by_stream`, the audit's verify), in
  notification order decoded (:func:`decoded_events`, the projections) or as stored
  (:func:`rows_after`, the event-id index), whole streams (:func:`read_streams`), the hashes a
  seal is over (:func:`hash_lines`), counts (:func:`count_events`, :func:`count_after`);
- **decoding** stored events: typed values (:func:`decoded_events`, with the codec's
  :func:`~lif_core.eventlog.codec.decode_typed`) or plain JSON values (:meth:`StoredRow.data`,
  with :func:`~lif_core.eventlog.codec.plain_decode`: no domain class or plugin needed);
- **naming**: :func:`stream_text` (a stored stream id as UUID text), :func:`event_type`
  (``Learning.Accepted`` from a topic).

The bytes themselves (bodies, hashes) are :mod:`lif_core.eventlog.codec`'s; every append also
grows the Merkle tree (:mod:`lif_core.eventlog.tree`) in the same transaction.

Long because every statement on the events table lives here, and only here (a test holds it):
splitting it would spread the table's SQL again.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from lif_core.errors import StoreError
from lif_core.eventlog import tree
from lif_core.eventlog.codec import (
    HASH_FIELD,
    decode_typed,
    plain_decode,
    split_state,
    stored_hash,
    stored_state,
)
from lif_core.eventlog.store import Store, Tx

__all__ = [
    "PAGE",
    "StoredRow",
    "append",
    "append_rows",
    "build_tree",
    "check_readable",
    "count_after",
    "count_events",
    "decoded_events",
    "event_type",
    "events_table",
    "harden",
    "harden_statements",
    "hash_lines",
    "lock_for_append",
    "notification_column",
    "pages_by_stream",
    "read_streams",
    "rows_after",
    "stored_row",
    "stream_param",
    "stream_text",
]

PAGE = 5000
_STREAMS_PER_QUERY = 500
_MMAP = 0x7FFF0000  # SQLite's largest memory map


# --- names ---------------------------------------------------------------------------------------


def events_table(store: Store) -> str:
    """The events table's name as SQL (schema-qualified on PostgreSQL).

    Public for the benches and tests that go around the log on purpose (raw insert rates, a
    tamperer with SQL access); the packages use the functions of this module.
    """
    name = store.recorder.events_table_name
    return name if store.dialect == "sqlite" else f'"{store.url.schema}"."{name}"'


def notification_column(store: Store) -> str:
    """The column that holds notification ids (SQLite's is the rowid); see :func:`events_table`."""
    return "rowid" if store.dialect == "sqlite" else "notification_id"


_HEX_DIGITS = "0123456789abcdef"
_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def stream_text(oid: Any) -> str:
    """A stored stream id as canonical UUID text (SQLite stores 32 hex digits, PostgreSQL a
    uuid, read as a UUID or as its text)."""
    if type(oid) is UUID:
        return str(oid)
    text = str(oid)
    if len(text) == 32 and not text.strip(_HEX_DIGITS):
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    if _CANONICAL.fullmatch(text):  # what str(UUID(text)) gives, without parsing it
        return text
    return str(UUID(text))


def stream_param(store: Store, stream_id: str | UUID) -> Any:
    """A stream id as the events table holds it (32 hex digits on SQLite, a UUID on PostgreSQL)."""
    value = stream_id if isinstance(stream_id, UUID) else UUID(str(stream_id))
    return value.hex if store.dialect == "sqlite" else value


_TYPES: dict[str, str] = {}


def event_type(topic: str) -> str:
    """``Learning.Accepted`` for ``lif_core.domain.learning:Learning.Accepted`` (its stream
    type is the part before the dot)."""
    kind = _TYPES.get(topic)
    if kind is None:
        kind = _TYPES[topic] = topic.split(":", 1)[-1]
    return kind


# --- writing -------------------------------------------------------------------------------------


def lock_for_append(store: Store, tx: Tx) -> None:
    """Serialise writers for the rest of ``tx`` (PostgreSQL table lock; SQLite takes its own)."""
    if store.dialect == "postgresql":
        _serialise(store, tx)
    else:
        # A dummy write takes SQLite's write lock now, before reads that decide what to write.
        tx.execute("UPDATE lif_tracking SET position = position WHERE name = '__lock__'")
        # A writer's page cache of 32 MiB, not SQLite's 2 MiB: a large file's records land
        # all over B-trees far larger than that (the 1M-row bench: a seventh faster). It
        # stays with the connection, and is the most memory a file can add.
        tx.execute(f"PRAGMA cache_size = -{store.WRITER_CACHE_KIB}")


def _serialise(store: Store, tx: Tx) -> None:
    """PostgreSQL: one writer at a time, so notification ids are issued in commit order.

    Every writer of ours first locks ``lif_merkle_state`` (exclusive: readers go on). A role
    that may also lock the events table takes the library's own lock on it (eventsourcing 9.5,
    private; tests/lif_core/eventlog/test_library_internals.py holds it), which also keeps
    out the library's own inserts; a hardened application role (:func:`harden_statements`)
    may only insert and select there, and PostgreSQL's exclusive lock needs more, so it
    relies on the first lock, which every writer of ours takes.
    """
    tx.execute("LOCK TABLE lif_merkle_state IN EXCLUSIVE MODE")
    may = store.may_lock_events
    if may is None:
        row = tx.execute(
            "SELECT has_table_privilege(current_user, ?, 'UPDATE')", (events_table(store),)
        ).fetchone()
        may = store.may_lock_events = bool(row and row[0])
    if may:
        store.recorder._lock_table(tx.cursor)


_ROLE = re.compile(r"[a-z_][a-z0-9_$]{0,62}")


def harden_statements(store: Store, app_role: str) -> list[str]:
    """SQL that makes the events table append-only for ``app_role`` (run by the table's owner).

    The role owns every other table and view of the schema (the read models rebuild theirs),
    but on the events table may only ``SELECT`` and ``INSERT``; a trigger refuses ``UPDATE``, ``DELETE`` and
    ``TRUNCATE`` from any role but the table's owner, whatever it was granted later.
    """
    if store.dialect != "postgresql":
        raise StoreError("hardening is for PostgreSQL stores: SQLite has no roles")
    if not _ROLE.fullmatch(app_role):
        raise StoreError(
            f"{app_role!r} is not a plain PostgreSQL role name (lower-case letters, digits, _)"
        )
    schema, table = f'"{store.url.schema}"', events_table(store)
    refuse = f"{schema}.lif_events_append_only"
    bare = store.recorder.events_table_name
    literal = store.url.schema.replace("'", "''")
    return [
        f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {app_role}",
        # Every other table and view is the application's to rebuild (projections replace
        # their views): it owns them. The events table stays its owner's.
        f"""DO $lif$ DECLARE r record; BEGIN
    FOR r IN SELECT c.relname, c.relkind FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = '{literal}' AND c.relkind IN ('r', 'p', 'v', 'm')
               AND c.relname <> '{bare}'
    LOOP
        EXECUTE format('ALTER %s %I.%I OWNER TO {app_role}',
            CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
            '{literal}', r.relname);
    END LOOP;
END $lif$""",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {app_role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {app_role}",
        f"REVOKE ALL ON {table} FROM PUBLIC",
        f"REVOKE ALL ON {table} FROM {app_role}",
        f"GRANT SELECT, INSERT ON {table} TO {app_role}",
        f"""CREATE OR REPLACE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS $lif$
BEGIN
    IF current_user IS DISTINCT FROM
       (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN
        RAISE EXCEPTION 'the LIF event log is append-only: % refused for role %',
            TG_OP, current_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $lif$""",
        f"DROP TRIGGER IF EXISTS lif_events_append_only ON {table}",
        f"CREATE TRIGGER lif_events_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {refuse}()",
        f"DROP TRIGGER IF EXISTS lif_events_no_truncate ON {table}",
        f"CREATE TRIGGER lif_events_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {refuse}()",
    ]


def harden(store: Store, app_role: str) -> list[str]:
    """Apply :func:`harden_statements` in one transaction; the statements run."""
    statements = harden_statements(store, app_role)
    with store.transaction() as tx:
        for statement in statements:
            tx.cursor.execute(statement)
    return statements


def append(store: Store, tx: Tx, events: Sequence[Any]) -> None:
    """Write domain events inside ``tx`` (with whatever else ``tx`` writes: one commit)."""
    if events:
        made = [_stored(store, e) for e in events]
        append_rows(store, tx, [row for row, _ in made], [chain for _, chain in made])


def append_rows(
    store: Store,
    tx: Tx,
    rows: Sequence[tuple[Any, int, str, bytes]],
    chains: Sequence[str] | None = None,
) -> None:
    """Write stored rows (see :func:`stored_row`) inside ``tx``, in the order given.

    ``chains``: each row's stored chain hash, if the caller has them (else they are read from
    the rows' bytes, :func:`~lif_core.eventlog.codec.stored_hash`).
    """
    if not rows:
        return
    if store.dialect == "postgresql":
        # The library's exclusive table lock keeps notification ids in commit order, and its
        # notify keeps its subscribers told (both private in eventsourcing 9.5; see
        # lock_for_append); then COPY, several times faster than its composite-type insert.
        _serialise(store, tx)
        store.recorder._notify_channel(tx.cursor)
        with tx.cursor.copy(
            f"COPY {events_table(store)} (originator_id, originator_version, topic, state) "
            "FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["uuid", "int8", "text", "bytea"])
            for oid, version, topic, state in rows:
                copy.write_row((oid if type(oid) is UUID else UUID(oid), version, topic, state))
    else:
        # One executemany: the library inserts row by row to return notification ids we don't need.
        tx.cursor.executemany(
            f"INSERT INTO {events_table(store)} (originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?)",
            rows,
        )
    _grow_tree(store, tx, rows, chains)


def _grow_tree(
    store: Store,
    tx: Tx,
    rows: Sequence[tuple[Any, int, str, bytes]],
    chains: Sequence[str] | None,
) -> None:
    """Add the rows just written to the Merkle tree, in the same transaction.

    Their notification ids are read back (the writer's lock is held, so every event after the
    tree's last one is ours). Events written some other way since the tree's last leaf are
    read and added first, in log order, so the tree always covers the log as it stands.
    """
    state = tree.load(tx)
    if state is None:  # a store made before the tree: `lif audit seal` builds it once
        return
    nid = notification_column(store)
    # MIN and MAX only: each is one step down the notification id index, whatever the table's
    # size or statistics. A COUNT(*) here was a scan of the whole table on PostgreSQL whenever
    # its statistics were stale (the writers' table lock keeps autovacuum from analysing a
    # busy log), once per write: at 3 million events, seconds a transaction.
    low, high = tx.execute(
        f"SELECT MIN({nid}), MAX({nid}) FROM {events_table(store)} WHERE {nid} > ?",
        (state.last_notification_id,),
    ).fetchone() or (None, None)
    # Our rows all follow the tree's last leaf, with distinct ids; if as many ids as ours span
    # everything after it, the rows after it are ours alone, numbered without gaps (as both
    # databases number one writer's rows).
    if rows and low is not None and int(high) - int(low) + 1 == len(rows):
        tree.extend_columns(
            store,
            tx,
            state,
            range(int(low), int(high) + 1),
            [r[0] for r in rows],
            [r[1] for r in rows],
            [stored_hash(r[3]) for r in rows] if chains is None else chains,
        )
    else:
        tree.extend(store, tx, state, _ours(store, tx, state.last_notification_id, rows))


def _ours(
    store: Store, tx: Tx, after: int, rows: Sequence[tuple[Any, int, str, bytes]]
) -> list[tuple[int, Any, int, str]]:
    """Our rows' leaves when the log after the tree's end holds more than ours: events written
    around LIF (SQL) stay out of the tree, where the audit finds them. If ours are not all after
    the tree's end (its last event was deleted and its number reused), refuse: the log no longer
    ends where its tree does."""
    wanted = {
        (UUID(str(oid)).hex if type(oid) is not UUID else oid.hex, int(v)) for oid, v, _, _ in rows
    }
    leaves = [
        leaf for leaf in _tail(store, tx, after) if (UUID(str(leaf[1])).hex, leaf[2]) in wanted
    ]
    if len(leaves) != len(rows):
        raise StoreError(
            f"the event log no longer ends where its Merkle tree does (notification {after}): "
            "events were deleted outside LIF. Nothing was written; run `lif audit verify`"
        )
    return leaves


def _tail(store: Store, tx: Tx, after: int) -> list[tuple[int, Any, int, str]]:
    """``(notification id, stream, version, chain hash)`` of every event after ``after``, in ``tx``."""
    nid = notification_column(store)
    leaves: list[tuple[int, str, int, str]] = []
    position = after
    while True:
        rows = tx.execute(
            f"SELECT {nid}, originator_id, originator_version, state FROM {events_table(store)} "
            f"WHERE {nid} > ? ORDER BY {nid} LIMIT ?",
            (position, PAGE),
        ).fetchall()
        if not rows:
            return leaves
        leaves.extend(
            (int(n), oid, int(version), stored_hash(_bytes(state)))
            for n, oid, version, state in rows
        )
        position = int(rows[-1][0])


def build_tree(store: Store) -> tree.TreeState:
    """Build the Merkle tree over the whole log as it stands, once, for a store made before
    the tree (one transaction); a store that keeps its tree already is left as it is.
    Returns the tree's state."""
    with store.transaction() as tx:
        lock_for_append(store, tx)
        state = tree.load(tx)
        if state is None:
            state = tree.reset(tx)
            tree.extend(store, tx, state, _tail(store, tx, 0))
        return state


# The stream last seen by stored_row and its 32 hex digits: a stream's events come together.
_last_stream: list[Any] = [None, ""]


def stored_row(store: Store, event: Any) -> tuple[Any, int, str, bytes]:
    """(stream id, version, topic, stored bytes) of a domain event, as :func:`append_rows` takes.

    The stream id may be a UUID or its 32 hex digits (both databases take either).
    """
    return _stored(store, event)[0]


def _stored(store: Store, event: Any) -> tuple[tuple[Any, int, str, bytes], str]:
    """:func:`stored_row`, and the chain hash the stored bytes end with (the tree's leaf is
    made from it: the event carries it, so it need not be cut back out of the bytes)."""
    fields = event.__dict__
    body = fields.get("_lif_body")
    if body is None:  # an event not made by the domain's own constructors: the library's mapper
        stored = store.app.mapper.to_stored_event(event)
        oid, version, topic, state = (
            stored.originator_id,
            stored.originator_version,
            stored.topic,
            stored.state,
        )
        chain = stored_hash(state)
    else:
        oid, version, chain = (
            fields["originator_id"],
            fields["originator_version"],
            fields[HASH_FIELD],
        )
        topic, state = get_topic(type(event)), stored_state(body, chain)
    if store.dialect == "sqlite":
        last = _last_stream
        if oid is not last[0]:
            last[:] = oid, f"{oid.int:032x}" if type(oid) is UUID else UUID(str(oid)).hex
        oid = last[1]
    return (oid, version, topic, state), chain


# --- reading as stored ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One stored event exactly as the database holds it."""

    notification_id: int
    stream_id: str
    version: int
    topic: str
    state: bytes

    @property
    def type(self) -> str:
        """``Learning.Accepted`` for ``lif_core.domain.learning:Learning.Accepted``."""
        return event_type(self.topic)

    @property
    def stream_type(self) -> str:
        return self.type.split(".", 1)[0]

    @property
    def stored_hash(self) -> str:
        return stored_hash(self.state)

    def data(self) -> dict[str, Any]:
        """The event's fields as plain JSON values (the chain hash left out)."""
        body, _ = split_state(self.state)
        try:
            decoded = plain_decode(body)
        except ValueError as exc:
            return {"_unreadable": f"the stored bytes are not valid JSON: {exc}"}
        return decoded if isinstance(decoded, dict) else {"_unreadable": "not a JSON object"}

    def to_dict(self) -> dict[str, Any]:
        return {
            "notification_id": self.notification_id,
            "stream_id": self.stream_id,
            "version": self.version,
            "topic": self.topic,
            "state_b64": base64.b64encode(self.state).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredRow:
        return cls(
            int(data["notification_id"]),
            str(data["stream_id"]),
            int(data["version"]),
            str(data["topic"]),
            base64.b64decode(data["state_b64"], validate=True),
        )


def _bytes(state: bytes | str | memoryview) -> bytes:
    return state.encode() if isinstance(state, str) else bytes(state)


def _lean(store: Store, tx: Tx) -> None:
    """SQLite, for reads of the whole log: mapped pages (reading in stream order jumps about
    the table) and plain tuples rather than ``sqlite3.Row`` objects."""
    if store.dialect != "sqlite":
        return
    tx.execute(f"PRAGMA mmap_size = {_MMAP}")
    raw = getattr(tx.cursor, "sqlite_cursor", None)  # the library's wrapper around sqlite3's
    if raw is not None:
        raw.row_factory = None


def pages_by_stream(store: Store) -> Iterator[list[tuple[Any, ...]]]:
    """The whole log in stream and version order, a page at a time (keyset pages: flat memory).

    Each row is ``(stored stream id, version, topic, stored bytes, notification id)`` as the
    database gives it: the stream id as :func:`stream_text` reads it, the bytes as ``bytes``
    or ``str`` (the audit checks every event, so nothing is made per row that it does not need).
    """
    columns = (
        f"SELECT originator_id, originator_version, topic, state, {notification_column(store)} "
        f"FROM {events_table(store)}"
    )
    last: tuple[Any, int] | None = None
    page = PAGE
    while True:
        with store.read() as tx:
            _lean(store, tx)
            # A row-value comparison, so both databases seek the primary key (an OR scans it).
            if last is None:
                tx.execute(f"{columns} ORDER BY originator_id, originator_version LIMIT ?", (page,))
            else:
                tx.execute(
                    f"{columns} WHERE (originator_id, originator_version) > (?, ?) "
                    "ORDER BY originator_id, originator_version LIMIT ?",
                    (last[0], last[1], page),
                )
            rows: list[Any] = tx.cursor.fetchall()
        if not rows:
            return
        if isinstance(rows[0], dict):  # psycopg's dict rows
            rows = [tuple(r.values()) for r in rows]
        yield rows
        last = (rows[-1][0], int(rows[-1][1]))


def hash_lines(store: Store, stop: int) -> Iterator[tuple[int, str]]:
    """(notification id, stored hash) in log order up to ``stop``: what a seal's digest is over."""
    nid = notification_column(store)
    position = 0
    while True:
        with store.read() as tx:
            _lean(store, tx)
            rows = tx.execute(
                f"SELECT {nid}, state FROM {events_table(store)} "
                f"WHERE {nid} > ? AND {nid} <= ? ORDER BY {nid} LIMIT ?",
                (position, stop, PAGE),
            ).fetchall()
        if not rows:
            return
        for notification_id, state in rows:
            yield int(notification_id), stored_hash(_bytes(state))
        position = int(rows[-1][0])


def read_streams(store: Store, stream_ids: Iterable[str]) -> list[StoredRow]:
    """Every stored event of these streams, in stream and version order (one query per 500)."""
    wanted = sorted({str(UUID(str(s))) for s in stream_ids})
    rows: list[StoredRow] = []
    nid = notification_column(store)
    for start in range(0, len(wanted), _STREAMS_PER_QUERY):
        part = [stream_param(store, s) for s in wanted[start : start + _STREAMS_PER_QUERY]]
        marks = ",".join("?" * len(part))
        with store.read() as tx:
            found = tx.execute(
                f"SELECT {nid}, originator_id, originator_version, topic, state "
                f"FROM {events_table(store)} "
                f"WHERE originator_id IN ({marks}) ORDER BY originator_id, originator_version",
                part,
            ).fetchall()
        for n, oid, version, topic, state in found:
            rows.append(
                StoredRow(int(n), stream_text(oid), int(version), str(topic), _bytes(state))
            )
    return rows


def rows_after(
    tx: Tx, store: Store, after: int, limit: int
) -> list[tuple[int, str, int, str, bytes]]:
    """Up to ``limit`` events after notification ``after``, in log order, inside ``tx`` (for
    followers that commit what they derive with their position): ``(notification id, stream
    id, version, topic, stored bytes)`` — :class:`StoredRow`'s fields, as a plain tuple."""
    nid = notification_column(store)
    rows = tx.execute(
        f"SELECT {nid}, originator_id, originator_version, topic, state FROM {events_table(store)} "
        f"WHERE {nid} > ? ORDER BY {nid} LIMIT ?",
        (after, limit),
    ).fetchall()
    return [
        (int(n), stream_text(oid), int(version), str(topic), _bytes(state))
        for n, oid, version, topic, state in rows
    ]


def count_events(store: Store) -> tuple[int, dict[str, int]]:
    """(events in the log, streams per stream type)."""
    type_expr = (
        "substr(topic, instr(topic, ':') + 1)"
        if store.dialect == "sqlite"
        else "split_part(topic, ':', 2)"
    )
    table = events_table(store)
    with store.read() as tx:
        total = tx.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        per_type = tx.execute(
            f"SELECT {type_expr} AS t, COUNT(*) FROM {table} WHERE originator_version = 1 GROUP BY t"
        ).fetchall()
    streams: dict[str, int] = {}
    for name, count in per_type:
        kind = str(name).split(".", 1)[0]
        streams[kind] = streams.get(kind, 0) + int(count)
    return (int(total[0]) if total else 0), dict(sorted(streams.items()))


def count_after(store: Store, position: int) -> int:
    """How many events the log holds after notification ``position``."""
    nid = notification_column(store)
    with store.read() as tx:
        row = tx.execute(
            f"SELECT COUNT(*) FROM {events_table(store)} WHERE {nid} > ?", (position,)
        ).fetchone()
    return int(row[0]) if row else 0


def check_readable(store: Store) -> None:
    """Raise the database's own error unless the events table exists and can be read."""
    with store.read() as tx:
        tx.execute(f"SELECT 1 FROM {events_table(store)} LIMIT 1")


def decoded_events(
    store: Store,
    start: int,
    *,
    topics: set[str] | None = None,
    until: datetime | None = None,
    stop: int | None = None,
) -> Iterator[tuple[int, str, int, str, dict[str, Any]]]:
    """Events from notification ``start`` on, decoded to typed values (the hash left out):
    ``(notification id, stream id, version, type, data)``.

    Only events of the ``topics`` types (``Learning.Accepted``, …), recorded by ``until``,
    up to notification ``stop``.
    """
    nid = notification_column(store)
    # PostgreSQL's uuid read as text: no UUID object made per event only to be printed.
    oid_column = "originator_id::text" if store.dialect == "postgresql" else "originator_id"
    sql = (
        f"SELECT {nid}, {oid_column}, originator_version, topic, state FROM {events_table(store)} "
        f"WHERE {nid} >= ?"
        + ("" if stop is None else f" AND {nid} <= ?")
        + f" ORDER BY {nid} LIMIT ?"
    )
    decode = decode_typed
    position = start
    while True:
        params = (position, PAGE) if stop is None else (position, stop, PAGE)
        with store.read() as tx:
            rows = tx.execute(sql, params).fetchall()
        if not rows:
            return
        for n, oid, version, topic, state in rows:
            kind = event_type(topic)
            if topics is not None and kind not in topics:
                continue
            data = decode(state if type(state) is str else bytes(state).decode("utf8"))
            data.pop(HASH_FIELD, None)
            if until is not None and data["timestamp"] > until:
                continue
            yield int(n), stream_text(oid), int(version), kind, data
        position = int(rows[-1][0]) + 1
