"""The projection runner: follow the log, keep each projection's state and position, render tables.

A projection is a module with ``NAME``, ``TOPICS`` (event types it reads, e.g.
``"Learning.Accepted"``), ``apply(state, event)`` (pure: folds one event into its state, a
dict) and ``TABLES`` (table name -> ``render(states, context) -> rows`` and its columns).
The runner reads each notification once, gives it to every projection past whose position it
lies, then writes states, positions and the rendered tables in ONE transaction: exactly once,
and a crash leaves the previous tables and positions as they were.

Long because the one pass over the log, the commit under a lock (runners side by side) and the
check for edited tables share one run's state and one transaction.

Records' sealed fields (free text, personal fields; docs/privacy.md), and the text the
policies carried over from them into other events, are opened as the events are read: projections see the text, ``[erased]`` once its key is destroyed, and ``[personal]``
for a field its kind declares personal. Since states and tables then hold what was opened, an
erasure in the log since the last run makes every projection rebuild, with the old rows
overwritten in the database file (SQLite ``secure_delete``) or vacuumed away (PostgreSQL).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from types import ModuleType
from typing import Any

from eventsourcing.utils import get_topic

from lif_core.domain import Erasure
from lif_core.eventlog.codec import LifTranscoder, plain
from lif_core.eventlog.log import decoded_events
from lif_core.eventlog.store import Store, Tx
from lif_core.plugins.declared import Declared
from lif_core.privacy.vault import DataKeys, is_sealed, purge

__all__ = [
    "Column",
    "Context",
    "Drift",
    "EventView",
    "ProjectionRun",
    "Table",
    "as_written",
    "checksum",
    "drifted",
    "events_of",
    "kept_attributes",
    "run_projections",
    "stored_checksum",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str  # TEXT | INTEGER | REAL | BOOLEAN | DATE | TIMESTAMP | JSON
    description: str
    since: int = 1  # the column-set version that added it


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    render: Callable[[dict[str, dict[str, Any]], Context], list[dict[str, Any]]]
    key: tuple[str, ...]

    @property
    def versions(self) -> list[int]:
        return sorted({c.since for c in self.columns})


@dataclass(frozen=True, slots=True)
class EventView:
    """One event as projections see it: its place, its type and its data (hash removed)."""

    notification_id: int
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]

    @property
    def recorded_at(self) -> datetime:
        value: datetime = self.data["timestamp"]
        return value

    @property
    def event_id(self) -> str:
        return str(self.data["event_id"])

    @property
    def actor(self) -> str:
        return str(self.data["actor"])


@dataclass(slots=True)
class Context:
    """What rendering may depend on besides the log: the reference date, the plugin catalogue
    and what the plugins declare their records mean (findings, actions, learning, measures).

    A projection module with ``USES_CONTEXT = True`` is given it when folding events too
    (``apply(state, event, context=...)``): what it keeps of a record depends on the declarations.
    """

    reference_date: date
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    local_authority: str = "Leeds"
    declared: Declared = field(default_factory=Declared)


def events_of(
    store: Store,
    start: int,
    *,
    topics: set[str] | None = None,
    until: datetime | None = None,
    stop: int | None = None,
) -> Iterator[EventView]:
    """Decoded events from notification ``start`` on (only ``topics`` types, recorded by ``until``)."""
    for nid, stream_id, version, kind, data in decoded_events(
        store, start, topics=topics, until=until, stop=stop
    ):
        yield EventView(nid, stream_id, version, kind, data)


def kept_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """A record's attributes as a projection keeps them in its state: equal to what the event
    gave, with the field names and text values interned, so that the names every record of a
    kind repeats (and repeated values: an area, a unit, a polarity) are held once, not once a
    record (they were a fifth of a rebuild's memory). Interned strings are freed when no state
    holds them any more."""
    intern = sys.intern
    return {intern(k): intern(v) if type(v) is str else v for k, v in attributes.items()}


def _timestamp(value: Any) -> str:
    """A time as ISO 8601 in UTC, the one form it is stored, read back and hashed in."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.isoformat()


def as_written(value: Any, column: Column) -> Any:
    """A value as written, and as hashed: the same whether it comes from a render or is read
    back from either database (PostgreSQL gives dates, times, booleans and JSON natively)."""
    if value is None:
        return None
    if column.type == "JSON":
        # Canonical text, so a checksum of the rows read back equals the one recorded when writing.
        data = json.loads(value) if isinstance(value, str) else plain(value)
        return json.dumps(data, sort_keys=True)
    if column.type == "DATE":
        return value.isoformat()[:10] if isinstance(value, (date, datetime)) else str(value)
    if column.type == "TIMESTAMP":
        return _timestamp(value)
    if column.type == "REAL":
        return float(value)
    if column.type in ("INTEGER", "BOOLEAN"):
        # A flag is 1 or 0 as written (SQLite has no booleans; PostgreSQL reads '1' as true).
        return int(value)
    return str(value)


def checksum(rows: Sequence[dict[str, Any]], table: Table) -> str:
    """A content checksum of a table: sha256 over its rows in key order, as stored."""
    sha = hashlib.sha256()
    for row in sorted(rows, key=lambda r: tuple(str(r.get(k)) for k in table.key)):
        sha.update(
            json.dumps(
                [as_written(row.get(c.name), c) for c in table.columns], default=str
            ).encode()
        )
        sha.update(b"\n")
    return sha.hexdigest()


@dataclass(frozen=True, slots=True)
class Drift:
    """A read table whose rows differ from the checksum recorded when ``lif project`` built it."""

    table: str
    recorded: str
    actual: str

    def __str__(self) -> str:
        return (
            f"the read table {self.table} differs from what `lif project` built (its rows hash to "
            f"{self.actual[:12]}…, {self.recorded[:12]}… was recorded): it was changed outside "
            "`lif project`"
        )


def stored_checksum(tx: Tx, table: Table) -> str:
    """The checksum of a table's rows as they are stored now (same form as :func:`checksum`)."""
    names = [c.name for c in table.columns]
    rows = tx.execute(f"SELECT {', '.join(names)} FROM {table.name}").fetchall()
    return checksum([dict(zip(names, r, strict=True)) for r in rows], table)


def drifted(tx: Tx, tables: Sequence[Table]) -> list[Drift]:
    """The tables (of those built and recorded) whose rows no longer match their checksum."""
    recorded = {
        str(name): str(digest)
        for name, digest in tx.execute(
            "SELECT name, checksum FROM lif_projection_tables"
        ).fetchall()
    }
    found = []
    for table in tables:
        if table.name in recorded:
            actual = stored_checksum(tx, table)
            if actual != recorded[table.name]:
                found.append(Drift(table.name, recorded[table.name], actual))
    return found


_SQL_TYPES = {
    "TEXT": "TEXT",
    "INTEGER": "BIGINT",
    "REAL": "DOUBLE PRECISION",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMPTZ",
    "JSON": "JSONB",
}
"""PostgreSQL's native type for each column type (what ``information_schema`` shows)."""
_SQLITE_TYPES = {
    **_SQL_TYPES,
    "BOOLEAN": "INTEGER",
    "DATE": "TEXT",
    "TIMESTAMP": "TEXT",
    "JSON": "TEXT",
}
"""SQLite has no date, time, boolean or JSON type: ISO text, 1/0 and JSON text, as before."""
# information_schema.columns.data_type of each PostgreSQL type above.
_PG_DATA_TYPES = {
    "TEXT": "text",
    "BIGINT": "bigint",
    "DOUBLE PRECISION": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMPTZ": "timestamp with time zone",
    "JSONB": "jsonb",
}


def _retype(tx: Tx, table: Table) -> None:
    """PostgreSQL: drop a read table built with other column types (a store made before the
    native types), with its views and its recorded checksum; it is created again and, as every
    run renders every table whole, filled again by this run."""
    rows = tx.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ?",
        (table.name,),
    ).fetchall()
    if not rows:
        return
    found = {str(name): str(kind) for name, kind in rows}
    wanted = {c.name: _PG_DATA_TYPES[_SQL_TYPES[c.type]] for c in table.columns}
    if all(found.get(name) == kind for name, kind in wanted.items()):
        return
    log.warning("read table %s: columns retyped to the native types; rebuilt", table.name)
    tx.execute(f"DROP TABLE {table.name} CASCADE")
    tx.execute("DELETE FROM lif_projection_tables WHERE name = ?", (table.name,))


