"""Source plugin for surveys of practitioners and managers: answers counted by question and agency.

The partnership asks the workforce (practitioners and their managers) what they know of its
learning, procedures and training, and whether it changed their practice. The survey tool's
export is aggregated before it reaches the platform: one row per survey, agency, respondent
group, question and response, with the number who gave it and the number who answered. A
count of 1 to 4 people from one agency could point at a person, so it is published
suppressed and kept as suppressed, never as zero. Layout and rules:
docs/sources/practitioner-survey.md.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ingestors._fields import Number, financial_year_of, parse_date, required_text
from ingestors._suppression import parse_count
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
    hookimpl,
    slug,
)

__all__ = [
    "SOURCE",
    "SUPPRESSION_THRESHOLD",
    "SurveyAnswer",
    "percentage",
    "register_sources",
]

SUPPRESSION_THRESHOLD = 5
"""Counts of 1 to 4 respondents are published suppressed."""

ALL_AGENCIES = "All agencies"
RespondentGroup = Literal["practitioners", "managers", "all"]

RESPONDENT_GROUP = Vocabulary(
    "respondent group",
    {
        "practitioners": ("practitioner", "front-line practitioners", "frontline staff", "staff"),
        "managers": ("manager", "managers and leaders", "team managers", "supervisors"),
        "all": ("all respondents", "everyone", "all staff"),
    },
)
_SURVEY_REFERENCE = re.compile(r"PS-\d{4}-\d{2}")
_QUESTION_CODE = re.compile(r"[A-Z][A-Z0-9]{1,9}")


class SurveyAnswer(BaseModel):
    """How many respondents of one group and agency gave one response to one survey question."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    survey_reference: str = Field(description="The survey's reference, e.g. 'PS-2025-01'.")
    survey_title: str = Field(description="The survey's title as sent out.")
    date_closed: date = Field(description="Day the survey closed: the answers stand on that day.")
    reporting_year: str = Field(
        description="The partnership's reporting year (April to March) the survey closed in, e.g. '2024-25': the period its figures are about."
    )
    agency: str = Field(
        description="The respondents' agency, or 'All agencies' for the whole workforce."
    )
    respondent_group: RespondentGroup = Field(
        description="practitioners, managers, or all (both together)."
    )
    question_code: str = Field(
        description="The survey's stable code for the question, e.g. 'LRN02'."
    )
    question: str = Field(description="The question as asked.")
    response: str = Field(description="The response option, as worded in the survey.")
    respondents: int | None = Field(
        ge=0, description="How many gave this response; None when suppressed."
    )
    answered: int | None = Field(
        ge=0,
        description="How many of the group and agency answered the question; None when suppressed.",
    )
    percentage: Number | None = Field(
        description="respondents / answered x 100, to one decimal place; None when either is suppressed."
    )
    suppressed: bool = Field(
        description="True when the number giving this response was published suppressed (1 to 4)."
    )

    @model_validator(mode="after")
    def _suppression_is_consistent(self) -> SurveyAnswer:
        if self.suppressed != (self.respondents is None):
            raise ValueError("a suppressed answer carries no number, an unsuppressed one does")
        return self


COLUMNS = Columns(
    variants={
        "survey_reference": ("Survey reference", "Survey ref", "Survey"),
        "survey_title": ("Survey title", "Title"),
        "date_closed": ("Date closed", "Closed", "Closing date"),
        "agency": ("Agency", "Organisation"),
        "respondent_group": ("Respondent group", "Respondents", "Role group"),
        "question_code": ("Question code", "Question ID", "Code"),
        "question": ("Question", "Question text"),
        "response": ("Response", "Answer"),
        "respondents": ("Number", "Count", "Number of respondents"),
        "answered": ("Answered", "Base", "Number answering"),
    },
    required=(
        "survey_reference",
        "survey_title",
        "date_closed",
        "agency",
        "respondent_group",
        "question_code",
        "question",
        "response",
        "respondents",
        "answered",
    ),
)


