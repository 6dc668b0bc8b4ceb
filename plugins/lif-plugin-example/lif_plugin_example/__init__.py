"""Source plugin for a police force's quarterly safeguarding referrals about children.

West Yorkshire Police shares with the partnership, each quarter, how many safeguarding
referrals about children it made in each of the five districts, by referral type, and how
many of those went to children's social care. One CSV (or XLSX) per quarter::

    West Yorkshire Police - safeguarding referrals concerning children, 2024-25 Q1
    Quarter,District,Referral type,Referrals,Of which to children's social care
    2024-25 Q1,Bradford,Domestic abuse,412,268
    ...

Quarters are financial-year quarters (Q1 is April to June). One record per quarter, district
and referral type; a republished quarter revises its figures. Counts only: the figures
identify no child.

With the return, the force sends the actions it agreed with the partnership about its
referrals (one CSV or XLSX a quarter, the status as at the quarter's last day)::

    West Yorkshire Police - actions agreed with the partnership, 2024-25 Q3
    Quarter,Action reference,Action,Owner,Due date,Status,Date completed,Progress
    2024-25 Q3,WYP-2024-01,Review the rise in online child abuse referrals ...,West Yorkshire Police,30/11/2024,Complete,22/11/2024,...

The header says which of the two a file is (an ``Action reference`` column: actions).

What the records mean for the learning loop is declared beside the models, as a built-in
source declares it: both counts are measurable (district and referral type break them down),
a rise of a quarter or more is a finding, and each agreed action is an Action, completed on the
day the return states.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lif_core.plugins import (
    ActionDeclaration,
    Columns,
    Dimension,
    Emit,
    Finding,
    FreeText,
    InputOptions,
    Measurable,
    MeasureDeclaration,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
    parse_date,
    quarter_period,
)

__all__ = ["SOURCE", "AgreedAction", "QuarterlyReferrals", "register_sources"]

District = Literal["bradford", "calderdale", "kirklees", "leeds", "wakefield"]
ReferralType = Literal[
    "child-concern", "domestic-abuse", "missing-child", "exploitation", "online-abuse"
]

_DISTRICTS: dict[str, District] = {
    "bradford": "bradford",
    "calderdale": "calderdale",
    "kirklees": "kirklees",
    "leeds": "leeds",
    "wakefield": "wakefield",
}
ActionStatus = Literal["not-started", "in-progress", "complete", "cancelled"]
_STATUSES: dict[str, ActionStatus] = {
    "not started": "not-started",
    "in progress": "in-progress",
    "complete": "complete",
    "completed": "complete",
    "cancelled": "cancelled",
}
_REFERRAL_TYPES: dict[str, ReferralType] = {
    "child concern": "child-concern",
    "child protection concern": "child-concern",
    "domestic abuse": "domestic-abuse",
    "domestic abuse (child present)": "domestic-abuse",
    "missing child": "missing-child",
    "missing from home or care": "missing-child",
    "exploitation": "exploitation",
    "child exploitation (sexual or criminal)": "exploitation",
    "online abuse": "online-abuse",
    "online child abuse": "online-abuse",
}


class QuarterlyReferrals(BaseModel):
    """Safeguarding referrals about children the force made in one district in one quarter."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    quarter: str = Field(
        description="Financial-year quarter, e.g. '2024-25 Q1' (Q1 is April to June 2024)."
    )
    district: District = Field(
        description="West Yorkshire district the referrals were made in, e.g. 'kirklees'."
    )
    referral_type: ReferralType = Field(
        description=(
            "What the referral was about: child-concern, domestic-abuse (a child present), "
            "missing-child, exploitation (sexual or criminal) or online-abuse."
        )
    )
    referrals: int = Field(ge=0, description="Referrals made in the quarter.")
    to_childrens_social_care: int = Field(
        ge=0,
        description="Of those referrals, how many were passed to children's social care.",
    )

    @model_validator(mode="after")
    def _part_of_the_whole(self) -> QuarterlyReferrals:
        if self.to_childrens_social_care > self.referrals:
            raise ValueError(
                f"{self.to_childrens_social_care} referrals to children's social care is more "
                f"than the {self.referrals} referrals made"
            )
        return self


