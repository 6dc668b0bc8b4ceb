"""Inbound: a Kafka topic feeds a source plugin through the same ingestion pipeline as files.

Each message is one record in the plugin's format (a JSON object, read like a line of a JSONL
file) or a reference to a file (``{"file": "/path/to/export.csv"}``). Records go through the
plugin and :func:`lif_core.ingestion.ingest_rows` with the message's topic, partition and offset as
their locator; offsets are committed only after the events are stored. A crash in between
re-reads the messages, and the pipeline writes nothing twice: a record whose content is already
in the log is counted unchanged. A message that is not JSON is kept as a rejection (where, why,
the raw text) and consumption goes on.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from lif_core.errors import InputError, LifError
from lif_core.eventlog.store import Store
from lif_core.ingestion import (
    IngestResult,
    Origin,
    ParsedRecord,
    file_origin,
    ingest_rows,
    parse_row,
    read_rows,
)
from lif_core.ingestion.readers import object_values
from lif_core.plugins.host import LoadedSource
from lif_core.plugins.spec import Emit, RecordError, Row

__all__ = ["ConsumeReport", "ConsumerSettings", "TopicConsumer", "message_row"]

log = logging.getLogger(__name__)
_MALFORMED = "malformed"
_COUNTS = ("read", "recorded", "revised", "unchanged", "withdrawn", "rejected")


@dataclass(frozen=True, slots=True)
class ConsumerSettings:
    """Where to read and when to stop.

    ``max_messages``: stop after this many messages are stored and committed (None: no
    limit). ``idle_timeout``: stop after this many seconds without a message (None: never).
    """

    topic: str
    bootstrap: str
    group: str
    max_messages: int | None = None
    idle_timeout: float | None = None
    max_poll_records: int = 1000
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    consumer_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ConsumeReport:
    """What a consumer did: messages, ingestion runs, and the pipeline's counts summed."""

    topic: str
    group: str
    messages: int = 0
    files: int = 0
    runs: list[IngestResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        total = dict.fromkeys(_COUNTS, 0)
        for run in self.runs:
            for key in _COUNTS:
                total[key] += run.counts.get(key, 0)
        return total

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "group": self.group,
            "messages": self.messages,
            "files": self.files,
            "counts": self.counts,
            "runs": len(self.runs),
            "failed_runs": [r.as_dict() for r in self.runs if not r.ok],
            "seconds": round(self.seconds, 3),
        }


# --- messages to rows -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FileReference:
    path: Path
    record: ConsumerRecord


def _locator(record: ConsumerRecord) -> dict[str, Any]:
    return {"topic": record.topic, "partition": record.partition, "offset": record.offset}


def _malformed(record: ConsumerRecord, reason: str) -> Row:
    value = record.value or b""
    try:
        raw: dict[str, Any] = {"message": value.decode("utf-8")}
    except UnicodeDecodeError:
        raw = {"message_base64": base64.b64encode(value).decode("ascii")}
    locator = _locator(record)
    return Row(
        values={},
        raw=raw,
        locator=locator,
        origin=f"kafka:{record.topic}",
        origin_meta={**locator, _MALFORMED: reason},
    )


