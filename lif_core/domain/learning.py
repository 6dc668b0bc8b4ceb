"""A learning item: identified, prioritised, accepted or declined, disseminated, embedded, closed."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from lif_core.domain.base import LifAggregate, LifCorrected, LifCreated, LifEvent
from lif_core.privacy.vault import Sealed

__all__ = ["CORRECTABLE", "EMBEDDING", "PRIORITIES", "Learning"]

PRIORITIES = ("high", "medium", "low")
EMBEDDING = ("embedded", "partly-embedded", "not-embedded")
# What a correction may put back: the state decisions change (never the identification itself).
CORRECTABLE = (
    "status",
    "priority",
    "disseminations",
    "evidence",
    "embedding",
    "status_before_close",
)


class Learning(LifAggregate):
    """A learning item with a human reference such as ``LRN-2025-014``.

    ``Cited`` records each source record (at a version) the item rests on, with the origin and
    reach that record states (source reference, agencies, audience) and the reference it gives
    the learning there: a review's learning point and the log's item for it are one item
    citing both. Closing needs an embedding assessment, or an override that says why not.
    """

    kind = "learning"
    CORRECTABLE = CORRECTABLE

    if TYPE_CHECKING:  # state set by the events below (not dataclass fields)
        reference: str
        title: str
        statement: str
        themes: list[str]
        source_kind: str
        identified_on: date
        status: str
        priority: str | None
        disseminations: list[dict[str, Any]]
        evidence: list[str]
        embedding: str | None
        citations: list[str]
        source_reference: str | None
        agencies: list[str]
        audience: str | None
        also_known_as: list[str]
        corrected: list[str]

    class Identified(LifCreated):
        reference: str
        title: str
        statement: str
        themes: list[str]
        source_kind: str
        identified_on: date

        def evolve(self, agg: Any) -> None:
            agg.reference = self.reference
            agg.title = self.title
            agg.statement = self.statement
            agg.themes = list(self.themes)
            agg.source_kind = self.source_kind
            agg.identified_on = self.identified_on
            agg.status = "identified"
            agg.priority = None
            agg.disseminations = []
            agg.evidence = []
            agg.embedding = None
            agg.citations = []
            agg.source_reference = None
            agg.agencies = []
            agg.audience = None
            agg.also_known_as = []

    class Prioritised(LifEvent):
        priority: str
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.priority = self.priority
            if agg.status == "identified":
                agg.status = "prioritised"

    class Accepted(LifEvent):
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.status = "accepted"

    class Declined(LifEvent):
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.status = "declined"

    class Disseminated(LifEvent):
        channel: str
        disseminated_on: date
        audience: str | None

        def evolve(self, agg: Any) -> None:
            agg.disseminations.append({"channel": self.channel, "on": self.disseminated_on})
            if agg.status in ("identified", "prioritised", "accepted"):
                agg.status = "disseminated"

    class EvidenceLinked(LifEvent):
        evidence_id: str
        note: str | None

        def evolve(self, agg: Any) -> None:
            agg.evidence.append(self.evidence_id)

    class EmbeddingAssessed(LifEvent):
        assessment: str
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.embedding = self.assessment

    class Cited(LifEvent):
        """A source record (at a version) the item rests on, and what it says of its origin."""

        record_id: str
        source: str
        record_kind: str
        record_key: str
        record_version: int
        reference_there: str
        source_reference: str | None
        agencies: list[str]
        audience: str | None

        def evolve(self, agg: Any) -> None:
            for name in ("citations", "agencies", "also_known_as"):
                if not hasattr(agg, name):
                    setattr(agg, name, [])
            if self.record_id not in agg.citations:
                agg.citations.append(self.record_id)
            if (
                self.reference_there != agg.reference
                and self.reference_there not in agg.also_known_as
            ):
                agg.also_known_as.append(self.reference_there)
            if self.source_reference and not getattr(agg, "source_reference", None):
                agg.source_reference = self.source_reference
            agg.agencies.extend(a for a in self.agencies if a not in agg.agencies)
            if self.audience:
                agg.audience = self.audience

    class ClosedOverride(LifEvent):
        """Closed without an embedding assessment, and why (an explicit override)."""

        rationale: str
        override: str

        def evolve(self, agg: Any) -> None:
            agg.status_before_close = agg.status
            agg.status = "closed"

    class Closed(LifEvent):
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.status_before_close = agg.status
            agg.status = "closed"

    class Reopened(LifEvent):
        rationale: str

        def evolve(self, agg: Any) -> None:
            # Back to where it was: a declined item reopened is still declined (and so is
            # still not disseminated) until someone decides otherwise.
            agg.status = agg.status_before_close

    class Corrected(LifCorrected):
        """See :class:`~lif_core.domain.base.LifCorrected`."""

    class Cascaded(LifEvent):
        """A partner shared the item inside its own organisation (issue 15)."""

        partner: str
        channel: str
        cascaded_on: date
        note: str | None

        def evolve(self, agg: Any) -> None:
            agg.cascades = [*getattr(agg, "cascades", []), self.partner]

    class GoodPracticeIdentified(LifEvent):
        """The item is a strength to spread ("what we do well, and do more of it")."""

        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.good_practice = True

    # --- commands ---------------------------------------------------------------------

    @classmethod
    def identify(
        cls,
        *,
        reference: str,
        title: str | Sealed,
        statement: str | Sealed,
        themes: list[str],
        source_kind: str,
        identified_on: date,
        actor: str,
        causation: list[str] | None = None,
        correlation: str | None = None,
    ) -> Learning:
        cls.require(bool(reference.strip()), "a learning item needs a reference")
        cls.require(cls.given(title), "a learning item needs a title")
        learning: Learning = cls._start(
            cls.Identified,
            natural_key=reference,
            actor=actor,
            causation=causation or [],
            correlation=correlation,
            reference=reference,
            title=title,
            statement=statement,
            themes=themes,
            source_kind=source_kind,
            identified_on=identified_on,
        )
        return learning

    def _decision(self, rationale: str, what: str) -> None:
        if not (rationale and rationale.strip()):
            self.refuse(f"{what} needs a rationale (--rationale)")

    def prioritise(self, priority: str, rationale: str, actor: str, **meta: Any) -> Any:
        self._decision(rationale, "prioritising")
        if priority not in PRIORITIES:
            self.refuse(f"priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
        if self.status in ("declined", "closed"):
            self.refuse(f"{self.reference} is {self.status}: it cannot be prioritised")
        return self._record(
            self.Prioritised, actor=actor, priority=priority, rationale=rationale, **meta
        )

    def accept(self, rationale: str, actor: str, **meta: Any) -> Any:
        self._decision(rationale, "accepting")
        if self.status not in ("identified", "prioritised"):
            self.refuse(
                f"{self.reference} is {self.status}: only an identified or prioritised item can be accepted"
            )
        return self._record(self.Accepted, actor=actor, rationale=rationale, **meta)

    def decline(self, rationale: str, actor: str, **meta: Any) -> Any:
        self._decision(rationale, "declining")
        if self.status not in ("identified", "prioritised"):
            self.refuse(
                f"{self.reference} is {self.status}: only an identified or prioritised item can be declined"
            )
        return self._record(self.Declined, actor=actor, rationale=rationale, **meta)

    def disseminate(
        self, channel: str, on: date, audience: str | None, actor: str, **meta: Any
    ) -> Any:
        if not channel.strip():
            self.refuse("dissemination needs a channel (--channel)")
        if self.status == "declined":
            self.refuse(f"{self.reference} was declined: declined learning is not disseminated")
        if self.status == "closed":
            self.refuse(f"{self.reference} is closed: reopen it first")
        return self._record(
            self.Disseminated,
            actor=actor,
            channel=channel,
            disseminated_on=on,
            audience=audience,
            **meta,
        )

    def link_evidence(
        self, evidence_id: str, note: str | Sealed | None, actor: str, **meta: Any
    ) -> Any:
        if evidence_id in self.evidence:
            self.refuse(f"{evidence_id} is already linked to {self.reference}")
        return self._record(
            self.EvidenceLinked, actor=actor, evidence_id=evidence_id, note=note, **meta
        )

    def assess_embedding(self, assessment: str, rationale: str, actor: str, **meta: Any) -> Any:
        self._decision(rationale, "an embedding assessment")
        if assessment not in EMBEDDING:
            self.refuse(f"assessment must be one of {', '.join(EMBEDDING)}, not {assessment!r}")
        if self.status in ("declined", "closed"):
            self.refuse(f"{self.reference} is {self.status}: embedding cannot be assessed")
        return self._record(
            self.EmbeddingAssessed, actor=actor, assessment=assessment, rationale=rationale, **meta
        )

    def close(self, rationale: str, actor: str, override: str | None = None, **meta: Any) -> Any:
        self._decision(rationale, "closing")
        if self.status == "closed":
            self.refuse(f"{self.reference} is already closed")
        if override is not None and override.strip():
            return self._record(
                self.ClosedOverride, actor=actor, rationale=rationale, override=override, **meta
            )
        if self.embedding is None and self.status != "declined":
            self.refuse(
                f"{self.reference} has no embedding assessment: assess it first "
                "(lif learning assess-embedding), or close it with --override 'why not'"
            )
        return self._record(self.Closed, actor=actor, rationale=rationale, **meta)

    def cite(
        self,
        *,
        record_id: str,
        source: str,
        kind: str,
        key: str,
        version: int,
        reference_there: str,
        source_reference: str | None,
        agencies: list[str],
        audience: str | None,
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
            reference_there=reference_there,
            source_reference=source_reference,
            agencies=agencies,
            audience=audience,
            **meta,
        )

    def reopen(self, rationale: str, actor: str, **meta: Any) -> Any:
        self._decision(rationale, "reopening")
        if self.status != "closed":
            self.refuse(f"{self.reference} is {self.status}: only a closed item can be reopened")
        return self._record(self.Reopened, actor=actor, rationale=rationale, **meta)

    def cascade(
        self, partner: str, channel: str, on: date, note: str | None, actor: str, **meta: Any
    ) -> Any:
        """Record that ``partner`` cascaded the item inside its own organisation."""
        if self.status == "declined":
            self.refuse(f"{self.reference} was declined: declined learning is not cascaded")
        if partner in getattr(self, "cascades", []):
            self.refuse(f"{partner} has already confirmed its cascade of {self.reference}")
        return self._record(
            self.Cascaded,
            actor=actor,
            partner=partner,
            channel=channel,
            cascaded_on=on,
            note=note,
            **meta,
        )

    def identify_good_practice(self, rationale: str, actor: str, **meta: Any) -> Any:
        """Mark the item as good practice to spread."""
        self._decision(rationale, "marking good practice")
        if getattr(self, "good_practice", False):
            self.refuse(f"{self.reference} is already marked as good practice")
        return self._record(self.GoodPracticeIdentified, actor=actor, rationale=rationale, **meta)
