"""CQC ratings by location: one record per location, service group, domain and publication.

One source, two layouts, told apart by the header (:func:`layout_of`):

* ``national-ratings``: CQC's published ratings file, long format: a row per location x
  service or population group x domain (Overall, Safe, Effective, Caring, Responsive,
  Well-led) with the latest rating and its publication date.
* ``derived-overall-history``: the overall-rating history derived from the CQC API by
  BenGoodair/ITV (``reportdate, overall, ownership, locationid, ...``): a row per location
  and report, overall rating only, with "Requires Improvement" case drift.

See docs/sources/cqc.md for what is kept and what is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from ingestors._fields import parse_bool, parse_date, text
from ingestors._vocabulary import CQC_RATING, one_of
from lif_core.plugins import (
    Columns,
    Emit,
    Finding,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    grade_slug,
    hookimpl,
)

if TYPE_CHECKING:  # a type checker reads a slug as text; pydantic checks it against the scale
    Rating = str
else:
    Rating = one_of(CQC_RATING)

__all__ = ["COLUMNS", "DOMAINS", "SOURCE", "layout_of", "register_sources"]

Layout = Literal["national-ratings", "derived-overall-history"]
Domain = Literal["Overall", "Safe", "Effective", "Caring", "Responsive", "Well-led"]
DOMAINS: dict[str, Domain] = {
    "overall": "Overall",
    "safe": "Safe",
    "effective": "Effective",
    "caring": "Caring",
    "responsive": "Responsive",
    "well-led": "Well-led",
    "well led": "Well-led",
}

# Canonical field -> (national ratings header, derived history header). The derived
# file's own "rating" column (a case-folded copy of "overall") is read only to cross-check.
_HEADERS: dict[str, tuple[str | None, str | None]] = {
    "location_id": ("Location ID", "locationid"),
    "provider_id": ("Provider ID", None),
    "location_name": ("Location Name", None),
    "location_type": ("Location Type", None),
    "primary_inspection_category": ("Location Primary Inspection Category", None),
    "care_home": ("Care Home?", None),
    "local_authority": ("Location Local Authority", None),
    "region": ("Location Region", None),
    "service_group": ("Service / Population Group", None),
    "domain": ("Domain", None),
    "rating_wording": ("Latest Rating", "overall"),
    "derived_rating": (None, "rating"),
    "publication_date": ("Publication Date", "reportdate"),
    "report_type": ("Report Type", None),
    "inherited": ("Inherited Rating (Y/N)", None),
    "ownership": (None, "ownership"),
}
COLUMNS = Columns(
    variants={name: tuple(h for h in pair if h) for name, pair in _HEADERS.items()},
    required=("location_id", "rating_wording", "publication_date"),
)

# CQC location IDs: "1-" and digits, or an NHS trust site's ODS code (RR801).
_LOCATION = re.compile(r"^(1-\d{6,12}|[A-Z][A-Z0-9]{2,5})$")


class RatingRecord(BaseModel):
    """A CQC rating of one location, for one service or population group and one domain."""

    layout: Layout = Field(description="Which file layout the rating came from")
    location_id: str = Field(
        pattern=_LOCATION.pattern,
        description="CQC location ID (1-123456789, or an NHS site ODS code)",
    )
    provider_id: str | None = Field(
        description="CQC provider ID (the trust's ODS code for NHS providers)"
    )
    location_name: str | None = Field(
        description="Location name as CQC publishes it (an organisation's site)"
    )
    location_type: str | None = Field(
        description="CQC location type, e.g. NHS Healthcare Organisation"
    )
    primary_inspection_category: str | None = Field(
        description="CQC primary inspection category, e.g. Acute hospital - NHS"
    )
    care_home: bool | None = Field(description="Whether the location is a care home")
    local_authority: str | None = Field(description="Local authority the location is in")
    region: str | None = Field(description="CQC region of the location")
    service_group: str = Field(
        description="Service or population group rated ('Overall' for the location as a whole)"
    )
    domain: Domain = Field(
        description="Key question rated: Overall, Safe, Effective, Caring, Responsive or Well-led"
    )
    rating: Rating = Field(description="The rating on the common scale")
    rating_wording: str = Field(description="The rating as the file wrote it (case drift kept)")
    publication_date: date = Field(
        description="Date the rating was published (the report date in the derived history)"
    )
    report_type: str | None = Field(description="CQC report type, e.g. Location or Provider")
    inherited: bool | None = Field(
        description="Whether the rating was inherited from a predecessor registration"
    )
    ownership: str | None = Field(
        description="For-profit, Third sector or Local Authority (derived history only)"
    )


def layout_of(row: Row) -> Layout:
    """National ratings when the header has a Domain column, else the derived history."""
    return "national-ratings" if "domain" in row.values else "derived-overall-history"


def _header(layout: Layout, name: str) -> str:
    national, derived = _HEADERS[name]
    return (national if layout == "national-ratings" else derived) or name


def map_row(row: Row) -> Iterator[Emit]:
    values = row.values
    layout = layout_of(row)
    wording = text(values.get("rating_wording"))
    if wording is None:
        raise RecordError("the rating is blank", column=_header(layout, "rating_wording"))
    rating = CQC_RATING.value_of(wording, _header(layout, "rating_wording"))
    location = text(values.get("location_id"))
    if location is None or not _LOCATION.match(location):
        raise RecordError(
            f"{location!r} is not a CQC location ID (expected 1-123456789 or an ODS code like RR801)",
            column=_header(layout, "location_id"),
            value=location,
        )
    if layout == "national-ratings":
        domain_text = text(values.get("domain")) or ""
        domain = DOMAINS.get(domain_text.casefold())
        if domain is None:
            raise RecordError(
                f"unknown domain {domain_text!r}; expected one of {', '.join(sorted(set(DOMAINS.values())))}",
                column="Domain",
                value=domain_text,
            )
        group = text(values.get("service_group"))
        if group is None:
            raise RecordError(
                "the service or population group is blank", column="Service / Population Group"
            )
    else:
        domain, group = "Overall", "Overall"
        derived = values.get("derived_rating")
        if text(derived) and CQC_RATING.value_of(derived, "rating") != rating:
            raise RecordError(
                f"'overall' says {wording!r} but 'rating' says {derived!r}: the two copies disagree",
                column="rating",
                value=derived,
            )
    yield Emit(
        "rating",
        {
            "layout": layout,
            "location_id": location,
            "provider_id": text(values.get("provider_id")),
            "location_name": text(values.get("location_name")),
            "location_type": text(values.get("location_type")),
            "primary_inspection_category": text(values.get("primary_inspection_category")),
            "care_home": parse_bool(values.get("care_home"), "Care Home?"),
            "local_authority": text(values.get("local_authority")),
            "region": text(values.get("region")),
            "service_group": group,
            "domain": domain,
            "rating": rating,
            "rating_wording": wording,
            "publication_date": parse_date(
                values.get("publication_date"), _header(layout, "publication_date")
            ),
            "report_type": text(values.get("report_type")),
            "inherited": parse_bool(values.get("inherited"), "Inherited Rating (Y/N)"),
            "ownership": text(values.get("ownership")),
        },
    )


def rating_key(record: Any) -> str:
    """Location + service group + domain + publication date."""
    return f"{record.location_id}/{record.service_group}/{record.domain}/{record.publication_date.isoformat()}"


SOURCE = Source(
    name="cqc",
    title="CQC ratings of health and care locations",
    provider="CQC",
    kinds=(
        RecordKind(
            name="rating",
            model=RatingRecord,
            key=rating_key,
            valid_time=lambda r: ValidTime(r.publication_date),
            mode="append",
            description="A published rating of a location for one service group and key question.",
            findings=(
                Finding(
                    rule="cqc-concern",
                    applies=lambda a: (
                        a.get("domain") == "Overall"
                        and grade_slug(a.get("rating")) in ("inadequate", "requires-improvement")
                        and bool(a.get("local_authority"))
                    ),
                    text=lambda a: (
                        f"{a.get('location_name') or a.get('location_id')} rated "
                        f"{grade_slug(a['rating'])} overall ({a.get('publication_date')})"
                    ),
                    severity=lambda a: grade_slug(a.get("rating")),
                    responds="provider_id",
                    dated="publication_date",
                    area="local_authority",
                ),
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv",), columns=COLUMNS),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "cqc",
    cadence="P1M",
    description=(
        "Care Quality Commission ratings of the health providers around the partnership "
        "(community health, hospital and mental health trusts): CQC's national ratings file, "
        "or a derived history of overall ratings."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
