"""The partnership's inspection trackers: one row per entry, its ``Entry type`` saying which.

HMICFRS, JTAI and the other inspections (HMI Probation, HMI Prisons) are tracked in one
layout: every row names the inspection, an ``Entry type`` column says what the row is (a
grade, a finding, a recommendation, an action), some columns belong to one entry type only,
and the entries that are followed up carry a status and the day it was last reviewed
(``Status as at``). :class:`TrackerLayout` reads the entry type and refuses a value in a
column the type has no place for (it would be lost); :func:`status_fields` reads the status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ingestors._fields import blank, parse_date, text
from ingestors._vocabulary import Reading, Scale
from lif_core.plugins import RecordError

__all__ = ["ENTRY_TYPE", "STATUS_AS_AT", "TrackerLayout", "required_date", "status_fields"]

ENTRY_TYPE = "Entry type"
STATUS_AS_AT = "Status as at"


@dataclass(frozen=True, slots=True)
class TrackerLayout:
    """A tracker's entry types, and the columns only some of them fill.

    ``only``: entry type (slug) -> the columns that belong to that type; a row of any other
    type must leave them blank.
    """

    entry_types: Scale
    only: Mapping[str, tuple[str, ...]]

    def entry(self, values: Mapping[str, Any]) -> Reading:
        """The row's entry type, once its cells have been checked against it."""
        entry = self.entry_types.require(values.get(ENTRY_TYPE), ENTRY_TYPE)
        own = set(self.only.get(entry.value, ()))
        for entry_type, columns in self.only.items():
            if entry_type != entry.value:
                _leave_blank(values, [c for c in columns if c not in own], entry.as_published)
        return entry


def _leave_blank(values: Mapping[str, Any], columns: list[str], entry_type: str) -> None:
    for column in columns:
        if not blank(values.get(column)):
            raise RecordError(
                f"{text(values.get(column))!r} has no place on a row of entry type {entry_type!r}: "
                "leave it blank, or check the entry type",
                column=column,
                value=values.get(column),
            )


def required_date(values: Mapping[str, Any], column: str, why: str = "a date is needed") -> date:
    """A date cell that must be filled."""
    day = parse_date(values.get(column), column)
    if day is None:
        raise RecordError(f"blank: {why}", column=column)
    return day


def status_fields(scale: Scale, values: Mapping[str, Any], column: str) -> dict[str, Any]:
    """``status``, ``status_as_published`` and ``status_as_at`` of a followed-up entry."""
    status = scale.require(values.get(column), column)
    return {
        "status": status.value,
        "status_as_published": status.as_published,
        "status_as_at": required_date(
            values, STATUS_AS_AT, "the day the status was last reviewed is needed"
        ),
    }
