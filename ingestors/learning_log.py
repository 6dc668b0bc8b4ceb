"""Source plugin for the partnership's learning log: every item of learning, where it came from, how it was shared.

The log is kept as one workbook and exported whole, so each file is a snapshot of the whole
log: an item missing from a newer export is withdrawn. A row is about the day the learning
was identified. Layout and rules: docs/sources/learning-log.md.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import export_day, parse_date, text
from ingestors._suppression import split_list
from lif_core.plugins import (
    Columns,
    Emit,
    FreeText,
    InputOptions,
    LearningDeclaration,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)

__all__ = ["CHANNELS", "SOURCE", "SOURCES", "LearningItem", "register_sources"]

LearningSource = Literal[
    "review",
    "audit",
    "inspection",
    "child-death-review",
    "survey",
    "performance",
    "partner-report",
    "self-assessment",
    "complaint",
    "training",
    "practitioner-feedback",
    "other",
]
Channel = Literal[
    "published-review",
    "newsletter",
    "learning-sheet",
    "practitioner-briefing",
    "7-minute-briefing",
    "training",
    "procedure-update",
    "website",
    "conference",
]

# Spellings the business unit uses -> the source of learning (Appendix B of the framework).
SOURCES: dict[str, LearningSource] = {
    "review": "review",
    "practice review": "review",
    "cspr": "review",
    "rapid review": "review",
    "learning lessons review": "review",
    "llr": "review",
    "audit": "audit",
    "multi-agency audit": "audit",
    "single-agency audit": "audit",
    "inspection": "inspection",
    "jtai": "inspection",
    "ofsted": "inspection",
    "cdop": "child-death-review",
    "child death review": "child-death-review",
    "child-death-review": "child-death-review",
    "survey": "survey",
    "voice of the child": "survey",
    "performance": "performance",
    "performance data": "performance",
    "partner report": "partner-report",
    "partner-report": "partner-report",
    "section 11": "self-assessment",
    "section 175": "self-assessment",
    "self-assessment": "self-assessment",
    "complaint": "complaint",
    "complaints": "complaint",
    "training": "training",
    "practitioner feedback": "practitioner-feedback",
    "practitioner-feedback": "practitioner-feedback",
    "other": "other",
}
CHANNELS: dict[str, Channel] = {
    "published review": "published-review",
    "published-review": "published-review",
    "newsletter": "newsletter",
    "learning sheet": "learning-sheet",
    "learning-sheet": "learning-sheet",
    "practitioner briefing": "practitioner-briefing",
    "practitioner-briefing": "practitioner-briefing",
    "7-minute briefing": "7-minute-briefing",
    "7 minute briefing": "7-minute-briefing",
    "7-minute-briefing": "7-minute-briefing",
    "seven minute briefing": "7-minute-briefing",
    "training": "training",
    "procedure update": "procedure-update",
    "procedure-update": "procedure-update",
    "updated procedure": "procedure-update",
    "website": "website",
    "conference": "conference",
}
_REFERENCE = re.compile(r"^LRN-\d{4}-\d{3}$")
_ACTION = re.compile(r"^ACT-\d{4}-\d{3}$")


class LearningItem(BaseModel):
    """One row of the learning log."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(description="The log's reference for the learning, e.g. 'LRN-2025-014'.")
    source: LearningSource = Field(
        description="Where the learning came from (review, audit, inspection, survey, ...)."
    )
    source_reference: str | None = Field(
        description="The reference of that source, e.g. 'CSPR-2024-02', if it has one."
    )
    date_identified: date = Field(description="The day the learning was identified.")
    themes: list[str] = Field(
        min_length=1, description="Practice themes, e.g. ['Neglect', 'Was not brought']."
    )
    learning: FreeText = Field(description="The learning statement.")
    agencies: list[str] = Field(description="Agencies the learning involves.")
    dissemination_channels: list[Channel] = Field(
        description="How it was shared: newsletter, 7-minute-briefing, training, ..."
    )
    date_disseminated: date | None = Field(
        description="The day it was first shared; None while not yet shared."
    )
    audience: str | None = Field(
        description="Who it was shared with, e.g. 'Multi-agency practitioners'."
    )
    linked_actions: list[str] = Field(
        description="References of the actions it led to, e.g. ['ACT-2025-031']."
    )
    evidence_of_impact: FreeText | None = Field(
        description="Evidence that the learning made a difference, when there is some."
    )
    learning_point: str | None = Field(
        default=None,
        description="The review's learning point this item records, e.g. 'CSPR-2024-02/LP01' (the same learning: one register item).",
    )


