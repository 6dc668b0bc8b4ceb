"""Source plugin for appreciative inquiries: the events, who took part by agency, what went well.

An appreciative inquiry is a review that starts from what worked: practitioners from the
agencies involved meet to look at a piece of practice and say what went well (strengths to
spread) and what would make it even better. Two CSV/XLSX layouts, told apart by their header:
the register (one row per inquiry, with its participants by agency in one cell) and the
findings (one row per numbered point). Layout and rules: docs/sources/appreciative-inquiry.md.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import financial_year_of, parse_date, parse_int, text
from ingestors._reviews import (
    FINDING_COLUMNS,
    REGISTER_COLUMNS,
    ReviewFinding,
    Status,
    finding_fields,
    findings_are_learning,
    reference,
    register_fields,
    require_columns,
)
from lif_core.plugins import (
    Columns,
    Dimension,
    Emit,
    FreeText,
    InputOptions,
    Measurable,
    MeasureDeclaration,
    RecordError,
    RecordKind,
    ReviewKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
    slug,
)

__all__ = ["SOURCE", "Inquiry", "Participation", "participants", "register_sources"]

PREFIX = "AI"
# 'LCH: 4' or 'West Yorkshire Police (2)': an agency and how many of its staff took part.
_PARTICIPANT = re.compile(r"^(?P<agency>.+?)\s*(?::\s*|\(\s*)(?P<count>[^():]+?)\s*\)?$")


class Inquiry(BaseModel):
    """One appreciative inquiry the partnership held, as its register holds it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(description="The partnership's reference, e.g. 'AI-2025-01'.")
    review_type: Literal["appreciative-inquiry"] = Field(
        description="Always 'appreciative-inquiry': the type of review, for the review register."
    )
    title: str = Field(
        description="The inquiry's title (a pseudonym such as 'Family P', never a name)."
    )
    focus: FreeText = Field(description="The practice the inquiry looked at and why it was chosen.")
    themes: list[str] = Field(min_length=1, description="The practice themes it looked at.")
    date_commissioned: date = Field(description="Day the partnership decided to hold it.")
    date_held: date | None = Field(
        description="Day the inquiry's session was held; None while it is still planned."
    )
    date_completed: date | None = Field(description="Day its report was signed off.")
    date_published: date | None = Field(description="Day its learning was published, if it was.")
    status: Status = Field(
        description="commissioned, in-progress, completed, published or not-published."
    )
    published_link: str | None = Field(description="Address of the published learning (https).")
    participants_total: int = Field(
        ge=0, description="Practitioners and managers who took part, all agencies together."
    )


