"""Source plugin for learning from national reviews and research, as the partnership registers it.

The national panel's reviews and annual reports, national research and inspectorates' thematic
reports carry learning every partnership is expected to consider. The business unit keeps a
register of the publications it has taken in (title, publisher, date, themes, link) and their
recommendations, each under its own reference so local learning and actions can cite them.
Two CSV/XLSX layouts, told apart by their header: publications, and recommendations (they have
a ``Recommendation no`` column). Layout and rules: docs/sources/national-learning.md.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import parse_date, parse_int, required_text, text
from ingestors._reviews import require_columns
from ingestors._suppression import split_list
from ingestors._vocabulary import Vocabulary
from lif_core.plugins import (
    Columns,
    Emit,
    Finding,
    FreeText,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)

__all__ = ["PUBLICATION_TYPE", "SOURCE", "Publication", "Recommendation", "register_sources"]

PublicationType = Literal[
    "national-review",
    "thematic-review",
    "annual-report",
    "research",
    "inspection-report",
    "guidance",
]
PUBLICATION_TYPE = Vocabulary(
    "type of national publication",
    {
        "national-review": ("national child safeguarding practice review", "national review"),
        "thematic-review": ("thematic review", "panel briefing", "briefing"),
        "annual-report": ("annual report", "panel annual report"),
        "research": ("research report", "evidence review", "study"),
        "inspection-report": ("thematic inspection", "joint inspection report", "inspection"),
        "guidance": ("statutory guidance", "practice guidance"),
    },
)
_REFERENCE = re.compile(r"NL-\d{4}-\d{2}")


class Publication(BaseModel):
    """A national publication the partnership has registered to consider."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(description="The partnership's reference, e.g. 'NL-2025-01'.")
    title: str = Field(description="The publication's title as published.")
    publisher: str = Field(
        description="Who published it, e.g. 'Child Safeguarding Practice Review Panel'."
    )
    publication_type: PublicationType = Field(
        description="national-review, thematic-review, annual-report, research, inspection-report or guidance."
    )
    date_published: date = Field(description="Day it was published.")
    themes: list[str] = Field(min_length=1, description="The practice themes it addresses.")
    link: str = Field(description="Address of the publication (https).")
    summary: FreeText | None = Field(description="The business unit's summary of what it says.")
    date_considered: date | None = Field(
        description="Day a partnership subgroup considered it; None while it is still to be."
    )


class Recommendation(BaseModel):
    """One recommendation or key message of a national publication."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(
        description="Stable reference: the publication's reference and 'R' with the number, e.g. 'NL-2025-01/R03'."
    )
    publication_reference: str = Field(description="The reference of the publication.")
    recommendation_number: int = Field(
        ge=1, description="Its number, as the publication numbers it."
    )
    recommendation: str = Field(description="The recommendation as published (or abridged).")
    addressed_to: list[str] = Field(
        description="Who it is for, e.g. ['Safeguarding partners', 'Health']."
    )
    themes: list[str] = Field(description="The practice themes it addresses.")
    date_published: date = Field(description="Day the publication was published.")


COLUMNS = Columns(
    variants={
        "reference": ("Reference", "Publication reference"),
        "title": ("Title",),
        "publisher": ("Publisher", "Published by"),
        "publication_type": ("Type", "Publication type"),
        "date_published": ("Date published", "Published"),
        "themes": ("Themes", "Theme", "Theme(s)"),
        "link": ("Link", "URL", "Published link"),
        "summary": ("Summary",),
        "date_considered": ("Date considered", "Considered by subgroup"),
        "recommendation_number": ("Recommendation no", "Recommendation number", "Number"),
        "recommendation": ("Recommendation", "Key message"),
        "addressed_to": ("Addressed to", "For"),
    },
    required=("reference", "date_published"),
)
_PUBLICATION = ("title", "publisher", "publication_type", "themes", "link")
_RECOMMENDATION = ("recommendation",)


def _publication(row: Row, reference: str, published: date) -> Emit:
    values = row.values
    require_columns(row, _PUBLICATION, "publications")
    link = required_text(values, "link", "link")
    if not link.startswith("https://"):
        raise RecordError(f"{link!r} is not an https address", column="link")
    themes = split_list(values.get("themes"))
    if not themes:
        raise RecordError("a publication needs at least one theme", column="themes")
    considered = parse_date(values.get("date_considered"), "date_considered")
    if considered is not None and considered < published:
        raise RecordError(
            f"considered {considered} before it was published {published}",
            column="date_considered",
        )
    return Emit(
        "publication",
        {
            "reference": reference,
            "title": required_text(values, "title", "title"),
            "publisher": required_text(values, "publisher", "publisher"),
            "publication_type": PUBLICATION_TYPE.require(
                values.get("publication_type"), "publication_type"
            ),
            "date_published": published,
            "themes": themes,
            "link": link,
            "summary": text(values.get("summary")),
            "date_considered": considered,
        },
    )


def _recommendation(row: Row, reference: str, published: date) -> Emit:
    values = row.values
    require_columns(row, _RECOMMENDATION, "recommendations")
    number = parse_int(values.get("recommendation_number"), "recommendation_number")
    if number is None or number < 1:
        raise RecordError(
            "the recommendation number must be 1 or more", column="recommendation_number"
        )
    return Emit(
        "recommendation",
        {
            "reference": f"{reference}/R{number:02d}",
            "publication_reference": reference,
            "recommendation_number": number,
            "recommendation": required_text(values, "recommendation", "recommendation"),
            "addressed_to": split_list(values.get("addressed_to")),
            "themes": split_list(values.get("themes")),
            "date_published": published,
        },
    )


def map_row(row: Row) -> list[Emit]:
    """A publications row -> a ``publication``; a recommendations row -> a ``recommendation``."""
    values = row.values
    reference = (text(values.get("reference")) or "").upper()
    if not _REFERENCE.fullmatch(reference):
        raise RecordError(
            f"{reference!r} is not a national learning reference like NL-2025-01",
            column="reference",
        )
    published = parse_date(values.get("date_published"), "date_published")
    if published is None:
        raise RecordError("the date published is blank", column="date_published")
    if "recommendation_number" in values:
        return [_recommendation(row, reference, published)]
    return [_publication(row, reference, published)]


SOURCE = Source(
    name="national-learning",
    title="Learning from national reviews and research",
    provider="Leeds Safeguarding Children Partnership business unit (from national publications)",
    kinds=(
        RecordKind(
            name="publication",
            model=Publication,
            key=lambda r: r.reference,
            valid_time=lambda r: ValidTime(r.date_published),
            mode="append",
            description="A national review, panel report, research or thematic inspection, as published.",
        ),
        RecordKind(
            name="recommendation",
            model=Recommendation,
            key=lambda r: r.reference,
            valid_time=lambda r: ValidTime(r.date_published),
            mode="append",
            description="One recommendation or key message of a national publication.",
            # A national recommendation is for the partnership to consider: a learning
            # candidate, accepted or declined by a person, never learning by itself.
            findings=(
                Finding(
                    rule="national-recommendation",
                    text=lambda a: f"{a['reference']}: {a['recommendation']}",
                    themes="themes",
                    responds=lambda a: "; ".join(a["addressed_to"]) or None,
                ),
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "national-learning",
    cadence="P3M",
    description=(
        "The business unit's register of national learning: the national panel's reviews and "
        "annual reports, national research and thematic inspections (title, publisher, date, "
        "themes, link, when a subgroup considered it) and their recommendations, each under a "
        "reference local learning and actions can cite."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
