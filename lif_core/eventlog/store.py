"""The store behind one URL: the eventsourcing application, our tables, and transactions.

Our own statements on the library's events table (bulk appends, pages, counts) are
:mod:`lif_core.eventlog.log`'s; the stored bytes and hashes :mod:`lif_core.eventlog.codec`'s.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    Mapper,
    Notification,
    PersistenceError,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import get_topic

from lif_core.config import StoreURL, store_url
from lif_core.errors import ConcurrencyError, NotFoundError, StoreError
from lif_core.eventlog import tree
from lif_core.eventlog.codec import HASH_FIELD, LifTranscoder, stored_state

__all__ = ["LifApplication", "LifMapper", "Store", "Tx"]

log = logging.getLogger(__name__)
A = TypeVar("A", bound=Aggregate)

# Our own tables, beside the library's events table, in the same database. lif_source_index,
# lif_snapshots and lif_ingested are the ingestion pipeline's memory of what it wrote (each
# rebuildable from the log); they change in the same transaction as the events they describe.
# On SQLite the index is clustered on its key (WITHOUT ROWID): one B-tree to write, not two.
_SOURCE_INDEX = """CREATE TABLE IF NOT EXISTS {name} (
        source TEXT NOT NULL, record_kind TEXT NOT NULL, record_key TEXT NOT NULL,
        stream_id TEXT NOT NULL, version BIGINT NOT NULL, chain_head TEXT NOT NULL,
        content_hash TEXT NOT NULL, valid_from TEXT NOT NULL, as_of TEXT NOT NULL, scope TEXT,
        withdrawn INTEGER NOT NULL DEFAULT 0, last_run TEXT, attributes TEXT NOT NULL, withdrawn_as_of TEXT,
        PRIMARY KEY (source, record_kind, record_key)){without_rowid}"""
_TABLES = [
    """CREATE TABLE IF NOT EXISTS lif_seals (
        seal_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, actor TEXT NOT NULL,
        last_notification_id BIGINT NOT NULL, event_count BIGINT NOT NULL, digest TEXT NOT NULL)""",
    # Copies of the signed tree heads (lif_core.audit.heads); witnesses keep the ones that count.
    """CREATE TABLE IF NOT EXISTS lif_tree_heads (
        tree_size BIGINT NOT NULL, timestamp TEXT NOT NULL, head TEXT NOT NULL,
        PRIMARY KEY (tree_size, timestamp))""",
    """CREATE TABLE IF NOT EXISTS lif_tracking (
        name TEXT PRIMARY KEY, position BIGINT NOT NULL, updated_at TEXT NOT NULL)""",
    _SOURCE_INDEX.format(name="lif_source_index", without_rowid="{without_rowid}"),
    """CREATE TABLE IF NOT EXISTS lif_snapshots (
        source TEXT NOT NULL, record_kind TEXT NOT NULL, scope TEXT NOT NULL, valid_from TEXT NOT NULL,
        run_id TEXT NOT NULL, PRIMARY KEY (source, record_kind, scope, valid_from))""",
    # Crypto-shredding (lif_core.privacy.vault): each data key wrapped by the key-encryption key;
    # erasing one clears ``wrapped`` for good and says when and by which erasure.
    """CREATE TABLE IF NOT EXISTS lif_data_keys (
        name TEXT PRIMARY KEY, wrapped {blob}, kek_id TEXT NOT NULL, created_at TEXT NOT NULL,
        erased_at TEXT, erasure_id TEXT)""",
    """CREATE TABLE IF NOT EXISTS lif_ingested (
        source TEXT NOT NULL, origin_sha256 TEXT NOT NULL, run_id TEXT NOT NULL, origin TEXT NOT NULL,
        recorded_at TEXT NOT NULL, PRIMARY KEY (source, origin_sha256))""",
    # Only scoped snapshot rows are looked up by scope; unscoped ones by the primary key's prefix.
    "DROP INDEX IF EXISTS lif_source_index_scope",
    """CREATE INDEX IF NOT EXISTS lif_source_index_scoped ON lif_source_index (source, record_kind, scope)
        WHERE scope IS NOT NULL""",
]


class LifMapper(Mapper[UUID]):
    """Writes the body hashed when the event was made, with its chain hash appended."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        body = vars(domain_event).get("_lif_body")
        if body is None:
            return super().to_stored_event(domain_event)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=stored_state(body, vars(domain_event)[HASH_FIELD]),
        )


class LifApplication(Application[UUID]):
    """One application, one notification log, for every stream type."""

    name = "lif"
    is_snapshotting_enabled = False

    def construct_transcoder(self) -> Transcoder:
        return LifTranscoder()

    def construct_mapper(self) -> Mapper[UUID]:
        return LifMapper(transcoder=self.construct_transcoder())


@dataclass(slots=True)
class Tx:
    """A cursor inside one transaction, with SQL written once for both databases (``?`` marks)."""

    cursor: Any
    dialect: str

    def sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.dialect == "postgresql" else statement

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Tx:
        self.cursor.execute(self.sql(statement), tuple(params))
        return self

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cursor.executemany(self.sql(statement), [tuple(r) for r in rows])

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [_row(r) for r in self.cursor.fetchall()]

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self.cursor.fetchone()
        return None if row is None else _row(row)


