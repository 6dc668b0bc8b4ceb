"""What the partnership's own reviews share: references, the register's dates and status, findings.

Appreciative inquiries and deep dives are reviews the business unit keeps in registers beside
the practice reviews: a stable reference (``AI-2025-01``, ``DD-2025-02``), the dates a review
moves through (commissioned, completed, published) and a status, and numbered findings that
say what is working well (a **strength**, to spread) or what should change (an **area for
improvement**). The plugins read those parts here, so both mean the same by them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import parse_date, parse_int, required_text, text
from ingestors._suppression import split_list
from ingestors._vocabulary import Vocabulary
from lif_core.plugins import FreeText, LearningDeclaration, RecordError, Row

__all__ = [
    "FINDING_COLUMNS",
    "FINDING_TYPE",
    "REGISTER_COLUMNS",
    "REVIEW_STATUS",
    "FindingType",
    "ReviewFinding",
    "Status",
    "finding_fields",
    "findings_are_learning",
    "reference",
    "register_fields",
    "require_columns",
    "review_dates",
]

Status = Literal["commissioned", "in-progress", "completed", "published", "not-published"]
FindingType = Literal["strength", "area-for-improvement"]

REVIEW_STATUS = Vocabulary(
    "review status",
    {
        "commissioned": ("planned",),
        "in-progress": ("in progress", "held", "under way", "ongoing"),
        "completed": ("complete", "reported", "signed off"),
        "published": (),
        "not-published": ("not published", "not for publication"),
    },
)
FINDING_TYPE = Vocabulary(
    "finding type",
    {
        "strength": (
            "what went well",
            "went well",
            "WWW",
            "good practice",
            "what is working well",
            "working well",
        ),
        "area-for-improvement": (
            "even better if",
            "EBI",
            "area for improvement",
            "area for development",
            "AFI",
            "improvement",
            "what needs to change",
        ),
    },
)

# The register's columns every review type shares (each plugin adds its own).
REGISTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "review_reference": ("Reference", "Review reference"),
    "title": ("Title",),
    "themes": ("Themes", "Theme", "Theme(s)"),
    "date_commissioned": ("Date commissioned", "Commissioned"),
    "date_completed": ("Date completed", "Completed", "Date reported"),
    "date_published": ("Date published", "Published"),
    "status": ("Status",),
    "published_link": ("Published link", "Link", "URL"),
}
# The findings layout: one row per numbered finding of a review.
FINDING_COLUMNS: dict[str, tuple[str, ...]] = {
    "finding_number": ("Finding no", "Finding number", "Point", "Point no"),
    "finding_type": ("Type", "Finding type"),
    "statement": ("Finding", "Statement", "What we found"),
    "agencies": ("Agencies", "Agencies involved"),
    "date_identified": ("Date identified", "Date agreed"),
}


class ReviewFinding(BaseModel):
    """One numbered finding of a review: a strength to spread or an area for improvement."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(
        description="Stable reference of the finding: the review's reference and 'F' with its number, e.g. 'DD-2025-01/F02'."
    )
    review_reference: str = Field(description="The reference of the review that found it.")
    finding_number: int = Field(ge=1, description="The finding's number within its review.")
    finding_type: FindingType = Field(
        description="strength (what is working well, to spread) or area-for-improvement."
    )
    statement: FreeText = Field(description="The finding as the review wrote it.")
    themes: list[str] = Field(
        min_length=1, description="Practice themes, e.g. ['Voice of the child']."
    )
    agencies: list[str] = Field(description="Agencies the finding is about or for.")
    date_identified: date = Field(description="Day the finding was agreed.")


def findings_are_learning(origin: str) -> LearningDeclaration:
    """A review's findings are learning items under their own references (``DD-2025-01/F02``),
    citing the review; strengths and areas for improvement alike (marking one as good practice to
    spread is the partnership's decision)."""
    return LearningDeclaration(
        reference="reference",
        statement="statement",
        themes="themes",
        identified_on="date_identified",
        origin=lambda a: origin,
        source_reference="review_reference",
        agencies="agencies",
    )


def require_columns(row: Row, names: tuple[str, ...], layout: str) -> None:
    """Refuse a row whose file lacks a column its layout needs (the host checks only the shared one)."""
    for name in names:
        if name not in row.values:
            raise RecordError(
                f"the {layout} layout needs this column, and the header has none", column=name
            )


def reference(value: Any, prefix: str, what: str) -> str:
    """A review's reference, upper-cased: ``PREFIX-yyyy-nn``."""
    found = (text(value) or "").upper()
    if not re.fullmatch(rf"{prefix}-\d{{4}}-\d{{2}}", found):
        raise RecordError(
            f"{found!r} is not {what} reference like {prefix}-2025-01",
            column="review_reference",
            value=found,
        )
    return found


def review_dates(values: Mapping[str, Any], status: str) -> dict[str, Any]:
    """A review's dates and link, in order and consistent with its status (every review type)."""
    commissioned = parse_date(values.get("date_commissioned"), "date_commissioned")
    completed = parse_date(values.get("date_completed"), "date_completed")
    published = parse_date(values.get("date_published"), "date_published")
    link = text(values.get("published_link"))
    if commissioned is None:
        raise RecordError("the date commissioned is blank", column="date_commissioned")
    if completed is not None and completed < commissioned:
        raise RecordError(
            f"completed {completed} before it was commissioned {commissioned}",
            column="date_completed",
        )
    if published is not None and (completed is None or published < completed):
        raise RecordError(
            "a report is published on or after the day it is completed", column="date_published"
        )
    if status in ("completed", "published", "not-published") and completed is None:
        raise RecordError(
            f"a review with status {status} needs its date completed", column="date_completed"
        )
    if status == "published" and (published is None or link is None):
        raise RecordError(
            "a published review needs its date published and its link", column="published_link"
        )
    if link is not None and not link.startswith("https://"):
        raise RecordError(f"{link!r} is not an https address", column="published_link")
    return {
        "date_commissioned": commissioned,
        "date_completed": completed,
        "date_published": published,
        "published_link": link,
    }


def register_fields(values: Mapping[str, Any], review_reference: str) -> dict[str, Any]:
    """The register's shared fields of one review, its dates in order and its status consistent."""
    status = REVIEW_STATUS.require(values.get("status"), "status")
    dates = review_dates(values, status)
    themes = split_list(values.get("themes"))
    if not themes:
        raise RecordError("a review needs at least one theme", column="themes")
    return {
        "reference": review_reference,
        "title": required_text(values, "title", "title"),
        "themes": themes,
        **dates,
        "status": status,
    }


def finding_fields(values: Mapping[str, Any], review_reference: str) -> dict[str, Any]:
    """The fields of a :class:`ReviewFinding` from one row of a findings layout."""
    number = parse_int(values.get("finding_number"), "finding_number")
    if number is None or number < 1:
        raise RecordError("the finding number must be 1 or more", column="finding_number")
    themes = split_list(values.get("themes"))
    if not themes:
        raise RecordError("a finding needs at least one theme", column="themes")
    identified = parse_date(values.get("date_identified"), "date_identified")
    if identified is None:
        raise RecordError("the date identified is blank", column="date_identified")
    return {
        "reference": f"{review_reference}/F{number:02d}",
        "review_reference": review_reference,
        "finding_number": number,
        "finding_type": FINDING_TYPE.require(values.get("finding_type"), "finding_type"),
        "statement": required_text(values, "statement", "finding"),
        "themes": themes,
        "agencies": split_list(values.get("agencies")),
        "date_identified": identified,
    }
