"""Ofsted inspections of local authority children's services (ILACS): one record per inspection.

The input is the scraped history (data-to-insight's ofsted-ilacs-scrape-tool), one row per
published inspection report. The scraper writes its own codes where it could not read a
judgement; each is decided below (:data:`MISSING_REASONS`) and in docs/sources/ofsted-ilacs.md:
a judgement the report does not give is kept as missing with its reason, a value that is
neither a grade nor a known reason (a sentence fragment such as "to requires improvement")
rejects the row. ``inspector_name`` is never read, not even into a rejected row's raw copy
(``ignore_columns``): we keep no names of people.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from ingestors._fields import parse_date, text
from ingestors._vocabulary import OFSTED_ILACS, one_of
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

__all__ = ["JUDGEMENTS", "MISSING_REASONS", "SOURCE", "register_sources"]

# Judgement field -> the scraper's column.
JUDGEMENTS = {
    "overall_effectiveness": "overall_effectiveness_grade",
    "impact_of_leaders": "impact_of_leaders_grade",
    "help_and_protection": "help_and_protection_grade",
    "children_in_care": "in_care_grade",
    "care_leavers": "care_leavers_grade",
}

# Overall effectiveness is no longer judged for inspections from April 2026; care leavers
# became a separate ILACS judgement in January 2023.
REFORM_2026 = date(2026, 4, 1)
CARE_LEAVERS_JUDGED_FROM = date(2023, 1, 1)

MissingReason = Literal[
    "blank", "data_unreadable", "inspection_pre_dates_judgement", "not_reported_post_reform"
]
MISSING_REASONS: dict[str, str] = {
    "blank": "the scraper left the cell empty (mostly pre-2018 SIF reports it does not parse)",
    "data_unreadable": "the scraper could not read the judgement from the report PDF",
    "inspection_pre_dates_judgement": "the inspection predates the separate care leavers judgement (January 2023)",
    "not_reported_post_reform": "overall effectiveness is not judged from April 2026",
}

COLUMNS = Columns(
    variants={
        "urn": ("urn",),
        "local_authority": ("local_authority",),
        "inspection_link": ("inspection_link",),
        "publication_date": ("publication_date",),
        "inspection_framework": ("inspection_framework",),
        "inspection_start_date": ("inspection_start_date",),
        "inspection_end_date": ("inspection_end_date",),
        "parser_version": ("parser_version",),
        **{column: (column,) for column in JUDGEMENTS.values()},
    },
    required=("urn", "local_authority", "publication_date"),
)

_FRAMEWORKS = {"standard": "standard", "short": "short"}
GRADE = one_of(OFSTED_ILACS)


class _InspectionFacts(BaseModel):
    la_urn: str = Field(
        pattern=r"^\d{5,8}$", description="Ofsted URN of the local authority's children's services"
    )
    local_authority: str = Field(
        description="Local authority name as the scraper wrote it (lower case)"
    )
    publication_date: date = Field(description="Date Ofsted published the inspection report")
    report_url: str | None = Field(description="Link to the report PDF on files.ofsted.gov.uk")
    framework: Literal["standard", "short"] | None = Field(
        description="ILACS standard or short inspection"
    )
    framework_wording: str | None = Field(
        description="The framework cell when it is neither 'standard' nor 'short' (kept, not guessed)"
    )
    inspection_start_date: date | None = Field(description="First day of the on-site inspection")
    inspection_end_date: date | None = Field(description="Last day of the on-site inspection")
    parser_version: str | None = Field(description="Version of the scraper that read the report")


def _judgement_fields() -> dict[str, Any]:
    labels = {
        "overall_effectiveness": "Overall effectiveness (dropped from April 2026)",
        "impact_of_leaders": "The impact of leaders on social work practice with children and families",
        "help_and_protection": "The experiences and progress of children who need help and protection",
        "children_in_care": "The experiences and progress of children in care",
        "care_leavers": "The experiences and progress of care leavers (separate judgement from January 2023)",
    }
    out: dict[str, Any] = {}
    for name, label in labels.items():
        out[name] = (GRADE | None, Field(description=f"{label}: grade on the common scale"))
        out[f"{name}_missing_reason"] = (
            MissingReason | None,
            Field(description=f"{label}: why there is no grade, when there is none"),
        )
    return out


InspectionRecord = create_model(
    "InspectionRecord",
    __base__=_InspectionFacts,
    __doc__="One inspection of a local authority's children's services and its judgements.",
    **_judgement_fields(),
)


def _judgement(name: str, column: str, value: Any, started: date) -> tuple[str | None, str | None]:
    """(grade, missing reason) for one judgement cell, or RecordError for a value we refuse."""
    code = text(value)
    if code is None:
        return None, "blank"
    if code == "data_unreadable":
        return None, code
    if code == "inspection_pre_dates_judgement":
        if name != "care_leavers" or started >= CARE_LEAVERS_JUDGED_FROM:
            raise RecordError(
                f"{code!r}, but only the care leavers judgement of an "
                f"inspection before {CARE_LEAVERS_JUDGED_FROM:%B %Y} can predate its judgement",
                column=column,
                value=code,
            )
        return None, code
    if code == "not_reported_post_reform":
        if name != "overall_effectiveness" or started < REFORM_2026:
            raise RecordError(
                f"{code!r}, but only overall effectiveness is dropped, and "
                f"only for inspections from {REFORM_2026:%B %Y}",
                column=column,
                value=code,
            )
        return None, code
    if code.casefold().startswith("to ") and OFSTED_ILACS.knows(code[3:]):
        raise RecordError(
            f"{code!r} is a fragment of a sentence ('improved from ... to ...'), not a grade: "
            "the scraper read the report's prose; check the report and correct the row",
            column=column,
            value=code,
        )
    return OFSTED_ILACS.value_of(code, column), None


def map_row(row: Row) -> Iterator[Emit]:
    values = row.values
    published = parse_date(values.get("publication_date"), "publication_date")
    start = parse_date(values.get("inspection_start_date"), "inspection_start_date")
    end = parse_date(values.get("inspection_end_date"), "inspection_end_date")
    if published is None:
        raise RecordError("the publication date is blank", column="publication_date")
    if start and end and end < start:
        raise RecordError(
            f"the inspection ends ({end}) before it starts ({start})", column="inspection_end_date"
        )
    last_day = end or start
    if last_day and published < last_day:
        raise RecordError(
            f"the report is published ({published}) before the inspection ended ({last_day})",
            column="publication_date",
        )
    wording = text(values.get("inspection_framework"))
    framework = _FRAMEWORKS.get(wording.casefold()) if wording else None
    fields: dict[str, Any] = {
        "la_urn": text(values.get("urn")),
        "local_authority": text(values.get("local_authority")),
        "publication_date": published,
        "report_url": text(values.get("inspection_link")),
        "framework": framework,
        "framework_wording": wording if framework is None else None,
        "inspection_start_date": start,
        "inspection_end_date": end,
        "parser_version": text(values.get("parser_version")),
    }
    started = start or end or published
    for name, column in JUDGEMENTS.items():
        fields[name], fields[f"{name}_missing_reason"] = _judgement(
            name, column, values.get(column), started
        )
    yield Emit("inspection", fields)


def inspection_key(record: Any) -> str:
    """LA URN + end date; the start date, or failing both the publication date, when blank."""
    if record.inspection_end_date:
        return f"{record.la_urn}/end/{record.inspection_end_date.isoformat()}"
    if record.inspection_start_date:
        return f"{record.la_urn}/start/{record.inspection_start_date.isoformat()}"
    return f"{record.la_urn}/published/{record.publication_date.isoformat()}"


def inspection_time(record: Any) -> ValidTime:
    """The on-site fortnight (or week); the publication day when the dates were not read."""
    start = record.inspection_start_date or record.inspection_end_date
    if start is None:
        return ValidTime(record.publication_date)
    return ValidTime(start, record.inspection_end_date or start)


_JUDGEMENTS = (
    "overall_effectiveness",
    "impact_of_leaders",
    "help_and_protection",
    "children_in_care",
    "care_leavers",
)


def _concerns(attributes: Any) -> dict[str, str]:
    """The judgements that are inadequate or requires improvement, by name."""
    grades = {j: grade_slug(attributes.get(j)) for j in _JUDGEMENTS}
    return {j: g for j, g in grades.items() if g in ("inadequate", "requires-improvement")}


SOURCE = Source(
    name="ofsted-ilacs",
    title="Ofsted inspections of local authority children's services (ILACS)",
    provider="Ofsted",
    kinds=(
        RecordKind(
            name="inspection",
            model=InspectionRecord,
            key=inspection_key,
            valid_time=inspection_time,
            mode="append",
            description="One published inspection of a local authority's children's services.",
            findings=(
                Finding(
                    rule="ilacs-concern",
                    applies=lambda a: bool(_concerns(a)),
                    text=lambda a: (
                        f"Children's services inspection ending {a.get('inspection_end_date')}: "
                        + ", ".join(f"{k.replace('_', ' ')}: {g}" for k, g in _concerns(a).items())
                    ),
                    severity=lambda a: (
                        "inadequate"
                        if "inadequate" in _concerns(a).values()
                        else "requires-improvement"
                    ),
                    dated="inspection_end_date",
                    area="local_authority",
                ),
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv",), columns=COLUMNS, ignore_columns=("inspector_name",)),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "ofsted-ilacs",
    cadence="P3Y",
    description=(
        "Judgements from every published ILACS (and earlier SIF) report per English local "
        "authority, scraped from the report PDFs: impact of leaders, help and protection, "
        "children in care, care leavers and, until April 2026, overall effectiveness."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
