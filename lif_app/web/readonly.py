"""Open the store for reading only: the web view and the report can never write to it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import get_topic

from lif_core.config import StoreURL, store_url
from lif_core.errors import RefusedError, StoreError
from lif_core.eventlog.log import check_readable
from lif_core.eventlog.store import LifApplication, Store, Tx

__all__ = ["ReadOnlyStore", "open_read_only"]


class ReadOnlyStore(Store):
    """A :class:`Store` whose database connections refuse writes.

    SQLite is opened with ``mode=ro``; PostgreSQL sessions start with
    ``default_transaction_read_only``. No table is created: a store that was never
    written to is refused with a message saying how to make one.
    """

    def __init__(self, url: str | StoreURL | None = None) -> None:
        self.url = url if isinstance(url, StoreURL) else store_url(url)
        self.dialect = self.url.kind
        try:
            if self.url.kind == "sqlite":
                self.app = self._open_sqlite()
            else:
                self.app = self._open_postgres_read_only()
            self.recorder = self.app.recorder
            check_readable(self)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(
                f"cannot open the store {self.url.masked} read-only: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}. "
                "Build one first with `lif demo` (or `lif ingest` and `lif project`)."
            ) from exc

    @contextlib.contextmanager
    def transaction(self, *, commit: bool = True) -> Iterator[Tx]:
        """A transaction the database itself keeps read-only (``commit`` changes nothing)."""
        try:
            with self.recorder.datastore.transaction(commit=False) as cursor:
                if self.dialect == "postgresql":
                    from psycopg.rows import tuple_row

                    cursor.row_factory = tuple_row
                    cursor.execute("SET TRANSACTION READ ONLY")
                    cursor.execute(f'SET LOCAL search_path TO "{self.url.schema}", public')
                yield Tx(cursor, self.dialect)
        except Exception as exc:
            if _write_refused(exc):
                raise RefusedError(
                    f"the store {self.url.masked} is open read-only here: nothing can be written to it"
                ) from exc
            raise

    def _open_sqlite(self) -> LifApplication:
        path = self.url.path
        assert path is not None
        if not path.is_file():
            raise StoreError(
                f"no store at {path.resolve()}: build one first with `lif demo` "
                "(or point --store / LIF_STORE at an existing one; without them the store is "
                "$LIF_HOME/lif.db)"
            )
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": f"file:{path.resolve()}?mode=ro",
            "SQLITE_LOCK_TIMEOUT": "30",
            "CREATE_TABLE": "false",
        }
        return LifApplication(env=env)

    def _open_postgres_read_only(self) -> LifApplication:
        u = self.url
        env = {
            "PERSISTENCE_MODULE": get_topic(ReadOnlyPostgresFactory),
            "POSTGRES_DBNAME": u.dbname,
            "POSTGRES_HOST": u.host,
            "POSTGRES_PORT": str(u.port),
            "POSTGRES_USER": u.user,
            "POSTGRES_PASSWORD": u.password,
            "POSTGRES_SCHEMA": u.schema,
            "POSTGRES_POOL_SIZE": "4",
            "POSTGRES_MAX_OVERFLOW": "4",
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "CREATE_TABLE": "false",
        }
        return LifApplication(env=env)


class ReadOnlyPostgresFactory(PostgresFactory):
    """The library's PostgreSQL persistence, each connection of whose pool starts read-only.

    Our own transactions also say ``SET TRANSACTION READ ONLY`` (see ``transaction()``); this
    covers the library's own statements too, so nothing can write through this store.
    """

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        # eventsourcing has no setting for extra connection options. Checked against
        # eventsourcing 9.5.6 and psycopg_pool 3.3.3: the factory builds its psycopg_pool pool
        # closed, with a dict of connection arguments, and opens it only when the recorder is
        # made, after this; psycopg_pool reads ``pool.kwargs`` (an attribute it does not
        # document) at every new connection, so the option set here reaches every connection.
        # tests/lif_app/web/test_web_pages.py::test_every_pooled_postgresql_connection_starts_read_only
        # fails if one connection of the pool is not read-only.
        pool: Any = self.datastore.pool
        if not pool.closed:
            raise StoreError(
                "eventsourcing opened its PostgreSQL pool before it could be made read-only: "
                "this version of the library is not the one lif_app/web/readonly.py was checked against"
            )
        pool.kwargs["options"] = "-c default_transaction_read_only=on"


def _write_refused(exc: BaseException) -> bool:
    """Whether the database refused a write because the connection is read-only."""
    seen: BaseException | None = exc
    while seen is not None:
        text = str(seen).lower()
        if "readonly database" in text or "read-only transaction" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def open_read_only(url: str | StoreURL | None = None) -> Store:
    """The store at ``url`` (``LIF_STORE`` by default), opened read-only."""
    return ReadOnlyStore(url)
