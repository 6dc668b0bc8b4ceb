"""What a record kind means for learning: findings, actions, learning, measurable values.

A plugin declares these beside its record model, on :class:`~lif_core.plugins.RecordKind`
(``findings=``, ``actions=``, ``learning=``, ``measures=``). The core reads nothing else: the
policies turn declared actions and learning into Action and Learning events, the projections
turn declared findings into learning candidates and declared values into measures. A built-in
plugin declares exactly as a third-party one does (docs/plugins.md, "The learning loop").

Where a declaration names a field (a :data:`Pick`), it is either the name of an attribute of the
record's model, or a function of the record's attributes (a mapping of plain JSON values: dates
are ISO strings) that returns the value. A field the record does not have reads as ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

__all__ = [
    "ACTION_STATES",
    "AGGREGATES",
    "ActionDeclaration",
    "Dimension",
    "Finding",
    "LearningDeclaration",
    "Measurable",
    "MeasureDeclaration",
    "Pick",
    "as_date",
    "as_list",
    "pick",
]

Attributes = Mapping[str, Any]
Pick = str | Callable[[Attributes], Any]
"""An attribute's name, or a function of the record's attributes."""

ActionState = Literal["open", "in-progress", "complete", "cancelled"]
ACTION_STATES: tuple[str, ...] = ("open", "in-progress", "complete", "cancelled")
Aggregate = Literal["sum", "mean", "latest", "ratio"]
AGGREGATES: tuple[str, ...] = ("sum", "mean", "latest", "ratio")


def pick(how: Pick | None, attributes: Attributes) -> Any:
    """The value a :data:`Pick` names in ``attributes`` (``None`` when there is none)."""
    if how is None:
        return None
    if isinstance(how, str):
        return attributes.get(how)
    return how(attributes)


def as_list(value: Any) -> list[str]:
    """A picked value as a list of non-blank strings (a string is split on ';')."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return [str(item).strip() for item in value if item is not None and str(item).strip()]


