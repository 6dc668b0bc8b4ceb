"""From a file to validated records or rejections: the plugin's mapping run under the host's rules.

This module touches no store. The ingestion pipeline (``lif_core.ingestion.pipeline``) consumes what
:func:`parse_file` yields; plugin authors and tests can call it directly.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError

from lif_core.errors import PluginError
from lif_core.eventlog.codec import json_encoder, plain
from lif_core.ingestion.readers import read_rows
from lif_core.plugins.spec import RecordError, Row, Source, ValidTime, free_text_fields
from lif_core.plugins.tracebacks import raised_in
from lif_core.privacy.detect import Finding, find_identifiers, find_personal, may_hold_identifier

__all__ = [
    "ParsedRecord",
    "Rejection",
    "canonical_json",
    "content_hash",
    "describe_validation_error",
    "locator_text",
    "parse_file",
    "parse_row",
    "sensitive_findings",
    "unknown_fields",
]


class ParsedRecord(NamedTuple):
    """A record that passed validation, ready for the log (immutable; a named tuple, as it is
    made once per record on the ingestion hot path)."""

    kind: str
    record_key: str
    valid_time: ValidTime
    attributes: dict[str, Any]
    content_hash: str
    locator: Mapping[str, Any]
    scope: str | None
    as_of: date | None = None
    canonical: str = ""  # the attributes as canonical JSON: what ``content_hash`` is over

    @property
    def stated_on(self) -> date:
        """When the source stated this: ``as_of`` (a snapshot's date), else the valid time."""
        return self.as_of or self.valid_time.valid_from


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row the host refused: where, why, and the raw row (sensitive values masked)."""

    locator: Mapping[str, Any]
    reasons: tuple[str, ...]
    raw: Mapping[str, Any]
    kind: str | None = None


def locator_text(locator: Mapping[str, Any]) -> str:
    """Where in its input a row was, in words: ``line 12`` or ``sheet Data, row 4``."""
    return ", ".join(f"{k} {v}" for k, v in locator.items()) or "(whole input)"


# Made once: ``json.dumps`` with options builds a new encoder on every call.
_CANONICAL = json_encoder(sort_keys=True, default=plain)
# The same without the callback, for a model's JSON-mode dump (which holds JSON values only).
_CANONICAL_PLAIN = json_encoder(sort_keys=True)


def canonical_json(attributes: Mapping[str, Any]) -> str:
    """A record's attributes as canonical JSON: keys sorted, no spaces, ASCII only."""
    return _CANONICAL(attributes)


def content_hash(attributes: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a record's attributes (key order does not matter)."""
    return hashlib.sha256(canonical_json(attributes).encode()).hexdigest()


def describe_validation_error(error: ValidationError) -> list[str]:
    """Pydantic errors in words: field, what the value looked like, what was expected."""
    out = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "(record)"
        value = item.get("input")
        shape = "blank" if value in (None, "") else f"{type(value).__name__} {str(value)[:40]!r}"
        out.append(f"column {field!r}: {item['msg']} (got {shape})")
    return out


# --- the sensitive data guard -------------------------------------------------------------
# What counts is decided in lif_core.privacy.detect; here the guard applies it to a row: the
# identifiers in every cell, a full date in a date-of-birth column, and every kind of finding in
# the fields a record model declares free text.

_DOB_COLUMN = re.compile(r"birth|\bdob\b|d\.o\.b", re.IGNORECASE)
_FULL_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})(?:[ T].*)?$")
_ADVICE = (
    "personal data about a child must not enter the log in clear: remove it at the source or "
    "aggregate it; or, if the source must keep it, its plugin declares the field personal "
    "(RecordKind.personal_fields), and it is then stored sealed under the record's own key, "
    "erasable, and never published"
)


@functools.lru_cache(maxsize=1024)
def _dob_column(column: str) -> bool:
    return _DOB_COLUMN.search(column) is not None


def sensitive_findings(column: str, value: Any) -> list[tuple[str, str]]:
    """(what, matched text) for every child-identifying value found in one cell."""
    if value is None or isinstance(value, bool):
        return []
    text = str(value)
    found = [(f.words, f.text) for f in find_identifiers(text)]
    if _dob_column(column) and _FULL_DATE.match(text):
        found.append(("a full date of birth", text))
    return found


@functools.lru_cache(maxsize=256)
def _any_dob_column(columns: tuple[str, ...]) -> bool:
    return any(_dob_column(c) for c in columns)


def _may_hold_sensitive(raw: Mapping[str, Any]) -> bool:
    """False only when no cell of the row can hold anything :func:`sensitive_findings` finds.

    One search over the row's text instead of one per cell: the cells are joined with a
    separator wider than the gaps the identifiers allow, so digits of two cells never run on.
    """
    text = "\n\n\n".join([str(v) for v in raw.values() if v is not None])
    return may_hold_identifier(text) or _any_dob_column(tuple(raw))


def _mask(value: Any, matches: list[str]) -> Any:
    text = str(value)
    for match in matches:
        text = text.replace(match, "█" * len(match))
    return text


