"""Source plugin for the partnership's review register: reviews and the learning points they made.

Two CSV/XLSX layouts, told apart by their header: the review register (one row per review:
child safeguarding practice review, rapid review, learning lessons review) and the learning
points (one row per point of a review). References are the partnership's own and stay stable,
because the learning points later become Learning items. Rules: docs/sources/practice-reviews.md.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import parse_date, parse_int, text
from ingestors._reviews import review_dates
from ingestors._suppression import split_list
from lif_core.plugins import (
    Columns,
    Emit,
    FreeText,
    InputOptions,
    LearningDeclaration,
    RecordError,
    RecordKind,
    ReviewKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)

__all__ = ["SOURCE", "LearningPoint", "Review", "learning_point_reference", "register_sources"]

ReviewType = Literal["rapid-review", "cspr", "llr"]
Status = Literal["commissioned", "in-progress", "completed", "published", "not-published"]

_TYPES: dict[str, ReviewType] = {
    "rapid review": "rapid-review",
    "rapid-review": "rapid-review",
    "rr": "rapid-review",
    "child safeguarding practice review": "cspr",
    "local child safeguarding practice review": "cspr",
    "cspr": "cspr",
    "lcspr": "cspr",
    "learning lessons review": "llr",
    "learning review": "llr",
    "llr": "llr",
}
_PREFIX: dict[ReviewType, str] = {"rapid-review": "RR", "cspr": "CSPR", "llr": "LLR"}
_STATUSES: dict[str, Status] = {
    "commissioned": "commissioned",
    "in progress": "in-progress",
    "in-progress": "in-progress",
    "completed": "completed",
    "complete": "completed",
    "published": "published",
    "not published": "not-published",
    "not-published": "not-published",
    "not for publication": "not-published",
}
_REFERENCE = re.compile(r"^(CSPR|RR|LLR)-(\d{4})-(\d{2})$")


class Review(BaseModel):
    """One review the partnership commissioned, as its register holds it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(
        description="The partnership's reference, e.g. 'CSPR-2024-02' (type prefix, year, number)."
    )
    review_type: ReviewType = Field(
        description="rapid-review, cspr (child safeguarding practice review) or llr (learning lessons review)."
    )
    title: str | None = Field(
        description="The review's published title (a pseudonym such as 'Child H', never a name)."
    )
    date_commissioned: date = Field(
        description="Day the review was commissioned (for a rapid review: the notification)."
    )
    date_completed: date | None = Field(
        description="Day the review's report was signed off by the partnership."
    )
    date_published: date | None = Field(description="Day the report was published, if it was.")
    status: Status = Field(
        description="commissioned, in-progress, completed, published or not-published."
    )
    published_link: str | None = Field(description="Address of the published report (https).")
    incident_date: date | None = Field(
        default=None,
        description="Day the partnership learnt of the serious incident (the timescales start here).",
    )
    notification_date: date | None = Field(
        default=None,
        description="Day the incident was notified to the national Child Safeguarding Practice Review Panel.",
    )
    rapid_review_date: date | None = Field(
        default=None, description="Day the rapid review met (rapid reviews)."
    )


