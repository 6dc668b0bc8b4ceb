"""Source plugin for the children's social work service annual report: the front door to children in need."""

from __future__ import annotations

from collections.abc import Callable

from ingestors.partner_reports._annual_metrics import (
    AVERAGE,
    COUNT,
    PERCENT,
    RATE_PER_10K,
    AnnualReport,
    Dimension,
    Metric,
)
from lif_core.plugins import Source, hookimpl

__all__ = ["REPORT", "register_sources"]

REFERRAL_SOURCE = Dimension(
    field="referral_source",
    header="Referral source",
    header_variants=("Source",),
    description="Who made the contact or referral (children in need census categories); None = all sources.",
    values={
        "Individual": (),
        "Schools": ("Education",),
        "Health services": ("Health",),
        "Housing": (),
        "LA services": ("Local authority services",),
        "Police": (),
        "Other legal agency": (),
        "Other": (),
        "Anonymous": (),
        "Unknown": (),
    },
)
FACTOR = Dimension(
    field="factor",
    header="Factor",
    header_variants=("Factor identified at assessment",),
    description="A factor identified at the end of an assessment; None = all assessments.",
    values={
        "Domestic abuse": ("Domestic violence",),
        "Parental mental health": ("Mental health",),
        "Parental alcohol misuse": ("Alcohol misuse",),
        "Parental drug misuse": ("Drug misuse",),
        "Neglect": (),
        "Emotional abuse": (),
        "Physical abuse": (),
        "Sexual abuse": (),
        "Child sexual exploitation": ("CSE",),
        "Child criminal exploitation": ("CCE",),
        "Going missing": ("Missing",),
        "Other": (),
    },
)

REPORT = AnnualReport(
    name="csws",
    title="Children's social work service annual report",
    provider="Leeds City Council Children and Families (Children's Social Work Service)",
    description=(
        "The children's social work service's yearly figures: contacts and referrals by source, "
        "re-referrals, assessments and their timeliness, factors identified at assessment, "
        "section 47 enquiries, children in need, children looked after and caseloads."
    ),
    dimensions=(REFERRAL_SOURCE, FACTOR),
    metrics=(
        Metric("CSWS-CONTACT", "Contacts received at the Front Door", COUNT, ("referral_source",)),
        Metric("CSWS-REF", "Referrals to children's social work", COUNT, ("referral_source",)),
        Metric("CSWS-REREF", "Referrals within 12 months of a previous referral", PERCENT),
        Metric("CSWS-ASSESS", "Assessments completed", COUNT),
        Metric("CSWS-ASSESS-45", "Assessments completed within 45 working days", PERCENT),
        Metric("CSWS-FACTOR", "Assessments at which the factor was identified", COUNT, ("factor",)),
        Metric("CSWS-S47", "Section 47 enquiries started", COUNT),
        Metric("CSWS-CIN", "Children in need at 31 March", COUNT),
        Metric(
            "CSWS-CLA-RATE",
            "Children looked after at 31 March per 10,000 children under 18",
            RATE_PER_10K,
        ),
        Metric("CSWS-CASELOAD", "Average number of children per social worker", AVERAGE),
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(REPORT.source())