def message_row(record: ConsumerRecord, loaded: LoadedSource) -> Row | _FileReference:
    """One message as the plugin sees a JSON line: a row (or a reference to a file)."""
    if record.value is None:
        return _malformed(record, "the message is empty (a tombstone); expected a JSON object")
    try:
        obj = json.loads(record.value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _malformed(record, f"the message is not JSON ({exc})")
    if not isinstance(obj, dict):
        return _malformed(
            record, f"the message is JSON {type(obj).__name__}, expected a JSON object"
        )
    if set(obj) == {"file"}:
        if not isinstance(obj["file"], str) or not obj["file"].strip():
            return _malformed(record, '"file" must be the path of a file to ingest')
        return _FileReference(Path(obj["file"]), record)
    values, raw = object_values(obj, loaded.source.inputs.columns)
    locator = _locator(record)
    return Row(
        values=values,
        raw=raw,
        locator=locator,
        origin=f"kafka:{record.topic}",
        origin_meta={**locator, "timestamp": record.timestamp},
    )


def _for_messages(loaded: LoadedSource) -> LoadedSource:
    """The plugin as messages use it.

    A malformed message becomes the plugin's rejection of a row. A message is one record,
    never a whole snapshot: kinds ingested from messages are append-only here (snapshots
    arrive as file references, which keep the kind's own mode). A reject-rate ceiling has no
    meaning for an arbitrary batch of messages, so it is not applied.
    """
    source = loaded.source

    def map_row(row: Row) -> Iterable[Emit]:
        reason = row.origin_meta.get(_MALFORMED)
        if reason:
            raise RecordError(str(reason))
        return source.map_row(row)

    kinds = tuple(dataclasses.replace(k, mode="append", snapshot_scope=None) for k in source.kinds)
    return dataclasses.replace(
        loaded,
        source=dataclasses.replace(source, map_row=map_row, kinds=kinds, max_reject_rate=None),
    )


def _keys(loaded: LoadedSource, row: Row) -> set[tuple[str, str]]:
    try:
        return {
            (item.kind, item.record_key)
            for item in parse_row(loaded.source, row)
            if isinstance(item, ParsedRecord)
        }
    except Exception:  # the pipeline will meet the same failure and report it properly
        return set()


def _segments(loaded: LoadedSource, rows: Sequence[Row]) -> Iterator[list[Row]]:
    """Consecutive rows cut so that no record key repeats within one ingestion run.

    Within one input the pipeline rejects a key met twice with different content; across
    messages the later one is a revision, so it goes to the next run.
    """
    segment: list[Row] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        keys = _keys(loaded, row)
        if keys & seen:
            yield segment
            segment, seen = [], set()
        segment.append(row)
        seen |= keys
    if segment:
        yield segment


def _batch_origin(rows: Sequence[Row], values: Mapping[int, bytes], group: str) -> Origin:
    first, last = rows[0].locator, rows[-1].locator
    digest = hashlib.sha256()
    for row in rows:
        digest.update(f"{row.locator['offset']}:".encode())
        digest.update(values.get(int(row.locator["offset"]), b""))
    return Origin(
        uri=f"kafka:{first['topic']}/{first['partition']}/{first['offset']}-{last['offset']}",
        sha256=digest.hexdigest(),
        meta={"kafka_group": group},
        dedupe=False,
    )


# --- the consumer ---------------------------------------------------------------------------


class TopicConsumer:
    """Consumes one topic into one source. :meth:`commit` and :meth:`make_consumer` are the
    extension points (a subclass changes either in one method)."""

    def __init__(self, store: Store, loaded: LoadedSource, settings: ConsumerSettings) -> None:
        self.store = store
        self.loaded = loaded
        self.messages_source = _for_messages(loaded)
        self.settings = settings
        self._consumer: KafkaConsumer | None = None

    def make_consumer(self) -> KafkaConsumer:
        s = self.settings
        options: dict[str, Any] = {
            "bootstrap_servers": s.bootstrap,
            "group_id": s.group,
            "client_id": f"lif-consume-{self.loaded.name}",
            "enable_auto_commit": False,
            # A new group reads the topic from its beginning; "latest" is never right here.
            "auto_offset_reset": "earliest",
            "session_timeout_ms": s.session_timeout_ms,
            "heartbeat_interval_ms": s.heartbeat_interval_ms,
            "max_poll_records": s.max_poll_records,
        }
        options.update(s.consumer_options)
        consumer = KafkaConsumer(**options)
        consumer.subscribe([s.topic])
        return consumer

    def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        """Tell the broker these messages are stored (their events are in the log)."""
        assert self._consumer is not None
        self._consumer.commit(offsets)

    # --- storing ---------------------------------------------------------------------------

    def store_messages(
        self, records: Sequence[ConsumerRecord], report: ConsumeReport
    ) -> list[IngestResult]:
        """Put one partition's messages through the pipeline, in offset order."""
        results: list[IngestResult] = []
        pending: list[Row] = []
        values = {r.offset: r.value or b"" for r in records}

        def flush() -> None:
            for segment in _segments(self.messages_source, pending):
                origin = _batch_origin(segment, values, self.settings.group)
                results.append(ingest_rows(self.store, self.messages_source, segment, origin))
            pending.clear()

        for record in records:
            item = message_row(record, self.loaded)
            if isinstance(item, _FileReference):
                flush()
                results.append(self._store_file(item))
                report.files += 1
            else:
                pending.append(item)
        flush()
        return results

    def _store_file(self, ref: _FileReference) -> IngestResult:
        try:
            origin = file_origin(ref.path)
        except (OSError, InputError) as exc:  # absent, unreadable, a FIFO, over a limit
            why = exc.strerror if isinstance(exc, OSError) else str(exc)
            row = _malformed(ref.record, f"the message names the file {str(ref.path)!r}: {why}")
            values = {ref.record.offset: ref.record.value or b""}
            return ingest_rows(
                self.store,
                self.messages_source,
                [row],
                _batch_origin([row], values, self.settings.group),
            )
        origin = dataclasses.replace(origin, meta={**origin.meta, "kafka": _locator(ref.record)})
        return ingest_rows(
            self.store, self.loaded, read_rows(ref.path, self.loaded.source.inputs), origin
        )

    # --- the loop ----------------------------------------------------------------------------

    def _stops(self, result: IngestResult) -> bool:
        """A failed run stops consumption unless it was an unreadable file on a quarantine source
        (the failure is in the log, as ``lif ingest`` would have left it)."""
        return result.failure_kind != "input" or self.loaded.source.on_bad_record == "fail-fast"

    def run(self, stop: threading.Event | None = None) -> ConsumeReport:
        """Consume until ``max_messages``, ``idle_timeout`` or ``stop``; return what was done."""
        stop = stop or threading.Event()
        s = self.settings
        report = ConsumeReport(topic=s.topic, group=s.group)
        started = time.perf_counter()
        # The idle clock starts once partitions are assigned (joining a group takes a while),
        # or after two session timeouts without an assignment.
        quiet_since: float | None = None
        no_assignment_grace = time.monotonic() + 2 * s.session_timeout_ms / 1000
        try:
            self._consumer = self.make_consumer()
            while not stop.is_set():
                if s.max_messages is not None and report.messages >= s.max_messages:
                    break
                limit = s.max_poll_records
                if s.max_messages is not None:
                    limit = min(limit, s.max_messages - report.messages)
                polled = self._consumer.poll(timeout_ms=200, max_records=limit)
                now = time.monotonic()
                if quiet_since is None and self._consumer.assignment():
                    quiet_since = now
                if not polled:
                    idle_for = now - (no_assignment_grace if quiet_since is None else quiet_since)
                    if s.idle_timeout is not None and idle_for >= s.idle_timeout:
                        break
                    continue
                quiet_since = now
                for tp, records in sorted(polled.items()):
                    results = self.store_messages(records, report)
                    report.runs.extend(results)
                    failed = [r for r in results if not r.ok and self._stops(r)]
                    if failed:
                        raise LifError(
                            f"{tp.topic}[{tp.partition}] offsets {records[0].offset}-"
                            f"{records[-1].offset} were not stored: {failed[0].message}. "
                            "Nothing was committed; fix the cause and consume again."
                        )
                    offset = records[-1].offset + 1
                    try:
                        self.commit({tp: OffsetAndMetadata(offset, "", -1)})
                    except CommitFailedError as exc:
                        # The partition moved to another member, which re-reads these messages;
                        # the pipeline makes that harmless.
                        log.warning("commit of %s at %d failed: %s", tp, offset, exc)
                    report.messages += len(records)
        except KafkaError as exc:
            raise LifError(f"Kafka at {s.bootstrap}: {exc}") from exc
        finally:
            if self._consumer is not None:
                self._consumer.close(autocommit=False)
                self._consumer = None
            report.seconds = time.perf_counter() - started
        return report