def create_tables(tx: Tx, tables: Sequence[Table]) -> None:
    tx.execute(
        "CREATE TABLE IF NOT EXISTS lif_projection_state (projection TEXT NOT NULL, entity TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (projection, entity))"
    )
    tx.execute(
        "CREATE TABLE IF NOT EXISTS lif_projection_tables (name TEXT PRIMARY KEY, rows BIGINT NOT NULL, checksum TEXT NOT NULL, reference_date TEXT NOT NULL, position BIGINT NOT NULL, updated_at TEXT NOT NULL)"
    )
    types = _SQL_TYPES if tx.dialect == "postgresql" else _SQLITE_TYPES
    for table in tables:
        if tx.dialect == "postgresql":
            _retype(tx, table)
        cols = ", ".join(f"{c.name} {types[c.type]}" for c in table.columns)
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {table.name} ({cols}, PRIMARY KEY ({', '.join(table.key)}))"
        )
        _add_new_columns(tx, table)
        for version in table.versions:
            names = ", ".join(c.name for c in table.columns if c.since <= version)
            if tx.dialect == "postgresql":
                tx.execute(
                    f"CREATE OR REPLACE VIEW {table.name}_v{version} AS SELECT {names} FROM {table.name}"
                )
            else:
                tx.execute(f"DROP VIEW IF EXISTS {table.name}_v{version}")
                tx.execute(
                    f"CREATE VIEW {table.name}_v{version} AS SELECT {names} FROM {table.name}"
                )


