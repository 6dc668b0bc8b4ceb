"""The source index: what ingestion remembers of each record's stream, of snapshots and of files.

``lif_source_index`` holds, per (source, kind, record key), the head of the record's stream
and what it last said; ``lif_snapshots`` the snapshot days ingested per scope; ``lif_ingested``
the files ingested per source. They change in the same transaction as the events they
describe, and can be rebuilt from the log. Every statement on them is here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from lif_core.eventlog.store import Store, Tx

__all__ = [
    "IndexEntry",
    "SourceIndex",
    "already_ingested",
    "remember_ingested",
    "runs_remembered_under",
]

_ENTRY_COLUMNS = (
    "stream_id, version, chain_head, content_hash, valid_from, as_of, withdrawn, last_run, "
    "attributes, withdrawn_as_of"
)
# The index's own columns in table order: an entry's, with the scope after ``as_of``.
_INDEX_COLUMNS = (
    "stream_id, version, chain_head, content_hash, valid_from, as_of, scope, withdrawn, "
    "last_run, attributes, withdrawn_as_of"
)
_COLUMNS = f"source, record_kind, record_key, {_INDEX_COLUMNS}"
_COPY_TYPES = ["text"] * 4 + ["int8"] + ["text"] * 5 + ["int4"] + ["text"] * 3
_UPSERT = "ON CONFLICT (source, record_kind, record_key) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in _INDEX_COLUMNS.split(", ") if c != "stream_id"
)
_new = tuple.__new__
_FIRST_ANALYZE = 2000  # index rows written before the first ANALYZE (a chunk's worth)


class IndexEntry(NamedTuple):
    """What the index remembers of a record's stream (its head), to decide what to write next.

    ``valid_from``/``as_of`` date the content held (ISO days); ``withdrawn_as_of`` the
    snapshot that dropped it; ``attributes`` the content's canonical JSON.
    """

    stream_id: str
    version: int
    chain_head: str
    content_hash: str
    valid_from: str
    as_of: str
    withdrawn: int
    last_run: str | None
    attributes: str
    withdrawn_as_of: str | None

    @classmethod
    def received(cls, fields: tuple[Any, ...]) -> IndexEntry:
        """An entry from its fields as a plain tuple (how it crosses between processes), in C."""
        entry: IndexEntry = _new(cls, fields)
        return entry

    def row(self, source: str, kind: str, key: str, scope: str | None) -> tuple[Any, ...]:
        """The index row of this entry, in the table's column order."""
        return (
            source,
            kind,
            key,
            self.stream_id,
            self.version,
            self.chain_head,
            self.content_hash,
            self.valid_from,
            self.as_of,
            scope,
            self.withdrawn,
            self.last_run,
            self.attributes,
            self.withdrawn_as_of,
        )


