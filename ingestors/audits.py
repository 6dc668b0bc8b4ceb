"""Source plugin for multi-agency case audits, and the audit layout single-agency audits share.

One row per audit and area: the audit (reference, title, theme, date, cases audited), an area
of practice it graded (Outstanding / Good / Requires improvement / Inadequate), what it found
and the actions agreed. ``audits_single`` builds the single-agency source from the same parts.
Layout and rules: docs/sources/multi-agency-audits.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import parse_date, parse_int, text
from ingestors._suppression import split_list
from ingestors._vocabulary import AUDIT_GRADE
from lif_core.plugins import (
    ActionDeclaration,
    Columns,
    Dimension,
    Emit,
    Finding,
    InputOptions,
    Measurable,
    MeasureDeclaration,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
    slug,
)
from lif_core.plugins.loop import Pick

__all__ = [
    "AUDIT_REQUIRED",
    "KIND",
    "SAMPLES",
    "SOURCE",
    "AuditArea",
    "MultiAgencyAuditArea",
    "audit_columns",
    "audit_fields",
    "audit_loop",
    "audit_valid_time",
    "register_sources",
]

SAMPLES = Path(__file__).resolve().parent / "samples"
KIND = "audit-area"

# Practice graded below good must say what will be done about it.
_NEEDS_ACTIONS = frozenset({"requires-improvement", "inadequate"})


class AuditArea(BaseModel):
    """An area of practice one audit graded, with what it found and the actions agreed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    audit_reference: str = Field(
        description="The audit's reference in the audit programme, e.g. 'MACA-2024-03'."
    )
    audit_title: str | None = Field(
        default=None, description="The audit's title as the programme names it."
    )
    programme: str | None = Field(
        default=None, description="The audit programme the audit belongs to."
    )
    theme: str = Field(
        description="The practice theme audited, e.g. 'Neglect' or 'Domestic abuse'."
    )
    audit_date: date = Field(
        description="The day the audit was completed (the panel or moderation date)."
    )
    cases_audited: int = Field(ge=1, description="Number of cases the audit looked at.")
    area: str = Field(
        description="The area of practice graded, e.g. 'Voice of the child'; 'Overall' for the audit's overall grade."
    )
    grade: str = Field(
        description="Normalised grade: outstanding, good, requires-improvement or inadequate."
    )
    findings: str | None = Field(default=None, description="What the audit found in this area.")
    actions: str | None = Field(
        default=None, description="The actions agreed for this area (required below Good)."
    )


class MultiAgencyAuditArea(AuditArea):
    """An area of practice one multi-agency audit graded."""

    agencies: list[str] = Field(
        default_factory=list,
        description="The agencies whose records were audited (from the ';'-separated cell).",
    )


