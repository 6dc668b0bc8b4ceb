"""One ingestion of one origin: started, records rejected (kept), completed or failed, with counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lif_core.domain.base import LifAggregate, LifCreated, LifEvent

__all__ = ["IngestionRun"]


class IngestionRun(LifAggregate):
    kind = "ingestion-run"

    class Started(LifCreated):
        source: str
        origin: str
        origin_sha256: str
        plugin: str
        plugin_version: str
        dry_run: bool

        def evolve(self, agg: Any) -> None:
            agg.source = self.source
            agg.origin = self.origin
            agg.status = "started"

    class RecordRejected(LifEvent):
        locator: dict[str, Any]
        reasons: list[str]
        raw: dict[str, Any]
        record_kind: str | None

        def evolve(self, agg: Any) -> None:
            pass

    class Completed(LifEvent):
        counts: dict[str, int]
        seconds: float
        # The rejections of earlier runs over this same file (by sha256) that this run met
        # again, unchanged, and so did not keep again: ``{"run_id", "event_version"}`` each.
        # They are still open; the rest of those runs' rejections are superseded. Runs
        # recorded before this field existed are read with none.
        rejected_before: Sequence[dict[str, Any]] = ()

        def evolve(self, agg: Any) -> None:
            agg.status = "completed"
            agg.counts = dict(self.counts)

    class Failed(LifEvent):
        counts: dict[str, int]
        failure_kind: str
        reason: str

        def evolve(self, agg: Any) -> None:
            agg.status = "failed"
            agg.counts = dict(self.counts)
