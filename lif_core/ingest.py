"""The ingestion pipeline: provenance, dedupe, revisions, withdrawals, rejections — one transaction per origin."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID, uuid4

from eventsourcing.utils import get_topic

from lif_core.domain import IngestionRun, SourceRecord
from lif_core.domain.base import GENESIS, new_event_id, seal_event
from lif_core.errors import InputError, LifError
from lif_core.parse import ParsedRecord, Rejection, parse_row
from lif_core.plugins._manager import LoadedSource
from lif_core.plugins._spec import RecordError, RecordKind, Row
from lif_core.readers import read_rows
from lif_core.store import Store, Tx

__all__ = ["CHUNK", "IngestResult", "Origin", "file_origin", "ingest_file", "ingest_rows"]

log = logging.getLogger(__name__)
CHUNK = 2000
_COUNTS = ("read", "recorded", "revised", "unchanged", "withdrawn", "rejected")


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
        }


def file_origin(path: Path) -> Origin:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
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


class _Abort(Exception):
    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {
        k: {"from": old.get(k), "to": new.get(k)}
        for k in sorted(set(old) | set(new))
        if old.get(k) != new.get(k)
    }


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
        self.scopes: dict[tuple[str, str | None], date] = {}
        self.now = datetime.now(UTC)
        self.indexed = 0  # index rows this run wrote
        self.analyze_at = CHUNK

    # --- the run's own stream -------------------------------------------------------------

    def run_event(self, cls: type[Any], **fields: Any) -> Any:
        self.run_version += 1
        extra: dict[str, Any] = (
            {"originator_topic": get_topic(IngestionRun)} if self.run_version == 1 else {}
        )
        event = cls(
            originator_id=self.run_stream,
            originator_version=self.run_version,
            timestamp=datetime.now(UTC),
            event_id=new_event_id(),
            actor=self.actor,
            causation=[],
            correlation=self.run_id,
            hash="",
            **extra,
            **fields,
        )
        self.run_head = seal_event(event, self.run_head)
        return event

    def provenance(self, locator: Any) -> dict[str, Any]:
        return {
            "origin": self.origin.uri,
            "origin_sha256": self.origin.sha256,
            "locator": dict(locator),
            **self.origin.meta,
            "plugin": self.loaded.plugin,
            "distribution": self.loaded.distribution,
            "plugin_version": self.loaded.version,
            "run_id": self.run_id,
        }

    def record_event(
        self, cls: type[Any], stream: UUID, version: int, prev: str, **fields: Any
    ) -> Any:
        extra: dict[str, Any] = (
            {"originator_topic": get_topic(SourceRecord)} if version == 1 else {}
        )
        event = cls(
            originator_id=stream,
            originator_version=version,
            timestamp=self.now,
            event_id=new_event_id(),
            actor=self.loaded.actor,
            causation=[],
            correlation=self.run_id,
            hash="",
            **extra,
            **fields,
        )
        seal_event(event, prev)
        return event

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

    def newer_snapshot(self, kind: str, scope: str | None, day: date) -> date | None:
        row = self.tx.execute(
            "SELECT MIN(valid_from) FROM lif_snapshots WHERE source = ? AND record_kind = ? AND scope = ? AND valid_from > ?",
            (self.source.name, kind, scope or "", day.isoformat()),
        ).fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def _withdrawn(
        self,
        kind: str,
        key: str,
        stream: UUID,
        version: int,
        head: str,
        day: date,
        prov: dict[str, Any],
    ) -> Any:
        return self.record_event(
            SourceRecord.Withdrawn,
            stream,
            version,
            head,
            source=self.source.name,
            record_kind=kind,
            record_key=key,
            valid_from=day,
            reason=f"absent from the snapshot of {day.isoformat()}",
            provenance=prov,
        )

    def _decide(
        self,
        kind: RecordKind,
        r: ParsedRecord,
        entry: _Entry | None,
        events: list[Any],
        rejections: list[Rejection],
    ) -> _Entry | None:
        """What one record means against what the index holds: the events to write and the new entry.

        In snapshot mode, a snapshot newer than this statement that was ingested earlier and did
        not hold the key means the record is withdrawn as of that snapshot, whatever the order
        the files arrived in.
        """
        prov = self.provenance(r.locator)
        fresh = (
            r.content_hash,
            *r.stated,
            0,
            self.run_id,
            json.dumps(r.attributes, sort_keys=True),
            None,
        )
        if entry is not None:
            if entry.last_run == self.run_id and entry.content_hash != r.content_hash:
                reason = f"record key {r.record_key!r} appears twice in this input with different content"
                rejections.append(Rejection(r.locator, (reason,), dict(r.attributes), kind.name))
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
            stream = SourceRecord.record_id(self.source.name, kind.name, r.record_key)
            ev = self.record_event(
                SourceRecord.Recorded,
                stream,
                1,
                GENESIS,
                source=self.source.name,
                record_kind=kind.name,
                record_key=r.record_key,
                valid_from=r.valid_time.valid_from,
                valid_to=r.valid_time.valid_to,
                attributes=r.attributes,
                content_hash=r.content_hash,
                provenance=prov,
            )
            events.append(ev)
            self.counts["recorded"] += 1
            new = _Entry(str(stream), 1, ev.hash, *fresh)
        else:
            same = entry.content_hash == r.content_hash
            if same and bool(entry.withdrawn) == (gone is not None):
                self.counts["unchanged"] += 1
                if entry.last_run == self.run_id:
                    return None
                return entry._replace(
                    valid_from=r.stated[0], as_of=r.stated[1], last_run=self.run_id
                )
            new = entry._replace(valid_from=r.stated[0], as_of=r.stated[1], last_run=self.run_id)
            if not same or (entry.withdrawn and gone is None):  # changed, or back in the snapshot
                version = int(entry.version) + 1
                ev = self.record_event(
                    SourceRecord.Revised,
                    UUID(entry.stream_id),
                    version,
                    entry.chain_head,
                    source=self.source.name,
                    record_kind=kind.name,
                    record_key=r.record_key,
                    valid_from=r.valid_time.valid_from,
                    valid_to=r.valid_time.valid_to,
                    attributes=r.attributes,
                    changes=_changes(json.loads(entry.attributes), r.attributes),
                    content_hash=r.content_hash,
                    provenance=prov,
                )
                events.append(ev)
                self.counts["revised"] += 1
                new = _Entry(entry.stream_id, version, ev.hash, *fresh)
        if gone is not None:
            wd = self._withdrawn(
                kind.name,
                r.record_key,
                UUID(new.stream_id),
                int(new.version) + 1,
                new.chain_head,
                gone,
                prov,
            )
            events.append(wd)
            if entry is None or not entry.withdrawn:
                self.counts["withdrawn"] += 1
            new = new._replace(
                version=int(new.version) + 1,
                chain_head=wd.hash,
                withdrawn=1,
                withdrawn_as_of=gone.isoformat(),
            )
        return new

    def write_chunk(self, records: list[ParsedRecord], rejections: list[Rejection]) -> None:
        events: list[Any] = []
        upserts: list[tuple[Any, ...]] = []
        by_kind: dict[str, list[ParsedRecord]] = {}
        for r in records:
            by_kind.setdefault(r.kind, []).append(r)
        for kind_name, items in by_kind.items():
            kind = self.source.kind(kind_name)
            index = self.index_rows(kind_name, list({r.record_key for r in items}))
            for r in items:
                if (
                    kind.mode == "snapshot"
                    and self.scopes.get((kind_name, r.scope), date.min) < r.stated_on
                ):
                    self.scopes[(kind_name, r.scope)] = r.stated_on
                new = self._decide(kind, r, index.get(r.record_key), events, rejections)
                if new is not None:
                    index[r.record_key] = new
                    upserts.append(
                        (self.source.name, kind_name, r.record_key, *new[:6], r.scope, *new[6:])
                    )
        for rej in rejections:
            self.counts["rejected"] += 1
            if self.source.on_bad_record == "fail-fast":
                raise _Abort(
                    "input",
                    f"rejected at {_where(rej.locator)}: {'; '.join(rej.reasons)} (this source fails fast)",
                )
            events.append(
                self.run_event(
                    IngestionRun.RecordRejected,
                    locator=dict(rej.locator),
                    reasons=list(rej.reasons),
                    raw=dict(rej.raw),
                    record_kind=rej.kind,
                )
            )
        self.store.append(self.tx, events)
        self.tx.executemany(
            f"INSERT INTO lif_source_index (source, record_kind, record_key, {_INDEX_COLUMNS}) "
            f"VALUES ({', '.join('?' * 14)}) ON CONFLICT (source, record_kind, record_key) DO UPDATE SET "
            + ", ".join(
                f"{c} = excluded.{c}" for c in _INDEX_COLUMNS.split(", ") if c != "stream_id"
            ),
            upserts,
        )
        self.analyze_index(len(upserts))

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
                (self.source.name, kind_name, scope or "", day.isoformat(), self.run_id),
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
                        day.isoformat(),
                        day.isoformat(),
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
                            day.isoformat(),
                            self.source.name,
                            kind_name,
                            key,
                        )
                    )
                self.store.append(self.tx, events)
                self.tx.executemany(
                    "UPDATE lif_source_index SET version = ?, chain_head = ?, withdrawn = 1, withdrawn_as_of = ? "
                    "WHERE source = ? AND record_kind = ? AND record_key = ?",
                    updates,
                )


def _where(locator: Any) -> str:
    return ", ".join(f"{k} {v}" for k, v in dict(locator).items()) or "(whole input)"


def _chunks(
    items: Iterable[ParsedRecord | Rejection | int], size: int
) -> Iterator[tuple[list[ParsedRecord], list[Rejection], int]]:
    records: list[ParsedRecord] = []
    rejections: list[Rejection] = []
    rows = 0
    for item in items:
        if isinstance(item, int):
            rows += item
            if len(records) + len(rejections) >= size:
                yield records, rejections, rows
                records, rejections, rows = [], [], 0
        elif isinstance(item, Rejection):
            rejections.append(item)
        else:
            records.append(item)
    if records or rejections or rows:
        yield records, rejections, rows


def _parsed(
    loaded: LoadedSource, rows: Iterable[Row], limit: int | None
) -> Iterator[ParsedRecord | Rejection | int]:
    for count, row in enumerate(rows, start=1):
        try:
            yield from parse_row(loaded.source, row)
        except RecordError as exc:
            yield Rejection(row.locator, (str(exc),), dict(row.raw))
        except LifError:
            raise
        except Exception as exc:  # the plugin's own code failed: a plugin bug, reported as such
            raise _Abort("plugin-bug", f"map_row raised {exc!r} at {_where(row.locator)}") from exc
        yield 1
        if limit is not None and count >= limit:
            return


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
) -> IngestResult:
    """Ingest rows from one origin: all of it is recorded, or (after a failure or crash) none of it."""
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
            store.lock_for_append(tx)
            run = _Run(store, tx, loaded, origin, actor, run_id)
            store.append(
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
            for records, rejections, nrows in _chunks(_parsed(loaded, rows, limit), CHUNK):
                run.counts["read"] += nrows
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
            store.append(
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
    if failure is not None:
        result.status = "failed"
        result.failure_kind = failure.kind
        result.message = failure.reason
        result.seconds = time.perf_counter() - started
        if not dry_run:
            _record_failure(store, loaded, origin, actor, run_id, failure, result.counts)
        return result
    result.status = "dry-run" if dry_run else "completed"
    parts = ", ".join(f"{result.counts[k]} {k}" for k in _COUNTS[1:])
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
        store.append(tx, events)


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
    """Ingest one file with its source's plugin (see :func:`ingest_rows`)."""
    try:
        origin = file_origin(path)
    except OSError as exc:
        return IngestResult(
            source=loaded.name,
            origin=str(path),
            run_id="",
            status="failed",
            message=f"{path}: {exc.strerror}",
            failure_kind="input",
        )
    try:
        rows = read_rows(path, loaded.source.inputs)
    except InputError as exc:
        result = IngestResult(
            source=loaded.name,
            origin=origin.uri,
            run_id=str(uuid4()),
            status="failed",
            message=str(exc),
            failure_kind="input",
        )
        if not dry_run:
            _record_failure(
                store,
                loaded,
                origin,
                actor or loaded.actor,
                result.run_id,
                _Abort("input", str(exc)),
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
    )