def _add_new_columns(tx: Tx, table: Table) -> None:
    """A table made by an older version gains the columns added since (a new column-set
    version only ever adds columns; the next render fills them)."""
    if tx.dialect == "postgresql":
        tx.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = ? AND table_schema = current_schema()",
            (table.name,),
        )
    else:
        tx.execute(f"SELECT name FROM pragma_table_info('{table.name}')")
    have = {str(r[0]) for r in tx.fetchall()}
    for column in table.columns:
        if column.name not in have:
            tx.execute(
                f"ALTER TABLE {table.name} ADD COLUMN {column.name} {_SQL_TYPES[column.type]}"
            )


def _insert(tx: Tx, table: str, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows: COPY on PostgreSQL (not a round trip a row), one executemany on SQLite."""
    if not rows:
        return
    if tx.dialect == "postgresql":
        with tx.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(names))
    tx.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)


def _delete_states(tx: Tx, projection: str, entities: set[str]) -> None:
    """Delete these entities' stored states, many to a statement (a catch-up can touch millions)."""
    keys = sorted(entities)
    if tx.dialect == "postgresql":
        for start in range(0, len(keys), 10_000):
            tx.execute(
                "DELETE FROM lif_projection_state WHERE projection = ? AND entity = ANY(?)",
                (projection, keys[start : start + 10_000]),
            )
        return
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        tx.execute(
            f"DELETE FROM lif_projection_state WHERE projection = ? AND entity IN ({', '.join('?' * len(part))})",
            (projection, *part),
        )


@dataclass(slots=True)
class ProjectionRun:
    """What a run did: events read per projection, rows and checksum per table."""

    events: dict[str, int] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    position: int = 0
    repaired: list[Drift] = field(default_factory=list)  # tables found edited, now rebuilt

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "events": self.events,
            "tables": self.tables,
            "repaired": [
                {"table": d.table, "recorded": d.recorded, "found": d.actual} for d in self.repaired
            ],
        }


# A projection's state is kept as the codec's JSON, so its dates and decimals come back as such.
_TRANSCODER = LifTranscoder()


def _state_codec_dump(state: dict[str, Any]) -> str:
    return _TRANSCODER.encode(state).decode()


def _state_codec_load(text: str) -> Any:
    return _shared_names(_TRANSCODER.decode(text.encode()))


def _shared_names(value: Any) -> Any:
    """A loaded state with its field names interned: each entity is decoded apart, so every
    one held its own copy of the same names (43% of a catch-up's loaded states, measured)."""
    kind = type(value)
    if kind is dict:
        intern = sys.intern
        return {intern(k) if type(k) is str else k: _shared_names(v) for k, v in value.items()}
    if kind is list:
        return [_shared_names(v) for v in value]
    return value


class _Overtaken(Exception):
    """Another runner committed while this one read: its work is stale, start again."""


_ATTEMPTS = 20


def _lock(store: Store, tx: Tx) -> None:
    """Serialise projection writers for the rest of ``tx`` (two runners may run side by side)."""
    if store.dialect == "postgresql":
        tx.execute("SELECT pg_advisory_xact_lock(hashtext('lif-projections'))")
    else:
        # A write first: SQLite's write lock, held to the commit.
        tx.execute("UPDATE lif_tracking SET position = position WHERE name = '__lock__'")


