"""The words sources grade and sort things with: one fold, one slug style, every grade scale.

A :class:`Scale` is a documented mapping from the words (and, where an inspectorate publishes
them, the numbers) a source may hold to one canonical **slug** and its rank (1 = the best
level; None for a level outside the order). Slugs are lower-case words joined by hyphens
(``requires-improvement``, ``in-progress``), the style of every value the platform stores
(action statuses, measure categories, polarities); :func:`lif_core.plugins.slug` makes one from
a name (and the trackers' record keys).
A :class:`Vocabulary` is a closed list of words kept in their canonical spelling (``Red``,
``On track``) where the word itself is the value.

Both match a word with :func:`fold`: ignoring case, repeated blanks, hyphens, dashes and
underscores, curly apostrophes and a trailing full stop. A word that is not on the list is a
:class:`~lif_core.plugins.RecordError` naming the value and the column, never a silent
blank. The same word can mean different things on different scales ("Good" is the top of HMI
Prisons' healthy prison scale, the second level of Ofsted's), which is why every source reads
each column with one named scale.

Before this module, five sources stored underscore slugs (``requires_improvement``); stores
written then hold both spellings until those files are ingested again (docs/design.md, "Grade
words"). The read models compare grades through :func:`lif_core.plugins.grade_slug`, which
reads both.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ingestors._fields import blank, text
from lif_core.plugins import RecordError, slug

__all__ = [
    "ACTION_STATUS",
    "AUDIT_GRADE",
    "CQC_RATING",
    "EARLY_YEARS_OUTCOME",
    "HMICFRS_FIVE_POINT",
    "HMI_PRISONS_HEALTHY_PRISON",
    "HMI_PROBATION_FOUR_POINT",
    "OFSTED_FOUR_POINT",
    "OFSTED_ILACS",
    "OFSTED_SOCIAL_CARE",
    "OFSTED_SUPPORTED_ACCOMMODATION",
    "RECOMMENDATION_STATUS",
    "REPORT_CARD",
    "REPORT_CARDS_FROM",
    "SAFEGUARDING_EFFECTIVE",
    "SAFEGUARDING_MET",
    "Level",
    "Reading",
    "Scale",
    "Vocabulary",
    "fold",
    "one_of",
    "slug",
]


@functools.lru_cache(maxsize=4096)  # a column holds a few words, read on every row
def fold(word: Any) -> str:
    """A word as it is matched: 'Requires-Improvement ' and 'requires improvement' fold alike."""
    folded = str(word).casefold().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"[\s\-\u2010-\u2015_]+", " ", folded).strip(" .")


@dataclass(frozen=True, slots=True)
class Level:
    """One level of a scale: its slug, the inspectorate's wording, its rank, other spellings."""

    value: str
    label: str
    rank: int | None
    spellings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reading:
    """A published word read onto a scale: the slug, its rank, the word as written."""

    value: str
    rank: int | None
    as_published: str


@dataclass(frozen=True, slots=True)
class Scale:
    """A named list of levels, read from published wording."""

    name: str
    title: str
    levels: tuple[Level, ...]
    _index: dict[str, Level] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Level] = {}
        for level in self.levels:
            if level.value != slug(level.value):
                raise ValueError(f"scale {self.name!r}: {level.value!r} is not a slug")
            for word in (level.label, *level.spellings):
                folded = fold(word)
                if index.get(folded, level) != level:
                    raise ValueError(f"scale {self.name!r}: {word!r} names two levels")
                index[folded] = level
        object.__setattr__(self, "_index", index)

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(level.value for level in self.levels))

    def words(self) -> str:
        """The accepted wording, for messages: 'Outstanding, Good, ...'."""
        return ", ".join(level.label for level in self.levels)

    def read(self, value: Any, column: str) -> Reading | None:
        """The reading of one cell, None when blank; RecordError for a word not on the scale."""
        if blank(value):
            return None
        published = text(value)
        assert published is not None
        level = self._index.get(fold(published))
        if level is None:
            raise RecordError(
                f"{published!r} is not on the {self.title} (expected one of: {self.words()})",
                column=column,
                value=published,
            )
        return Reading(level.value, level.rank, published)

    def value_of(self, value: Any, column: str) -> str | None:
        """The slug of one cell, None when blank (see :meth:`read`)."""
        reading = self.read(value, column)
        return reading.value if reading else None

    def knows(self, word: str) -> bool:
        """Whether ``word`` is on the scale."""
        return fold(word) in self._index

    def require(self, value: Any, column: str, why: str = "") -> Reading:
        """Like :meth:`read`, but a blank cell is a RecordError too."""
        reading = self.read(value, column)
        if reading is None:
            because = f" {why}" if why else ""
            raise RecordError(
                f"the value is blank; expected one of: {self.words()}{because}", column=column
            )
        return reading


