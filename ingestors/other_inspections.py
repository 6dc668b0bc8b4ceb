"""HMI Probation and HMI Prisons inspections: ratings per domain or standard, and recommendations.

The layout is the partnership's tracker of inspections of youth justice, probation and
the young offender institution (docs/sources/other-inspections.md): one row per entry,
the ``Entry type`` saying which. A ``Rating`` row is a ``rating`` record, read on the
inspectorate's own four-point scale (HMI Probation: Outstanding ... Inadequate; HMI
Prisons' healthy prison tests: Good ... Poor), so "Good" keeps the meaning its
inspectorate gave it. A ``Recommendation`` row is a ``recommendation`` record with its
recipient and status as at a day, revised each time the tracker reports a new status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ingestors._fields import parse_date, text
from ingestors._trackers import TrackerLayout, required_date, status_fields
from ingestors._vocabulary import (
    HMI_PRISONS_HEALTHY_PRISON,
    HMI_PROBATION_FOUR_POINT,
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

__all__ = [
    "RATING_SCALES",
    "SAMPLES",
    "SOURCE",
    "Rating",
    "Recommendation",
    "map_row",
    "register_sources",
]

INSPECTORATES = Scale(
    "other-inspectorate",
    "list of inspectorates this source reads",
    (
        Level("hmi-probation", "HMI Probation", None, ("HM Inspectorate of Probation",)),
        Level("hmi-prisons", "HMI Prisons", None, ("HM Inspectorate of Prisons",)),
    ),
)
# Each inspectorate's ratings are read on its own scale.
RATING_SCALES = {
    "hmi-probation": HMI_PROBATION_FOUR_POINT,
    "hmi-prisons": HMI_PRISONS_HEALTHY_PRISON,
}
ENTRY_TYPES = Scale(
    "other-inspections-entry-type",
    "list of tracker entry types",
    (
        Level("rating", "Rating", None),
        Level("recommendation", "Recommendation", None),
    ),
)

RATING_ONLY = ("Rating",)
RECOMMENDATION_ONLY = ("Reference", "Recommendation", "Recipient", "Status", "Status as at")
LAYOUT = TrackerLayout(ENTRY_TYPES, {"rating": RATING_ONLY, "recommendation": RECOMMENDATION_ONLY})


class _Inspection(BaseModel):
    inspectorate: str = Field(description="hmi-probation or hmi-prisons.")
    inspected_body: str = Field(
        min_length=1, description="The service or establishment inspected, by its name."
    )
    inspection_type: str | None = Field(
        None, description="The inspection type as the inspectorate names it."
    )
    inspection_date: date = Field(description="First day of the inspection fieldwork.")
    publication_date: date | None = Field(None, description="Day the report was published.")


class Rating(_Inspection):
    """A domain, standard or healthy prison test and the rating the inspectorate gave it."""

    domain: str = Field(
        min_length=1, description="The domain, standard or test rated, as published."
    )
    rating: str = Field(
        description="Normalised rating on the inspectorate's scale (see rating_scale)."
    )
    rating_rank: int = Field(
        ge=1, le=4, description="Position on the inspectorate's scale, 1 = its best level."
    )
    rating_scale: str = Field(
        description="The scale the rating is on: hmi-probation-four-point or hmi-prisons-healthy-prison."
    )
    rating_as_published: str = Field(description="The rating as written in the source.")


class Recommendation(_Inspection):
    """A recommendation of the report, its recipient and its status as at a day."""

    reference: str = Field(
        min_length=1, description="The recommendation's reference in the report (R1, 5.2)."
    )
    domain: str | None = Field(
        None, description="The domain or test it relates to, where the report says."
    )
    recommendation: str = Field(min_length=1, description="The recommendation as published.")
    recipient: str = Field(
        min_length=1, description="The organisation the recommendation is made to."
    )
    status: str = Field(description="Normalised status: open, in-progress, closed, superseded.")
    status_as_published: str = Field(description="The status as written in the tracker.")
    status_as_at: date = Field(description="Day the status was last reviewed.")


def map_row(row: Row) -> Iterator[Emit]:
    """One tracker row -> a ``rating`` or a ``recommendation`` record, by its entry type."""
    values = dict(row.values)
    entry = LAYOUT.entry(values)
    inspectorate = INSPECTORATES.require(values.get("Inspectorate"), "Inspectorate")
    inspection: dict[str, Any] = {
        "inspectorate": inspectorate.value,
        "inspected_body": text(values.get("Inspected body")),
        "inspection_type": text(values.get("Inspection type")),
        "inspection_date": required_date(values, "Inspection date"),
        "publication_date": parse_date(values.get("Publication date"), "Publication date"),
        "domain": text(values.get("Domain or standard")),
    }
    if entry.value == "rating":
        scale = RATING_SCALES[inspectorate.value]
        rating = scale.require(
            values.get("Rating"), "Rating", f"(a Rating row needs one, on the {scale.title})"
        )
        yield Emit(
            "rating",
            {
                **inspection,
                "rating": rating.value,
                "rating_rank": rating.rank,
                "rating_scale": scale.name,
                "rating_as_published": rating.as_published,
            },
        )
        return
    yield Emit(
        "recommendation",
        {
            **inspection,
            "reference": text(values.get("Reference")),
            "recommendation": text(values.get("Recommendation")),
            "recipient": text(values.get("Recipient")),
            **status_fields(RECOMMENDATION_STATUS, values, "Status"),
        },
    )


def _inspection_key(record: _Inspection) -> str:
    body = slug(record.inspected_body)
    return f"{slug(record.inspectorate)}/{body}/{record.inspection_date.isoformat()}"


COLUMNS = Columns(
    variants={
        "Inspectorate": (),
        "Inspected body": ("Service", "Establishment", "Inspected service"),
        "Inspection type": (),
        "Inspection date": ("Fieldwork start date", "Inspection start date"),
        "Publication date": ("Published",),
        "Entry type": ("Type",),
        "Reference": ("Ref",),
        "Domain or standard": ("Domain", "Standard", "Healthy prison test"),
        "Rating": ("Judgement", "Grade"),
        "Recommendation": ("Recommendation text",),
        "Recipient": ("Made to", "Recommendation to"),
        "Status": (),
        "Status as at": ("Status date",),
    },
    required=(
        "Inspectorate",
        "Inspected body",
        "Inspection date",
        "Entry type",
        "Domain or standard",
        "Rating",
    ),
)

SAMPLES = Path(__file__).parent / "samples" / "other-inspections"

# What the tracker's normalised recommendation status means for an action.
_RECOMMENDATION_STATES: dict[str, Any] = {
    "open": "open",
    "in-progress": "in-progress",
    "closed": "complete",
    "superseded": "cancelled",
}


SOURCE = Source(
    name="other-inspections",
    title="Youth justice, probation and young offender institution inspections",
    provider="HMI Probation, HMI Prisons",
    kinds=(
        RecordKind(
            name="rating",
            model=Rating,
            key=lambda r: f"{_inspection_key(r)}/{slug(r.domain)}",
            valid_time=lambda r: ValidTime(r.inspection_date),
            mode="append",
            description="A domain, standard or healthy prison test and its rating.",
        ),
        RecordKind(
            name="recommendation",
            agency_fields=("recipient",),
            model=Recommendation,
            key=lambda r: f"{_inspection_key(r)}/{slug(r.reference)}",
            valid_time=lambda r: ValidTime(r.status_as_at),
            mode="append",
            description="A recommendation, its recipient and its status as at a day.",
            actions=ActionDeclaration(
                reference=lambda a: (
                    f"{slug(a['inspectorate'])}-{slug(a['inspected_body'])}-"
                    f"{a['inspection_date']}-{slug(a['reference'])}"
                ).upper(),
                description="recommendation",
                owner="recipient",
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
        "HMI Probation inspections of youth justice and probation services and HMI Prisons "
        "inspections of the young offender institution: ratings on each inspectorate's "
        "four-point scale, and recommendations with their quarterly status."
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SOURCE)
