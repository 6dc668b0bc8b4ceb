"""Source plugin for the Independent Reviewing Officer annual report: reviews of children looked after."""

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

PARTICIPATION = Dimension(
    field="participation",
    header="Participation",
    header_variants=("Participation code",),
    description="How the child took part in the review, as the DfE PN code; None = all reviews.",
    values={
        "PN0": ("Child under 4 at the time of the review",),
        "PN1": ("Child attended and spoke for themselves",),
        "PN2": ("Child attended and an advocate spoke for them",),
        "PN3": ("Child attended and conveyed their view non-verbally",),
        "PN4": ("Child attended but did not convey their view",),
        "PN5": ("Child did not attend; an advocate spoke for them",),
        "PN6": ("Child did not attend but conveyed their view another way",),
        "PN7": ("Child did not attend and did not convey their view",),
    },
)
ESCALATION_STAGE = Dimension(
    field="escalation_stage",
    header="Escalation stage",
    description="The stage of the dispute resolution process an IRO's challenge reached; None = all stages.",
    values={"Informal": ("Informal resolution",), "Stage 1": (), "Stage 2": (), "Stage 3": ()},
)

REPORT = AnnualReport(
    name="iro",
    title="Independent Reviewing Officer annual report",
    provider="Leeds City Council Children and Families (Independent Reviewing Officer service)",
    description=(
        "The IRO service's yearly figures on children looked after: reviews held and on time, "
        "how children took part in their reviews (PN codes), IRO caseloads and the challenges "
        "IROs raised through the dispute resolution process."
    ),
    dimensions=(PARTICIPATION, ESCALATION_STAGE),
    metrics=(
        Metric("IRO-CLA", "Children looked after at 31 March", COUNT),
        Metric("IRO-REV", "Looked-after reviews held", COUNT, ("participation",)),
        Metric("IRO-REV-TIME", "Looked-after reviews held within timescale", PERCENT),
        Metric(
            "IRO-PART",
            "Reviews of children aged 4 and over in which the child participated (PN1-PN6)",
            PERCENT,
        ),
        Metric("IRO-CASELOAD", "Average number of children per IRO at 31 March", AVERAGE),
        Metric(
            "IRO-DRP",
            "Challenges raised through the dispute resolution process",
            COUNT,
            ("escalation_stage",),
        ),
        Metric("IRO-DRP-INFORMAL", "Challenges resolved at the informal stage", PERCENT),
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(REPORT.source())