def as_date(value: Any) -> date | None:
    """A picked value as a date (ISO text or a date)."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass(frozen=True, slots=True)
class Finding:
    """Records of the kind that are findings someone should look at (a learning candidate).

    :param rule: the name of the candidate rule, e.g. ``"provider-concern"``; shown in
        ``learning_candidates.rule``. Unique within the source.
    :param text: the finding in words (a function may build a sentence from several fields).
    :param applies: which records are findings (``None``: every record of the kind).
    :param severity: the grade or severity, e.g. ``"inadequate"``.
    :param themes: practice themes (a list, or text separated by ';').
    :param responds: the body that must respond to it.
    :param dated: the day the finding is about (default: the record's valid-from day).
    :param area: the local authority it is about; a finding outside the partnership's own area
        (``LIF_LOCAL_AUTHORITY``) is no candidate. ``None``: always local.
    :param area_from: ``(kind, field)``: take the area (and any attribute ``text`` reads but the
        record lacks) from the record of that kind of the same source whose ``field`` has the
        same value (an inspection takes its provider's local authority by URN).
    :param rise: a finding only when the value ``value`` picks is at least ``rise`` times the
        previous record's value of the same ``series`` (e.g. 1.25: a rise of 25 % or more).
    """

    rule: str
    text: Pick
    applies: Callable[[Attributes], bool] | None = None
    severity: Pick | None = None
    themes: Pick | None = None
    responds: Pick | None = None
    dated: Pick | None = None
    area: Pick | None = None
    area_from: tuple[str, str] | None = None
    rise: float | None = None
    value: Pick | None = None
    series: Pick | None = None


@dataclass(frozen=True, slots=True)
class ActionDeclaration:
    """Records of the kind that state actions (or recommendations someone must act on).

    :param reference: the action's reference. Two sources that state the same reference state
        the same action: one Action citing both.
    :param description: what is to be done.
    :param owner: the agency that owns it (the body that must respond).
    :param applies: which records state actions (``None``: every record of the kind).
    :param due: the due date, when the source gives one.
    :param status: the status word as the source writes it; ``status_words`` says what each
        word (compared case-insensitively) means: open, in-progress, complete or cancelled.
        Without ``status`` an action is open until a later statement says otherwise.
    :param completed_on: the day it was completed, **as the source states it**. When the
        source gives none, the action is recorded as completed by the day of the statement that
        first says so, at the latest (and after the last statement that said it was open).
    :param stated_on: the day the source stated this status (an export date, "status as at");
        default: the record's valid-from day.
    :param progress: the latest progress note; ``rag``: the RAG the source reports.
    :param evidence: evidence of completion or of impact; ``impact``: whether this statement
        evidences impact (e.g. RAG blue): the evidence is then linked as evidence of impact.
    :param learning: references of the learning items the action answers.
    :param learning_reference: ``None``: ``learning`` holds references of learning items.
    """

    reference: Pick
    description: Pick
    owner: Pick
    applies: Callable[[Attributes], bool] | None = None
    due: Pick | None = None
    status: Pick | None = None
    status_words: Mapping[str, ActionState] = field(default_factory=dict)
    completed_on: Pick | None = None
    stated_on: Pick | None = None
    progress: Pick | None = None
    rag: Pick | None = None
    evidence: Pick | None = None
    impact: Callable[[Attributes], bool] | None = None
    learning: Pick | None = None


@dataclass(frozen=True, slots=True)
class LearningDeclaration:
    """Records of the kind that are learning (a learning point, a learning log item).

    :param reference: the learning item's reference.
    :param statement: the learning statement; ``themes``: its practice themes.
    :param identified_on: the day it was identified (default: the record's valid-from day).
    :param origin: where it came from (review, audit, inspection, …).
    :param source_reference: the reference of the review, audit or inspection it came from.
    :param agencies: the agencies it involves; ``audience``: who it was shared with.
    :param same_as: other references of the same learning, e.g. a review's learning point
        that a learning log item names (``CSPR-2024-02/LP01``): the two are one learning item,
        citing both records, under the first reference recorded.
    :param channels: how it was shared; ``shared_on``: the day it was shared.
    :param impact: evidence of impact, as the source words it.
    :param applies: which records are learning (``None``: every record of the kind).
    """

    reference: Pick
    statement: Pick
    themes: Pick | None = None
    identified_on: Pick | None = None
    origin: Pick | None = None
    source_reference: Pick | None = None
    agencies: Pick | None = None
    audience: Pick | None = None
    same_as: Pick | None = None
    channels: Pick | None = None
    shared_on: Pick | None = None
    impact: Pick | None = None
    applies: Callable[[Attributes], bool] | None = None


@dataclass(frozen=True, slots=True)
class Measurable:
    """A field whose values a measure can take, its unit, and how values of one period combine.

    :param field: the attribute that holds the value.
    :param unit: ``count``, ``%``, ``days``, ``score``, …
    :param aggregate: how several records of one period combine by default: ``sum`` (counts),
        ``mean`` weighted by ``weight`` (a score weighted by the evaluations returned),
        ``latest`` (the most recently stated), or ``ratio`` (the sum of ``numerator`` over the
        sum of ``denominator``, times 100 when the unit is ``%``).
    """

    field: str
    unit: str = "count"
    aggregate: Aggregate = "sum"
    weight: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Dimension:
    """A field that breaks a figure down (sector, referral source, area, age band, course …).

    :param totals: the values that mean "all values" (a total row): by default a blank cell.
        A measure that does not name the dimension takes the total rows where the source
        states them, never the total and its breakdown together.
    :param choose: the measure must name a value (a dimension whose values never add up, such
        as an indicator code or an area).
    """

    field: str
    totals: tuple[str, ...] = ("",)
    choose: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class MeasureDeclaration:
    """The figures records of the kind hold: their fields, units and dimensions."""

    values: tuple[Measurable, ...]
    dimensions: tuple[Dimension, ...] = ()

    def value(self, name: str) -> Measurable | None:
        return next((v for v in self.values if v.field == name), None)

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.field == name), None)
