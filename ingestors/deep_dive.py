"""Source plugin for deep dives: a thematic look at a cohort of children across agencies.

A deep dive takes one theme (children missing from home, neglect in under-fives, ...) and looks
at a cohort of children across every agency that knew them, then says what it found and what
will be done. Three CSV/XLSX layouts, told apart by their header: the register (one row per
deep dive: scope, cohort, dates, status), the findings (strengths and areas for improvement) and
the actions. The cohort's size is a count of children, so a small one is published suppressed.
Layout and rules: docs/sources/deep-dive.md.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import parse_date, parse_int, required_text, text
from ingestors._reviews import (
    FINDING_COLUMNS,
    REGISTER_COLUMNS,
    ReviewFinding,
    Status,
    finding_fields,
    findings_are_learning,
    reference,
    register_fields,
    require_columns,
)
from ingestors._suppression import parse_count, split_list
from ingestors._vocabulary import ACTION_STATUS
from lif_core.plugins import (
    ActionDeclaration,
    Columns,
    Emit,
    FreeText,
    InputOptions,
    RecordError,
    RecordKind,
    ReviewKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)

__all__ = ["SOURCE", "SUPPRESSION_THRESHOLD", "DeepDive", "DeepDiveAction", "register_sources"]

PREFIX = "DD"
SUPPRESSION_THRESHOLD = 5
"""A cohort of 1 to 4 children is published suppressed."""

ActionStatus = Literal["not-started", "in-progress", "complete", "embedded"]


class DeepDive(BaseModel):
    """One deep dive: its theme, the cohort it looked at, the agencies, dates and status."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(description="The partnership's reference, e.g. 'DD-2025-01'.")
    review_type: Literal["deep-dive"] = Field(
        description="Always 'deep-dive': the type of review, for the review register."
    )
    title: str = Field(description="The deep dive's title.")
    themes: list[str] = Field(min_length=1, description="The practice themes it looked at.")
    cohort: str = Field(
        description="Who the cohort is, e.g. 'Children missing from home three or more times'."
    )
    cohort_size: int | None = Field(
        ge=0, description="Number of children in the cohort; None when suppressed."
    )
    cohort_size_suppressed: bool = Field(
        description="True when the cohort's size was published suppressed (1 to 4 children)."
    )
    cohort_from: date = Field(description="First day of the period the cohort was drawn from.")
    cohort_to: date = Field(description="Last day of the period the cohort was drawn from.")
    agencies: list[str] = Field(
        min_length=2, description="The agencies whose records and staff took part (two or more)."
    )
    commissioned_by: str | None = Field(
        description="The subgroup or board that commissioned it, e.g. 'Learning and Improvement subgroup'."
    )
    date_commissioned: date = Field(description="Day the deep dive was commissioned.")
    date_completed: date | None = Field(description="Day its report was signed off.")
    date_published: date | None = Field(description="Day its report was published, if it was.")
    status: Status = Field(
        description="commissioned, in-progress, completed, published or not-published."
    )
    published_link: str | None = Field(description="Address of the published report (https).")


