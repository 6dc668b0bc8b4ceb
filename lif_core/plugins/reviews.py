"""What a plugin declares about a record kind that holds reviews: the review register reads it.

A record kind whose :class:`~lif_core.plugins.RecordKind` carries ``review=ReviewKind(...)``
appears in the ``review_register`` read table, whatever its source: a rapid review, a child
safeguarding practice review, a learning lessons review, an appreciative inquiry, a deep dive,
or any type a plugin names. The declaration says which fields hold the review's reference,
type, title and the dates of its milestones; timeliness is judged against timescales held as
configuration data (docs/reviews.md), counted in working days where they say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MILESTONES", "ReviewKind"]

MILESTONES = ("incident", "notification", "decision", "rapid_review", "report", "publication")
"""The dates a review can carry: the serious incident became known, the national panel was
notified, the decision to hold the review, the rapid review meeting, the report signed off, the
report published."""


@dataclass(frozen=True, slots=True)
class ReviewKind:
    """Declares that a record kind's records are reviews.

    :param types: the review types its records can hold, slug -> title
        (``{"rapid-review": "Rapid review"}``). Every type a plugin names is accepted.
    :param type_field: the field that holds the type's slug; None when the kind holds one type
        only (the single key of ``types``).
    :param dates: milestone (one of :data:`MILESTONES`) -> the field that holds its date.
    :param reference_field: the field that holds the review's reference.
    :param title_field: the field that holds its title (a pseudonym, never a name), if any.
    :param status_field: the field that holds its status, if any.
    :param points_kind: the record kind of the same source holding its learning points, if any,
        and ``points_field``, the field of those records that holds the review's reference.
    """

    types: Mapping[str, str]
    dates: Mapping[str, str]
    type_field: str | None = "review_type"
    reference_field: str = "reference"
    title_field: str | None = "title"
    status_field: str | None = "status"
    points_kind: str | None = None
    points_field: str = "review_reference"

    def __post_init__(self) -> None:
        unknown = sorted(set(self.dates) - set(MILESTONES))
        if unknown:
            raise ValueError(
                f"review dates name unknown milestones {unknown}; they are {', '.join(MILESTONES)}"
            )
        if not self.types:
            raise ValueError("a review kind declares at least one review type")
        if self.type_field is None and len(self.types) != 1:
            raise ValueError("without a type_field a review kind holds exactly one type")

    def as_dict(self) -> dict[str, Any]:
        """Plain data, for the read models (they take no plugin objects)."""
        return {
            "types": dict(self.types),
            "dates": dict(self.dates),
            "type_field": self.type_field,
            "reference_field": self.reference_field,
            "title_field": self.title_field,
            "status_field": self.status_field,
            "points_kind": self.points_kind,
            "points_field": self.points_field,
        }
