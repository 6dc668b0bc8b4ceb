"""Source plugin for complaints and compliments made by children and young people, per agency and period."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import parse_int, parse_period, read_period, text
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

__all__ = ["SOURCE", "YoungPeoplesFeedback", "register_sources"]

KIND = "feedback-count"


class YoungPeoplesFeedback(BaseModel):
    """How many complaints and compliments children and young people made to one agency on one theme."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agency: str = Field(description="The agency the complaints and compliments were made to.")
    period: str = Field(
        description="The period counted: '2024-Q3', '2024-06', '2024-25' or '2024'."
    )
    theme: str = Field(
        description="What the complaints and compliments were about, e.g. 'Communication'."
    )
    complaints: int | None = Field(
        default=None,
        ge=0,
        description="Complaints made by children and young people; None when not reported.",
    )
    compliments: int | None = Field(
        default=None,
        ge=0,
        description="Compliments made by children and young people; None when not reported.",
    )
    notes: str | None = Field(default=None, description="The agency's note on the figures.")


def _count(value: object, column: str) -> int | None:
    number = parse_int(value, column)
    if number is not None and number < 0:
        raise RecordError(f"{number} is negative; a count cannot be", column=column, value=value)
    return number


def _map_row(row: Row) -> Iterator[Emit]:
    cells = row.values
    agency = text(cells.get("agency"))
    if agency is None:
        raise RecordError("the agency is blank", column="Agency")
    period, _ = read_period(
        cells.get("period"), "Period", ("quarter", "month", "financial year", "year")
    )
    theme = text(cells.get("theme"))
    if theme is None:
        raise RecordError("the theme is blank (use 'All' for an agency's total)", column="Theme")
    complaints = _count(cells.get("complaints"), "Complaints")
    compliments = _count(cells.get("compliments"), "Compliments")
    if complaints is None and compliments is None:
        raise RecordError(
            "no count: give Complaints, Compliments or both (0 when there were none)",
            column="Complaints",
        )
    yield Emit(
        KIND,
        {
            "agency": agency,
            "period": period,
            "theme": theme,
            "complaints": complaints,
            "compliments": compliments,
            "notes": text(cells.get("notes")),
        },
    )


def _valid_time(record: YoungPeoplesFeedback) -> ValidTime:
    return parse_period(record.period, "Period")


SOURCE = Source(
    name="complaints",
    title="Complaints and compliments by children and young people",
    provider="Statutory partners (complaints teams)",
    kinds=(
        RecordKind(
            name=KIND,
            agency_fields=("agency",),
            model=YoungPeoplesFeedback,
            key=lambda r: f"{r.period}|{r.agency}|{r.theme}",
            valid_time=_valid_time,
            # A file holds each agency's whole return for the period.
            mode="snapshot",
            snapshot_scope=lambda r: f"{r.period}|{r.agency}",
            description="Complaints and compliments children and young people made to one agency, on one theme, in a period.",
            measures=MeasureDeclaration(
                values=(Measurable("complaints"), Measurable("compliments")),
                dimensions=(Dimension("agency"), Dimension("theme")),
            ),
        ),
    ),
    inputs=InputOptions(
        formats=("csv", "xlsx"),
        columns=Columns(
            variants={
                "agency": ("Agency",),
                "period": ("Period", "Quarter"),
                "theme": ("Theme",),
                "complaints": ("Complaints",),
                "compliments": ("Compliments",),
                "notes": ("Notes", "Comment", "Comments"),
            },
            required=("agency", "period", "theme"),
        ),
    ),
    map_row=_map_row,
    samples=Path(__file__).resolve().parent / "samples" / "complaints",
    cadence="P3M",
    description=(
        "Complaints and compliments made by children and young people to the statutory "
        "partners, counted per agency, period and theme: feedback from children on how well "
        "services listened and what difference they made."
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SOURCE)
