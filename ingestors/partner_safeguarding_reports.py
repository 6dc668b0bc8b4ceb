"""Source plugin for partners' annual safeguarding reports: headline metrics and key messages.

Each partner agency reports to the partnership once a year. One row per fact: a ``Metric``
row gives a headline figure; an ``Achievement``, ``Challenge``, ``Priority`` or ``Learning``
row gives a key message under a short heading. Layout and rules:
docs/sources/partner-safeguarding-reports.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import Number, parse_period, read_period, text
from ingestors._suppression import published_number
from ingestors._vocabulary import Vocabulary
from lif_core.plugins import (
    Columns,
    Dimension,
    Emit,
    InputOptions,
    Measurable,
    MeasureDeclaration,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)

__all__ = ["SOURCE", "HeadlineMetric", "KeyMessage", "register_sources"]

METRIC = "headline-metric"
MESSAGE = "key-message"

TYPES = Vocabulary(
    "row type",
    {
        "Metric": ("Headline metric",),
        "Achievement": ("Strength",),
        "Challenge": ("Area for development",),
        "Priority": ("Priority for next year",),
        "Learning": (),
    },
)
UNITS = Vocabulary(
    "unit",
    {"count": ("number",), "percent": ("%", "percentage"), "days": (), "score": (), "rate": ()},
)


class _Report(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    agency: str = Field(description="The partner agency whose annual safeguarding report it is.")
    reporting_year: str = Field(
        description="The year reported on: '2024-25' (April-March) or '2024'."
    )
    headline: str = Field(description="The metric's name, or the key message's short heading.")


class HeadlineMetric(_Report):
    """A headline figure from a partner's annual safeguarding report."""

    value: Number | None = Field(
        default=None, ge=0, description="The figure as reported; None when suppressed."
    )
    value_suppressed: bool = Field(
        default=False, description="True when the report withheld a small number ('*')."
    )
    unit: str | None = Field(
        default=None, description="count, percent, days, score or rate; None when not stated."
    )
    commentary: str | None = Field(
        default=None, description="What the report says about the figure."
    )


class KeyMessage(_Report):
    """A key message from a partner's annual safeguarding report."""

    message_type: str = Field(description="Achievement, Challenge, Priority or Learning.")
    message: str = Field(description="The message in the report's words.")


def _map_row(row: Row) -> Iterator[Emit]:
    cells = row.values
    agency = text(cells.get("agency"))
    if agency is None:
        raise RecordError("the agency is blank", column="Agency")
    year, _ = read_period(cells.get("reporting_year"), "Reporting year", ("financial year", "year"))
    row_type = TYPES.require(cells.get("type"), "Type")
    headline = text(cells.get("headline"))
    if headline is None:
        raise RecordError(f"the headline is blank: name the {row_type.lower()}", column="Headline")
    words = text(cells.get("key_message"))
    common = {"agency": agency, "reporting_year": year, "headline": headline}
    if row_type == "Metric":
        value = published_number(cells.get("value"), "Value", whole=False)
        if not value.given:
            raise RecordError(
                "a Metric row needs its Value (or '*' where the report withheld it)", column="Value"
            )
        yield Emit(
            METRIC,
            {
                **common,
                "value": value.number,
                "value_suppressed": value.suppressed,
                "unit": UNITS.read(cells.get("unit"), "Unit"),
                "commentary": words,
            },
        )
        return
    if text(cells.get("value")) is not None:
        raise RecordError(
            f"a {row_type} row carries no Value; put figures on a Metric row", column="Value"
        )
    if words is None:
        raise RecordError(f"the key message of this {row_type} row is blank", column="Key message")
    yield Emit(MESSAGE, {**common, "message_type": row_type, "message": words})


def _valid_time(record: _Report) -> ValidTime:
    return parse_period(record.reporting_year, "Reporting year")


def _scope(record: _Report) -> str:
    return f"{record.reporting_year}|{record.agency}"


SOURCE = Source(
    name="partner-safeguarding-reports",
    title="Partner annual safeguarding reports",
    provider="Partner agencies (annual safeguarding reports to the Leeds Safeguarding Children Partnership)",
    kinds=(
        RecordKind(
            name=METRIC,
            agency_fields=("agency",),
            model=HeadlineMetric,
            key=lambda r: f"{r.reporting_year}|{r.agency}|{r.headline}",
            valid_time=_valid_time,
            # A file holds each agency's whole report for the year.
            mode="snapshot",
            snapshot_scope=_scope,
            description="A headline figure an agency reported for the year.",
            measures=MeasureDeclaration(
                values=(Measurable("value", unit="the figure's unit", aggregate="latest"),),
                dimensions=(Dimension("headline", choose=True), Dimension("agency")),
            ),
        ),
        RecordKind(
            name=MESSAGE,
            agency_fields=("agency",),
            model=KeyMessage,
            key=lambda r: f"{r.reporting_year}|{r.agency}|{r.message_type}|{r.headline}",
            valid_time=_valid_time,
            mode="snapshot",
            snapshot_scope=_scope,
            description="A key message (achievement, challenge, priority or learning) an agency reported.",
        ),
    ),
    inputs=InputOptions(
        formats=("csv", "xlsx"),
        columns=Columns(
            variants={
                "agency": ("Agency",),
                "reporting_year": ("Reporting year", "Year"),
                "type": ("Type", "Row type"),
                "headline": ("Headline", "Heading", "Metric"),
                "value": ("Value",),
                "unit": ("Unit",),
                "key_message": ("Key message", "Message", "Commentary"),
            },
            required=("agency", "reporting_year", "type", "headline"),
        ),
    ),
    map_row=_map_row,
    samples=Path(__file__).resolve().parent / "samples" / "partner-safeguarding-reports",
    cadence="P1Y",
    description=(
        "The annual safeguarding reports partner agencies give the partnership: headline "
        "figures (training compliance, referrals, supervision) and key messages (achievements, "
        "challenges, priorities, learning)."
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SOURCE)
