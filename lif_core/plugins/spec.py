"""What a plugin declares about a source: its kinds, models, keys, valid time, inputs, policy."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel

from lif_core.plugins.loop import (
    ActionDeclaration,
    Finding,
    LearningDeclaration,
    MeasureDeclaration,
)
from lif_core.plugins.reviews import ReviewKind

__all__ = [
    "FREE_TEXT",
    "Columns",
    "Emit",
    "FreeText",
    "InputOptions",
    "RecordError",
    "RecordKind",
    "Row",
    "Source",
    "ValidTime",
    "free_text_fields",
]

Mode = Literal["snapshot", "append"]
BadRecordPolicy = Literal["quarantine", "fail-fast"]
InputFormat = Literal["csv", "xlsx", "json", "jsonl"]

SOURCE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class _FreeTextMarker:
    """The mark :data:`FreeText` puts on a field (one object; compared by identity)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "FREE_TEXT"


FREE_TEXT: Final = _FreeTextMarker()
FreeText = Annotated[str, FREE_TEXT]
"""A field of prose a person wrote (a learning statement, a progress update): the guard looks in
it for names, dates of birth, ages, addresses and postcodes as well as identifiers, and refuses
the row when it finds one. Declare it as ``learning: FreeText = Field(description=...)`` (or
``FreeText | None``)."""


