"""A toy source whose records hold free text and, optionally, a field declared personal.

Team notes per area and year: ``note`` is :data:`~lif_core.plugins.FreeText` (guarded, then
sealed per record); ``PERSONAL_SOURCE`` also declares ``contact`` personal (sealed, never
published). The tests of crypto-shredding record fields use it.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lif_core.plugins import (
    Columns,
    Emit,
    FreeText,
    InputOptions,
    RecordKind,
    Row,
    Source,
    ValidTime,
)


class TeamNote(BaseModel):
    """One team's note on an area's year."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int = Field(ge=2000, le=2100, description="Calendar year the note is about.")
    area: str = Field(description="Area name, e.g. 'Leeds'.")
    note: FreeText = Field(description="What the team noticed.")
    contact: str | None = Field(default=None, description="Who to ask about it.")


def map_row(row: Row) -> list[Emit]:
    values = row.values
    fields: dict[str, Any] = {
        "year": values["year"],
        "area": values["area"],
        "note": values["note"],
    }
    if values.get("contact") is not None:
        fields["contact"] = values["contact"]
    return [Emit("team-note", fields)]


KIND = RecordKind(
    name="team-note",
    model=TeamNote,
    key=lambda r: f"{r.year}/{r.area.casefold()}",
    valid_time=lambda r: ValidTime(date(r.year, 1, 1), date(r.year, 12, 31)),
    description="A team's note on an area's year.",
)

SOURCE = Source(
    name="team-notes",
    title="Toy team notes",
    provider="The test suite",
    kinds=(KIND,),
    inputs=InputOptions(
        formats=("csv",),
        columns=Columns(
            variants={
                "year": ("Year",),
                "area": ("Area",),
                "note": ("Note",),
                "contact": ("Contact",),
            },
            required=("year", "area", "note"),
        ),
    ),
    map_row=map_row,
    description="Team notes per area and year, for the tests.",
)

PERSONAL_SOURCE = dataclasses.replace(
    SOURCE,
    name="team-notes-personal",
    kinds=(dataclasses.replace(KIND, personal_fields=("contact",)),),
)
