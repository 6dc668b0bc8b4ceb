"""Source plugin for the child protection conference annual report: timeliness, plans, categories."""

from __future__ import annotations

from collections.abc import Callable

from ingestors.partner_reports._annual_metrics import (
    COUNT,
    PERCENT,
    RATE_PER_10K,
    AnnualReport,
    Dimension,
    Metric,
)
from lif_core.plugins import Source, hookimpl

__all__ = ["REPORT", "register_sources"]

CATEGORY_OF_ABUSE = Dimension(
    field="category_of_abuse",
    header="Category of abuse",
    header_variants=("Category",),
    description="The initial category of abuse of the child protection plan; None = all categories.",
    values={
        "Neglect": (),
        "Physical abuse": ("Physical",),
        "Sexual abuse": ("Sexual",),
        "Emotional abuse": ("Emotional",),
        "Multiple": ("Multiple categories",),
    },
)
AGE_GROUP = Dimension(
    field="age_group",
    header="Age group",
    description="The child's age band (DfE bands); None = all ages.",
    values={
        "Unborn": (),
        "Under 1": (),
        "1 to 4": ("1-4",),
        "5 to 9": ("5-9",),
        "10 to 15": ("10-15",),
        "16 and over": ("16+", "16 and 17"),
    },
)

REPORT = AnnualReport(
    name="cp-conference",
    title="Child protection conference annual report",
    provider="Leeds City Council Children and Families (Child Protection Conference service)",
    description=(
        "The conference service's yearly figures: initial conferences and whether they were held "
        "within 15 working days of the strategy discussion, review conferences on time, children "
        "on plans by category of abuse and age, repeat plans and long plans."
    ),
    dimensions=(CATEGORY_OF_ABUSE, AGE_GROUP),
    metrics=(
        Metric("ICPC", "Initial child protection conferences held", COUNT),
        Metric(
            "ICPC-15WD",
            "Initial conferences held within 15 working days of the strategy discussion",
            PERCENT,
        ),
        Metric(
            "ICPC-PLAN", "Initial conferences that resulted in a child protection plan", PERCENT
        ),
        Metric("RCPC", "Review child protection conferences held", COUNT),
        Metric("RCPC-TIME", "Review conferences held within timescale", PERCENT),
        Metric(
            "CPP-START",
            "Children who became the subject of a child protection plan",
            COUNT,
            ("category_of_abuse", "age_group"),
        ),
        Metric("CPP-REPEAT", "Plans started for a second or subsequent time", PERCENT),
        Metric(
            "CPP-REPEAT-2Y", "Plans started within two years of a previous plan ending", PERCENT
        ),
        Metric(
            "CPP-31MAR",
            "Children subject of a child protection plan at 31 March",
            COUNT,
            ("category_of_abuse", "age_group"),
        ),
        Metric(
            "CPP-RATE",
            "Children subject of a plan at 31 March per 10,000 children under 18",
            RATE_PER_10K,
        ),
        Metric("CPP-2YR-END", "Plans ended in the year that had lasted two years or more", PERCENT),
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(REPORT.source())
