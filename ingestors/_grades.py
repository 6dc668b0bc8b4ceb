"""Inspection grade wordings mapped to one scale: the documented mapping per source and year.

Each inspectorate (and each era of a framework) words its grades differently: Ofsted's
children's social care snapshots say "Adequate" in 2015, "Requires improvement" in
2016-2018 and "Requires improvement to be good" from 2018 on; the scraped ILACS history
writes grades in lower case; CQC's derived history drifts between "Requires improvement"
and "Requires Improvement". :func:`normalise` turns a published wording into a
:data:`Grade`, matching case- and spacing-insensitively, and refuses a wording it does not
know with a :class:`~lif_core.plugins.RecordError` naming the value and the column: an
unknown grade is never turned into a silent blank.

``seen_in`` records where each wording occurs in the real data, so docs/sources/*.md and
the tests can show the mapping per source and year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from lif_core.plugins import RecordError

__all__ = ["RANK", "SCHEMES", "Grade", "Wording", "normalise"]

Grade = Literal[
    "outstanding",
    "good",
    "requires-improvement",
    "adequate",
    "satisfactory",
    "inadequate",
    "not-judged",
    "consistently-strong",
    "inconsistent",
    "serious-weaknesses",
    "not-rated",
    "insufficient-evidence",
]

# Position on the common four-point scale (1 best). Adequate, satisfactory and requires
# improvement share third place but do not mean the same: see docs/sources/ofsted-social-care.md.
RANK: dict[str, int] = {
    "outstanding": 1,
    "good": 2,
    "requires-improvement": 3,
    "adequate": 3,
    "satisfactory": 3,
    "inadequate": 4,
    "consistently-strong": 2,
    "inconsistent": 3,
    "serious-weaknesses": 4,
}


@dataclass(frozen=True, slots=True)
class Wording:
    """One published grade wording, the grade it maps to, and where it has been seen."""

    text: str
    grade: Grade
    seen_in: str


SCHEMES: dict[str, tuple[Wording, ...]] = {
    "ofsted-social-care": (
        Wording("Outstanding", "outstanding", "snapshots 2015-2025"),
        Wording("Good", "good", "snapshots 2015-2025"),
        Wording(
            "Requires improvement to be good",
            "requires-improvement",
            "snapshots 2018-2025 (SCCIF 2017 on)",
        ),
        Wording(
            "Requires improvement",
            "requires-improvement",
            "snapshots 2015-2018 (inspections 2013-2017)",
        ),
        Wording(
            "Adequate",
            "adequate",
            "snapshots 2015-2018 (inspections 2012-2015, earlier frameworks)",
        ),
        Wording("Satisfactory", "satisfactory", "snapshots 2015-2018 (inspections 2009-2014)"),
        Wording("Inadequate", "inadequate", "snapshots 2015-2025"),
        Wording("Not judged", "not-judged", "snapshots 2016-2021 (one area left ungraded)"),
    ),
    "ofsted-supported-accommodation": (
        Wording("Consistently strong service delivery", "consistently-strong", "snapshot 2025"),
        Wording("Inconsistent quality of service delivery", "inconsistent", "snapshot 2025"),
        Wording("Serious or widespread weaknesses", "serious-weaknesses", "snapshot 2025"),
    ),
    "ofsted-ilacs": (
        Wording("outstanding", "outstanding", "ILACS 2018-2026"),
        Wording("good", "good", "ILACS 2018-2026"),
        Wording(
            "requires improvement", "requires-improvement", "ILACS 2018-2026 (report: 'to be good')"
        ),
        Wording("requires improvement to be good", "requires-improvement", "ILACS reports"),
        Wording("inadequate", "inadequate", "ILACS 2018-2026"),
    ),
    "cqc": (
        Wording("Outstanding", "outstanding", "2014-2025"),
        Wording("Good", "good", "2014-2025"),
        Wording(
            "Requires improvement",
            "requires-improvement",
            "2014-2025 (also 'Requires Improvement')",
        ),
        Wording("Inadequate", "inadequate", "2014-2025"),
        Wording("Not rated", "not-rated", "national ratings file"),
        Wording("Insufficient evidence to rate", "insufficient-evidence", "national ratings file"),
    ),
}


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


_LOOKUP: dict[str, dict[str, Grade]] = {
    scheme: {_fold(w.text): w.grade for w in wordings} for scheme, wordings in SCHEMES.items()
}


def normalise(scheme: str, value: Any, column: str) -> Grade | None:
    """The grade for ``value`` in ``scheme``; None for a blank cell.

    Raises RecordError (naming the value and the column) for a wording the scheme lacks.
    """
    if value is None or not str(value).strip():
        return None
    grade = _LOOKUP[scheme].get(_fold(str(value)))
    if grade is None:
        known = ", ".join(repr(w.text) for w in SCHEMES[scheme])
        raise RecordError(
            f"unknown grade {str(value).strip()!r}; the {scheme} wordings "
            f"are {known} (if the inspectorate has introduced a new one, add it to "
            "ingestors/_grades.py and the source's docs)",
            column=column,
            value=value,
        )
    return grade
