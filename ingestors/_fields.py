"""Parsing of the raw cell values every source has: dates, counts, decimals, periods, flags.

One place for each: ingestors call these rather than writing their own. Blanks, dates and
periods are read by the plugin API's own functions (``lif_core.plugins.values``), re-exported
here, so a third-party plugin reads them exactly as the built-ins do.
Every parser returns None for a blank cell and raises RecordError (naming the column)
for a value it cannot read. Closed word lists and grade scales: ``_vocabulary``; suppressed
small numbers: ``_suppression``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import PlainSerializer

from lif_core.plugins import (
    RecordError,
    ValidTime,
    blank,
    parse_date,
    parse_period,
    period_shape,
    read_period,
)

__all__ = [
    "Number",
    "blank",
    "export_day",
    "financial_year_of",
    "parse_bool",
    "parse_date",
    "parse_decimal",
    "parse_int",
    "parse_period",
    "period_shape",
    "read_period",
    "required_text",
    "text",
]


def text(value: Any) -> str | None:
    """Trimmed text, or None when blank."""
    if blank(value):
        return None
    return " ".join(str(value).split())


def required_text(values: Mapping[str, Any], name: str, what: str) -> str:
    """The trimmed text of column ``name``; a blank cell is refused as 'the <what> is blank'."""
    value = text(values.get(name))
    if value is None:
        raise RecordError(f"the {what} is blank", column=name)
    return value


def parse_int(value: Any, column: str) -> int | None:
    if blank(value):
        return None
    if isinstance(value, bool):
        raise RecordError(f"{value!r} is not a whole number", column=column, value=value)
    if isinstance(value, int):
        return value
    raw = str(value).strip().replace(",", "")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise RecordError(f"{value!r} is not a whole number", column=column, value=value) from None
    if number != number.to_integral_value():
        raise RecordError(f"{value!r} is not a whole number", column=column, value=value)
    return int(number)


def parse_decimal(value: Any, column: str) -> Decimal | None:
    if blank(value):
        return None
    raw = str(value).strip().replace(",", "").removesuffix("%")
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise RecordError(f"{value!r} is not a number", column=column, value=value) from None


def parse_bool(value: Any, column: str) -> bool | None:
    if blank(value):
        return None
    raw = str(value).strip().casefold()
    if raw in {"yes", "y", "true", "1", "met", "effective"}:
        return True
    if raw in {"no", "n", "false", "0", "not met", "not effective", "ineffective"}:
        return False
    raise RecordError(f"{value!r} is not yes or no", column=column, value=value)


def financial_year_of(day: date) -> tuple[str, ValidTime]:
    """The April-March year a day falls in: 14 March 2025 -> ('2024-25', 2024-04-01..2025-03-31)."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}", ValidTime(date(start, 4, 1), date(start + 1, 3, 31))


def _json_number(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


Number = Annotated[Decimal, PlainSerializer(_json_number, when_used="json")]
"""A decimal read exactly, written to JSON as a number (not pydantic's default string)."""


_EXPORTED = re.compile(
    r"exported\s*(?:on\s*)?[:\-]?\s*(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}|\d{1,2} \w+ \d{4})",
    re.IGNORECASE,
)
_ISO_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


def export_day(title: str, origin: str) -> date | None:
    """The day a whole-file export was made: 'Exported 30/09/2025' in its title rows, else an
    ISO date in its file name (learning-log-exported-2025-09-30.xlsx), else None."""
    if match := _EXPORTED.search(title or ""):
        return parse_date(match.group(1), "title")
    if match := _ISO_IN_NAME.search(origin or ""):
        return parse_date(match.group(1), "file name")
    return None
