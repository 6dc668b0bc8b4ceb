"""A well-made toy source: yearly counts per area. The conformance kit passes it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lif_core.plugins import (
    Columns,
    Emit,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)

SAMPLES = Path(__file__).parent / "samples"


class AreaCount(BaseModel):
    """Children referred in one area in one calendar year."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int = Field(ge=2000, le=2100, description="Calendar year the count is for.")
    area: str = Field(description="Area name, e.g. 'Leeds'.")
    referrals: int = Field(ge=0, description="Referrals in the year.")


def text(row: Row, column: str) -> str:
    value = row.values.get(column)
    if value is None:
        raise RecordError(f"the {column} is blank", column=column)
    return str(value)


def number(row: Row, column: str) -> int:
    value = text(row, column)
    if not value.isdigit():
        raise RecordError(f"{value!r} is not a whole number", column=column, value=value)
    return int(value)


def map_row(row: Row) -> list[Emit]:
    return [
        Emit(
            "area-count",
            {
                "year": number(row, "year"),
                "area": text(row, "area"),
                "referrals": number(row, "referrals"),
            },
        )
    ]


def year_period(record: Any) -> ValidTime:
    return ValidTime(date(record.year, 1, 1), date(record.year, 12, 31))


KIND = RecordKind(
    name="area-count",
    model=AreaCount,
    key=lambda r: f"{r.year}/{r.area.casefold()}",
    valid_time=year_period,
    description="Referrals in one area in one year.",
)

SOURCE = Source(
    name="toy-counts",
    title="Toy yearly counts",
    provider="The test suite",
    kinds=(KIND,),
    inputs=InputOptions(
        formats=("csv", "xlsx", "json", "jsonl"),
        columns=Columns(
            variants={"year": ("Year",), "area": ("Area",), "referrals": ("Referrals",)},
            required=("year", "area", "referrals"),
        ),
    ),
    map_row=map_row,
    samples=SAMPLES,
    description="Yearly referral counts per area, for the tests.",
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