COLUMNS = Columns(
    variants={
        "reference": ("Reference", "Learning reference", "Ref"),
        "source": ("Source", "Source of learning"),
        "source_reference": ("Source reference", "Source ref"),
        "date_identified": ("Date identified", "Identified"),
        "themes": ("Themes", "Theme", "Theme(s)"),
        "learning": ("Learning statement", "Learning"),
        "agencies": ("Agencies", "Agencies involved"),
        "dissemination_channels": (
            "Dissemination channel",
            "Dissemination channels",
            "Channel",
            "How shared",
        ),
        "date_disseminated": ("Date disseminated", "Date shared"),
        "audience": ("Audience",),
        "linked_actions": ("Linked actions", "Actions"),
        "evidence_of_impact": ("Evidence of impact", "Impact"),
        "learning_point": ("Learning point", "Review learning point"),
    },
    required=("reference", "source", "date_identified", "themes", "learning"),
)


def _vocabulary(table: dict[str, Any], value: str, column: str, what: str) -> Any:
    found = table.get(value.casefold())
    if found is None:
        raise RecordError(f"{value!r} is not {what}", column=column, value=value)
    return found


def _references(value: Any, pattern: re.Pattern[str], column: str, example: str) -> list[str]:
    references = [item.upper() for item in split_list(value)]
    for reference in references:
        if not pattern.match(reference):
            raise RecordError(f"{reference!r} is not a reference like {example}", column=column)
    return references


def map_row(row: Row) -> list[Emit]:
    """One log row -> one ``learning`` record."""
    values = row.values
    reference = (text(values.get("reference")) or "").upper()
    if not _REFERENCE.match(reference):
        raise RecordError(
            f"{reference!r} is not a learning reference like LRN-2025-014", column="reference"
        )
    source = _vocabulary(
        SOURCES,
        text(values.get("source")) or "",
        "source",
        "a source of learning (review, audit, inspection, ...)",
    )
    identified = parse_date(values.get("date_identified"), "date_identified")
    if identified is None:
        raise RecordError("the date identified is blank", column="date_identified")
    themes = split_list(values.get("themes"))
    if not themes:
        raise RecordError("a learning item needs at least one theme", column="themes")
    learning = text(values.get("learning"))
    if learning is None:
        raise RecordError("the learning statement is blank", column="learning")
    channels = [
        _vocabulary(
            CHANNELS,
            item,
            "dissemination_channels",
            "a dissemination channel (newsletter, 7-minute briefing, ...)",
        )
        for item in split_list(values.get("dissemination_channels"))
    ]
    disseminated = parse_date(values.get("date_disseminated"), "date_disseminated")
    if disseminated is not None and not channels:
        raise RecordError(
            "a date disseminated needs the channel it was shared through",
            column="dissemination_channels",
        )
    if disseminated is not None and disseminated < identified:
        raise RecordError(
            f"shared on {disseminated}, before it was identified on {identified}",
            column="date_disseminated",
        )
    fields = {
        "reference": reference,
        "source": source,
        "source_reference": text(values.get("source_reference")),
        "date_identified": identified,
        "themes": themes,
        "learning": learning,
        "agencies": split_list(values.get("agencies")),
        "dissemination_channels": channels,
        "date_disseminated": disseminated,
        "audience": text(values.get("audience")),
        "linked_actions": _references(
            values.get("linked_actions"), _ACTION, "linked_actions", "ACT-2025-031"
        ),
        "evidence_of_impact": text(values.get("evidence_of_impact")),
        "learning_point": (text(values.get("learning_point")) or "").upper() or None,
    }
    # The export's day dates the snapshot, so an item dropped from a newer export is withdrawn
    # even when it was identified before items that remain.
    exported = export_day(str(row.origin_meta.get("title", "")), row.origin)
    return [Emit("learning", fields, as_of=exported)]


SOURCE = Source(
    name="learning-log",
    title="Learning log",
    provider="Leeds Safeguarding Children Partnership business unit",
    kinds=(
        RecordKind(
            name="learning",
            agency_fields=("agencies",),
            model=LearningItem,
            key=lambda r: r.reference,
            valid_time=lambda r: ValidTime(r.date_identified),
            mode="snapshot",
            description="One item of learning: source, themes, statement, agencies, dissemination, actions, impact.",
            learning=LearningDeclaration(
                reference="reference",
                statement="learning",
                themes="themes",
                identified_on="date_identified",
                origin="source",
                source_reference="source_reference",
                agencies="agencies",
                audience="audience",
                # The review's learning point the item records is the same learning: one
                # item, citing both the log's row and the review's point.
                same_as="learning_point",
                channels="dissemination_channels",
                shared_on="date_disseminated",
                impact="evidence_of_impact",
            ),
        ),
    ),
    inputs=InputOptions(formats=("xlsx", "csv"), columns=COLUMNS),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "learning-log",
    cadence="P1M",
    description=(
        "The partnership's learning log, exported whole: each item of learning with its source, "
        "the day it was identified, themes, learning statement, agencies, how and when it was "
        "shared and with whom, the actions it led to and evidence of impact."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
