"""The inspectorates' grade and status scales, and how a published word is read onto one.

Each :class:`Scale` is a documented mapping: the words (and, where an inspectorate
publishes them, the numbers) a source may hold -> one normalised value (a lower-case
slug) and its rank (1 = the best level; None for a level outside the order). The words
are matched ignoring case, repeated blanks, hyphens and dashes. A word that is not on
the scale is a :class:`~lif_core.plugins.RecordError` naming the value and the column,
never a silent blank. The same word can mean different things on different scales
("Good" is the top of HMI Prisons' healthy prison scale, the second level of Ofsted's),
which is why every source reads each column with one named scale.

Used by the inspection ingestors: ofsted-schools, ofsted-early-years, hmicfrs, jtai,
other-inspections, with the two small helpers they share for their trackers: record-key
parts, and the cells a row of one entry type must leave blank.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ingestors._fields import blank, text
from lif_core.plugins import RecordError

__all__ = [
    "ACTION_STATUS",
    "EARLY_YEARS_OUTCOME",
    "HMICFRS_FIVE_POINT",
    "HMI_PRISONS_HEALTHY_PRISON",
    "HMI_PROBATION_FOUR_POINT",
    "OFSTED_FOUR_POINT",
    "RECOMMENDATION_STATUS",
    "REPORT_CARD",
    "REPORT_CARDS_FROM",
    "SAFEGUARDING_EFFECTIVE",
    "SAFEGUARDING_MET",
    "Level",
    "Reading",
    "Scale",
    "key_part",
    "leave_blank",
]


@dataclass(frozen=True, slots=True)
class Level:
    """One level of a scale: its normalised value, the inspectorate's wording, its rank."""

    value: str
    label: str
    rank: int | None
    spellings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reading:
    """A published word read onto a scale: the normalised value, its rank, the word as written."""

    value: str
    rank: int | None
    as_published: str


def _fold(word: str) -> str:
    return re.sub(r"[\s\-\u2010-\u2015_]+", " ", word.casefold()).strip(" .")


@dataclass(frozen=True, slots=True)
class Scale:
    """A named vocabulary of levels, read from published wording."""

    name: str
    title: str
    levels: tuple[Level, ...]
    _index: dict[str, Level] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Level] = {}
        for level in self.levels:
            for word in (level.label, *level.spellings):
                folded = _fold(word)
                if folded in index:
                    raise ValueError(f"scale {self.name!r}: {word!r} names two levels")
                index[folded] = level
        object.__setattr__(self, "_index", index)

    def words(self) -> str:
        """The accepted wording, for messages: 'Outstanding, Good, ...'."""
        return ", ".join(level.label for level in self.levels)

    def read(self, value: Any, column: str) -> Reading | None:
        """The reading of one cell, None when blank; RecordError for a word not on the scale."""
        if blank(value):
            return None
        published = text(value)
        assert published is not None
        level = self._index.get(_fold(published))
        if level is None:
            raise RecordError(
                f"{published!r} is not on the {self.title} (expected one of: {self.words()})",
                column=column,
                value=published,
            )
        return Reading(level.value, level.rank, published)

    def require(self, value: Any, column: str, why: str = "") -> Reading:
        """Like :meth:`read`, but a blank cell is a RecordError too."""
        reading = self.read(value, column)
        if reading is None:
            because = f" {why}" if why else ""
            raise RecordError(
                f"the value is blank; expected one of: {self.words()}{because}", column=column
            )
        return reading


