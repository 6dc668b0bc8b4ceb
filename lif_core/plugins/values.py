"""Reading the values every source writes: blanks, days, reporting periods, financial quarters.

Part of the plugin API (import them from :mod:`lif_core.plugins`): the built-in plugins use the
same functions, so a third-party source reads a date or a period exactly as they do. Each
returns ``None`` for a blank cell where that makes sense, and raises
:class:`~lif_core.plugins.RecordError` naming the column for a value it cannot read, so the row
is rejected with that reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from lif_core.plugins.spec import RecordError, ValidTime

__all__ = [
    "blank",
    "parse_date",
    "parse_period",
    "period_shape",
    "quarter_period",
    "read_period",
]

_BLANKS = {"", "-", "n/a", "na", "null", "none", "not applicable"}
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%Y/%m/%d",
)


def blank(value: Any) -> bool:
    """True for an empty cell and the words sources write for one ('-', 'n/a', 'none', …)."""
    return value is None or (isinstance(value, str) and value.strip().casefold() in _BLANKS)


def parse_date(value: Any, column: str) -> date | None:
    """A day in any of the formats UK sources use (ISO, dd/mm/yyyy, '3 March 2025', Excel serials)."""
    if blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and 20000 < float(value) < 80000:
        return date(1899, 12, 30) + timedelta(days=int(value))  # Excel serial day
    raw = str(value).strip()
    candidate = raw[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]", raw) else raw
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(candidate, fmt).date()
        except ValueError:
            continue
    raise RecordError(
        f"{raw!r} is not a date (expected e.g. 2025-03-31 or 31/03/2025)", column=column, value=raw
    )


_FY = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")
_QUARTER = re.compile(r"^(\d{4})\s*[-/ ]?\s*Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(value: Any, column: str) -> ValidTime:
    """A reporting period: '2024-25' or '2024/2025' (April-March financial year), '2024'
    (calendar year), '2024-Q3' (calendar quarter), '2024-06' (month) or a single date.

    'YYYY-NN' is a financial year when NN is the next year (2024-25), otherwise a month; so
    '2011-12' reads as the financial year 2011-12 — write December 2011 as '2011-12-01'.
    For a financial-year quarter ('2024-25 Q1') use :func:`quarter_period`.
    """
    if blank(value):
        raise RecordError("the period is blank", column=column)
    raw = str(value).strip()
    if m := _FY.match(raw):
        first = int(m.group(1))
        second = int(m.group(2))
        last = second if second > 99 else (first // 100) * 100 + second
        if last == first + 1:
            return ValidTime(date(first, 4, 1), date(last, 3, 31))
        if not (_MONTH.match(raw) and 1 <= second <= 12):
            raise RecordError(
                f"{raw!r} is not a financial year like 2024-25", column=column, value=raw
            )
    if re.fullmatch(r"\d{4}", raw):
        year = int(raw)
        return ValidTime(date(year, 1, 1), date(year, 12, 31))
    if m := _QUARTER.match(raw):
        year, quarter = int(m.group(1)), int(m.group(2))
        start = date(year, 3 * quarter - 2, 1)
        return ValidTime(start, _month_end(year, 3 * quarter))
    if m := _MONTH.match(raw):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise RecordError(f"{raw!r} is not a month", column=column, value=raw)
        return ValidTime(date(year, month, 1), _month_end(year, month))
    day = parse_date(raw, column)
    assert day is not None
    return ValidTime(day, day)


def _month_end(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def period_shape(valid: ValidTime) -> tuple[str, str]:
    """(shape, canonical label) of a period ``parse_period`` read.

    Shapes: ``financial year`` ('2024-25'), ``year`` ('2024'), ``quarter`` ('2024-Q3'),
    ``month`` ('2024-06'), ``day`` ('2024-06-12').
    """
    start, end = valid.valid_from, valid.valid_to
    if end is None or end == start:
        return "day", start.isoformat()
    if start.day == 1 and start.month == 4 and end == date(start.year + 1, 3, 31):
        return "financial year", f"{start.year}-{(start.year + 1) % 100:02d}"
    if start.day == 1 and start.month == 1 and end == date(start.year, 12, 31):
        return "year", str(start.year)
    if start.day == 1 and start.month % 3 == 1 and end == _month_end(start.year, start.month + 2):
        return "quarter", f"{start.year}-Q{start.month // 3 + 1}"
    if start.day == 1 and end == _month_end(start.year, start.month):
        return "month", f"{start.year}-{start.month:02d}"
    return "period", f"{start.isoformat()}/{end.isoformat()}"


_EXAMPLES = {
    "financial year": "2024-25",
    "year": "2024",
    "quarter": "2024-Q3",
    "month": "2024-06",
    "day": "2024-06-12",
}


def read_period(value: Any, column: str, shapes: Iterable[str]) -> tuple[str, ValidTime]:
    """(canonical label, valid time) of a period cell, refused unless it has one of ``shapes``."""
    valid = parse_period(value, column)
    shape, label = period_shape(valid)
    allowed = tuple(shapes)
    if shape not in allowed:
        wanted = " or ".join(f"a {s} like {_EXAMPLES[s]!r}" for s in allowed)
        raise RecordError(
            f"{value!r} is a {shape}; this column takes {wanted}", column=column, value=value
        )
    return label, valid


_FY_QUARTER = re.compile(
    r"^(?:q(?P<q1>[1-4])\s+)?(?P<year>\d{4})\s*[-/]\s*(?P<next>\d{2}|\d{4})"
    r"(?:\s+(?:q|quarter\s*)(?P<q2>[1-4]))?$",
    re.IGNORECASE,
)


@lru_cache(maxsize=256)
def quarter_period(value: str, column: str = "quarter") -> tuple[str, ValidTime]:
    """A financial-year quarter: '2024-25 Q1' (also '2024/25 Q1', 'Q1 2024-2025',
    '2024-25 quarter 1') -> ('2024-25 Q1', 1 April to 30 June 2024). Q1 is April to June."""
    match = _FY_QUARTER.match(" ".join(str(value).split()))
    quarter = match and (match["q1"] or match["q2"])
    if not match or not quarter:
        raise RecordError(
            f"{value!r} is not a financial-year quarter like 2024-25 Q1", column=column, value=value
        )
    start_year = int(match["year"])
    if int(match["next"]) % 100 != (start_year + 1) % 100:
        raise RecordError(
            f"{value!r}: a financial year runs over two consecutive years (e.g. 2024-25)",
            column=column,
            value=value,
        )
    number = int(quarter)
    first_month = 4 + 3 * (number - 1)  # April, July, October, January
    year = start_year + (first_month - 1) // 12
    month = (first_month - 1) % 12 + 1
    label = f"{start_year}-{(start_year + 1) % 100:02d} Q{number}"
    return label, ValidTime(date(year, month, 1), _month_end(year, month + 2))
