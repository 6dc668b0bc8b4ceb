"""The ingestion pipeline: provenance, dedupe, revisions, withdrawals, rejections — one transaction per origin.

Long because the writer, the source index's SQL, chunking and the fork policy still live here
beside the orchestration; issue 18 splits them into modules by job.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID, uuid4

from eventsourcing.utils import get_topic

from lif_core.config import input_limits
from lif_core.domain import IngestionRun, SourceRecord
from lif_core.domain.base import (
    LIF_NAMESPACE,
    dashed,
    make_event,
    new_event_hex,
    new_event_id,
    uuid5_hex,
)
from lif_core.errors import ConfigError, InputError, LifError, PluginError
from lif_core.eventlog.codec import GENESIS, RecordedBodies, locator_json, sealed
from lif_core.eventlog.log import append, append_rows, lock_for_append, stored_row
from lif_core.eventlog.store import Store, Tx
from lif_core.ingestion.forked import ChildFailed, can_fork, forked_chunks
from lif_core.ingestion.input_checks import open_input
from lif_core.ingestion.parse import ParsedRecord, Rejection, canonical_json, parse_row_items
from lif_core.ingestion.readers import read_rows, read_some_rows
from lif_core.plugins.host import LoadedSource
from lif_core.plugins.spec import RecordError, RecordKind, Row

__all__ = [
    "CHUNK",
    "FORK_MIN_BYTES",
    "IngestResult",
    "Origin",
    "file_origin",
    "fork_mode",
    "ingest_file",
    "ingest_rows",
]

log = logging.getLogger(__name__)
CHUNK = 2000
_COUNTS = ("read", "recorded", "revised", "unchanged", "withdrawn", "rejected", "redecoded")
"""A run's counts; ``redecoded``: cells decoded again with the source's fallback encoding."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where the input came from: a path or URI, its sha256, and anything else worth keeping."""

    uri: str
    sha256: str
    meta: dict[str, Any] = field(default_factory=dict)
    dedupe: bool = True  # a file seen before (same sha256, same source) is skipped whole


@dataclass(slots=True)
class IngestResult:
    source: str
    origin: str
    run_id: str
    status: str = "completed"  # completed | skipped | failed | dry-run
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTS, 0))
    seconds: float = 0.0
    message: str = ""
    failure_kind: str | None = None
    read_in_child: bool = False  # the rows were read and validated in a second process

    @property
    def ok(self) -> bool:
        return self.status in ("completed", "skipped", "dry-run")

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "origin": self.origin,
            "run_id": self.run_id,
            "status": self.status,
            "counts": self.counts,
            "seconds": round(self.seconds, 3),
            "message": self.message,
            "failure_kind": self.failure_kind,
            "read_in_child": self.read_in_child,
        }


def file_origin(path: Path) -> Origin:
    """The file's origin: its path and sha256 (a special file or one over the limit is refused
    with an :class:`~lif_core.errors.InputError` before a byte of it is read)."""
    sha = hashlib.sha256()
    with open_input(path, input_limits()) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return Origin(uri=str(path.resolve()), sha256=sha.hexdigest(), meta={"file": path.name})


