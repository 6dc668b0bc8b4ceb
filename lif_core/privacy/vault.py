"""Crypto-shredding: values sealed under per-record (or per-run) data keys, erased by key.

A sealed value is what the event log stores in place of a personal one::

    {"$sealed": "run:4f0c…", "data": "<base64 of nonce + AES-GCM ciphertext>"}

``$sealed`` names the data key (``run:RUN_ID`` for a run's rejected rows, ``record:STREAM_ID``
for a source record's free text); the key's name is the ciphertext's associated data. The data
key itself lives in ``lif_data_keys``, wrapped by the key-encryption key
(:mod:`lif_core.privacy.keys`). The chain hashes the stored bytes — the ciphertext — so
verification needs no key, and erasing the key changes no stored byte of the log.

Reading code calls :func:`DataKeys.opened` on whatever it reads: sealed values come back as
what was sealed while the key exists, and as :data:`ERASED` once it is destroyed.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lif_core.errors import StoreError
from lif_core.eventlog.store import Store, Tx
from lif_core.privacy.keys import KeyWrapper, key_wrapper

__all__ = [
    "ERASED",
    "SEALED",
    "DataKeys",
    "is_sealed",
    "record_key_name",
    "run_key_name",
    "seal",
    "sealed_key",
]

SEALED: Final = "$sealed"
ERASED: Final = "[erased]"
"""What a sealed value reads as once its data key is destroyed."""
_NONCE = 12


def run_key_name(run_id: str) -> str:
    """The data key of one ingestion run's rejected rows."""
    return f"run:{run_id}"


def record_key_name(stream_id: str) -> str:
    """The data key of one source record's free text (all its versions)."""
    return f"record:{stream_id}"


def seal(data_key: bytes, name: str, value: Any) -> dict[str, str]:
    """``value`` (anything JSON can hold) sealed under ``data_key``, which is named ``name``."""
    nonce = os.urandom(_NONCE)
    plain = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()
    data = nonce + AESGCM(data_key).encrypt(nonce, plain, name.encode())
    return {SEALED: name, "data": base64.b64encode(data).decode("ascii")}


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and SEALED in value and "data" in value and len(value) == 2


def sealed_key(value: Any) -> str | None:
    """The name of the data key ``value`` is sealed under (None: not sealed)."""
    return str(value[SEALED]) if is_sealed(value) else None


class DataKeys:
    """The data keys of one store: made, unwrapped (and cached) and destroyed."""

    __slots__ = ("_cache", "_wrapper", "store")

    def __init__(self, store: Store, wrapper: KeyWrapper | None = None) -> None:
        self.store = store
        self._wrapper = wrapper
        self._cache: dict[str, bytes | None] = {}

    @property
    def wrapper(self) -> KeyWrapper:
        """The key-encryption key, looked up only when a key is made or unwrapped."""
        if self._wrapper is None:
            self._wrapper = key_wrapper()
        return self._wrapper

    def create(self, tx: Tx, name: str) -> bytes:
        """A new data key called ``name``, stored wrapped inside ``tx``."""
        data_key = AESGCM.generate_key(bit_length=256)
        tx.execute(
            "INSERT INTO lif_data_keys (name, wrapped, kek_id, created_at) VALUES (?, ?, ?, ?)",
            (
                name,
                self.wrapper.wrap(data_key, name),
                self.wrapper.key_id,
                datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )
        self._cache[name] = data_key
        return data_key

    def key(self, name: str) -> bytes | None:
        """The data key ``name`` in clear, or None when it was erased (or never made)."""
        if name not in self._cache:
            with self.store.read() as tx:
                row = tx.execute(
                    "SELECT wrapped FROM lif_data_keys WHERE name = ?", (name,)
                ).fetchone()
            wrapped = None if row is None or row[0] is None else bytes(row[0])
            self._cache[name] = None if wrapped is None else self.wrapper.unwrap(wrapped, name)
        return self._cache[name]

    def open(self, value: Any) -> Any:
        """A sealed value opened (:data:`ERASED` when its key is gone); anything else as it is."""
        name = sealed_key(value)
        if name is None:
            return value
        data_key = self.key(name)
        if data_key is None:
            return ERASED
        data = base64.b64decode(value["data"])
        try:
            plain = AESGCM(data_key).decrypt(data[:_NONCE], data[_NONCE:], name.encode())
        except InvalidTag:
            raise StoreError(
                f"a value sealed under {name!r} does not decrypt: it was altered in the store "
                "(`lif audit verify` names the event)"
            ) from None
        return json.loads(plain)

    def opened(self, value: Any) -> Any:
        """``value`` with every sealed value inside it (in dicts and lists) opened."""
        if is_sealed(value):
            return self.open(value)
        if isinstance(value, dict):
            return {k: self.opened(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.opened(v) for v in value]
        return value

    def states(self, names: Iterable[str]) -> dict[str, tuple[bool, str | None, str | None]]:
        """Per known name: (erased, erased_at, erasure_id)."""
        wanted = list(dict.fromkeys(names))
        out: dict[str, tuple[bool, str | None, str | None]] = {}
        with self.store.read() as tx:
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ", ".join("?" * len(part))
                for name, erased_at, erasure_id in tx.execute(
                    "SELECT name, erased_at, erasure_id FROM lif_data_keys "
                    f"WHERE name IN ({marks})",
                    part,
                ).fetchall():
                    out[str(name)] = (erased_at is not None, erased_at, erasure_id)
        return out

    def names_like(self, prefix: str) -> list[str]:
        """Known key names starting with ``prefix`` (erased ones too), sorted."""
        with self.store.read() as tx:
            rows = tx.execute(
                "SELECT name FROM lif_data_keys WHERE name LIKE ? ORDER BY name",
                (prefix.replace("%", "").replace("_", "\\_") + "%",),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def destroy(self, tx: Tx, names: Iterable[str], erasure_id: str) -> None:
        """Overwrite the wrapped keys of ``names`` inside ``tx`` (the erasure's transaction).

        On SQLite ``secure_delete`` makes the old bytes zeros in the file itself; on PostgreSQL
        the old row version stays until :meth:`purge` vacuums the table after the commit.
        """
        if tx.dialect == "sqlite":
            tx.execute("PRAGMA secure_delete = ON")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        tx.executemany(
            "UPDATE lif_data_keys SET wrapped = NULL, erased_at = ?, erasure_id = ? "
            "WHERE name = ? AND erased_at IS NULL",
            [(now, erasure_id, name) for name in names],
        )
        for name in names:
            self._cache[name] = None

    def purge(self) -> None:
        """After an erasure commits: no copy of a destroyed key left in the database files
        (SQLite: the write-ahead log checkpointed into the file and truncated; PostgreSQL: the
        table vacuumed, so the old row versions are gone)."""
        u = self.store.url
        if self.store.dialect == "sqlite":
            assert u.path is not None
            lite = sqlite3.connect(str(u.path), timeout=30)
            try:
                lite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                lite.close()
            return
        import psycopg

        with psycopg.connect(
            host=u.host, port=u.port, user=u.user, password=u.password, dbname=u.dbname,
            autocommit=True,
        ) as conn:  # fmt: skip
            conn.execute(f'VACUUM (FULL) "{u.schema}".lif_data_keys')