def percentage(respondents: int, answered: int) -> Decimal:
    """respondents / answered x 100, rounded half up to one decimal place (41 of 58 -> 70.7)."""
    return (Decimal(respondents) * 100 / Decimal(answered)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def map_row(row: Row) -> list[Emit]:
    """One aggregated row of the survey export -> one ``answer`` record."""
    values = row.values
    reference = required_text(values, "survey_reference", "survey reference").upper()
    if not _SURVEY_REFERENCE.fullmatch(reference):
        raise RecordError(
            f"{reference!r} is not a survey reference like PS-2025-01", column="survey_reference"
        )
    closed = parse_date(values.get("date_closed"), "date_closed")
    if closed is None:
        raise RecordError("the date closed is blank", column="date_closed")
    code = required_text(values, "question_code", "question code").upper()
    if not _QUESTION_CODE.fullmatch(code):
        raise RecordError(
            f"{code!r} is not a question code like LRN02 (a letter, then letters or digits)",
            column="question_code",
        )
    agency = required_text(values, "agency", "agency")
    if slug(agency) in {"all", "all-agencies", "total"}:
        agency = ALL_AGENCIES
    count = parse_count(values.get("respondents"), "respondents", threshold=SUPPRESSION_THRESHOLD)
    base = parse_count(values.get("answered"), "answered", threshold=SUPPRESSION_THRESHOLD)
    if base.suppressed and not count.suppressed:
        raise RecordError(
            "fewer than 5 answered, so every answer of this group must be suppressed too",
            column="respondents",
        )
    if base.value == 0:
        raise RecordError(
            "no one answered: leave the question out of the export", column="answered"
        )
    if count.value is not None and base.value is not None and count.value > base.value:
        raise RecordError(
            f"{count.value} gave this response but only {base.value} answered",
            column="respondents",
        )
    share = (
        percentage(count.value, base.value)
        if count.value is not None and base.value is not None
        else None
    )
    return [
        Emit(
            "answer",
            {
                "survey_reference": reference,
                "survey_title": required_text(values, "survey_title", "survey title"),
                "date_closed": closed,
                "reporting_year": financial_year_of(closed)[0],
                "agency": agency,
                "respondent_group": RESPONDENT_GROUP.require(
                    values.get("respondent_group"), "respondent_group"
                ),
                "question_code": code,
                "question": required_text(values, "question", "question"),
                "response": required_text(values, "response", "response"),
                "respondents": count.value,
                "answered": base.value,
                "percentage": share,
                "suppressed": count.suppressed,
            },
        )
    ]


def record_key(record: SurveyAnswer) -> str:
    """'PS-2025-01/lch/practitioners/LRN02/agree'."""
    return "/".join(
        (
            record.survey_reference,
            slug(record.agency),
            record.respondent_group,
            record.question_code,
            slug(record.response),
        )
    )


SOURCE = Source(
    name="practitioner-survey",
    title="Surveys of practitioners and managers (aggregated answers)",
    provider="Leeds Safeguarding Children Partnership business unit",
    kinds=(
        RecordKind(
            name="answer",
            agency_fields=("agency",),
            model=SurveyAnswer,
            key=record_key,
            valid_time=lambda r: financial_year_of(r.date_closed)[1],
            mode="append",
            description="How many of one agency's practitioners or managers gave one response to one question.",
            measures=MeasureDeclaration(
                values=(
                    Measurable(
                        "percentage",
                        unit="%",
                        aggregate="ratio",
                        numerator="respondents",
                        denominator="answered",
                        description="Share of those who answered who gave the response.",
                    ),
                    Measurable("respondents", description="How many gave the response."),
                ),
                dimensions=(
                    Dimension("question_code", choose=True),
                    Dimension("response", choose=True),
                    Dimension("agency", totals=(ALL_AGENCIES,)),
                    Dimension("respondent_group", totals=("all",)),
                    Dimension("survey_reference"),
                ),
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "practitioner-survey",
    cadence="P1Y",
    description=(
        "Questionnaires to practitioners and managers across the partnership (what they know "
        "of its learning and procedures, whether training changed their practice), aggregated "
        "by survey, agency, respondent group, question and response. Counts of 1 to 4 stay "
        "suppressed, never zero."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