def audit_columns(**extra: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Canonical name -> header spellings of the shared audit columns (plus ``extra``)."""
    return {
        "audit_reference": ("Audit reference", "Audit ref", "Reference"),
        "audit_title": ("Audit title", "Title"),
        "programme": ("Programme", "Audit programme"),
        "theme": ("Theme",),
        "audit_date": ("Audit date", "Date"),
        "cases_audited": ("Cases audited", "Number of cases"),
        "area": ("Area", "Area of practice"),
        "grade": ("Grade", "Judgement"),
        "findings": ("Findings", "Key findings"),
        "actions": ("Actions", "Actions agreed"),
        **extra,
    }


AUDIT_REQUIRED = ("audit_reference", "theme", "audit_date", "cases_audited", "area", "grade")


def _required_text(cells: Any, name: str, column: str) -> str:
    value = text(cells.get(name))
    if value is None:
        raise RecordError(f"the {column.lower()} is blank", column=column)
    return value


def audit_fields(row: Row) -> dict[str, Any]:
    """The shared fields of one audit row, read and checked (column names as documented)."""
    cells = row.values
    grade = AUDIT_GRADE.require(cells.get("grade"), "Grade")
    actions = text(cells.get("actions"))
    if grade.value in _NEEDS_ACTIONS and actions is None:
        raise RecordError(
            f"an area graded {grade.as_published} needs the actions agreed for it",
            column="Actions",
        )
    cases = parse_int(cells.get("cases_audited"), "Cases audited")
    if cases is None or cases < 1:
        raise RecordError("an audit looks at one case or more", column="Cases audited", value=cases)
    audit_date = parse_date(cells.get("audit_date"), "Audit date")
    if audit_date is None:
        raise RecordError("the audit date is blank", column="Audit date")
    return {
        "audit_reference": _required_text(cells, "audit_reference", "Audit reference"),
        "audit_title": text(cells.get("audit_title")),
        "programme": text(cells.get("programme")),
        "theme": _required_text(cells, "theme", "Theme"),
        "audit_date": audit_date,
        "cases_audited": cases,
        "area": _required_text(cells, "area", "Area"),
        "grade": grade.value,
        "findings": text(cells.get("findings")),
        "actions": actions,
    }


def audit_valid_time(record: AuditArea) -> ValidTime:
    return ValidTime(record.audit_date)


def _map_row(row: Row) -> Iterator[Emit]:
    yield Emit(KIND, {**audit_fields(row), "agencies": split_list(row.values.get("agencies"))})


def audit_loop(owner: Pick) -> dict[str, Any]:
    """What an audit's area rows mean for the learning loop, for audits owned by ``owner``.

    Cases audited can be measured. An area graded requires improvement or inadequate is a
    finding; the actions the audit agreed for an area are an action (the programme states no
    due date or status).
    """
    return {
        "measures": MeasureDeclaration(
            values=(Measurable("cases_audited", aggregate="sum"),),
            dimensions=(Dimension("audit_reference"), Dimension("theme"), Dimension("area")),
        ),
        "findings": (
            Finding(
                rule="audit-concern",
                applies=lambda a: a.get("grade") in ("requires-improvement", "inadequate"),
                text=lambda a: (
                    f"{a['audit_reference']} {a['area']}: {a['grade']}"
                    + (f". {a['findings']}" if a.get("findings") else "")
                ),
                severity="grade",
                themes="theme",
                responds=owner,
                dated="audit_date",
            ),
        ),
        "actions": ActionDeclaration(
            reference=lambda a: f"{a['audit_reference']}-{slug(a['area'])}".upper(),
            description="actions",
            owner=owner,
            applies=lambda a: bool(a.get("actions")),
        ),
    }


SOURCE = Source(
    name="multi-agency-audits",
    title="Multi-agency case audits",
    provider="Leeds Safeguarding Children Partnership (multi-agency audit programme, all partners)",
    kinds=(
        RecordKind(
            name=KIND,
            agency_fields=("agencies",),
            model=MultiAgencyAuditArea,
            key=lambda r: f"{r.audit_reference}|{r.area}",
            valid_time=audit_valid_time,
            # A file holds every graded area of each audit in it: an area dropped from a
            # re-issued audit is withdrawn.
            mode="snapshot",
            snapshot_scope=lambda r: r.audit_reference,
            description="An area of practice a multi-agency audit graded, with findings and actions.",
            **audit_loop(lambda a: "; ".join(a.get("agencies") or []) or None),
        ),
    ),
    inputs=InputOptions(
        formats=("csv", "xlsx"),
        columns=Columns(
            variants=audit_columns(agencies=("Agencies involved", "Agencies")),
            required=AUDIT_REQUIRED,
        ),
    ),
    map_row=_map_row,
    samples=SAMPLES / "multi-agency-audits",
    cadence="P3M",
    description=(
        "The partnership's multi-agency case audits: each audit's theme and cases, a grade per "
        "area of practice (Outstanding, Good, Requires improvement, Inadequate), findings and "
        "the actions agreed. How well did we do it, and did re-audit show a difference?"
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SOURCE)
