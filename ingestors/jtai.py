"""Joint targeted area inspections: the letter's strengths and areas for improvement, and the statement of action.

The layout is the partnership's JTAI tracker (docs/sources/jtai.md): one row per entry,
the ``Entry type`` saying which. JTAIs are ungraded: a ``Strength`` or ``Area for
improvement`` row is a ``finding`` record; an ``Action`` row is an item of the
partnership's written statement of action (owner agency, due date, status as at a day),
an ``action`` record revised each time the tracker reports a new status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ingestors._fields import blank, parse_date, text
from ingestors._trackers import TrackerLayout, required_date, status_fields
from ingestors._vocabulary import ACTION_STATUS, Level, Scale, slug
from lif_core.plugins import (
    ActionDeclaration,
    Columns,
    Emit,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)
from lif_core.plugins import Finding as FindingDeclaration

__all__ = ["SAMPLES", "SOURCE", "THEMES", "Action", "Finding", "map_row", "register_sources"]

# JTAI themes as the inspectorates have named them; a new theme is added here (and in the docs).
THEMES = Scale(
    "jtai-theme",
    "list of JTAI themes",
    (
        Level(
            "front-door",
            "Front door",
            None,
            (
                "Multi-agency response to identification of initial need and risk",
                "Initial need and risk",
            ),
        ),
        Level("domestic-abuse", "Domestic abuse", None, ("Children living with domestic abuse",)),
        Level(
            "exploitation",
            "Exploitation",
            None,
            (
                "Child exploitation",
                "Child sexual exploitation",
                "Criminal exploitation",
                "Exploitation and missing",
            ),
        ),
        Level("neglect", "Neglect", None, ("Child neglect",)),
        Level("sexual-abuse-in-the-family", "Child sexual abuse in the family environment", None),
        Level("serious-youth-violence", "Serious youth violence", None),
        Level("mental-health", "Children's mental health", None, ("Mental health",)),
    ),
)
INSPECTORATES = Scale(
    "jtai-inspectorate",
    "list of JTAI inspectorates",
    (
        Level("ofsted", "Ofsted", None),
        Level("cqc", "CQC", None, ("Care Quality Commission",)),
        Level("hmicfrs", "HMICFRS", None),
        Level("hmi-probation", "HMI Probation", None, ("HM Inspectorate of Probation",)),
    ),
)
ENTRY_TYPES = Scale(
    "jtai-entry-type",
    "list of tracker entry types",
    (
        Level("strength", "Strength", None),
        Level("area-for-improvement", "Area for improvement", None, ("AFI",)),
        Level("action", "Action", None, ("Statement of action",)),
    ),
)

START = "Fieldwork start date"
ACTION_ONLY = ("Responds to", "Owner agency", "Due date", "Status", "Status as at")
LAYOUT = TrackerLayout(ENTRY_TYPES, {"action": ACTION_ONLY})


def _split(value: Any) -> list[str]:
    """A '; '-separated cell as a list (agencies, inspectorates)."""
    if blank(value):
        return []
    return [part for part in (text(p) for p in str(value).split(";")) if part]


class _Inspection(BaseModel):
    local_authority: str = Field(min_length=1, description="The local authority area inspected.")
    theme: str = Field(
        description="Normalised theme (front-door, domestic-abuse, exploitation, ...)."
    )
    theme_as_published: str = Field(description="The theme as written in the tracker.")
    inspectorates: list[str] = Field(
        description="The inspectorates that took part (ofsted, cqc, hmicfrs, hmi-probation)."
    )
    fieldwork_start_date: date = Field(description="First day of the inspection fieldwork.")
    letter_published: date | None = Field(
        None, description="Day the inspection letter was published."
    )


class Finding(_Inspection):
    """A strength or an area for improvement from the inspection letter (JTAIs are ungraded)."""

    finding_type: str = Field(description="strength or area-for-improvement.")
    reference: str = Field(
        min_length=1, description="The tracker's reference for the finding (S1, AFI-2)."
    )
    finding: str = Field(min_length=1, description="The finding as the letter words it.")
    agencies: list[str] = Field(description="The agencies the finding is about, as written.")


class Action(_Inspection):
    """An item of the statement of action and its status as at a day."""

    reference: str = Field(
        min_length=1, description="The statement of action's reference for the item."
    )
    action: str = Field(min_length=1, description="What will be done.")
    responds_to: str | None = Field(
        None, description="Reference of the area for improvement it answers."
    )
    owner_agency: str = Field(min_length=1, description="The agency that owns the action.")
    agencies: list[str] = Field(description="Other agencies that contribute, as written.")
    due_date: date = Field(description="Day the action is due.")
    status: str = Field(
        description="Normalised status: not-started, in-progress, complete, embedded."
    )
    status_as_published: str = Field(description="The status as written in the tracker.")
    status_as_at: date = Field(description="Day the status was last reviewed.")


def _inspection(values: dict[str, Any]) -> dict[str, Any]:
    theme = THEMES.require(values.get("Theme"), "Theme")
    inspectorates = [
        INSPECTORATES.require(name, "Inspectorates") for name in _split(values.get("Inspectorates"))
    ]
    if not inspectorates:
        raise RecordError("blank: name the inspectorates, separated by ';'", column="Inspectorates")
    return {
        "local_authority": text(values.get("Local authority")),
        "theme": theme.value,
        "theme_as_published": theme.as_published,
        "inspectorates": [i.value for i in inspectorates],
        "fieldwork_start_date": required_date(values, START),
        "letter_published": parse_date(values.get("Letter published"), "Letter published"),
    }


def map_row(row: Row) -> Iterator[Emit]:
    """One tracker row -> a ``finding`` (strength, area for improvement) or an ``action``."""
    values = dict(row.values)
    entry = LAYOUT.entry(values)
    inspection = _inspection(values)
    common = {
        **inspection,
        "reference": text(values.get("Reference")),
        "agencies": _split(values.get("Agencies")),
    }
    if entry.value != "action":
        yield Emit(
            "finding", {**common, "finding_type": entry.value, "finding": text(values.get("Text"))}
        )
        return
    yield Emit(
        "action",
        {
            **common,
            "action": text(values.get("Text")),
            "responds_to": text(values.get("Responds to")),
            "owner_agency": text(values.get("Owner agency")),
            "due_date": required_date(values, "Due date"),
            **status_fields(ACTION_STATUS, values, "Status"),
        },
    )


def _key(record: Finding | Action) -> str:
    inspection = f"{slug(record.local_authority)}/{record.fieldwork_start_date.isoformat()}"
    return f"{inspection}/{slug(record.reference)}"


COLUMNS = Columns(
    variants={
        "Local authority": ("Local authority area", "LA"),
        "Theme": ("JTAI theme", "Deep dive"),
        "Inspectorates": (),
        START: ("Fieldwork start", "Inspection start date"),
        "Letter published": ("Letter publication date", "Publication date"),
        "Entry type": ("Type",),
        "Reference": ("Ref",),
        "Text": ("Finding or action", "Description"),
        "Agencies": ("Agencies involved",),
        "Responds to": ("Area for improvement ref",),
        "Owner agency": ("Owner", "Lead agency"),
        "Due date": ("Due",),
        "Status": (),
        "Status as at": ("Status date",),
    },
    required=("Local authority", "Theme", START, "Entry type", "Reference", "Text"),
)

SAMPLES = Path(__file__).parent / "samples" / "jtai"

SOURCE = Source(
    name="jtai",
    title="Joint targeted area inspections",
    provider="Ofsted, CQC, HMICFRS, HMI Probation",
    kinds=(
        RecordKind(
            name="finding",
            agency_fields=("agencies",),
            model=Finding,
            key=_key,
            valid_time=lambda r: ValidTime(r.fieldwork_start_date),
            mode="append",
            description="A strength or area for improvement from a JTAI letter.",
            findings=(
                FindingDeclaration(
                    rule="jtai-area-for-improvement",
                    applies=lambda a: a.get("finding_type") == "area-for-improvement",
                    text=lambda a: f"JTAI {a['theme_as_published']}: {a['finding']}",
                    severity="finding_type",
                    themes="theme_as_published",
                    responds=lambda a: "; ".join(a.get("agencies") or []),
                    dated="letter_published",
                    area="local_authority",
                ),
            ),
        ),
        RecordKind(
            name="action",
            agency_fields=("owner_agency", "agencies"),
            model=Action,
            key=_key,
            valid_time=lambda r: ValidTime(r.status_as_at),
            mode="append",
            description="An item of the JTAI statement of action, with its status as at a day.",
            actions=ActionDeclaration(
                reference=lambda a: (
                    f"JTAI-{slug(a['local_authority'])}-{a['fieldwork_start_date']}-{slug(a['reference'])}"
                ).upper(),
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
                stated_on="status_as_at",
                impact=lambda a: a.get("status") == "embedded",
                evidence=lambda a: (
                    "complete and embedded, as the tracker states"
                    if a.get("status") == "embedded"
                    else None
                ),
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=SAMPLES,
    cadence="P3M",
    description=(
        "Joint targeted area inspections of the partnership (Ofsted, CQC, HMICFRS, HMI Probation): "
        "the ungraded letter's strengths and areas for improvement, and the statement of "
        "action's items with their quarterly status."
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SOURCE)
