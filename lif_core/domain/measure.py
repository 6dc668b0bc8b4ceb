"""A measure of an OBA report card: how much, how well, is anyone better off."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lif_core.domain.base import LifAggregate, LifCorrected, LifCreated, LifEvent

__all__ = ["CATEGORIES", "CORRECTABLE", "POLARITIES", "Measure"]

CATEGORIES = ("how-much", "how-well", "better-off")
POLARITIES = ("higher-is-better", "lower-is-better")
# What a correction may put back: a target set or a retirement (never the definition).
CORRECTABLE = ("target", "status")


class Measure(LifAggregate):
    """A measure with a human reference such as ``MEA-ICPC-15WD``.

    ``binding`` says where its observed values come from: ``{"source": ..., "kind": ...,
    "match": {attribute: value, ...}, "value": attribute}`` over source records, or
    ``{"computed": NAME}`` for measures computed from the log itself.
    """

    kind = "measure"
    CORRECTABLE = CORRECTABLE

    if TYPE_CHECKING:  # state set by the events below (not dataclass fields)
        reference: str
        name: str
        category: str
        unit: str
        polarity: str
        frequency: str
        binding: dict[str, Any]
        baseline_periods: int
        target: Decimal | None
        result: str | None
        status: str
        corrected: list[str]

    class Defined(LifCreated):
        reference: str
        name: str
        category: str
        unit: str
        polarity: str
        frequency: str
        binding: dict[str, Any]
        baseline_periods: int
        target: Decimal | None
        result: str | None

        def evolve(self, agg: Any) -> None:
            for field in (
                "reference",
                "name",
                "category",
                "unit",
                "polarity",
                "frequency",
                "baseline_periods",
                "target",
                "result",
            ):
                setattr(agg, field, getattr(self, field))
            agg.binding = dict(self.binding)
            agg.status = "active"

    class TargetSet(LifEvent):
        target: Decimal
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.target = self.target

    class Retired(LifEvent):
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.status = "retired"

    class Corrected(LifCorrected):
        """See :class:`~lif_core.domain.base.LifCorrected`."""

    class Narrated(LifEvent):
        """The turn-the-curve narrative of one period (issue 15): a later one for the same
        period replaces it in the read models; both stay in the history."""

        period: str
        story: str
        partners: list[str]
        what_works: str | None
        actions: list[str]
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.narrated = [*getattr(agg, "narrated", []), self.period]

    @classmethod
    def define(
        cls,
        *,
        reference: str,
        name: str,
        category: str,
        unit: str,
        polarity: str,
        frequency: str,
        binding: dict[str, Any],
        actor: str,
        baseline_periods: int = 3,
        target: Decimal | None = None,
        result: str | None = None,
        causation: list[str] | None = None,
        correlation: str | None = None,
    ) -> Measure:
        if category not in CATEGORIES:
            cls.refuse(f"category must be one of {', '.join(CATEGORIES)}, not {category!r}")
        if polarity not in POLARITIES:
            cls.refuse(f"polarity must be one of {', '.join(POLARITIES)}, not {polarity!r}")
        cls.require(
            bool(binding), "a measure needs a binding (--source/--match/--value, or --computed)"
        )
        cls.require(baseline_periods >= 2, "a baseline needs at least two periods")
        measure: Measure = cls._start(
            cls.Defined,
            natural_key=reference,
            actor=actor,
            causation=causation or [],
            correlation=correlation,
            reference=reference,
            name=name,
            category=category,
            unit=unit,
            polarity=polarity,
            frequency=frequency,
            binding=binding,
            baseline_periods=baseline_periods,
            target=target,
            result=result,
        )
        return measure

    def set_target(self, target: Decimal, rationale: str, actor: str, **meta: Any) -> Any:
        self.require(
            bool(rationale and rationale.strip()),
            "setting a target needs a rationale (--rationale)",
        )
        if self.status == "retired":
            self.refuse(f"{self.reference} is retired: it takes no new target")
        return self._record(self.TargetSet, actor=actor, target=target, rationale=rationale, **meta)

    def retire(self, rationale: str, actor: str, **meta: Any) -> Any:
        self.require(
            bool(rationale and rationale.strip()), "retiring needs a rationale (--rationale)"
        )
        if self.status == "retired":
            self.refuse(f"{self.reference} is already retired")
        return self._record(self.Retired, actor=actor, rationale=rationale, **meta)

    def narrate(
        self,
        period: str,
        story: str,
        partners: list[str],
        what_works: str | None,
        actions: list[str],
        rationale: str,
        actor: str,
        **meta: Any,
    ) -> Any:
        """Record the story behind the curve for ``period``, the partners with a role to play,
        what works, and the action plan (action references)."""
        if not period.strip():
            self.refuse("a narrative needs the period it is about (--period)")
        if not story.strip():
            self.refuse("a narrative needs the story behind the curve (--story)")
        if not (rationale and rationale.strip()):
            self.refuse("a narrative needs a rationale (--rationale): why this is the story")
        return self._record(
            self.Narrated,
            actor=actor,
            period=period.strip(),
            story=story,
            partners=list(partners),
            what_works=what_works,
            actions=list(actions),
            rationale=rationale or "",
            **meta,
        )