def _row(row: Any) -> tuple[Any, ...]:
    if isinstance(row, dict):
        return tuple(row.values())
    return tuple(row)


_pg_init_lock = threading.Lock()

#: PostgreSQL: how long a session may sit idle inside a transaction before the server ends it.
IDLE_IN_TRANSACTION_SECONDS = 60


class Store:
    """The event log and its read tables, opened from a URL (``LIF_STORE`` by default)."""

    WRITER_CACHE_KIB = 32 * 1024
    """SQLite: a writer's page cache (see :func:`lif_core.eventlog.log.lock_for_append`)."""

    def __init__(self, url: str | StoreURL | None = None) -> None:
        self.url = url if isinstance(url, StoreURL) else store_url(url)
        self.dialect = self.url.kind
        self.owns_tables = True
        """False for a role that does not own the events table (a hardened application role)."""
        self.may_lock_events: bool | None = None
        """PostgreSQL: whether this role may lock the events table (a hardened one may not)."""
        try:
            if self.url.kind == "sqlite":
                assert self.url.path is not None
                self.url.path.parent.mkdir(parents=True, exist_ok=True)
                env = {
                    "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(self.url.path),
                    "SQLITE_LOCK_TIMEOUT": "30",
                }
                self.app = LifApplication(env=env)
                self.recorder: Any = self.app.recorder
                self._create_tables()
            else:
                self._open_postgres()
        except (PersistenceError, OSError) as exc:  # the library's, or a path or setting refused
            raise StoreError(
                f"cannot open the store {self.url.masked}: {_first_line(exc)}"
            ) from exc

    def _create_tables(self) -> None:
        if not self.owns_tables:  # the owner made them (and hardened them)
            return
        without_rowid = " WITHOUT ROWID" if self.dialect == "sqlite" else ""
        with self.transaction() as tx:
            if self.dialect == "sqlite":
                self._cluster_source_index(tx)
            for statement in _TABLES:
                blob = "BLOB" if self.dialect == "sqlite" else "BYTEA"
                tx.execute(
                    statement.replace("{without_rowid}", without_rowid).replace("{blob}", blob)
                )
            for statement in tree.create_statements(self.dialect):
                tx.execute(statement)
        if not self.recorder.max_notification_id():  # a new log: its tree starts with it
            with self.transaction() as tx:
                tree.start(tx)

    @staticmethod
    def _cluster_source_index(tx: Tx) -> None:
        """Stores made before the index was clustered (SQLite): copy it into the clustered form."""
        row = tx.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'lif_source_index'"
        ).fetchone()
        if row is None or "WITHOUT ROWID" in str(row[0]).upper():
            return
        tx.execute(
            _SOURCE_INDEX.format(name="lif_source_index_new", without_rowid=" WITHOUT ROWID")
        )
        tx.execute("INSERT INTO lif_source_index_new SELECT * FROM lif_source_index")
        tx.execute("DROP TABLE lif_source_index")
        tx.execute("ALTER TABLE lif_source_index_new RENAME TO lif_source_index")

    def _open_postgres(self) -> None:
        import psycopg

        u = self.url
        # Create the schema and tables once, under an advisory lock, so processes that
        # start together do not race ("tuple concurrently updated").
        try:
            conn = psycopg.connect(
                host=u.host,
                port=u.port,
                user=u.user,
                password=u.password,
                dbname=u.dbname,
                connect_timeout=5,
                autocommit=True,
            )
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to the store {u.masked}: {_first_line(exc)}") from exc
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": u.dbname,
            "POSTGRES_HOST": u.host,
            "POSTGRES_PORT": str(u.port),
            "POSTGRES_USER": u.user,
            "POSTGRES_PASSWORD": u.password,
            "POSTGRES_SCHEMA": u.schema,
            "POSTGRES_POOL_SIZE": "4",
            "POSTGRES_MAX_OVERFLOW": "4",
            "POSTGRES_CONNECT_TIMEOUT": "5",
            # The library ends a session idle in a transaction after 5 s by default. Ingestion's
            # writer holds its transaction while it waits for the forked readers' next batch,
            # which on a loaded machine (the guard over much free text) can take longer: the
            # whole run then failed. A minute still frees a lock a crashed client left behind.
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(IDLE_IN_TRANSACTION_SECONDS),
        }
        with _pg_init_lock, conn:
            conn.execute("SELECT pg_advisory_lock(hashtext('lif-schema-init'))")
            try:
                # Only when missing: a hardened application role may not create schemas.
                if not conn.execute(
                    "SELECT 1 FROM pg_namespace WHERE nspname = %s", (u.schema,)
                ).fetchone():
                    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{u.schema}"')
                # A role that does not own the events table (a hardened application role) may
                # not run the library's CREATE ... IF NOT EXISTS on it: the owner made it.
                owner = conn.execute(
                    "SELECT tableowner = current_user FROM pg_tables "
                    "WHERE schemaname = %s AND tablename = %s",
                    (u.schema, f"{LifApplication.name}_events"),
                ).fetchone()
                if owner is not None and not owner[0]:
                    env["CREATE_TABLE"] = "false"
                    self.owns_tables = False
                self.app = LifApplication(env=env)
                self.recorder = self.app.recorder
                self._create_tables()
            except psycopg.Error as exc:  # e.g. a role that may not create the schema
                raise StoreError(f"cannot open the store {u.masked}: {_first_line(exc)}") from exc
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext('lif-schema-init'))")

    # --- transactions ---------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self, *, commit: bool = True) -> Iterator[Tx]:
        """One database transaction (rolled back on error, or when ``commit`` is False)."""
        with self.recorder.datastore.transaction(commit=commit) as cursor:
            if self.dialect == "sqlite" and commit:
                # The library opens with a deferred BEGIN. A transaction that reads and then
                # writes (a projection run, a policy, a seal) would then fail at its first write
                # with "database is locked" if another process committed since its read began:
                # SQLite cannot wait there. Taking the write lock first waits for the other
                # writer (up to SQLITE_LOCK_TIMEOUT) instead. The empty transaction committed
                # here writes nothing. tests/lif_core/eventlog/test_concurrency.py holds it.
                cursor.execute("COMMIT")
                cursor.execute("BEGIN IMMEDIATE")
            if self.dialect == "postgresql":
                from psycopg.rows import tuple_row

                # Plain tuples, as on SQLite: dict rows collapse columns that share a name.
                cursor.row_factory = tuple_row
                cursor.execute(f'SET LOCAL search_path TO "{self.url.schema}", public')
            yield Tx(cursor, self.dialect)

    def read(self) -> contextlib.AbstractContextManager[Tx]:
        return self.transaction(commit=False)

    def pool_threads(self) -> list[threading.Thread]:
        """The threads of this store's own connection pool (PostgreSQL; none on SQLite).

        They wait on the pool's queues and run only the pool's work, so a process forked
        beside them that never touches the pool (``lif_core.ingestion.forked``) cannot block on them.
        """
        # Found by name: psycopg_pool names its threads ``<pool name>-scheduler`` and
        # ``<pool name>-worker-N`` (not documented; checked against psycopg_pool 3.3.3). Were
        # that to change, none would be found and ingestion would not fork (slower, still
        # correct); tests/lif_core/eventlog/test_library_internals.py fails first.
        pool = getattr(getattr(self.recorder, "datastore", None), "pool", None)
        name = getattr(pool, "name", None)
        if self.dialect != "postgresql" or not name:
            return []
        return [t for t in threading.enumerate() if t.name.startswith(f"{name}-")]

    # --- aggregates -----------------------------------------------------------------------

    def save(self, *aggregates: Aggregate) -> None:
        """Save aggregates' new events atomically; a concurrent write to a stream is refused."""
        # Written by the log's own append (the library's save would not keep the Merkle tree
        # in the same transaction). The log module imports this one, so it is imported here.
        from lif_core.eventlog.log import append

        events = [event for aggregate in aggregates for event in aggregate.collect_events()]
        try:
            with self.transaction() as tx:
                append(self, tx, events)
        except IntegrityError as exc:
            refs = ", ".join(getattr(a, "reference", str(a.id)) for a in aggregates)
            raise ConcurrencyError(
                f"{refs} was changed by someone else at the same time; nothing was written. "
                "Run the command again: it will see the latest state."
            ) from exc

    def get(self, cls: type[A], stream_id: UUID, *, label: str | None = None) -> A:
        try:
            agg: Any = self.app.repository.get(stream_id)
        except AggregateNotFoundError:
            raise NotFoundError(f"{label or stream_id} does not exist") from None
        if not isinstance(agg, cls):
            raise NotFoundError(
                f"{label or stream_id} is a {type(agg).__name__}, not a {cls.__name__}"
            )
        return agg

    def exists(self, stream_id: UUID) -> bool:
        return bool(self.recorder.select_events(stream_id, limit=1))

    # --- the log ------------------------------------------------------------------------------

    def max_notification_id(self) -> int:
        return int(self.recorder.max_notification_id() or 0)

    def notifications(
        self,
        start: int = 1,
        limit: int = 1000,
        *,
        stop: int | None = None,
        topics: Sequence[str] = (),
    ) -> Sequence[Notification]:
        result: Sequence[Notification] = self.recorder.select_notifications(
            start, limit, stop=stop, topics=list(topics)
        )
        return result

    def iter_notifications(
        self,
        start: int = 1,
        *,
        stop: int | None = None,
        topics: Sequence[str] = (),
        page: int = 1000,
    ) -> Iterator[Notification]:
        position = start
        while True:
            batch = self.notifications(position, page, stop=stop, topics=topics)
            if not batch:
                return
            yield from batch
            position = batch[-1].id + 1

    def decode(self, notification: StoredEvent) -> Any:
        return self.app.mapper.to_domain_event(notification)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.app.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
