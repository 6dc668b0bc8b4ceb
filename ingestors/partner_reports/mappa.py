"""Source plugin for the MAPPA annual report: offenders by category and level, breaches, serious further offences."""

from __future__ import annotations

from collections.abc import Callable

from ingestors.partner_reports._annual_metrics import (
    COUNT,
    RATE_PER_100K,
    AnnualReport,
    Dimension,
    Metric,
)
from lif_core.plugins import Source, hookimpl

__all__ = ["REPORT", "register_sources"]

CATEGORY = Dimension(
    field="category",
    header="MAPPA category",
    header_variants=("Category",),
    description="MAPPA category of the offenders; None = all categories.",
    values={
        "Category 1": ("1", "Cat 1", "Registered sexual offenders"),
        "Category 2": ("2", "Cat 2", "Violent offenders"),
        "Category 3": ("3", "Cat 3", "Other dangerous offenders"),
    },
)
LEVEL = Dimension(
    field="level",
    header="Management level",
    header_variants=("Level", "MAPPA level"),
    description="MAPPA management level (1 ordinary agency management, 2 and 3 multi-agency); None = all levels.",
    values={
        "Level 1": ("1", "Ordinary agency management"),
        "Level 2": ("2",),
        "Level 3": ("3",),
    },
)

REPORT = AnnualReport(
    name="mappa",
    title="MAPPA annual report",
    provider=(
        "West Yorkshire MAPPA Responsible Authority (West Yorkshire Police, National Probation "
        "Service, HM Prison Service)"
    ),
    description=(
        "The Multi-Agency Public Protection Arrangements' yearly figures: MAPPA-eligible offenders "
        "by category (1 registered sexual offenders, 2 violent offenders, 3 other dangerous "
        "offenders) and management level (1 to 3), breaches of licence, notification "
        "requirements and orders, and serious further offences."
    ),
    dimensions=(CATEGORY, LEVEL),
    metrics=(
        Metric(
            "MAPPA-OFF",
            "MAPPA-eligible offenders in the community at 31 March",
            COUNT,
            ("category", "level"),
        ),
        Metric(
            "MAPPA-RSO-RATE", "Registered sexual offenders per 100,000 population", RATE_PER_100K
        ),
        Metric(
            "MAPPA-BREACH-LICENCE",
            "Offenders managed at level 2 or 3 returned to custody for breach of licence",
            COUNT,
            ("category", "level"),
        ),
        Metric(
            "MAPPA-BREACH-NOTIF",
            "Registered sexual offenders cautioned or convicted for breach of notification requirements",
            COUNT,
        ),
        Metric(
            "MAPPA-BREACH-SHPO",
            "Offenders cautioned or convicted for breach of a sexual harm prevention order",
            COUNT,
        ),
        Metric("MAPPA-SHPO", "Sexual harm prevention orders imposed by the courts", COUNT),
        Metric(
            "MAPPA-SFO",
            "MAPPA-eligible offenders charged with a serious further offence",
            COUNT,
            ("category", "level"),
        ),
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(REPORT.source())
