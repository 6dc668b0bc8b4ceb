"""Source plugin for feedback from children, young people and families, as aggregated themes and counts.

Services gather what children, young people, parents and carers tell them (surveys, feedback
apps, advocacy, conference feedback forms, participation groups) and send the partnership the
themes they heard and how many people raised each. The platform holds those aggregates only:
never a person's own words, never detail that could identify a child or a family. A row is
refused when the export carries a column for words or identity (a quote, a name, an age, a
postcode, a school) with anything in it, or when its theme or summary reads as a person's
own words or names, ages or locates someone; a count of 1 to 4 people is published
suppressed. Layout and rules: docs/sources/family-feedback.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import parse_period, read_period, text
from ingestors._suppression import parse_count
from ingestors._vocabulary import Vocabulary
from lif_core.plugins import (
    Columns,
    Dimension,
    Emit,
    Finding,
    FreeText,
    InputOptions,
    Measurable,
    MeasureDeclaration,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
    slug,
)

__all__ = [
    "FEEDBACK_FROM",
    "METHOD",
    "SOURCE",
    "SUPPRESSION_THRESHOLD",
    "FeedbackTheme",
    "identifying_detail",
    "register_sources",
]

SUPPRESSION_THRESHOLD = 5
"""Counts of 1 to 4 people are published suppressed."""

FeedbackFrom = Literal[
    "children", "young-people", "children-and-young-people", "parents-and-carers", "families"
]
Method = Literal[
    "survey",
    "feedback-app",
    "advocacy",
    "conference-feedback",
    "participation-group",
    "focus-group",
    "direct-work",
    "complaints-and-compliments",
]
Sentiment = Literal["positive", "negative", "mixed"]

FEEDBACK_FROM = Vocabulary(
    "group the feedback came from",
    {
        "children": ("child",),
        "young-people": ("young person",),
        "children-and-young-people": ("CYP", "children and young people"),
        "parents-and-carers": ("parents", "carers", "parent or carer", "parents or carers"),
        "families": ("family", "whole family"),
    },
)
METHOD = Vocabulary(
    "way the feedback was gathered",
    {
        "survey": ("questionnaire", "feedback survey"),
        "feedback-app": ("app", "online feedback", "feedback form online"),
        "advocacy": ("advocate", "independent advocacy"),
        "conference-feedback": (
            "conference feedback form",
            "child protection conference feedback",
            "CP conference feedback",
        ),
        "participation-group": ("youth council", "children in care council", "participation"),
        "focus-group": ("focus groups", "consultation event", "consultation"),
        "direct-work": ("direct work", "conversations in practice"),
        "complaints-and-compliments": ("complaints", "compliments"),
    },
)
SENTIMENT = Vocabulary(
    "sentiment",
    {
        "positive": ("what is working well", "good", "compliment"),
        "negative": ("worried about", "what needs to change", "concern", "complaint"),
        "mixed": ("both", "neutral"),
    },
)

# Columns an aggregated export must not carry: read only to refuse a row that fills one.
_IDENTIFYING_COLUMNS: dict[str, tuple[str, ...]] = {
    "quote": (
        "Quote",
        "Quotes",
        "Verbatim",
        "In their words",
        "In their own words",
        "What they said",
        "Comment",
        "Comments",
    ),
    "name": (
        "Name",
        "Child's name",
        "Child name",
        "Young person's name",
        "Parent's name",
        "Family name",
        "First name",
        "Surname",
    ),
    "age": ("Age", "Age of child", "Child's age"),
    "postcode": ("Postcode", "Address", "Home address"),
    "school": ("School", "School attended"),
}
_IDENTIFYING_WHAT = {
    "quote": "a person's own words",
    "name": "a person's name",
    "age": "a child's age",
    "postcode": "where a family lives",
    "school": "the school a child attends",
}

# What makes free text a person's words or identifying, rather than an aggregate summary.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\"\u201c\u201d]"), "a quotation (a person's own words)"),
    (
        re.compile(r"\bI\b|\b(?:I'm|I've|I'd|me|my|mine|myself)\b", re.IGNORECASE),
        "words in the first person (a person's own words)",
    ),
    (
        re.compile(r"\b\d{1,2}[- ]?(?:years?|yrs?)[- ]?old\b|\baged \d{1,2}\b", re.IGNORECASE),
        "a child's age",
    ),
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"), "a postcode"),
    (
        re.compile(r"\b(?:called|named|Mr|Mrs|Ms|Miss|Master)\.? [A-Z][a-z]+"),
        "a person's name",
    ),
)


class FeedbackTheme(BaseModel):
    """How many children, young people or family members raised one theme with one service."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: str = Field(
        description="The period the feedback was gathered in: '2025-Q1', '2025-06', '2024-25' or '2025'."
    )
    agency: str = Field(description="The service or agency that gathered it, e.g. 'LCH'.")
    feedback_from: FeedbackFrom = Field(
        description="Who gave it: children, young-people, children-and-young-people, parents-and-carers or families."
    )
    method: Method = Field(description="How it was gathered, e.g. survey, advocacy, feedback-app.")
    theme: str = Field(description="The theme, in the service's words, e.g. 'Being listened to'.")
    sentiment: Sentiment = Field(
        description="positive (working well), negative (a worry or what should change) or mixed."
    )
    people: int | None = Field(
        ge=0, description="How many people raised the theme; None when suppressed."
    )
    suppressed: bool = Field(
        description="True when the count was published suppressed (1 to 4 people)."
    )
    summary: FreeText | None = Field(
        description="The service's own summary of what was heard (aggregated, never a quotation)."
    )


