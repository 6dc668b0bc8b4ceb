"""Source plugin for the LADO annual report: allegations about adults who work with children."""

from __future__ import annotations

from collections.abc import Callable

from ingestors.partner_reports._annual_metrics import (
    COUNT,
    DAYS,
    PERCENT,
    AnnualReport,
    Dimension,
    Metric,
)
from lif_core.plugins import Finding, Source, hookimpl

__all__ = ["REPORT", "register_sources"]

EMPLOYMENT_SECTOR = Dimension(
    field="employment_sector",
    header="Employment sector",
    header_variants=("Sector",),
    description="Where the adult the allegation is about works or volunteers; None = all sectors.",
    values={
        "Education": ("Schools", "Education (schools and colleges)"),
        "Early years": ("Early years and childcare", "Childcare"),
        "Social care": ("Children's social care",),
        "Foster care": ("Foster carers", "Fostering"),
        "Health": ("Health services",),
        "Police": (),
        "Faith groups": ("Faith", "Faith organisations"),
        "Sport and leisure": ("Sport", "Sports"),
        "Transport": (),
        "Voluntary and community sector": ("Voluntary sector", "Third sector"),
        "Secure estate": (),
        "Other": (),
    },
)
REFERRAL_SOURCE = Dimension(
    field="referral_source",
    header="Referral source",
    header_variants=("Source",),
    description="Who told the LADO; None = all sources.",
    values={
        "Employer": (),
        "Police": (),
        "Children's social work": ("Social work", "Children's social care"),
        "Health": (),
        "Ofsted": (),
        "Parent or carer": ("Parent", "Carer"),
        "Child or young person": ("Child", "Young person", "Self"),
        "Anonymous": (),
        "Other": (),
    },
)
OUTCOME = Dimension(
    field="outcome",
    header="Outcome",
    description="How a concluded allegation was resolved (Working Together definitions); None = all outcomes.",
    values={
        "Substantiated": (),
        "Unsubstantiated": (),
        "Unfounded": (),
        "False": (),
        "Malicious": (),
    },
)

REPORT = AnnualReport(
    name="lado",
    title="LADO annual report",
    provider="Leeds City Council Children and Families (Local Authority Designated Officer)",
    description=(
        "The Local Authority Designated Officer's yearly figures on allegations that an adult "
        "who works with children has harmed, or may pose a risk to, a child: contacts and "
        "referrals by employment sector and source, outcomes of concluded allegations "
        "(substantiated, unsubstantiated, unfounded, false, malicious) and timeliness."
    ),
    dimensions=(EMPLOYMENT_SECTOR, REFERRAL_SOURCE, OUTCOME),
    # A jump of 25 % or more in substantiated allegations (all sectors) from one year to the next.
    findings=(
        Finding(
            rule="lado-substantiated-jump",
            applies=lambda a: (
                a.get("metric_code") == "LADO-OUTCOME"
                and str(a.get("outcome") or "").casefold() == "substantiated"
                and not a.get("employment_sector")
                and not a.get("referral_source")
            ),
            rise=1.25,
            value="value",
            series="metric_code",
            text=lambda a: (
                f"Substantiated LADO allegations rose from {a['previous']['value']} "
                f"({a['previous']['reporting_year']}) to {a['value']} ({a['reporting_year']})"
            ),
        ),
    ),
    metrics=(
        Metric(
            "LADO-CONTACT",
            "Contacts to the LADO service (consultations and referrals)",
            COUNT,
            ("referral_source",),
        ),
        Metric(
            "LADO-REF",
            "Referrals meeting the harm threshold (allegations managed)",
            COUNT,
            ("employment_sector", "referral_source"),
        ),
        Metric(
            "LADO-OUTCOME",
            "Allegations concluded in the year",
            COUNT,
            ("outcome", "employment_sector"),
        ),
        Metric("LADO-RES-1M", "Allegations concluded within one month", PERCENT),
        Metric("LADO-RES-3M", "Allegations concluded within three months", PERCENT),
        Metric("LADO-RES-12M", "Allegations concluded within twelve months", PERCENT),
        Metric("LADO-DAYS", "Average working days from referral to conclusion", DAYS),
        Metric(
            "LADO-DBS", "Referrals to the Disclosure and Barring Service after an allegation", COUNT
        ),
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(REPORT.source())