class DeepDiveAction(BaseModel):
    """One action a deep dive agreed: who will do what by when, and where it stands."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(
        description="Stable reference of the action: the deep dive's reference and 'A' with its number, e.g. 'DD-2025-01/A02'."
    )
    review_reference: str = Field(description="The reference of the deep dive that agreed it.")
    action_number: int = Field(ge=1, description="The action's number within its deep dive.")
    action: FreeText = Field(description="What will be done.")
    owner_agency: str = Field(description="The agency that owns the action.")
    findings: list[str] = Field(
        description="References of the findings the action answers, e.g. ['DD-2025-01/F02']."
    )
    date_agreed: date = Field(description="Day the action was agreed.")
    due_date: date = Field(description="Day the action is due.")
    status: ActionStatus = Field(description="not-started, in-progress, complete or embedded.")
    date_completed: date | None = Field(
        description="Day the action was completed, as the deep dive's tracker states it."
    )


COLUMNS = Columns(
    variants={
        **REGISTER_COLUMNS,
        "cohort": ("Cohort",),
        "cohort_size": ("Cohort size", "Children in cohort"),
        "cohort_from": ("Cohort from", "Period from"),
        "cohort_to": ("Cohort to", "Period to"),
        "commissioned_by": ("Commissioned by", "Subgroup"),
        **FINDING_COLUMNS,
        "action_number": ("Action no", "Action number"),
        "action": ("Action",),
        "owner_agency": ("Owner agency", "Owner", "Lead agency"),
        "answers": ("Findings", "Answers findings", "Finding(s)"),
        "date_agreed": ("Date agreed",),
        "due_date": ("Due date", "Due"),
    },
    required=("review_reference",),
)
_REGISTER = ("title", "cohort", "cohort_size", "cohort_from", "cohort_to", "agencies", "status")
_FINDINGS = ("finding_type", "statement", "themes", "date_identified")
_ACTIONS = ("action", "owner_agency", "date_agreed", "due_date", "status")


def _deep_dive(row: Row, ref: str) -> Emit:
    values = row.values
    require_columns(row, _REGISTER, "register")
    fields = register_fields(values, ref)
    size = parse_count(values.get("cohort_size"), "cohort_size", threshold=SUPPRESSION_THRESHOLD)
    start = parse_date(values.get("cohort_from"), "cohort_from")
    end = parse_date(values.get("cohort_to"), "cohort_to")
    if start is None or end is None:
        raise RecordError(
            "the cohort's period needs both its first and last day",
            column="cohort_from" if start is None else "cohort_to",
        )
    if end < start:
        raise RecordError(
            f"the cohort's period ends {end} before it starts {start}", column="cohort_to"
        )
    if end > fields["date_commissioned"]:
        raise RecordError(
            f"the cohort's period ends {end}, after the deep dive was commissioned "
            f"{fields['date_commissioned']}",
            column="cohort_to",
        )
    agencies = split_list(values.get("agencies"))
    if len(agencies) < 2:
        raise RecordError(
            "a deep dive looks across agencies: name two or more, separated by ';'",
            column="agencies",
        )
    return Emit(
        "deep-dive",
        {
            **fields,
            "review_type": "deep-dive",
            "cohort": required_text(values, "cohort", "cohort"),
            "cohort_size": size.value,
            "cohort_size_suppressed": size.suppressed,
            "cohort_from": start,
            "cohort_to": end,
            "agencies": agencies,
            "commissioned_by": text(values.get("commissioned_by")),
        },
    )


def _finding_reference(value: str, ref: str) -> str:
    """'F2', '2' or 'DD-2025-01/F02' -> 'DD-2025-01/F02' (a finding of this deep dive)."""
    raw = value.upper().removeprefix(f"{ref}/").removeprefix("F")
    if not raw.isdigit() or int(raw) < 1:
        raise RecordError(
            f"{value!r} is not a finding of {ref} (write its number, e.g. 'F2')", column="answers"
        )
    return f"{ref}/F{int(raw):02d}"


def _action(row: Row, ref: str) -> Emit:
    values = row.values
    require_columns(row, _ACTIONS, "actions")
    number = parse_int(values.get("action_number"), "action_number")
    if number is None or number < 1:
        raise RecordError("the action number must be 1 or more", column="action_number")
    agreed = parse_date(values.get("date_agreed"), "date_agreed")
    due = parse_date(values.get("due_date"), "due_date")
    if agreed is None or due is None:
        column = "date_agreed" if agreed is None else "due_date"
        raise RecordError(f"the {column.replace('_', ' ')} is blank", column=column)
    if due < agreed:
        raise RecordError(f"due {due} before it was agreed {agreed}", column="due_date")
    status = ACTION_STATUS.require(values.get("status"), "status").value
    completed = parse_date(values.get("date_completed"), "date_completed")
    if status in ("complete", "embedded") and completed is None:
        raise RecordError(
            f"an action that is {status} needs its date completed", column="date_completed"
        )
    if completed is not None and status not in ("complete", "embedded"):
        raise RecordError(
            f"an action that is {status} has no date completed", column="date_completed"
        )
    if completed is not None and completed < agreed:
        raise RecordError(
            f"completed {completed} before it was agreed {agreed}", column="date_completed"
        )
    return Emit(
        "action",
        {
            "reference": f"{ref}/A{number:02d}",
            "review_reference": ref,
            "action_number": number,
            "action": required_text(values, "action", "action"),
            "owner_agency": required_text(values, "owner_agency", "owner agency"),
            "findings": [_finding_reference(f, ref) for f in split_list(values.get("answers"))],
            "date_agreed": agreed,
            "due_date": due,
            "status": status,
            "date_completed": completed,
        },
    )


def map_row(row: Row) -> list[Emit]:
    """A register row -> a ``deep-dive``; a findings row -> a ``finding``; an actions row -> an ``action``."""
    ref = reference(row.values.get("review_reference"), PREFIX, "a deep dive")
    if "action_number" in row.values:
        return [_action(row, ref)]
    if "finding_number" in row.values:
        require_columns(row, _FINDINGS, "findings")
        return [Emit("finding", finding_fields(row.values, ref))]
    return [_deep_dive(row, ref)]


SOURCE = Source(
    name="deep-dive",
    title="Deep dives: a theme looked at across agencies, for one cohort of children",
    provider="Leeds Safeguarding Children Partnership business unit",
    kinds=(
        RecordKind(
            name="deep-dive",
            agency_fields=("agencies",),
            model=DeepDive,
            key=lambda r: r.reference,
            valid_time=lambda r: ValidTime(r.date_commissioned),
            mode="append",
            description="A deep dive: its scope (theme, cohort, agencies), dates and status.",
            review=ReviewKind(
                types={"deep-dive": "Deep dive"},
                dates={
                    "decision": "date_commissioned",
                    "report": "date_completed",
                    "publication": "date_published",
                },
                points_kind="finding",
            ),
        ),
        RecordKind(
            name="finding",
            agency_fields=("agencies",),
            model=ReviewFinding,
            key=lambda r: r.reference,
            valid_time=lambda r: ValidTime(r.date_identified),
            mode="append",
            description="A strength or an area for improvement a deep dive found.",
            learning=findings_are_learning("deep-dive"),
        ),
        RecordKind(
            name="action",
            agency_fields=("owner_agency",),
            model=DeepDiveAction,
            key=lambda r: r.reference,
            valid_time=lambda r: ValidTime(r.date_agreed),
            mode="append",
            description="An action a deep dive agreed: owner, due date, status.",
            actions=ActionDeclaration(
                reference="reference",
                description="action",
                owner="owner_agency",
                due="due_date",
                status="status",
                status_words={
                    "not-started": "open",
                    "in-progress": "in-progress",
                    "complete": "complete",
                    "embedded": "complete",
                },
                completed_on="date_completed",
                learning="findings",
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "deep-dive",
    cadence="P3M",
    description=(
        "The business unit's deep dives: for one practice theme, a cohort of children looked at "
        "across every agency that knew them (scope, cohort size kept suppressed when small, "
        "agencies, dates, status), what was found (strengths and areas for improvement) and "
        "the actions agreed, with owner, due date and status."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