class LearningPoint(BaseModel):
    """One learning point of a review: what practitioners and agencies should learn."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(
        description="Stable reference of the point: review reference and number, e.g. 'CSPR-2024-02/LP03'."
    )
    review_reference: str = Field(description="The reference of the review that made the point.")
    point_number: int = Field(ge=1, description="The point's number within its review (1, 2, ...).")
    themes: list[str] = Field(
        min_length=1, description="Practice themes, e.g. ['Neglect', 'Was not brought']."
    )
    learning: FreeText = Field(description="The learning statement as the review wrote it.")
    agencies: list[str] = Field(
        description="Agencies the learning is for (e.g. 'LCH', 'West Yorkshire Police')."
    )
    date_identified: date = Field(
        description="Day the point was agreed (normally the review's sign-off)."
    )


COLUMNS = Columns(
    variants={
        "review_reference": ("Reference", "Review reference", "Review ref"),
        "review_type": ("Type", "Review type"),
        "title": ("Title", "Review title"),
        "date_commissioned": ("Date commissioned", "Commissioned"),
        "date_completed": ("Date completed", "Completed"),
        "date_published": ("Date published", "Published"),
        "status": ("Status",),
        "published_link": ("Published link", "Link", "URL"),
        "incident_date": ("Incident date", "Date of incident", "Date incident known"),
        "notification_date": ("Notification date", "Date notified", "Date of notification"),
        "rapid_review_date": ("Rapid review date", "Date of rapid review", "Rapid review held"),
        "point_number": ("Point", "Point number", "Point no"),
        "themes": ("Themes", "Theme", "Theme(s)"),
        "learning": ("Learning", "Learning statement", "Learning point text"),
        "agencies": ("Agencies", "Agencies involved"),
        "date_identified": ("Date identified", "Date agreed"),
    },
    required=("review_reference",),
)
_REVIEW_COLUMNS = ("review_type", "date_commissioned", "status")
_POINT_COLUMNS = ("themes", "learning", "date_identified")


def learning_point_reference(review_reference: str, point_number: int) -> str:
    """The stable reference of a learning point: 'CSPR-2024-02/LP03'."""
    return f"{review_reference}/LP{point_number:02d}"


def _require_columns(row: Row, names: tuple[str, ...], layout: str) -> None:
    for name in names:
        if name not in row.values:
            raise RecordError(
                f"the {layout} layout needs this column, and the header has none", column=name
            )


def _reference(value: Any) -> str:
    reference = (text(value) or "").upper()
    if not _REFERENCE.match(reference):
        raise RecordError(
            f"{reference!r} is not a review reference like CSPR-2024-02, RR-2025-01 or LLR-2024-01",
            column="review_reference",
        )
    return reference


def _review(row: Row) -> Emit:
    values = row.values
    _require_columns(row, _REVIEW_COLUMNS, "review register")
    reference = _reference(values.get("review_reference"))
    review_type = _TYPES.get((text(values.get("review_type")) or "").casefold())
    if review_type is None:
        raise RecordError(
            f"{values.get('review_type')!r} is not a review type", column="review_type"
        )
    if not reference.startswith(_PREFIX[review_type] + "-"):
        raise RecordError(
            f"a {review_type} reference starts {_PREFIX[review_type]}-, not {reference!r}",
            column="review_reference",
        )
    status = _STATUSES.get((text(values.get("status")) or "").casefold())
    if status is None:
        raise RecordError(f"{values.get('status')!r} is not a review status", column="status")
    dates = review_dates(values, status)
    incident = parse_date(values.get("incident_date"), "incident_date")
    notified = parse_date(values.get("notification_date"), "notification_date")
    met = parse_date(values.get("rapid_review_date"), "rapid_review_date")
    if incident and notified and notified < incident:
        raise RecordError(
            f"notified {notified} before the incident was known {incident}",
            column="notification_date",
        )
    if notified and met and met < notified:
        raise RecordError(
            f"the rapid review met {met} before the notification {notified}",
            column="rapid_review_date",
        )
    fields = {
        "reference": reference,
        "review_type": review_type,
        "title": text(values.get("title")),
        **dates,
        "status": status,
        "incident_date": incident,
        "notification_date": notified,
        "rapid_review_date": met,
    }
    return Emit("review", fields)


def _learning_point(row: Row) -> Emit:
    values = row.values
    _require_columns(row, _POINT_COLUMNS, "learning points")
    review = _reference(values.get("review_reference"))
    number = parse_int(values.get("point_number"), "point_number")
    if number is None or number < 1:
        raise RecordError("the point number must be 1 or more", column="point_number")
    themes = split_list(values.get("themes"))
    if not themes:
        raise RecordError("a learning point needs at least one theme", column="themes")
    learning = text(values.get("learning"))
    if learning is None:
        raise RecordError("the learning statement is blank", column="learning")
    identified = parse_date(values.get("date_identified"), "date_identified")
    if identified is None:
        raise RecordError("the date identified is blank", column="date_identified")
    fields = {
        "reference": learning_point_reference(review, number),
        "review_reference": review,
        "point_number": number,
        "themes": themes,
        "learning": learning,
        "agencies": split_list(values.get("agencies")),
        "date_identified": identified,
    }
    return Emit("learning-point", fields)


def map_row(row: Row) -> list[Emit]:
    """A register row -> a ``review``; a learning-points row (it has a point column) -> a ``learning-point``."""
    if "point_number" in row.values:
        return [_learning_point(row)]
    return [_review(row)]


SOURCE = Source(
    name="practice-reviews",
    title="Safeguarding practice reviews and their learning points",
    provider="Leeds Safeguarding Children Partnership business unit",
    kinds=(
        RecordKind(
            name="review",
            model=Review,
            key=lambda r: r.reference,
            valid_time=lambda r: ValidTime(r.date_commissioned),
            mode="append",
            description="A rapid review, child safeguarding practice review or learning lessons review.",
            review=ReviewKind(
                types={
                    "rapid-review": "Rapid review",
                    "cspr": "Child safeguarding practice review",
                    "llr": "Learning lessons review",
                },
                dates={
                    "incident": "incident_date",
                    "notification": "notification_date",
                    "decision": "date_commissioned",
                    "rapid_review": "rapid_review_date",
                    "report": "date_completed",
                    "publication": "date_published",
                },
                points_kind="learning-point",
            ),
        ),
        RecordKind(
            name="learning-point",
            agency_fields=("agencies",),
            model=LearningPoint,
            key=lambda r: r.reference,
            valid_time=lambda r: ValidTime(r.date_identified),
            mode="append",
            description="One learning point of a review, with its themes and agencies.",
            learning=LearningDeclaration(
                reference="reference",
                statement="learning",
                themes="themes",
                identified_on="date_identified",
                origin=lambda a: "practice-review",
                source_reference="review_reference",
                agencies="agencies",
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "practice-reviews",
    cadence="P1M",
    description=(
        "The business unit's register of reviews (rapid reviews, child safeguarding practice "
        "reviews, learning lessons reviews: dates, status, published report) and the learning "
        "points each review made (themes, learning statement, agencies)."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
