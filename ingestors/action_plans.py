"""Source plugin for action-plan trackers: one export of one tracker is a snapshot of its actions.

One tracker per review, audit or inspection. Each export holds every action the tracker still
has; an action missing from a newer export of the same tracker is withdrawn, and exports of
other trackers are left alone (the snapshot scope is the plan reference). The valid time of
every row is the export date. Layout and rules: docs/sources/action-plans.md.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import parse_date, text
from ingestors._suppression import split_list
from lif_core.plugins import (
    ActionDeclaration,
    Columns,
    Emit,
    FreeText,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)

__all__ = ["SOURCE", "Action", "export_date", "register_sources"]

Rag = Literal["red", "amber", "green", "blue"]
Status = Literal["not-started", "in-progress", "complete", "cancelled"]

_RAG: dict[str, Rag] = {
    "r": "red",
    "red": "red",
    "a": "amber",
    "amber": "amber",
    "g": "green",
    "green": "green",
    "b": "blue",
    "blue": "blue",
    "blue (embedded)": "blue",
}
_STATUS: dict[str, Status] = {
    "not started": "not-started",
    "not-started": "not-started",
    "in progress": "in-progress",
    "in-progress": "in-progress",
    "on track": "in-progress",
    "overdue": "in-progress",
    "complete": "complete",
    "completed": "complete",
    "closed": "complete",
    "cancelled": "cancelled",
    "withdrawn": "cancelled",
}
_ACTION_REFERENCE = re.compile(r"^ACT-\d{4}-\d{3}$")
_LEARNING_REFERENCE = re.compile(r"^LRN-\d{4}-\d{3}$")
_EXPORTED = re.compile(
    r"exported(?:\s+on)?\s*:?\s*(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}\s+[a-z]+\s+\d{4})",
    re.IGNORECASE,
)


class Action(BaseModel):
    """One action of a tracker as the export shows it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plan_reference: str = Field(
        description="The tracker's reference, e.g. 'AP-CSPR-2024-02' (one tracker per review, audit or inspection)."
    )
    action_reference: str = Field(
        description="The action's partnership-wide reference, e.g. 'ACT-2025-031'."
    )
    recommendation: str | None = Field(
        description="The recommendation the action answers, as the tracker words it."
    )
    action: str = Field(description="What will be done.")
    owner_agency: str = Field(
        description="The agency that owns the action, e.g. 'LCH' or 'West Yorkshire Police'."
    )
    due_date: date = Field(description="The day the action is due (as rescheduled, if it was).")
    progress_update: FreeText | None = Field(description="The latest progress update.")
    rag: Rag = Field(
        description="red = overdue, amber = in progress or at risk, green = complete, blue = complete and evidenced as embedded."
    )
    status: Status = Field(description="not-started, in-progress, complete or cancelled.")
    evidence: str | None = Field(
        description="Evidence of completion or of impact (a re-audit, a change in the data)."
    )
    completed_on: date | None = Field(
        default=None,
        description=(
            "The day the action was completed, as the tracker states it (its optional 'Date "
            "completed' column); None when the tracker gives no day (older exports, or a "
            "completion the tracker dates only by month)."
        ),
    )
    linked_learning: list[str] = Field(
        description="References of the learning the action answers, e.g. ['LRN-2025-014']."
    )
    exported_on: date = Field(
        description="The day the tracker was exported: the day this state was true."
    )
    overdue: bool = Field(
        description="True when the due date had passed on the export day and the action was still open."
    )


COLUMNS = Columns(
    variants={
        "plan_reference": ("Plan reference", "Tracker reference", "Tracker", "Plan ref"),
        "action_reference": ("Action reference", "Action ref", "Action ID"),
        "recommendation": ("Recommendation",),
        "action": ("Action", "Action to be taken"),
        "owner_agency": ("Owner agency", "Lead agency", "Owner", "Lead"),
        "due_date": ("Due date", "Due", "Target date"),
        "progress_update": ("Progress update", "Progress", "Update"),
        "rag": ("RAG", "RAG rating", "RAG status"),
        "status": ("Status",),
        "evidence": ("Evidence", "Evidence of impact", "Evidence of embedding"),
        "completed_on": ("Date completed", "Completed on", "Completion date", "Date complete"),
        "linked_learning": ("Linked learning", "Learning reference", "Linked learning reference"),
        "exported_on": ("Exported", "Export date", "Exported on"),
    },
    required=("plan_reference", "action_reference", "action", "due_date", "rag", "status"),
)


@lru_cache(maxsize=16)
def export_date(title: str) -> date | None:
    """The day named by 'Exported 2025-06-30' (or 30/06/2025, or 30 June 2025) in the title rows."""
    match = _EXPORTED.search(title)
    return parse_date(match.group(1), "exported_on") if match else None


def _lookup(table: dict[str, Any], value: Any, column: str, what: str) -> Any:
    raw = text(value) or ""
    found = table.get(raw.casefold())
    if found is None:
        raise RecordError(f"{raw!r} is not {what}", column=column, value=value)
    return found


