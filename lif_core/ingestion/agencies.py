"""Ingested agency names checked against the partner register: an unknown name rejects its record.

A plugin says which fields name an agency (``RecordKind.agency_fields``); it cannot know the
partnership's register, so the host checks them here, against the register as the log holds it
when the run starts. A record naming an agency that is no partner's short name, full name or
alias becomes a rejection (kept with where, why and the close matches): a misspelling never
becomes a new agency. While the register is empty — a store from before it, or a partnership
that keeps none — nothing is checked (``lif partner check`` says so). A retired partner's names
still resolve: a source may report on the time it was a partner. A total a kind's measures
declare for the field (``Dimension("agency", totals=("All agencies",))``) names no agency.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from lif_core.domain.partner import Directory, partner_directory
from lif_core.eventlog.store import Store
from lif_core.ingestion.parse import ParsedRecord, Rejection
from lif_core.plugins.spec import Row, Source

__all__ = ["REASON", "AgencyCheck", "agency_check", "names_at", "refused_for_agency"]

REASON = "unknown agency"
"""How a rejection for an unknown agency name begins (``lif rejects show`` lists it so)."""


def names_at(attributes: Mapping[str, Any], path: str) -> Iterator[str]:
    """The agency names a record holds at ``path`` (``agencies``, ``participants.agency``):
    each string, each list item, each part of a ';'-separated cell."""
    values: list[Any] = [attributes]
    for step in path.split("."):
        found: list[Any] = []
        for value in values:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, Mapping) and item.get(step) is not None:
                    found.append(item[step])
        values = found
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            for part in str(item).split(";"):
                if part.strip():
                    yield part.strip()


@dataclass(frozen=True, slots=True)
class AgencyCheck:
    """The register one run checks against, and which fields of which kinds name agencies."""

    directory: Directory
    fields: Mapping[str, tuple[str, ...]]  # record kind -> its agency fields
    totals: Mapping[tuple[str, str], frozenset[str]]  # (kind, field) -> words meaning "all"

    def refuse(self, record: ParsedRecord, row: Row) -> Rejection | None:
        """A rejection when ``record`` names an agency the register does not know."""
        reasons = []
        for path in self.fields.get(record.kind, ()):
            totals = self.totals.get((record.kind, path), frozenset())
            for name in dict.fromkeys(names_at(record.attributes, path)):
                if name not in totals and self.directory.resolve(name) is None:
                    reasons.append(f"{REASON} in field {path!r}: {self.directory.unknown(name)}")
        if not reasons:
            return None
        return Rejection(
            locator=row.locator, reasons=tuple(reasons), raw=dict(row.raw), kind=record.kind
        )


def agency_check(store: Store, source: Source) -> AgencyCheck | None:
    """What a run of ``source`` checks its agency names against; None when nothing is checked
    (the source names no agency, or the store holds no partner register yet)."""
    fields = {k.name: tuple(k.agency_fields) for k in source.kinds if k.agency_fields}
    if not fields:
        return None
    directory = partner_directory(store)
    if not directory.names:
        return None
    totals = {
        (kind.name, dimension.field): frozenset(t for t in dimension.totals if t)
        for kind in source.kinds
        if kind.measures is not None
        for dimension in kind.measures.dimensions
        if dimension.field in kind.agency_fields
    }
    return AgencyCheck(directory, fields, totals)


def refused_for_agency(rejection: Rejection) -> bool:
    """Whether a rejection is (also) for an unknown agency name."""
    return any(reason.startswith(REASON) for reason in rejection.reasons)
