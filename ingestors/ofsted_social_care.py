"""Ofsted children's social care providers at 31 March: each provider and its full inspections.

One yearly file per snapshot ("Children's social care data in England", provider level),
2015 to 2025, with title rows above the header from 2016 and columns renamed almost every
year: :data:`COLUMNS` lists every spelling seen. A row yields a ``provider`` record (the
register entry at the snapshot date) and, when the provider has been inspected, an
``inspection`` record for the latest full inspection; the 2024 file also carries the
previous full inspection, which yields a second one. Successive snapshots restate an
inspection, so each statement carries the snapshot date as ``as_of``: the newest statement
wins whatever order the files arrive in. Names and addresses of settings are not kept (see
docs/sources/ofsted-social-care.md).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, create_model

from ingestors._fields import parse_date, parse_int, text
from ingestors._vocabulary import OFSTED_SOCIAL_CARE, OFSTED_SUPPORTED_ACCOMMODATION, one_of
from lif_core.plugins import (
    Columns,
    Emit,
    Finding,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    grade_slug,
    hookimpl,
)

CONCERN = ("inadequate", "requires-improvement")

__all__ = ["COLUMNS", "DROPPED_COLUMNS", "SOURCE", "register_sources"]

SUPPORTED_ACCOMMODATION = "supported_accommodation_outcome"

# Judgement area -> (what it judges, the headers it has had). The 2022 file prefixes each with
# "Latest full inspection"; the 2024 file repeats them as "Previous ..." for the inspection before.
AREAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "overall": ("the headline judgement: overall effectiveness (to 2018), overall experiences and progress of children and young people (2019 on)", ("Overall effectiveness", "Overall experiences and progress of children and young people")),
    "help_and_protection": ("the safety of (2015), safeguarding (2016-2018), how well children and young people are helped and protected (2019 on)", ("The safety of children and young people", "Safeguarding children and young people", "How well children and young people are helped and protected")),
    "leadership": ("leadership and management (to 2018), the effectiveness of leaders and managers (2019 on)", ("Leadership and management", "The effectiveness of leaders and managers")),
    "outcomes": ("outcomes for children and young people (to 2018)", ("Outcomes for children and young people",)),
    "quality_of_care": ("quality of care (to 2018)", ("Quality of care",)),
    "education": ("outcomes in education and related learning activities (residential schools)", ("Outcomes in education and related learning activities",)),
    "health": ("health services (secure children's homes, 2020 on)", ("Health services", "Latest full inspectio health services")),
    SUPPORTED_ACCOMMODATION: ("the supported accommodation outcome (2025 on; its own three-point scale)", ("Supported Accommodation outcome",)),
}  # fmt: skip
_SCALE = {SUPPORTED_ACCOMMODATION: OFSTED_SUPPORTED_ACCOMMODATION}
GRADE = one_of(OFSTED_SOCIAL_CARE, OFSTED_SUPPORTED_ACCOMMODATION)

# Inspection event field -> (headers of the latest full inspection, header of the previous one).
_EVENT = {
    "event_type": (("Event type", "Inspection type", "Latest full inspection event type"), "Previous full inspection event type"),
    "inspection_date": (("Inspection date", "Latest full inspection date"), "Previous full inspection event date"),
    "publication_date": (("Publication date", "Latest full inspection publication date"), "Previous full inspection publication date"),
    "event_number": (("Event number", "Inspection ID", "Latest full inspection event number"), "Previous full inspection event number"),
}  # fmt: skip


def _latest(headers: tuple[str, ...]) -> tuple[str, ...]:
    return (*headers, *(f"Latest full inspection {h}" for h in headers))


def _previous(headers: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"Previous {h.removeprefix('The ')}" for h in headers)


COLUMNS = Columns(
    variants={
        "urn": ("URN",),
        "provision_type": ("Provision type",),
        "registration_status": ("Registration status", "Reg Status"),
        "registration_date": ("Registration date",),
        "ofsted_region": ("Ofsted region", "Region"),
        "government_office_region": ("Government Office Region",),
        "local_authority": ("Local authority",),
        "sector": ("Sector",),
        "places": ("Places",),
        "premises": ("Supported accommodation premises", "Premises"),
        **{name: latest for name, (latest, _) in _EVENT.items()},
        **{f"previous_{name}": (previous,) for name, (_, previous) in _EVENT.items()},
        **{name: _latest(headers) for name, (_, headers) in AREAS.items()},
        **{f"previous_{name}": _previous(headers) for name, (_, headers) in AREAS.items()},
    },
    required=("urn", "provision_type", "local_authority"),
)

# Columns read and deliberately not kept: setting names and addresses (we hold
# organisational facts only; children's homes are redacted anyway), links and labels.
DROPPED_COLUMNS = frozenset(
    {
        "web link", "name", "setting name", "address 1", "address 2", "town", "county",
        "postcode", "parliamentary constituency", "organisation", "organisation name",
        "organisation which owns the provider", "linked education urn", "linked ed urn",
        "short breaks only", "short breaks only children's home", "short-break-only children's home",
        "multi-building children's home", "multi building children's home", "",
    }
)  # fmt: skip

# Published spellings that drift in case between years, folded to the 2025 spelling.
_CANONICAL = {
    v.casefold(): v
    for v in (
        "Private", "Local Authority", "Voluntary", "Academy", "Health Authority",
        "Full inspection", "Monitoring inspection", "Children's home", "Independent Fostering Agency",
        "Adoption Support Agency",
    )
}  # fmt: skip

_TITLE_DATE = re.compile(r"as at (\d{1,2} )?March (\d{4})", re.IGNORECASE)
_FILE_YEAR = re.compile(r"provider[_-]at[_-]march[_-](\d{4})", re.IGNORECASE)
_URN = re.compile(r"^(SC)?\d{6,8}$")


class ProviderRecord(BaseModel):
    """A social care provider on Ofsted's register at a 31 March snapshot."""

    urn: str = Field(pattern=_URN.pattern, description="Ofsted URN (SC123456 or 1234567)")
    snapshot_date: date = Field(
        exclude=True,
        description="The register snapshot's date: 31 March. It dates the record (valid time and "
        "as_of) but is not part of its content, so a provider unchanged from one year's "
        "snapshot to the next is not revised",
    )
    provision_type: str = Field(description="Type of provision, e.g. Children's home")
    sector: str | None = Field(description="Private, Local Authority, Voluntary, Academy...")
    registration_status: str | None = Field(description="Active or Suspended")
    registration_date: date | None = Field(description="Date registered (published from 2019)")
    local_authority: str | None = Field(description="Local authority the setting is in")
    ofsted_region: str | None = Field(description="Ofsted region (none in 2016)")
    government_office_region: str | None = Field(description="Government Office region (2016 on)")
    places: int | None = Field(ge=0, description="Registered places (blank for agencies)")
    premises: int | None = Field(ge=0, description="Supported accommodation premises (2024 on)")