def _position(tx: Tx, module: ModuleType) -> int:
    row = tx.execute(
        "SELECT position FROM lif_tracking WHERE name = ?", (f"projection:{module.NAME}",)
    ).fetchone()
    return int(row[0]) if row else 0


def run_projections(
    store: Store,
    modules: Sequence[ModuleType],
    context: Context,
    *,
    rebuild: bool = False,
    until: datetime | None = None,
    target: Store | None = None,
    stop: int | None = None,
) -> ProjectionRun:
    """Bring every projection up to date (or rebuild it) and render its tables, in one transaction.

    ``until`` keeps only events recorded by then and ``target`` writes into another store
    (the as-of build): the source store is then only read.

    Runners may run side by side (two processes, or Dagster beside ``lif project``): a runner
    commits under a lock, and only if no other runner committed since it read its positions;
    otherwise it starts again from theirs (nothing applied twice, no position moved back).
    """
    for _ in range(_ATTEMPTS):
        try:
            return _run_once(store, modules, context, rebuild, until, target, stop)
        except _Overtaken:
            log.info("another projection runner committed first; starting again from its position")
    raise RuntimeError(
        f"the projections were overtaken by other runners {_ATTEMPTS} times in a row; "
        "run fewer projection runners at once"
    )


_RECORD_TYPES = frozenset({"SourceRecord.Recorded", "SourceRecord.Revised"})
_ERASED_TOPIC = get_topic(Erasure.Erased)
# A rejected row stays sealed in its read table (opened as it is served: docs/privacy.md).
_KEPT_SEALED = "IngestionRun."


def _carried(event: EventView, keys: DataKeys) -> EventView:
    """An event a policy wrote with a record's text carried over, sealed under the record's
    key (a learning statement, an action's description or progress note): opened."""
    data = {k: (keys.open(v) if is_sealed(v) else v) for k, v in event.data.items()}
    return EventView(event.notification_id, event.stream_id, event.version, event.type, data)


def _opened(event: EventView, keys: DataKeys, declared: Declared) -> EventView:
    """A record's event with its sealed values opened and its personal fields ``[personal]``."""
    data = event.data
    kind = declared.kind(str(data.get("source")), str(data.get("record_kind")))
    personal = kind.personal_fields if kind is not None else ()
    attributes = data.get("attributes") or {}
    changes = data.get("changes") or {}
    if not personal and not any(is_sealed(v) for v in attributes.values()):
        return event  # a revision's changes are sealed only where its attributes are
    opened = dict(data)
    opened["attributes"] = keys.published(attributes, personal)
    if changes:
        opened["changes"] = {
            k: {side: keys.published({k: v.get(side)}, personal)[k] for side in ("from", "to")}
            for k, v in changes.items()
        }
    return EventView(event.notification_id, event.stream_id, event.version, event.type, opened)


def _erased_since(store: Store, position: int, stop: int | None) -> bool:
    """Whether an erasure was recorded after ``position`` (so opened text may be gone)."""
    return bool(store.notifications(position + 1, 1, stop=stop, topics=[_ERASED_TOPIC]))


