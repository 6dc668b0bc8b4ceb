"""Cells of the partnership-kept sources: suppressed small counts, published figures, ';' lists.

Published aggregates (the schools health survey, the CDOP annual report) hide small numbers
behind a marker such as ``*`` or ``<10``. A suppressed cell is a fact in itself ("fewer than
the threshold, not published"): it is kept as ``suppressed=True`` with no value, never as zero.
An unsuppressed count below the threshold is refused, so a small number cannot slip into the
log (and so into the reports) because one cell of a spreadsheet was not masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ingestors._fields import blank, parse_decimal, parse_int
from lif_core.plugins import RecordError

__all__ = [
    "Published",
    "SuppressibleCount",
    "is_suppressed",
    "parse_count",
    "parse_percentage",
    "published_number",
    "split_list",
]

# The markers statistical publications use for a hidden small number.
_MARKERS = frozenset({"*", "**", "c", "[c]", "x", "[x]", "s", "supp", "suppressed", "~"})


def is_suppressed(value: Any) -> bool:
    """True when the cell holds a suppression marker (``*``, ``c``, ``<10``, ``<5``...)."""
    if not isinstance(value, str):
        return False
    raw = value.strip().casefold()
    if raw in _MARKERS:
        return True
    return raw.startswith("<") and raw[1:].strip().isdigit()


@dataclass(frozen=True, slots=True)
class SuppressibleCount:
    """A count as published: the number, or ``suppressed`` with no number."""

    value: int | None
    suppressed: bool


def parse_count(value: Any, column: str, *, threshold: int) -> SuppressibleCount:
    """A non-negative count that may be suppressed; counts from 1 to ``threshold - 1`` are refused.

    Zero is allowed unsuppressed: publications show it, and it identifies no one.
    """
    if is_suppressed(value):
        return SuppressibleCount(None, True)
    number = parse_int(value, column)
    if number is None:
        raise RecordError(
            "the count is blank (write 0, or a suppression marker such as '*')", column=column
        )
    if number < 0:
        raise RecordError(f"{number} is negative; a count cannot be", column=column, value=value)
    if 0 < number < threshold:
        raise RecordError(
            f"{number} is a small count published unsuppressed: counts from 1 to {threshold - 1} "
            f"must be suppressed at the source (write '*' or '<{threshold}')",
            column=column,
            value=value,
        )
    return SuppressibleCount(number, False)


@dataclass(frozen=True, slots=True)
class Published:
    """A figure as a report published it: the number, or ``suppressed`` with no number."""

    number: int | Decimal | None
    suppressed: bool

    @property
    def given(self) -> bool:
        return self.suppressed or self.number is not None


def published_number(value: Any, column: str, *, whole: bool) -> Published:
    """A non-negative figure, blank, or a suppression marker (kept as suppressed, never zero)."""
    if is_suppressed(value):
        return Published(None, True)
    number: int | Decimal | None = (
        parse_int(value, column) if whole else parse_decimal(value, column)
    )
    if number is not None and number < 0:
        raise RecordError(
            f"{value!r} is negative; this figure cannot be", column=column, value=value
        )
    return Published(number, False)


def parse_percentage(value: Any, column: str) -> float | None:
    """A percentage 0-100 ('45.2' or '45.2%'); None when blank or suppressed (the caller knows which)."""
    if is_suppressed(value):
        return None
    number = parse_decimal(value, column)
    if number is None:
        return None
    if not 0 <= number <= 100:
        raise RecordError(
            f"{value!r} is not a percentage between 0 and 100", column=column, value=value
        )
    return float(number)


def split_list(value: Any) -> list[str]:
    """The items of a ';'-separated cell, trimmed, blanks and repeats dropped, order kept."""
    if blank(value):
        return []
    items: list[str] = []
    for part in str(value).split(";"):
        item = " ".join(part.split())
        if item and item not in items:
            items.append(item)
    return items
