"""Working days in England and Wales: Monday to Friday, bank holidays excepted.

The bank holidays are data (``bank_holidays_england_wales.json`` beside this module, with its
source); ``LIF_BANK_HOLIDAYS`` names a JSON file of the same shape (``{"dates": {"2029-01-01":
"New Year's Day", …}}``) whose dates are added — a new year, or a one-off holiday, without code.
A date outside the years the data covers is refused rather than counted as if it had none.

Counting follows the statutory guidance's "within N working days of" an event: the day of the
event is day 0, and the Nth working day after it is the last day on time.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from lif_core.errors import ConfigError

__all__ = ["add_months", "add_working_days", "bank_holidays", "working_days_between"]

_BUILT_IN = Path(__file__).with_name("bank_holidays_england_wales.json")


def _read(path: Path) -> dict[date, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {date.fromisoformat(k): str(v) for k, v in data["dates"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f'bank holidays {path}: {exc} (write {{"dates": {{"YYYY-MM-DD": name}}}})'
        ) from None


@cache
def _load(extra: str) -> tuple[dict[date, str], int, int]:
    days = _read(_BUILT_IN)
    if extra:
        days.update(_read(Path(extra)))
    years = [d.year for d in days]
    return days, min(years), max(years)


def bank_holidays() -> dict[date, str]:
    """Every bank holiday known (the built-in list and ``LIF_BANK_HOLIDAYS``)."""
    return dict(_load(os.environ.get("LIF_BANK_HOLIDAYS", ""))[0])


def _calendar(*days: date) -> dict[date, str]:
    holidays, first, last = _load(os.environ.get("LIF_BANK_HOLIDAYS", ""))
    for day in days:
        if not first <= day.year <= last:
            raise ConfigError(
                f"{day} is outside the years whose bank holidays are known ({first}-{last}): "
                "add them in a file named by LIF_BANK_HOLIDAYS"
            )
    return holidays


def _working(day: date, holidays: dict[date, str]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself is day 0)."""
    holidays = _calendar(start)
    day = start
    left = count
    while left > 0:
        day += timedelta(days=1)
        if _working(day, holidays):
            left -= 1
    _calendar(day)
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    holidays = _calendar(start, end)
    return sum(
        _working(start + timedelta(days=n), holidays) for n in range(1, (end - start).days + 1)
    )


def add_months(start: date, months: int) -> date:
    """The same day ``months`` calendar months later (the month's last day when it has fewer)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(start.day, (following - timedelta(days=1)).day))
