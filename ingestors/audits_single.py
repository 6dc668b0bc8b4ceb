"""Source plugin for single-agency audits: the multi-agency audit layout with the auditing agency."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pydantic import Field

from ingestors._fields import text
from ingestors.audits import (
    AUDIT_REQUIRED,
    KIND,
    SAMPLES,
    AuditArea,
    audit_columns,
    audit_fields,
    audit_valid_time,
)
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
    hookimpl,
    slug,
)

__all__ = ["SOURCE", "SingleAgencyAuditArea", "register_sources"]


class SingleAgencyAuditArea(AuditArea):
    """An area of practice one agency's own audit graded."""

    agency: str = Field(
        description="The agency that audited its own practice, e.g. 'Leeds Teaching Hospitals NHS Trust'."
    )


def _map_row(row: Row) -> Iterator[Emit]:
    agency = text(row.values.get("agency"))
    if agency is None:
        raise RecordError("the agency is blank: say whose audit this is", column="Agency")
    yield Emit(KIND, {**audit_fields(row), "agency": agency})


SOURCE = Source(
    name="single-agency-audits",
    title="Single-agency audits",
    provider="Partner agencies (reported to the Leeds Safeguarding Children Partnership)",
    kinds=(
        RecordKind(
            name=KIND,
            model=SingleAgencyAuditArea,
            # Agencies number their audits independently: the agency is part of the key.
            key=lambda r: f"{r.agency}|{r.audit_reference}|{r.area}",
            valid_time=audit_valid_time,
            mode="snapshot",
            snapshot_scope=lambda r: f"{r.agency}|{r.audit_reference}",
            description="An area of practice one agency's audit graded, with findings and actions.",
            measures=MeasureDeclaration(
                values=(Measurable("cases_audited", aggregate="sum"),),
                dimensions=(Dimension("audit_reference"), Dimension("theme"), Dimension("area")),
            ),
            # An area graded requires improvement or inadequate is a finding; the actions the
            # audit agreed for an area are an action (no due date or status in the programme).
            findings=(
                Finding(
                    rule="audit-concern",
                    applies=lambda a: a.get("grade") in ("requires-improvement", "inadequate"),
                    text=lambda a: (
                        f"{a['audit_reference']} {a['area']}: {a['grade']}"
                        + (f". {a['findings']}" if a.get("findings") else "")
                    ),
                    severity="grade",
                    themes="theme",
                    responds="agency",
                    dated="audit_date",
                ),
            ),
            actions=ActionDeclaration(
                reference=lambda a: f"{a['audit_reference']}-{slug(a['area'])}".upper(),
                description="actions",
                owner="agency",
                applies=lambda a: bool(a.get("actions")),
            ),
        ),
    ),
    inputs=InputOptions(
        formats=("csv", "xlsx"),
        columns=Columns(
            variants=audit_columns(agency=("Agency", "Auditing agency")),
            required=(*AUDIT_REQUIRED, "agency"),
        ),
    ),
    map_row=_map_row,
    samples=SAMPLES / "single-agency-audits",
    cadence="P3M",
    description=(
        "Audits partner agencies run of their own safeguarding practice and report to the "
        "partnership: the agency, theme, cases audited, a grade per area of practice, findings "
        "and actions."
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SOURCE)