def key_part(name: str) -> str:
    """A name as a record-key part: 'West Yorkshire Police' -> 'west-yorkshire-police'."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


def leave_blank(values: Mapping[str, Any], columns: Iterable[str], entry_type: str) -> None:
    """Reject a row whose cells hold a value its entry type has no place for (it would be lost)."""
    for column in columns:
        if not blank(values.get(column)):
            raise RecordError(
                f"{text(values.get(column))!r} has no place on a row of entry type {entry_type!r}: "
                "leave it blank, or check the entry type",
                column=column,
                value=values.get(column),
            )


# --- Ofsted -------------------------------------------------------------------------------

# Ofsted's renewed framework (report cards) applies to inspections starting on or after this day.
REPORT_CARDS_FROM = date(2025, 11, 10)

_OFSTED_LEVELS = (
    Level("outstanding", "Outstanding", 1, ("1",)),
    Level("good", "Good", 2, ("2",)),
    Level("requires_improvement", "Requires improvement", 3, ("3",)),
    Level("inadequate", "Inadequate", 4, ("4",)),
)

OFSTED_FOUR_POINT = Scale(
    "ofsted-four-point",
    "Ofsted 1-4 grade scale (education inspection framework, to 9 November 2025)",
    _OFSTED_LEVELS,
)

REPORT_CARD = Scale(
    "ofsted-report-card",
    "Ofsted report-card scale (renewed framework, from 10 November 2025)",
    (
        Level("exceptional", "Exceptional", 1),
        Level("strong_standard", "Strong standard", 2),
        Level("expected_standard", "Expected standard", 3),
        Level("needs_attention", "Needs attention", 4),
        Level("urgent_improvement", "Urgent improvement", 5),
    ),
)

SAFEGUARDING_EFFECTIVE = Scale(
    "ofsted-safeguarding-effective",
    "Ofsted 'Safeguarding is effective?' answer (to 9 November 2025)",
    (
        Level("effective", "Yes", 1, ("Effective", "Y")),
        Level("not_effective", "No", 2, ("Not effective", "Ineffective", "N")),
    ),
)

SAFEGUARDING_MET = Scale(
    "ofsted-safeguarding-met",
    "Ofsted report-card safeguarding judgement (from 10 November 2025)",
    (
        Level("met", "Met", 1),
        Level("not_met", "Not met", 2),
    ),
)

# Early years outcomes: the four grades, plus the compliance outcomes Ofsted gives where it
# cannot grade (no children on roll, or a Childcare Register inspection).
EARLY_YEARS_OUTCOME = Scale(
    "ofsted-early-years-outcome",
    "Ofsted early years outcome scale (1-4 grades, or met / not met)",
    (
        *_OFSTED_LEVELS,
        Level("met", "Met", None),
        Level("not_met_with_actions", "Not met (with actions)", None, ("Not met with actions",)),
        Level(
            "not_met_with_enforcement",
            "Not met (with enforcement)",
            None,
            ("Not met with enforcement",),
        ),
    ),
)

# --- HMICFRS, HMI Probation, HMI Prisons --------------------------------------------------------

HMICFRS_FIVE_POINT = Scale(
    "hmicfrs-five-point",
    "HMICFRS five-point grade scale",
    (
        Level("outstanding", "Outstanding", 1),
        Level("good", "Good", 2),
        Level("adequate", "Adequate", 3),
        Level("requires_improvement", "Requires improvement", 4),
        Level("inadequate", "Inadequate", 5),
    ),
)

HMI_PROBATION_FOUR_POINT = Scale(
    "hmi-probation-four-point",
    "HMI Probation four-point rating scale",
    (
        Level("outstanding", "Outstanding", 1),
        Level("good", "Good", 2),
        Level("requires_improvement", "Requires improvement", 3),
        Level("inadequate", "Inadequate", 4),
    ),
)

# HMI Prisons scores each healthy prison test 4 (good) to 1 (poor). The scores are not
# accepted as spellings: a bare "4" would read as the worst level on the Ofsted-style scales.
HMI_PRISONS_HEALTHY_PRISON = Scale(
    "hmi-prisons-healthy-prison",
    "HMI Prisons healthy prison assessment scale",
    (
        Level("good", "Good", 1),
        Level("reasonably_good", "Reasonably good", 2),
        Level("not_sufficiently_good", "Not sufficiently good", 3),
        Level("poor", "Poor", 4),
    ),
)

# --- statuses of recommendations and actions ------------------------------------------------------

RECOMMENDATION_STATUS = Scale(
    "recommendation-status",
    "recommendation status list",
    (
        Level("open", "Open", None, ("Not started",)),
        Level("in_progress", "In progress", None, ("Ongoing",)),
        Level("closed", "Closed", None, ("Complete", "Completed")),
        Level("superseded", "Superseded", None),
    ),
)

ACTION_STATUS = Scale(
    "action-status",
    "statement of action status list",
    (
        Level("not_started", "Not started", None),
        Level("in_progress", "In progress", None, ("Ongoing",)),
        Level("complete", "Complete", None, ("Completed",)),
        Level("embedded", "Embedded", None, ("Complete and embedded", "Completed and embedded")),
    ),
)
