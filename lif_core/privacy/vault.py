"""Crypto-shredding: values sealed under per-record (or per-run) data keys, erased by key.

A sealed value is what the event log stores in place of a personal one::

    {"$sealed": "run:4f0c…", "data": "<base64 of nonce + AES-GCM ciphertext>"}

``$sealed`` names the data key (``run:RUN_ID`` for a run's rejected rows, ``record:STREAM_ID``
for a source record's free text and personal fields); the key's name is the ciphertext's
associated data. The data key itself lives in ``lif_data_keys``, wrapped by the key-encryption
key (:mod:`lif_core.privacy.keys`) — or, for a record's key, by its run's wrapping key
(``wrap:RUN_ID``, itself wrapped by the KEK; ``kek_id`` then reads ``key:wrap:RUN_ID``), so an
ingestion of a million records asks the KEK (perhaps a remote key-management service) once,
not a million times. Erasing a record overwrites its own wrapped key: nothing else of the run.
The keyed content hashes of records (:class:`RecordSealer`) use ``hmac:content``, wrapped by
the KEK like any data key. The chain hashes the stored bytes — the ciphertext — so
verification needs no key, and erasing the key changes no stored byte of the log.

Reading code calls :func:`DataKeys.opened` on whatever it reads: sealed values come back as
what was sealed while the key exists, and as :data:`ERASED` once it is destroyed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lif_core.errors import StoreError
from lif_core.eventlog.store import Store, Tx
from lif_core.privacy.keys import KeyWrapper, WrongKekError, key_wrapper

__all__ = [
    "CONTENT_HMAC",
    "ERASED",
    "PERSONAL",
    "SEALED",
    "DataKeys",
    "RecordSealer",
    "Sealed",
    "is_sealed",
    "keyed_hash",
    "purge",
    "record_key_name",
    "run_key_name",
    "seal",
    "sealed_key",
    "sealed_values",
    "wrap_key_name",
]

Sealed = dict[str, str]
"""A sealed value: ``{"$sealed": key name, "data": base64}``."""
SEALED: Final = "$sealed"
ERASED: Final = "[erased]"
"""What a sealed value reads as once its data key is destroyed."""
PERSONAL: Final = "[personal]"
"""What a field a record kind declares personal reads as wherever it would be published."""
CONTENT_HMAC: Final = "hmac:content"
"""The key of records' content hashes (HMAC-SHA256), wrapped by the KEK."""
KEYED_HASH: Final = "hmac:"
"""The prefix of a keyed content hash (a store written before issue 17 holds plain sha256)."""
_PRELOAD_MAX = 200_000
_PARENT = "key:"  # a kek_id starting so names the data key that wraps this one
_NONCE = 12


def run_key_name(run_id: str) -> str:
    """The data key of one ingestion run's rejected rows."""
    return f"run:{run_id}"


def record_key_name(stream_id: str) -> str:
    """The data key of one source record's free text (all its versions)."""
    return f"record:{stream_id}"


def wrap_key_name(run_id: str) -> str:
    """The key that wraps the record keys one ingestion run made."""
    return f"wrap:{run_id}"


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


def sealed_values(value: Any) -> Iterator[dict[str, str]]:
    """Every sealed value in ``value`` (an event's data: dicts and lists nested), in order."""
    if is_sealed(value):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from sealed_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from sealed_values(item)