class _Entry(NamedTuple):
    """What the index remembers of a record's stream (its head), to decide what to write next.

    ``valid_from``/``as_of`` date the content held; ``withdrawn_as_of`` the snapshot that dropped it.
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


_ENTRY_COLUMNS = "stream_id, version, chain_head, content_hash, valid_from, as_of, withdrawn, last_run, attributes, withdrawn_as_of"
_INDEX_COLUMNS = "stream_id, version, chain_head, content_hash, valid_from, as_of, scope, withdrawn, last_run, attributes, withdrawn_as_of"


class _Rec(NamedTuple):
    """A parsed record as the writer needs it.

    ``canonical`` is the attributes' canonical JSON (what ``content_hash`` is over, and what
    the event and the index hold). ``row`` and ``entry`` are made with the record, where it is
    read: the stored row of its ``Recorded`` event and its index entry, should it be new (most
    are), so that the writer only looks the key up and writes.

    It crosses from a reading process to the writer as a plain tuple of strings, numbers and
    bytes (:meth:`_Run.wire`; ``entry`` too), which pickles in C without a call per record;
    the writer makes it a ``_Rec`` again with :func:`_rec`. Days are ISO text (``valid_from``
    and ``stated_on`` are what the index keeps), and the locator its JSON.
    """

    kind: str
    key: str
    valid_from: str
    valid_to: str | None
    canonical: str
    content_hash: str
    located: str  # the locator as JSON
    scope: str | None
    stated_on: str  # when the source stated it: a snapshot's day, else ``valid_from``
    row: tuple[str, int, str, bytes]
    entry: tuple[Any, ...]  # an _Entry's fields

    @property
    def order_key(self) -> tuple[str, str]:
        """(stated on, valid from): the newer statement of a fact wins, whatever the arrival order."""
        return self.stated_on, self.valid_from

    @property
    def locator(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.located)
        return value

    def attributes(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.canonical)
        return value


_new = tuple.__new__


def _rec(wired: tuple[Any, ...]) -> _Rec:
    """A record as :meth:`_Run.wire` sent it, as a ``_Rec`` (one call in C)."""
    rec: _Rec = _new(_Rec, wired)
    return rec


def _day(iso: str | None) -> date | None:
    """An ISO valid time back as the value it was (a day, or a datetime if a source gave one)."""
    if iso is None:
        return None
    return datetime.fromisoformat(iso) if len(iso) > 10 else date.fromisoformat(iso)


class _Abort(Exception):
    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:  # raised in the reading process, reported here
        return (_Abort, (self.kind, self.reason))


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {
        k: {"from": old.get(k), "to": new.get(k)}
        for k in sorted(set(old) | set(new))
        if old.get(k) != new.get(k)
    }


_RECORDED = SourceRecord.Recorded
_RECORDED_TOPIC = get_topic(_RECORDED)
# The fields _Run.wire writes, in its order: the run's constants, then the record's.
_RECORDED_CONSTANT = (
    "timestamp",
    "actor",
    "causation",
    "correlation",
    "originator_topic",
    "source",
    "record_kind",
)
if {*_RECORDED_CONSTANT, *RecordedBodies.OWN} != set(_RECORDED.__dataclass_fields__) - {
    "originator_id",
    "originator_version",
    "hash",
}:  # pragma: no cover - a field added to SourceRecord.Recorded must be written here too
    raise TypeError(
        "lif_core.ingestion.pipeline writes SourceRecord.Recorded: its fields have changed"
    )


class _Run:
    """One ingestion of one origin, inside one transaction."""

    def __init__(
        self, store: Store, tx: Tx, loaded: LoadedSource, origin: Origin, actor: str, run_id: str
    ) -> None:
        self.store, self.tx, self.loaded, self.origin = store, tx, loaded, origin
        self.source = loaded.source
        self.actor = actor
        self.run_id = run_id
        self.run_stream = IngestionRun.stream_id(run_id)
        self.run_version = 0
        self.run_head = GENESIS
        self.counts = dict.fromkeys(_COUNTS, 0)
        self.scopes: dict[tuple[str, str | None], str] = {}  # the latest day (ISO) per scope
        self.newer: dict[tuple[str, str | None, str], str | None] = {}
        self.now = datetime.now(UTC)
        self.indexed = 0  # index rows this run wrote
        self.analyze_at = CHUNK
        self.stream_prefix = f"{SourceRecord.kind}:{self.source.name}|"  # + kind|key: uuid5
        prov = self.provenance({})
        del prov["locator"]
        self.bodies = RecordedBodies(
            {
                "timestamp": self.now,
                "actor": self.loaded.actor,
                "causation": [],
                "correlation": self.run_id,
                "originator_topic": get_topic(SourceRecord),
                "source": self.source.name,
            },
            prov,
        )

    # --- the run's own stream -------------------------------------------------------------

    def run_event(self, cls: type[Any], **fields: Any) -> Any:
        self.run_version += 1
        extra: dict[str, Any] = (
            {"originator_topic": get_topic(IngestionRun)} if self.run_version == 1 else {}
        )
        state = {
            "timestamp": datetime.now(UTC),
            "event_id": new_event_id(),
            "actor": self.actor,
            "causation": [],
            "correlation": self.run_id,
            **extra,
            **fields,
        }
        event = make_event(cls, self.run_stream, self.run_version, self.run_head, state)
        self.run_head = event.hash
        return event

    def provenance(self, locator: Mapping[str, Any]) -> dict[str, Any]:
        """Stamped by the host on every record event: the origin's own metadata cannot override it."""
        return {
            **self.origin.meta,
            "origin": self.origin.uri,
            "origin_sha256": self.origin.sha256,
            "plugin": self.loaded.plugin,
            "distribution": self.loaded.distribution,
            "plugin_version": self.loaded.version,
            "run_id": self.run_id,
            "locator": dict(locator),
        }

    def record_event(
        self, cls: type[Any], stream: UUID, version: int, prev: str, **fields: Any
    ) -> Any:
        state = {
            "timestamp": self.now,
            "event_id": new_event_id(),
            "actor": self.loaded.actor,
            "causation": [],
            "correlation": self.run_id,
            **fields,
        }
        return make_event(cls, stream, version, prev, state)

    def wire(self, r: ParsedRecord) -> tuple[Any, ...]:
        """A parsed record with the stored row of its ``Recorded`` event, should it be new.

        The hot path of ingestion, run where the rows are read: the run's constant fields are
        encoded once per kind and the record's own spliced in, giving the JSON
        :func:`~lif_core.eventlog.codec.encode_body` gives for the same event (keys in another order); the hash is the
        chain hash of that body, as always.
        """
        kind = r.kind
        key = r.record_key
        valid_from, valid_to = r.valid_time.valid_from, r.valid_time.valid_to
        stated_on = r.as_of or valid_from
        from_iso = valid_from.isoformat()
        stated_iso = stated_on.isoformat() if r.as_of else from_iso
        canonical = r.canonical or canonical_json(r.attributes)
        located = locator_json(r.locator)
        stream = uuid5_hex(LIF_NAMESPACE, f"{self.stream_prefix}{kind}|{key}")
        text = dashed(stream)
        body = self.bodies.body(
            kind, new_event_hex(), key, valid_from, from_iso, valid_to, canonical,
            r.content_hash, located,
        )  # fmt: skip
        digest, state = sealed(GENESIS, text, 1, _RECORDED_TOPIC, body)
        return (  # a _Rec's fields (see _Rec: a plain tuple pickles in C)
            kind,
            key,
            from_iso,
            None if valid_to is None else valid_to.isoformat(),
            canonical,
            r.content_hash,
            located,
            r.scope,
            stated_iso,
            (stream, 1, _RECORDED_TOPIC, state),
            (
                text,
                1,
                digest,
                r.content_hash,
                from_iso,
                stated_iso,
                0,
                self.run_id,
                canonical,
                None,
            ),
        )

    # --- records --------------------------------------------------------------------------

    def index_rows(self, kind: str, keys: list[str]) -> dict[str, _Entry]:
        found: dict[str, _Entry] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            if self.tx.dialect == "postgresql":
                # One primary-key probe per key (analyze_index keeps the planner to that).
                rows = self.tx.execute(
                    f"SELECT i.record_key, {_ENTRY_COLUMNS} FROM unnest(?::text[]) AS k(key) "
                    f"CROSS JOIN LATERAL (SELECT * FROM lif_source_index WHERE source = ? "
                    f"AND record_kind = ? AND record_key = k.key LIMIT 1) AS i",
                    (part, self.source.name, kind),
                ).fetchall()
            else:
                marks = ",".join("?" * len(part))
                rows = self.tx.execute(
                    f"SELECT record_key, {_ENTRY_COLUMNS} FROM lif_source_index "
                    f"WHERE source = ? AND record_kind = ? AND record_key IN ({marks})",
                    (self.source.name, kind, *part),
                ).fetchall()
            found.update({r[0]: _Entry(*r[1:]) for r in rows})
        return found

    def newer_snapshot(self, kind: str, scope: str | None, day: str) -> str | None:
        """The earliest snapshot of ``scope`` newer than ``day`` ingested before this run (ISO
        days). Asked once per (kind, scope, day) a run: this run adds its own snapshot only at the end.
        """
        key = (kind, scope, day)
        if key in self.newer:
            return self.newer[key]
        row = self.tx.execute(
            "SELECT MIN(valid_from) FROM lif_snapshots WHERE source = ? AND record_kind = ? AND scope = ? AND valid_from > ?",
            (self.source.name, kind, scope or "", day),
        ).fetchone()
        found = str(row[0]) if row and row[0] else None
        self.newer[key] = found
        return found

    def _withdrawn(
        self,
        kind: str,
        key: str,
        stream: UUID,
        version: int,
        head: str,
        day: str,
        prov: dict[str, Any],
    ) -> Any:
        """``day``: the snapshot's (ISO) that no longer held the key."""
        return self.record_event(
            SourceRecord.Withdrawn,
            stream,
            version,
            head,
            source=self.source.name,
            record_kind=kind,
            record_key=key,
            valid_from=_day(day),
            reason=f"absent from the snapshot of {day}",
            provenance=prov,
        )

    def _decide(
        self,
        kind: RecordKind,
        r: _Rec,
        entry: _Entry | None,
        rows: list[tuple[str, int, str, bytes]],
        rejections: list[Rejection],
    ) -> _Entry | None:
        """What one record means against what the index holds: the events to write and the new entry.

        In snapshot mode, a snapshot newer than this statement that was ingested earlier and did
        not hold the key means the record is withdrawn as of that snapshot, whatever the order
        the files arrived in.
        """
        if entry is not None:
            if entry.last_run == self.run_id and entry.content_hash != r.content_hash:
                reason = f"record key {r.key!r} appears twice in this input with different content"
                rejections.append(Rejection(r.locator, (reason,), r.attributes(), kind.name))
                return None
            if r.order_key < (entry.as_of, entry.valid_from):
                self.counts["unchanged"] += 1  # an older statement revises nothing a newer one set
                return None
        gone = (
            self.newer_snapshot(kind.name, r.scope, r.stated_on)
            if kind.mode == "snapshot"
            else None
        )
        if entry is None:
            rows.append(r.row)
            self.counts["recorded"] += 1
            new = _new(_Entry, r.entry)
        else:
            same = entry.content_hash == r.content_hash
            if same and bool(entry.withdrawn) == (gone is not None):
                self.counts["unchanged"] += 1
                if entry.last_run == self.run_id:
                    return None
                return entry._replace(
                    valid_from=r.valid_from, as_of=r.stated_on, last_run=self.run_id
                )
            new = entry._replace(valid_from=r.valid_from, as_of=r.stated_on, last_run=self.run_id)
            if not same or (entry.withdrawn and gone is None):  # changed, or back in the snapshot
                version = int(entry.version) + 1
                attributes = r.attributes()
                ev = self.record_event(
                    SourceRecord.Revised,
                    UUID(entry.stream_id),
                    version,
                    entry.chain_head,
                    source=self.source.name,
                    record_kind=kind.name,
                    record_key=r.key,
                    valid_from=_day(r.valid_from),
                    valid_to=_day(r.valid_to),
                    attributes=attributes,
                    changes=_changes(json.loads(entry.attributes), attributes),
                    content_hash=r.content_hash,
                    provenance=self.provenance(r.locator),
                )
                rows.append(stored_row(self.store, ev))
                self.counts["revised"] += 1
                new = _Entry._make(r.entry)._replace(
                    stream_id=entry.stream_id, version=version, chain_head=ev.hash
                )
        if gone is not None:
            wd = self._withdrawn(
                kind.name,
                r.key,
                UUID(new.stream_id),
                int(new.version) + 1,
                new.chain_head,
                gone,
                self.provenance(r.locator),
            )
            rows.append(stored_row(self.store, wd))
            if entry is None or not entry.withdrawn:
                self.counts["withdrawn"] += 1
            new = new._replace(
                version=int(new.version) + 1,
                chain_head=wd.hash,
                withdrawn=1,
                withdrawn_as_of=gone,
            )
        return new

    def write_chunk(self, wired: list[tuple[Any, ...]], rejections: list[Rejection]) -> None:
        """Write a chunk of records (as :meth:`wire` made them) and rejections."""
        rows: list[tuple[Any, int, str, bytes]] = []
        upserts: dict[tuple[str, str], tuple[Any, ...]] = {}  # the last entry of each key
        known: set[tuple[str, str]] = set()  # keys the index held before this chunk
        by_kind: dict[str, list[_Rec]] = {}
        for fields in wired:
            r = _rec(fields)
            by_kind.setdefault(r.kind, []).append(r)
        source = self.source.name
        for kind_name, items in by_kind.items():
            kind = self.source.kind(kind_name)
            snapshot = kind.mode == "snapshot"
            index = self.index_rows(kind_name, list({r.key for r in items}))
            known.update((kind_name, key) for key in index)
            for r in items:
                if snapshot and self.scopes.get((kind_name, r.scope), "") < r.stated_on:
                    self.scopes[(kind_name, r.scope)] = r.stated_on
                new = self._decide(kind, r, index.get(r.key), rows, rejections)
                if new is not None:
                    index[r.key] = new
                    upserts[kind_name, r.key] = (
                        source,
                        kind_name,
                        r.key,
                        *new[:6],
                        r.scope,
                        *new[6:],
                    )
        for rej in rejections:
            self.counts["rejected"] += 1
            if self.source.on_bad_record == "fail-fast":
                raise _Abort(
                    "input",
                    f"rejected at {_where(rej.locator)}: {'; '.join(rej.reasons)} (this source fails fast)",
                )
            rows.append(
                stored_row(
                    self.store,
                    self.run_event(
                        IngestionRun.RecordRejected,
                        locator=dict(rej.locator),
                        reasons=list(rej.reasons),
                        raw=dict(rej.raw),
                        record_kind=rej.kind,
                    ),
                )
            )
        append_rows(self.store, self.tx, rows)
        added = [row for k, row in upserts.items() if k not in known]
        changed = [row for k, row in upserts.items() if k in known]
        self.write_index(added, changed)
        self.analyze_index(len(upserts))

    def write_index(self, added: list[tuple[Any, ...]], changed: list[tuple[Any, ...]]) -> None:
        """Write the index rows of keys new to the index (``added``) and of keys it held.

        New keys are plain inserts (this transaction holds the append lock, so no other
        writer can add them meanwhile); on PostgreSQL both go through ``COPY``, the changed
        ones into a staging table merged with one statement.
        """
        columns = f"source, record_kind, record_key, {_INDEX_COLUMNS}"
        updates = ", ".join(
            f"{c} = excluded.{c}" for c in _INDEX_COLUMNS.split(", ") if c != "stream_id"
        )
        conflict = f"ON CONFLICT (source, record_kind, record_key) DO UPDATE SET {updates}"
        if self.tx.dialect != "postgresql":
            marks = ", ".join("?" * 14)
            self.tx.executemany(f"INSERT INTO lif_source_index ({columns}) VALUES ({marks})", added)
            self.tx.executemany(
                f"INSERT INTO lif_source_index ({columns}) VALUES ({marks}) {conflict}", changed
            )
            return
        if added:
            self._copy_index("lif_source_index", columns, added)
        if changed:
            self.tx.execute(
                "CREATE TEMP TABLE IF NOT EXISTS lif_index_stage "
                "(LIKE lif_source_index INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            self._copy_index("lif_index_stage", columns, changed)
            self.tx.execute(
                f"INSERT INTO lif_source_index ({columns}) SELECT {columns} FROM lif_index_stage {conflict}"
            )
            self.tx.execute("TRUNCATE lif_index_stage")

    def _copy_index(self, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        types = ["text"] * 4 + ["int8"] + ["text"] * 5 + ["int4"] + ["text"] * 3
        with self.tx.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)

    def analyze_index(self, written: int) -> None:
        """PostgreSQL: statistics that include this transaction's own rows, as they double.

        Without them the planner takes ``source = ? AND record_kind = ?`` for a rare pair and
        answers each key probe of :meth:`index_rows` by scanning every row of the source and
        kind through the scope index: quadratic (a 100,000-row file ran at 220 records/s).
        ANALYZE inside the transaction counts its uncommitted rows; log2(n) of them cost little.
        """
        self.indexed += written
        if self.tx.dialect == "postgresql" and self.indexed >= self.analyze_at:
            self.tx.execute("ANALYZE lif_source_index")
            self.analyze_at = 2 * self.indexed

    def withdraw_absent(self) -> None:
        """Snapshot kinds: keys of a scope this input covered but did not hold are withdrawn as of its day."""
        for (kind_name, scope), day in self.scopes.items():
            self.tx.execute(
                "INSERT INTO lif_snapshots (source, record_kind, scope, valid_from, run_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (self.source.name, kind_name, scope or "", day, self.run_id),
            )
            scope_sql, params = ("scope IS NULL", ()) if scope is None else ("scope = ?", (scope,))
            while True:
                # Held before this day and not restated by this input: withdrawn now — or earlier
                # than we thought, when a later snapshot had already dropped it.
                rows = self.tx.execute(
                    "SELECT record_key, stream_id, version, chain_head FROM lif_source_index "
                    f"WHERE source = ? AND record_kind = ? AND {scope_sql} AND (last_run IS NULL OR last_run <> ?) AND as_of < ? "
                    "AND (withdrawn = 0 OR withdrawn_as_of > ?) LIMIT 1000",
                    (
                        self.source.name,
                        kind_name,
                        *params,
                        self.run_id,
                        day,
                        day,
                    ),
                ).fetchall()
                if not rows:
                    break
                events = []
                updates = []
                for key, stream_s, version, head in rows:
                    ev = self._withdrawn(
                        kind_name,
                        key,
                        UUID(stream_s),
                        int(version) + 1,
                        head,
                        day,
                        self.provenance({}),
                    )
                    events.append(ev)
                    self.counts["withdrawn"] += 1
                    updates.append(
                        (
                            int(version) + 1,
                            ev.hash,
                            day,
                            self.source.name,
                            kind_name,
                            key,
                        )
                    )
                append(self.store, self.tx, events)
                self.tx.executemany(
                    "UPDATE lif_source_index SET version = ?, chain_head = ?, withdrawn = 1, withdrawn_as_of = ? "
                    "WHERE source = ? AND record_kind = ? AND record_key = ?",
                    updates,
                )


def _where(locator: Any) -> str:
    return ", ".join(f"{k} {v}" for k, v in dict(locator).items()) or "(whole input)"


def _owned(worker: int, workers: int) -> Callable[[int], bool]:
    """Whether row ``n`` (1, 2, …) is in a chunk of reader ``worker``: chunk ``c`` (rows
    ``c * CHUNK + 1`` to ``(c + 1) * CHUNK``) belongs to reader ``c % workers``."""
    return lambda n: ((n - 1) // CHUNK) % workers == worker


def _read_chunks(
    run: _Run, rows: Iterable[Row | None], limit: int | None, worker: int = 0, workers: int = 1
) -> Iterator[tuple[list[tuple[Any, ...]], list[Rejection], int, int]]:
    """(records, rejections, rows read, cells re-decoded) a chunk at a time, parsed and ready
    to write.

    With several readers (``workers``), each reads every row but parses only its own chunks
    (:func:`_owned`; rows of the others may come unbuilt, as ``None``). Alone, a chunk ends
    once it holds ``CHUNK`` records and rejections, however many rows made them.
    """
    owned = _owned(worker, workers)
    source, wire = run.source, run.wire
    records: list[tuple[Any, ...]] = []
    rejections: list[Rejection] = []
    read = 0  # rows in the current chunk
    redecoded = 0  # cells of the chunk's rows decoded again with the fallback encoding
    mine = worker == 0
    for total, row in enumerate(rows, start=1):
        read += 1
        if mine:
            if row is None:
                raise _Abort("plugin-bug", f"row {total} was not read (a reader bug)")
            if row.redecoded:
                redecoded += len(row.redecoded)
            try:
                for item in parse_row_items(source, row):
                    if isinstance(item, Rejection):
                        rejections.append(item)
                    else:
                        records.append(wire(item))
            except RecordError as exc:
                rejections.append(Rejection(row.locator, (str(exc),), dict(row.raw)))
            except LifError:
                raise
            except Exception as exc:  # the plugin's own code failed: a plugin bug, reported as such
                raise _Abort(
                    "plugin-bug", f"map_row raised {exc!r} at {_where(row.locator)}"
                ) from exc
        full = read >= CHUNK if workers > 1 else len(records) + len(rejections) >= CHUNK
        if full:
            if mine:
                yield records, rejections, read, redecoded
            records, rejections, read, redecoded = [], [], 0, 0
            mine = owned(total + 1) if workers > 1 else True
        if limit is not None and total >= limit:
            break
    if read and mine:
        yield records, rejections, read, redecoded


FORK_MIN_BYTES = 1 << 20
"""``LIF_INGEST_FORK=auto`` reads a file in a second process from this size up."""


def fork_mode() -> str:
    """``LIF_INGEST_FORK``: ``auto`` (the default), ``always`` or ``never``.

    ``auto`` reads files of :data:`FORK_MIN_BYTES` or more in children when it is safe (two
    cores or more, no thread running but the store's pool); ``always`` forks for every file
    wherever the platform can fork, even beside other threads (for tests, and for processes
    whose threads you know); ``never`` reads every file in this process.
    """
    mode = os.environ.get("LIF_INGEST_FORK", "auto").strip().lower() or "auto"
    if mode not in ("auto", "always", "never"):
        raise ConfigError(f"LIF_INGEST_FORK must be auto, always or never, not {mode!r}")
    return mode


def readers_for() -> int:
    """How many children read a file at once: one per core, from two to four."""
    return min(max(os.cpu_count() or 1, 2), 4)


def _read_in_child(store: Store, path: Path) -> bool:
    """Whether to read ``path`` in a forked process (see :mod:`lif_core.ingestion.forked`)."""
    mode = fork_mode()
    if mode == "always":  # asked for: fork wherever the platform can, whatever threads run
        return can_fork(threading.enumerate(), cores=1)
    return (
        mode == "auto" and path.stat().st_size >= FORK_MIN_BYTES and can_fork(store.pool_threads())
    )


def ingest_rows(
    store: Store,
    loaded: LoadedSource,
    rows: Iterable[Row],
    origin: Origin,
    *,
    actor: str | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    read_in_child: bool = False,
    reopen: Callable[[Callable[[int], bool]], Iterable[Row | None]] | None = None,
) -> IngestResult:
    """Ingest rows from one origin: all of it is recorded, or (after a failure or crash) none of it.

    ``read_in_child``: read, map and validate the rows in a forked process while this one
    writes (:mod:`lif_core.ingestion.forked`), for large files on two cores or more. Only for rows that
    the child may consume on its own, such as a file's: never a network consumer's. The caller
    checks :func:`~lif_core.ingestion.forked.can_fork` first; ``IngestResult.read_in_child`` says which ran.
    ``reopen(keep)``: a way to read the same rows again from the start, each time on its own,
    rows ``keep`` refuses as ``None`` if it likes (:func:`~lif_core.ingestion.readers.read_some_rows`);
    with it, each core reads in a child of its own (see :func:`readers_for`) and writing takes
    turns.
    """
    started = time.perf_counter()
    run_id = str(uuid4())
    result = IngestResult(source=loaded.name, origin=origin.uri, run_id=run_id)
    actor = actor or loaded.actor
    if origin.dedupe and not dry_run:
        with store.read() as tx:
            row = tx.execute(
                "SELECT run_id, recorded_at FROM lif_ingested WHERE source = ? AND origin_sha256 = ?",
                (loaded.name, origin.sha256),
            ).fetchone()
        if row:
            result.status = "skipped"
            result.run_id = row[0]
            result.message = f"already ingested (run {row[0]} at {row[1]}); nothing written"
            result.seconds = time.perf_counter() - started
            return result
    failure: _Abort | None = None
    try:
        with store.transaction(commit=not dry_run) as tx:
            lock_for_append(store, tx)
            run = _Run(store, tx, loaded, origin, actor, run_id)
            append(
                store,
                tx,
                [
                    run.run_event(
                        IngestionRun.Started,
                        source=loaded.name,
                        origin=origin.uri,
                        origin_sha256=origin.sha256,
                        plugin=loaded.plugin,
                        plugin_version=loaded.version,
                        dry_run=dry_run,
                    )
                ],
            )
            chunks: Iterable[tuple[list[tuple[Any, ...]], list[Rejection], int, int]]
            if not read_in_child:
                chunks = _read_chunks(run, rows, limit)
            elif reopen is None:
                chunks = forked_chunks(lambda _i, _n: _read_chunks(run, rows, limit))
            else:
                chunks = forked_chunks(
                    lambda i, n: _read_chunks(run, reopen(_owned(i, n)), limit, i, n),
                    readers_for(),
                )
            result.read_in_child = read_in_child
            for records, rejections, nrows, redecoded in chunks:
                run.counts["read"] += nrows
                run.counts["redecoded"] += redecoded
                run.write_chunk(records, rejections)
                if progress:
                    progress(nrows)
            run.withdraw_absent()
            ceiling = loaded.source.max_reject_rate
            if (
                ceiling is not None
                and run.counts["read"]
                and run.counts["rejected"] / run.counts["read"] > ceiling
            ):
                raise _Abort(
                    "input",
                    f"{run.counts['rejected']} of {run.counts['read']} rows rejected, above this source's ceiling of {ceiling:.0%}",
                )
            result.counts = run.counts
            result.seconds = time.perf_counter() - started
            append(
                store,
                tx,
                [
                    run.run_event(
                        IngestionRun.Completed,
                        counts=dict(run.counts),
                        seconds=round(result.seconds, 3),
                    )
                ],
            )
            if origin.dedupe and not dry_run:
                tx.execute(
                    "INSERT INTO lif_ingested (source, origin_sha256, run_id, origin, recorded_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (
                        loaded.name,
                        origin.sha256,
                        run_id,
                        origin.uri,
                        datetime.now(UTC).isoformat(timespec="seconds"),
                    ),
                )
    except _Abort as exc:
        failure = exc
        result.counts = run.counts if "run" in locals() else result.counts
    except InputError as exc:
        failure = _Abort("input", str(exc))
    except PluginError as exc:  # the plugin broke its contract (lif_core.ingestion.parse)
        failure = _Abort(exc.kind, exc.message)
        result.counts = run.counts if "run" in locals() else result.counts
    except ChildFailed as exc:
        failure = _Abort("plugin-bug", str(exc))
        result.counts = run.counts if "run" in locals() else result.counts
    if failure is not None:
        result.status = "failed"
        result.failure_kind = failure.kind
        result.message = failure.reason
        result.seconds = time.perf_counter() - started
        if not dry_run:
            _record_failure(store, loaded, origin, actor, run_id, failure, result.counts)
        return result
    result.status = "dry-run" if dry_run else "completed"
    parts = ", ".join(f"{result.counts[k]} {k}" for k in _COUNTS[1:6])
    if result.counts["redecoded"]:
        parts += f" ({result.counts['redecoded']} cells decoded with the fallback encoding)"
    result.message = f"{parts} ({result.counts['read']} rows read in {result.seconds:.1f} s)" + (
        " — dry run, nothing written" if dry_run else ""
    )
    return result


def _record_failure(
    store: Store,
    loaded: LoadedSource,
    origin: Origin,
    actor: str,
    run_id: str,
    failure: _Abort,
    counts: dict[str, int],
) -> None:
    """A failed run is recorded (started, failed, why) though none of its records are."""
    with store.transaction() as tx:
        run = _Run(store, tx, loaded, origin, actor, run_id)
        events = [
            run.run_event(
                IngestionRun.Started,
                source=loaded.name,
                origin=origin.uri,
                origin_sha256=origin.sha256,
                plugin=loaded.plugin,
                plugin_version=loaded.version,
                dry_run=False,
            ),
            run.run_event(
                IngestionRun.Failed,
                counts=dict(counts),
                failure_kind=failure.kind,
                reason=failure.reason,
            ),
        ]
        append(store, tx, events)


def ingest_file(
    store: Store,
    loaded: LoadedSource,
    path: Path,
    *,
    actor: str | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestResult:
    """Ingest one file with its source's plugin (see :func:`ingest_rows`).

    A file that cannot be read — a FIFO or a device, over an input limit, unreadable, not in
    the source's format — is refused in one line, and the refusal is recorded as a failed run
    (unless ``dry_run``); the caller goes on with its other files.
    """
    try:
        origin = file_origin(path)
        rows = read_rows(path, loaded.source.inputs)
    except (InputError, OSError) as exc:
        if isinstance(exc, InputError):
            reason = str(exc)
        else:
            reason = f"{path}: cannot be read ({exc.strerror or exc})"
        if "origin" not in locals():  # refused before its bytes were read: no sha256 to give
            origin = Origin(uri=str(path.absolute()), sha256="", meta={"file": path.name})
        result = IngestResult(
            source=loaded.name,
            origin=origin.uri,
            run_id=str(uuid4()),
            status="failed",
            message=reason,
            failure_kind="input",
        )
        if not dry_run:
            _record_failure(
                store,
                loaded,
                origin,
                actor or loaded.actor,
                result.run_id,
                _Abort("input", reason),
                result.counts,
            )
        return result
    return ingest_rows(
        store,
        loaded,
        rows,
        origin,
        actor=actor,
        dry_run=dry_run,
        limit=(limit if limit else None),
        progress=progress,
        read_in_child=_read_in_child(store, path),
        reopen=lambda keep: read_some_rows(path, loaded.source.inputs, keep),
    )
