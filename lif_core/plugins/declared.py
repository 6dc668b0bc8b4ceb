"""The loop declarations of the installed plugins, indexed by source and record kind.

The policies and the projections ask this index what a record means for learning; they never
name a source. Built from :func:`~lif_core.plugins.host.load_plugins` (or any set of loaded
sources), so a third-party plugin takes part exactly as a built-in does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lif_core.plugins.loop import (
    ActionDeclaration,
    Finding,
    LearningDeclaration,
    MeasureDeclaration,
)
from lif_core.plugins.spec import RecordKind, Source

__all__ = ["Declared"]


@dataclass(slots=True)
class Declared:
    """What each (source, record kind) declares: findings, actions, learning, measures."""

    kinds: dict[tuple[str, str], RecordKind] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)

    @classmethod
    def of(cls, sources: Iterable[Source]) -> Declared:
        declared = cls()
        for source in sources:
            declared.sources[source.name] = source
            for kind in source.kinds:
                declared.kinds[(source.name, kind.name)] = kind
        return declared

    def kind(self, source: str, kind: str) -> RecordKind | None:
        return self.kinds.get((source, kind))

    def findings(self, source: str, kind: str) -> tuple[Finding, ...]:
        found = self.kinds.get((source, kind))
        return found.findings if found is not None else ()

    def actions(self, source: str, kind: str) -> ActionDeclaration | None:
        found = self.kinds.get((source, kind))
        return found.actions if found is not None else None

    def learning(self, source: str, kind: str) -> LearningDeclaration | None:
        found = self.kinds.get((source, kind))
        return found.learning if found is not None else None

    def measures(self, source: str, kind: str) -> MeasureDeclaration | None:
        found = self.kinds.get((source, kind))
        return found.measures if found is not None else None

    def measurable(self, source: str) -> bool:
        """Whether any kind of ``source`` declares figures a measure can bind to."""
        found = self.sources.get(source)
        return found is not None and any(k.measures is not None for k in found.kinds)

    def joined(self, source: str, kind: str) -> bool:
        """Whether a finding of ``source`` takes its area from records of ``kind``."""
        found = self.sources.get(source)
        if found is None:
            return False
        return any(
            f.area_from is not None and f.area_from[0] == kind
            for k in found.kinds
            for f in k.findings
        )

    def with_measures(self) -> dict[str, list[str]]:
        """Source -> its kinds that declare measures (what ``lif measure define`` accepts)."""
        out: dict[str, list[str]] = {}
        for (source, kind), declared in sorted(self.kinds.items()):
            if declared.measures is not None:
                out.setdefault(source, []).append(kind)
        return out
