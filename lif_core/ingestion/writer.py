"""One run's writing: what each record means against the source index, and the events that say so.

A record new to the index is ``Recorded`` (its event made where it was read, see
:mod:`lif_core.ingestion.wire`); one that changed is ``Revised``; one a newer snapshot no
longer holds is ``Withdrawn``; a row the host refused is a ``RecordRejected`` event on the
run's own stream — unless an earlier run over the same file kept the same rejection
(:mod:`lif_core.ingestion.on_record`): then it is counted ``rejected_before`` and named in the
run's ``Completed`` event instead. Everything a run writes is inside the one transaction it
is given.

Fields a kind seals (free text and personal fields) are stored sealed under the record's own
data key: a new record's key is made where it is read (:mod:`lif_core.ingestion.wire`) and kept
here; a revision is sealed again under the key the record already has. Whether a record
changed is decided on its keyed content hash — or, for a record an old store wrote with a
plain sha256, on its content.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from lif_core.domain import IngestionRun, SourceRecord
from lif_core.domain.base import make_event, new_event_id
from lif_core.errors import PluginError
from lif_core.eventlog.codec import GENESIS, plain
from lif_core.eventlog.log import append, append_rows, stored_row
from lif_core.eventlog.store import Store, Tx
from lif_core.ingestion.on_record import RejectionsOnRecord
from lif_core.ingestion.parse import Rejection, canonical_json, locator_text
from lif_core.ingestion.results import COUNTS, Origin
from lif_core.ingestion.source_index import IndexEntry, SourceIndex
from lif_core.ingestion.wire import RecordWire, WiredRecord
from lif_core.plugins.host import LoadedSource
from lif_core.plugins.spec import RecordKind, Source, free_text_fields
from lif_core.privacy.vault import (
    CONTENT_HMAC,
    DataKeys,
    RecordSealer,
    keyed_hash,
    record_key_name,
    run_key_name,
    seal,
    wrap_key_name,
)

__all__ = ["RunWriter", "sealed_fields"]


def sealed_fields(source: Source) -> dict[str, tuple[str, ...]]:
    """Per kind of ``source``: the fields stored sealed — its free text and its personal fields."""
    return {
        kind.name: tuple(dict.fromkeys((*free_text_fields(kind.model), *kind.personal_fields)))
        for kind in source.kinds
    }


def _day(iso: str | None) -> date | None:
    """An ISO valid time back as the value it was (a day, or a datetime if a source gave one)."""
    if iso is None:
        return None
    return datetime.fromisoformat(iso) if len(iso) > 10 else date.fromisoformat(iso)


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {
        k: {"from": old.get(k), "to": new.get(k)}
        for k in sorted(set(old) | set(new))
        if old.get(k) != new.get(k)
    }


class RunWriter:
    """One ingestion of one origin, inside one transaction: its events, counts and index."""

    def __init__(
        self,
        store: Store,
        tx: Tx,
        loaded: LoadedSource,
        origin: Origin,
        actor: str,
        run_id: str,
        on_record: RejectionsOnRecord | None = None,
    ) -> None:
        self.store, self.tx, self.loaded, self.origin = store, tx, loaded, origin
        self.source = loaded.source
        self.actor = actor
        self.run_id = run_id
        self.run_stream = IngestionRun.stream_id(run_id)
        self.run_version = 0
        self.run_head = GENESIS
        self.counts = dict.fromkeys(COUNTS, 0)
        self.run_key: bytes | None = None
        self.scopes: dict[tuple[str, str | None], str] = {}  # the latest day (ISO) per scope
        self.now = datetime.now(UTC)
        self.index = SourceIndex(tx, self.source.name)
        self.keys = DataKeys(store)
        self.sealed_fields = sealed_fields(self.source)
        self.new_keys: list[tuple[str, bytes]] = []  # record keys this chunk keeps (wrapped)
        self.on_record = on_record  # rejections earlier runs over this same file kept
        self.rejected_before: list[dict[str, Any]] = []  # those this run met again

    @functools.cached_property
    def sealer(self) -> RecordSealer:
        """The run's sealer: ``hmac:content`` (made with the store's first run) and, when the
        source seals any field, the run's wrapping key (made in this transaction)."""
        hmac_key = self.keys.ensure(self.tx, CONTENT_HMAC)
        wrap_name = wrap_key_name(self.run_id)
        wrap_key = (
            self.keys.create(self.tx, wrap_name) if any(self.sealed_fields.values()) else None
        )
        return RecordSealer(hmac_key, wrap_key, wrap_name)

    @functools.cached_property
    def wire(self) -> Any:
        """What makes a parsed record a wired one (made before the rows are read)."""
        provenance = self.provenance({})
        del provenance["locator"]
        return RecordWire(
            self.source.name,
            self.loaded.actor,
            self.run_id,
            self.now,
            provenance,
            self.sealer,
            self.sealed_fields,
        ).wire

    # --- the run's own stream -----------------------------------------------------------------

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

    def started(self, *, dry_run: bool) -> None:
        """Write the run's ``Started`` event."""
        loaded, origin = self.loaded, self.origin
        started = self.run_event(
            IngestionRun.Started,
            source=loaded.name,
            origin=origin.uri,
            origin_sha256=origin.sha256,
            plugin=loaded.plugin,
            plugin_version=loaded.version,
            dry_run=dry_run,
        )
        append(self.store, self.tx, [started])

    def sealed(self, value: Any) -> dict[str, Any]:
        """A rejected row's raw copy, or its reasons (which may quote a cell), sealed under the
        run's data key (made at its first rejection, in this transaction): erasable by
        destroying the key (``lif privacy erase --run``, and the retention of rejected rows)."""
        if self.run_key is None:
            self.run_key = DataKeys(self.store).create(self.tx, run_key_name(self.run_id))
        return seal(self.run_key, run_key_name(self.run_id), value)

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

    # --- records ------------------------------------------------------------------------------

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

    def _withdrawn(
        self,
        kind: str,
        key: str,
        head: tuple[str, int, str],
        day: str,
        locator: Mapping[str, Any] | None = None,
    ) -> Any:
        """The ``Withdrawn`` event after a stream's ``head`` (stream id, version, chain hash);
        ``day``: the snapshot's (ISO) that no longer held the key; ``locator``: where the
        statement that found it withdrawn was, if a record of the input did."""
        stream, version, chain_head = head
        return self.record_event(
            SourceRecord.Withdrawn,
            UUID(stream),
            int(version) + 1,
            chain_head,
            source=self.source.name,
            record_kind=kind,
            record_key=key,
            valid_from=_day(day),
            reason=f"absent from the snapshot of {day}",
            provenance=self.provenance(locator or {}),
        )

    def _decide(
        self,
        kind: RecordKind,
        r: WiredRecord,
        entry: IndexEntry | None,
        rows: list[tuple[Any, int, str, bytes]],
        rejections: list[Rejection],
    ) -> IndexEntry | None:
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
            self.index.newer_snapshot(kind.name, r.scope, r.stated_on)
            if kind.mode == "snapshot"
            else None
        )
        if entry is None:
            rows.append(r.row)
            if r.wrapped_key is not None:
                self.new_keys.append(r.wrapped_key)
            self.counts["recorded"] += 1
            new = r.new_entry
        else:
            same = entry.content_hash == r.content_hash or (
                not keyed_hash(entry.content_hash) and entry.attributes == r.canonical
            )  # an old store's plain hash: the same content, stated in clear in its index
            new = entry._replace(valid_from=r.valid_from, as_of=r.stated_on, last_run=self.run_id)
            if same and bool(entry.withdrawn) == (gone is not None):
                self.counts["unchanged"] += 1
                return None if entry.last_run == self.run_id else new
            if not same or (entry.withdrawn and gone is None):  # changed, or back in the snapshot
                version = int(entry.version) + 1
                attributes, changes = self._revision(kind.name, r, entry, version)
                revised = self.record_event(
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
                    changes=changes,
                    content_hash=r.content_hash,
                    provenance=self.provenance(r.locator),
                )
                rows.append(stored_row(self.store, revised))
                self.counts["revised"] += 1
                new = r.new_entry._replace(
                    stream_id=entry.stream_id,
                    version=version,
                    chain_head=revised.hash,
                    attributes=canonical_json(attributes),
                )
        if gone is not None:
            head = (new.stream_id, new.version, new.chain_head)
            withdrawn = self._withdrawn(kind.name, r.key, head, gone, r.locator)
            rows.append(stored_row(self.store, withdrawn))
            if entry is None or not entry.withdrawn:
                self.counts["withdrawn"] += 1
            new = new._replace(
                version=int(new.version) + 1,
                chain_head=withdrawn.hash,
                withdrawn=1,
                withdrawn_as_of=gone,
            )
        return new

    def _revision(
        self, kind: str, r: WiredRecord, entry: IndexEntry, version: int
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A revision's attributes as stored (sealed fields sealed under the record's key) and
        its changes (decided on the values in clear, stated as stored)."""
        clear = r.attributes()
        before = json.loads(entry.attributes)
        fields = self.sealed_fields.get(kind, ())
        if not fields:
            return clear, _changes(before, clear)
        name = record_key_name(entry.stream_id)
        data_key = self.keys.key(name)
        if data_key is None:
            # A record an old store wrote (no key yet), or one erased: a key of its own from
            # this version on (an erased key is never used again).
            if self.keys.states([name]):
                name = f"{name}/{version}"
            data_key, wrapped = self.sealer.new_key(name)
            self.new_keys.append((name, wrapped))
        stored = RecordSealer.sealed(clear, fields, data_key, name)
        was = self.keys.opened(before)
        changes = {
            k: {"from": before.get(k), "to": stored.get(k)}
            for k in sorted(set(before) | set(stored))
            if was.get(k) != clear.get(k)
        }
        return stored, changes

    def write_chunk(self, wired: list[tuple[Any, ...]], rejections: list[Rejection]) -> None:
        """Write a chunk of records (as :meth:`wire` made them) and rejections."""
        rows: list[tuple[Any, int, str, bytes]] = []
        upserts: dict[tuple[str, str], tuple[Any, ...]] = {}  # the last index row of each key
        known: set[tuple[str, str]] = set()  # keys the index held before this chunk
        by_kind: dict[str, list[WiredRecord]] = {}
        received = WiredRecord.received
        for fields in wired:
            r = received(fields)
            by_kind.setdefault(r.kind, []).append(r)
        source = self.source.name
        for kind_name, items in by_kind.items():
            kind = self.source.kind(kind_name)
            snapshot = kind.mode == "snapshot"
            index = self.index.entries(kind_name, list({r.key for r in items}))
            known.update((kind_name, key) for key in index)
            for r in items:
                if snapshot and self.scopes.get((kind_name, r.scope), "") < r.stated_on:
                    self.scopes[(kind_name, r.scope)] = r.stated_on
                new = self._decide(kind, r, index.get(r.key), rows, rejections)
                if new is not None:
                    index[r.key] = new
                    upserts[kind_name, r.key] = new.row(source, kind_name, r.key, r.scope)
        for rejection in rejections:
            if self.source.on_bad_record == "fail-fast":
                self.counts["rejected"] += 1
                raise PluginError(
                    source,
                    "input",
                    f"rejected at {locator_text(rejection.locator)}: "
                    f"{'; '.join(rejection.reasons)} (this source fails fast)",
                )
            earlier = self.on_record.take(rejection) if self.on_record else None
            if earlier is not None:  # kept already, in the same words: not a second time
                self.counts["rejected_before"] += 1
                self.rejected_before.append(earlier)
                continue
            self.counts["rejected"] += 1
            rows.append(
                stored_row(
                    self.store,
                    self.run_event(
                        IngestionRun.RecordRejected,
                        locator=dict(rejection.locator),
                        reasons=self.sealed(list(rejection.reasons)),
                        raw=self.sealed(plain(dict(rejection.raw))),
                        record_kind=rejection.kind,
                    ),
                )
            )
        append_rows(self.store, self.tx, rows)
        self.keys.add_wrapped(self.tx, self.new_keys, self.sealer.wrap_name)
        self.new_keys = []
        self.index.write(
            [row for k, row in upserts.items() if k not in known],
            [row for k, row in upserts.items() if k in known],
        )

    def withdraw_absent(self) -> None:
        """Snapshot kinds: keys of a scope this input covered but did not hold are withdrawn as of its day."""
        for (kind, scope), day in self.scopes.items():
            self.index.record_snapshot(kind, scope, day, self.run_id)
            while absent := self.index.absent(kind, scope, day, self.run_id):
                events = [self._withdrawn(kind, key, head, day) for key, head in absent]
                self.counts["withdrawn"] += len(events)
                append(self.store, self.tx, events)
                self.index.mark_withdrawn(
                    kind,
                    day,
                    [
                        (key, version + 1, e.hash)
                        for (key, (_, version, _)), e in zip(absent, events, strict=True)
                    ],
                )