class _InspectionFacts(BaseModel):
    urn: str = Field(pattern=_URN.pattern, description="Ofsted URN of the provider inspected")
    event_number: str | None = Field(description="Inspection event number ('Inspection ID' 2015)")
    event_type: str | None = Field(description="Full inspection or Monitoring inspection")
    inspection_date: date = Field(description="First day of the visit (to 2018: a later day)")
    publication_date: date | None = Field(description="Report published (columns from 2017)")


def _grade_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, (what, _) in AREAS.items():
        fields[name] = (GRADE | None, Field(description=f"Grade on the common scale: {what}"))
        wording = Field(description=f"The grade as Ofsted worded it: {what}")
        fields[f"{name}_wording"] = (str | None, wording)
    return fields


InspectionRecord = create_model(
    "InspectionRecord",
    __base__=_InspectionFacts,
    __doc__="One full inspection of a provider, with its judgements.",
    **_grade_fields(),
)


@functools.lru_cache(maxsize=32)
def _published(header: tuple[str, ...]) -> dict[str, str]:
    return {name: header[i] for name, i in COLUMNS.resolve(header).items()}


def _label(row: Row, name: str) -> str:
    """The header this file used for a field, for messages that point at the cell."""
    return _published(tuple(row.origin_meta.get("header", ()))).get(name, name)


def snapshot_date(row: Row) -> date:
    """31 March of the snapshot: from the title rows, else from the file name."""
    return _snapshot_date(row.origin, str(row.origin_meta.get("title") or ""))


@functools.lru_cache(maxsize=32)
def _snapshot_date(origin: str, title: str) -> date:
    found = _TITLE_DATE.search(title)
    if found:
        day = parse_date(f"{(found.group(1) or '31 ').strip()} March {found.group(2)}", "title")
        assert day is not None
        return day
    named = _FILE_YEAR.search(origin)
    if named:
        return date(int(named.group(1)), 3, 31)
    raise RecordError(
        f"cannot tell the snapshot date of {origin!r}: no 'as at 31 March YYYY' in the "
        "title rows and the file is not named provider_at_march_YYYY.csv; rename the file"
    )


def _canonical(value: Any) -> str | None:
    tidy = text(value)
    return _CANONICAL.get(tidy.casefold(), tidy) if tidy else None


def _date(row: Row, name: str) -> date | None:
    return parse_date(row.values.get(name), _label(row, name))