class Participation(BaseModel):
    """How many staff of one agency took part in one appreciative inquiry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    inquiry_reference: str = Field(description="The inquiry's reference, e.g. 'AI-2025-01'.")
    agency: str = Field(description="The agency, as the register names it, e.g. 'LCH'.")
    participants: int = Field(ge=1, description="How many of its staff took part.")
    date_held: date = Field(description="Day the inquiry's session was held.")
    reporting_year: str = Field(
        description="The partnership's reporting year (April to March) it was held in, e.g. '2024-25'."
    )


COLUMNS = Columns(
    variants={
        **REGISTER_COLUMNS,
        "focus": ("Focus", "What it looked at"),
        "date_held": ("Date held", "Held on", "Session date"),
        "participants": ("Participants", "Participants by agency", "Attendance"),
        **FINDING_COLUMNS,
    },
    required=("review_reference",),
)
_REGISTER = ("title", "date_commissioned", "status", "participants")
_FINDINGS = ("finding_type", "statement", "themes", "date_identified")


def participants(value: Any) -> list[tuple[str, int]]:
    """'LCH: 4; West Yorkshire Police: 2' -> [('LCH', 4), ('West Yorkshire Police', 2)]."""
    found: list[tuple[str, int]] = []
    for part in (text(value) or "").split(";"):
        part = part.strip()
        if not part:
            continue
        match = _PARTICIPANT.match(part)
        if match is None:
            raise RecordError(
                f"{part!r} is not an agency and a number, like 'LCH: 4'", column="participants"
            )
        agency = " ".join(match["agency"].split())
        count = parse_int(match["count"], "participants")
        if count is None or count < 1:
            raise RecordError(
                f"{part!r}: an agency listed took part with one person or more",
                column="participants",
            )
        if any(slug(agency) == slug(seen) for seen, _ in found):
            raise RecordError(f"{agency!r} is listed twice", column="participants")
        found.append((agency, count))
    return found


def _inquiry(row: Row) -> list[Emit]:
    values = row.values
    require_columns(row, _REGISTER, "register")
    ref = reference(values.get("review_reference"), PREFIX, "an appreciative inquiry")
    fields = register_fields(values, ref)
    held = parse_date(values.get("date_held"), "date_held")
    if held is not None and held < fields["date_commissioned"]:
        raise RecordError(
            f"held {held} before it was commissioned {fields['date_commissioned']}",
            column="date_held",
        )
    completed = fields["date_completed"]
    if completed is not None and (held is None or completed < held):
        raise RecordError(
            "an inquiry is completed on or after the day it is held", column="date_completed"
        )
    taking_part = participants(values.get("participants"))
    if held is None and taking_part:
        raise RecordError(
            "participants are listed but the inquiry has no date held", column="date_held"
        )
    if held is not None and not taking_part:
        raise RecordError(
            "an inquiry that was held needs its participants by agency", column="participants"
        )
    focus = text(values.get("focus"))
    if focus is None:
        raise RecordError("the focus is blank", column="focus")
    emits = [
        Emit(
            "inquiry",
            {
                **fields,
                "review_type": "appreciative-inquiry",
                "focus": focus,
                "date_held": held,
                "participants_total": sum(n for _, n in taking_part),
            },
        )
    ]
    if held is None:  # not held yet, so nobody is listed as taking part (checked above)
        return emits
    emits += [
        Emit(
            "participation",
            {
                "inquiry_reference": ref,
                "agency": agency,
                "participants": n,
                "date_held": held,
                "reporting_year": financial_year_of(held)[0],
            },
        )
        for agency, n in taking_part
    ]
    return emits


def map_row(row: Row) -> list[Emit]:
    """A register row -> the ``inquiry`` and a ``participation`` per agency; a findings row -> a ``finding``."""
    if "finding_number" in row.values:
        require_columns(row, _FINDINGS, "findings")
        ref = reference(row.values.get("review_reference"), PREFIX, "an appreciative inquiry")
        return [Emit("finding", finding_fields(row.values, ref))]
    return _inquiry(row)


SOURCE = Source(
    name="appreciative-inquiry",
    title="Appreciative inquiries: who took part, what went well, what would be even better",
    provider="Leeds Safeguarding Children Partnership business unit",
    kinds=(
        RecordKind(
            name="inquiry",
            model=Inquiry,
            key=lambda r: r.reference,
            valid_time=lambda r: ValidTime(r.date_commissioned),
            mode="append",
            description="An appreciative inquiry: its focus, themes, dates and status.",
            review=ReviewKind(
                types={"appreciative-inquiry": "Appreciative inquiry"},
                dates={
                    "decision": "date_commissioned",
                    "report": "date_completed",
                    "publication": "date_published",
                },
                points_kind="finding",
            ),
        ),
        RecordKind(
            name="participation",
            agency_fields=("agency",),
            model=Participation,
            key=lambda r: f"{r.inquiry_reference}/{slug(r.agency)}",
            valid_time=lambda r: financial_year_of(r.date_held)[1],
            mode="append",
            description="How many staff of one agency took part in one inquiry.",
            measures=MeasureDeclaration(
                values=(Measurable("participants", description="Staff who took part."),),
                dimensions=(Dimension("agency"), Dimension("inquiry_reference")),
            ),
        ),
        RecordKind(
            name="finding",
            agency_fields=("agencies",),
            model=ReviewFinding,
            key=lambda r: r.reference,
            valid_time=lambda r: ValidTime(r.date_identified),
            mode="append",
            description="What went well (a strength) or what would be even better, with its themes.",
            learning=findings_are_learning("appreciative-inquiry"),
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "appreciative-inquiry",
    cadence="P3M",
    description=(
        "The business unit's register of appreciative inquiries (focus, themes, dates, status, "
        "and how many staff of each agency took part) and what each found: what went well, to "
        "spread as good practice, and what would make practice even better."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
