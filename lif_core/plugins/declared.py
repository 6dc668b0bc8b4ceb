"""The loop declarations of the installed plugins, indexed by source and record kind.

The policies and the projections ask this index what a record means for learning; they never
name a source. Built from :func:`~lif_core.plugins.host.load_plugins` (or any set of loaded
sources), so a third-party plugin takes part exactly as a built-in does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lif_core.plugins.loop import (
    AGGREGATES,
    ActionDeclaration,
    Finding,
    LearningDeclaration,
    MeasureDeclaration,
)
from lif_core.plugins.spec import RecordKind, Source

__all__ = ["Declared", "binding_problems"]


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


def _listed(names: list[str] | set[str]) -> str:
    return ", ".join(sorted(names)) or "none"


def binding_problems(declared: Declared, binding: dict[str, Any]) -> list[str]:
    """What is wrong with a measure's binding to source records, each message listing what exists.

    Fills in ``kind`` when the source has one measurable kind. Empty when the binding is sound.
    """
    with_measures = declared.with_measures()
    source = binding.get("source")
    if source not in declared.sources:
        return [
            f"there is no source {source!r}; sources with figures to measure: {_listed(set(with_measures))}"
        ]
    kinds = with_measures.get(str(source), [])
    if not kinds:
        return [
            f"the source {source!r} declares no figures to measure; sources that do: "
            f"{_listed(set(with_measures))}"
        ]
    if not binding.get("kind"):
        if len(kinds) > 1:
            return [f"name the record kind with --kind: {source!r} has figures in {_listed(kinds)}"]
        binding["kind"] = kinds[0]
    kind = str(binding["kind"])
    if kind not in kinds:
        return [
            f"{source!r} has no kind {kind!r} with figures to measure; it has: {_listed(kinds)}"
        ]
    declaration = declared.measures(str(source), kind)
    record_kind = declared.kind(str(source), kind)
    assert declaration is not None and record_kind is not None
    problems = []
    values = [v.field for v in declaration.values]
    value = declaration.value(str(binding.get("value") or "value"))
    if value is None:
        problems.append(
            f"{source}/{kind} has no measurable field {binding.get('value')!r}; it has: "
            f"{_listed(values)} (--value)"
        )
    fields = set(record_kind.model.model_fields)
    dimensions = [d.field for d in declaration.dimensions]
    for name in binding.get("match") or {}:
        if name not in fields:
            problems.append(
                f"{source}/{kind} has no field {name!r} to match; its dimensions are "
                f"{_listed(dimensions)} (other fields: {_listed(fields - set(dimensions))})"
            )
    for dimension in declaration.dimensions:
        if dimension.choose and dimension.field not in (binding.get("match") or {}):
            problems.append(
                f"name a value of {dimension.field!r} with --match {dimension.field}=…: its values "
                "never add up, so there is no total to take"
            )
    how = binding.get("aggregate")
    if how is not None and how not in AGGREGATES:
        problems.append(f"--aggregate must be one of {', '.join(AGGREGATES)}, not {how!r}")
    if how == "ratio" and value is not None and not (value.numerator and value.denominator):
        problems.append(
            f"--aggregate ratio needs a numerator and denominator; {source}/{kind} declares none "
            f"for {value.field!r}"
        )
    return problems