def _inspection(row: Row, urn: str, prefix: str = "") -> dict[str, Any] | None:
    """The inspection fields under ``prefix`` ('' latest, 'previous_'), None if there is none."""
    when = _date(row, f"{prefix}inspection_date")
    fields: dict[str, Any] = {
        "urn": urn,
        "event_number": text(row.values.get(f"{prefix}event_number")),
        "event_type": _canonical(row.values.get(f"{prefix}event_type")),
        "inspection_date": when,
        "publication_date": _date(row, f"{prefix}publication_date"),
    }
    for area in AREAS:
        wording = text(row.values.get(f"{prefix}{area}"))
        scale = _SCALE.get(area, OFSTED_SOCIAL_CARE)
        fields[area] = scale.value_of(wording, _label(row, f"{prefix}{area}"))
        fields[f"{area}_wording"] = wording
    if when is None:
        graded = [a for a in AREAS if fields[a] is not None]
        if graded or fields["event_number"]:
            what = ", ".join(graded) or "an event number"
            raise RecordError(
                f"the row has an inspection ({what}) but no inspection date",
                column=_label(row, f"{prefix}inspection_date"),
            )
        return None
    return fields


def map_row(row: Row) -> Iterator[Emit]:
    urn = text(row.values.get("urn"))
    if urn is None:
        raise RecordError(
            "the URN is blank: a provider cannot be recorded without it", column="URN"
        )
    if not _URN.match(urn):
        raise RecordError(f"{urn!r} is not an Ofsted URN (SC123456 or 1234567)", column="URN")
    stated = snapshot_date(row)
    provider = {
        "urn": urn,
        "snapshot_date": stated,
        "provision_type": _canonical(row.values.get("provision_type")),
        "sector": _canonical(row.values.get("sector")),
        "registration_status": text(row.values.get("registration_status")),
        "registration_date": _date(row, "registration_date"),
        "local_authority": text(row.values.get("local_authority")),
        "ofsted_region": text(row.values.get("ofsted_region")),
        "government_office_region": text(row.values.get("government_office_region")),
        "places": parse_int(row.values.get("places"), _label(row, "places")),
        "premises": parse_int(row.values.get("premises"), _label(row, "premises")),
    }
    inspections = [_inspection(row, urn), _inspection(row, urn, "previous_")]
    yield Emit("provider", provider, as_of=stated)
    for fields in inspections:
        if fields is not None:
            # Several snapshots restate one inspection; the host keeps the newest statement.
            yield Emit("inspection", fields, as_of=stated)


def inspection_key(record: Any) -> str:
    """URN + event number; URN + inspection date only when the event number is blank."""
    if record.event_number:
        return f"{record.urn}/event/{record.event_number}"
    return f"{record.urn}/date/{record.inspection_date.isoformat()}"


SOURCE = Source(
    name="ofsted-social-care",
    title="Ofsted children's social care providers and inspections (provider level at 31 March)",
    provider="Ofsted",
    kinds=(
        RecordKind(
            name="provider",
            model=ProviderRecord,
            key=lambda r: r.urn,
            valid_time=lambda r: ValidTime(r.snapshot_date),
            mode="snapshot",
            description="A provider on the register at 31 March; absent from a later one: gone.",
        ),
        RecordKind(
            name="inspection",
            model=InspectionRecord,
            key=inspection_key,
            valid_time=lambda r: ValidTime(r.inspection_date),
            mode="append",
            description="A full inspection and its judgements; snapshots build up the history.",
            # A provider judged inadequate or requires improvement, in the partnership's own
            # area (the provider record of the same URN says where it is).
            findings=(
                Finding(
                    rule="ofsted-provider-concern",
                    applies=lambda a: grade_slug(a.get("overall")) in CONCERN,
                    text=lambda a: (
                        f"{a.get('provision_type') or 'Provider'} {a['urn']} judged "
                        f"{grade_slug(a['overall'])} on {a['inspection_date']}"
                    ),
                    severity=lambda a: grade_slug(a.get("overall")),
                    dated="inspection_date",
                    area=lambda a: a.get("local_authority"),
                    area_from=("provider", "urn"),
                ),
            ),
        ),
    ),
    # Ofsted's exports are UTF-8 but for a Windows dash here and there (in the 2022 and 2024
    # files): those cells are decoded as cp1252, and counted in the run's report.
    inputs=InputOptions(
        formats=("csv",), columns=COLUMNS, header_search_rows=10, fallback_encoding="cp1252"
    ),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "ofsted-social-care",
    cadence="P1Y",
    description=(
        "Ofsted's yearly 'Children's social care data in England' provider-level file: every "
        "children's home, fostering and adoption agency, residential school and supported "
        "accommodation provider registered at 31 March, with its latest full inspection."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
