"""Records crossing from the reading process to the writer, ready to write should they be new.

A parsed record is made, where it is read, into a :class:`WiredRecord`: what the writer needs
to decide what it means, plus the stored row of its first (``Recorded``) event and its index
entry, so that for a new record (most are) the writer only looks the key up and writes.

It crosses between processes as a plain tuple of text, numbers and bytes (its ``entry`` a
plain tuple too), which pickles in C without a Python call per record;
:meth:`WiredRecord.received` makes it a named record again, in C. Days are ISO text (what the
index keeps), the locator its JSON.

Sealing happens here too (issue 17): a record's content hash is keyed (HMAC, see
:class:`~lif_core.privacy.vault.RecordSealer`), and the fields its kind seals (free text and
personal fields) are stored sealed under a new data key of the record, which travels wrapped
with it; the writer keeps that key only if the record is new.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from eventsourcing.utils import get_topic

from lif_core.domain import SourceRecord
from lif_core.domain.base import LIF_NAMESPACE, dashed, new_event_hex, uuid5_hex
from lif_core.eventlog.codec import GENESIS, HASH_FIELD, RecordedBodies, locator_json, sealed
from lif_core.ingestion.parse import ParsedRecord, canonical_json
from lif_core.ingestion.source_index import IndexEntry
from lif_core.privacy.vault import RecordSealer, record_key_name

__all__ = ["RecordWire", "WiredRecord"]

_RECORDED = SourceRecord.Recorded
_RECORDED_TOPIC = get_topic(_RECORDED)
# The run's constant fields of a Recorded event; RecordedBodies.OWN are each record's.
_CONSTANT = (
    "timestamp",
    "actor",
    "causation",
    "correlation",
    "originator_topic",
    "source",
    "record_kind",
)
if {*_CONSTANT, *RecordedBodies.OWN} != set(_RECORDED.__dataclass_fields__) - {
    "originator_id",
    "originator_version",
    HASH_FIELD,
}:  # pragma: no cover - a field added to SourceRecord.Recorded must be written here too
    raise TypeError("lif_core.ingestion.wire writes SourceRecord.Recorded: its fields have changed")
_new = tuple.__new__


class WiredRecord(NamedTuple):
    """A parsed record as the writer needs it.

    ``canonical`` is the attributes' canonical JSON in clear (what the keyed ``content_hash``
    is over; it never leaves memory); ``stored`` the same with the sealed fields sealed (what
    the event and the index hold); ``stated_on`` when the source stated it (a snapshot's day,
    else ``valid_from``). ``row`` is the stored row of its ``Recorded`` event and ``entry``
    its :class:`~lif_core.ingestion.source_index.IndexEntry`'s fields, should it be new;
    ``wrapped_key`` the (name, wrapped) data key its sealed fields are sealed under (None when
    its kind seals nothing).
    """

    kind: str
    key: str
    valid_from: str
    valid_to: str | None
    canonical: str
    content_hash: str
    located: str  # the locator as JSON
    scope: str | None
    stated_on: str
    row: tuple[str, int, str, bytes]
    entry: tuple[Any, ...]
    stored: str
    wrapped_key: tuple[str, bytes] | None

    @classmethod
    def received(cls, fields: tuple[Any, ...]) -> WiredRecord:
        """A record as :meth:`RecordWire.wire` sent it (one call in C)."""
        record: WiredRecord = _new(cls, fields)
        return record

    @property
    def order_key(self) -> tuple[str, str]:
        """(stated on, valid from): the newer statement of a fact wins, whatever the arrival order."""
        return self.stated_on, self.valid_from

    @property
    def new_entry(self) -> IndexEntry:
        """Its index entry as a new stream (version 1, its ``Recorded`` event the head)."""
        return IndexEntry.received(self.entry)

    @property
    def locator(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.located)
        return value

    def attributes(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.canonical)
        return value


class RecordWire:
    """One run's maker of wired records (made before reading; a forked reader inherits it)."""

    def __init__(
        self,
        source: str,
        actor: str,
        run_id: str,
        now: datetime,
        provenance: Mapping[str, Any],
        sealer: RecordSealer,
        sealed_fields: Mapping[str, tuple[str, ...]],
    ) -> None:
        """``now``: the run's recorded time; ``provenance``: every record's, but its locator;
        ``sealed_fields``: per kind, the fields stored sealed."""
        self.run_id = run_id
        self._sealer = sealer
        self._sealed_fields = {k: v for k, v in sealed_fields.items() if v}
        self._stream_prefix = f"{SourceRecord.kind}:{source}|"  # + kind|key: the uuid5 name
        constant = {
            "timestamp": now,
            "actor": actor,
            "causation": [],
            "correlation": run_id,
            "originator_topic": get_topic(SourceRecord),
            "source": source,
        }
        assert (*constant, "record_kind") == _CONSTANT
        self._bodies = RecordedBodies(constant, provenance)

    def wire(self, r: ParsedRecord) -> tuple[Any, ...]:
        """A :class:`WiredRecord`'s fields: the parsed record, its ``Recorded`` event's stored
        row and its new index entry (the hot path of ingestion, run where the rows are read)."""
        kind = r.kind
        key = r.record_key
        valid_from, valid_to = r.valid_time.valid_from, r.valid_time.valid_to
        from_iso = valid_from.isoformat()
        stated_iso = r.as_of.isoformat() if r.as_of else from_iso
        canonical = r.canonical or canonical_json(r.attributes)
        content_hash = self._sealer.content_hash(canonical)
        located = locator_json(r.locator)
        stream = uuid5_hex(LIF_NAMESPACE, f"{self._stream_prefix}{kind}|{key}")
        text = dashed(stream)
        fields = self._sealed_fields.get(kind)
        stored = canonical
        wrapped_key: tuple[str, bytes] | None = None
        if fields:
            name = record_key_name(text)
            data_key, wrapped = self._sealer.new_key(name)
            stored = canonical_json(self._sealer.sealed(r.attributes, fields, data_key, name))
            wrapped_key = (name, wrapped)
        body = self._bodies.body(
            kind, new_event_hex(), key, valid_from, from_iso, valid_to, stored,
            content_hash, located,
        )  # fmt: skip
        digest, state = sealed(GENESIS, text, 1, _RECORDED_TOPIC, body)
        return (  # WiredRecord's fields, in its order
            kind,
            key,
            from_iso,
            None if valid_to is None else valid_to.isoformat(),
            canonical,
            content_hash,
            located,
            r.scope,
            stated_iso,
            (stream, 1, _RECORDED_TOPIC, state),
            (  # IndexEntry's fields, in its order
                text,
                1,
                digest,
                content_hash,
                from_iso,
                stated_iso,
                0,
                self.run_id,
                stored,
                None,
            ),
            stored,
            wrapped_key,
        )