def one_of(*scales: Scale) -> Any:
    """The type of a model field holding a slug of these scales (``Literal['good', ...]``)."""
    return Literal[tuple(dict.fromkeys(s for scale in scales for s in scale.slugs))]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The closed list of words a column may hold: canonical spelling -> accepted aliases.

    ``what`` names the word in messages ("RAG rating", "row type").
    """

    what: str
    terms: Mapping[str, Sequence[str]]
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for canonical, aliases in self.terms.items():
            for spelling in (canonical, *aliases):
                folded = fold(spelling)
                if lookup.get(folded, canonical) != canonical:
                    raise ValueError(f"{self.what}: {spelling!r} is an alias of two terms")
                lookup[folded] = canonical
        object.__setattr__(self, "_lookup", lookup)

    def read(self, value: Any, column: str) -> str | None:
        """The canonical term, None when the cell is blank; an unknown word is refused."""
        # Looked up before the blank test: 'N/A' can be a term ('Grey' on a RAG list).
        if value is not None and fold(value) in self._lookup:
            return self._lookup[fold(value)]
        if blank(value):
            return None
        raw = " ".join(str(value).split())
        raise RecordError(
            f"{raw!r} is not a known {self.what}; expected one of: {', '.join(self.terms)}",
            column=column,
            value=raw,
        )

    def require(self, value: Any, column: str) -> str:
        """The canonical term; a blank cell is refused too."""
        term = self.read(value, column)
        if term is None:
            raise RecordError(
                f"the {self.what} is blank; expected one of: {', '.join(self.terms)}", column=column
            )
        return term


# --- Ofsted ---------------------------------------------------------------------------------

# Ofsted's renewed framework (report cards) applies to inspections starting on or after this day.
REPORT_CARDS_FROM = date(2025, 11, 10)

_OFSTED_LEVELS = (
    Level("outstanding", "Outstanding", 1, ("1",)),
    Level("good", "Good", 2, ("2",)),
    Level("requires-improvement", "Requires improvement", 3, ("3",)),
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
        Level("strong-standard", "Strong standard", 2),
        Level("expected-standard", "Expected standard", 3),
        Level("needs-attention", "Needs attention", 4),
        Level("urgent-improvement", "Urgent improvement", 5),
    ),
)

SAFEGUARDING_EFFECTIVE = Scale(
    "ofsted-safeguarding-effective",
    "Ofsted 'Safeguarding is effective?' answer (to 9 November 2025)",
    (
        Level("effective", "Yes", 1, ("Effective", "Y")),
        Level("not-effective", "No", 2, ("Not effective", "Ineffective", "N")),
    ),
)

SAFEGUARDING_MET = Scale(
    "ofsted-safeguarding-met",
    "Ofsted report-card safeguarding judgement (from 10 November 2025)",
    (
        Level("met", "Met", 1),
        Level("not-met", "Not met", 2),
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
        Level("not-met-with-actions", "Not met (with actions)", None, ("Not met with actions",)),
        Level(
            "not-met-with-enforcement",
            "Not met (with enforcement)",
            None,
            ("Not met with enforcement",),
        ),
    ),
)

# Children's social care providers: each era of the framework words its grades differently,
# and the snapshots keep the wording of the inspection they report. Seen in the snapshots:
# Outstanding, Good, Inadequate 2015-2025; "Requires improvement to be good" 2018-2025 (SCCIF
# 2017 on; "Requires Improvement to be good" in 2019); "Requires improvement" 2015-2018
# (inspections 2013-2017); Adequate 2015-2018 (inspections 2012-2015, earlier frameworks);
# Satisfactory 2015-2018 (inspections 2009-2014); "Not judged" 2016-2021 (one area left
# ungraded). Adequate, satisfactory and requires improvement share third place but do not
# mean the same: see docs/sources/ofsted-social-care.md.
OFSTED_SOCIAL_CARE = Scale(
    "ofsted-social-care",
    "Ofsted children's social care grade scale (every era since 2009)",
    (
        Level("outstanding", "Outstanding", 1),
        Level("good", "Good", 2),
        Level(
            "requires-improvement",
            "Requires improvement to be good",
            3,
            ("Requires improvement",),
        ),
        Level("adequate", "Adequate", 3),
        Level("satisfactory", "Satisfactory", 3),
        Level("inadequate", "Inadequate", 4),
        Level("not-judged", "Not judged", None),
    ),
)

# Supported accommodation: its own three-point scale (2025 snapshot on).
OFSTED_SUPPORTED_ACCOMMODATION = Scale(
    "ofsted-supported-accommodation",
    "Ofsted supported accommodation outcome scale (2025 on)",
    (
        Level("consistently-strong", "Consistently strong service delivery", 1),
        Level("inconsistent", "Inconsistent quality of service delivery", 2),
        Level("serious-weaknesses", "Serious or widespread weaknesses", 3),
    ),
)

# ILACS 2018-2026: the scraped history writes the grades in lower case ("requires
# improvement"); the reports say "requires improvement to be good".
OFSTED_ILACS = Scale(
    "ofsted-ilacs",
    "Ofsted ILACS grade scale",
    (
        Level("outstanding", "Outstanding", 1),
        Level("good", "Good", 2),
        Level(
            "requires-improvement",
            "Requires improvement",
            3,
            ("Requires improvement to be good",),
        ),
        Level("inadequate", "Inadequate", 4),
    ),
)

# --- CQC ------------------------------------------------------------------------------------

# 2014-2025; the derived history drifts between "Requires improvement" and "Requires
# Improvement". "Not rated" and "Insufficient evidence to rate": the national ratings file.
CQC_RATING = Scale(
    "cqc",
    "CQC rating scale",
    (
        Level("outstanding", "Outstanding", 1),
        Level("good", "Good", 2),
        Level("requires-improvement", "Requires improvement", 3),
        Level("inadequate", "Inadequate", 4),
        Level("not-rated", "Not rated", None),
        Level("insufficient-evidence", "Insufficient evidence to rate", None),
    ),
)

# --- the partnership's own audits -------------------------------------------------------------

AUDIT_GRADE = Scale(
    "audit-grade",
    "audit grade scale",
    (
        Level("outstanding", "Outstanding", 1),
        Level("good", "Good", 2),
        Level(
            "requires-improvement",
            "Requires improvement",
            3,
            ("RI", "Requires improvement to be good"),
        ),
        Level("inadequate", "Inadequate", 4),
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
        Level("requires-improvement", "Requires improvement", 4),
        Level("inadequate", "Inadequate", 5),
    ),
)

HMI_PROBATION_FOUR_POINT = Scale(
    "hmi-probation-four-point",
    "HMI Probation four-point rating scale",
    (
        Level("outstanding", "Outstanding", 1),
        Level("good", "Good", 2),
        Level("requires-improvement", "Requires improvement", 3),
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
        Level("reasonably-good", "Reasonably good", 2),
        Level("not-sufficiently-good", "Not sufficiently good", 3),
        Level("poor", "Poor", 4),
    ),
)

# --- statuses of recommendations and actions ------------------------------------------------------

RECOMMENDATION_STATUS = Scale(
    "recommendation-status",
    "recommendation status list",
    (
        Level("open", "Open", None, ("Not started",)),
        Level("in-progress", "In progress", None, ("Ongoing",)),
        Level("closed", "Closed", None, ("Complete", "Completed")),
        Level("superseded", "Superseded", None),
    ),
)

ACTION_STATUS = Scale(
    "action-status",
    "statement of action status list",
    (
        Level("not-started", "Not started", None),
        Level("in-progress", "In progress", None, ("Ongoing",)),
        Level("complete", "Complete", None, ("Completed",)),
        Level("embedded", "Embedded", None, ("Complete and embedded", "Completed and embedded")),
    ),
)
