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
    audit_loop,
    audit_valid_time,
)
from lif_core.plugins import (
    Columns,
    Emit,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    hookimpl,
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
            agency_fields=("agency",),
            model=SingleAgencyAuditArea,
            # Agencies number their audits independently: the agency is part of the key.
            key=lambda r: f"{r.agency}|{r.audit_reference}|{r.area}",
            valid_time=audit_valid_time,
            mode="snapshot",
            snapshot_scope=lambda r: f"{r.agency}|{r.audit_reference}",
            description="An area of practice one agency's audit graded, with findings and actions.",
            **audit_loop("agency"),
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