class AgreedAction(BaseModel):
    """An action the force agreed with the partnership, as one quarter's return states it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    quarter: str = Field(description="The quarter whose return states this, e.g. '2024-25 Q3'.")
    status_as_at: date = Field(
        description="The day the status is stated as at: the last day of the quarter."
    )
    action_reference: str = Field(description="The force's reference, e.g. 'WYP-2024-01'.")
    action: str = Field(description="What will be done.")
    owner: str = Field(description="Who owns the action, e.g. 'West Yorkshire Police'.")
    due_date: date = Field(description="The day it is due.")
    status: ActionStatus = Field(description="not-started, in-progress, complete or cancelled.")
    completed_on: date | None = Field(
        description="The day it was completed, as the return states it (None when it gives none)."
    )
    progress: FreeText | None = Field(description="The latest progress, in the force's words.")


def _count(row: Row, column: str) -> int:
    value = row.values.get(column)
    if value is None:
        raise RecordError("the count is blank", column=column)
    text = str(value).replace(",", "").strip()
    if not text.lstrip("-").isdigit():
        raise RecordError(f"{value!r} is not a whole number", column=column, value=value)
    number = int(text)
    if number < 0:
        raise RecordError(f"{number} is negative", column=column, value=value)
    return number


def _lookup(table: dict[str, Any], row: Row, column: str, what: str) -> Any:
    value = row.values.get(column)
    if value is None:
        raise RecordError(f"the {what} is blank", column=column)
    found = table.get(" ".join(str(value).split()).casefold())
    if found is None:
        known = ", ".join(sorted(set(table.values())))
        raise RecordError(f"{value!r} is not a {what} ({known})", column=column, value=value)
    return found


_FIGURES = ("district", "referral_type", "referrals", "to_childrens_social_care")
_ACTIONS = ("action", "owner", "due_date", "status")


def _header_has(row: Row, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in row.values]
    if missing:
        raise RecordError(
            f"{what}, but the header has no {', '.join(repr(c) for c in missing)} column",
            column=missing[0],
        )


def _text(row: Row, column: str, what: str) -> str:
    value = " ".join(str(row.values.get(column) or "").split())
    if not value:
        raise RecordError(f"the {what} is blank", column=column)
    return value


def map_row(row: Row) -> list[Emit]:
    """One row: a figure of the return, or (with an action reference column) an agreed action."""
    if "action_reference" in row.values:
        return [_action(row)]
    return [_figure(row)]


def _action(row: Row) -> Emit:
    """One row of the quarter's actions -> one :class:`AgreedAction` record."""
    _header_has(row, _ACTIONS, "a file of agreed actions")
    quarter, period = quarter_period(str(row.values.get("quarter") or ""))
    as_at = period.valid_to or period.valid_from  # a quarter always has its last day
    due = parse_date(row.values.get("due_date"), "due_date")
    if due is None:
        raise RecordError("the due date is blank", column="due_date")
    status = _lookup(_STATUSES, row, "status", "status")
    completed = parse_date(row.values.get("completed_on"), "completed_on")
    if completed is not None and status != "complete":
        raise RecordError(
            f"a date completed on an action whose status is {status}", column="completed_on"
        )
    if completed is not None and completed > as_at:
        raise RecordError(
            f"completed on {completed.isoformat()}, after the quarter ended on {as_at.isoformat()}",
            column="completed_on",
        )
    progress = " ".join(str(row.values.get("progress") or "").split()) or None
    fields = {
        "quarter": quarter,
        "status_as_at": as_at,
        "action_reference": _text(row, "action_reference", "action reference").upper(),
        "action": _text(row, "action", "action"),
        "owner": _text(row, "owner", "owner"),
        "due_date": due,
        "status": status,
        "completed_on": completed,
        "progress": progress,
    }
    return Emit("agreed-action", fields)


def _figure(row: Row) -> Emit:
    """One row of the quarterly return -> one :class:`QuarterlyReferrals` record."""
    _header_has(row, _FIGURES, "a file of referral figures")
    quarter, _ = quarter_period(str(row.values.get("quarter") or ""))
    referrals = _count(row, "referrals")
    to_csc = _count(row, "to_childrens_social_care")
    if to_csc > referrals:
        raise RecordError(
            f"{to_csc} referrals to children's social care is more than the {referrals} "
            "referrals made",
            column="to_childrens_social_care",
            value=to_csc,
        )
    fields = {
        "quarter": quarter,
        "district": _lookup(_DISTRICTS, row, "district", "West Yorkshire district"),
        "referral_type": _lookup(_REFERRAL_TYPES, row, "referral_type", "referral type"),
        "referrals": referrals,
        "to_childrens_social_care": to_csc,
    }
    return Emit("quarterly-referrals", fields)


