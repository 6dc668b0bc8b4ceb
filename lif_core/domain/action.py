"""An action: raised against learning, progressed, rescheduled, completed, verified or cancelled."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from lif_core.domain.base import LifAggregate, LifCorrected, LifCreated, LifEvent
from lif_core.privacy.vault import Sealed

__all__ = ["CORRECTABLE", "Action"]

# What a correction may put back: the state later events change (never how it was raised).
CORRECTABLE = (
    "status",
    "due",
    "times_rescheduled",
    "last_progress",
    "completed_on",
    "completed_by",
    "completed_after",
)


class Action(LifAggregate):
    """An action with a human reference such as ``ACT-2025-031``.

    ``due`` is ``None`` when nobody stated a due date (an inspection's recommendation). A
    completion is either on a stated day (``Completed``) or, when the source states no day,
    between the last statement that said it was open and the first that said it was done
    (``CompletedBy``): the on-time measure counts such an action as unknown unless the whole
    window lies on one side of the due date. ``Cited`` records each source record version
    the action rests on.
    """

    kind = "action"
    CORRECTABLE = CORRECTABLE

    if TYPE_CHECKING:  # state set by the events below (not dataclass fields)
        reference: str
        learning_reference: str | None
        learning_references: list[str]
        description: str
        owner_agency: str
        raised_on: date
        due: date | None
        status: str
        times_rescheduled: int
        last_progress: str | None
        completed_on: date | None
        completed_by: date | None
        completed_after: date | None
        citations: list[str]
        corrected: list[str]

    class Raised(LifCreated):
        reference: str
        learning_reference: str | None
        description: str
        owner_agency: str
        raised_on: date
        due: date | None

        def evolve(self, agg: Any) -> None:
            agg.reference = self.reference
            agg.learning_reference = self.learning_reference
            agg.learning_references = [self.learning_reference] if self.learning_reference else []
            agg.description = self.description
            agg.owner_agency = self.owner_agency
            agg.raised_on = self.raised_on
            agg.due = self.due
            agg.status = "open"
            agg.times_rescheduled = 0
            agg.last_progress = None
            agg.completed_on = None
            agg.completed_by = None
            agg.completed_after = None
            agg.citations = []

    class LearningAdded(LifEvent):
        """One more learning item the action answers (the first is ``Raised``'s
        ``learning_reference``): an action stated against several items answers each of them."""

        learning_reference: str

        def evolve(self, agg: Any) -> None:
            answered = _answered(agg)
            if self.learning_reference not in answered:
                answered.append(self.learning_reference)
            agg.learning_references = answered

    class ProgressReported(LifEvent):
        note: str
        rag: str | None

        def evolve(self, agg: Any) -> None:
            agg.last_progress = self.note
            agg.status = "in-progress"

    class Rescheduled(LifEvent):
        due: date
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.due = self.due
            agg.times_rescheduled += 1

    class Completed(LifEvent):
        completed_on: date
        note: str | None

        def evolve(self, agg: Any) -> None:
            agg.status = "completed"
            agg.completed_on = self.completed_on

    class CompletedBy(LifEvent):
        """Completed on a day the source does not state: after ``after`` (the last day it was
        stated open, if any) and by ``by`` (the day of the statement that first said so)."""

        after: date | None
        by: date
        note: str | None

        def evolve(self, agg: Any) -> None:
            agg.status = "completed"
            agg.completed_on = None
            agg.completed_after = self.after
            agg.completed_by = self.by

    class Cited(LifEvent):
        """A source record (at a version) the action rests on: a statement of it."""

        record_id: str
        source: str
        record_kind: str
        record_key: str
        record_version: int

        def evolve(self, agg: Any) -> None:
            if not hasattr(agg, "citations"):
                agg.citations = []
            if self.record_id not in agg.citations:
                agg.citations.append(self.record_id)

    class ImpactVerified(LifEvent):
        rationale: str
        evidence: list[str]

        def evolve(self, agg: Any) -> None:
            agg.status = "impact-verified"

    class Cancelled(LifEvent):
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.status = "cancelled"

    class Corrected(LifCorrected):
        """See :class:`~lif_core.domain.base.LifCorrected`."""

    @classmethod
    def raise_action(
        cls,
        *,
        reference: str,
        description: str | Sealed,
        owner_agency: str,
        due: date | None,
        raised_on: date,
        actor: str,
        learning_reference: str | None = None,
        causation: list[str] | None = None,
        correlation: str | None = None,
    ) -> Action:
        cls.require(bool(reference.strip()), "an action needs a reference")
        cls.require(cls.given(description), "an action needs a description")
        cls.require(bool(owner_agency.strip()), "an action needs an owner agency (--owner-agency)")
        action: Action = cls._start(
            cls.Raised,
            natural_key=reference,
            actor=actor,
            causation=causation or [],
            correlation=correlation,
            reference=reference,
            learning_reference=learning_reference,
            description=description,
            owner_agency=owner_agency,
            raised_on=raised_on,
            due=due,
        )
        return action

    def answer(self, learning_reference: str, actor: str, **meta: Any) -> Any:
        """Record that the action answers one more learning item; nothing if it already does."""
        self.require(bool(learning_reference.strip()), "a learning reference is needed")
        if learning_reference in _answered(self):
            return None
        return self._record(
            self.LearningAdded, actor=actor, learning_reference=learning_reference, **meta
        )

    def _open(self, what: str) -> None:
        if self.status == "cancelled":
            self.refuse(f"{self.reference} was cancelled: it cannot be {what}")
        if self.status in ("completed", "impact-verified"):
            self.refuse(f"{self.reference} is {self.status}: it cannot be {what}")

    def progress(self, note: str | Sealed, rag: str | None, actor: str, **meta: Any) -> Any:
        self.require(self.given(note), "a progress report needs a note")
        if rag is not None and rag not in ("red", "amber", "green", "blue"):
            self.refuse(f"RAG must be red, amber, green or blue, not {rag!r}")
        self._open("progressed")
        return self._record(self.ProgressReported, actor=actor, note=note, rag=rag, **meta)

    def reschedule(self, due: date, rationale: str, actor: str, **meta: Any) -> Any:
        self.require(
            bool(rationale and rationale.strip()), "rescheduling needs a rationale (--rationale)"
        )
        self._open("rescheduled")
        if due == self.due:
            self.refuse(f"{self.reference} is already due on {due}")
        return self._record(self.Rescheduled, actor=actor, due=due, rationale=rationale, **meta)

    def complete(self, on: date, note: str | Sealed | None, actor: str, **meta: Any) -> Any:
        self._open("completed")
        return self._record(self.Completed, actor=actor, completed_on=on, note=note, **meta)

    def complete_by(
        self, after: date | None, by: date, note: str | Sealed | None, actor: str, **meta: Any
    ) -> Any:
        self._open("completed")
        return self._record(self.CompletedBy, actor=actor, after=after, by=by, note=note, **meta)

    def cite(
        self,
        record_id: str,
        source: str,
        kind: str,
        key: str,
        version: int,
        actor: str,
        **meta: Any,
    ) -> Any:
        return self._record(
            self.Cited,
            actor=actor,
            record_id=record_id,
            source=source,
            record_kind=kind,
            record_key=key,
            record_version=version,
            **meta,
        )

    def verify_impact(
        self, rationale: str | Sealed, evidence: list[str], actor: str, **meta: Any
    ) -> Any:
        self.require(
            self.given(rationale),
            "verifying impact needs a rationale (--rationale)",
        )
        if self.status != "completed":
            self.refuse(
                f"{self.reference} is {self.status}: only a completed action can have its impact verified"
            )
        self.require(
            any(e.strip() for e in evidence),
            "verifying impact needs evidence: a source record id (--evidence) or a document "
            "reference with its sha256 (--document 'NAME sha256:HEX')",
        )
        return self._record(
            self.ImpactVerified, actor=actor, rationale=rationale, evidence=evidence, **meta
        )

    def cancel(self, rationale: str, actor: str, **meta: Any) -> Any:
        self.require(
            bool(rationale and rationale.strip()), "cancelling needs a rationale (--rationale)"
        )
        self._open("cancelled")
        return self._record(self.Cancelled, actor=actor, rationale=rationale, **meta)


def _answered(agg: Any) -> list[str]:
    """The learning items an action answers; a state built before ``learning_references``
    existed (a snapshot) holds only the first."""
    answered = getattr(agg, "learning_references", None)
    if answered is None:
        first = getattr(agg, "learning_reference", None)
        answered = [first] if first else []
    return list(answered)