def _required(value: Any, column: str, what: str) -> str:
    found = text(value)
    if found is None:
        raise RecordError(f"the {what} is blank", column=column)
    return found


def _check_rag(rag: Rag, status: Status, evidence: str | None) -> None:
    # RAG is defined by status in the framework: green and blue only for completed actions,
    # and blue ("embedded") only on evidence of impact, not on activity alone.
    if rag in ("green", "blue") and status != "complete":
        raise RecordError(f"RAG {rag} means complete, but the status is {status}", column="rag")
    if status == "complete" and rag in ("red", "amber"):
        raise RecordError(f"a complete action is green or blue, not {rag}", column="rag")
    if rag == "blue" and evidence is None:
        raise RecordError("RAG blue (embedded) needs evidence of impact", column="evidence")


def _check_completed(completed: date | None, status: Status, exported: date) -> None:
    # A completion date belongs to a complete action, and cannot be later than the export
    # that states it (the tracker would be dating something that had not happened yet).
    if completed is None:
        return
    if status != "complete":
        raise RecordError(
            f"a date completed ({completed.isoformat()}) on an action whose status is {status}: "
            "clear it, or set the status to complete",
            column="completed_on",
        )
    if completed > exported:
        raise RecordError(
            f"completed on {completed.isoformat()}, after the export of {exported.isoformat()}",
            column="completed_on",
        )


def map_row(row: Row) -> list[Emit]:
    """One tracker row -> one ``action`` record, dated by the export."""
    values = row.values
    exported = parse_date(values.get("exported_on"), "exported_on") or export_date(
        str(row.origin_meta.get("title", ""))
    )
    if exported is None:
        raise RecordError(
            "no export date: add 'Exported 2025-06-30' in a title row above the header, or an 'Exported' column",
            column="exported_on",
        )
    action_reference = _required(
        values.get("action_reference"), "action_reference", "action reference"
    ).upper()
    if not _ACTION_REFERENCE.match(action_reference):
        raise RecordError(
            f"{action_reference!r} is not an action reference like ACT-2025-031",
            column="action_reference",
        )
    linked = [item.upper() for item in split_list(values.get("linked_learning"))]
    for reference in linked:
        if not _LEARNING_REFERENCE.match(reference):
            raise RecordError(
                f"{reference!r} is not a learning reference like LRN-2025-014",
                column="linked_learning",
            )
    due = parse_date(values.get("due_date"), "due_date")
    if due is None:
        raise RecordError("the due date is blank", column="due_date")
    status = _lookup(
        _STATUS,
        values.get("status"),
        "status",
        "a status (not started, in progress, complete, cancelled)",
    )
    rag = _lookup(_RAG, values.get("rag"), "rag", "a RAG rating (Red, Amber, Green, Blue)")
    evidence = text(values.get("evidence"))
    _check_rag(rag, status, evidence)
    completed = parse_date(values.get("completed_on"), "completed_on")
    _check_completed(completed, status, exported)
    fields = {
        "plan_reference": _required(
            values.get("plan_reference"), "plan_reference", "plan reference"
        ).upper(),
        "action_reference": action_reference,
        "recommendation": text(values.get("recommendation")),
        "action": _required(values.get("action"), "action", "action"),
        "owner_agency": _required(values.get("owner_agency"), "owner_agency", "owner agency"),
        "due_date": due,
        "progress_update": text(values.get("progress_update")),
        "rag": rag,
        "status": status,
        "evidence": evidence,
        "completed_on": completed,
        "linked_learning": linked,
        "exported_on": exported,
        "overdue": due < exported and status in ("not-started", "in-progress"),
    }
    return [Emit("action", fields)]


SOURCE = Source(
    name="action-plans",
    title="Action-plan trackers",
    provider="Leeds Safeguarding Children Partnership business unit",
    kinds=(
        RecordKind(
            name="action",
            agency_fields=("owner_agency",),
            model=Action,
            key=lambda r: r.action_reference,
            valid_time=lambda r: ValidTime(r.exported_on),
            mode="snapshot",
            snapshot_scope=lambda r: r.plan_reference,
            description="One action of a tracker: owner, due date, progress, RAG, status, evidence.",
            # The completion date as the tracker states it ('Date completed'). Where it gives
            # none (older exports, a blank cell), the action is done by the export that first
            # says so, and after the last export that said it was open.
            actions=ActionDeclaration(
                reference="action_reference",
                description="action",
                owner="owner_agency",
                due="due_date",
                status="status",
                status_words={
                    "not-started": "open",
                    "in-progress": "in-progress",
                    "complete": "complete",
                    "cancelled": "cancelled",
                },
                completed_on="completed_on",
                stated_on="exported_on",
                progress="progress_update",
                rag="rag",
                evidence="evidence",
                impact=lambda a: a.get("rag") == "blue",
                learning="linked_learning",
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "action-plans",
    cadence="P3M",
    description=(
        "Exports of the action-plan trackers the business unit keeps, one per review, audit or "
        "inspection: recommendation, action, owner agency, due date, progress, RAG, status, "
        "evidence and linked learning. Each export replaces its own tracker's previous state."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
