"""Source plugin for the schools health survey: the voice of the child, as published aggregates.

One row per (survey year, phase or year group, question, response): the percentage and number
of pupils who gave that response. Small numbers are published suppressed ("*", "<10"); they are
kept as suppressed, never as zero. Layout and rules: docs/sources/school-health-survey.md.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ingestors._fields import blank, parse_int, parse_period, text
from ingestors._suppression import is_suppressed, parse_count, parse_percentage
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

__all__ = ["SOURCE", "SUPPRESSION_THRESHOLD", "SurveyResponse", "register_sources"]

SUPPRESSION_THRESHOLD = 10
"""Counts of 1 to 9 pupils are published suppressed."""

Phase = Literal["primary", "secondary", "post-16", "all"]

_PHASES: dict[str, Phase] = {
    "primary": "primary",
    "secondary": "secondary",
    "post-16": "post-16",
    "post 16": "post-16",
    "sixth form": "post-16",
    "all": "all",
    "all phases": "all",
}
# The year groups each phase surveys; Reception and Years 1-3 are not surveyed.
_PHASE_YEARS: dict[Phase, range] = {
    "primary": range(4, 7),
    "secondary": range(7, 12),
    "post-16": range(12, 14),
    "all": range(4, 14),
}


class SurveyResponse(BaseModel):
    """The share of pupils in one group who gave one response to one question."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    survey_year: str = Field(
        description="Academic year of the survey, e.g. '2024-25' (September to August)."
    )
    phase: Phase = Field(description="School phase: primary, secondary, post-16, or all.")
    year_group: int | None = Field(
        default=None,
        ge=4,
        le=13,
        description="National curriculum year group (6 = Year 6); None = the whole phase.",
    )
    question_code: str = Field(
        description="The survey's stable code for the question, e.g. 'SAF01'."
    )
    question: str = Field(description="The question as asked in that year's survey.")
    response: str = Field(description="The response option, as worded in the survey.")
    percentage: float | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Percentage of the group giving this response; None when suppressed.",
    )
    n: int | None = Field(
        default=None,
        ge=0,
        description="Number of pupils giving this response; None when suppressed.",
    )
    base: int | None = Field(
        default=None,
        ge=0,
        description="Number of pupils in the group who answered the question, when published.",
    )
    suppressed: bool = Field(
        description="True when the survey hid a small number (fewer than 10 pupils)."
    )

    @model_validator(mode="after")
    def _suppression_is_consistent(self) -> SurveyResponse:
        if self.suppressed and (self.n is not None or self.percentage is not None):
            raise ValueError("a suppressed response carries no number and no percentage")
        if not self.suppressed and (self.n is None or self.percentage is None):
            raise ValueError("an unsuppressed response needs both its number and its percentage")
        return self


COLUMNS = Columns(
    variants={
        "survey_year": ("Survey year", "Year of survey", "Academic year"),
        "phase": ("Phase", "School phase"),
        "year_group": ("Year group", "NC year group"),
        "question_code": ("Question code", "Question ID", "Code"),
        "question": ("Question", "Question text"),
        "response": ("Response", "Answer", "Response option"),
        "percentage": ("Percentage", "%", "Percent"),
        "n": ("Number", "Number of responses", "Count"),
        "base": ("Base", "Number answering", "Respondents"),
    },
    required=("survey_year", "phase", "question_code", "response", "percentage", "n"),
)


@lru_cache(maxsize=64)
def academic_year(value: str) -> tuple[str, ValidTime]:
    """'2024-25' -> ('2024-25', 1 September 2024 to 31 August 2025)."""
    period = parse_period(value, "survey_year")
    if period.valid_to is None or (period.valid_from.month, period.valid_from.day) != (4, 1):
        raise RecordError(
            f"{value!r} is not an academic year like 2024-25", column="survey_year", value=value
        )
    start = period.valid_from.year
    return f"{start}-{(start + 1) % 100:02d}", ValidTime(date(start, 9, 1), date(start + 1, 8, 31))


def _year_group(value: Any) -> int | None:
    if blank(value) or str(value).strip().casefold() in {"all", "all years"}:
        return None
    raw = str(value).strip().casefold().removeprefix("year").removeprefix("y").strip()
    return parse_int(raw, "year_group")


def map_row(row: Row) -> list[Emit]:
    """One survey row -> one ``response`` record."""
    values = row.values
    year, _ = academic_year(text(values.get("survey_year")) or "")
    phase_text = text(values.get("phase")) or ""
    phase = _PHASES.get(phase_text.casefold())
    if phase is None:
        raise RecordError(
            f"{phase_text!r} is not a phase (primary, secondary, post-16, all)", column="phase"
        )
    year_group = _year_group(values.get("year_group"))
    if year_group is not None and year_group not in _PHASE_YEARS[phase]:
        raise RecordError(
            f"Year {year_group} is not surveyed in the {phase} phase", column="year_group"
        )
    count = parse_count(values.get("n"), "n", threshold=SUPPRESSION_THRESHOLD)
    percentage = parse_percentage(values.get("percentage"), "percentage")
    if count.suppressed and percentage is not None:
        raise RecordError(
            "the number is suppressed but the percentage is published; suppress both",
            column="percentage",
        )
    if not count.suppressed and is_suppressed(values.get("percentage")):
        raise RecordError(
            "the percentage is suppressed but the number is published; suppress both", column="n"
        )
    base = values.get("base")
    base_count = None if is_suppressed(base) or blank(base) else parse_int(base, "base")
    if base_count is not None and count.value is not None and count.value > base_count:
        raise RecordError(
            f"{count.value} pupils gave this response but only {base_count} answered", column="n"
        )
    code = text(values.get("question_code"))
    return [
        Emit(
            "response",
            {
                "survey_year": year,
                "phase": phase,
                "year_group": year_group,
                "question_code": code.upper() if code else code,
                "question": text(values.get("question")),
                "response": text(values.get("response")),
                "percentage": percentage,
                "n": count.value,
                "base": base_count,
                "suppressed": count.suppressed,
            },
        )
    ]


def record_key(record: SurveyResponse) -> str:
    group = f"Y{record.year_group}" if record.year_group is not None else "all"
    response = "-".join(record.response.casefold().split())
    return f"{record.survey_year}/{record.phase}/{group}/{record.question_code}/{response}"


SOURCE = Source(
    name="school-health-survey",
    title="Schools health and wellbeing survey (voice of the child)",
    provider="Leeds City Council Health and Wellbeing Service",
    kinds=(
        RecordKind(
            name="response",
            model=SurveyResponse,
            key=record_key,
            valid_time=lambda r: academic_year(r.survey_year)[1],
            mode="append",
            description="Percentage and number of pupils giving one response to one question.",
            measures=MeasureDeclaration(
                values=(
                    Measurable("percentage", unit="%", aggregate="mean", weight="base"),
                    Measurable("n", unit="count", aggregate="sum"),
                ),
                dimensions=(
                    Dimension("question_code", choose=True),
                    Dimension("response", choose=True),
                    Dimension("phase", totals=("all",)),
                    Dimension("year_group"),
                ),
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "school-health-survey",
    cadence="P1Y",
    description=(
        "Aggregated results of the annual schools health and wellbeing survey (17,000+ pupils a "
        "year): for each academic year, phase or year group, question and response, the "
        "percentage and number of pupils. Small numbers stay suppressed, never zero."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