COLUMNS = Columns(
    variants={
        "period": ("Period", "Quarter"),
        "agency": ("Service", "Agency", "Organisation"),
        "feedback_from": ("Feedback from", "Who gave it", "Group"),
        "method": ("Method", "How gathered"),
        "theme": ("Theme",),
        "sentiment": ("Sentiment", "Positive or negative"),
        "people": ("Number", "Count", "Number of people"),
        "summary": ("Summary", "What we heard"),
        **_IDENTIFYING_COLUMNS,
    },
    required=("period", "agency", "feedback_from", "method", "theme", "sentiment", "people"),
)


def identifying_detail(value: str) -> str | None:
    """What makes ``value`` a person's words or identifying ('a postcode'), or None."""
    for pattern, what in _PATTERNS:
        if pattern.search(value):
            return what
    return None


def _free_text(values: Any, column: str) -> str | None:
    value = text(values.get(column))
    if value is not None and (what := identifying_detail(value)) is not None:
        raise RecordError(
            f"the {column} holds {what}: family feedback keeps aggregated themes in the "
            "service's words, never what a person said or who they are",
            column=column,
        )
    return value


def map_row(row: Row) -> list[Emit]:
    """One aggregated row -> one ``feedback-theme`` record; a row carrying words or identity is refused."""
    values = row.values
    for column, what in _IDENTIFYING_WHAT.items():
        if text(values.get(column)) is not None:
            raise RecordError(
                f"this column holds {what}: family feedback is aggregated themes and counts "
                "only; leave the column out of the export and send it again",
                column=column,
            )
    agency = text(values.get("agency"))
    if agency is None:
        raise RecordError("the service is blank", column="agency")
    period, _ = read_period(
        values.get("period"), "period", ("quarter", "month", "financial year", "year")
    )
    theme = _free_text(values, "theme")
    if theme is None:
        raise RecordError("the theme is blank", column="theme")
    count = parse_count(values.get("people"), "people", threshold=SUPPRESSION_THRESHOLD)
    return [
        Emit(
            "feedback-theme",
            {
                "period": period,
                "agency": agency,
                "feedback_from": FEEDBACK_FROM.require(
                    values.get("feedback_from"), "feedback_from"
                ),
                "method": METHOD.require(values.get("method"), "method"),
                "theme": theme,
                "sentiment": SENTIMENT.require(values.get("sentiment"), "sentiment"),
                "people": count.value,
                "suppressed": count.suppressed,
                "summary": _free_text(values, "summary"),
            },
        )
    ]


def record_key(record: FeedbackTheme) -> str:
    """'2025-Q1/lch/parents-and-carers/survey/being-listened-to/positive'."""
    return "/".join(
        (
            record.period,
            slug(record.agency),
            record.feedback_from,
            record.method,
            slug(record.theme),
            record.sentiment,
        )
    )


def _worry(a: Any) -> str:
    """'LCH heard from parents and carers (survey, 2025-Q1): Waiting times (29 people)'."""
    who = str(a["feedback_from"]).replace("-", " ")
    count = "fewer than 5 people" if a["suppressed"] else f"{a['people']} people"
    return f"{a['agency']} heard from {who} ({a['method']}, {a['period']}): {a['theme']} ({count})"


def _valid_time(record: FeedbackTheme) -> ValidTime:
    return parse_period(record.period, "period")


SOURCE = Source(
    name="family-feedback",
    title="Feedback from children, young people and families (aggregated themes)",
    provider="Partner agencies' participation, voice and feedback teams",
    kinds=(
        RecordKind(
            name="feedback-theme",
            agency_fields=("agency",),
            model=FeedbackTheme,
            key=record_key,
            valid_time=_valid_time,
            mode="append",
            description="How many children, young people or family members raised one theme with one service in a period.",
            # What children and families are worried about is for someone to look at; what
            # is working well is counted (measures), not raised as a finding.
            findings=(
                Finding(
                    rule="family-feedback-worry",
                    text=_worry,
                    applies=lambda a: a["sentiment"] == "negative",
                    themes=lambda a: [a["theme"]],
                    responds="agency",
                ),
            ),
            measures=MeasureDeclaration(
                values=(Measurable("people", description="People who raised the theme."),),
                dimensions=(
                    Dimension("agency"),
                    Dimension("feedback_from"),
                    Dimension("method"),
                    Dimension("theme"),
                    Dimension("sentiment"),
                ),
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "family-feedback",
    cadence="P3M",
    description=(
        "What children, young people, parents and carers told services (surveys, feedback "
        "apps, advocacy, conference feedback, participation groups), as the themes heard and "
        "how many raised each, positive or negative. Aggregates only: rows carrying a "
        "person's words or identifying detail are refused; counts of 1 to 4 stay suppressed."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
