"""Ofsted schools inspections: one record per inspection, graded 1-4 (to 9 November 2025) or by report card.

The layout is the business unit's copy of Ofsted's schools management information for
the partnership's area, one row per inspection (docs/sources/ofsted-schools.md). The
framework an inspection was carried out under is decided by its start date: from
10 November 2025 Ofsted reports on report-card areas (exceptional ... urgent improvement,
safeguarding met / not met); before, it graded 1-4 (safeguarding effective yes / no).
A grade in a column that belongs to the other framework is rejected, not dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from ingestors._fields import blank, parse_date, text
from ingestors._vocabulary import (
    OFSTED_FOUR_POINT,
    REPORT_CARD,
    REPORT_CARDS_FROM,
    SAFEGUARDING_EFFECTIVE,
    SAFEGUARDING_MET,
    Scale,
)
from lif_core.plugins import (
    Columns,
    Emit,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)

__all__ = ["SAMPLES", "SOURCE", "SchoolInspection", "map_row", "register_sources"]

EIF = "eif-2019"
RC = "report-card"
SCALES: dict[str, Scale] = {EIF: OFSTED_FOUR_POINT, RC: REPORT_CARD}
SAFEGUARDING_SCALES: dict[str, Scale] = {EIF: SAFEGUARDING_EFFECTIVE, RC: SAFEGUARDING_MET}

START = "Inspection start date"
SAFEGUARDING = "Safeguarding"


@dataclass(frozen=True, slots=True)
class Judgement:
    """One graded area: its record field, its column, the framework that grades it (None: both)."""

    field: str
    column: str
    framework: str | None
    description: str
    spellings: tuple[str, ...] = ()


JUDGEMENTS = (
    Judgement(
        "overall_effectiveness",
        "Overall effectiveness",
        EIF,
        "Overall effectiveness (1-4 grades only).",
    ),
    Judgement(
        "quality_of_education",
        "Quality of education",
        EIF,
        "Quality of education (1-4 grades only).",
    ),
    Judgement(
        "behaviour_and_attitudes",
        "Behaviour and attitudes",
        EIF,
        "Behaviour and attitudes (1-4 grades only).",
    ),
    Judgement(
        "personal_development",
        "Personal development",
        EIF,
        "Personal development (1-4 grades only).",
    ),
    Judgement(
        "leadership_and_management",
        "Leadership and management",
        EIF,
        "Effectiveness of leadership and management (1-4 grades only).",
        ("Effectiveness of leadership and management",),
    ),
    Judgement("inclusion", "Inclusion", RC, "Inclusion (report cards only)."),
    Judgement(
        "curriculum_and_teaching",
        "Curriculum and teaching",
        RC,
        "Curriculum and teaching (report cards only).",
    ),
    Judgement("achievement", "Achievement", RC, "Achievement (report cards only)."),
    Judgement(
        "attendance_and_behaviour",
        "Attendance and behaviour",
        RC,
        "Attendance and behaviour (report cards only).",
    ),
    Judgement(
        "personal_development_and_wellbeing",
        "Personal development and well-being",
        RC,
        "Personal development and well-being (report cards only).",
        ("Personal development and wellbeing",),
    ),
    Judgement(
        "leadership_and_governance",
        "Leadership and governance",
        RC,
        "Leadership and governance (report cards only).",
    ),
    Judgement(
        "early_years",
        "Early years",
        None,
        "Early years provision, where the school has it (either framework's scale).",
        ("Early years provision", "Early years provision (where applicable)"),
    ),
    Judgement(
        "sixth_form",
        "Sixth form",
        None,
        "Sixth form provision, where the school has it (either framework's scale).",
        ("Sixth form provision", "Sixth form provision (where applicable)", "Post-16"),
    ),
)


class _InspectionFacts(BaseModel):
    urn: str = Field(
        pattern=r"^\d{6,7}$", description="The school's unique reference number (URN)."
    )
    laestab: str = Field(
        pattern=r"^\d{7}$",
        description="Local authority code (3 digits) and establishment number (4 digits).",
    )
    school_name: str = Field(min_length=1, description="The school's name as Ofsted publishes it.")
    phase: str | None = Field(None, description="Ofsted phase (Primary, Secondary, Special, ...).")
    local_authority: str | None = Field(None, description="The local authority the school is in.")
    inspection_number: str = Field(pattern=r"^\d{6,10}$", description="Ofsted's inspection number.")
    inspection_type: str = Field(
        min_length=1, description="Inspection type as published (graded, ungraded, ...)."
    )
    inspection_start_date: date = Field(description="First day of the inspection.")
    publication_date: date | None = Field(
        None, description="Day the report was published; blank until then."
    )
    framework: Literal["eif-2019", "report-card"] = Field(
        description="Framework the inspection was carried out under, from its start date: "
        "'eif-2019' (1-4 grades) before 10 November 2025, 'report-card' from then."
    )
    safeguarding_effective: bool | None = Field(
        None,
        description="True when safeguarding was judged effective (1-4 grades: 'Yes') or met "
        "(report cards: 'Met'); False for 'No' / 'Not met'; blank when not judged.",
    )
    safeguarding_as_published: str | None = Field(
        None, description="The safeguarding answer as written."
    )


def _judgement_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for j in JUDGEMENTS:
        fields[j.field] = (
            str | None,
            Field(None, description=f"{j.description} Normalised grade; blank when not graded."),
        )
        fields[f"{j.field}_as_published"] = (
            str | None,
            Field(None, description=f"The '{j.column}' grade as written in the source."),
        )
    return fields


SchoolInspection = create_model(
    "SchoolInspection",
    __base__=_InspectionFacts,
    __doc__="One Ofsted inspection of a school, with the grades of its framework.",
    **_judgement_fields(),
)


def _misplaced(column: str, raw: Any, framework: str, start: date) -> RecordError:
    begun = REPORT_CARDS_FROM.isoformat()
    if framework == EIF:
        what, when = "a report-card grade", f"before report cards began on {begun}"
    else:
        what, when = "a 1-4 grade", f"after report cards replaced 1-4 grades on {begun}"
    return RecordError(
        f"{text(raw)!r} is {what}, but the inspection started on {start.isoformat()}, {when}: "
        "check the start date, or move the grade to the right column",
        column=column,
        value=raw,
    )


def _read_judgements(values: dict[str, Any], framework: str, start: date) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for j in JUDGEMENTS:
        raw = values.get(j.column)
        if j.framework not in (None, framework):
            if not blank(raw):
                raise _misplaced(j.column, raw, framework, start)
            reading = None
        else:
            reading = SCALES[framework].read(raw, j.column)
        out[j.field] = reading.value if reading else None
        out[f"{j.field}_as_published"] = reading.as_published if reading else None
    return out


def map_row(row: Row) -> Iterator[Emit]:
    """One inspection row -> one ``inspection`` record."""
    values = dict(row.values)
    start = parse_date(values.get(START), START)
    if start is None:
        raise RecordError(
            "the start date is blank: it decides the framework and the valid time", column=START
        )
    framework = RC if start >= REPORT_CARDS_FROM else EIF
    published = parse_date(values.get("Publication date"), "Publication date")
    if published is not None and published < start:
        raise RecordError(
            f"published on {published.isoformat()}, before the inspection started ({start.isoformat()})",
            column="Publication date",
            value=values.get("Publication date"),
        )
    safeguarding = SAFEGUARDING_SCALES[framework].read(values.get(SAFEGUARDING), SAFEGUARDING)
    fields: dict[str, Any] = {
        "urn": text(values.get("URN")),
        "laestab": text(values.get("LAESTAB")),
        "school_name": text(values.get("School name")),
        "phase": text(values.get("Ofsted phase")),
        "local_authority": text(values.get("Local authority")),
        "inspection_number": text(values.get("Inspection number")),
        "inspection_type": text(values.get("Inspection type")),
        "inspection_start_date": start,
        "publication_date": published,
        "framework": framework,
        "safeguarding_effective": None if safeguarding is None else safeguarding.rank == 1,
        "safeguarding_as_published": safeguarding.as_published if safeguarding else None,
        **_read_judgements(values, framework, start),
    }
    yield Emit("inspection", fields)


COLUMNS = Columns(
    variants={
        "URN": ("School URN",),
        "LAESTAB": ("LA ESTAB", "DfE number"),
        "School name": ("School",),
        "Ofsted phase": ("Phase",),
        "Local authority": ("LA",),
        "Inspection number": ("Inspection ID",),
        "Inspection type": (),
        START: ("Start date", "First day of inspection"),
        "Publication date": ("Report publication date",),
        SAFEGUARDING: ("Safeguarding is effective?", "Safeguarding met?"),
        **{j.column: j.spellings for j in JUDGEMENTS},
    },
    required=("URN", "LAESTAB", "School name", "Inspection number", "Inspection type", START),
)

SAMPLES = Path(__file__).parent / "samples" / "ofsted-schools"

SOURCE = Source(
    name="ofsted-schools",
    title="Ofsted schools inspections",
    provider="Ofsted",
    kinds=(
        RecordKind(
            name="inspection",
            model=SchoolInspection,
            key=lambda r: f"{r.urn}/{r.inspection_number}",
            valid_time=lambda r: ValidTime(r.inspection_start_date),
            mode="append",
            description="One inspection of a school in the area: dates, type and grades.",
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=SAMPLES,
    cadence="P1M",
    description=(
        "Ofsted inspections of the area's schools, from the monthly management information: "
        "1-4 grades for inspections before 10 November 2025, report-card areas from then."
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SOURCE)
