"""Every byte a store holds on disk, to grep for what must not be there."""

from __future__ import annotations

import shutil
import subprocess

from lif_core.eventlog.store import Store


def database_bytes(store: Store) -> bytes:
    """The SQLite file and its -wal/-shm companions, or a ``pg_dump`` of the store's schema
    (data and all: every table's rows as COPY text)."""
    if store.dialect == "sqlite":
        assert store.url.path is not None
        files = [store.url.path, *store.url.path.parent.glob(store.url.path.name + "-*")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    u = store.url
    assert shutil.which("pg_dump"), "pg_dump is needed to read every byte of a PostgreSQL store"
    dump = subprocess.run(
        ["pg_dump", "-h", u.host, "-p", str(u.port), "-U", u.user, "-n", u.schema, u.dbname],
        capture_output=True,
        check=True,
    )
    return dump.stdout