def free_text_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` declared :data:`FreeText` (also inside ``Optional``)."""
    found = []
    for name, info in model.model_fields.items():
        marks = list(info.metadata)
        for arg in getattr(info.annotation, "__args__", ()) or ():
            marks.extend(getattr(arg, "__metadata__", ()))
        if any(mark is FREE_TEXT for mark in marks):
            found.append(name)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class ValidTime:
    """The period (or day, when ``valid_to`` is None) a record is about."""

    valid_from: date
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """One raw row as the host read it.

    ``values`` maps canonical field names (after :class:`Columns` resolution) to the raw
    text; ``raw`` keeps the row as the source wrote it, under its own headers. ``locator``
    says where it was: ``{"sheet": ..., "row": 12}`` or ``{"line": 40}``. ``origin`` is the
    file name, ``origin_meta`` what the host knows of the file (for example a snapshot date
    found in a title row, under ``"title"``).

    ``redecoded`` names the columns whose text was not valid in the file's encoding and was
    decoded again with the source's ``fallback_encoding`` (the run counts them);
    ``undecodable`` the columns that could not be decoded at all: the host rejects such a row
    before ``map_row`` sees it.
    """

    values: Mapping[str, Any]
    raw: Mapping[str, Any]
    locator: Mapping[str, Any]
    origin: str
    origin_meta: Mapping[str, Any] = field(default_factory=dict)
    redecoded: tuple[str, ...] = ()
    undecodable: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Emit:
    """One record a plugin makes from a row: its kind and the fields of the kind's model.

    ``as_of``: when the source stated this (a snapshot's date), if it differs from the
    record's valid time. The same fact stated by two snapshots keeps the newer statement,
    whatever order the files arrive in.
    """

    kind: str
    fields: Mapping[str, Any]
    as_of: date | None = None


class RecordError(ValueError):
    """Raised by ``Source.map_row`` to reject one row with a reason (and the column)."""

    def __init__(self, message: str, *, column: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.column = column
        self.value = value


@dataclass(frozen=True, slots=True)
class Columns:
    """Canonical field name -> the header spellings a source has used for it.

    Matching ignores case, surrounding blanks and repeated inner blanks. ``required``
    names must be present in the header (that is also how the title rows above a header
    are skipped: the header is the first row that holds all of them).
    """

    variants: Mapping[str, Sequence[str]]
    required: Sequence[str] = ()

    def resolve(self, header: Sequence[str]) -> dict[str, int]:
        """Canonical name -> column index in ``header`` (only the names present)."""
        positions = {_norm(h): i for i, h in enumerate(header) if h is not None}
        found: dict[str, int] = {}
        for name, spellings in self.variants.items():
            for spelling in (name, *spellings):
                index = positions.get(_norm(spelling))
                if index is not None:
                    found[name] = index
                    break
        return found

    def missing(self, header: Sequence[str]) -> list[str]:
        found = self.resolve(header)
        return [name for name in self.required if name not in found]


def _norm(text: object) -> str:
    return " ".join(str(text).replace("\ufeff", "").split()).casefold()


@dataclass(frozen=True, slots=True)
class InputOptions:
    """How the host reads the source's files.

    ``encoding`` None means UTF-8 (with or without a byte-order mark). A text cell that is
    not valid in it is decoded again with ``fallback_encoding`` when the source declares one
    (e.g. ``"cp1252"`` for a publisher whose exports mix in Windows text), and counted;
    without one the row is rejected naming the column. ``sheet`` is
    the XLSX sheet name (None: the first). ``header_search_rows`` bounds how far down the
    header is looked for. ``ignore_columns`` are never read nor kept, not even in a rejected
    row's raw copy (e.g. a person's name the platform must not hold).
    """

    formats: tuple[InputFormat, ...] = ("csv",)
    columns: Columns | None = None
    encoding: str | None = None
    fallback_encoding: str | None = None
    sheet: str | None = None
    header_search_rows: int = 20
    delimiter: str = ","
    ignore_columns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordKind:
    """One kind of record a source produces.

    :param name: stable kind name, e.g. ``"provider"``.
    :param model: the pydantic model every record of this kind is validated with. Every
        field needs a ``description`` (the conformance kit checks it).
    :param key: record -> its record key (unique within the source and kind).
    :param valid_time: record -> the period the fact is about.
    :param mode: ``snapshot`` (a file holds the whole current state; a key absent from a
        newer snapshot is withdrawn) or ``append`` (new facts only; nothing is withdrawn).
    :param snapshot_scope: record -> the scope a snapshot covers (e.g. one action-plan
        tracker). None: the whole kind. Only keys of a scope seen in the file are candidates
        for withdrawal.
    :param personal_fields: fields that hold what identifies a person, on purpose. The guard
        lets them through; they are stored sealed under a data key of the record (erasable
        with ``lif privacy erase --record``) and never published: policies, read tables,
        exports and the report see ``[personal]``; the Kafka relay publishes the sealed form.
        The conformance kit refuses a field *named* like a personal identifier (``child_name``,
        ``nhs_number``, ``date_of_birth``, …) that is not declared here.
    :param findings: which records are findings someone should look at (learning candidates).
    :param actions: how records state actions (:class:`~lif_core.plugins.ActionDeclaration`).
    :param learning: how records state learning (:class:`~lif_core.plugins.LearningDeclaration`).
    :param measures: the figures records hold, their units and dimensions
        (:class:`~lif_core.plugins.MeasureDeclaration`): what a measure can bind to.
    :param review: set when the kind's records are reviews (rapid reviews, practice reviews,
        appreciative inquiries, …): see :class:`~lif_core.plugins.reviews.ReviewKind`.
    :param agency_fields: the fields that name a partner agency of the partnership (an
        action's owner, the agencies an audit looked at, the agency a Section 11 return is
        from). A field holds one name, names separated by ``;``, or a list of names; a dotted
        path reaches into nested records (``participants.agency``). Once the store holds a
        partner register (``lif partner add``), a record naming an agency the register does
        not know is rejected with the close matches listed (docs/partnership.md).
    """

    name: str
    model: type[BaseModel]
    key: Callable[[Any], str]
    valid_time: Callable[[Any], ValidTime]
    mode: Mode = "append"
    snapshot_scope: Callable[[Any], str] | None = None
    personal_fields: tuple[str, ...] = ()
    description: str = ""
    findings: tuple[Finding, ...] = ()
    actions: ActionDeclaration | None = None
    learning: LearningDeclaration | None = None
    measures: MeasureDeclaration | None = None
    review: ReviewKind | None = None
    agency_fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    """Everything the host needs to ingest one source.

    :param name: stable, lower-case, hyphenated (``youth-offending-returns``).
    :param title: human title.
    :param provider: the inspectorate or agency that publishes the data.
    :param kinds: the record kinds (at least one).
    :param inputs: how files are read (formats, header variants, encoding, sheet).
    :param map_row: raw row -> the records it holds (:class:`Emit`); raise
        :class:`RecordError` to reject the row with a reason.
    :param on_bad_record: ``quarantine`` (keep the rejection and go on, the default) or
        ``fail-fast`` (stop at the first bad record; nothing of the file is recorded).
    :param max_reject_rate: with quarantine, fail the file when more than this share of
        rows is rejected (0.0-1.0).
    :param samples: folder with the shipped sample inputs, ``expected.jsonl`` and ``bad/``.
    :param cadence: how often fresh data is expected, ISO 8601 duration (``P1Y``, ``P3M``).
    :param description: one paragraph for the catalogue.
    """

    name: str
    title: str
    provider: str
    kinds: tuple[RecordKind, ...]
    inputs: InputOptions
    map_row: Callable[[Row], Iterable[Emit]]
    on_bad_record: BadRecordPolicy = "quarantine"
    max_reject_rate: float | None = None
    samples: Path | None = None
    cadence: str = "P1Y"
    description: str = ""

    def kind(self, name: str) -> RecordKind:
        for kind in self.kinds:
            if kind.name == name:
                return kind
        known = ", ".join(k.name for k in self.kinds)
        raise KeyError(f"source {self.name!r} has no record kind {name!r} (it has: {known})")
