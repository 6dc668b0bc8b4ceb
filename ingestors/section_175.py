"""Source plugin for Section 175 self-assessments: schools rate themselves against the safeguarding standards.

Section 175 of the Education Act 2002 is the schools' counterpart of Section 11. Same layout
(``section_11`` holds it), keyed by the school's URN and the academic year (September to
August). Layout and rules: docs/sources/section-175.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from pydantic import Field

from ingestors._fields import parse_period, period_shape, text
from ingestors.section_11 import (
    KIND,
    RATING_COLUMNS,
    SAMPLES,
    RatedStandard,
    Standards,
    rating_fields,
    required_text,
    standard_actions,
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
    slug,
)

__all__ = ["SOURCE", "STANDARDS", "Section175Rating", "academic_year", "register_sources"]

STANDARDS = Standards(
    "section 175 standard",
    (
        ("Leadership and management", ("Senior commitment", "Governance")),
        ("Designated safeguarding lead", ("DSL",)),
        ("Policies and procedures", ("Safeguarding policy",)),
        ("Safer recruitment", ("Single central record",)),
        ("Training and induction", ("Training",)),
        ("Children's views", ("Pupil voice", "Voice of the child")),
        ("Teaching about safeguarding", ("Curriculum",)),
        ("Online safety", ("Filtering and monitoring",)),
        ("Inter-agency working", ("Multi-agency working", "Early help")),
        ("Information sharing and records", ("Information sharing", "Records")),
        ("Allegations about staff", ("Managing allegations", "Low-level concerns")),
    ),
)
_URN = re.compile(r"^\d{6}$")


class Section175Rating(RatedStandard):
    """One standard of one school's Section 175 return."""

    school: str = Field(description="The school's name as it gave it.")
    urn: str = Field(
        description="The school's unique reference number (six digits), joining it to Ofsted data."
    )
    academic_year: str = Field(
        description="The academic year of the return, September to August, e.g. '2024/25'."
    )


def academic_year(value: Any, column: str) -> tuple[str, ValidTime]:
    """('2024/25', 1 September 2024 - 31 August 2025) from '2024/25', '2024-25' or '2024/2025'.

    ``parse_period`` reads the two years; it knows only April-March years, so the months
    are set here.
    """
    try:
        shape, _ = period_shape(parse_period(value, column))
    except RecordError:
        shape = None
    if shape != "financial year":
        raise RecordError(
            f"{value!r} is not an academic year like 2024/25", column=column, value=value
        )
    start = parse_period(value, column).valid_from.year
    return f"{start}/{(start + 1) % 100:02d}", ValidTime(date(start, 9, 1), date(start + 1, 8, 31))


def _urn(value: Any) -> str:
    urn = text(value)
    if urn is None:
        raise RecordError(
            "the URN is blank: give the school's six-digit unique reference number", column="URN"
        )
    if not _URN.match(urn):
        raise RecordError(f"{urn!r} is not a URN (six digits)", column="URN", value=urn)
    return urn


def _map_row(row: Row) -> Iterator[Emit]:
    cells = row.values
    year, _ = academic_year(cells.get("academic_year"), "Academic year")
    yield Emit(
        KIND,
        {
            "school": required_text(cells.get("school"), "School"),
            "urn": _urn(cells.get("urn")),
            "academic_year": year,
            **rating_fields(row, STANDARDS),
        },
    )


SOURCE = Source(
    name="section-175",
    title="Section 175 self-assessments",
    provider="Schools and colleges (Education Act 2002, section 175)",
    kinds=(
        RecordKind(
            name=KIND,
            agency_fields=("school",),
            model=Section175Rating,
            key=lambda r: f"{r.academic_year}|{r.urn}|{r.standard_number}",
            valid_time=lambda r: academic_year(r.academic_year, "Academic year")[1],
            mode="snapshot",
            snapshot_scope=lambda r: f"{r.academic_year}|{r.urn}",
            description="One standard of one school's Section 175 return: its RAG rating, evidence and actions.",
            actions=standard_actions(
                lambda a: f"S175-{slug(a['academic_year'])}-{a['urn']}-{a['standard_number']}",
                owner="school",
            ),
        ),
    ),
    inputs=InputOptions(
        formats=("csv", "xlsx"),
        columns=Columns(
            variants={
                "school": ("School", "School name"),
                "urn": ("URN",),
                "academic_year": ("Academic year", "Year"),
                **RATING_COLUMNS,
            },
            required=("school", "urn", "academic_year", "standard", "rag"),
        ),
    ),
    map_row=_map_row,
    samples=SAMPLES / "section-175",
    cadence="P1Y",
    description=(
        "Schools' annual Section 175 safeguarding self-assessments: each school rates itself "
        "Red, Amber or Green (Grey = not applicable) against the partnership's standards for "
        "schools (leadership, the designated safeguarding lead, policies, safer recruitment, "
        "training, children's views, teaching, online safety, inter-agency working, records, "
        "allegations), with its evidence and actions."
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SOURCE)
