"""Source plugin for the MALAP annual report: outcomes for children looked after and care leavers."""

from __future__ import annotations

from collections.abc import Callable

from ingestors.partner_reports._annual_metrics import (
    AVERAGE,
    COUNT,
    PERCENT,
    AnnualReport,
    Dimension,
    Metric,
)
from lif_core.plugins import Source, hookimpl

__all__ = ["REPORT", "register_sources"]

PLACEMENT = Dimension(
    field="placement",
    header="Placement",
    header_variants=("Placement type",),
    description="Where the child looked after lives; None = all placements.",
    values={
        "Foster care": ("Foster placement", "Fostering"),
        "Placed with parents": (),
        "Placed for adoption": (),
        "Children's home": ("Residential", "Residential care"),
        "Supported accommodation": ("Semi-independent living", "Independent living"),
        "Other": (),
    },
)
AGE_GROUP = Dimension(
    field="age_group",
    header="Age group",
    description="Age band: DfE bands for children looked after, 17 to 18 and 19 to 21 for care leavers; None = all ages.",
    values={
        "Under 1": (),
        "1 to 4": ("1-4",),
        "5 to 9": ("5-9",),
        "10 to 15": ("10-15",),
        "16 and over": ("16+",),
        "17 to 18": ("17-18",),
        "19 to 21": ("19-21",),
    },
)

REPORT = AnnualReport(
    name="malap",
    title="MALAP (Multi-Agency Looked After Partnership) annual report",
    provider="Leeds City Council Children and Families for the Multi-Agency Looked After Partnership",
    description=(
        "The Multi-Agency Looked After Partnership's yearly figures on children looked after and "
        "care leavers: numbers by placement and age, health and dental checks, emotional "
        "wellbeing (SDQ), personal education plans, missing episodes, placement stability, and "
        "care leavers' education, employment, training and accommodation."
    ),
    dimensions=(PLACEMENT, AGE_GROUP),
    metrics=(
        Metric("MALAP-CLA", "Children looked after at 31 March", COUNT, ("placement", "age_group")),
        Metric(
            "MALAP-HEALTH", "Children looked after with an up-to-date health assessment", PERCENT
        ),
        Metric("MALAP-DENTAL", "Children looked after with an up-to-date dental check", PERCENT),
        Metric("MALAP-SDQ", "Average Strengths and Difficulties Questionnaire score", AVERAGE),
        Metric(
            "MALAP-PEP",
            "Children of school age with an up-to-date personal education plan",
            PERCENT,
        ),
        Metric("MALAP-MISSING", "Children looked after who went missing in the year", COUNT),
        Metric(
            "MALAP-PLACE3",
            "Children looked after with three or more placements in the year",
            PERCENT,
        ),
        Metric(
            "MALAP-CL-EET",
            "Care leavers in education, employment or training",
            PERCENT,
            ("age_group",),
        ),
        Metric("MALAP-CL-ACCOM", "Care leavers in suitable accommodation", PERCENT, ("age_group",)),
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(REPORT.source())