@functools.lru_cache(maxsize=256)
def _free_text(model: type[BaseModel], personal: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The free-text fields the guard reads (a field also declared personal is let through:
    it is sealed and never published)."""
    return tuple(f for f in free_text_fields(model) if f not in personal)


# Per source (by id, with the source kept so that a freed id reused by another is not mistaken).
_PERSONAL_COLUMNS: dict[int, tuple[Source, frozenset[str]]] = {}


def _header(text: object) -> str:
    return " ".join(str(text).split()).casefold()


def _personal_columns(source: Source) -> frozenset[str]:
    """The headers (normalised) of the columns that feed fields a kind declares personal: the
    guard lets them through, since what they hold is sealed and never published."""
    held = _PERSONAL_COLUMNS.get(id(source))
    if held is not None and held[0] is source:
        return held[1]
    fields = {f for kind in source.kinds for f in kind.personal_fields}
    variants = source.inputs.columns.variants if source.inputs.columns else {}
    found = frozenset(
        _header(spelling) for field in fields for spelling in (field, *variants.get(field, ()))
    )
    _PERSONAL_COLUMNS[id(source)] = (source, found)
    return found


def _free_text_guard(
    row: Row, kind_name: str, fields: tuple[str, ...], attributes: Mapping[str, Any]
) -> Rejection | None:
    """A rejection when a free-text field of a validated record names or locates a person."""
    hits: dict[str, list[Finding]] = {}
    for name in fields:
        value = attributes.get(name)
        if isinstance(value, str) and value:
            found = find_personal(value)
            if found:
                hits[name] = found
    if not hits:
        return None
    matched = [f.text for found in hits.values() for f in found]
    raw = {c: (_mask(v, matched) if isinstance(v, str) else v) for c, v in row.raw.items()}
    reasons = tuple(
        f"field {name!r} (free text) holds what looks like "
        f"{' and '.join(dict.fromkeys(f.words for f in found))}: {_ADVICE}"
        for name, found in hits.items()
    )
    return Rejection(locator=row.locator, reasons=reasons, raw=raw, kind=kind_name)


# --- parsing --------------------------------------------------------------------------------


def parse_row(source: Source, row: Row) -> list[ParsedRecord | Rejection]:
    """Map one raw row through the plugin and validate each record it yields (a list, not a
    generator: this is the ingestion hot path).

    Raises :class:`~lif_core.errors.PluginError` (``plugin-bug``) when the plugin's own code
    breaks its contract: ``map_row`` (or a kind's ``key``, ``valid_time`` or
    ``snapshot_scope``) raises anything but :class:`RecordError`, emits a kind the source does
    not declare or a field its model does not have, or gives a valid time that is missing or
    ends before it starts. Those are bugs to fix, not rows to reject.
    """
    if row.undecodable:
        return [_undecodable(source, row)]
    personal = _personal_columns(source)
    cells = (
        row.raw
        if not personal
        else {c: v for c, v in row.raw.items() if _header(c) not in personal}
    )
    if _may_hold_sensitive(cells):
        rejection = _guard(row, cells)
        if rejection is not None:
            return [rejection]
    try:
        emits = list(source.map_row(row))
    except RecordError as exc:
        where = f"column {exc.column!r}: " if exc.column else ""
        return [Rejection(locator=row.locator, reasons=(f"{where}{exc}",), raw=dict(row.raw))]
    except Exception as exc:  # the plugin's own code failed: a bug, never a rejected row
        raise _bug(source, row, f"map_row raised {raised_in(exc, _module(source))}") from exc
    out: list[ParsedRecord | Rejection] = []
    for emit in emits:
        try:
            kind = source.kind(emit.kind)
        except KeyError:
            known = ", ".join(k.name for k in source.kinds)
            raise _bug(
                source,
                row,
                f"map_row emitted the kind {emit.kind!r}, which the source does not declare "
                f"(it declares: {known}): correct the Emit's kind, or declare the kind",
            ) from None
        except AttributeError:
            raise _bug(
                source,
                row,
                f"map_row returned a {type(emit).__name__}, not an Emit(kind, fields)",
            ) from None
        try:
            fields = emit.fields
            # What model_validate and model_dump call, without their Python wrappers (hot path).
            model: BaseModel = kind.model.__pydantic_validator__.validate_python(
                fields if type(fields) is dict else dict(fields)
            )
        except ValidationError as exc:
            unknown = unknown_fields(kind.model, emit.fields)
            if unknown:
                raise _bug(source, row, f"map_row gave kind {kind.name!r} {unknown}") from None
            out.append(
                Rejection(
                    locator=row.locator,
                    reasons=tuple(describe_validation_error(exc)),
                    raw=dict(row.raw),
                    kind=kind.name,
                )
            )
            continue
        step = "key"
        try:
            key = kind.key(model)
            step = "valid_time"
            valid = kind.valid_time(model)
            step = "snapshot_scope"
            scope = kind.snapshot_scope(model) if kind.snapshot_scope else None
        except RecordError as exc:
            out.append(
                Rejection(
                    locator=row.locator, reasons=(str(exc),), raw=dict(row.raw), kind=kind.name
                )
            )
            continue
        except Exception as exc:
            raise _bug(
                source,
                row,
                f"RecordKind {kind.name!r}: {step} raised {raised_in(exc, _module(source))}",
            ) from exc
        wrong = _wrong_valid_time(valid)
        if wrong:
            raise _bug(source, row, f"RecordKind {kind.name!r}: valid_time {wrong}")
        if not key:
            out.append(
                Rejection(
                    locator=row.locator,
                    reasons=("the record key is blank",),
                    raw=dict(row.raw),
                    kind=kind.name,
                )
            )
            continue
        attributes = model.__pydantic_serializer__.to_python(model, mode="json")
        free_text = _free_text(kind.model, kind.personal_fields)
        if free_text:
            refused = _free_text_guard(row, kind.name, free_text, attributes)
            if refused is not None:
                out.append(refused)
                continue
        canonical = _CANONICAL_PLAIN(attributes)
        out.append(
            ParsedRecord(
                kind.name,
                str(key),
                valid,
                attributes,
                hashlib.sha256(canonical.encode()).hexdigest(),
                row.locator,
                scope,
                emit.as_of,
                canonical,
            )
        )
    return out


def _module(source: Source) -> str | None:
    return getattr(source.map_row, "__module__", None)


def _bug(source: Source, row: Row, what: str) -> PluginError:
    where = ", ".join(f"{k} {v}" for k, v in row.locator.items())
    return PluginError(source.name, "plugin-bug", f"{what} ({row.origin}, {where})")


def _wrong_valid_time(valid: Any) -> str:
    """What is wrong with what a kind's ``valid_time`` returned (empty: nothing)."""
    if type(valid) is not ValidTime:
        return (
            f"returned {valid!r}, not a ValidTime(valid_from, valid_to): return the period "
            "the record is about, or raise RecordError when the row does not say it"
        )
    start, end = valid.valid_from, valid.valid_to
    if not isinstance(start, date):
        return (
            f"returned valid_from={start!r}, not a date: every record needs the day its "
            "period starts (raise RecordError when the row does not say it)"
        )
    if end is not None and not isinstance(end, date):
        return f"returned valid_to={end!r}, neither a date nor None (a single day)"
    if end is not None and end < start:
        return (
            f"returned a period that ends ({end.isoformat()}) before it starts "
            f"({start.isoformat()}): swap them if the source writes them the other way "
            "round, or raise RecordError for a row whose period is reversed"
        )
    return ""


def unknown_fields(model: type[BaseModel], fields: Mapping[str, Any]) -> str:
    """The emitted fields the model does not have, in words with the nearest names (or '')."""
    names = set(model.model_fields)
    names |= {f.alias for f in model.model_fields.values() if f.alias}
    unknown = [str(f) for f in fields if f not in names]
    if not unknown:
        return ""
    parts = []
    for name in unknown:
        near = difflib.get_close_matches(name, sorted(names), n=1)
        parts.append(f"{name!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
    return (
        f"the field{'s' if len(parts) > 1 else ''} {', '.join(parts)}, which "
        f"{model.__name__} does not have (its fields: {', '.join(model.model_fields)})"
    )


def _undecodable(source: Source, row: Row) -> Rejection:
    encoding = source.inputs.encoding or "UTF-8"
    reasons = tuple(
        f"column {column!r} holds bytes that are not valid {encoding} (shown as \ufffd): "
        "correct the file, save it as UTF-8, or declare the encoding the source writes in "
        "InputOptions(fallback_encoding=...)"
        for column in row.undecodable
    )
    return Rejection(locator=row.locator, reasons=reasons, raw=dict(row.raw))


def _guard(row: Row, cells: Mapping[str, Any]) -> Rejection | None:
    """The sensitive data guard: a rejection (offending values masked) if one of ``cells`` (the
    row's, but those feeding declared personal fields) identifies a child."""
    hits: dict[str, list[tuple[str, str]]] = {}
    for column, value in cells.items():
        found = sensitive_findings(column, value)
        if found:
            hits[column] = found
    if not hits:
        return None
    raw = {c: (_mask(v, [m for _, m in hits[c]]) if c in hits else v) for c, v in row.raw.items()}
    reasons = tuple(
        f"column {c!r} holds what looks like {what}: {_ADVICE}"
        for c, found in hits.items()
        for what, _ in found[:1]
    )
    return Rejection(locator=row.locator, reasons=reasons, raw=raw)


def parse_file(
    source: Source, path: Path, *, limit: int | None = None
) -> Iterator[ParsedRecord | Rejection]:
    """Read ``path`` with the source's input options and yield records and rejections.

    Raises :class:`~lif_core.errors.InputError` when the file cannot be read at all.
    """
    for count, row in enumerate(read_rows(path, source.inputs), start=1):
        yield from parse_row(source, row)
        if limit is not None and count >= limit:
            break