SOURCE = Source(
    name="wyp-referrals",
    title="Police safeguarding referrals about children, quarterly",
    provider="West Yorkshire Police",
    kinds=(
        RecordKind(
            name="quarterly-referrals",
            model=QuarterlyReferrals,
            key=lambda r: f"{r.quarter}/{r.district}/{r.referral_type}",
            valid_time=lambda r: quarter_period(r.quarter)[1],
            mode="append",
            description="Referrals in one quarter, district and referral type.",
            # What the figures mean for the learning loop (docs/plugins.md, "Taking part in the
            # learning loop"): both counts can be measured; district and referral type break
            # them down (no total rows: a measure that names neither adds them all up).
            measures=MeasureDeclaration(
                values=(
                    Measurable("referrals", unit="count", aggregate="sum"),
                    Measurable("to_childrens_social_care", unit="count", aggregate="sum"),
                ),
                dimensions=(
                    Dimension("district", description="The West Yorkshire district."),
                    Dimension("referral_type", description="What the referral was about."),
                ),
            ),
            # A rise of a quarter or more from one quarter to the next, in one district and
            # referral type, is a finding the partnership should look at.
            findings=(
                Finding(
                    rule="wyp-referrals-rise",
                    rise=1.25,
                    value="referrals",
                    series=lambda a: f"{a['district']}/{a['referral_type']}",
                    text=lambda a: (
                        f"{a['referral_type']} referrals in {a['district']} rose from "
                        f"{a['previous']['referrals']} ({a['previous']['quarter']}) to "
                        f"{a['referrals']} ({a['quarter']})"
                    ),
                    themes="referral_type",
                    responds=lambda a: "West Yorkshire Police",
                ),
            ),
        ),
        RecordKind(
            name="agreed-action",
            model=AgreedAction,
            key=lambda r: r.action_reference,
            valid_time=lambda r: ValidTime(r.status_as_at),
            mode="append",
            description="An action the force agreed with the partnership, as a quarter states it.",
            # Each agreed action is an Action (docs/plugins.md, "Taking part in the learning
            # loop"): a later quarter's statement moves it on; the completion date is the one
            # the return gives, and without one the action is done by that quarter's end.
            actions=ActionDeclaration(
                reference="action_reference",
                description="action",
                owner="owner",
                due="due_date",
                status="status",
                status_words={
                    "not-started": "open",
                    "in-progress": "in-progress",
                    "complete": "complete",
                    "cancelled": "cancelled",
                },
                completed_on="completed_on",
                stated_on="status_as_at",
                progress="progress",
            ),
        ),
    ),
    inputs=InputOptions(
        formats=("csv", "xlsx"),
        columns=Columns(
            variants={
                "quarter": ("Quarter", "Period"),
                "district": ("District", "Local authority", "Policing district"),
                "referral_type": ("Referral type", "Type of referral", "Category"),
                "referrals": ("Referrals", "Number of referrals", "Total referrals"),
                "to_childrens_social_care": (
                    "Of which to children's social care",
                    "Of which to CSC",
                    "Referred to children's social care",
                ),
                "action_reference": ("Action reference", "Action ref"),
                "action": ("Action", "Agreed action"),
                "owner": ("Owner", "Owner agency", "Lead"),
                "due_date": ("Due date", "Due"),
                "status": ("Status",),
                "completed_on": ("Date completed", "Completed on"),
                "progress": ("Progress", "Progress update"),
            },
            # Both layouts start with the quarter; map_row says which columns a layout lacks.
            required=("quarter",),
        ),
    ),
    map_row=map_row,
    samples=Path(__file__).parent / "samples",
    cadence="P3M",
    description=(
        "Quarterly counts of the safeguarding referrals about children West Yorkshire Police "
        "made in Bradford, Calderdale, Kirklees, Leeds and Wakefield, by referral type, and "
        "how many went to children's social care; and the actions the force agreed with the "
        "partnership about them, with their status at the quarter's end."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
