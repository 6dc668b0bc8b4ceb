"""Source plugin for the secure settings annual report: children in secure care and custody in Leeds."""

from __future__ import annotations

from collections.abc import Callable

from ingestors.partner_reports._annual_metrics import (
    COUNT,
    PERCENT,
    AnnualReport,
    Dimension,
    Metric,
)
from lif_core.plugins import Source, hookimpl

__all__ = ["REPORT", "register_sources"]

SETTING = Dimension(
    field="setting",
    header="Setting",
    description="The secure setting in the partnership's area; None = both settings.",
    values={
        "Adel Beck Secure Children's Home": ("Adel Beck", "Adel Beck SCH"),
        "HMYOI Wetherby": ("Wetherby", "Wetherby YOI", "HM Young Offender Institution Wetherby"),
    },
)
INTERVENTION = Dimension(
    field="intervention",
    header="Intervention",
    header_variants=("Intervention type",),
    description="The kind of restrictive intervention; None = all kinds.",
    values={
        "Physical restraint": ("Restraint",),
        "Single separation": ("Separation",),
        "Pain-inducing technique": ("Pain inducing technique",),
    },
)

REPORT = AnnualReport(
    name="secure-settings",
    title="Secure settings annual report",
    provider=(
        "Leeds City Council Children and Families (Adel Beck Secure Children's Home) and "
        "HM Prison and Probation Service (HMYOI Wetherby)"
    ),
    description=(
        "Yearly safeguarding figures of the secure settings in Leeds: admissions and residents, "
        "restrictive interventions and injuries after them, self-harm, allegations against staff "
        "referred to the LADO, complaints by children and access to independent advocacy."
    ),
    dimensions=(SETTING, INTERVENTION),
    metrics=(
        Metric("SEC-ADMIT", "Children admitted", COUNT, ("setting",)),
        Metric("SEC-POP", "Children resident at 31 March", COUNT, ("setting",)),
        Metric("SEC-RPI", "Restrictive interventions used", COUNT, ("setting", "intervention")),
        Metric(
            "SEC-RPI-INJURY",
            "Injuries to a child needing medical treatment after a restrictive intervention",
            COUNT,
            ("setting",),
        ),
        Metric("SEC-SELFHARM", "Incidents of self-harm", COUNT, ("setting",)),
        Metric("SEC-LADO", "Allegations against staff referred to the LADO", COUNT, ("setting",)),
        Metric("SEC-COMPLAINT", "Complaints made by children", COUNT, ("setting",)),
        Metric("SEC-ADVOCACY", "Children who saw an independent advocate", PERCENT, ("setting",)),
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(REPORT.source())