class SourceIndex:
    """One source's index inside one writing transaction (which holds the append lock)."""

    def __init__(self, tx: Tx, source: str) -> None:
        self.tx = tx
        self.source = source
        self._newer: dict[tuple[str, str | None, str], str | None] = {}
        self._written = 0  # rows this transaction wrote
        self._analyze_at = _FIRST_ANALYZE

    def entries(self, kind: str, keys: list[str]) -> dict[str, IndexEntry]:
        """The entries held for these keys of one kind (absent keys are new)."""
        found: dict[str, IndexEntry] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            if self.tx.dialect == "postgresql":
                # One primary-key probe per key (analyze keeps the planner to that).
                rows = self.tx.execute(
                    f"SELECT i.record_key, {_ENTRY_COLUMNS} FROM unnest(?::text[]) AS k(key) "
                    f"CROSS JOIN LATERAL (SELECT * FROM lif_source_index WHERE source = ? "
                    f"AND record_kind = ? AND record_key = k.key LIMIT 1) AS i",
                    (part, self.source, kind),
                ).fetchall()
            else:
                marks = ",".join("?" * len(part))
                rows = self.tx.execute(
                    f"SELECT record_key, {_ENTRY_COLUMNS} FROM lif_source_index "
                    f"WHERE source = ? AND record_kind = ? AND record_key IN ({marks})",
                    (self.source, kind, *part),
                ).fetchall()
            found.update({r[0]: IndexEntry._make(r[1:]) for r in rows})
        return found

    def newer_snapshot(self, kind: str, scope: str | None, day: str) -> str | None:
        """The earliest snapshot of ``scope`` newer than ``day`` ingested before this run (ISO
        days). Asked once per (kind, scope, day) a run: a run adds its own snapshot only at the end.
        """
        key = (kind, scope, day)
        if key in self._newer:
            return self._newer[key]
        row = self.tx.execute(
            "SELECT MIN(valid_from) FROM lif_snapshots "
            "WHERE source = ? AND record_kind = ? AND scope = ? AND valid_from > ?",
            (self.source, kind, scope or "", day),
        ).fetchone()
        found = str(row[0]) if row and row[0] else None
        self._newer[key] = found
        return found

    def write(self, added: list[tuple[Any, ...]], changed: list[tuple[Any, ...]]) -> None:
        """Write index rows (:meth:`IndexEntry.row`) of keys new to the index (``added``) and
        of keys it held (``changed``).

        New keys are plain inserts (this transaction holds the append lock, so no other
        writer can add them meanwhile); on PostgreSQL both go through ``COPY``, the changed
        ones into a staging table merged with one statement.
        """
        if self.tx.dialect != "postgresql":
            marks = ", ".join("?" * 14)
            insert = f"INSERT INTO lif_source_index ({_COLUMNS}) VALUES ({marks})"
            self.tx.executemany(insert, added)
            self.tx.executemany(f"{insert} {_UPSERT}", changed)
        else:
            if added:
                self._copy("lif_source_index", added)
            if changed:
                self.tx.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS lif_index_stage "
                    "(LIKE lif_source_index INCLUDING DEFAULTS) ON COMMIT DROP"
                )
                self._copy("lif_index_stage", changed)
                self.tx.execute(
                    f"INSERT INTO lif_source_index ({_COLUMNS}) "
                    f"SELECT {_COLUMNS} FROM lif_index_stage {_UPSERT}"
                )
                self.tx.execute("TRUNCATE lif_index_stage")
        self._analyze(len(added) + len(changed))

    def _copy(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        with self.tx.cursor.copy(f"COPY {table} ({_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_COPY_TYPES)
            for row in rows:
                copy.write_row(row)

    def _analyze(self, written: int) -> None:
        """PostgreSQL: statistics that include this transaction's own rows, as they double.

        Without them the planner takes ``source = ? AND record_kind = ?`` for a rare pair and
        answers each key probe of :meth:`entries` by scanning every row of the source and
        kind through the scope index: quadratic (a 100,000-row file ran at 220 records/s).
        ANALYZE inside the transaction counts its uncommitted rows; log2(n) of them cost little.
        """
        self._written += written
        if self.tx.dialect == "postgresql" and self._written >= self._analyze_at:
            self.tx.execute("ANALYZE lif_source_index")
            self._analyze_at = 2 * self._written

    # --- snapshots ---------------------------------------------------------------------------

    def record_snapshot(self, kind: str, scope: str | None, day: str, run_id: str) -> None:
        """Remember that ``run_id`` ingested the snapshot of ``scope`` stated on ``day``."""
        self.tx.execute(
            "INSERT INTO lif_snapshots (source, record_kind, scope, valid_from, run_id) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (self.source, kind, scope or "", day, run_id),
        )

    def absent(
        self, kind: str, scope: str | None, day: str, run_id: str
    ) -> list[tuple[str, tuple[str, int, str]]]:
        """Up to 1,000 keys of ``scope`` held before ``day`` that run ``run_id`` did not restate
        and that are not withdrawn by then: ``(record key, (stream id, version, chain head))``.
        Call again after withdrawing them (:meth:`mark_withdrawn`) until none are left."""
        scope_sql, params = ("scope IS NULL", ()) if scope is None else ("scope = ?", (scope,))
        # Held before this day and not restated by this input: withdrawn now — or earlier
        # than we thought, when a later snapshot had already dropped it.
        rows = self.tx.execute(
            "SELECT record_key, stream_id, version, chain_head FROM lif_source_index "
            f"WHERE source = ? AND record_kind = ? AND {scope_sql} "
            "AND (last_run IS NULL OR last_run <> ?) AND as_of < ? "
            "AND (withdrawn = 0 OR withdrawn_as_of > ?) LIMIT 1000",
            (self.source, kind, *params, run_id, day, day),
        ).fetchall()
        return [(str(k), (str(s), int(v), str(h))) for k, s, v, h in rows]

    def mark_withdrawn(self, kind: str, day: str, heads: list[tuple[str, int, str]]) -> None:
        """Mark keys withdrawn as of ``day``, with their streams' new heads:
        ``(record key, version, chain head)``."""
        self.tx.executemany(
            "UPDATE lif_source_index SET version = ?, chain_head = ?, withdrawn = 1, "
            "withdrawn_as_of = ? WHERE source = ? AND record_kind = ? AND record_key = ?",
            [(version, head, day, self.source, kind, key) for key, version, head in heads],
        )


# --- files ingested ------------------------------------------------------------------------------


def already_ingested(store: Store, source: str, sha256: str) -> tuple[str, str] | None:
    """(run id, when) of the run that ingested this file for this source, if one did."""
    with store.read() as tx:
        row = tx.execute(
            "SELECT run_id, recorded_at FROM lif_ingested WHERE source = ? AND origin_sha256 = ?",
            (source, sha256),
        ).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def runs_remembered_under(store: Store, source: str, prefix: str) -> list[str]:
    """The runs of this source remembered under a key that begins with ``prefix`` (a file
    checked against partner registers: ``SHA256@partners:``), oldest first."""
    with store.read() as tx:
        rows = tx.execute(
            "SELECT run_id FROM lif_ingested WHERE source = ? AND origin_sha256 LIKE ? "
            "ORDER BY recorded_at, run_id",
            (source, f"{prefix}%"),
        ).fetchall()
    return [str(r[0]) for r in rows]


def remember_ingested(tx: Tx, source: str, sha256: str, run_id: str, uri: str) -> None:
    """Remember, inside the run's transaction, that this file was ingested for this source."""
    tx.execute(
        "INSERT INTO lif_ingested (source, origin_sha256, run_id, origin, recorded_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (source, sha256, run_id, uri, datetime.now(UTC).isoformat(timespec="seconds")),
    )