def _run_once(
    store: Store,
    modules: Sequence[ModuleType],
    context: Context,
    rebuild: bool,
    until: datetime | None,
    target: Store | None,
    stop: int | None,
) -> ProjectionRun:
    out = target or store
    tables = [t for m in modules for t in m.TABLES]
    with out.transaction() as tx:
        _lock(out, tx)
        create_tables(tx, tables)
    states: dict[str, dict[str, Any]] = {}
    positions: dict[str, int] = {}
    erased = False
    if not rebuild and target is None:
        with out.read() as tx:
            since = min((_position(tx, m) for m in modules), default=0)
        erased = rebuild = _erased_since(store, since, stop)
    with out.read() as tx:
        for m in modules:
            if rebuild or target is not None:
                states[m.NAME], positions[m.NAME] = {}, 0
                continue
            positions[m.NAME] = _position(tx, m)
            rows = tx.execute(
                "SELECT entity, state FROM lif_projection_state WHERE projection = ?", (m.NAME,)
            ).fetchall()
            states[m.NAME] = {entity: _state_codec_load(state) for entity, state in rows}
    dirty: dict[str, set[str]] = {m.NAME: set() for m in modules}
    run = ProjectionRun(events={m.NAME: 0 for m in modules})
    topics = set().union(*(m.TOPICS for m in modules))
    start = min(positions.values(), default=0) + 1
    top = store.max_notification_id() if stop is None else stop
    # Per event type, the projections that read it (in module order) with what they need:
    # worked out once per type, since this loop runs once per event of the log.
    readers: dict[str, list[tuple[str, int, Any, dict[str, Any], set[str]]]] = {}
    counts = run.events
    keys = DataKeys(store, preload=True)
    for event in events_of(store, start, topics=topics, until=until, stop=top):
        if event.type in _RECORD_TYPES:
            event = _opened(event, keys, context.declared)
        elif not event.type.startswith(_KEPT_SEALED) and any(
            is_sealed(v) for v in event.data.values()
        ):
            event = _carried(event, keys)
        interested = readers.get(event.type)
        if interested is None:
            interested = readers[event.type] = [
                (
                    m.NAME,
                    positions[m.NAME],
                    partial(m.apply, context=context)
                    if getattr(m, "USES_CONTEXT", False)
                    else m.apply,
                    states[m.NAME],
                    dirty[m.NAME],
                )
                for m in modules
                if event.type in m.TOPICS
            ]
        nid = event.notification_id
        for name, position, apply, state, changed_entities in interested:
            if nid > position:
                touched = apply(state, event)
                if touched:
                    changed_entities.update(touched)
                counts[name] += 1
    run.position = top
    now = datetime.now(UTC).isoformat(timespec="seconds")
    # Everything the transaction writes is made before it opens: PostgreSQL ends a session left
    # idle in a transaction for 5 s (eventsourcing's default), and rendering the tables and
    # encoding the states of a log of millions takes longer than that between two statements.
    whole = rebuild or target is not None
    changed_of = {m.NAME: set(states[m.NAME]) if whole else dirty[m.NAME] for m in modules}
    rendered = []
    for table in tables:
        rows = table.render(states, context)
        written = [[as_written(r.get(c.name), c) for c in table.columns] for r in rows]
        rendered.append((table, len(rows), written, checksum(rows, table)))
        del rows
    # The states are encoded after rendering, each entity let go as its text is made: the
    # whole state and its whole text are never held at once (the text beside the state was a
    # fifth of a rebuild's memory). Nothing reads the states after this.
    state_rows: dict[str, list[tuple[str, str, str]]] = {}
    for m in modules:
        state, wanted = states.pop(m.NAME), changed_of[m.NAME]
        made = state_rows[m.NAME] = []
        while state:
            entity, value = state.popitem()
            if entity in wanted:
                made.append((m.NAME, entity, _state_codec_dump(value)))
            del value
    with out.transaction() as tx:
        _lock(out, tx)
        if erased and out.dialect == "sqlite":
            tx.execute("PRAGMA secure_delete = ON")  # deleted rows overwritten in the file
        if (
            not rebuild
            and target is None
            and any(_position(tx, m) != positions[m.NAME] for m in modules)
        ):
            raise _Overtaken
        # Every table is written again below; first say which had been edited since last built.
        run.repaired = drifted(tx, tables)
        for drift in run.repaired:
            log.warning("%s; rebuilt from the log", drift)
        for m in modules:
            if whole:
                tx.execute("DELETE FROM lif_projection_state WHERE projection = ?", (m.NAME,))
            else:
                _delete_states(tx, m.NAME, changed_of[m.NAME])
            _insert(
                tx, "lif_projection_state", ("projection", "entity", "state"), state_rows[m.NAME]
            )
            tx.execute(
                "INSERT INTO lif_tracking (name, position, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
                (f"projection:{m.NAME}", top, now),
            )
        for table, count, written, digest in rendered:
            tx.execute(f"DELETE FROM {table.name}")
            _insert(tx, table.name, [c.name for c in table.columns], written)
            tx.execute(
                "INSERT INTO lif_projection_tables (name, rows, checksum, reference_date, position, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET rows = excluded.rows, checksum = excluded.checksum, reference_date = excluded.reference_date, position = excluded.position, updated_at = excluded.updated_at",
                (table.name, count, digest, context.reference_date.isoformat(), top, now),
            )
            run.tables[table.name] = {"rows": count, "checksum": digest}
    if erased:  # no copy of the opened text left behind in the database files
        purge(out, ["lif_projection_state", *(t.name for t in tables)])
    return run
