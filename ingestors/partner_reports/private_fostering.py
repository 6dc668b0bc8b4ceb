"""Source plugin for the private fostering annual report: notifications, arrangements and visits."""

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

AGE_GROUP = Dimension(
    field="age_group",
    header="Age group",
    description="The child's age band; None = all ages.",
    values={
        "Under 5": (),
        "5 to 9": ("5-9",),
        "10 to 15": ("10-15",),
        "16 and 17": ("16-17", "16 to 17"),
    },
)
REASON = Dimension(
    field="reason",
    header="Reason for arrangement",
    header_variants=("Reason",),
    description="Why the child is privately fostered; None = all reasons.",
    values={
        "Language or education student": ("Language student", "Education"),
        "Family breakdown": (),
        "Parents living abroad": ("Parents abroad",),
        "Other": (),
    },
)

REPORT = AnnualReport(
    name="private-fostering",
    title="Private fostering annual report",
    provider="Leeds City Council Children and Families (private fostering service)",
    description=(
        "The local authority's yearly private fostering figures: notifications, arrangements "
        "begun, ended and open at year end by age and reason, whether visits were made on time, "
        "and the awareness-raising done with professionals."
    ),
    dimensions=(AGE_GROUP, REASON),
    metrics=(
        Metric(
            "PF-NOTIF", "Notifications of proposed or new private fostering arrangements", COUNT
        ),
        Metric("PF-VISIT-7D", "Initial visits made within 7 working days of notification", PERCENT),
        Metric("PF-NEW", "Arrangements that began in the year", COUNT, ("age_group", "reason")),
        Metric("PF-END", "Arrangements that ended in the year", COUNT),
        Metric(
            "PF-31MAR",
            "Children in private fostering arrangements at 31 March",
            COUNT,
            ("age_group",),
        ),
        Metric(
            "PF-VISIT-6W", "Children visited at least every six weeks in the first year", PERCENT
        ),
        Metric(
            "PF-AWARE", "Professionals who attended private fostering awareness sessions", COUNT
        ),
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(REPORT.source())