class DataKeys:
    """The data keys of one store: made, unwrapped (and cached) and destroyed."""

    __slots__ = ("_cache", "_held", "_preload", "_wrapper", "store")

    def __init__(
        self, store: Store, wrapper: KeyWrapper | None = None, *, preload: bool = False
    ) -> None:
        """``preload``: read every wrapped key in one query at the first miss (for a reader that
        opens the values of thousands of records: the policies, the projections), rather than
        one query per key (a web page opening a few)."""
        self.store = store
        self._wrapper = wrapper
        self._preload = preload
        self._cache: dict[str, bytes | None] = {}
        self._held: dict[str, tuple[bytes | None, str]] = {}  # name -> (wrapped, kek_id)

    @property
    def wrapper(self) -> KeyWrapper:
        """The key-encryption key, looked up only when a key is made or unwrapped."""
        if self._wrapper is None:
            self._wrapper = key_wrapper()
        return self._wrapper

    def _unwrap(self, wrapped: bytes, name: str) -> bytes:
        try:
            return self.wrapper.unwrap(wrapped, name)
        except WrongKekError as exc:
            raise exc.in_store(self.store.url.masked) from None

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

    def ensure(self, tx: Tx, name: str) -> bytes:
        """The data key ``name`` (made inside ``tx`` if the store has none yet)."""
        row = tx.execute("SELECT wrapped FROM lif_data_keys WHERE name = ?", (name,)).fetchone()
        if row is None:
            return self.create(tx, name)
        if row[0] is None:
            raise StoreError(f"the data key {name!r} was erased; it cannot be used again")
        data_key = self._unwrap(bytes(row[0]), name)
        self._cache[name] = data_key
        return data_key

    def add_wrapped(self, tx: Tx, rows: list[tuple[str, bytes]], parent: str) -> None:
        """Store keys already wrapped by the data key ``parent`` (``(name, wrapped)``)."""
        if not rows:
            return
        now = datetime.now(UTC).isoformat(timespec="seconds")
        tx.executemany(
            "INSERT INTO lif_data_keys (name, wrapped, kek_id, created_at) VALUES (?, ?, ?, ?)",
            [(name, wrapped, _PARENT + parent, now) for name, wrapped in rows],
        )

    def _wrapped(self, name: str) -> tuple[bytes | None, str] | None:
        if self._preload:
            self._preload = False
            with self.store.read() as tx:
                count = tx.execute("SELECT COUNT(*) FROM lif_data_keys").fetchone()
                # Beyond this many keys (about 30 MB held), one query a key costs less memory.
                if count is not None and int(count[0]) <= _PRELOAD_MAX:
                    rows = tx.execute("SELECT name, wrapped, kek_id FROM lif_data_keys")
                    self._held.update(
                        (str(n), (None if w is None else bytes(w), str(k)))
                        for n, w, k in rows.fetchall()
                    )
        if name not in self._held:  # made after the first read
            with self.store.read() as tx:
                row = tx.execute(
                    "SELECT wrapped, kek_id FROM lif_data_keys WHERE name = ?", (name,)
                ).fetchone()
            if row is None:
                return None
            self._held[name] = (None if row[0] is None else bytes(row[0]), str(row[1]))
        return self._held[name]

    def key(self, name: str) -> bytes | None:
        """The data key ``name`` in clear, or None when it was erased (or never made), or
        when the key that wraps it was."""
        if name not in self._cache:
            held = self._wrapped(name)
            data_key: bytes | None = None
            wrapped, kek_id = held if held is not None else (None, "")
            if wrapped is not None:
                if kek_id.startswith(_PARENT):
                    parent = self.key(kek_id[len(_PARENT) :])
                    data_key = None if parent is None else _unwrap_under(parent, wrapped, name)
                else:
                    data_key = self._unwrap(wrapped, name)
            self._cache[name] = data_key
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

    def published(self, attributes: dict[str, Any], personal: Iterable[str] = ()) -> dict[str, Any]:
        """A record's attributes as they may be read and published: sealed values opened (or
        :data:`ERASED`), and the fields its kind declares personal as :data:`PERSONAL` whatever
        they hold — they are never opened for the register, the report or an export."""
        out = {k: (self.open(v) if is_sealed(v) else v) for k, v in attributes.items()}
        for field in personal:
            if out.get(field) is not None:
                out[field] = PERSONAL
        return out

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
            self._held.pop(name, None)

    def purge(self) -> None:
        """After an erasure commits: no copy of a destroyed key left in the database files."""
        purge(self.store, ["lif_data_keys"])


def purge(store: Store, tables: Iterable[str]) -> None:
    """After rows were overwritten or deleted (an erasure, a rebuild after one): no copy of
    what they held left in the database files. SQLite: the write-ahead log checkpointed into
    the file and truncated (the writer had ``secure_delete`` on, so the file's old bytes are
    zeros); PostgreSQL: ``tables`` vacuumed (``VACUUM FULL``), so old row versions are gone."""
    u = store.url
    if store.dialect == "sqlite":
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
        for table in tables:
            conn.execute(f'VACUUM (FULL) "{u.schema}"."{table}"')


def _unwrap_under(parent: bytes, wrapped: bytes, name: str) -> bytes:
    try:
        return AESGCM(parent).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], name.encode())
    except InvalidTag:
        raise StoreError(
            f"the data key {name!r} does not unwrap under the key that wrapped it: "
            "lif_data_keys was altered"
        ) from None


class RecordSealer:
    """One ingestion run's sealing of records: a new data key per record, wrapped by the run's
    wrapping key (one AES-GCM call, no round trip to the KEK), and keyed content hashes.

    Made before the rows are read, so a forked reader inherits it and seals where it reads.
    """

    __slots__ = ("_hmac", "_wrap", "wrap_name")

    def __init__(self, hmac_key: bytes, wrap_key: bytes | None, wrap_name: str) -> None:
        """``wrap_key``: the run's wrapping key (None when the run's source seals nothing)."""
        self._hmac = hmac_key
        self._wrap = None if wrap_key is None else AESGCM(wrap_key)
        self.wrap_name = wrap_name

    def content_hash(self, canonical: str) -> str:
        """HMAC-SHA256 of a record's canonical JSON under ``hmac:content``: equal content gives
        an equal hash (re-ingesting writes nothing), but the hash of a guessed text cannot be
        worked out without the key, which the store holds only wrapped."""
        digest = hmac.new(self._hmac, canonical.encode(), hashlib.sha256).hexdigest()
        return KEYED_HASH + digest

    def new_key(self, name: str) -> tuple[bytes, bytes]:
        """A new record key called ``name``: (the key, the key wrapped by the run's key)."""
        if self._wrap is None:
            raise StoreError(f"the run has no wrapping key ({self.wrap_name}) to make {name!r}")
        data_key = os.urandom(32)
        nonce = os.urandom(_NONCE)
        return data_key, nonce + self._wrap.encrypt(nonce, data_key, name.encode())

    @staticmethod
    def sealed(
        attributes: dict[str, Any], fields: tuple[str, ...], data_key: bytes, name: str
    ) -> dict[str, Any]:
        """``attributes`` with the values of ``fields`` sealed under ``data_key`` (a field that
        is None stays None: there is nothing in it)."""
        out = dict(attributes)
        for field in fields:
            value = out.get(field)
            if value is not None and not is_sealed(value):
                out[field] = seal(data_key, name, value)
        return out


def keyed_hash(content_hash: str) -> bool:
    """Whether a stored content hash is keyed (HMAC) rather than a plain sha256 of an old store."""
    return content_hash.startswith(KEYED_HASH)
