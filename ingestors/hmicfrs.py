"""HMICFRS police (PEEL) and fire and rescue inspections: graded questions and tracked findings.

The layout is the partnership's tracker of HMICFRS inspections of its police force and
fire and rescue service (docs/sources/hmicfrs.md): one row per entry, the ``Entry type``
saying which. A ``Grade`` row gives a question's grade on HMICFRS's five-point scale (a
``grade`` record); a ``Cause of concern`` or ``Area for improvement`` row gives a finding
and the status of its recommendation as at a date (a ``finding`` record, revised each
time the tracker reports a new status).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ingestors._fields import parse_date, parse_period, text
from ingestors._trackers import TrackerLayout, status_fields
from ingestors._vocabulary import (
    HMICFRS_FIVE_POINT,
    RECOMMENDATION_STATUS,
    Level,
    Scale,
    slug,
)
from lif_core.plugins import (
    ActionDeclaration,
    Columns,
    Emit,
    InputOptions,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)
from lif_core.plugins import Finding as FindingDeclaration

__all__ = ["SAMPLES", "SOURCE", "Finding", "QuestionGrade", "map_row", "register_sources"]

ORGANISATION_TYPES = Scale(
    "hmicfrs-organisation-type",
    "list of organisation types HMICFRS inspects here",
    (
        Level("police-force", "Police force", None, ("Police",)),
        Level(
            "fire-and-rescue-service", "Fire and rescue service", None, ("Fire and rescue", "FRS")
        ),
    ),
)
ENTRY_TYPES = Scale(
    "hmicfrs-entry-type",
    "list of tracker entry types",
    (
        Level("grade", "Grade", None),
        Level("cause-of-concern", "Cause of concern", None, ("CoC",)),
        Level("area-for-improvement", "Area for improvement", None, ("AFI",)),
    ),
)

YEAR = "Inspection year"
GRADE_ONLY = ("Grade",)
FINDING_ONLY = ("Reference", "Finding", "Recommendation status", "Status as at")
LAYOUT = TrackerLayout(
    ENTRY_TYPES,
    {"grade": GRADE_ONLY, "cause-of-concern": FINDING_ONLY, "area-for-improvement": FINDING_ONLY},
)


class _Inspection(BaseModel):
    organisation: str = Field(
        min_length=1, description="The force or service inspected, by its name."
    )
    organisation_type: str = Field(description="police-force or fire-and-rescue-service.")
    inspection_programme: str | None = Field(
        None, description="The programme as HMICFRS names it (e.g. 'PEEL 2023-25', 'Fire round 3')."
    )
    inspection_year: str = Field(
        description="The year the inspection was carried out in, as written: a financial year "
        "(2024-25) or a calendar year (2024)."
    )
    publication_date: date | None = Field(None, description="Day HMICFRS published the report.")


class QuestionGrade(_Inspection):
    """One inspection question and the grade HMICFRS gave it."""

    question: str = Field(
        min_length=1, description="The question or area graded, as HMICFRS words it."
    )
    grade: str = Field(
        description="Normalised grade: outstanding, good, adequate, requires-improvement, inadequate."
    )
    grade_rank: int = Field(
        ge=1, le=5, description="Position on the five-point scale, 1 = outstanding."
    )
    grade_as_published: str = Field(description="The grade as written in the source.")


class Finding(_Inspection):
    """A cause of concern or area for improvement, with its recommendation's status."""

    finding_type: str = Field(description="cause-of-concern or area-for-improvement.")
    reference: str = Field(
        min_length=1, description="The finding's reference in the report (e.g. AFI-2)."
    )
    question: str | None = Field(None, description="The question or area the finding sits under.")
    finding: str = Field(
        min_length=1, description="The finding (and its recommendation) as published."
    )
    status: str = Field(description="Normalised status: open, in-progress, closed, superseded.")
    status_as_published: str = Field(description="The status as written in the tracker.")
    status_as_at: date = Field(description="Day the status was last reviewed.")


