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
from lif_core.plugins.spec import RecordKind, Row, Source

__all__ = [
    "REASON",
    "AgencyCheck",
    "agency_check",
    "agency_names",
    "names_at",
    "refused_for_agency",
]

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


def agency_names(kind: RecordKind, attributes: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, name) for every agency a record of ``kind`` names, each once per field; a total
    the kind's measures declare for the field ("All agencies") is not a name."""
    totals: dict[str, set[str]] = {}
    if kind.measures is not None:
        for dimension in kind.measures.dimensions:
            totals[dimension.field] = {t for t in dimension.totals if t}
    return [
        (path, name)
        for path in kind.agency_fields
        for name in dict.fromkeys(names_at(attributes, path))
        if name not in totals.get(path, ())
    ]


@dataclass(frozen=True, slots=True)
class AgencyCheck:
    """The register one run checks against, and the kinds whose fields name agencies."""

    directory: Directory
    kinds: Mapping[str, RecordKind]

    def refuse(self, record: ParsedRecord, row: Row) -> Rejection | None:
        """A rejection when ``record`` names an agency the register does not know."""
        kind = self.kinds.get(record.kind)
        if kind is None:
            return None
        reasons = [
            f"{REASON} in field {path!r}: {self.directory.unknown(name)}"
            for path, name in agency_names(kind, record.attributes)
            if self.directory.resolve(name) is None
        ]
        if not reasons:
            return None
        return Rejection(
            locator=row.locator, reasons=tuple(reasons), raw=dict(row.raw), kind=record.kind
        )


def agency_check(store: Store, source: Source) -> AgencyCheck | None:
    """What a run of ``source`` checks its agency names against; None when nothing is checked
    (the source names no agency, or the store holds no partner register yet)."""
    kinds = {k.name: k for k in source.kinds if k.agency_fields}
    if not kinds:
        return None
    directory = partner_directory(store)
    if not directory.names:
        return None
    return AgencyCheck(directory, kinds)


def refused_for_agency(rejection: Rejection) -> bool:
    """Whether a rejection is (also) for an unknown agency name."""
    return any(reason.startswith(REASON) for reason in rejection.reasons)
