"""Ofsted early years providers: a snapshot of registered providers and their latest full inspections.

The layout is the business unit's extract of Ofsted's childcare providers and inspections
management information for the area, one row per provider, with an "as at" date in the
title row above the header (docs/sources/ofsted-early-years.md). Each row gives a
``provider`` record (snapshot: a provider missing from a newer file has left the
registers) and, when the provider has had a full inspection, an ``inspection`` record
(append: successive snapshots build the inspection history).

Childminders and home childcarers are people: their names must not enter the log, so a
name in ``Provider name`` for those types is rejected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from ingestors._fields import blank, parse_bool, parse_date, parse_int, text
from ingestors._vocabulary import (
    EARLY_YEARS_OUTCOME,
    REPORT_CARDS_FROM,
    SAFEGUARDING_EFFECTIVE,
    SAFEGUARDING_MET,
    Level,
    Scale,
)
from lif_core.plugins import (
    Columns,
    Emit,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)

__all__ = [
    "SAMPLES",
    "SOURCE",
    "EarlyYearsInspection",
    "EarlyYearsProvider",
    "map_row",
    "register_sources",
]

PROVIDER_TYPES = Scale(
    "ofsted-early-years-provider-type",
    "list of Ofsted early years provider types",
    (
        Level("childminder", "Childminder", None),
        Level("home-childcarer", "Home childcarer", None),
        Level("childcare-on-domestic-premises", "Childcare on domestic premises", None),
        Level("childcare-on-non-domestic-premises", "Childcare on non-domestic premises", None),
    ),
)
# Registered as an individual, so the provider name is a person's name.
PERSONS = {"childminder", "home-childcarer", "childcare-on-domestic-premises"}
WITHHELD = {"redacted", "withheld"}

AS_AT = re.compile(
    r"\bas at\s+(\d{1,2} [A-Za-z]+ \d{4}|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})", re.IGNORECASE
)
INSPECTED = "Latest full inspection date"
OUTCOME = "Overall effectiveness"
SAFEGUARDING = "Safeguarding is effective?"
REGISTERS = (
    "Early Years Register",
    "Compulsory Childcare Register",
    "Voluntary Childcare Register",
)


class _Outcome(BaseModel):
    framework: Literal["eif-2019", "report-card"] | None = Field(
        None,
        description="Framework of the latest full inspection, from its date: 'eif-2019' before "
        "10 November 2025, 'report-card' from then; blank when not yet inspected.",
    )
    overall_effectiveness: str | None = Field(
        None,
        description="Normalised overall effectiveness (outstanding, good, requires-improvement, "
        "inadequate, met, not-met-with-actions, not-met-with-enforcement); blank under report cards.",
    )
    overall_effectiveness_as_published: str | None = Field(
        None, description="The overall effectiveness as written in the source."
    )
    safeguarding_effective: bool | None = Field(
        None,
        description="True when safeguarding was judged effective ('Yes') or met ('Met', report "
        "cards); False for 'No' / 'Not met'; blank when not reported.",
    )
    safeguarding_as_published: str | None = Field(
        None, description="The safeguarding answer as written."
    )


class EarlyYearsProvider(_Outcome):
    """A registered early years or childcare provider as at the snapshot date."""

    urn: str = Field(
        pattern=r"^(EY\d{6}|\d{7})$", description="Ofsted provider URN (EY123456 or 2123456)."
    )
    provider_type: str = Field(
        description="Normalised provider type (childminder, home-childcarer, ...)."
    )
    provider_type_as_published: str = Field(
        description="The provider type as written in the source."
    )
    provider_name: str | None = Field(
        None, description="The setting's name; always blank for childminders and other individuals."
    )
    local_authority: str | None = Field(None, description="The local authority the provider is in.")
    registered_places: int | None = Field(
        None, ge=0, description="Places the provider is registered for."
    )
    registration_date: date | None = Field(None, description="Day the provider was registered.")
    early_years_register: bool = Field(description="On the Early Years Register.")
    compulsory_childcare_register: bool = Field(
        description="On the compulsory part of the Childcare Register."
    )
    voluntary_childcare_register: bool = Field(
        description="On the voluntary part of the Childcare Register."
    )
    latest_full_inspection_date: date | None = Field(
        None, description="Day of the latest full inspection; blank when not yet inspected."
    )
    as_at: date = Field(
        exclude=True,
        description="The snapshot date, from the 'as at' title row. It dates the record (its "
        "valid time) but is not part of its content, so a provider unchanged from one snapshot "
        "to the next is not revised",
    )


class EarlyYearsInspection(_Outcome):
    """A full Ofsted inspection of an early years provider, as the latest one in a snapshot."""

    urn: str = Field(pattern=r"^(EY\d{6}|\d{7})$", description="Ofsted provider URN.")
    provider_type: str = Field(description="Normalised provider type at the time of the snapshot.")
    inspection_date: date = Field(description="Day of the full inspection.")


def _as_at(row: Row) -> date:
    title = str(row.origin_meta.get("title") or "")
    match = AS_AT.search(title)
    if match is None:
        raise RecordError(
            "the file has no 'as at <date>' title row above the header: the snapshot date is "
            "what the provider records are valid on; add it (e.g. 'Providers as at 31 August 2025')"
        )
    day = parse_date(match.group(1), "title row")
    assert day is not None
    return day


def _provider_name(values: dict[str, Any], provider_type: str) -> str | None:
    name = text(values.get("Provider name"))
    if name is None or name.casefold() in WITHHELD:
        return None
    if provider_type in PERSONS:
        raise RecordError(
            "this provider is registered as an individual, so the name is a person's name and "
            "must not enter the log: leave the cell blank or write REDACTED",
            column="Provider name",
        )
    return name


def _outcome(values: dict[str, Any], inspected: date | None) -> dict[str, Any]:
    raw = values.get(OUTCOME)
    if inspected is None:
        for column in (OUTCOME, SAFEGUARDING):
            if not blank(values.get(column)):
                raise RecordError(
                    f"{text(values.get(column))!r} is given without a {INSPECTED.lower()}",
                    column=column,
                    value=values.get(column),
                )
        return {}
    if inspected >= REPORT_CARDS_FROM:
        if not blank(raw):
            raise RecordError(
                f"{text(raw)!r}: report-card inspections (from {REPORT_CARDS_FROM.isoformat()}) "
                "give no overall effectiveness; leave it blank",
                column=OUTCOME,
                value=raw,
            )
        framework, outcome = "report-card", None
        safeguarding = SAFEGUARDING_MET.read(values.get(SAFEGUARDING), SAFEGUARDING)
    else:
        framework = "eif-2019"
        outcome = EARLY_YEARS_OUTCOME.require(
            raw, OUTCOME, f"(the provider has a {INSPECTED.lower()})"
        )
        safeguarding = SAFEGUARDING_EFFECTIVE.read(values.get(SAFEGUARDING), SAFEGUARDING)
    return {
        "framework": framework,
        "overall_effectiveness": outcome.value if outcome else None,
        "overall_effectiveness_as_published": outcome.as_published if outcome else None,
        "safeguarding_effective": None if safeguarding is None else safeguarding.rank == 1,
        "safeguarding_as_published": safeguarding.as_published if safeguarding else None,
    }


def map_row(row: Row) -> Iterator[Emit]:
    """One provider row -> a ``provider`` record and, once inspected, an ``inspection`` record."""
    values = dict(row.values)
    as_at = _as_at(row)
    kind = PROVIDER_TYPES.require(values.get("Provider type"), "Provider type")
    flags = {name: parse_bool(values.get(name), name) for name in REGISTERS}
    for name, flag in flags.items():
        if flag is None:
            raise RecordError("blank: say Yes or No", column=name)
    if not any(flags.values()):
        raise RecordError("the provider is on none of the three registers", column=REGISTERS[0])
    inspected = parse_date(values.get(INSPECTED), INSPECTED)
    if inspected is not None and inspected > as_at:
        raise RecordError(
            f"{inspected.isoformat()} is after the snapshot date {as_at.isoformat()}",
            column=INSPECTED,
            value=values.get(INSPECTED),
        )
    outcome = _outcome(values, inspected)
    urn = text(values.get("Provider URN"))
    yield Emit(
        "provider",
        {
            "urn": urn,
            "provider_type": kind.value,
            "provider_type_as_published": kind.as_published,
            "provider_name": _provider_name(values, kind.value),
            "local_authority": text(values.get("Local authority")),
            "registered_places": parse_int(values.get("Registered places"), "Registered places"),
            "registration_date": parse_date(values.get("Registration date"), "Registration date"),
            "early_years_register": flags[REGISTERS[0]],
            "compulsory_childcare_register": flags[REGISTERS[1]],
            "voluntary_childcare_register": flags[REGISTERS[2]],
            "latest_full_inspection_date": inspected,
            "as_at": as_at,
            **outcome,
        },
    )
    if inspected is not None:
        yield Emit(
            "inspection",
            {"urn": urn, "provider_type": kind.value, "inspection_date": inspected, **outcome},
        )


COLUMNS = Columns(
    variants={
        "Provider URN": ("URN",),
        "Provider type": ("Provider type (registration type)",),
        "Provider name": ("Setting name",),
        "Local authority": ("LA",),
        "Registered places": ("Places", "Total places"),
        "Registration date": (),
        REGISTERS[0]: ("EYR", "On Early Years Register"),
        REGISTERS[1]: ("CCR compulsory", "Compulsory part of the Childcare Register"),
        REGISTERS[2]: ("CCR voluntary", "Voluntary part of the Childcare Register"),
        INSPECTED: ("Inspection date of latest full inspection", "Latest inspection date"),
        OUTCOME: ("Overall effectiveness of latest full inspection",),
        SAFEGUARDING: ("Safeguarding", "Safeguarding effective?"),
    },
    required=("Provider URN", "Provider type", *REGISTERS, INSPECTED, OUTCOME),
)

SAMPLES = Path(__file__).parent / "samples" / "ofsted-early-years"

SOURCE = Source(
    name="ofsted-early-years",
    title="Ofsted early years providers and inspections",
    provider="Ofsted",
    kinds=(
        RecordKind(
            name="provider",
            model=EarlyYearsProvider,
            key=lambda r: r.urn,
            valid_time=lambda r: ValidTime(r.as_at),
            mode="snapshot",
            description="A registered early years provider and its latest full inspection, as at the file's date.",
        ),
        RecordKind(
            name="inspection",
            model=EarlyYearsInspection,
            key=lambda r: f"{r.urn}/{r.inspection_date.isoformat()}",
            valid_time=lambda r: ValidTime(r.inspection_date),
            mode="append",
            description="A full inspection of an early years provider and its outcome.",
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=SAMPLES,
    cadence="P3M",
    description=(
        "The area's registered early years and childcare providers (register flags, places) "
        "and the outcome of each one's latest full Ofsted inspection, from a quarterly extract."
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SOURCE)
