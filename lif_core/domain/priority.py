"""A priority the partnership set itself (in its annual report), and what is linked to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lif_core.domain.base import LifAggregate, LifCreated, LifEvent

__all__ = ["LINKABLE", "Priority"]

LINKABLE = ("learning", "measure")
"""The kinds of item a priority links to."""


class Priority(LifAggregate):
    """A priority with a reference such as ``PRI-2025-01``: its title, what it means, where it
    was set (the annual report of a year), and the learning items and measures linked to it."""

    kind = "priority"

    if TYPE_CHECKING:  # state set by the events below
        reference: str
        title: str
        description: str | None
        set_in: str | None
        links: list[dict[str, str]]
        status: str

    class Set(LifCreated):
        reference: str
        title: str
        description: str | None
        set_in: str | None

        def evolve(self, agg: Any) -> None:
            agg.reference = self.reference
            agg.title = self.title
            agg.description = self.description
            agg.set_in = self.set_in
            agg.links = []
            agg.status = "active"

    class Linked(LifEvent):
        item_kind: str
        item_reference: str
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.links.append({"kind": self.item_kind, "reference": self.item_reference})

    class Unlinked(LifEvent):
        item_kind: str
        item_reference: str
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.links.remove({"kind": self.item_kind, "reference": self.item_reference})

    class Retired(LifEvent):
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.status = "retired"

    @classmethod
    def set(
        cls,
        *,
        reference: str,
        title: str,
        description: str | None,
        set_in: str | None,
        actor: str,
        causation: list[str] | None = None,
        correlation: str | None = None,
    ) -> Priority:
        cls.require(bool(reference.strip()), "a priority needs a reference (--ref)")
        cls.require(bool(title.strip()), "a priority needs a title (--title)")
        priority: Priority = cls._start(
            cls.Set,
            natural_key=reference,
            actor=actor,
            causation=causation or [],
            correlation=correlation,
            reference=reference.strip(),
            title=title.strip(),
            description=description,
            set_in=set_in,
        )
        return priority

    def link(
        self, item_kind: str, item_reference: str, rationale: str, actor: str, **meta: Any
    ) -> Any:
        if item_kind not in LINKABLE:
            self.refuse(f"a priority links {' or '.join(LINKABLE)} items, not {item_kind!r}")
        if self.status == "retired":
            self.refuse(f"{self.reference} is retired: nothing new is linked to it")
        if {"kind": item_kind, "reference": item_reference} in self.links:
            self.refuse(f"{item_reference} is already linked to {self.reference}")
        return self._record(
            self.Linked,
            actor=actor,
            item_kind=item_kind,
            item_reference=item_reference,
            rationale=rationale or "",
            **meta,
        )

    def unlink(
        self, item_kind: str, item_reference: str, rationale: str, actor: str, **meta: Any
    ) -> Any:
        if not (rationale and rationale.strip()):
            self.refuse("unlinking needs a rationale (--rationale)")
        if {"kind": item_kind, "reference": item_reference} not in self.links:
            self.refuse(f"{item_reference} is not linked to {self.reference}")
        return self._record(
            self.Unlinked,
            actor=actor,
            item_kind=item_kind,
            item_reference=item_reference,
            rationale=rationale,
            **meta,
        )

    def retire(self, rationale: str, actor: str, **meta: Any) -> Any:
        if not (rationale and rationale.strip()):
            self.refuse("retiring a priority needs a rationale (--rationale)")
        if self.status == "retired":
            self.refuse(f"{self.reference} is already retired")
        return self._record(self.Retired, actor=actor, rationale=rationale, **meta)
