"""A toy source plugin for the Kafka tests: one append-mode kind of dated readings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from lif_core.plugins import Emit, InputOptions, RecordKind, Row, Source, ValidTime, hookimpl


class Reading(BaseModel):
    key: str = Field(description="The reading's key, unique in the source.")
    value: int = Field(description="The value read.")
    day: date = Field(description="The day the reading is about.")


def _map_row(row: Row) -> Iterator[Emit]:
    yield Emit("reading", dict(row.values))


SOURCE = Source(
    name="toy-readings",
    title="Toy readings",
    provider="The Kafka tests",
    kinds=(
        RecordKind(
            name="reading",
            model=Reading,
            key=lambda r: r.key,
            valid_time=lambda r: ValidTime(r.day),
            description="A dated reading.",
        ),
    ),
    inputs=InputOptions(formats=("json", "jsonl", "csv")),
    map_row=_map_row,
)


@hookimpl
def register_sources(register):  # type: ignore[no-untyped-def]
    register(SOURCE)


def rows(keys: int, value: int, day: str = "2024-01-01") -> list[Row]:
    """``keys`` readings k0..k{keys-1}, all with ``value``."""
    return [
        Row(
            values={"key": f"k{i}", "value": value, "day": day},
            raw={"key": f"k{i}", "value": value, "day": day},
            locator={"line": i + 1},
            origin="toy.jsonl",
        )
        for i in range(keys)
    ]


def fill(store: Any, loaded: Any, keys: int, rounds: int) -> int:
    """``keys`` streams of ``rounds`` events each (one Recorded, then Revised); the log's head."""
    from lif_core.ingestion import Origin, ingest_rows

    for value in range(rounds):
        result = ingest_rows(
            store, loaded, rows(keys, value), Origin(f"toy:{value}", f"{value:064x}", dedupe=False)
        )
        assert result.status == "completed", result.message
    return int(store.max_notification_id())
