"""Source plugin for multi-agency training delivered: sessions, attendance, evaluations, recurring practice themes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import Number, parse_decimal, parse_int, parse_period, read_period, text
from ingestors._suppression import split_list
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

__all__ = ["SOURCE", "TrainingDelivered", "register_sources"]

KIND = "training-delivered"
_LOWEST, _HIGHEST = Decimal(1), Decimal(5)


class TrainingDelivered(BaseModel):
    """One course delivered in a period: how much, how well, and the practice themes it raised."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: str = Field(
        description="When it was delivered: a day '2024-10-15', a month '2024-10', a quarter '2024-Q4' or a year '2024-25'."
    )
    course: str = Field(description="The course title, e.g. 'Neglect: using the toolkit'.")
    delivered_by: str | None = Field(
        default=None, description="The agency or team that delivered it."
    )
    theme: str = Field(description="The practice theme the course addresses, e.g. 'Neglect'.")
    sessions: int = Field(ge=1, description="Sessions delivered in the period.")
    places: int | None = Field(
        default=None, ge=0, description="Places offered; None when not recorded."
    )
    attendance: int = Field(ge=0, description="Practitioners who attended.")
    evaluations: int | None = Field(
        default=None, ge=0, description="Evaluation forms returned; None when not recorded."
    )
    evaluation_score: Number | None = Field(
        default=None,
        ge=1,
        le=5,
        description="Average evaluation score, 1 (poor) to 5 (excellent); None when not evaluated.",
    )
    practice_themes: list[str] = Field(
        default_factory=list,
        description="Recurring practice themes participants raised (from the ';'-separated cell).",
    )


def _whole(value: object, column: str, *, required: bool) -> int | None:
    number = parse_int(value, column)
    if number is None and required:
        raise RecordError(f"no {column.lower()} given", column=column)
    if number is not None and number < 0:
        raise RecordError(f"{number} is negative; a count cannot be", column=column, value=value)
    return number


def _map_row(row: Row) -> Iterator[Emit]:
    cells = row.values
    period, _ = read_period(
        cells.get("period"), "Period", ("day", "month", "quarter", "financial year", "year")
    )
    course = text(cells.get("course"))
    if course is None:
        raise RecordError("the course is blank", column="Course")
    theme = text(cells.get("theme"))
    if theme is None:
        raise RecordError("the theme is blank", column="Theme")
    sessions = _whole(cells.get("sessions"), "Sessions", required=True)
    if sessions == 0:
        raise RecordError(
            "no sessions: a row records training that was delivered", column="Sessions"
        )
    attendance = _whole(cells.get("attendance"), "Attendance", required=True)
    evaluations = _whole(cells.get("evaluations"), "Evaluations returned", required=False)
    if evaluations is not None and attendance is not None and evaluations > attendance:
        raise RecordError(
            f"{evaluations} evaluations returned by {attendance} attendees",
            column="Evaluations returned",
        )
    score = parse_decimal(cells.get("evaluation_score"), "Evaluation score")
    if score is not None and not _LOWEST <= score <= _HIGHEST:
        raise RecordError(
            f"{score} is outside the 1 to 5 evaluation scale",
            column="Evaluation score",
            value=score,
        )
    yield Emit(
        KIND,
        {
            "period": period,
            "course": course,
            "delivered_by": text(cells.get("delivered_by")),
            "theme": theme,
            "sessions": sessions,
            "places": _whole(cells.get("places"), "Places", required=False),
            "attendance": attendance,
            "evaluations": evaluations,
            "evaluation_score": score,
            "practice_themes": split_list(cells.get("practice_themes")),
        },
    )


def _valid_time(record: TrainingDelivered) -> ValidTime:
    return parse_period(record.period, "Period")


SOURCE = Source(
    name="learning-development",
    title="Learning and development: training delivered",
    provider="Leeds Safeguarding Children Partnership learning and development subgroup, with partners",
    kinds=(
        RecordKind(
            name=KIND,
            model=TrainingDelivered,
            key=lambda r: f"{r.period}|{r.course}",
            valid_time=_valid_time,
            mode="append",
            description="One course delivered in a period: sessions, attendance, evaluation and the practice themes raised.",
            # Several courses run in one period: counts add up, the evaluation score is the
            # mean weighted by the evaluations returned.
            measures=MeasureDeclaration(
                values=(
                    Measurable("sessions"),
                    Measurable("places"),
                    Measurable("attendance", description="Practitioners who attended."),
                    Measurable("evaluations"),
                    Measurable(
                        "evaluation_score", unit="score", aggregate="mean", weight="evaluations"
                    ),
                ),
                dimensions=(Dimension("course"), Dimension("theme"), Dimension("delivered_by")),
            ),
        ),
    ),
    inputs=InputOptions(
        formats=("csv", "xlsx"),
        columns=Columns(
            variants={
                "period": ("Period", "Date"),
                "course": ("Course", "Course title"),
                "delivered_by": ("Delivered by", "Trainer agency"),
                "theme": ("Theme",),
                "sessions": ("Sessions",),
                "places": ("Places", "Places offered"),
                "attendance": ("Attendance", "Attended"),
                "evaluations": ("Evaluations returned", "Evaluations"),
                "evaluation_score": ("Evaluation score", "Average evaluation score"),
                "practice_themes": ("Practice themes", "Recurring practice themes"),
            },
            required=("period", "course", "theme", "sessions", "attendance"),
        ),
    ),
    map_row=_map_row,
    samples=Path(__file__).resolve().parent / "samples" / "learning-development",
    cadence="P3M",
    description=(
        "Multi-agency safeguarding training the partnership and its partners delivered: courses "
        "by theme and period, sessions, places and attendance (how much did we do), evaluation "
        "scores from 1 to 5 (how well), and the practice themes that keep coming up in sessions."
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SOURCE)
