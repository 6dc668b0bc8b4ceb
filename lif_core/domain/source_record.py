"""A fact from a source, one stream per (source, record key): recorded, revised, withdrawn."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from lif_core.domain.base import LifAggregate, LifCreated, LifEvent

__all__ = ["SourceRecord"]


class SourceRecord(LifAggregate):
    """Written by the ingestion pipeline only (plugins never touch the store).

    ``provenance``: origin, origin_sha256, locator, plugin, plugin_version, distribution, run_id.
    """

    kind = "source-record"

    @classmethod
    def record_id(cls, source: str, kind: str, record_key: str) -> UUID:
        return cls.stream_id(f"{source}|{kind}|{record_key}")

    class Recorded(LifCreated):
        source: str
        record_kind: str
        record_key: str
        valid_from: date
        valid_to: date | None
        attributes: dict[str, Any]
        content_hash: str
        provenance: dict[str, Any]

        def evolve(self, agg: Any) -> None:
            agg.source = self.source
            agg.record_kind = self.record_kind
            agg.record_key = self.record_key
            agg.valid_from = self.valid_from
            agg.valid_to = self.valid_to
            agg.attributes = dict(self.attributes)
            agg.content_hash = self.content_hash
            agg.provenance = dict(self.provenance)
            agg.withdrawn = False

    class Revised(LifEvent):
        source: str
        record_kind: str
        record_key: str
        valid_from: date
        valid_to: date | None
        attributes: dict[str, Any]
        changes: dict[str, Any]
        content_hash: str
        provenance: dict[str, Any]

        def evolve(self, agg: Any) -> None:
            agg.valid_from = self.valid_from
            agg.valid_to = self.valid_to
            agg.attributes = dict(self.attributes)
            agg.content_hash = self.content_hash
            agg.provenance = dict(self.provenance)
            agg.withdrawn = False

    class Withdrawn(LifEvent):
        source: str
        record_kind: str
        record_key: str
        valid_from: date
        reason: str
        provenance: dict[str, Any]

        def evolve(self, agg: Any) -> None:
            agg.withdrawn = True