def map_row(row: Row) -> Iterator[Emit]:
    """One tracker row -> a ``grade`` or a ``finding`` record, by its entry type."""
    values = dict(row.values)
    entry = LAYOUT.entry(values)
    organisation_type = ORGANISATION_TYPES.require(
        values.get("Organisation type"), "Organisation type"
    )
    parse_period(values.get(YEAR), YEAR)  # reject a year that is not one, naming the column
    inspection: dict[str, Any] = {
        "organisation": text(values.get("Organisation")),
        "organisation_type": organisation_type.value,
        "inspection_programme": text(values.get("Inspection programme")),
        "inspection_year": text(values.get(YEAR)),
        "publication_date": parse_date(values.get("Publication date"), "Publication date"),
    }
    if entry.value == "grade":
        grade = HMICFRS_FIVE_POINT.require(values.get("Grade"), "Grade", "(a Grade row needs one)")
        yield Emit(
            "grade",
            {
                **inspection,
                "question": text(values.get("Question")),
                "grade": grade.value,
                "grade_rank": grade.rank,
                "grade_as_published": grade.as_published,
            },
        )
        return
    yield Emit(
        "finding",
        {
            **inspection,
            "finding_type": entry.value,
            "reference": text(values.get("Reference")),
            "question": text(values.get("Question")),
            "finding": text(values.get("Finding")),
            **status_fields(RECOMMENDATION_STATUS, values, "Recommendation status"),
        },
    )


def _inspection_key(record: _Inspection) -> str:
    return f"{slug(record.organisation)}/{slug(record.inspection_year)}"


COLUMNS = Columns(
    variants={
        "Organisation": ("Force or service", "Force/service", "Force"),
        "Organisation type": (),
        "Inspection programme": ("Programme",),
        YEAR: ("Year",),
        "Publication date": ("Published",),
        "Entry type": ("Type",),
        "Reference": ("Ref",),
        "Question": ("Area", "PEEL question"),
        "Grade": ("Judgement",),
        "Finding": ("Finding and recommendation", "Text"),
        "Recommendation status": ("Status",),
        "Status as at": ("Status date",),
    },
    required=("Organisation", "Organisation type", YEAR, "Entry type", "Question", "Grade"),
)

SAMPLES = Path(__file__).parent / "samples" / "hmicfrs"

# What the tracker's normalised recommendation status means for an action.
_RECOMMENDATION_STATES: dict[str, Any] = {
    "open": "open",
    "in-progress": "in-progress",
    "closed": "complete",
    "superseded": "cancelled",
}


SOURCE = Source(
    name="hmicfrs",
    title="HMICFRS police (PEEL) and fire and rescue inspections",
    provider="HMICFRS",
    kinds=(
        RecordKind(
            name="grade",
            model=QuestionGrade,
            key=lambda r: f"{_inspection_key(r)}/{slug(r.question)}",
            valid_time=lambda r: parse_period(r.inspection_year, YEAR),
            mode="append",
            description="One inspection question's grade on the five-point scale.",
        ),
        RecordKind(
            name="finding",
            agency_fields=("organisation",),
            model=Finding,
            key=lambda r: f"{_inspection_key(r)}/{slug(r.reference)}",
            valid_time=lambda r: ValidTime(r.status_as_at),
            mode="append",
            description="A cause of concern or area for improvement and its recommendation's status.",
            # Each cause of concern or area for improvement is something the force or service
            # must act on: an action it owns, moved on by each status review the tracker records.
            findings=(
                FindingDeclaration(
                    rule="hmicfrs-finding",
                    text=lambda a: f"{a['organisation']}: {a['finding']}",
                    severity="finding_type",
                    themes="question",
                    responds="organisation",
                    dated="publication_date",
                ),
            ),
            actions=ActionDeclaration(
                reference=lambda a: (
                    f"HMICFRS-{slug(a['organisation'])}-{slug(a['inspection_year'])}-{slug(a['reference'])}".upper()
                ),
                description="finding",
                owner="organisation",
                status="status",
                status_words=_RECOMMENDATION_STATES,
                stated_on="status_as_at",
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=SAMPLES,
    cadence="P3M",
    description=(
        "HMICFRS inspections of the area's police force (PEEL) and fire and rescue service: "
        "the grade per question, and causes of concern and areas for improvement with the "
        "status of their recommendations, reviewed quarterly by the partnership."
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SOURCE)
